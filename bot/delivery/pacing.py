"""Telegram allows about 20 messages a minute to one group. The pacer counts what went to each group in the
last minute so that the outbox can send within that limit, and merge waiting alerts into one digest when
individual messages would not fit.

Every message to a group is counted once, by the rate limiter (bot/delivery/rate_limiter.py): `take` when it is
about to be sent, then `settle` when Telegram answered, which moves its time to the answer (never earlier
than when Telegram counted it, so the window frees no sooner than Telegram's does), or `release` when
Telegram refused it. At start the window
is rebuilt with `restore` from what the outbox recorded as sent, so that a restart does not start a
group's minute empty.
"""

from __future__ import annotations

import time
from collections.abc import Callable

GROUP_MESSAGES_PER_MINUTE = 20
WINDOW = 60.0


class GroupPacer:
    def __init__(
        self,
        per_minute: int = GROUP_MESSAGES_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
        *,
        window: float = WINDOW,
    ) -> None:
        self.per_minute = per_minute
        self.window = window  # seconds; tests shorten it
        self.clock = clock
        self._sent: dict[int, list[float]] = {}  # chat id -> times of its messages in the window

    @staticmethod
    def is_group(chat_id: int) -> bool:
        return chat_id < 0

    def _window(self, chat_id: int) -> list[float]:
        cutoff = self.clock() - self.window
        sent = [at for at in self._sent.get(chat_id, ()) if at > cutoff]
        if sent:
            self._sent[chat_id] = sent
        else:
            self._sent.pop(chat_id, None)
        return sent

    def remaining(self, chat_id: int) -> int:
        """How many more messages may go to this chat right now."""
        if not self.is_group(chat_id):
            return 1_000_000
        return max(0, self.per_minute - len(self._window(chat_id)))

    def record(self, chat_id: int, count: int = 1) -> float:
        """`count` messages go to the chat now; returns their time, for `settle`."""
        now = self.clock()
        if self.is_group(chat_id) and count > 0:
            self._sent.setdefault(chat_id, []).extend([now] * count)
        return now

    take = record

    def settle(self, chat_id: int, taken_at: float, count: int = 1) -> None:
        """The messages taken at `taken_at` were answered by Telegram: they count from now."""
        sent = self._sent.get(chat_id)
        if not sent or count <= 0:
            return
        now = self.clock()
        for _ in range(count):
            try:
                sent.remove(taken_at)
            except ValueError:  # already out of the window
                return
            sent.append(now)

    def release(self, chat_id: int, taken_at: float, count: int = 1) -> None:
        """The messages taken at `taken_at` were refused by Telegram: they do not count."""
        sent = self._sent.get(chat_id, [])
        for _ in range(count):
            if taken_at not in sent:
                return
            sent.remove(taken_at)

    def restore(self, chat_id: int, ages: list[float]) -> None:
        """Messages sent before a restart, `ages` seconds ago: they count until their minute is over."""
        if self.is_group(chat_id):
            now = self.clock()
            self._sent.setdefault(chat_id, []).extend(now - age for age in ages if age < self.window)

    def wait_for(self, chat_id: int, count: int = 1) -> float:
        """Seconds until `count` messages fit in the chat's window (0 if they fit now)."""
        if not self.is_group(chat_id):
            return 0.0
        sent = sorted(self._window(chat_id))
        excess = len(sent) + count - self.per_minute
        if excess <= 0:
            return 0.0
        if excess > len(sent):
            return self.window
        return max(0.0, sent[excess - 1] + self.window - self.clock())
