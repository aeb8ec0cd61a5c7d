"""SQLite storage: migrations, WAL, transactions, the outbox and the conversation states behind PTB persistence."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import PersistenceInput

from bot.delivery.persistence import SQLitePersistence
from storage import database as database_module
from storage.database import Database, iso, migrations, utcnow
from storage.delivery.outbox import OutboxMessage, OutboxRepository
from storage.postgres import PostgresDatabase
from storage.reporting.conversations import ConversationStore, conversation_key, parse_conversation_key


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "store.sqlite3")
    await database.open()
    yield database
    await database.close()


async def table_names(db: Database) -> set[str]:
    """The database's tables, on either engine."""
    if isinstance(db, PostgresDatabase):
        sql = "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return {r["name"] for r in await db.fetchall(sql)}


async def scalar(db: Database, sql: str, params: tuple[object, ...] = ()) -> object:
    row = await db.fetchone(sql, params)
    assert row is not None
    return row[0]


# ---- migrations -----------------------------------------------------------------------------------------------


def test_shipped_migrations_are_numbered_one_to_n():
    found = migrations()
    assert found, "no migrations shipped"
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1))
    assert found[0][1] == "0001_intake.sql"


async def test_migrations_apply_once_and_are_recorded(db: Database):
    expected = migrations()
    assert await db.schema_version() == len(expected)
    rows = await db.fetchall("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in expected]
    assert all(r["applied_at"] for r in rows)
    tables = await table_names(db)
    assert {
        "drafts",
        "draft_evidence",
        "reports",
        "reporter_identities",
        "evidence",
        "outbox",
        "conversation_states",
        "users",
    } <= tables


async def test_reopening_does_not_reapply(tmp_path: Path):
    path = tmp_path / "reopen.sqlite3"
    first = Database(path)
    await first.open()
    before = [tuple(r) for r in await first.fetchall("SELECT * FROM schema_migrations ORDER BY version")]
    async with first.transaction() as conn:
        await conn.execute("INSERT INTO users (user_id, locale, created_at, updated_at) VALUES (1, 'en', 'x', 'x')")
    await first.close()

    second = Database(path)
    await second.open()  # would fail on "table users already exists" if migration 1 ran again
    try:
        after = [tuple(r) for r in await second.fetchall("SELECT * FROM schema_migrations ORDER BY version")]
        assert after == before
        assert await scalar(second, "SELECT locale FROM users WHERE user_id = 1") == "en"
    finally:
        await second.close()


async def test_a_failing_migration_is_rolled_back_entirely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "broken.sqlite3"
    shipped = migrations()
    broken = (
        len(shipped) + 1,
        f"{len(shipped) + 1:04d}_broken.sql",
        "CREATE TABLE half_done (a INTEGER);\nINSERT INTO no_such_table VALUES (1);",
    )
    monkeypatch.setattr(database_module, "migrations", lambda: [*shipped, broken])
    db = Database(path)
    with pytest.raises(Exception, match="no_such_table"):
        await db.open()
    await db.close()
    monkeypatch.undo()

    reopened = Database(path)
    await reopened.open()
    try:
        assert await reopened.schema_version() == len(shipped)
        assert "half_done" not in await table_names(reopened)
    finally:
        await reopened.close()


@pytest.mark.sqlite_only
async def test_wal_mode_and_foreign_keys_are_on(db: Database):
    assert str(await scalar(db, "PRAGMA journal_mode")).lower() == "wal"
    assert await scalar(db, "PRAGMA foreign_keys") == 1
    async with db.transaction() as conn, conn.execute("PRAGMA journal_mode") as cur:
        row = await cur.fetchone()
        assert row is not None and str(row[0]).lower() == "wal"


def test_utc_timestamps_are_stored_to_the_second():
    moment = utcnow()
    text = iso(moment)
    assert text.endswith("+00:00") and "." not in text


# ---- transactions ---------------------------------------------------------------------------------------------


async def _insert_user(conn, user_id: int) -> None:  # type: ignore[no-untyped-def]
    await conn.execute(
        "INSERT INTO users (user_id, locale, created_at, updated_at) VALUES (?, 'id', 'now', 'now')", (user_id,)
    )


async def test_a_failed_transaction_rolls_back(db: Database):
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as conn:
            await _insert_user(conn, 1)
            await _insert_user(conn, 2)
            raise RuntimeError("boom")
    assert await scalar(db, "SELECT COUNT(*) FROM users") == 0
    # the writer is usable again afterwards
    async with db.transaction() as conn:
        await _insert_user(conn, 3)
    assert await scalar(db, "SELECT COUNT(*) FROM users") == 1


async def test_a_constraint_violation_rolls_back_the_whole_transaction(db: Database):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await _insert_user(conn, 1)
            await _insert_user(conn, 1)
    assert await scalar(db, "SELECT COUNT(*) FROM users") == 0


async def test_a_cancelled_transaction_rolls_back(db: Database):
    inside = asyncio.Event()
    never = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as conn:
            await _insert_user(conn, 1)
            inside.set()
            await never.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await scalar(db, "SELECT COUNT(*) FROM users") == 0
    async with db.transaction() as conn:
        await _insert_user(conn, 2)
    assert await scalar(db, "SELECT COUNT(*) FROM users") == 1


async def test_transactions_are_serialised(db: Database):
    first_inside = asyncio.Event()
    release_first = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with db.transaction() as conn:
            order.append("first in")
            first_inside.set()
            await release_first.wait()
            await _insert_user(conn, 1)
            order.append("first out")

    async def second() -> None:
        await first_inside.wait()
        async with db.transaction() as conn:
            order.append("second in")
            await _insert_user(conn, 2)

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_inside.wait()
    # give the second writer every chance to (wrongly) enter
    for _ in range(20):
        await asyncio.sleep(0)
    assert order == ["first in"]
    release_first.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "first out", "second in"]


