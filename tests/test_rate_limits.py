"""Telegram's flood limits, without the network or the wall clock: the fake's simulation of them
(testing/fake_telegram/limits.py TelegramLimits), the group pacer's window, and the bot's rate limiter with its
priorities (bot/delivery/rate_limiter.py), each on a fake clock."""

from __future__ import annotations

import asyncio
import heapq
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.delivery.pacing import GroupPacer
from bot.delivery.rate_limiter import OverallWindow, PacedRateLimiter, Priority, answered, messages_in, sending_as
from testing.fake_telegram import ApiCall, TelegramLimits

GROUP, OTHER_GROUP, PERSON = -100123, -100456, 4242


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def call(method: str = "sendMessage", chat_id: int = GROUP, **params: Any) -> ApiCall:
    return ApiCall(seq=0, method=method, params={"chat_id": chat_id, **params})


# ---- the fake's limits ------------------------------------------------------------------------------------


def test_fake_refuses_the_21st_message_to_a_group_within_a_minute_and_says_when_to_retry() -> None:
    clock = Clock()
    limits = TelegramLimits(clock=clock)
    for _ in range(20):
        assert limits.admit(call()) is None
        limits.sent(call())
        clock.now += 1
    refusal = limits.admit(call())  # t=1020: the first message (t=1000) leaves the window at t=1060
    assert refusal is not None and refusal.code == 429
    assert refusal.description == "Too Many Requests: retry after 40" and refusal.parameters == {"retry_after": 40}
    assert len(limits.refused) == 1
    assert limits.admit(call(chat_id=OTHER_GROUP)) is None  # another group has its own minute
    clock.now = 1060.0
    assert limits.admit(call()) is None


def test_fake_counts_thirty_messages_a_second_overall_and_an_album_as_its_items() -> None:
    clock = Clock()
    limits = TelegramLimits(clock=clock)
    for person in range(25):
        limits.sent(call(chat_id=PERSON + person))
    album = call("sendMediaGroup", chat_id=PERSON, media=[{"type": "photo"}] * 6)
    assert limits.admit(album) is not None  # 25 + 6 > 30
    assert limits.admit(call("sendMediaGroup", chat_id=PERSON, media=[{"type": "photo"}] * 5)) is None
    assert limits.admit(call("sendChatAction", chat_id=PERSON, action="typing")) is None  # not a message
    assert limits.admit(call("editMessageText", chat_id=PERSON, text="x")) is None
    clock.now += 1.0
    assert limits.admit(album) is None  # a second later the window is empty again


def test_fake_counts_only_what_it_delivered() -> None:
    limits = TelegramLimits(per_group=1, clock=Clock())
    assert limits.admit(call()) is None  # admitted, but refused for another reason: never `sent`
    assert limits.admit(call()) is None


# ---- the group pacer ---------------------------------------------------------------------------------------


def test_pacer_counts_a_message_from_when_telegram_answered_it() -> None:
    clock = Clock()
    pacer = GroupPacer(per_minute=2, clock=clock)
    taken = pacer.take(GROUP)
    clock.now += 5  # a slow answer
    pacer.settle(GROUP, taken)
    pacer.take(GROUP)
    clock.now = 1061.0  # a minute after the first message was *sent*, not yet after it was answered
    assert pacer.remaining(GROUP) == 0
    assert pacer.wait_for(GROUP) == pytest.approx(4.0)


def test_pacer_forgets_a_refused_message_and_restores_what_was_sent_before_a_restart() -> None:
    clock = Clock()
    pacer = GroupPacer(per_minute=3, clock=clock)
    taken = pacer.take(GROUP, 2)
    pacer.release(GROUP, taken, 2)
    assert pacer.remaining(GROUP) == 3
    pacer.restore(GROUP, [59.0, 30.0, 61.0])  # the last one is already out of the window
    assert pacer.remaining(GROUP) == 1
    assert pacer.wait_for(GROUP, 2) == pytest.approx(1.0)
    pacer.restore(PERSON, [1.0])
    assert pacer.remaining(PERSON) > 1000


