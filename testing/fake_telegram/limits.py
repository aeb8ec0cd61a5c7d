"""Telegram's flood limits, simulated (``fake.enable_limits()``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from testing.fake_telegram.records import JSON, ApiCall, ApiError


class TelegramLimits:
    """Telegram's flood limits, simulated on request (``fake.enable_limits()``; off by default).

    At most ``per_group`` messages to one group (negative chat id) in any ``group_period`` seconds, and at most
    ``per_second`` messages to all chats together in any ``period`` seconds. With ``per_chat`` (off by default),
    also at most ``per_chat`` sending calls to any one chat, a person's or a group's, in any ``chat_period``
    seconds (Telegram: about one message a second per chat; an album is one call here). A call with
    ``allow_paid_broadcast`` is not counted in ``per_second`` but in ``paid_per_second`` (1000, Telegram's
    limit for paid broadcasts). A message that would exceed a limit is refused, not delivered: 429 "Too Many
    Requests: retry after N" with ``parameters.retry_after``, and the call is kept in ``refused`` (tests assert
    it stays empty). Messages are the sending methods (``send*`` except ``sendChatAction``, ``copyMessage``,
    ``forwardMessage``); an album counts its items, as in bot/pacing.py. A message counts from when the fake
    received it, if it was delivered."""

    def __init__(
        self,
        per_group: int = 20,
        group_period: float = 60.0,
        per_second: int = 30,
        period: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        per_chat: int | None = None,
        chat_period: float = 1.0,
        paid_per_second: int = 1000,
    ) -> None:
        self.per_group = per_group
        self.group_period = group_period
        self.per_second = per_second
        self.period = period
        self.clock = clock
        self.per_chat = per_chat
        self.chat_period = chat_period
        self.paid_per_second = paid_per_second
        self.refused: list[ApiCall] = []
        self._all: list[float] = []
        self._paid: list[float] = []
        self._groups: dict[int, list[float]] = {}
        self._chats: dict[int, list[float]] = {}  # with per_chat: each chat's sending calls

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

    @staticmethod
    def paid(call: ApiCall) -> bool:
        return call.params.get("allow_paid_broadcast") in (True, "true", "True", 1, "1")

    def _window(self, chat_id: int | None, now: float, paid: bool = False) -> tuple[list[float], list[float] | None]:
        if paid:
            self._paid = [at for at in self._paid if at > now - self.period]
            overall = self._paid
        else:
            self._all = [at for at in self._all if at > now - self.period]
            overall = self._all
        if chat_id is None or chat_id >= 0:
            return overall, None
        group = self._groups[chat_id] = [at for at in self._groups.get(chat_id, []) if at > now - self.group_period]
        return overall, group

    def _chat_window(self, chat_id: int | None, now: float) -> list[float] | None:
        if self.per_chat is None or chat_id is None:
            return None
        stamps = [at for at in self._chats.get(chat_id, []) if at > now - self.chat_period]
        if stamps:
            self._chats[chat_id] = stamps
        else:
            self._chats.pop(chat_id, None)
        return stamps

    def admit(self, call: ApiCall) -> ApiError | None:
        """The 429 a call gets, or None if it may go (then ``sent`` counts it once it was delivered)."""
        count = self.messages(call.method, call.params)
        if not count:
            return None
        now = self.clock()
        paid = self.paid(call)
        overall, group = self._window(call.chat_id, now, paid)
        limit = self.paid_per_second if paid else self.per_second
        waits = [self._wait(overall, count, limit, self.period, now)]
        if group is not None:
            waits.append(self._wait(group, count, self.per_group, self.group_period, now))
        chat = self._chat_window(call.chat_id, now)
        if chat is not None and self.per_chat is not None:
            waits.append(self._wait(chat, 1, self.per_chat, self.chat_period, now))
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
            overall, group = self._window(call.chat_id, now, self.paid(call))
            overall.extend([now] * count)
            if group is not None:
                group.extend([now] * count)
            if self.per_chat is not None and call.chat_id is not None:
                self._chats.setdefault(call.chat_id, []).append(now)