async def test_committed_writes_are_visible_to_the_reader(db: Database):
    async with db.transaction() as conn:
        await _insert_user(conn, 9)
    assert await scalar(db, "SELECT user_id FROM users") == 9


async def test_closed_database_refuses_use(tmp_path: Path):
    db = Database(tmp_path / "closed.sqlite3")
    await db.open()
    await db.close()
    with pytest.raises(AssertionError):
        await db.fetchone("SELECT 1")


# ---- outbox ---------------------------------------------------------------------------------------------------


def message(key: str, chat_id: int = 5, text: str = "halo") -> OutboxMessage:
    return OutboxMessage(dedup_key=key, chat_id=chat_id, method="sendMessage", payload={"text": text})


@pytest.fixture
def outbox(db: Database) -> OutboxRepository:
    return OutboxRepository(db)


async def test_enqueue_dedups_by_key(outbox: OutboxRepository, db: Database):
    assert await outbox.add(message("k1", text="first"))
    assert not await outbox.add(message("k1", text="second"))
    assert await outbox.add(message("k2"))
    assert await scalar(db, "SELECT COUNT(*) FROM outbox") == 2
    row = await outbox.by_key("k1")
    assert row is not None and json.loads(row["payload"]) == {"text": "first"}
    assert row["status"] == "pending" and row["attempts"] == 0


async def test_enqueue_inside_a_failed_transaction_is_rolled_back(db: Database, outbox: OutboxRepository):
    from storage.delivery.outbox import enqueue

    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            assert await enqueue(conn, message("lost"))
            raise RuntimeError("the change that caused it failed")
    assert await outbox.by_key("lost") is None


