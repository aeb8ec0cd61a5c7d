"""A broadcast's delivery rows (storage/delivery/outbox.py, broadcasts.py) and how the outbox worker moves them:
pending -> sending (committed before the request) -> sent / uncertain / unreachable / failed / cancelled."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.pacing import GroupPacer
from bot.delivery.rate_limiter import PacedRateLimiter
from bot.regions.directory import RegionDirectory
from bot.volunteers.reachability import Reachability
from storage.database import Database, migrations, utcnow
from storage.delivery.broadcasts import BroadcastRepository, recipient_key
from storage.delivery.outbox import OutboxItem, OutboxMessage, OutboxRepository, OutboxStatus
from testing.fake_telegram import FakeTelegram
from tests.broadcast_seed import add_verified, volunteer_services

BATCH = "task:1"
PEOPLE = [9101, 9102, 9103, 9104, 9105]
COLUMNS = ["id", "dedup_key", "chat_id", "method", "payload", "status", "attempts", "next_attempt_at", "last_error",
           "telegram_message_id", "created_at", "sent_at", "kind", "report_id", "merged_into", "priority", "messages",
           "batch"]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "broadcast.sqlite3")
    await database.open()
    yield database
    await database.close()


async def queue(db: Database, people: list[int] = PEOPLE, batch: str = BATCH) -> None:
    async with db.transaction() as tx:
        await BroadcastRepository(db).queue(tx, batch, [
            OutboxMessage(recipient_key(batch, uid), uid, "sendMessage", {"text": f"Tugas untuk {uid}"})
            for uid in people
        ])


async def status(db: Database, chat_id: int, batch: str = BATCH) -> str:
    row = await db.fetchone("SELECT status FROM outbox WHERE batch = ? AND chat_id = ?", (batch, chat_id))
    assert row is not None
    return str(row["status"])


async def set_status(db: Database, chat_id: int, value: str) -> None:
    await db.write([("UPDATE outbox SET status = ? WHERE chat_id = ?", (value, chat_id))])


# ---- the table ------------------------------------------------------------------------------------------------


@pytest.mark.sqlite_only  # reads SQLite's schema, query plan or file
async def test_the_rebuilt_outbox_keeps_every_column_and_index_and_allows_the_new_statuses(db: Database) -> None:
    columns = [r["name"] for r in await db.fetchall("PRAGMA table_info(outbox)")]
    assert columns == COLUMNS
    indexes = {r["name"] for r in await db.fetchall("PRAGMA index_list(outbox)")}
    assert {"outbox_due", "outbox_sent", "outbox_batch", "outbox_pending", "outbox_pending_plain", "outbox_pending_batch",
            "outbox_pending_chat"} <= indexes
    await queue(db, [PEOPLE[0]])
    for value in OutboxStatus:
        await set_status(db, PEOPLE[0], value)
    with pytest.raises(sqlite3.IntegrityError):
        await set_status(db, PEOPLE[0], "lost")


@pytest.mark.sqlite_only  # reads SQLite's schema, query plan or file
def test_the_migration_gives_old_refused_batch_rows_their_status(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shipped = migrations()
    broadcast = next(version for version, name, _ in shipped if "broadcast_delivery" in name)
    with sqlite3.connect(path) as conn:  # a database of the version before, with rows refused the old way
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     " applied_at TEXT NOT NULL)")
        for version, name, sql in shipped:
            if version < broadcast:
                conn.executescript(sql)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (version, name))
        rows = [("a", "dead", "cancelled", BATCH), ("b", "dead", "Forbidden: bot was blocked by the user", BATCH),
                ("c", "dead", "BadRequest: Chat not found", BATCH), ("d", "dead", "BadRequest: bad", BATCH),
                ("e", "pending", None, BATCH), ("f", "dead", "Forbidden: kicked", None)]
        conn.executemany("INSERT INTO outbox (dedup_key, chat_id, method, payload, status, last_error, batch,"
                         " next_attempt_at, created_at) VALUES (?, 1, 'sendMessage', '{}', ?, ?, ?, 'x', 'x')", rows)

    async def migrate() -> dict[str, str]:
        async with Database(path) as db:
            return {r["dedup_key"]: r["status"] for r in await db.fetchall("SELECT dedup_key, status FROM outbox")}

    assert asyncio.run(migrate()) == {"a": "cancelled", "b": "unreachable", "c": "unreachable", "d": "failed",
                                      "e": "pending", "f": "dead"}


@pytest.mark.sqlite_only  # reads SQLite's schema, query plan or file
async def test_the_look_for_due_rows_reads_them_in_order_from_an_index(db: Database) -> None:
    outbox = OutboxRepository(db)
    for index, which in (("outbox_pending", ""), ("outbox_pending_plain", " AND o.batch IS NULL"),
                         ("outbox_pending_batch", " AND o.batch IS NOT NULL")):
        plan = " ".join(str(tuple(r)) for r in await db.fetchall(
            f"EXPLAIN QUERY PLAN SELECT o.id FROM outbox o INDEXED BY {index} WHERE o.status = 'pending'"
            f" AND o.next_attempt_at <= '9'{which} AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id"
            " AND p.status = 'pending' AND p.priority = o.priority AND p.id < o.id AND p.next_attempt_at > '9')"
            " ORDER BY o.priority DESC, o.id LIMIT 100"))
        assert f"USING INDEX {index}" in plan and "TEMP B-TREE" not in plan and "outbox_pending_chat" in plan
    await queue(db)
    await outbox.add(OutboxMessage("reply", 7, "sendMessage", {"text": "x"}, priority=1))
    assert [item.chat_id for item in await outbox.due(utcnow(), 3)] == [7, *PEOPLE[:2]]  # replies first
    assert [item.chat_id for item in await outbox.due(utcnow(), 3, batches=False)] == [7]
    assert [item.chat_id for item in await outbox.due(utcnow(), 2, batches=True)] == PEOPLE[:2]


# ---- the repository -------------------------------------------------------------------------------------------


async def test_counts_report_every_status(db: Database) -> None:
    await queue(db)
    broadcasts = BroadcastRepository(db)
    outbox = OutboxRepository(db)
    assert await outbox.mark_sending([1, 2, 3]) == {1, 2, 3}
    outbox.defer_sent(1, 501, 1)
    counts = await broadcasts.counts(BATCH)
    assert (counts.queued, counts.sending, counts.sent) == (5, 3, 0)  # the sent mark waits for the next commit
    await outbox.mark_refused(2, OutboxStatus.UNREACHABLE, "Forbidden: bot was blocked by the user")  # that one
    counts = await broadcasts.counts(BATCH)
    assert (counts.queued, counts.sending, counts.sent, counts.unreachable) == (3, 1, 1, 1)
    assert await outbox.sending_to_uncertain() == 1  # row 3, as at the next start
    await outbox.mark_refused(4, OutboxStatus.FAILED, "BadRequest: message is too long")
    assert await broadcasts.cancel(BATCH) == 1  # row 5: the only one still pending
    counts = await broadcasts.counts(BATCH)
    assert (counts.queued, counts.sent, counts.unreachable, counts.uncertain, counts.failed, counts.cancelled) == (
        0, 1, 1, 1, 1, 1)
    assert counts.total == len(PEOPLE) and counts.done


async def test_only_pending_rows_are_marked_sending_and_a_cancel_leaves_those_under_way(db: Database) -> None:
    await queue(db)
    outbox = OutboxRepository(db)
    assert await outbox.mark_sending([1]) == {1}
    assert await BroadcastRepository(db).cancel(BATCH) == 4
    assert await outbox.mark_sending([1, 2]) == set()  # 1 is under way already, 2 was cancelled
    assert await status(db, PEOPLE[0]) == "sending" and await status(db, PEOPLE[1]) == "cancelled"
    assert await outbox.due(utcnow(), 10) == []  # neither is ever picked up again


# ---- the worker -----------------------------------------------------------------------------------------------


@pytest.fixture
async def limited_bot(fake: FakeTelegram) -> AsyncIterator[ExtBot[None]]:
    for uid in PEOPLE:
        fake.ensure_chat(uid)
    async with ExtBot(fake.token, base_url=fake.base_url, rate_limiter=PacedRateLimiter(GroupPacer())) as bot:
        yield bot


async def due_items(db: Database) -> list[OutboxItem]:
    return await OutboxRepository(db).due(utcnow(), 100)


async def test_a_row_is_sending_while_its_request_is_held_and_uncertain_after_a_crash(
    db: Database, fake: FakeTelegram, limited_bot: ExtBot[None]
) -> None:
    await queue(db, PEOPLE[:2])
    worker = OutboxWorker(OutboxRepository(db), limited_bot)
    fake.fail_next("sendMessage", status=0, delay=60, chat_id=PEOPLE[0])  # Telegram holds the request
    first, second = await due_items(db)
    held = asyncio.create_task(worker._deliver(first))
    await fake.wait_hanging("sendMessage")
    assert await status(db, PEOPLE[0]) == "sending"  # committed before the request went out
    assert await status(db, PEOPLE[1]) == "pending"
    assert await worker._deliver(second)
    await db.flush()
    row = await OutboxRepository(db).by_key(recipient_key(BATCH, PEOPLE[1]))
    assert row is not None and row["status"] == "sent" and row["telegram_message_id"] is not None
    held.cancel()  # the process dies with the request under way
    with pytest.raises(asyncio.CancelledError):
        await held
    assert await worker.recover() == 1  # the next start
    assert await status(db, PEOPLE[0]) == "uncertain"
    assert await due_items(db) == []
    assert len(fake.calls("sendMessage", chat_id=PEOPLE[0])) == 1  # never sent again


async def test_a_row_waiting_for_room_is_still_pending(
    db: Database, fake: FakeTelegram, limited_bot: ExtBot[None], monkeypatch: pytest.MonkeyPatch
) -> None:
    await queue(db, PEOPLE[:1])
    limiter = limited_bot.rate_limiter
    assert isinstance(limiter, PacedRateLimiter)
    limiter.overall.take(30)  # this second is full: the send waits for room
    waiting = asyncio.Event()
    wait_in_line = limiter._wait_in_line

    async def in_line(*args: Any) -> float:
        waiting.set()
        return await wait_in_line(*args)

    monkeypatch.setattr(limiter, "_wait_in_line", in_line)
    worker = OutboxWorker(OutboxRepository(db), limited_bot)
    [item] = await due_items(db)
    sending = asyncio.create_task(worker._deliver(item))
    await waiting.wait()  # the call waits in the limiter's line
    assert await status(db, PEOPLE[0]) == "pending"
    assert await sending
    await db.flush()
    assert await status(db, PEOPLE[0]) == "sent"


async def test_a_row_cancelled_while_it_waited_is_not_sent(
    db: Database, fake: FakeTelegram, limited_bot: ExtBot[None]
) -> None:
    await queue(db, PEOPLE[:1])
    worker = OutboxWorker(OutboxRepository(db), limited_bot)
    [item] = await due_items(db)
    await BroadcastRepository(db).cancel(BATCH)  # ⏹ pressed after the worker picked the row up
    assert await worker._deliver(item)
    assert fake.calls("sendMessage") == [] and await status(db, PEOPLE[0]) == "cancelled"


async def test_refusals_and_errors_of_broadcast_rows(db: Database, fake: FakeTelegram, limited_bot: ExtBot[None]) -> None:
    await queue(db, PEOPLE[:4])
    told: list[int] = []

    async def unreachable(item: OutboxItem) -> None:
        told.append(item.chat_id)

    worker = OutboxWorker(OutboxRepository(db), limited_bot, on_recipient_unreachable=unreachable)
    fake.block(PEOPLE[0])
    fake.fail_next("sendMessage", status=400, description="Bad Request: chat not found", chat_id=PEOPLE[1])
    fake.fail_next("sendMessage", status=400, description="Bad Request: message is too long", chat_id=PEOPLE[2])
    fake.fail_next("sendMessage", status=502, chat_id=PEOPLE[3])
    for item in await due_items(db):
        await worker._deliver(item)
    assert [await status(db, uid) for uid in PEOPLE[:4]] == ["unreachable", "unreachable", "failed", "pending"]
    assert told == PEOPLE[:2]
    row = await OutboxRepository(db).by_key(recipient_key(BATCH, PEOPLE[3]))
    assert row is not None and row["attempts"] == 1 and "Bad Gateway" in row["last_error"]  # retried later


async def test_a_timed_out_broadcast_send_is_retried(db: Database, fake: FakeTelegram, limited_bot: ExtBot[None]) -> None:
    await queue(db, PEOPLE[:1])
    worker = OutboxWorker(OutboxRepository(db), limited_bot)
    fake.fail_next("sendMessage", status=0, delay=0.1, chat_id=PEOPLE[0])  # the connection drops, no answer
    [item] = await due_items(db)
    assert not await worker._deliver(item)
    assert await status(db, PEOPLE[0]) == "pending"  # not uncertain: tried again after its backoff


async def test_paid_broadcast_rows_carry_allow_paid_broadcast(
    db: Database, fake: FakeTelegram, limited_bot: ExtBot[None]
) -> None:
    await queue(db, PEOPLE[:1])
    outbox = OutboxRepository(db)
    await outbox.add(OutboxMessage("notice", PEOPLE[1], "sendMessage", {"text": "bukan siaran"}))
    worker = OutboxWorker(outbox, limited_bot, paid_broadcast=True)
    for item in await due_items(db):
        assert await worker._deliver(item)
    [paid] = fake.calls("sendMessage", chat_id=PEOPLE[0])
    [plain] = fake.calls("sendMessage", chat_id=PEOPLE[1])
    assert paid.params.get("allow_paid_broadcast") is True and "allow_paid_broadcast" not in plain.params


# ---- reachability ---------------------------------------------------------------------------------------------


async def test_reachability_keeps_the_unreachable_volunteers_in_memory(db: Database) -> None:
    volunteers = volunteer_services(db, RegionDirectory())
    await add_verified(volunteers, db, PEOPLE[:2])
    await volunteers.unreachable(PEOPLE[0])
    reachability = Reachability(volunteers)
    await reachability.load()
    assert reachability.is_unreachable(PEOPLE[0]) and not reachability.is_unreachable(PEOPLE[1])
    assert not await reachability.wrote(PEOPLE[1])  # nobody to change: no write
    assert not await reachability.wrote(12345)  # not a volunteer
    await reachability.recipient_unreachable(OutboxItem(1, "k", PEOPLE[1], "sendMessage", {}, 0, batch=BATCH))
    assert reachability.is_unreachable(PEOPLE[1])
    assert await reachability.wrote(PEOPLE[0]) and not reachability.is_unreachable(PEOPLE[0])
    assert [r.user_id for r in await volunteers.recipients("15.71.04")] == [PEOPLE[0]]
    await reachability.recipient_unreachable(OutboxItem(2, "k2", 777, "sendMessage", {}, 0, batch=BATCH))
    assert not reachability.is_unreachable(777)  # not a volunteer: nothing to remember
