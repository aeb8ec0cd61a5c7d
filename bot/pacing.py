"""Telegram allows about 20 messages a minute to one group. The pacer counts what went to each group in the
last minute so that the outbox can send within that limit, and merge waiting alerts into one digest when
individual messages would not fit."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

GROUP_MESSAGES_PER_MINUTE = 20
WINDOW = 60.0


class GroupPacer:
    def __init__(
        self, per_minute: int = GROUP_MESSAGES_PER_MINUTE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._sent: dict[int, deque[float]] = {}

    @staticmethod
    def is_group(chat_id: int) -> bool:
        return chat_id < 0

    def _window(self, chat_id: int) -> deque[float]:
        sent = self._sent.setdefault(chat_id, deque())
        cutoff = self.clock() - WINDOW
        while sent and sent[0] <= cutoff:
            sent.popleft()
        return sent

    def remaining(self, chat_id: int) -> int:
        """How many more messages may go to this chat right now."""
        if not self.is_group(chat_id):
            return 1_000_000
        return max(0, self.per_minute - len(self._window(chat_id)))

    def record(self, chat_id: int, count: int = 1) -> None:
        if self.is_group(chat_id):
            now = self.clock()
            self._window(chat_id).extend([now] * count)

    def wait_for(self, chat_id: int, count: int = 1) -> float:
        """Seconds until `count` messages fit in the chat's window (0 if they fit now)."""
        if not self.is_group(chat_id):
            return 0.0
        sent = self._window(chat_id)
        excess = len(sent) + count - self.per_minute
        if excess <= 0:
            return 0.0
        if excess > len(sent):
            return WINDOW
        return max(0.0, sent[excess - 1] + WINDOW - self.clock())
