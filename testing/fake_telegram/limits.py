"""Telegram's flood limits, simulated (``fake.enable_limits()``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from testing.fake_telegram.records import JSON, ApiCall, ApiError


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
