"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

It is a real aiohttp HTTP server (127.0.0.1, random port by default) running inside the caller's
event loop, so a PTB ``Application`` (in-process or a ``python -m bot`` subprocess) can long-poll it
with ``base_url=fake.base_url`` and ``base_file_url=fake.file_base_url``.

Tests inject user actions (``send_text``, ``send_photo``, ``press`` ...), then inspect what the bot did
(``requests``, ``calls``, ``messages_to``, ``wait_for`` ...).  Faults (429 / 5xx / timeouts) can be
injected with ``fail_next`` / ``fail_ratio``.

Notes on how PTB 22 talks to the API (see telegram/request/_requestparameter.py and _httpxrequest.py):
every parameter is sent as a form field; ``str`` values are sent verbatim and everything else
(ints, bools, lists, dicts such as ``reply_markup``/``reply_parameters``/``media``/``entities``) is
``json.dumps``-ed.  The body is ``application/x-www-form-urlencoded`` unless files are uploaded, then
``multipart/form-data`` where a single upload is a file part named after the parameter (e.g.
``photo``), and uploads inside ``media`` are referenced as ``attach://<name>`` with a file part
``<name>``.  We therefore decode fields by name: known string-typed fields stay strings, the rest
are JSON-decoded when they parse.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import copy
import html
import itertools
import json
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from aiohttp import BodyPartReader, web

JSON = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024

# Methods whose text-carrying results count as a "reply" for wait_for_reply().
REPLY_METHODS: tuple[str, ...] = (
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageMedia",
    "sendPhoto",
    "sendDocument",
    "sendVideo",
    "sendAudio",
    "sendAnimation",
    "sendVoice",
    "sendMediaGroup",
    "copyMessage",
    "forwardMessage",
)

DEFAULT_FAULT_METHODS: tuple[str, ...] = (
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "sendPhoto",
    "sendMediaGroup",
    "sendLocation",
    "sendDocument",
    "answerCallbackQuery",
)

# Parameters that are string-typed in the Bot API: never JSON-decode them ("123" stays "123").
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "title",
        "address",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "description",
        "short_description",
        "name",
        "url",
        "file_id",
        "language_code",
        "emoji",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "action",
        "question",
        "explanation",
        "photo",
        "document",
        "video",
        "audio",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "payload",
        "currency",
        "provider_token",
        "start_parameter",
        "result_id",
        "web_app_query_id",
        "game_short_name",
    }
)

# Methods answered with plain ``True`` (after chat checks when they have a chat_id).
_TRUE_METHODS = (
    "logOut",
    "close",
    "setMessageReaction",
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
    "banChatMember",
    "unbanChatMember",
    "restrictChatMember",
    "promoteChatMember",
    "setChatPermissions",
    "setChatTitle",
    "setChatDescription",
    "approveChatJoinRequest",
    "declineChatJoinRequest",
)

_MEDIA_METHODS: dict[str, str] = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVideo": "video",
    "sendAudio": "audio",
    "sendVoice": "voice",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
    "sendVideoNote": "video_note",
}

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

_PHOTO_W, _PHOTO_H = 1280, 960
_THUMB_W, _THUMB_H = 90, 68


# --------------------------------------------------------------------------------------------
# Data types
# --------------------------------------------------------------------------------------------


class Upload(bytes):
    """Bytes of an uploaded multipart file, with the part's filename and content type."""

    filename: str | None
    content_type: str | None

    def __new__(cls, data: bytes, filename: str | None = None, content_type: str | None = None) -> Upload:
        obj = super().__new__(cls, data)
        obj.filename = filename
        obj.content_type = content_type
        return obj


@dataclass(eq=False)
class ApiCall:
    """One HTTP call the bot made.  ``status`` is the HTTP status (0 = connection dropped)."""

    seq: int
    method: str
    params: JSON
    response: Any = None
    status: int = 0
    done: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        cid = self.params.get("chat_id")
        return cid if isinstance(cid, int) and not isinstance(cid, bool) else None

    @property
    def ok(self) -> bool:
        return self.status == 200 and isinstance(self.response, dict) and bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result") if self.ok else None

    @property
    def description(self) -> str | None:
        return self.response.get("description") if isinstance(self.response, dict) else None

    def short(self) -> str:
        p = {k: (v if not isinstance(v, bytes) else f"<{len(v)} bytes>") for k, v in self.params.items()}
        for key in ("text", "caption"):
            if isinstance(p.get(key), str) and len(p[key]) > 80:
                p[key] = p[key][:77] + "..."
        outcome = "pending" if not self.done else (f"{self.status}" + ("" if self.ok else f" {self.description}"))
        return f"#{self.seq} {self.method} {json.dumps(p, default=str, ensure_ascii=False)[:300]} -> {outcome}"


