"""Transactions in as few trips to the writer's thread as they need (storage/database.py `Tx`): BEGIN with
the first statement, each statement with its rows, deferred statements with the COMMIT; and all of it
rolled back together."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from storage.database import Database

pytestmark = pytest.mark.sqlite_only  # SQLite's own connections, threads and file


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "tx.sqlite3", defer_flush_s=3600) as database:
        async with database.transaction() as tx:
            await tx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
        yield database


def committed(db: Database) -> list[str]:
    with sqlite3.connect(db.path) as conn:
        return [row[0] for row in conn.execute("SELECT body FROM notes ORDER BY id")]


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls run on any aiosqlite connection's thread."""
    calls: list[int] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_two_statements_are_three_trips_begin_riding_with_the_first(db: Database, trips: list[int]) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))
        await tx.execute("INSERT INTO notes (body) VALUES (?)", ("dua",))
    assert len(trips) == 3  # BEGIN + the first, the second, COMMIT (it was four)
    assert committed(db) == ["satu", "dua"]


async def test_a_statement_gives_its_rows_count_and_id_in_the_same_trip(db: Database, trips: list[int]) -> None:
    async with db.transaction() as tx:
        inserted = await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))
        await tx.executemany("INSERT INTO notes (body) VALUES (?)", [("dua",), ("tiga",)])
        async with tx.execute("SELECT body FROM notes ORDER BY id") as cursor:
            first = await cursor.fetchone()
            rest = await cursor.fetchall()
        changed = await tx.execute("UPDATE notes SET body = body || '!' WHERE id > ?", (1,))
    assert inserted.lastrowid == 1 and inserted.rowcount == 1
    assert first["body"] == "satu" and [r["body"] for r in rest] == ["dua", "tiga"]
    assert changed.rowcount == 2
    assert len(trips) == 5  # four statements and the COMMIT: no trips to fetch or close


async def test_a_failing_statement_rolls_back_the_whole_transaction(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))
            await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))  # UNIQUE
    assert committed(db) == []
    async with db.transaction() as tx:  # and the writer is usable again
        await tx.execute("INSERT INTO notes (body) VALUES (?)", ("dua",))
    assert committed(db) == ["dua"]


async def test_an_error_in_the_body_rolls_back_what_it_wrote(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))
            raise RuntimeError("a rule said no")
    assert committed(db) == []


async def test_a_transaction_without_statements_writes_only_what_was_deferred(db: Database, trips: list[int]) -> None:
    async with db.transaction():
        pass
    assert trips == []  # nothing to do: no trip
    db.defer("INSERT INTO notes (body) VALUES (?)", ("nanti",))
    async with db.transaction():
        pass
    assert len(trips) == 1 and committed(db) == ["nanti"]


async def test_a_flush_returns_only_once_deferred_statements_taken_by_a_transaction_are_committed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen (CI, test_identity_lookup_is_logged_and_export_has_no_identity): a transaction took the deferred
    statements for its COMMIT, and a flush meanwhile found none waiting and returned before that COMMIT. The
    getUpdates gate flushes the staged inbox rows before acknowledging them, so it could acknowledge an update
    not yet committed."""
    import threading

    from storage import database as database_module

    entered, release, done = threading.Event(), threading.Event(), threading.Event()
    original = database_module._commit

    def slow_commit(conn: sqlite3.Connection, deferred: list[Any]) -> None:
        entered.set()
        release.wait()
        original(conn, deferred)
        done.set()

    monkeypatch.setattr(database_module, "_commit", slow_commit)
    db.defer("INSERT INTO notes (body) VALUES (?)", ("staged",))

    async def work() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (body) VALUES (?)", ("work",))

    writing = asyncio.create_task(work())
    await asyncio.to_thread(entered.wait)  # the COMMIT carrying the deferred insert is under way
    observed: list[bool] = []
    flushing = asyncio.create_task(db.flush())
    flushing.add_done_callback(lambda _task: observed.append(done.is_set()))
    for _ in range(5):  # turns of the loop (no wall-clock wait): a flush that does not wait ends in the first
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(writing, flushing)
    assert observed == [True]  # the flush ended after the COMMIT, not before
    assert committed(db) == ["work", "staged"]
