"""Every Bot API call goes through `PacedRateLimiter`, which keeps the bot within Telegram's limits:

- **Groups**: at most `GroupPacer.per_minute` messages (20) in any 60 seconds to one group. The limiter takes
  each message's slot in the group pacer (bot/delivery/pacing.py) before sending it and waits while the group's minute
  is full; the outbox worker reads the same pacer to know beforehand whether a group has room.
- **Overall**: at most `per_second` messages (30) in any second, across all chats, in order of priority:
  `Priority.INTERACTIVE` (replies to a person's own update, in private chats and groups, the confirmation
  of a report included), then `Priority.ALERT` (alert cards, their evidence, notices), then `Priority.BULK`
  (digests, reminders), then `Priority.BROADCAST` (a broadcast's messages, e.g. a task to its volunteers). A
  message waiting for room goes before every waiting message of a lower priority, whatever came first; ALERT and
  BULK may fill only their share of a second (`ALERT_SHARE`, `BULK_SHARE`), so that a reply never waits a whole
  second behind them. BROADCAST may fill the whole second, but evenly: one message every 1/`per_second` s at
  most, so that what is left of a second is never all taken at once and a reply waits at most that long
  (broadcasts get the room the others leave, up to the whole rate when nobody else sends). Handlers send as
  INTERACTIVE (the default); the outbox worker sends each row as its priority says (`sending_as`).
- **Paid broadcasts**: a message sent with `allow_paid_broadcast` (the setting TELEGRAM_PAID_BROADCAST) is not
  held to the 30 a second but to its own `paid_per_second` (1000, Telegram's limit for them), in a window of
  its own.
- **Per chat**: a BROADCAST message to a person waits until `CHAT_PERIOD` (1 s) after the last message to them
  (Telegram allows about one message a second in a chat); replies are not held back.

Both are sliding windows: a message counts from when Telegram answered it (`settle`), so a window never frees
a slot sooner than Telegram's own; a message Telegram refused (an error answer, 429 included) does not count,
one whose fate is unknown (a timeout, a dropped connection) does. Only messages count (`send*` except chat
actions, `copyMessage`, `forwardMessage`; an album counts its items); edits, callback answers and reads are
not held back.

A 429 (`RetryAfter`) is waited out and the call retried, up to `max_retries` times: a group's 429 pauses that
group, any other pauses every call to a chat. The call that fired an `admitted` hook (a broadcast row marked
`sending`) is not retried in place: the pause is set and the 429 raised at once, and the outbox puts the row back
to `pending` for after `retry_after` (a row left `sending` while it waited would become `uncertain` at a kill,
and never go, although Telegram did not take it).

`admitted(hook)`: the hook is awaited once the call has its room and before the request goes out (the outbox
marks a broadcast row `sending` there, so that a row is committed as under way as late as possible: after any
wait for room, just before the request). If the hook raises, the room is given back and nothing is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter

from bot.delivery.pacing import GroupPacer

# PTB 22.2 deprecated time periods as int seconds (RetryAfter.retry_after, among others) and warns on each use;
# PTB_TIMEDELTA is its documented opt-in to the coming behaviour (datetime.timedelta), which this code expects.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 30
PAID_MESSAGES_PER_SECOND = 1000  # with allow_paid_broadcast (Telegram charges Stars for each beyond the free 30)
ALERT_SHARE = 0.8  # 24 of 30: the other 6 of each second stay free for interactive replies
BULK_SHARE = 0.5  # 15 of 30
CHAT_PERIOD = 1.0  # seconds between two broadcast messages to one person (and after any other message to them)
RETRY_MARGIN = 0.1  # seconds added to Telegram's retry_after


class Priority(IntEnum):
    """Lower goes first."""

    INTERACTIVE = 0  # a reply to a person's own update
    ALERT = 1  # alert cards, their evidence and pins, notices
    BULK = 2  # digests, reminders
    BROADCAST = 3  # a broadcast's messages: the whole second, evenly, in the room the others leave


_SHARES = {Priority.INTERACTIVE: 1.0, Priority.ALERT: ALERT_SHARE, Priority.BULK: BULK_SHARE, Priority.BROADCAST: 1.0}
_EVEN = frozenset({Priority.BROADCAST})  # priorities whose messages are spread evenly over the second
_priority: ContextVar[Priority] = ContextVar("pantau_send_priority", default=Priority.INTERACTIVE)


class AdmittedHook:
    """What `admitted` awaits once, when the first call of its block has its room."""

    __slots__ = ("callback", "fired")

    def __init__(self, callback: Callable[[], Awaitable[object]]) -> None:
        self.callback = callback
        self.fired = False

    async def fire(self) -> None:
        if not self.fired:
            self.fired = True
            await self.callback()


_admitted: ContextVar[AdmittedHook | None] = ContextVar("pantau_send_admitted", default=None)


@contextlib.contextmanager
def sending_as(priority: Priority) -> Iterator[None]:
    """Calls made inside this block (in this task) count as `priority` in the overall limit."""
    token = _priority.set(priority)
    try:
        yield
    finally:
        _priority.reset(token)


@contextlib.contextmanager
def admitted(hook: Callable[[], Awaitable[object]]) -> Iterator[AdmittedHook]:
    """The first call made inside this block (in this task) awaits `hook` once it has its room, just before its
    request goes out. If `hook` raises, nothing is sent and the call raises that. The block gets the hook, to
    fire it itself when no call went through the limiter."""
    token = _admitted.set(found := AdmittedHook(hook))
    try:
        yield found
    finally:
        _admitted.reset(token)


def messages_in(endpoint: str, data: dict[str, Any]) -> int:
    """How many messages a Bot API call puts into its chat (0 for anything that is not a message)."""
    method = endpoint.lower()
    if method == "sendchataction" or not method.startswith(("send", "copymessage", "forwardmessage")):
        return 0
    items = data.get("media") if method == "sendmediagroup" else data.get("message_ids")
    return len(items) if isinstance(items, list) and items else 1


def retry_seconds(exc: RetryAfter) -> float:
    """Telegram's retry_after in seconds (a timedelta with PTB_TIMEDELTA, an int without)."""
    wait: Any = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def answered(exc: BaseException) -> bool:
    """Telegram answered the call with an error, so nothing was delivered (unlike a timeout or a dropped
    connection, after which the message may have arrived)."""
    if isinstance(exc, TimedOut) or not isinstance(exc, TelegramError):
        return False
    transport = ("aiohttp.", "httpx.", "Unknown error in HTTP")  # bot/delivery/transport.py, PTB's HTTPXRequest
    return not (isinstance(exc, NetworkError) and exc.message.startswith(transport))


