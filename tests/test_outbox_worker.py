"""The outbox worker against the fake Bot API with a real telegram.Bot: delivery, retries, dead letters, order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.delivery import outbox_worker as worker_module
from bot.delivery.outbox_worker import MAX_BACKOFF, OutboxWorker, backoff
from bot.delivery.policy import DeliveryPolicy
from storage.database import Database, iso
from storage.delivery import outbox as outbox_module
from storage.delivery.outbox import OutboxMessage, OutboxRepository
from testing.fake_telegram import FakeTelegram

CHAT_A = 5001
CHAT_B = 5002


class Clock:
    """The notion of now of the worker and of the outbox rows it reads (their stamps), moved by hand.

    It starts on a fixed day in the past, so that anything still stamped with the real time would be in this
    clock's future (not due) in every run, not only in the runs where a second ticks over."""

    def __init__(self) -> None:
        self.now = datetime(2024, 2, 14, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "outbox.sqlite3")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def outbox(db: Database) -> OutboxRepository:
    return OutboxRepository(db)


@pytest.fixture
async def telegram_bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    for chat in (CHAT_A, CHAT_B):
        fake.ensure_chat(chat)
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        yield bot


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(worker_module, "utcnow", clock)
    monkeypatch.setattr(outbox_module, "utcnow", clock)  # rows are queued, sent and merged at the same now
    return clock


@pytest.fixture
def worker(outbox: OutboxRepository, telegram_bot: Bot, clock: Clock) -> OutboxWorker:
    return OutboxWorker(outbox, telegram_bot)


async def queue(outbox: OutboxRepository, key: str, chat_id: int = CHAT_A, text: str | None = None) -> None:
    assert await outbox.add(OutboxMessage(key, chat_id, "sendMessage", {"text": text or f"pesan {key}"}))


def texts_sent(fake: FakeTelegram, chat_id: int) -> list[tuple[str, int]]:
    """(text, HTTP status) of every sendMessage to the chat, in the order the fake received them."""
    return [(str(c.params.get("text")), c.status) for c in fake.calls("sendMessage", chat_id=chat_id)]


async def row(outbox: OutboxRepository, key: str) -> dict[str, object]:
    found = await outbox.by_key(key)
    assert found is not None
    return found


# ---- backoff --------------------------------------------------------------------------------------------------