async def test_due_returns_pending_items_in_order(outbox: OutboxRepository):
    for i in range(5):
        await outbox.add(message(f"k{i}", chat_id=100 + i, text=f"t{i}"))
    items = await outbox.due(utcnow())
    assert [i.dedup_key for i in items] == [f"k{i}" for i in range(5)]
    assert items[0].chat_id == 100 and items[0].method == "sendMessage" and items[0].payload == {"text": "t0"}
    assert items[0].attempts == 0
    assert [i.dedup_key for i in await outbox.due(utcnow(), limit=2)] == ["k0", "k1"]


async def test_due_respects_next_attempt_at(outbox: OutboxRepository):
    await outbox.add(message("later"))
    await outbox.add(message("now"))
    [later, _] = await outbox.due(utcnow())
    at = utcnow() + timedelta(minutes=10)
    await outbox.retry_later(later.id, at, "500 Internal Server Error")
    # "now" is for the same chat and queued after "later": it waits behind it, to keep the chat's order.
    assert [i.dedup_key for i in await outbox.due(utcnow())] == []
    assert [i.dedup_key for i in await outbox.due(at - timedelta(seconds=1))] == []
    assert [i.dedup_key for i in await outbox.due(at)] == ["later", "now"]
    row = await outbox.by_key("later")
    assert row is not None
    assert row["attempts"] == 1 and row["status"] == "pending" and row["last_error"] == "500 Internal Server Error"
    assert row["next_attempt_at"] == iso(at)
    [again] = [i for i in await outbox.due(at) if i.dedup_key == "later"]
    assert again.attempts == 1


async def test_a_waiting_message_holds_back_only_its_own_chat(outbox: OutboxRepository):
    await outbox.add(message("a-first", chat_id=1))
    await outbox.add(message("a-second", chat_id=1))
    await outbox.add(message("b-only", chat_id=2))
    first = (await outbox.due(utcnow()))[0]
    await outbox.retry_later(first.id, utcnow() + timedelta(minutes=1), "429")
    assert [i.dedup_key for i in await outbox.due(utcnow())] == ["b-only"]


async def test_next_attempt_at_is_the_earliest_pending(outbox: OutboxRepository):
    assert await outbox.next_attempt_at() is None
    await outbox.add(message("a", chat_id=1))
    await outbox.add(message("b", chat_id=2))
    a, b = await outbox.due(utcnow())
    soon, later = utcnow() + timedelta(seconds=30), utcnow() + timedelta(minutes=5)
    await outbox.retry_later(a.id, later, "x")
    await outbox.retry_later(b.id, soon, "x")
    assert await outbox.next_attempt_at() == iso(soon)
    await outbox.mark_sent(b.id, 1)
    assert await outbox.next_attempt_at() == iso(later)


async def test_next_attempt_at_waits_for_a_chats_first_message(outbox: OutboxRepository):
    """A chat's later message, due now, waits behind the earlier one: the worker must not wake for it."""
    await outbox.add(message("first", chat_id=1))
    first = (await outbox.due(utcnow()))[0]
    later = utcnow() + timedelta(minutes=5)
    await outbox.retry_later(first.id, later, "503")
    await outbox.add(message("second", chat_id=1))  # due at once, but behind "first"
    assert await outbox.due(utcnow()) == []
    assert await outbox.next_attempt_at() == iso(later)


async def test_retry_later_keeps_only_the_start_of_a_long_error(outbox: OutboxRepository):
    await outbox.add(message("long"))
    [item] = await outbox.due(utcnow())
    await outbox.retry_later(item.id, utcnow(), "e" * 2000)
    row = await outbox.by_key("long")
    assert row is not None and row["last_error"] == "e" * 500


async def test_mark_sent(outbox: OutboxRepository):
    await outbox.add(message("s"))
    [item] = await outbox.due(utcnow())
    await outbox.mark_sent(item.id, 4242)
    row = await outbox.by_key("s")
    assert row is not None
    assert row["status"] == "sent" and row["telegram_message_id"] == 4242 and row["sent_at"] and row["attempts"] == 1
    assert await outbox.due(utcnow() + timedelta(days=1)) == []
    assert await outbox.counts() == {"sent": 1}