@dataclass(eq=False)
class FakeFile:
    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_size: int
    file_path: str
    obj: Any = None  # the Bot API object (list of PhotoSize for photos)


@dataclass(eq=False)
class _Fault:
    method: str | None  # lowercased; None = any
    status: int
    retry_after: int | None
    description: str | None
    times: int
    chat_id: int | None
    delay: float
    process: bool = False


@dataclass(eq=False)
class _RatioFaults:
    ratio: float
    methods: frozenset[str]
    kinds: tuple[int | str, ...]
    rng: random.Random
    retry_after: int
    timeout_delay: float


@dataclass(eq=False)
class _Waiter:
    after: int
    match: Callable[[ApiCall], bool]
    fut: asyncio.Future[ApiCall]


@dataclass(eq=False)
class _Chat:
    obj: JSON
    blocked: bool = False
    left: bool = False
    migrated_to: int | None = None
    admins: list[int] = field(default_factory=list)
    members: set[int] = field(default_factory=set)
    bot_status: str = "member"


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str, parameters: JSON | None = None) -> ApiError:
    return ApiError(400, "Bad Request: " + description, parameters)


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Formatting (parse_mode) -> plain text + entities, with Telegram-like errors
# --------------------------------------------------------------------------------------------


class _ParseError(Exception):
    pass


