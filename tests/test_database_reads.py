"""Reads see every commit that happened before they were asked, even while another read is running.

The bot's coroutines share the database's readers. SQLite keeps a connection's read snapshot while any
of its statements is still active, so a read that ran on a connection between another read's steps
(execute, fetch, close) read inside that older snapshot and missed a commit it had already waited for
(issue 8: "Bukti diterima: 0 berkas" right after the photo was stored)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from storage.database import Database

pytestmark = pytest.mark.sqlite_only  # SQLite's own connections, threads and file


class GatedDatabase(Database):
    """A database whose connections know `gate(n)`: it holds the thread running it at n == `hold`."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.hold = -1
        self.entered = threading.Event()
        self.release = threading.Event()

    def gate(self, n: int) -> int:
        if n == self.hold:
            self.entered.set()
            self.release.wait(30)
        return n

    async def _connect(self) -> aiosqlite.Connection:
        conn = await super()._connect()
        await conn.create_function("gate", 1, self.gate)
        return conn


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[GatedDatabase]:
    database = GatedDatabase(tmp_path / "reads.sqlite3")
    await database.open()
    async with database.transaction() as conn:
        await conn.execute("CREATE TABLE numbers (n INTEGER PRIMARY KEY)")
        await conn.executemany("INSERT INTO numbers (n) VALUES (?)", [(1,), (2,), (3,)])
        await conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
        await conn.executemany("INSERT INTO photos (id) VALUES (?)", [(1,), (2,), (3,)])
    yield database
    database.release.set()
    await database.close()


async def _yield_to_other_tasks() -> None:
    """Let tasks just created run up to their first real wait (no clock involved)."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("method", "hold"),
    [
        ("fetchone", 2),  # fetchone's row 1 is out, the statement is held stepping to row 2
        ("fetchall", 1),  # fetchall's statement is held at its first row
    ],
)
async def test_a_read_behind_a_running_read_sees_what_was_committed_before_it(
    db: GatedDatabase, method: str, hold: int
) -> None:
    db.hold = hold
    running = asyncio.create_task(getattr(db, method)("SELECT gate(n) AS n FROM numbers ORDER BY n"))
    await asyncio.to_thread(db.entered.wait, 30)  # the first read is inside its statement, snapshot taken

    async with db.transaction() as conn:  # the photo is stored and committed
        await conn.execute("INSERT INTO photos (id) VALUES (4)")
    counted = asyncio.create_task(db.fetchone("SELECT COUNT(*) AS c FROM photos"))
    await _yield_to_other_tasks()  # the second read is asked while the first is still running
    db.release.set()

    row = await counted
    assert row is not None and row["c"] == 4  # not 3: the commit it waited for is visible
    await running


async def test_reads_still_run_while_a_write_transaction_is_open(db: GatedDatabase) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO photos (id) VALUES (5)")
        row = await db.fetchone("SELECT COUNT(*) AS c FROM photos")
        assert row is not None and row["c"] == 3  # the reader sees committed data only
    rows = await db.fetchall("SELECT id FROM photos ORDER BY id")
    assert [r["id"] for r in rows] == [1, 2, 3, 5]
