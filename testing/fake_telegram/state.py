"""The fake's state and the helpers every part uses: users, chats, stored messages and files."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from collections import deque
from typing import Any

from aiohttp import web
from PIL import Image

from testing.fake_telegram.limits import TelegramLimits
from testing.fake_telegram.records import JSON, ApiCall, FakeFile, _Chat, _Fault, _RatioFaults, _Waiter

_KIND_EXT = {
    "photo": ("photos", "jpg"),
    "document": ("documents", "bin"),
    "video": ("videos", "mp4"),
    "audio": ("music", "mp3"),
    "voice": ("voice", "oga"),
    "animation": ("animations", "mp4"),
    "sticker": ("stickers", "webp"),
    "video_note": ("video_notes", "mp4"),
}


_PHOTO_W, _PHOTO_H = 1280, 960
_THUMB_W, _THUMB_H = 90, 68


def _as_telegram_photo(content: bytes) -> bytes:
    """What Telegram keeps of a picture sent as a photo: the picture encoded again as a JPEG, without its EXIF,
    XMP or comments. Bytes that are no picture (most tests send stand-ins) are kept as they are."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            picture = image.convert("RGB")
            picture.info = {}  # what Pillow read (a comment, XMP) would otherwise be written again
            out = io.BytesIO()
            picture.save(out, format="JPEG", quality=87)
    except Exception:  # not a picture Pillow reads: a test's stand-in bytes
        return bytes(content)
    return out.getvalue()