def _byte_offset(src: str, i: int) -> int:
    return len(src[:i].encode("utf-8"))


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset
        self.entities: list[JSON] = []

    def emit(self, s: str) -> None:
        self.parts.append(s)
        self.pos += _utf16_len(s)

    def add(self, etype: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append({"type": etype, "offset": start, "length": self.pos - start, **extra})

    def result(self) -> tuple[str, list[JSON]]:
        ents = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ents


_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
_HTML_ATTR = re.compile(r"""([A-Za-z_:-][A-Za-z0-9_:.-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_HTML_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));")
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def _parse_html(src: str) -> tuple[str, list[JSON]]:
    b = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i, n = 0, len(src)
    while i < n:
        lt, amp = src.find("<", i), src.find("&", i)
        cands = [x for x in (lt, amp) if x != -1]
        if not cands:
            b.emit(src[i:])
            break
        j = min(cands)
        if j > i:
            b.emit(src[i:j])
        if src[j] == "&":
            m = _HTML_ENTITY.match(src, j)
            if m:
                if m.group(3):
                    b.emit(html.unescape(m.group(0)))
                else:
                    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
                    try:
                        b.emit(chr(code))
                    except (ValueError, OverflowError):
                        b.emit(m.group(0))
                i = m.end()
            else:
                b.emit("&")
                i = j + 1
            continue
        m = _HTML_TAG.match(src, j)
        if not m:
            raise _ParseError(f"Unexpected end of name token at byte offset {_byte_offset(src, j)}")
        closing, name, rest = m.group(1) == "/", m.group(2).lower(), m.group(3)
        if closing:
            if not stack:
                raise _ParseError(f"Unexpected end tag at byte offset {_byte_offset(src, j)}")
            tag, start, attrs = stack.pop()
            if tag != name:
                raise _ParseError(
                    f'Unmatched end tag at byte offset {_byte_offset(src, j)}, expected "</{tag}>", found "</{name}>"'
                )
            etype = _HTML_TAGS[tag]
            if tag == "code" and stack and stack[-1][0] == "pre":
                lang = attrs.get("class", "")
                if lang.startswith("language-"):
                    stack[-1][2]["language"] = lang[len("language-") :]
            elif etype == "text_link":
                href = attrs.get("href")
                if href:
                    b.add("text_link", start, url=href)
            elif etype == "pre":
                if "language" in attrs:
                    b.add("pre", start, language=attrs["language"])
                else:
                    b.add("pre", start)
            elif etype == "blockquote":
                b.add("expandable_blockquote" if "expandable" in attrs else "blockquote", start)
            elif etype == "custom_emoji":
                b.add("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
            else:
                b.add(etype, start)
        else:
            if name not in _HTML_TAGS:
                raise _ParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, j)}')
            attrs = {a.group(1).lower(): (a.group(2) or a.group(3) or a.group(4) or "") for a in _HTML_ATTR.finditer(rest)}
            attrs = {k: html.unescape(v) for k, v in attrs.items()}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, j)}')
            if name == "tg-emoji" and "emoji-id" not in attrs:
                raise _ParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {_byte_offset(src, j)}')
            stack.append((name, b.pos, attrs))
        i = m.end()
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return b.result()


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_PRE_OPEN = re.compile(r"```([^\s`]*)\n")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "link": "TextUrl",
    "emoji": "CustomEmoji",
}


def _parse_markdown_v2(src: str) -> tuple[str, list[JSON]]:
    b = _Builder()
    stack: list[tuple[str, int, int, JSON]] = []  # kind, utf16 start, src index, extra
    extra: JSON
    quote_start: int | None = None
    line_start = True
    i, n = 0, len(src)

    def toggle(kind: str, at: int) -> None:
        if stack and stack[-1][0] == kind:
            _, start, _, _ = stack.pop()
            b.add(kind, start)
        elif any(s[0] == kind for s in stack):
            raise _ParseError(
                f"Can't find end of {_MDV2_NAMES[stack[-1][0]]} entity at byte offset {_byte_offset(src, stack[-1][2])}"
            )
        else:
            stack.append((kind, b.pos, at, {}))

    def read_url(k: int) -> tuple[str, int]:
        # src[k] == "(" ; returns (url, index after ")")
        out: list[str] = []
        k += 1
        while k < n:
            ch = src[k]
            if ch == "\\" and k + 1 < n:
                out.append(src[k + 1])
                k += 2
                continue
            if ch == ")":
                return "".join(out), k + 1
            out.append(ch)
            k += 1
        raise _ParseError(f"Can't find end of a URL at byte offset {_byte_offset(src, k)}")

    while i < n:
        c = src[i]
        top = stack[-1][0] if stack else None
        if top in ("code", "pre"):
            if c == "\\" and i + 1 < n and src[i + 1] in "`\\":
                b.emit(src[i + 1])
                i += 2
            elif top == "pre" and src.startswith("```", i):
                _, start, _, extra = stack.pop()
                b.add("pre", start, **extra)
                i += 3
            elif top == "code" and c == "`":
                _, start, _, _ = stack.pop()
                b.add("code", start)
                i += 1
            else:
                b.emit(c)
                i += 1
            continue
        if line_start:
            line_start = False
            if c == ">":
                if quote_start is None:
                    quote_start = b.pos
                i += 1
                continue
            if quote_start is not None:
                # the quote ended with the previous line (exclude its newline)
                b.pos -= 1
                b.add("blockquote", quote_start)
                b.pos += 1
                quote_start = None
        if c == "\\":
            if i + 1 >= n:
                raise _ParseError("Character '\\' is reserved and must be escaped with the preceding '\\'")
            b.emit(src[i + 1])
            if src[i + 1] == "\n":
                line_start = True
            i += 2
        elif c == "*":
            toggle("bold", i)
            i += 1
        elif c == "_":
            if src.startswith("__", i):
                toggle("underline", i)
                i += 2
            else:
                toggle("italic", i)
                i += 1
        elif c == "~":
            toggle("strikethrough", i)
            i += 1
        elif c == "|" and src.startswith("||", i):
            toggle("spoiler", i)
            i += 2
        elif c == "`":
            if src.startswith("```", i):
                m = _MDV2_PRE_OPEN.match(src, i)
                extra = {}
                if m:
                    if m.group(1):
                        extra["language"] = m.group(1)
                    i = m.end()
                else:
                    i += 3
                stack.append(("pre", b.pos, i, extra))
            else:
                stack.append(("code", b.pos, i, {}))
                i += 1
        elif c == "[":
            stack.append(("link", b.pos, i, {}))
            i += 1
        elif c == "!" and src.startswith("![", i):
            stack.append(("emoji", b.pos, i, {}))
            i += 2
        elif c == "]" and top in ("link", "emoji"):
            if i + 1 >= n or src[i + 1] != "(":
                raise _ParseError("Character ']' is reserved and must be escaped with the preceding '\\'")
            url, i = read_url(i + 1)
            kind, start, _, _ = stack.pop()
            if kind == "emoji":
                b.add("custom_emoji", start, custom_emoji_id=url.rpartition("id=")[2])
            else:
                b.add("text_link", start, url=url)
        elif c in _MDV2_RESERVED:
            raise _ParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        else:
            b.emit(c)
            if c == "\n":
                line_start = True
            i += 1
    if stack:
        kind, _, at, _ = stack[-1]
        raise _ParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {_byte_offset(src, at)}")
    if quote_start is not None:
        b.add("blockquote", quote_start)
    return b.result()


def _parse_markdown(src: str) -> tuple[str, list[JSON]]:
    b = _Builder()
    i, n = 0, len(src)
    simple = {"*": "bold", "_": "italic"}
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            b.emit(src[i + 1])
            i += 2
        elif c in simple:
            end = src.find(c, i + 1)
            if end == -1:
                raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
            start = b.pos
            b.emit(src[i + 1 : end])
            b.add(simple[c], start)
            i = end + 1
        elif c == "`":
            if src.startswith("```", i):
                end = src.find("```", i + 3)
                if end == -1:
                    raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
                body = src[i + 3 : end]
                lang, nl, rest = body.partition("\n")
                extra: JSON = {}
                if nl and lang and " " not in lang:
                    body, extra = rest, {"language": lang}
                start = b.pos
                b.emit(body)
                b.add("pre", start, **extra)
                i = end + 3
            else:
                end = src.find("`", i + 1)
                if end == -1:
                    raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
                start = b.pos
                b.emit(src[i + 1 : end])
                b.add("code", start)
                i = end + 1
        elif c == "[":
            m = _MD_LINK.match(src, i)
            if not m:
                raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
            start = b.pos
            b.emit(m.group(1))
            b.add("text_link", start, url=m.group(2))
            i = m.end()
        else:
            b.emit(c)
            i += 1
    return b.result()


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _utf16_len(text[: len(text) - len(text.lstrip())])
    total = _utf16_len(stripped)
    out: list[JSON] = []
    for e in entities:
        start = max(0, e["offset"] - lead)
        end = min(total, e["offset"] + e["length"] - lead)
        if end > start:
            out.append({**e, "offset": start, "length": end - start})
    return stripped, out


def format_text(text: str, parse_mode: str | None, entities: Any = None) -> tuple[str, list[JSON]]:
    """Apply ``parse_mode`` like Telegram does: returns (visible text, entities) or raises ApiError."""
    if not isinstance(text, str):
        text = str(text)
    if parse_mode:
        mode = parse_mode.lower()
        parser = {"html": _parse_html, "markdownv2": _parse_markdown_v2, "markdown": _parse_markdown}.get(mode)
        if parser is None:
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        try:
            plain, ents = parser(text)
        except _ParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
        return _trim(plain, ents)
    ents = list(entities) if isinstance(entities, list) else []
    if ents:
        return text, ents
    return _trim(text, [])


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------


class TelegramLimits:
    """Telegram's flood limits, simulated on request (``fake.enable_limits()``; off by default).

    At most ``per_group`` messages to one group (negative chat id) in any ``group_period`` seconds, and at most
    ``per_second`` messages to all chats together in any ``period`` seconds. A message that would exceed either
    is refused, not delivered: 429 "Too Many Requests: retry after N" with ``parameters.retry_after``, and the
    call is kept in ``refused`` (tests assert it stays empty). Messages are the sending methods (``send*``
    except ``sendChatAction``, ``copyMessage``, ``forwardMessage``); an album counts its items, as in
    bot/pacing.py. A message counts from when the fake received it, if it was delivered."""

    def __init__(
        self,
        per_group: int = 20,
        group_period: float = 60.0,
        per_second: int = 30,
        period: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_group = per_group
        self.group_period = group_period
        self.per_second = per_second
        self.period = period
        self.clock = clock
        self.refused: list[ApiCall] = []
        self._all: list[float] = []
        self._groups: dict[int, list[float]] = {}

    @staticmethod
    def messages(method: str, params: JSON) -> int:
        low = method.lower()
        if low == "sendchataction" or not low.startswith(("send", "copymessage", "forwardmessage")):
            return 0
        items = params.get("media") if low == "sendmediagroup" else params.get("message_ids")
        return len(items) if isinstance(items, list) and items else 1

    @staticmethod
    def _wait(stamps: list[float], count: int, limit: int, period: float, now: float) -> float | None:
        """Seconds until ``count`` more fit, or None if they fit now."""
        excess = len(stamps) + count - limit
        if excess <= 0:
            return None
        if excess > len(stamps):
            return period
        return sorted(stamps)[excess - 1] + period - now

    def _window(self, chat_id: int | None, now: float) -> tuple[list[float], list[float] | None]:
        self._all = [at for at in self._all if at > now - self.period]
        if chat_id is None or chat_id >= 0:
            return self._all, None
        group = self._groups[chat_id] = [at for at in self._groups.get(chat_id, []) if at > now - self.group_period]
        return self._all, group

    def admit(self, call: ApiCall) -> ApiError | None:
        """The 429 a call gets, or None if it may go (then ``sent`` counts it once it was delivered)."""
        count = self.messages(call.method, call.params)
        if not count:
            return None
        now = self.clock()
        overall, group = self._window(call.chat_id, now)
        waits = [self._wait(overall, count, self.per_second, self.period, now)]
        if group is not None:
            waits.append(self._wait(group, count, self.per_group, self.group_period, now))
        found = [wait for wait in waits if wait is not None]
        if not found:
            return None
        self.refused.append(call)
        retry = max(1, math.ceil(max(found)))
        return ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def sent(self, call: ApiCall) -> None:
        count = self.messages(call.method, call.params)
        if count:
            now = self.clock()
            overall, group = self._window(call.chat_id, now)
            overall.extend([now] * count)
            if group is not None:
                group.extend([now] * count)


class FakeTelegram:
    """Fake Telegram Bot API server.  See the module docstring."""

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
        self._handlers: dict[str, Callable[[JSON], Any]] = self._build_handlers()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._stopping = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])
        root = f"http://{host}:{self.port}"
        self.base_url = f"{root}/bot"
        self.file_base_url = f"{root}/file/bot"

    async def stop(self) -> None:
        self._stopping.set()
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result("stop")
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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
        big = self._new_file("photo", content, file_size)
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

    # ------------------------------------------------------------------ injecting updates

    def inject(self, update_without_id: JSON) -> JSON:
        """Queue a raw update (assigns update_id).  Returns the queued dict."""
        update = {"update_id": next(self._update_ids), **update_without_id}
        self._learn(update)
        self._pending.append(update)
        self._last_inject_seq = len(self.requests)
        self._acked.clear()
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
        caption: str | None = None,
        media_group_id: str | None = None,
        **kw: Any,
    ) -> JSON:
        video = self._new_media("video", content, file_size, duration=duration)
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

    # ------------------------------------------------------------------ inspection

    def cursor(self) -> int:
        return len(self.requests)

    def calls(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        if chat_id is not None:
            src = self._by_chat.get(chat_id, [])
            if method is None:
                return list(src)
            low = method.lower()
            return [c for c in src if c.method.lower() == low]
        if method is not None:
            return list(self._by_method.get(method.lower(), []))
        return list(self.requests)

    def messages_to(self, chat_id: int) -> list[JSON]:
        """Current state (after edits, without deleted ones) of every message the bot sent to the chat."""
        return [copy.deepcopy(m) for m in self._bot_msgs.get(chat_id, {}).values()]

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        m = self._messages.get((chat_id, message_id))
        return copy.deepcopy(m) if m is not None else None

    def reply_keyboard(self, chat_id: int) -> JSON | None:
        """The custom reply keyboard (ReplyKeyboardMarkup dict) currently shown in the chat, if any."""
        return self._reply_kbd.get(chat_id)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return list(self._commands.get((self._scope_key(scope), language_code or ""), []))

    def pending_updates(self) -> list[JSON]:
        return list(self._pending)

    def is_polling(self) -> bool:
        return self._poll_held.is_set()

    async def wait_polling(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long-poll is being held by the fake."""
        try:
            await asyncio.wait_for(self._poll_held.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"no getUpdates long poll within {timeout}s\n{self._dump(0)}") from None

    async def wait_until_acknowledged(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        try:
            await asyncio.wait_for(self._acked.wait(), timeout)
        except TimeoutError:
            ids = [u["update_id"] for u in self._pending]
            raise AssertionError(f"updates not acknowledged within {timeout}s: {ids}\n{self._dump(0)}") from None

    def _candidates(self, methods: frozenset[str] | None, chat_id: int | None, after: int) -> Iterable[ApiCall]:
        if chat_id is not None:
            lst = self._by_chat.get(chat_id, [])
            return lst[bisect.bisect_right(lst, after, key=lambda c: c.seq) :]
        if methods is not None:
            out: list[ApiCall] = []
            for m in methods:
                lst = self._by_method.get(m, [])
                out.extend(lst[bisect.bisect_right(lst, after, key=lambda c: c.seq) :])
            if len(methods) > 1:
                out.sort(key=lambda c: c.seq)
            return out
        return self.requests[after:]

    async def wait_hanging(self, method: str, *, timeout: float = 10.0) -> ApiCall:  # noqa: ASYNC109
        """Wait until a call of `method` is being held by a status-0 (hang) fault; the bot is then stuck
        inside that call, which is the moment a crash test wants to kill it."""

        async def hung() -> ApiCall:
            while True:
                for call in self.hanging:
                    if call.method.lower() == method.lower():
                        return call
                self._hang_event.clear()
                await self._hang_event.wait()

        try:
            return await asyncio.wait_for(hung(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {method} call hung within {timeout}s") from None

    async def wait_for(
        self,
        method: str | tuple[str, ...] | None = None,
        *,
        chat_id: int | None = None,
        predicate: Callable[[ApiCall], bool] | None = None,
        after: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """First completed call with seq > ``after`` matching all filters.

        ``after`` defaults to the cursor at the moment of the last injected update.
        ``method=None`` matches any method except getUpdates.
        """
        if isinstance(method, str):
            methods: frozenset[str] | None = frozenset({method.lower()})
        elif method is not None:
            methods = frozenset(m.lower() for m in method)
        else:
            methods = None
        start = self._last_inject_seq if after is None else after

        def match(c: ApiCall) -> bool:
            low = c.method.lower()
            if methods is None:
                if low == "getupdates":
                    return False
            elif low not in methods:
                return False
            if chat_id is not None and c.chat_id != chat_id:
                return False
            return predicate is None or bool(predicate(c))

        for c in self._candidates(methods, chat_id, start):
            if c.done and match(c):
                return c
        fut: asyncio.Future[ApiCall] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(start, match, fut)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            what = f"method={method!r} chat_id={chat_id!r} predicate={'yes' if predicate else 'no'}"
            raise AssertionError(
                f"wait_for({what}) timed out after {timeout}s (after seq {start}).\n{self._dump(start)}"
            ) from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    async def wait_for_reply(
        self,
        chat_id: int,
        *,
        after: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSON:
        """Next successful text/caption-carrying send/edit to ``chat_id``; returns the message dict."""

        def reply_of(c: ApiCall) -> JSON | None:
            if not c.ok:
                return None
            res = c.result
            if c.method == "copyMessage" and isinstance(res, dict):
                res = self._messages.get((chat_id, res.get("message_id", 0)))
            msgs = res if isinstance(res, list) else [res]
            for m in msgs:
                if isinstance(m, dict) and ("text" in m or "caption" in m):
                    return m
            return None

        call = await self.wait_for(
            REPLY_METHODS,
            chat_id=chat_id,
            predicate=lambda c: reply_of(c) is not None,
            after=after,
            timeout=timeout,
        )
        found = reply_of(call)
        assert found is not None
        return found

    def _dump(self, after: int, limit: int = 25) -> str:
        recent = [c for c in self.requests[after:] if c.method != "getUpdates"][-limit:]
        if not recent:
            recent = [c for c in self.requests if c.method != "getUpdates"][-limit:]
            head = "no calls after that seq; last calls overall:"
        else:
            head = "calls since then:"
        lines = [head, *(("  " + c.short()) for c in recent)] if recent else ["no API calls (besides getUpdates)"]
        lines.append(f"pending (unconfirmed) updates: {[u['update_id'] for u in self._pending]}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
        delay: float = 0.0,
        process: bool = False,
    ) -> None:
        """The next ``times`` matching calls fail.  status 0 = hang ``delay`` s then drop the connection
        (``process=True``: the call takes effect anyway, only the answer is lost)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(_Fault(method.lower(), status, retry_after, description, times, chat_id, delay, process))

    def fail_ratio(
        self,
        ratio: float,
        *,
        methods: tuple[str, ...] = DEFAULT_FAULT_METHODS,
        kinds: tuple[int | str, ...] = (429, 500, 502, "timeout"),
        seed: int = 0,
        retry_after: int = 1,
        timeout_delay: float = 1.0,
    ) -> None:
        """Fail a random ``ratio`` of calls to ``methods`` (deterministic for a given seed and call order).

        "timeout" hangs ``timeout_delay`` seconds and then drops the connection (PTB: NetworkError,
        or TimedOut if its read timeout is shorter)."""
        self._ratio = _RatioFaults(
            ratio,
            frozenset(m.lower() for m in methods),
            tuple(kinds),
            random.Random(seed),
            retry_after,
            timeout_delay,
        )

    def enable_limits(self, **kw: Any) -> TelegramLimits:
        """Refuse with 429 what would exceed Telegram's flood limits (see TelegramLimits for ``kw``)."""
        self.limits = TelegramLimits(**kw)
        return self.limits

    def clear_faults(self) -> None:
        self._faults.clear()
        self._ratio = None

    def _pick_fault(self, call: ApiCall) -> _Fault | None:
        low = call.method.lower()
        for f in self._faults:
            if f.method not in (None, low) or (f.chat_id is not None and f.chat_id != call.chat_id):
                continue
            f.times -= 1
            if f.times <= 0:
                self._faults.remove(f)
            return f
        r = self._ratio
        if r is not None and low in r.methods and r.rng.random() < r.ratio:
            kind = r.rng.choice(r.kinds)
            if kind == "timeout":
                return _Fault(low, 0, None, None, 1, None, r.timeout_delay)
            status = int(kind)
            return _Fault(low, status, r.retry_after if status == 429 else None, None, 1, None, 0.0)
        return None

    @staticmethod
    def _fault_error(f: _Fault) -> ApiError:
        default = {
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not Found",
            409: "Conflict",
            429: f"Too Many Requests: retry after {f.retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
        }.get(f.status, "Error")
        params = {"retry_after": f.retry_after} if f.retry_after else None
        return ApiError(f.status, f.description or default, params)

    # ------------------------------------------------------------------ HTTP plumbing

    @staticmethod
    def _json_response(status: int, body: JSON) -> web.Response:
        return web.Response(
            status=status, body=json.dumps(body, ensure_ascii=False).encode(), content_type="application/json"
        )

    @staticmethod
    def _error_body(err: ApiError) -> JSON:
        body: JSON = {"ok": False, "error_code": err.code, "description": err.description}
        if err.parameters:
            body["parameters"] = err.parameters
        return body

    async def _read_params(self, request: web.Request) -> JSON:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    raw.update(body)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, BodyPartReader) or part.name is None:
                        continue
                    data = await part.read(decode=True)
                    if part.filename:
                        uploads[part.name] = Upload(bytes(data), part.filename, part.headers.get("Content-Type"))
                    else:
                        raw[part.name] = bytes(data).decode(part.get_charset("utf-8"))
            else:
                form = await request.post()
                raw.update(form.items())
        params = {k: self._decode_value(k, v) for k, v in raw.items()}
        if uploads:
            used: set[str] = set()
            params = {k: self._resolve_attach(v, uploads, used) for k, v in params.items()}
            for name, up in uploads.items():
                if name not in used:
                    params[name] = up
        return params

    @staticmethod
    def _decode_value(name: str, value: Any) -> Any:
        if not isinstance(value, str) or name in _STRING_FIELDS or not value:
            return value
        first = value[0]
        if first in '[{"-0123456789' or value in ("true", "false", "null"):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def _resolve_attach(self, value: Any, uploads: dict[str, Upload], used: set[str]) -> Any:
        if isinstance(value, str) and value.startswith("attach://"):
            name = value[len("attach://") :]
            if name in uploads:
                used.add(name)
                return uploads[name]
            return value
        if isinstance(value, list):
            return [self._resolve_attach(v, uploads, used) for v in value]
        if isinstance(value, dict):
            return {k: self._resolve_attach(v, uploads, used) for k, v in value.items()}
        return value

    def _record(self, method: str, params: JSON) -> ApiCall:
        call = ApiCall(seq=len(self.requests) + 1, method=method, params=params)
        self.requests.append(call)
        self._by_method.setdefault(method.lower(), []).append(call)
        cid = call.chat_id
        if cid is not None:
            self._by_chat.setdefault(cid, []).append(call)
        return call

    def _finish(self, call: ApiCall, status: int, response: Any) -> None:
        call.status = status
        call.response = response
        call.done = True
        if not self._waiters:
            return
        for w in list(self._waiters):
            if w.fut.done() or call.seq <= w.after:
                continue
            try:
                hit = w.match(call)
            except Exception as exc:
                w.fut.set_exception(exc)
                continue
            if hit:
                w.fut.set_result(call)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._handle_file(path[len("/file/bot") :])
        if not path.startswith("/bot"):
            return self._json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, _, method = path[len("/bot") :].partition("/")
        params = await self._read_params(request)
        handler = self._handlers.get(method.lower())
        canonical = self._canonical.get(method.lower(), method)
        call = self._record(canonical, params)
        if token != self.token:
            err = ApiError(401, "Unauthorized")
        elif handler is None:
            err = ApiError(404, "Not Found")
        else:
            return await self._dispatch(request, call, handler)
        body = self._error_body(err)
        self._finish(call, err.code, body)
        return self._json_response(err.code, body)

    async def _dispatch(self, request: web.Request, call: ApiCall, handler: Callable[[JSON], Any]) -> web.StreamResponse:
        try:
            fault = self._pick_fault(call)
            if self.latency and call.method != "getUpdates":
                await asyncio.sleep(self.latency)
            if fault is not None and fault.status == 0:
                response: Any = None
                if fault.process:
                    response = (await self._run(call, handler))[1]
                    call.response = response
                self.hanging.append(call)
                self._hang_event.set()
                await self._sleep(fault.delay)
                self._finish(call, 0, response)
                if request.transport is not None:
                    request.transport.abort()  # drop the connection without an HTTP answer
                return web.Response(status=500)  # never reaches the client
            if fault is not None:
                await self._sleep(fault.delay)
                body = self._error_body(self._fault_error(fault))
                self._finish(call, fault.status, body)
                return self._json_response(fault.status, body)
            limits = self.limits  # no await from here to ``sent``: the check and the count go together
            refusal = limits.admit(call) if limits is not None else None
            if refusal is not None:
                body = self._error_body(refusal)
                self._finish(call, refusal.code, body)
                return self._json_response(refusal.code, body)
            status, body = await self._run(call, handler)
            if limits is not None and status == 200:
                limits.sent(call)
            self._finish(call, status, body)
            return self._json_response(status, body)
        finally:
            if not call.done:  # cancelled (client went away / server stopping)
                self._finish(call, 0, call.response)

    async def _run(self, call: ApiCall, handler: Callable[[JSON], Any]) -> tuple[int, JSON]:
        try:
            result = handler(call.params)
            if isinstance(result, Awaitable):
                result = await result
        except ApiError as err:
            return err.code, self._error_body(err)
        return 200, {"ok": True, "result": result}

    def _handle_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        rec = self._files_by_path.get(file_path)
        if rec is None or rec.file_size > MAX_DOWNLOAD_SIZE:
            return self._json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        self.downloads.append(file_path)
        return web.Response(body=rec.content, content_type="application/octet-stream")

    # ------------------------------------------------------------------ API methods

    def _build_handlers(self) -> dict[str, Callable[[JSON], Any]]:
        table: dict[str, Callable[[JSON], Any]] = {
            "getUpdates": self._get_updates,
            "getMe": lambda p: dict(
                self.bot_user,
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            ),
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": lambda p: {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            },
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p: self.commands(p.get("scope"), p.get("language_code") or ""),
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._with_chat(lambda p, ch: True),
            "answerCallbackQuery": self._answer_callback_query,
            "sendMessage": self._with_chat(self._send_message),
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._with_chat(self._delete_message),
            "deleteMessages": self._with_chat(self._delete_messages),
            "sendMediaGroup": self._with_chat(self._send_media_group),
            "sendLocation": self._with_chat(self._send_location),
            "sendVenue": self._with_chat(self._send_venue),
            "sendContact": self._with_chat(self._send_contact),
            "copyMessage": self._with_chat(self._copy_message),
            "forwardMessage": self._with_chat(self._forward_message),
            "getFile": self._get_file,
            "getChat": self._with_chat(self._get_chat, check_member=False),
            "getChatMember": self._with_chat(self._get_chat_member),
            "getChatAdministrators": self._with_chat(self._get_chat_administrators),
            "getChatMemberCount": self._with_chat(lambda p, ch: 1 if ch.obj["type"] == "private" else len(ch.members) + 1),
            "leaveChat": self._with_chat(self._leave_chat),
        }
        for name, kind in _MEDIA_METHODS.items():
            table[name] = self._with_chat(self._media_sender(kind))
        for name in _TRUE_METHODS:
            table[name] = self._with_chat(lambda p, ch: True, optional=True)
        self._canonical = {name.lower(): name for name in table}
        return {name.lower(): fn for name, fn in table.items()}

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

    # --- updates / webhook

    def _update_allowed(self, update: JSON) -> bool:
        allowed = self._allowed
        if allowed is None:
            return not any(k in update for k in ("chat_member", "message_reaction", "message_reaction_count"))
        return any(k in allowed for k in update if k != "update_id")

    def _confirm(self, offset: Any) -> None:
        if isinstance(offset, int) and offset:
            pending = self._pending
            if offset > 0:
                while pending and pending[0]["update_id"] < offset:
                    pending.popleft()
            else:
                while len(pending) > -offset:
                    pending.popleft()
        if not self._pending:
            self._acked.set()

    def _take(self, limit: int) -> list[JSON]:
        out: list[JSON] = []
        dropped = False
        for u in self._pending:
            if not self._update_allowed(u):
                dropped = True
                continue
            out.append(u)
            if len(out) >= limit:
                break
        if dropped:
            self._pending = deque(u for u in self._pending if self._update_allowed(u))
            if not self._pending:
                self._acked.set()
        return out

    async def _get_updates(self, p: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        try:
            limit = min(100, max(1, int(p.get("limit") or 100)))
            timeout = max(0.0, float(p.get("timeout") or 0))
        except (TypeError, ValueError):
            raise _bad("wrong parameter value") from None
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else None
        old = self._poll_waiter
        if old is not None and not old.done():
            old.set_result("conflict")
        self._confirm(p.get("offset"))
        batch = self._take(limit)
        if batch or timeout <= 0 or self._stopping.is_set():
            return batch
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._poll_waiter = fut
        self._poll_held.set()
        try:
            outcome = await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            outcome = "timeout"
        finally:
            if self._poll_waiter is fut:
                self._poll_waiter = None
                self._poll_held.clear()
        if outcome == "conflict":
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            )
        return self._take(limit)

    def _delete_webhook(self, p: JSON) -> bool:
        self._webhook_url = ""
        if p.get("drop_pending_updates"):
            self._pending.clear()
            self._acked.set()
        return True

    def _set_webhook(self, p: JSON) -> bool:
        self._webhook_url = str(p.get("url") or "")
        if p.get("drop_pending_updates"):
            self._pending.clear()
            self._acked.set()
        return True

    # --- commands

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not scope or scope == {"type": "default"}:
            return "default"
        return json.dumps(scope, sort_keys=True)

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