def _chat_of(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):  # no chat, or a @channel username
        return None


class OverallWindow:
    """The messages of the last `period` seconds, all chats together, with a share of it per priority.

    `_sent` holds the times the messages count from, oldest first (each is now or later than all before it)."""

    def __init__(
        self, per_second: int = MESSAGES_PER_SECOND, clock: Callable[[], float] = time.monotonic, period: float = 1.0
    ) -> None:
        self.per_second = per_second
        self.period = period
        self.clock = clock
        self._sent: deque[float] = deque()
        # Evenly spread priorities: the time the next of their messages is due (GCRA: a message may go at most one
        # interval early, so that a late wake-up does not cost the rate).
        self._even_due = -math.inf

    def limit(self, priority: Priority) -> int:
        return max(1, int(self.per_second * _SHARES[priority]))

    def used(self) -> int:
        cutoff = self.clock() - self.period
        sent = self._sent
        while sent and sent[0] <= cutoff:
            sent.popleft()
        return len(sent)

    def delay(self, count: int, priority: Priority) -> float:
        """Seconds until `count` messages of `priority` fit (0: now)."""
        limit = self.limit(priority)
        wait = 0.0
        if priority in _EVEN:
            wait = self._even_due - self.period / self.per_second - self.clock()
        excess = self.used() + min(count, limit) - limit
        if excess <= 0:
            return max(0.0, wait)
        return max(0.0, wait, self._sent[excess - 1] + self.period - self.clock())

    def take(self, count: int, priority: Priority | None = None) -> float:
        now = self.clock()
        self._sent.extend([now] * count)
        if priority in _EVEN:
            self._even_due = max(self._even_due, now) + self.period / self.per_second * count
        return now

    def release(self, taken_at: float, count: int) -> None:
        for _ in range(count):
            if taken_at not in self._sent:
                return
            self._sent.remove(taken_at)

    def settle(self, taken_at: float, count: int) -> None:
        now = self.clock()
        for _ in range(count):
            try:
                self._sent.remove(taken_at)
            except ValueError:
                return
            self._sent.append(now)