def test_backoff_doubles_from_one_second_up_to_five_minutes():
    assert [backoff(n).total_seconds() for n in range(10)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert timedelta(minutes=5) == MAX_BACKOFF
    assert backoff(50) == backoff(10_000) == MAX_BACKOFF  # no overflow however often it failed


# ---- delivery -------------------------------------------------------------------------------------------------


async def test_nothing_due_returns_false(worker: OutboxWorker, fake: FakeTelegram):
    mark = fake.cursor()
    assert await worker.deliver_due() is False
    assert fake.calls("sendMessage") == [] and fake.cursor() == mark


async def test_a_queued_message_is_sent_and_marked_with_its_message_id(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram
):
    await queue(outbox, "hello", text="<b>Laporan diterima.</b>")
    assert await worker.deliver_due() is True
    [call] = fake.calls("sendMessage", chat_id=CHAT_A)
    assert call.ok and call.params["text"] == "<b>Laporan diterima.</b>"
    stored = await row(outbox, "hello")
    assert stored["status"] == "sent"
    assert stored["telegram_message_id"] == call.result["message_id"]
    assert stored["attempts"] == 1
    assert worker.delivered == 1
    assert await worker.deliver_due() is False  # sent once only
    assert len(fake.calls("sendMessage")) == 1


async def test_payload_parameters_are_passed_through(worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram):
    payload = {"text": "<b>Kode</b> <code>PTU-ABCD-EF23</code>", "parse_mode": "HTML"}
    await outbox.add(OutboxMessage("html", CHAT_A, "sendMessage", payload))
    await worker.deliver_due()
    [call] = fake.calls("sendMessage", chat_id=CHAT_A)
    assert call.params["parse_mode"] == "HTML"
    assert call.result["text"] == "Kode PTU-ABCD-EF23"


async def test_other_methods_go_out_as_raw_requests(worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram):
    await outbox.add(OutboxMessage("where", CHAT_A, "sendLocation", {"latitude": -1.6, "longitude": 103.61}))
    assert await worker.deliver_due() is True
    [call] = fake.calls("sendLocation", chat_id=CHAT_A)
    assert call.ok
    stored = await row(outbox, "where")
    assert stored["status"] == "sent" and stored["telegram_message_id"] == call.result["message_id"]


async def test_a_message_not_yet_due_is_not_sent(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram, clock: Clock
):
    await queue(outbox, "later")
    [item] = await outbox.due(clock.now)
    await outbox.retry_later(item.id, clock.now + timedelta(minutes=1), "test")
    assert await worker.deliver_due() is False
    assert fake.calls("sendMessage") == []
    clock.advance(timedelta(minutes=1))
    assert await worker.deliver_due() is True
    assert texts_sent(fake, CHAT_A) == [("pesan later", 200)]


# ---- errors ---------------------------------------------------------------------------------------------------


async def test_429_reschedules_after_retry_after(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram, clock: Clock
):
    await queue(outbox, "flood")
    fake.fail_next("sendMessage", status=429, retry_after=30)
    assert await worker.deliver_due() is True
    stored = await row(outbox, "flood")
    assert stored["status"] == "pending" and stored["attempts"] == 1
    assert stored["next_attempt_at"] == iso(clock.now + timedelta(seconds=30))
    assert "429" in str(stored["last_error"])
    assert worker.delivered == 0

    clock.advance(timedelta(seconds=29))
    assert await worker.deliver_due() is False  # still waiting: no second call
    assert len(fake.calls("sendMessage")) == 1
    clock.advance(timedelta(seconds=1))
    assert await worker.deliver_due() is True
    assert texts_sent(fake, CHAT_A) == [("pesan flood", 429), ("pesan flood", 200)]
    assert (await row(outbox, "flood"))["status"] == "sent"


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, "Internal Server Error"), (502, "Bad Gateway"), (503, "Service Unavailable"), (0, "disconnected")],
    ids=["500", "502", "503", "connection-dropped"],
)
async def test_server_errors_reschedule_with_backoff(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram, clock: Clock, status: int, error: str
):
    await queue(outbox, "flaky")
    fake.fail_next("sendMessage", status=status, times=3)
    for attempt in range(3):
        assert await worker.deliver_due() is True
        stored = await row(outbox, "flaky")
        assert stored["status"] == "pending"
        assert stored["attempts"] == attempt + 1
        assert stored["next_attempt_at"] == iso(clock.now + backoff(attempt))
        assert str(stored["last_error"]).startswith("NetworkError: ") and error in str(stored["last_error"])
        clock.advance(backoff(attempt) - timedelta(seconds=1))
        assert await worker.deliver_due() is False  # not before its time
        clock.advance(timedelta(seconds=1))
    assert await worker.deliver_due() is True
    assert (await row(outbox, "flaky"))["status"] == "sent"
    assert [s for _, s in texts_sent(fake, CHAT_A)] == [status, status, status, 200]


async def test_403_marks_dead_and_the_chat_moves_on(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram, clock: Clock
):
    fake.block(CHAT_A)
    await queue(outbox, "blocked-1")
    await queue(outbox, "blocked-2")
    assert await worker.deliver_due() is True
    for key in ("blocked-1", "blocked-2"):
        stored = await row(outbox, key)
        assert stored["status"] == "dead" and stored["attempts"] == 1
        assert "Forbidden" in str(stored["last_error"])
    assert [s for _, s in texts_sent(fake, CHAT_A)] == [403, 403]
    clock.advance(timedelta(days=1))
    assert await worker.deliver_due() is False  # never retried
    assert worker.delivered == 0


