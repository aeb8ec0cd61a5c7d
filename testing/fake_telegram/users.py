"""Simulated users: what people do in Telegram (write, send media, press buttons, add the bot to groups,
block it ...), turned into the updates the bot receives."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from testing.fake_telegram.formatting import _utf16_len
from testing.fake_telegram.records import JSON, _Chat
from testing.fake_telegram.state import FakeState


class SimulatedUsers(FakeState):
    """Inject user actions as updates (``send_text``, ``send_photo``, ``press``, ``bot_added_to`` ...)."""

    if TYPE_CHECKING:

        def _get_chat_member(self, p: JSON, ch: _Chat) -> JSON: ...  # BotApiMethods (methods.py)

    def _chat_for_user_message(self, user: JSON, chat_id: int | None, chat_type: str, title: str | None) -> JSON:
        if chat_id is None or chat_id == user["id"]:
            if chat_type != "private":
                raise ValueError("group messages need an explicit (negative) chat_id")
            obj: JSON = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            for key in ("last_name", "username"):
                if key in user:
                    obj[key] = user[key]
            ch = self._chats.get(user["id"])
            if ch is None:
                self._chats[user["id"]] = _Chat(obj=obj)
            else:
                ch.obj = obj
            return obj
        known = self._chats.get(chat_id)
        if known is None:
            ctype = chat_type if chat_type != "private" else self._group_type_for(chat_id)
            self.ensure_chat(chat_id, ctype, title=title or "Pengawas")
            known = self._chats[chat_id]
        elif title is not None and known.obj.get("title") != title:
            known.obj = {**known.obj, "title": title}
        if known.obj["type"] != "private":
            known.members.add(user["id"])
        return known.obj

    def _user_message(
        self,
        user_id: int,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
        title: str | None = None,
        **payload: Any,
    ) -> JSON:
        user = self._user(user_id, first_name, language_code, username, last_name)
        chat = self._chat_for_user_message(user, chat_id, chat_type, title)
        msg: JSON = {
            "message_id": self._alloc_mid(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            target = self._messages.get((chat["id"], reply_to_message_id))
            if target is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat['id']} to reply to")
            msg["reply_to_message"] = self._reply_snapshot(target)
        msg.update({k: v for k, v in payload.items() if v is not None})
        self._store(msg, from_bot=False)
        return msg

    # ------------------------------------------------------------------ injecting updates

    def inject(self, update_without_id: JSON) -> JSON:
        """Queue a raw update (assigns update_id).  Returns the queued dict."""
        update = {"update_id": next(self._update_ids), **update_without_id}
        self._learn(update)
        self._pending.append(update)
        self._last_inject_seq = len(self.requests)
        self._acked.clear()
        self._injected.set()
        waiter = self._poll_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result("update")
        return update

    def _learn(self, update: JSON) -> None:
        for key, payload in update.items():
            if key == "update_id" or not isinstance(payload, dict):
                continue
            user = payload.get("from")
            if isinstance(user, dict) and isinstance(user.get("id"), int) and user["id"] not in self._users:
                self._users[user["id"]] = user
            chat = payload.get("chat")
            if chat is None and isinstance(payload.get("message"), dict):
                chat = payload["message"].get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int) and chat["id"] not in self._chats:
                self._chats[chat["id"]] = _Chat(obj=chat)

    def _message_update(self, msg: JSON) -> JSON:
        return self.inject({"message": msg})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        language_code: str | None = None,
        reply_to_message_id: int | None = None,
        **kw: Any,
    ) -> JSON:
        entities = None
        if text.startswith("/") and len(text) > 1:
            command = text.split(None, 1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        msg = self._user_message(
            user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=reply_to_message_id,
            text=text,
            entities=entities,
            **kw,
        )
        return self._message_update(msg)

    def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        live_period: int | None = None,
        horizontal_accuracy: float | None = None,
        **kw: Any,
    ) -> JSON:
        loc: JSON = {"latitude": float(latitude), "longitude": float(longitude)}
        if live_period is not None:
            loc["live_period"] = live_period
        if horizontal_accuracy is not None:
            loc["horizontal_accuracy"] = horizontal_accuracy
        return self._message_update(self._user_message(user_id, location=loc, **kw))

    def send_venue(self, user_id: int, latitude: float, longitude: float, title: str, address: str, **kw: Any) -> JSON:
        loc = {"latitude": float(latitude), "longitude": float(longitude)}
        venue = {"location": loc, "title": title, "address": address}
        return self._message_update(self._user_message(user_id, venue=venue, location=loc, **kw))

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        *,
        contact_user_id: int | None = None,
        last_name: str | None = None,
        **kw: Any,
    ) -> JSON:
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if last_name is not None:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        sender_name = kw.pop("sender_first_name", None)
        return self._message_update(self._user_message(user_id, first_name=sender_name, contact=contact, **kw))

    def send_photo(
        self,
        user_id: int,
        content: bytes,
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        file_size: int | None = None,
        **kw: Any,
    ) -> JSON:
        sizes = self._new_photo(content, file_size)
        msg = self._user_message(user_id, photo=sizes, caption=caption, media_group_id=media_group_id, **kw)
        return self._message_update(msg)

    def send_album(self, user_id: int, contents: list[bytes], *, caption: str | None = None, **kw: Any) -> list[JSON]:
        if not 2 <= len(contents) <= 10:
            raise ValueError("an album has 2..10 items")
        group_id = str(next(self._media_group_seq))
        return [
            self.send_photo(user_id, c, caption=caption if i == 0 else None, media_group_id=group_id, **kw)
            for i, c in enumerate(contents)
        ]

    def send_document(
        self,
        user_id: int,
        content: bytes,
        *,
        file_name: str = "doc.pdf",
        mime_type: str = "application/pdf",
        file_size: int | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        **kw: Any,
    ) -> JSON:
        doc = self._new_media("document", content, file_size, file_name=file_name, mime_type=mime_type)
        msg = self._user_message(user_id, document=doc, caption=caption, media_group_id=media_group_id, **kw)
        return self._message_update(msg)

    def send_video(
        self,
        user_id: int,
        content: bytes,
        *,
        duration: int = 3,
        file_size: int | None = None,
        file_name: str | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        **kw: Any,
    ) -> JSON:
        video = self._new_media("video", content, file_size, duration=duration, file_name=file_name)
        msg = self._user_message(user_id, video=video, caption=caption, media_group_id=media_group_id, **kw)
        return self._message_update(msg)

    def send_voice(self, user_id: int, content: bytes = b"ogg", *, duration: int = 1, **kw: Any) -> JSON:
        voice = self._new_media("voice", content, duration=duration)
        return self._message_update(self._user_message(user_id, voice=voice, **kw))

    def send_sticker(self, user_id: int, **kw: Any) -> JSON:
        sticker = self._new_media("sticker", b"RIFF....WEBP")
        return self._message_update(self._user_message(user_id, sticker=sticker, **kw))

    def edit_user_message(self, message: JSON, text: str) -> JSON:
        """The user edits one of their text messages -> ``edited_message`` update."""
        key = (message["chat"]["id"], message["message_id"])
        stored = self._messages.get(key, message)
        edited = {**stored, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        self._messages[key] = edited
        return self.inject({"edited_message": edited})

    def press(self, user_id: int, message: JSON, data: str, *, check: bool = True, **kw: Any) -> JSON:
        """Press an inline button with callback ``data`` on a message the bot sent.

        The callback carries the *current* state of the message (after edits).  With ``check``
        (default) the button must exist in the message's current inline keyboard.
        """
        key = (message["chat"]["id"], message["message_id"])
        current = self._messages.get(key, message)
        if check:
            buttons = [
                btn.get("callback_data")
                for row in (current.get("reply_markup") or {}).get("inline_keyboard", [])
                for btn in row
            ]
            if data not in buttons:
                raise AssertionError(f"message {key} has no inline button with callback_data={data!r}; buttons: {buttons}")
        user = self._user(user_id, kw.pop("first_name", None), kw.pop("language_code", None), kw.pop("username", None))
        qid = f"{self.bot_id}{next(self._cq_seq):010d}"
        self._open_queries.add(qid)
        query: JSON = {
            "id": qid,
            "from": user,
            "message": dict(current),
            "chat_instance": str(abs(hash((self.bot_id, key[0]))) % 10**18),
            "data": data,
        }
        query.update(kw)
        return self.inject({"callback_query": query})

    # group helpers

    def _my_chat_member(self, chat: JSON, by_user_id: int, old: str, new: str) -> JSON:
        return self.inject(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": self._user(by_user_id),
                    "date": int(time.time()),
                    "old_chat_member": self._member(self.bot_id, old),
                    "new_chat_member": self._member(self.bot_id, new),
                }
            }
        )

    def bot_added_to(
        self,
        chat_id: int,
        by_user_id: int,
        title: str = "Pengawas",
        *,
        chat_type: str | None = None,
        as_admin: bool = False,
    ) -> JSON:
        chat = self.ensure_chat(chat_id, chat_type, title=title)
        ch = self._chats[chat_id]
        if ch.obj.get("title") != title and chat_id < 0:
            ch.obj = chat = {**ch.obj, "title": title}
        old = ch.bot_status if (ch.blocked or ch.left) else "left"
        ch.blocked = ch.left = False
        ch.bot_status = "administrator" if as_admin else "member"
        ch.members.add(by_user_id)
        return self._my_chat_member(chat, by_user_id, old, ch.bot_status)

    def bot_removed_from(self, chat_id: int, by_user_id: int, *, status: str | None = None) -> JSON:
        chat = self.ensure_chat(chat_id)
        ch = self._chats[chat_id]
        new = status or ("left" if chat["type"] == "group" else "kicked")
        old = ch.bot_status
        ch.bot_status = new
        if new == "kicked":
            ch.blocked = True
        else:
            ch.left = True
        return self._my_chat_member(chat, by_user_id, old, new)

    def member_status(self, chat_id: int, user_id: int, status: str, *, announce: bool = True) -> JSON | None:
        """A person's status in a group becomes `status` (member, administrator, left or kicked): getChatMember
        answers it from now on. With `announce`, the bot also gets the `chat_member` update (Telegram sends
        those to bots that are administrators and ask for them)."""
        if status not in ("member", "administrator", "left", "kicked"):
            raise ValueError(f"unsupported member status {status!r}")
        chat = self.ensure_chat(chat_id)
        ch = self._chats[chat_id]
        old = self._get_chat_member({"user_id": user_id}, ch)["status"] if user_id in self._users else "left"
        if status in ("left", "kicked"):
            ch.members.discard(user_id)
        else:
            ch.members.add(user_id)
        if status == "administrator" and user_id not in ch.admins:
            ch.admins.append(user_id)
        elif status != "administrator" and user_id in ch.admins[1:]:
            ch.admins.remove(user_id)
        if not announce:
            return None
        change = {"chat": chat, "from": self._user(user_id), "date": int(time.time()),
                  "old_chat_member": self._member(user_id, old), "new_chat_member": self._member(user_id, status)}
        return self.inject({"chat_member": change})

    def user_blocks_bot(self, user_id: int) -> JSON:
        """The user blocks the bot: my_chat_member(kicked) and further sends get 403."""
        chat = self.ensure_chat(user_id)
        self._chats[user_id].blocked = True
        return self._my_chat_member(chat, user_id, "member", "kicked")

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> JSON:
        old = self.ensure_chat(old_chat_id, "group")
        ch = self._chats[old_chat_id]
        new_obj = {"id": new_chat_id, "type": "supergroup", "title": old.get("title", "Pengawas")}
        self._chats[new_chat_id] = _Chat(
            obj=new_obj, admins=list(ch.admins), members=set(ch.members), bot_status=ch.bot_status
        )
        by = ch.admins[0] if ch.admins else next(iter(ch.members), 1)
        msg: JSON = {
            "message_id": self._alloc_mid(old_chat_id),
            "from": self._user(by),
            "chat": old,
            "date": int(time.time()),
            "migrate_to_chat_id": new_chat_id,
        }
        self._store(msg, from_bot=False)
        ch.migrated_to = new_chat_id
        return self._message_update(msg)

    def set_chat_admins(self, chat_id: int, user_ids: list[int]) -> None:
        """Admins of a group; the first one is the owner ("creator")."""
        self.ensure_chat(chat_id)
        ch = self._chats[chat_id]
        ch.admins = list(user_ids)
        ch.members.update(u for u in user_ids if u != self.bot_id)
        if self.bot_id in user_ids:
            ch.bot_status = "administrator"

    def block(self, chat_id: int) -> None:
        self.ensure_chat(chat_id)
        self._chats[chat_id].blocked = True

    def unblock(self, chat_id: int) -> None:
        if chat_id in self._chats:
            self._chats[chat_id].blocked = False
            self._chats[chat_id].left = False