@dataclass(order=True)
class _Waiter:
    """A call waiting for room in the overall window: the highest priority first, then the earliest."""

    priority: int
    seq: int
    count: int = field(compare=False)
    granted: asyncio.Future[float] = field(compare=False)


class PacedRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        pacer: GroupPacer,
        *,
        per_second: int = MESSAGES_PER_SECOND,
        paid_per_second: int = PAID_MESSAGES_PER_SECOND,
        max_retries: int = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.pacer = pacer
        self.overall = OverallWindow(per_second, clock)
        self.paid = OverallWindow(paid_per_second, clock)  # messages sent with allow_paid_broadcast
        self._last_to: dict[int, float] = {}  # person's chat id -> when their last message was answered
        self.max_retries = max_retries
        self.clock = clock
        self.sleep = sleep
        self._paused: dict[int | None, float] = {}  # chat (None: every message) -> monotonic time it may go on
        self._queue: list[_Waiter] = []  # heap: calls waiting for the overall window
        self._seq = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        # Several workers (bot/delivery/scale_out.py): after this process's own limits, a message waits for a slot
        # of the timetable the workers share (`SharedBudget.take`), so that together they keep the overall limit.
        self.shared: Callable[[int], Awaitable[None]] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            self._dispatcher = None

    def _chat_delay(self, chat_id: int | None, count: int, priority: Priority = Priority.INTERACTIVE) -> float:
        """Seconds before this chat may get `count` messages: a 429 pause, a group's full minute, or (for a
        broadcast message to a person) the second since their last message."""
        if chat_id is None:
            return 0.0
        now = self.clock()
        wait = max(0.0, self._paused.get(chat_id, 0.0) - now, self._paused.get(None, 0.0) - now)
        if count and self.pacer.is_group(chat_id):
            wait = max(wait, self.pacer.wait_for(chat_id, min(count, self.pacer.per_minute)))
        elif count and priority in _EVEN and (last := self._last_to.get(chat_id)) is not None:
            wait = max(wait, last + CHAT_PERIOD - now)
        return wait

    def delay(self, chat_id: int | None, count: int, priority: Priority) -> float:
        """Seconds before a call of `count` messages to `chat_id` may go (0: now), calls already waiting aside."""
        wait = self._chat_delay(chat_id, count, priority)
        if count:
            wait = max(wait, self.overall.delay(count, priority))
        return wait

    async def _acquire(self, chat_id: int | None, count: int, paid: bool = False) -> tuple[float, float | None]:
        """Wait for this chat's room, then for room in the overall window (in priority order, after the calls
        waiting for it already), then take both (no await between the last check and the take). A paid
        broadcast message waits for room in the paid window instead."""
        priority = _priority.get()
        while True:
            while (wait := self._chat_delay(chat_id, count, priority)) > 0:
                await self.sleep(wait + 0.001)
            if not count:
                return 0.0, None
            if paid:
                if (wait := self.paid.delay(count, Priority.INTERACTIVE)) > 0:
                    await self.sleep(wait + 0.001)
                    continue
                overall = self.paid.take(count)
            elif not self._queue and self.overall.delay(count, priority) <= 0:
                overall = self.overall.take(count, priority)
            else:
                overall = await self._wait_in_line(priority, count)
            if self._chat_delay(chat_id, count, priority) > 0:  # the chat's room went meanwhile: give it back
                (self.paid if paid else self.overall).release(overall, count)
                self._dispatch()
                continue
            group = self.pacer.take(chat_id, count) if chat_id is not None else None
            return overall, group

    async def _wait_in_line(self, priority: Priority, count: int) -> float:
        waiter = _Waiter(int(priority), next(self._seq), count, asyncio.get_running_loop().create_future())
        heapq.heappush(self._queue, waiter)
        head_changed = self._queue[0] is waiter
        self._dispatch()
        if not waiter.granted.done() and (head_changed or self._dispatcher is None):
            self._restart_dispatcher()
        try:
            return await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self.overall.release(waiter.granted.result(), count)  # granted as the caller was cancelled
            waiter.granted.cancel()
            self._dispatch()
            raise

    def _dispatch(self) -> None:
        """Grant room to the waiting calls that fit now, in order; stop at the first that does not: nothing of a
        lower priority goes before it (a broadcast, whose share is the whole second, waits behind an alert or a
        digest waiting for its share)."""
        queue = self._queue
        while queue:
            head = queue[0]
            if head.granted.done():  # its caller gave up
                heapq.heappop(queue)
                continue
            if self.overall.delay(head.count, Priority(head.priority)) > 0:
                return
            heapq.heappop(queue)
            head.granted.set_result(self.overall.take(head.count, Priority(head.priority)))

    def _restart_dispatcher(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
        self._dispatcher = asyncio.create_task(self._dispatch_when_due(), name="rate-limiter-dispatch")

    async def _dispatch_when_due(self) -> None:
        """Sleep until the first waiting call fits, grant it (and any others that fit), until none waits."""
        try:
            while True:
                self._dispatch()
                if not self._queue:
                    return
                head = self._queue[0]
                await self.sleep(self.overall.delay(head.count, Priority(head.priority)) + 0.001)
        finally:
            if self._dispatcher is asyncio.current_task():
                self._dispatcher = None

    def _settle(
        self, chat_id: int | None, count: int, taken: tuple[float, float | None], *, refused: bool, paid: bool = False
    ) -> None:
        """The call is over: its messages count from now, or not at all if Telegram refused them."""
        if not count:
            return
        window = self.paid if paid else self.overall
        if refused:
            window.release(taken[0], count)
            self._dispatch()
        else:
            window.settle(taken[0], count)
            if chat_id is not None and chat_id > 0:
                self._note_person(chat_id)
        if chat_id is not None and taken[1] is not None:
            if refused:
                self.pacer.release(chat_id, taken[1], count)
            else:
                self.pacer.settle(chat_id, taken[1], count)

    def _note_person(self, chat_id: int) -> None:
        """A message to a person was answered now (for the broadcast's second per chat); old entries go."""
        now = self.clock()
        last_to = self._last_to
        last_to[chat_id] = now
        if len(last_to) > 4096:
            self._last_to = {chat: at for chat, at in last_to.items() if at > now - CHAT_PERIOD}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = _chat_of(data)
        count = messages_in(endpoint, data)
        paid = bool(data.get("allow_paid_broadcast"))
        retries = rate_limit_args if rate_limit_args is not None else self.max_retries
        hook = _admitted.get()
        attempt = 0
        marked = False  # this call fired the admitted hook (a broadcast row is `sending` because of it)
        while True:
            taken = await self._acquire(chat_id, count, paid)
            if self.shared is not None and count and not paid:
                try:
                    await self.shared(count)
                except BaseException:
                    self._settle(chat_id, count, taken, refused=True, paid=paid)
                    raise
            if hook is not None and not hook.fired:
                try:
                    await hook.fire()
                except BaseException:
                    self._settle(chat_id, count, taken, refused=True, paid=paid)
                    raise
                marked = True
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                self._settle(chat_id, count, taken, refused=True, paid=paid)
                if attempt >= retries and not marked:
                    raise
                wait = retry_seconds(exc) + RETRY_MARGIN
                key = chat_id if chat_id is not None and self.pacer.is_group(chat_id) else None
                self._paused[key] = max(self._paused.get(key, 0.0), self.clock() + wait)
                if marked:  # not waited out here, `sending`: the caller puts its row back to pending
                    log.info("429 on %s to %s: the caller retries in %.1f s", endpoint, chat_id, wait)
                    raise
                attempt += 1
                log.info("429 on %s to %s: waiting %.1f s (try %d)", endpoint, chat_id, wait, attempt)
                continue
            except BaseException as exc:
                self._settle(chat_id, count, taken, refused=answered(exc), paid=paid)
                raise
            self._settle(chat_id, count, taken, refused=False, paid=paid)
            return result