# ---- the overall window and priorities ---------------------------------------------------------------------


def test_alerts_leave_part_of_each_second_to_interactive_replies() -> None:
    clock = Clock()
    window = OverallWindow(30, clock)
    assert window.limit(Priority.INTERACTIVE) == 30 and window.limit(Priority.ALERT) == 24
    assert window.limit(Priority.BULK) == 15
    window.take(24)
    assert window.delay(1, Priority.ALERT) == pytest.approx(1.0)
    assert window.delay(1, Priority.INTERACTIVE) == 0.0
    assert window.delay(6, Priority.INTERACTIVE) == 0.0 and window.delay(7, Priority.INTERACTIVE) > 0
    window.take(6)
    assert window.delay(1, Priority.INTERACTIVE) == pytest.approx(1.0)


def test_messages_are_the_sending_methods_and_an_album_counts_its_items() -> None:
    assert messages_in("sendMessage", {"chat_id": 1}) == 1
    assert messages_in("sendMediaGroup", {"media": [1, 2, 3]}) == 3
    assert messages_in("copyMessage", {}) == messages_in("forwardMessage", {}) == 1
    assert messages_in("forwardMessages", {"message_ids": [1, 2]}) == 2
    for method in ("sendChatAction", "editMessageText", "answerCallbackQuery", "getChatMember"):
        assert messages_in(method, {"chat_id": 1}) == 0


def test_only_an_error_answer_means_nothing_was_delivered() -> None:
    assert answered(BadRequest("chat not found")) and answered(NetworkError("Bad Gateway"))
    assert not answered(TimedOut()) and not answered(NetworkError("httpx.ReadError: boom"))
    assert not answered(ValueError("a bug"))


# ---- the rate limiter --------------------------------------------------------------------------------------


class Calls:
    """A Bot API call that records when it ran (on the fake clock), and may fail first."""

    def __init__(self, clock: Clock, failures: list[BaseException] | None = None) -> None:
        self.clock = clock
        self.failures = failures or []
        self.at: list[float] = []

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.at.append(self.clock.now)
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": True}


def limiter(clock: Clock, pacer: GroupPacer | None = None, **kw: Any) -> PacedRateLimiter:
    return PacedRateLimiter(pacer or GroupPacer(clock=clock), clock=clock, sleep=clock.sleep, **kw)


async def send(rl: PacedRateLimiter, calls: Calls, chat_id: int, endpoint: str = "sendMessage", **data: Any) -> Any:
    return await rl.process_request(calls, (), {}, endpoint, {"chat_id": chat_id, **data}, None)


def most_within(times: list[float], period: float) -> int:
    return max(sum(1 for u in times if t <= u < t + period - 1e-9) for t in times)


async def test_limiter_keeps_alerts_within_their_share_of_each_second() -> None:
    clock = Clock()
    rl, calls = limiter(clock), Calls(clock)
    with sending_as(Priority.ALERT):
        for person in range(60):
            await send(rl, calls, PERSON + person)
    assert most_within(calls.at, 1.0) == 24
    assert calls.at[-1] - calls.at[0] < 3.0  # and it does not wait longer than needed


async def test_limiter_lets_an_interactive_reply_through_while_alerts_wait() -> None:
    clock = Clock()
    rl, calls = limiter(clock), Calls(clock)
    with sending_as(Priority.ALERT):
        for person in range(24):
            await send(rl, calls, PERSON + person)
        assert rl.delay(PERSON, 1, Priority.ALERT) > 0
    await send(rl, calls, PERSON)  # a handler's reply: INTERACTIVE by default
    assert calls.at[-1] == calls.at[0]  # not delayed


async def test_limiter_paces_a_group_at_its_minute_and_edits_not_at_all() -> None:
    clock = Clock()
    pacer = GroupPacer(per_minute=20, clock=clock)
    rl, calls = limiter(clock, pacer), Calls(clock)
    for _ in range(20):
        await send(rl, calls, GROUP)
    assert pacer.remaining(GROUP) == 0
    await send(rl, calls, GROUP, "editMessageText", message_id=1, text="x")
    assert calls.at[-1] == 1000.0
    await send(rl, calls, GROUP)
    assert calls.at[-1] >= 1060.0
    assert most_within(calls.at[:20] + calls.at[21:], 60.0) == 20


