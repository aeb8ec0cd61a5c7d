"""The Bot API methods the fake answers, with Telegram's checks and error messages."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from typing import Any, cast

from testing.fake_telegram.formatting import format_text
from testing.fake_telegram.records import (
    JSON,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_SIZE,
    MAX_TEXT_LENGTH,
    ApiError,
    _bad,
    _Chat,
)
from testing.fake_telegram.state import _KIND_EXT, FakeState

_MSG_META_KEYS = frozenset(
    {
        "message_id",
        "date",
        "chat",
        "from",
        "reply_to_message",
        "media_group_id",
        "edit_date",
        "forward_origin",
        "reply_markup",
        "has_protected_content",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
    }
)


class BotApiMethods(FakeState):
    """Handlers of the Bot API methods; server.py maps method names to them."""

    # --- chat checks

    def _resolve_chat(self, chat_id: Any, *, check_member: bool = True) -> _Chat:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad("chat not found")
        ch = self._chats.get(chat_id)
        if ch is None:
            if self.strict_chats:
                raise _bad("chat not found")
            self.ensure_chat(chat_id)
            ch = self._chats[chat_id]
        if ch.migrated_to is not None:
            raise _bad("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": ch.migrated_to})
        if check_member:
            if ch.blocked:
                if chat_id > 0:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
                raise ApiError(403, f"Forbidden: bot was kicked from the {ch.obj['type']} chat")
            if ch.left:
                raise ApiError(403, f"Forbidden: bot is not a member of the {ch.obj['type']} chat")
        return ch

    def _with_chat(
        self, fn: Callable[[JSON, _Chat], Any], *, check_member: bool = True, optional: bool = False
    ) -> Callable[[JSON], Any]:
        def wrapped(p: JSON) -> Any:
            if optional and "chat_id" not in p:
                return fn(p, _Chat(obj={}))
            return fn(p, self._resolve_chat(p.get("chat_id"), check_member=check_member))

        return wrapped

    # --- commands

    def _set_my_commands(self, p: JSON) -> bool:
        cmds = p.get("commands")
        if not isinstance(cmds, list) or len(cmds) > 100:
            raise _bad("can't parse commands JSON object")
        for c in cmds:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[(self._scope_key(p.get("scope")), p.get("language_code") or "")] = [
            {"command": c["command"], "description": c["description"]} for c in cmds
        ]
        return True

    def _delete_my_commands(self, p: JSON) -> bool:
        self._commands.pop((self._scope_key(p.get("scope")), p.get("language_code") or ""), None)
        return True

    # --- callback queries

    def _answer_callback_query(self, p: JSON) -> bool:
        qid = p.get("callback_query_id")
        if qid not in self._open_queries:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._open_queries.discard(qid)
        return True

    # --- validation helpers

    @staticmethod
    def _validate_markup(markup: Any) -> JSON | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array')
            for row in rows:
                for btn in row:
                    if not isinstance(btn, dict) or not isinstance(btn.get("text"), str):
                        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                    if set(btn) == {"text"}:
                        raise _bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                    if "callback_data" in btn:
                        data = btn["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                            raise _bad("BUTTON_DATA_INVALID")
                    if "url" in btn and not btn["url"]:
                        raise _bad("BUTTON_URL_INVALID")
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('can\'t parse reply keyboard markup: field "keyboard" must be an Array')
        elif not ("remove_keyboard" in markup or "force_reply" in markup):
            raise _bad("can't parse reply keyboard markup JSON object")
        return markup

    def _apply_markup(self, msg: JSON, chat_id: int, markup: JSON | None) -> None:
        if markup is None:
            return
        if "inline_keyboard" in markup:
            msg["reply_markup"] = markup
        elif "keyboard" in markup:
            self._reply_kbd[chat_id] = markup
        elif "remove_keyboard" in markup:
            self._reply_kbd.pop(chat_id, None)

    def _text_of(self, p: JSON) -> tuple[str, list[JSON]]:
        text = p.get("text")
        if text is None or text == "":
            raise _bad("message text is empty")
        plain, ents = format_text(text, p.get("parse_mode"), p.get("entities"))
        if not plain.strip():
            raise _bad("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        return plain, ents

    @staticmethod
    def _caption_of(p: JSON, key: str = "caption") -> tuple[str, list[JSON]] | None:
        cap = p.get(key)
        if cap is None or cap == "":
            return None
        plain, ents = format_text(cap, p.get("parse_mode"), p.get("caption_entities"))
        if len(plain) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        return plain, ents

    def _reply_target(self, p: JSON, chat_id: int) -> JSON | None:
        rp = p.get("reply_parameters")
        if not isinstance(rp, dict):
            rp = {"message_id": p["reply_to_message_id"]} if p.get("reply_to_message_id") else None
        if not rp:
            return None
        target_chat = rp.get("chat_id", chat_id)
        target = self._messages.get((cast(int, target_chat), cast(int, rp.get("message_id"))))
        if target is None:
            if rp.get("allow_sending_without_reply") or p.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return self._reply_snapshot(target)

    def _new_bot_message(self, p: JSON, ch: _Chat, markup: JSON | None, **content: Any) -> JSON:
        """Allocate + store a bot message (call only after all validation passed)."""
        chat_id = ch.obj["id"]
        reply = self._reply_target(p, chat_id)
        msg: JSON = {
            "message_id": self._alloc_mid(chat_id),
            "from": self.bot_user,
            "chat": ch.obj,
            "date": int(time.time()),
        }
        if reply is not None:
            msg["reply_to_message"] = reply
        msg.update({k: v for k, v in content.items() if v is not None})
        if p.get("protect_content"):
            msg["has_protected_content"] = True
        self._apply_markup(msg, chat_id, markup)
        self._store(msg, from_bot=True)
        return msg

    # --- sending

    def _send_message(self, p: JSON, ch: _Chat) -> JSON:
        text, ents = self._text_of(p)
        markup = self._validate_markup(p.get("reply_markup"))
        self._reply_target(p, ch.obj["id"])  # validate before allocating an id
        msg = self._new_bot_message(p, ch, markup, text=text, entities=ents or None)
        lpo = p.get("link_preview_options")
        if isinstance(lpo, dict) and lpo:
            msg["link_preview_options"] = lpo
        return dict(msg)

    def _media_from_param(self, kind: str, value: Any, p: JSON) -> Any:
        if value is None or value == "":
            raise _bad(f"there is no {kind} in the request")
        if isinstance(value, bytes):
            filename = getattr(value, "filename", None)
            ctype = getattr(value, "content_type", None)
            return self._new_media(kind, value, file_name=filename, mime_type=ctype, duration=p.get("duration"))
        if not isinstance(value, str):
            raise _bad(f"wrong type of the {kind} parameter")
        rec = self._files.get(value)
        if rec is not None:
            if rec.kind != kind:
                raise _bad(f"can't use file of type {rec.kind.title()} as {kind.title()}")
            return copy.deepcopy(rec.obj)
        if value.startswith(("http://", "https://")):
            return self._new_media(kind, b"", file_name=value.rsplit("/", 1)[-1] or None)
        raise _bad("wrong file identifier/HTTP URL specified")

    def _media_sender(self, kind: str) -> Callable[[JSON, _Chat], JSON]:
        def send(p: JSON, ch: _Chat) -> JSON:
            cap = self._caption_of(p)
            markup = self._validate_markup(p.get("reply_markup"))
            self._reply_target(p, ch.obj["id"])
            value = p.get(kind)
            if isinstance(value, str) and value in self._files and self._files[value].kind != kind:
                raise _bad(f"can't use file of type {self._files[value].kind.title()} as {kind.title()}")
            media = self._media_from_param(kind, value, p)
            content: JSON = {kind: media}
            if cap is not None:
                content["caption"] = cap[0]
                content["caption_entities"] = cap[1] or None
            if p.get("has_spoiler"):
                content["has_media_spoiler"] = True
            if p.get("show_caption_above_media"):
                content["show_caption_above_media"] = True
            return dict(self._new_bot_message(p, ch, markup, **content))

        return send

    def _send_media_group(self, p: JSON, ch: _Chat) -> list[JSON]:
        media = p.get("media")
        if not isinstance(media, list):
            raise _bad("can't parse InputMedia JSON array")
        if not 2 <= len(media) <= 10:
            raise _bad("wrong number of media items: must be between 2 and 10")
        self._reply_target(p, ch.obj["id"])
        prepared: list[tuple[str, Any, tuple[str, list[JSON]] | None]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
                raise _bad("can't parse InputMedia: media type is invalid")
            cap = self._caption_of(item)
            kind = item["type"]
            value = item.get("media")
            if isinstance(value, str) and value in self._files and self._files[value].kind != kind:
                raise _bad(f"can't use file of type {self._files[value].kind.title()} as {kind.title()}")
            if not isinstance(value, bytes | str) or (
                isinstance(value, str) and value not in self._files and not value.startswith(("http://", "https://"))
            ):
                raise _bad("wrong file identifier/HTTP URL specified")
            prepared.append((kind, value, cap))
        group_id = str(next(self._media_group_seq))
        out = []
        for (kind, value, cap), item in zip(prepared, media, strict=True):
            content: JSON = {kind: self._media_from_param(kind, value, item), "media_group_id": group_id}
            if cap is not None:
                content["caption"] = cap[0]
                content["caption_entities"] = cap[1] or None
            if item.get("has_spoiler"):
                content["has_media_spoiler"] = True
            out.append(dict(self._new_bot_message(p, ch, None, **content)))
        return out

    @staticmethod
    def _coords(p: JSON) -> JSON:
        try:
            lat, lon = float(p["latitude"]), float(p["longitude"])
        except (KeyError, TypeError, ValueError):
            raise _bad("wrong latitude or longitude") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad("wrong latitude or longitude")
        return {"latitude": lat, "longitude": lon}

    def _send_location(self, p: JSON, ch: _Chat) -> JSON:
        loc = self._coords(p)
        if p.get("live_period"):
            loc["live_period"] = p["live_period"]
        markup = self._validate_markup(p.get("reply_markup"))
        self._reply_target(p, ch.obj["id"])
        return dict(self._new_bot_message(p, ch, markup, location=loc))

    def _send_venue(self, p: JSON, ch: _Chat) -> JSON:
        loc = self._coords(p)
        if not p.get("title") or not p.get("address"):
            raise _bad("venue title and address must be non-empty")
        markup = self._validate_markup(p.get("reply_markup"))
        self._reply_target(p, ch.obj["id"])
        venue = {"location": loc, "title": p["title"], "address": p["address"]}
        return dict(self._new_bot_message(p, ch, markup, venue=venue, location=loc))

    def _send_contact(self, p: JSON, ch: _Chat) -> JSON:
        if not p.get("phone_number") or not p.get("first_name"):
            raise _bad("phone number and first name must be non-empty")
        markup = self._validate_markup(p.get("reply_markup"))
        contact = {k: p[k] for k in ("phone_number", "first_name", "last_name", "vcard") if p.get(k)}
        return dict(self._new_bot_message(p, ch, markup, contact=contact))

    def _source_message(self, p: JSON, what: str) -> JSON:
        src = self._messages.get((cast(int, p.get("from_chat_id")), cast(int, p.get("message_id"))))
        if src is None:
            raise _bad(f"message to {what} not found")
        return src

    def _copy_message(self, p: JSON, ch: _Chat) -> JSON:
        src = self._source_message(p, "copy")
        markup = self._validate_markup(p.get("reply_markup"))
        content = {k: v for k, v in src.items() if k not in _MSG_META_KEYS}
        if "caption" in p:
            cap = self._caption_of(p)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if cap is not None:
                content["caption"] = cap[0]
                content["caption_entities"] = cap[1] or None
        self._reply_target(p, ch.obj["id"])
        msg = self._new_bot_message(p, ch, markup, **content)
        return {"message_id": msg["message_id"]}

    def _forward_message(self, p: JSON, ch: _Chat) -> JSON:
        src = self._source_message(p, "forward")
        content = {k: v for k, v in src.items() if k not in _MSG_META_KEYS}
        origin = {"type": "user", "sender_user": src.get("from", self.bot_user), "date": src["date"]}
        return dict(self._new_bot_message({}, ch, None, forward_origin=origin, **content))

    # --- editing / deleting

    def _editable(self, p: JSON) -> JSON | None:
        """The stored bot message targeted by an edit, or None for inline messages."""
        if p.get("inline_message_id"):
            return None
        ch = self._resolve_chat(p.get("chat_id"))
        msg = self._messages.get((ch.obj["id"], cast(int, p.get("message_id"))))
        if msg is None:
            raise _bad("message to edit not found")
        if msg.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        return msg

    @staticmethod
    def _markup_norm(m: Any) -> Any:
        if not m or m == {"inline_keyboard": []}:
            return None
        return m

    @staticmethod
    def _not_modified() -> ApiError:
        return _bad(
            "message is not modified: specified new message content and reply markup are exactly the same "
            "as a current content and reply markup of the message"
        )

    def _commit_edit(self, msg: JSON, updates: JSON) -> JSON:
        for k, v in updates.items():
            if v is None:
                msg.pop(k, None)
            else:
                msg[k] = v
        msg["edit_date"] = int(time.time())
        return dict(msg)

    def _edit_message_text(self, p: JSON) -> Any:
        msg = self._editable(p)
        text, ents = self._text_of(p)
        markup = self._validate_markup(p.get("reply_markup"))
        if msg is None:
            return True
        if "text" not in msg:
            raise _bad("there is no text in the message to edit")
        inline = markup if markup and "inline_keyboard" in markup else None
        if (
            msg["text"] == text
            and (msg.get("entities") or []) == ents
            and self._markup_norm(msg.get("reply_markup")) == self._markup_norm(inline)
        ):
            raise self._not_modified()
        lpo = p.get("link_preview_options")
        return self._commit_edit(
            msg,
            {
                "text": text,
                "entities": ents or None,
                "reply_markup": self._markup_norm(inline),
                "link_preview_options": lpo if isinstance(lpo, dict) and lpo else None,
            },
        )

    def _edit_message_caption(self, p: JSON) -> Any:
        msg = self._editable(p)
        cap = self._caption_of(p)
        markup = self._validate_markup(p.get("reply_markup"))
        if msg is None:
            return True
        if "text" in msg or not any(k in msg for k in ("photo", "video", "document", "audio", "animation", "voice")):
            raise _bad("there is no caption in the message to edit")
        inline = markup if markup and "inline_keyboard" in markup else None
        new_cap, new_ents = cap if cap is not None else (None, [])
        if (
            msg.get("caption") == new_cap
            and (msg.get("caption_entities") or []) == new_ents
            and self._markup_norm(msg.get("reply_markup")) == self._markup_norm(inline)
        ):
            raise self._not_modified()
        return self._commit_edit(
            msg,
            {"caption": new_cap, "caption_entities": new_ents or None, "reply_markup": self._markup_norm(inline)},
        )

    def _edit_message_reply_markup(self, p: JSON) -> Any:
        msg = self._editable(p)
        markup = self._validate_markup(p.get("reply_markup"))
        if msg is None:
            return True
        inline = markup if markup and "inline_keyboard" in markup else None
        if self._markup_norm(msg.get("reply_markup")) == self._markup_norm(inline):
            raise self._not_modified()
        return self._commit_edit(msg, {"reply_markup": self._markup_norm(inline)})

    def _edit_message_media(self, p: JSON) -> Any:
        msg = self._editable(p)
        media = p.get("media")
        markup = self._validate_markup(p.get("reply_markup"))
        if not isinstance(media, dict) or media.get("type") not in _KIND_EXT:
            raise _bad("can't parse InputMedia JSON object")
        kind = media["type"]
        cap = self._caption_of(media)
        obj = self._media_from_param(kind, media.get("media"), media)
        if msg is None:
            return True
        inline = markup if markup and "inline_keyboard" in markup else None
        updates: JSON = {
            k: None for k in ("photo", "video", "document", "audio", "animation", "caption", "caption_entities")
        }
        updates[kind] = obj
        if cap is not None:
            updates["caption"], updates["caption_entities"] = cap[0], cap[1] or None
        updates["reply_markup"] = self._markup_norm(inline)
        return self._commit_edit(msg, updates)

    def _delete_message(self, p: JSON, ch: _Chat) -> bool:
        key = (ch.obj["id"], p.get("message_id"))
        if key not in self._messages:
            raise _bad("message to delete not found")
        self._forget(key)
        return True

    def _delete_messages(self, p: JSON, ch: _Chat) -> bool:
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _bad("message identifiers are not specified")
        for mid in ids:
            self._forget((ch.obj["id"], mid))
        return True

    def _forget(self, key: tuple[int, int]) -> None:
        self._messages.pop(key, None)
        self._bot_msgs.get(key[0], {}).pop(key[1], None)

    # --- files

    def _get_file(self, p: JSON) -> JSON:
        rec = self._files.get(str(p.get("file_id")))
        if rec is None:
            raise _bad("invalid file_id")
        if rec.file_size > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {
            "file_id": rec.file_id,
            "file_unique_id": rec.file_unique_id,
            "file_size": rec.file_size,
            "file_path": rec.file_path,
        }

    # --- chats

    def _get_chat(self, p: JSON, ch: _Chat) -> JSON:
        info = dict(ch.obj)
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return info

    def _get_chat_member(self, p: JSON, ch: _Chat) -> JSON:
        uid = p.get("user_id")
        if not isinstance(uid, int):
            raise _bad("invalid user_id specified")
        chat_id = ch.obj["id"]
        if ch.obj["type"] == "private":
            if uid in (chat_id, self.bot_id):
                return self._member(uid, "member")
            raise _bad("user not found")
        if uid == self.bot_id:
            return self._member(uid, ch.bot_status)
        if ch.admins and uid == ch.admins[0]:
            return self._member(uid, "creator")
        if uid in ch.admins:
            return self._member(uid, "administrator")
        if uid in ch.members:
            return self._member(uid, "member")
        if uid not in self._users:
            raise _bad("user not found")
        return self._member(uid, "left")

    def _get_chat_administrators(self, p: JSON, ch: _Chat) -> list[JSON]:
        if ch.obj["type"] == "private":
            raise _bad("there are no administrators in the private chat")
        return [self._member(uid, "creator" if i == 0 else "administrator") for i, uid in enumerate(ch.admins)]

    def _leave_chat(self, p: JSON, ch: _Chat) -> bool:
        if ch.obj["type"] == "private":
            raise _bad("chat member status can't be changed in private chats")
        ch.left = True
        ch.bot_status = "left"
        return True
