"""The SQLite database: one writer connection (serialised transactions) and one reader, WAL mode,
versioned migrations from `storage/migrations/NNNN_name.sql` applied at start.

Each read is one call on the reader's thread (execute, fetch and close together), so no statement stays
open between two trips through the event loop: a statement left open keeps its connection's read snapshot,
and another read run meanwhile on that connection would see the database as it was before commits it had
already waited for. Fewer trips is also less CPU per read and per transaction.

Statements that may wait (`defer`: the inbox's processed marks) ride in the next write transaction, just
before its COMMIT, or are written by a flush `DEFER_FLUSH_S` later or at `close()`, whichever comes first."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
DEFER_FLUSH_S = 1.0  # a deferred statement is written at the latest this long after it was deferred

Statement = tuple[str, Sequence[Any]]
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC timestamp as stored in the database."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped with the package, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migration versions must be 1..n without gaps, found {versions}")
    return found


class Database:
    """Owns the connections. Writes go through `transaction()`, reads through `fetchone`/`fetchall`.

    `Database(path)` is SQLite; `Database("postgresql://…")` (DATABASE_URL) is PostgreSQL, the same interface
    (storage/postgres.py)."""

    def __new__(cls, path: Path | str, defer_flush_s: float | None = None) -> Database:
        if cls is Database and isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):
            from storage.postgres import PostgresDatabase

            return super().__new__(PostgresDatabase)
        return super().__new__(cls)

    def __init__(self, path: Path | str, defer_flush_s: float | None = None) -> None:
        self.path = Path(path)
        self.defer_flush_s = DEFER_FLUSH_S if defer_flush_s is None else defer_flush_s
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._long_reader: aiosqlite.Connection | None = None  # opened by the first fetchall_long
        self._long_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._deferred: list[Statement] = []
        self._flusher: asyncio.Task[None] | None = None

    async def open(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self._migrate(self._writer)
        self._reader = await self._connect()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA foreign_keys=ON")
        # FULL: a committed report survives a power cut, not only a killed process.
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA busy_timeout=5000")
        return conn

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Write what was deferred, then close both connections."""
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        if self._is_open() and self._deferred:
            try:
                await self.flush()
            except Exception:  # the inbox rows stay, and are replayed at the next start
                log.exception("writing deferred statements at close failed")
        await self._close_connections()

    def _is_open(self) -> bool:
        return self._writer is not None

    async def _close_connections(self) -> None:
        for conn in (self._reader, self._writer, self._long_reader):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = self._long_reader = None

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        for version, name, sql in migrations():
            if version <= current:
                continue
            log.info("applying migration %s", name)
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, iso(utcnow())),
                )
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
        return int(row["v"]) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """BEGIN IMMEDIATE … COMMIT on the writer, one at a time; rolled back on any exception. BEGIN goes in
        the same trip to the writer's thread as the first statement, and the deferred statements in the same
        trip as the COMMIT; each statement's rows come back with it (see `Tx`)."""
        writer = self._writer
        assert writer is not None, "database not open"
        async with self._write_lock:
            tx = Tx(writer)
            try:
                yield tx
            except BaseException:
                if tx.began:
                    await _on_thread(writer, _rollback)
                raise
            deferred, self._deferred = self._deferred, []
            try:
                if tx.began:
                    await _on_thread(writer, _commit, deferred)
                elif deferred:
                    await _on_thread(writer, _write, [], deferred)
            except BaseException:
                self._deferred[:0] = deferred
                await _on_thread(writer, _rollback)
                raise

    async def write(self, statements: Iterable[Statement]) -> None:
        """A short transaction of fixed statements, in one trip to the writer's thread: BEGIN IMMEDIATE, the
        statements, the deferred ones, COMMIT (all rolled back if one fails)."""
        writer = self._writer
        assert writer is not None, "database not open"
        todo = [(sql, tuple(params)) for sql, params in statements]
        async with self._write_lock:
            deferred, self._deferred = self._deferred, []
            try:
                await _on_thread(writer, _write, todo, deferred)
            except BaseException:
                self._deferred[:0] = deferred
                raise

    async def settled(self) -> None:
        """Return once the write transactions begun (or waiting to begin) before this call have ended."""
        async with self._write_lock:
            pass

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call `callback` whenever a process signals `channel` (PostgreSQL's LISTEN, see storage/postgres.py).
        On SQLite there is one process, and nobody else to hear from."""

    async def signal(self, channel: str) -> None:
        """Wake the processes listening on `channel` (NOTIFY); nothing to do on SQLite."""

    def defer(self, sql: str, params: Iterable[Any] = ()) -> None:
        """A write that may wait: it rides in the next write transaction, or a flush `defer_flush_s` later.
        It must be idempotent (a cancelled flush may write it twice) and must not fail."""
        self._deferred.append((sql, tuple(params)))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.defer_flush_s)
        self._flusher = None
        try:
            await self.flush()
        except Exception:  # kept for the next transaction or flush
            log.exception("writing deferred statements failed")

    async def flush(self) -> None:
        """Return once every statement deferred before this call is committed: written now, or committed by
        the transaction that has taken them for its COMMIT (waited for)."""
        if self._deferred:
            await self.write(())
        else:
            await self.settled()

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        assert self._reader is not None, "database not open"
        row: aiosqlite.Row | None = await _on_thread(self._reader, _fetchone, sql, tuple(params))
        return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        assert self._reader is not None, "database not open"
        rows: list[aiosqlite.Row] = await _on_thread(self._reader, _fetchall, sql, tuple(params))
        return rows

    async def fetchall_long(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """A long read (a region's whole election, for statistics or an export) on a connection of its own, so
        that nobody else's read waits seconds behind it. One long read at a time."""
        assert self._reader is not None, "database not open"
        async with self._long_lock:
            if self._long_reader is None:
                self._long_reader = await self._connect()
            rows: list[Any] = await _on_thread(self._long_reader, _fetchall, sql, tuple(params))
        return rows


class Result:
    """What a statement in a transaction gave, fetched in the same trip as the statement itself: its rows (for
    a SELECT or RETURNING), `rowcount` and `lastrowid`. Awaitable and an async context manager, like the
    cursor `aiosqlite.Connection.execute` gives, so repositories use it the same way."""

    __slots__ = ("_rows", "lastrowid", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def returned_id(self) -> int:
        """The id an INSERT … RETURNING id gave (the portable form of `lastrowid`), without consuming the row."""
        assert self._rows, "the statement returned no row: INSERT … RETURNING id"
        return int(self._rows[0][0])

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []

    async def __aenter__(self) -> Result:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._rows = []


class _Pending:
    """`tx.execute(...)`: awaited, or used with `async with`, as aiosqlite's own."""

    __slots__ = ("_coro",)

    def __init__(self, coro: Coroutine[Any, Any, Result]) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, None, Result]:
        return self._coro.__await__()

    async def __aenter__(self) -> Result:
        return await self._coro

    async def __aexit__(self, *exc: object) -> None:
        return None


class Tx:
    """The writer inside `Database.transaction()`: each statement is one trip to the writer's thread, rows
    included, and the first one carries the BEGIN IMMEDIATE (a trip of its own before)."""

    __slots__ = ("_conn", "began")

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self.began = False

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Pending:
        return _Pending(self._run(_execute, sql, tuple(params)))

    async def executemany(self, sql: str, seq: Iterable[Iterable[Any]]) -> Result:
        return await self._run(_executemany, sql, [tuple(p) for p in seq])

    async def _run(self, fn: Callable[..., Result], sql: str, params: Any) -> Result:
        begin = not self.began
        self.began = True
        try:
            return await _on_thread(self._conn, fn, begin, sql, params)
        except BaseException:
            if begin and not self._conn._conn.in_transaction:  # the BEGIN itself failed: nothing to roll back
                self.began = False
            raise


def _execute(conn: sqlite3.Connection, begin: bool, sql: str, params: tuple[Any, ...]) -> Result:
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    cursor = conn.execute(sql, params)
    try:
        rows = cursor.fetchall() if cursor.description is not None else []
        return Result(rows, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


def _executemany(conn: sqlite3.Connection, begin: bool, sql: str, params: list[tuple[Any, ...]]) -> Result:
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    cursor = conn.executemany(sql, params)
    try:
        return Result([], cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


# What runs on a connection's own thread, each in one trip. aiosqlite has no public "run this on the
# connection's thread" call; `_execute` is the one its own helpers (execute_fetchall) use, so the version is
# pinned in pyproject.toml and tests/test_database_reads.py fails if it changes.
async def _on_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    result: T = await conn._execute(lambda: fn(conn._conn, *args))
    return result


def _fetchone(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Any:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _fetchall(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _run(conn: sqlite3.Connection, statements: list[Statement]) -> None:
    """Consecutive statements with the same SQL go in one executemany."""
    i = 0
    while i < len(statements):
        j = i + 1
        while j < len(statements) and statements[j][0] == statements[i][0]:
            j += 1
        if j - i == 1:
            conn.execute(statements[i][0], statements[i][1])
        else:
            conn.executemany(statements[i][0], [params for _, params in statements[i:j]])
        i = j


def _commit(conn: sqlite3.Connection, deferred: list[Statement]) -> None:
    _run(conn, deferred)
    conn.execute("COMMIT")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _write(conn: sqlite3.Connection, statements: list[Statement], deferred: list[Statement]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        _run(conn, statements)
        _commit(conn, deferred)
    except BaseException:
        _rollback(conn)
        raise


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements (no semicolons inside our literals or triggers)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