async def test_mark_dead(outbox: OutboxRepository):
    await outbox.add(message("d"))
    await outbox.add(message("p"))
    d, _ = await outbox.due(utcnow())
    await outbox.mark_dead(d.id, "Forbidden: bot was blocked by the user")
    row = await outbox.by_key("d")
    assert row is not None and row["status"] == "dead" and row["attempts"] == 1
    assert row["last_error"] == "Forbidden: bot was blocked by the user"
    assert [i.dedup_key for i in await outbox.due(utcnow() + timedelta(days=1))] == ["p"]
    assert await outbox.counts() == {"dead": 1, "pending": 1}


async def test_a_sent_key_is_never_queued_again(outbox: OutboxRepository):
    await outbox.add(message("once"))
    [item] = await outbox.due(utcnow())
    await outbox.mark_sent(item.id, 1)
    assert not await outbox.add(message("once"))
    assert await outbox.due(utcnow()) == []


# ---- conversation states and SQLitePersistence ----------------------------------------------------------------


def test_conversation_key_round_trip():
    for key in [(1, 2), (-1001234567890, 42), ("inline", 7), (5,)]:
        assert parse_conversation_key(conversation_key(*key)) == key
    assert conversation_key(12345, 12345) == "[12345, 12345]"


async def test_persistence_round_trip(db: Database):
    persistence = SQLitePersistence(ConversationStore(db))
    assert await persistence.get_conversations("report") == {}
    await persistence.update_conversation("report", (10, 20), "chronology")
    await persistence.update_conversation("report", (11, 21), "where")
    await persistence.update_conversation("other", (10, 20), "x")
    assert await persistence.get_conversations("report") == {(10, 20): "chronology", (11, 21): "where"}
    assert await persistence.get_conversations("other") == {(10, 20): "x"}

    await persistence.update_conversation("report", (10, 20), "review")
    assert (await persistence.get_conversations("report"))[(10, 20)] == "review"

    await persistence.update_conversation("report", (10, 20), None)
    assert await persistence.get_conversations("report") == {(11, 21): "where"}
    assert await persistence.get_conversations("other") == {(10, 20): "x"}
    # deleting what is not there is harmless
    await persistence.update_conversation("report", (99, 99), None)


async def test_persistence_keys_are_tuples_and_survive_a_restart(tmp_path: Path):
    path = tmp_path / "restart.sqlite3"
    first = Database(path)
    await first.open()
    await SQLitePersistence(ConversationStore(first)).update_conversation("report", (-100123, 7), "party")
    await first.close()

    second = Database(path)
    await second.open()
    try:
        states = await SQLitePersistence(ConversationStore(second)).get_conversations("report")
        assert states == {(-100123, 7): "party"}
        [key] = states
        assert isinstance(key, tuple) and all(isinstance(part, int) for part in key)
    finally:
        await second.close()


async def test_persistence_stores_enum_states_by_value(db: Database):
    from bot.reporting.draft import Step

    persistence = SQLitePersistence(ConversationStore(db))
    await persistence.update_conversation("report", (1, 1), Step.ID_PHONE)
    state = (await persistence.get_conversations("report"))[(1, 1)]
    assert state == "id_phone" == Step.ID_PHONE
    assert Step(state) is Step.ID_PHONE


async def test_persistence_keeps_no_user_chat_or_bot_data(db: Database):
    persistence = SQLitePersistence(ConversationStore(db))
    assert persistence.store_data == PersistenceInput(bot_data=False, chat_data=False, user_data=False, callback_data=False)
    await persistence.update_user_data(1, {"a": 1})
    await persistence.update_chat_data(1, {"a": 1})
    await persistence.update_bot_data({"a": 1})
    assert await persistence.get_user_data() == {}
    assert await persistence.get_chat_data() == {}
    assert await persistence.get_bot_data() == {}
    assert await persistence.get_callback_data() is None