async def test_limiter_waits_out_a_429_and_does_not_count_the_refused_try() -> None:
    clock = Clock()
    pacer = GroupPacer(per_minute=20, clock=clock)
    rl = limiter(clock, pacer, max_retries=2)
    calls = Calls(clock, [RetryAfter(timedelta(seconds=5))])
    await send(rl, calls, GROUP)
    assert calls.at == [1000.0, pytest.approx(1005.1, abs=0.01)]
    assert pacer.remaining(GROUP) == 19  # one message, not two
    other = Calls(clock)
    await send(rl, other, OTHER_GROUP)  # a group's 429 pauses only that group
    assert other.at == [calls.at[-1]]


async def test_limiter_gives_up_after_its_retries() -> None:
    clock = Clock()
    rl = limiter(clock, max_retries=1)
    calls = Calls(clock, [RetryAfter(timedelta(seconds=1)), RetryAfter(timedelta(seconds=1))])
    with pytest.raises(RetryAfter):
        await send(rl, calls, PERSON)
    assert len(calls.at) == 2


class VirtualTime:
    """A clock for concurrent tasks: `sleep` waits until `advance` reaches its wake-up time, earliest first
    (ties in the order the sleeps began), so that the order in which waiting calls go is deterministic."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.now + seconds, self._seq, future))
        await future

    async def settle(self) -> None:
        for _ in range(20):  # let every runnable task reach its next sleep (a yield, not a wall-clock wait)
            await asyncio.sleep(0)

    async def run(self, tasks: list[asyncio.Task[Any]]) -> None:
        await self.settle()
        while not all(task.done() for task in tasks):
            assert self._sleepers, "tasks are blocked without sleeping"
            at, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            if not future.done():  # a sleeper cancelled meanwhile (the limiter's dispatcher, restarted)
                future.set_result(None)
            await self.settle()


async def test_waiting_alerts_go_before_waiting_digests_whatever_came_first() -> None:
    clock = VirtualTime()
    rl = PacedRateLimiter(GroupPacer(clock=clock), clock=clock, sleep=clock.sleep)
    order: list[str] = []

    def recorder(name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
            order.append(name)
            return {"ok": True}
        return call

    async def one(name: str, priority: Priority, chat: int) -> None:
        with sending_as(priority):
            await rl.process_request(recorder(name), (), {}, "sendMessage", {"chat_id": chat}, None)

    rl.overall.take(24)  # this second's share for alerts is used up
    bulk = [asyncio.create_task(one("bulk", Priority.BULK, PERSON + i)) for i in range(10)]
    await clock.settle()  # the digests are waiting first
    alerts = [asyncio.create_task(one("alert", Priority.ALERT, PERSON + 100 + i)) for i in range(10)]
    await clock.run(bulk + alerts)
    assert order == ["alert"] * 10 + ["bulk"] * 10


async def test_an_interactive_reply_is_never_held_back_by_waiting_alerts() -> None:
    clock = VirtualTime()
    rl = PacedRateLimiter(GroupPacer(clock=clock), clock=clock, sleep=clock.sleep)
    order: list[str] = []

    async def one(name: str, priority: Priority, chat: int) -> None:
        async def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
            order.append(name)
            return {"ok": True}
        with sending_as(priority):
            await rl.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

    rl.overall.take(30)  # the whole second is used
    alerts = [asyncio.create_task(one("alert", Priority.ALERT, PERSON + i)) for i in range(30)]
    await clock.settle()
    replies = [asyncio.create_task(one("reply", Priority.INTERACTIVE, PERSON + 100 + i)) for i in range(6)]
    await clock.run(alerts + replies)
    assert order[:6] == ["reply"] * 6  # the alerts waited first, but the replies go first
    assert order.count("alert") == 30