async def test_bad_request_marks_dead(worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram):
    await queue(outbox, "bad")
    fake.fail_next("sendMessage", status=400, description="Bad Request: can't parse entities")
    assert await worker.deliver_due() is True
    stored = await row(outbox, "bad")
    assert stored["status"] == "dead" and "can't parse entities" in str(stored["last_error"]).lower()


async def test_unknown_chat_is_dead(worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram):
    await queue(outbox, "nobody", chat_id=999_999)  # the fake answers 400 "chat not found"
    await worker.deliver_due()
    assert (await row(outbox, "nobody"))["status"] == "dead"


# ---- order ----------------------------------------------------------------------------------------------------


async def test_per_chat_order_is_kept_when_the_first_message_fails(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram, clock: Clock
):
    await queue(outbox, "a1")
    await queue(outbox, "a2")
    await queue(outbox, "b1", chat_id=CHAT_B)
    fake.fail_next("sendMessage", status=500, chat_id=CHAT_A)

    assert await worker.deliver_due() is True
    assert texts_sent(fake, CHAT_A) == [("pesan a1", 500)]  # a2 waits for a1
    assert texts_sent(fake, CHAT_B) == [("pesan b1", 200)]  # another chat is not held up
    assert (await row(outbox, "a2"))["attempts"] == 0

    clock.advance(backoff(0))
    await worker.deliver_due()
    assert texts_sent(fake, CHAT_A) == [("pesan a1", 500), ("pesan a1", 200), ("pesan a2", 200)]
    assert worker.delivered == 3


async def test_a_later_message_does_not_overtake_one_waiting_for_its_retry(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram, clock: Clock
):
    await queue(outbox, "a1")
    await queue(outbox, "a2")
    fake.fail_next("sendMessage", status=429, retry_after=5, chat_id=CHAT_A)
    await worker.deliver_due()
    await worker.deliver_due()  # the background loop runs another pass right away
    clock.advance(timedelta(seconds=5))
    await worker.deliver_due()
    await worker.deliver_due()
    sent = [text for text, status in texts_sent(fake, CHAT_A) if status == 200]
    assert sent == ["pesan a1", "pesan a2"]


async def test_chats_are_delivered_in_parallel_each_in_order(
    worker: OutboxWorker, outbox: OutboxRepository, fake: FakeTelegram
):
    for i in range(5):
        await queue(outbox, f"a{i}")
        await queue(outbox, f"b{i}", chat_id=CHAT_B)
    assert await worker.deliver_due() is True
    assert [t for t, _ in texts_sent(fake, CHAT_A)] == [f"pesan a{i}" for i in range(5)]
    assert [t for t, _ in texts_sent(fake, CHAT_B)] == [f"pesan b{i}" for i in range(5)]
    assert worker.delivered == 10
    assert await outbox.counts() == {"sent": 10}


async def test_a_batch_is_limited(outbox: OutboxRepository, telegram_bot: Bot, fake: FakeTelegram, clock: Clock):
    worker = OutboxWorker(outbox, telegram_bot, batch=3)
    for i in range(5):
        await queue(outbox, f"m{i}")
    await worker.deliver_due()
    assert len(fake.calls("sendMessage")) == 3
    await worker.deliver_due()
    assert [t for t, _ in texts_sent(fake, CHAT_A)] == [f"pesan m{i}" for i in range(5)]


# ---- the background loop --------------------------------------------------------------------------------------


async def test_the_loop_sends_when_notified_and_stops(outbox: OutboxRepository, telegram_bot: Bot, fake: FakeTelegram):
    worker = OutboxWorker(outbox, telegram_bot)
    worker.start()
    try:
        mark = fake.cursor()
        await queue(outbox, "woken")
        worker.notify()
        call = await fake.wait_for("sendMessage", chat_id=CHAT_A, after=mark, timeout=5)
        assert call.ok and call.params["text"] == "pesan woken"
    finally:
        await worker.stop()
    await worker.stop()  # stopping twice is harmless