class FakeState:
    """What the fake knows (users, chats, messages, files, calls, updates, faults) and the helpers every part
    uses; FakeTelegram (server.py) composes the parts on top of it."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "pantau_test_bot") -> None:
        self.token = token
        self.bot_username = bot_username
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 123456
        self.bot_user: JSON = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Pantau Test",
            "username": bot_username,
        }
        self.host = "127.0.0.1"
        self.port = 0
        self.base_url = ""
        self.file_base_url = ""
        # Extra latency added to every non-getUpdates call (seconds), for benchmarks.
        self.latency = 0.0
        # If True, sending to a chat the fake never saw answers 400 "chat not found"
        # (private chats) like Telegram.  Chats become known through injected updates,
        # bot_added_to(), set_chat_admins() or ensure_chat().
        self.strict_chats = True

        self.requests: list[ApiCall] = []
        self.hanging: list[ApiCall] = []  # calls held by a status-0 fault (see wait_hanging)
        self._hang_event = asyncio.Event()
        self.downloads: list[str] = []
        self._by_method: dict[str, list[ApiCall]] = {}
        self._by_chat: dict[int, list[ApiCall]] = {}
        self._waiters: list[_Waiter] = []
        self._last_inject_seq = 0

        self._update_ids = itertools.count(100_000_001)
        self._pending: deque[JSON] = deque()
        self._allowed: frozenset[str] | None = None
        self._poll_waiter: asyncio.Future[str] | None = None
        self._poll_held = asyncio.Event()
        self._acked = asyncio.Event()
        self._acked.set()
        self._webhook_url = ""
        self.webhook_posts: list[Any] = []  # WebhookPost (webhook.py): every attempt to post an update
        self.webhook_secret: str | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_changed = asyncio.Event()
        self._injected = asyncio.Event()  # set by every injected update: the webhook pusher waits for it

        self._users: dict[int, JSON] = {}
        self._chats: dict[int, _Chat] = {}
        self._next_mid: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._bot_msgs: dict[int, dict[int, JSON]] = {}
        self._reply_kbd: dict[int, JSON] = {}
        self._files: dict[str, FakeFile] = {}
        self._files_by_path: dict[str, FakeFile] = {}
        self._file_seq = itertools.count(1)
        self._cq_seq = itertools.count(1)
        self._open_queries: set[str] = set()
        self._media_group_seq = itertools.count(13_000_000_000_000_001)
        self._commands: dict[tuple[str, str], list[JSON]] = {}

        self._faults: list[_Fault] = []
        self._ratio: _RatioFaults | None = None
        self.limits: TelegramLimits | None = None  # Telegram's flood limits, off unless enable_limits()

        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    # ------------------------------------------------------------------ users / chats

    def _user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSON:
        known = self._users.get(user_id)
        if known is None:
            known = {"id": user_id, "is_bot": False, "first_name": first_name or "Budi", "language_code": "id"}
            self._users[user_id] = known
        if first_name is not None or language_code is not None or username is not None or last_name is not None:
            known = dict(known)
            if first_name is not None:
                known["first_name"] = first_name
            if language_code is not None:
                known["language_code"] = language_code
            if username is not None:
                known["username"] = username
            if last_name is not None:
                known["last_name"] = last_name
            self._users[user_id] = known
        return known

    @staticmethod
    def _group_type_for(chat_id: int) -> str:
        return "supergroup" if str(chat_id).startswith("-100") else "group"

    def ensure_chat(
        self,
        chat_id: int,
        chat_type: str | None = None,
        *,
        title: str = "Pengawas",
        first_name: str | None = None,
    ) -> JSON:
        """Make a chat known to the fake (returns its Chat object)."""
        ch = self._chats.get(chat_id)
        if ch is None:
            if chat_id > 0:
                user = self._user(chat_id, first_name)
                obj: JSON = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                for key in ("last_name", "username"):
                    if key in user:
                        obj[key] = user[key]
            else:
                ctype = chat_type if chat_type and chat_type != "private" else self._group_type_for(chat_id)
                obj = {"id": chat_id, "type": ctype, "title": title}
            ch = _Chat(obj=obj)
            self._chats[chat_id] = ch
        return ch.obj

    def _alloc_mid(self, chat_id: int) -> int:
        mid = self._next_mid.get(chat_id, 0) + 1
        self._next_mid[chat_id] = mid
        return mid

    def _store(self, msg: JSON, *, from_bot: bool) -> None:
        cid = msg["chat"]["id"]
        self._messages[(cid, msg["message_id"])] = msg
        if from_bot:
            self._bot_msgs.setdefault(cid, {})[msg["message_id"]] = msg

    @staticmethod
    def _reply_snapshot(target: JSON) -> JSON:
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    # ------------------------------------------------------------------ files

    def _new_file(self, kind: str, content: bytes, file_size: int | None = None, *, ext: str | None = None) -> FakeFile:
        n = next(self._file_seq)
        folder, default_ext = _KIND_EXT.get(kind, ("files", "bin"))
        rec = FakeFile(
            file_id=f"FAKE{kind.upper()}-{n:06d}-{self.bot_id}",
            file_unique_id=f"UQ{n:08d}",
            kind=kind,
            content=bytes(content),
            file_size=len(content) if file_size is None else int(file_size),
            file_path=f"{folder}/file_{n}.{ext or default_ext}",
        )
        self._files[rec.file_id] = rec
        self._files_by_path[rec.file_path] = rec
        return rec

    def _new_photo(self, content: bytes, file_size: int | None = None) -> list[JSON]:
        thumb = self._new_file("photo", b"\xff\xd8\xff-thumb-" + str(len(self._files)).encode())
        big = self._new_file("photo", _as_telegram_photo(content), file_size)
        sizes = [
            {
                "file_id": thumb.file_id,
                "file_unique_id": thumb.file_unique_id,
                "file_size": thumb.file_size,
                "width": _THUMB_W,
                "height": _THUMB_H,
            },
            {
                "file_id": big.file_id,
                "file_unique_id": big.file_unique_id,
                "file_size": big.file_size,
                "width": _PHOTO_W,
                "height": _PHOTO_H,
            },
        ]
        thumb.obj = big.obj = sizes
        return sizes

    def _new_media(
        self,
        kind: str,
        content: bytes,
        file_size: int | None = None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        duration: int | None = None,
    ) -> Any:
        if kind == "photo":
            return self._new_photo(content, file_size)
        ext = None
        if kind == "document" and file_name and "." in file_name:
            ext = file_name.rsplit(".", 1)[1][:8] or None
        rec = self._new_file(kind, content, file_size, ext=ext)
        obj: JSON = {"file_id": rec.file_id, "file_unique_id": rec.file_unique_id, "file_size": rec.file_size}
        if kind == "document":
            obj["file_name"] = file_name or "document"
            obj["mime_type"] = mime_type or "application/octet-stream"
        elif kind in ("video", "animation"):
            obj.update(width=640, height=360, duration=duration or 3, mime_type=mime_type or "video/mp4")
            if file_name:
                obj["file_name"] = file_name
        elif kind == "voice":
            obj.update(duration=duration or 1, mime_type=mime_type or "audio/ogg")
        elif kind == "audio":
            obj.update(duration=duration or 1, mime_type=mime_type or "audio/mpeg")
            if file_name:
                obj["file_name"] = file_name
        elif kind == "sticker":
            obj.update(type="regular", width=512, height=512, is_animated=False, is_video=False, emoji="👍")
        elif kind == "video_note":
            obj.update(length=240, duration=duration or 1)
        rec.obj = obj
        return obj

    def file(self, file_id: str) -> FakeFile:
        """The stored file (sent by a user or uploaded by the bot)."""
        return self._files[file_id]

    # --- chat members (getChatMember answers, member updates)

    def _member(self, user_id: int, status: str) -> JSON:
        user = self.bot_user if user_id == self.bot_id else self._user(user_id)
        out: JSON = {"status": status, "user": user}
        if status == "kicked":
            out["until_date"] = 0
        elif status == "creator":
            out["is_anonymous"] = False
        elif status == "administrator":
            out.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=user_id != self.bot_id,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        return out

    # --- commands

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope or scope == {"type": "default"}:
            return "default"
        return json.dumps(scope, sort_keys=True)
