"""Broadcasts in the rate limiter (bot/delivery/rate_limiter.py) and in the fake's limits, on fake clocks: the whole
second spread evenly, after everything else; one message a second per person; paid broadcasts in their own window;
the `admitted` hook between the wait for room and the request."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.delivery.pacing import GroupPacer
from bot.delivery.rate_limiter import (
    CHAT_PERIOD,
    PacedRateLimiter,
    Priority,
    admitted,
    sending_as,
)
from testing.fake_telegram import ApiCall, TelegramLimits
from tests.test_rate_limits import Calls, Clock, VirtualTime, limiter, most_within, send

PERSON = 4242


def call(method: str = "sendMessage", chat_id: int = PERSON, **params: Any) -> ApiCall:
    return ApiCall(seq=0, method=method, params={"chat_id": chat_id, **params})


# ---- the limiter ---------------------------------------------------------------------------------------------


async def test_a_broadcast_takes_the_whole_second_but_evenly() -> None:
    clock = Clock()
    rl, calls = limiter(clock), Calls(clock)
    with sending_as(Priority.BROADCAST):
        for person in range(90):
            await send(rl, calls, PERSON + person)
    spans = [later - earlier for earlier, later in zip(calls.at, calls.at[2:], strict=False)]
    assert min(spans) >= 1 / 30 - 1e-9  # never more than two within a thirtieth of a second
    assert most_within(calls.at, 1.0) == 30  # the whole rate when nobody else sends
    assert calls.at[-1] - calls.at[0] < 89 / 30 + 0.1  # and no slower than that


async def test_a_reply_waits_at_most_a_thirtieth_of_a_second_behind_a_broadcast() -> None:
    clock = Clock()
    rl, calls = limiter(clock), Calls(clock)
    with sending_as(Priority.BROADCAST):
        for person in range(45):  # the window is full, evenly
            await send(rl, calls, PERSON + person)
    assert rl.delay(PERSON + 1000, 1, Priority.INTERACTIVE) <= 1 / 30 + 1e-6


async def test_broadcasts_wait_behind_waiting_alerts_and_digests() -> None:
    clock = VirtualTime()
    rl = PacedRateLimiter(GroupPacer(clock=clock), clock=clock, sleep=clock.sleep)
    order: list[str] = []

    async def one(name: str, priority: Priority, chat: int) -> None:
        async def request(*args: Any, **kwargs: Any) -> dict[str, Any]:
            order.append(name)
            return {"ok": True}
        with sending_as(priority):
            await rl.process_request(request, (), {}, "sendMessage", {"chat_id": chat}, None)

    rl.overall.take(30)
    broadcast = [asyncio.create_task(one("broadcast", Priority.BROADCAST, PERSON + i)) for i in range(10)]
    await clock.settle()
    others = [asyncio.create_task(one("digest", Priority.BULK, PERSON + 100 + i)) for i in range(3)]
    others += [asyncio.create_task(one("alert", Priority.ALERT, PERSON + 200 + i)) for i in range(3)]
    await clock.run(broadcast + others)
    assert order == ["alert"] * 3 + ["digest"] * 3 + ["broadcast"] * 10


async def test_a_broadcast_message_to_a_person_waits_a_second_after_their_last_message() -> None:
    clock = Clock()
    rl, calls = limiter(clock), Calls(clock)
    await send(rl, calls, PERSON)  # a reply to them
    with sending_as(Priority.BROADCAST):
        await send(rl, calls, PERSON)
        await send(rl, calls, PERSON)
    assert calls.at[1] - calls.at[0] >= CHAT_PERIOD and calls.at[2] - calls.at[1] >= CHAT_PERIOD
    await send(rl, calls, PERSON)  # replies are not held back
    assert calls.at[3] == calls.at[2]


async def test_paid_broadcasts_have_their_own_window_of_a_thousand_a_second() -> None:
    clock = Clock()
    rl, calls = limiter(clock), Calls(clock)
    rl.overall.take(30)  # the free 30 of this second are used
    with sending_as(Priority.BROADCAST):
        for person in range(1000):
            await send(rl, calls, PERSON + person, allow_paid_broadcast=True)
        assert calls.at[-1] == 1000.0  # not held by the free window, nor spread over the second
        assert rl.overall.used() == 30  # and not counted in it
        await send(rl, calls, PERSON + 1000, allow_paid_broadcast=True)
    assert calls.at[-1] >= 1001.0  # the 1001st waits for the paid window
    assert most_within(calls.at, 1.0) == 1000


async def test_the_admitted_hook_runs_after_the_wait_for_room_and_just_before_the_request() -> None:
    clock = Clock()
    rl = limiter(clock)
    rl.overall.take(30)  # full: the call must wait about a second
    events: list[tuple[str, float]] = []

    async def request(*args: Any, **kwargs: Any) -> dict[str, Any]:
        events.append(("request", clock.now))
        return {"ok": True}

    async def hook() -> None:
        events.append(("hook", clock.now))

    with sending_as(Priority.BROADCAST), admitted(hook):
        await rl.process_request(request, (), {}, "sendMessage", {"chat_id": PERSON}, None)
        await rl.process_request(request, (), {}, "sendMessage", {"chat_id": PERSON + 1}, None)
    assert [name for name, _ in events] == ["hook", "request", "request"]  # once, for the first call
    assert events[0][1] == events[1][1] >= 1001.0


async def test_a_failing_hook_sends_nothing_and_gives_the_room_back() -> None:
    clock = Clock()
    rl, calls = limiter(clock), Calls(clock)

    async def hook() -> None:
        raise RuntimeError("the database is gone")

    with sending_as(Priority.BROADCAST), admitted(hook), pytest.raises(RuntimeError):
        await send(rl, calls, PERSON)
    assert calls.at == [] and rl.overall.used() == 0


# ---- the fake's limits ---------------------------------------------------------------------------------------


def test_fake_with_per_chat_refuses_a_second_message_to_one_chat_within_a_second() -> None:
    clock = Clock()
    limits = TelegramLimits(clock=clock, per_chat=1)
    assert limits.admit(call()) is None
    limits.sent(call())
    refusal = limits.admit(call())
    assert refusal is not None and refusal.code == 429 and refusal.parameters == {"retry_after": 1}
    assert limits.admit(call(chat_id=PERSON + 1)) is None  # another chat
    assert limits.admit(call("editMessageText", text="x")) is None  # not a message
    clock.now += 1.0
    assert limits.admit(call()) is None
    unlimited = TelegramLimits(clock=clock)  # off by default
    unlimited.sent(call())
    assert unlimited.admit(call()) is None


def test_fake_counts_paid_broadcasts_in_their_own_window() -> None:
    limits = TelegramLimits(clock=Clock())
    for person in range(30):
        limits.sent(call(chat_id=PERSON + person))
    assert limits.admit(call(chat_id=PERSON + 99)) is not None  # the free 30 are used
    for person in range(1000):
        paid = call(chat_id=PERSON + 100 + person, allow_paid_broadcast=True)
        assert limits.admit(paid) is None
        limits.sent(paid)
    assert limits.admit(call(chat_id=PERSON + 5000, allow_paid_broadcast=True)) is not None  # 1001st