def slow_policy() -> tuple[DeliveryPolicy, asyncio.Event, asyncio.Event]:
    """A policy whose method `pantau.slow` sets `entered`, then waits for `release` (and returns message 42)."""
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(item: object) -> int:
        entered.set()
        await release.wait()
        return 42

    policy = DeliveryPolicy()
    policy.add_method("pantau.slow", slow)
    return policy, entered, release


async def test_a_stopping_worker_lets_the_send_under_way_finish_and_marks_it(
    outbox: OutboxRepository, telegram_bot: Bot, clock: Clock
) -> None:
    """Seen (a restart test under load): a graceful stop cancelled a send Telegram had already taken, before it
    was marked sent, so the restarted bot sent it again (and its group's restored minute missed it)."""
    policy, entered, release = slow_policy()
    worker = OutboxWorker(outbox, telegram_bot, policy=policy)
    assert await outbox.add(OutboxMessage("slow", CHAT_A, "pantau.slow", {}))
    assert await outbox.add(OutboxMessage("after", CHAT_A, "sendMessage", {"text": "not yet under way"}))
    worker.start()
    await entered.wait()
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0)  # one turn of the loop: stop() has begun (no wall-clock wait)
    release.set()
    await stopping
    slow_row, after_row = await outbox.by_key("slow"), await outbox.by_key("after")
    assert slow_row is not None and (slow_row["status"], slow_row["telegram_message_id"]) == ("sent", 42)
    assert after_row is not None and after_row["status"] == "pending"  # not started: it waits for the next start


async def test_a_stopping_worker_gives_up_on_a_send_that_does_not_end(
    outbox: OutboxRepository, telegram_bot: Bot, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered = asyncio.Event()

    async def stuck(item: object) -> int:
        entered.set()
        await asyncio.Event().wait()
        return 1

    monkeypatch.setattr(worker_module, "STOP_GRACE", 0.05)
    policy = DeliveryPolicy()
    policy.add_method("pantau.stuck", stuck)
    worker = OutboxWorker(outbox, telegram_bot, policy=policy)
    assert await outbox.add(OutboxMessage("stuck", CHAT_A, "pantau.stuck", {}))
    worker.start()
    await entered.wait()
    await worker.stop()
    row = await outbox.by_key("stuck")
    assert row is not None and row["status"] == "pending"  # kept, for the next start


async def test_a_chat_whose_send_hangs_does_not_hold_up_another_chats_message(
    outbox: OutboxRepository, telegram_bot: Bot, fake: FakeTelegram, clock: Clock
) -> None:
    """Seen (bench/load_alerts.py at 20 reports a second): each pass of the worker waited for every chat of
    the pass, so a reporter's confirmation queued meanwhile waited behind a group's slowest send."""
    policy, entered, release = slow_policy()
    worker = OutboxWorker(outbox, telegram_bot, policy=policy)
    assert await outbox.add(OutboxMessage("slow", CHAT_A, "pantau.slow", {}))
    worker.start()
    try:
        await entered.wait()  # chat A's send is under way and does not end
        mark = fake.cursor()
        await queue(outbox, "confirmation", CHAT_B)
        worker.notify()
        call = await fake.wait_for("sendMessage", chat_id=CHAT_B, after=mark, timeout=10)
        assert call.ok and call.params["text"] == "pesan confirmation"
        slow_row = await outbox.by_key("slow")
        assert slow_row is not None and slow_row["status"] == "pending"  # still under way
    finally:
        release.set()
        await worker.stop()
    slow_row = await outbox.by_key("slow")
    assert slow_row is not None and slow_row["status"] == "sent"
