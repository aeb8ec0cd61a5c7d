"""The fake's records: what the bot called (ApiCall), stored files and uploads, the API error, Telegram's
size limits, and the small private records of chats, faults and waiters."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024


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
