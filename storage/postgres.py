"""PostgreSQL behind the interface of storage/database.py's `Database` (chosen when DATABASE_URL is a
postgresql:// URL), through asyncpg: the repositories' SQL and the migrations serve both engines.

Why asyncpg behind our own interface rather than SQLAlchemy Core + Alembic: the ~3,500 lines of storage are
raw SQL tuned for SQLite (one serialised writer, statements and deferred marks in one trip); rewriting them
into SQLAlchemy expressions would change every query at once. Instead the SQL is written in forms both engines
accept (ON CONFLICT, RETURNING id, COUNT(CASE …), IS NOT DISTINCT FROM, JSON changed in Python) and what
still differs is translated here, in one tested place (`to_postgres`, `ddl_to_postgres`):

- `?` placeholders become `$1…$n` (never inside a string literal or a quoted name);
- SQLite's planner hint `INDEXED BY name` is dropped (PostgreSQL's planner picks the partial index itself);
- SQLite's two-argument scalar `MAX(a, b)` is `GREATEST(a, b)`; `json_extract(col, '$.key')` is
  `(col::jsonb ->> 'key')` (our JSON is TEXT on both engines, and what we extract is text);
- migrations: `INTEGER` is `BIGINT` (Telegram ids exceed 32 bits), `REAL` is `DOUBLE PRECISION`, a column
  `INTEGER PRIMARY KEY` (SQLite's rowid alias, which numbers itself) is an identity column.

SQLite's dynamic typing is met by coercing each parameter to the type PostgreSQL inferred for it (an int
bound to a TEXT column is sent as its text, a bool to a BIGINT as 0/1), and `numeric` results (SUM of
integers) come back as int, as from SQLite. Unique and foreign-key violations are raised as
`sqlite3.IntegrityError` subclasses (the repositories catch that one), whose text names the constraint.

The database should use the C collation (`CREATE DATABASE … LC_COLLATE 'C'` or `initdb --locale=C`): text is
then ordered by its bytes, as SQLite orders it."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from storage import database as _sqlite
from storage.database import Database, Result, Statement, Tx, _Pending, _statements, iso, utcnow

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?")
_MAX2 = re.compile(r"\bMAX\(\s*([\w.]+)\s*,\s*([^(),]+?)\s*\)", re.IGNORECASE)
_JSON_EXTRACT = re.compile(r"\bjson_extract\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)", re.IGNORECASE)
_DDL = re.compile(r"\s*(CREATE|ALTER)\s+TABLE\b", re.IGNORECASE)
_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)
_ROWID_ALIAS = re.compile(r"\b(\w+)\s+INTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b", re.IGNORECASE)
_INTEGER = re.compile(r"\bINTEGER\b", re.IGNORECASE)
_REAL = re.compile(r"\bREAL\b", re.IGNORECASE)
_INT_TYPES = {"int2", "int4", "int8"}
_FLOAT_TYPES = {"float4", "float8", "numeric"}
_TEXT_TYPES = {"text", "varchar", "bpchar", "name"}


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def _outside_literals(sql: str, fn: Any) -> str:
    """Apply `fn` to the parts of `sql` that are neither string literals, quoted names nor comments."""
    out, last = [], 0
    for match in re.finditer(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*", sql):
        out.append(fn(sql[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(fn(sql[last:]))
    return "".join(out)


def to_postgres(sql: str) -> str:
    """A repository's statement (SQLite's `?` placeholders and the few SQLite spellings above) for PostgreSQL;
    a CREATE or ALTER TABLE gets the migrations' types too."""
    if _DDL.match(sql):
        sql = ddl_to_postgres(sql)
    sql = _JSON_EXTRACT.sub(lambda m: f"({m.group(1)}::jsonb ->> '{m.group(2)}')", sql)
    sql = _outside_literals(sql, lambda part: _INDEXED_BY.sub("", _MAX2.sub(r"GREATEST(\1, \2)", part)))
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _TOKEN.sub(number, sql)


_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_REFERENCE = re.compile(r"^(\s*(\w+)\s[^\n]*?)\s+REFERENCES\s+(\w+)\s*\((\w+)\)", re.IGNORECASE | re.MULTILINE)


def without_references(statement: str) -> tuple[str, list[str]]:
    """A CREATE TABLE without its columns' REFERENCES, and the ALTER TABLEs that add them: SQLite lets a table
    refer to one created later in the same migration (drafts to reports), PostgreSQL only once it exists."""
    table = _CREATE_TABLE.match(statement)
    if table is None:
        return statement, []
    later: list[str] = []

    def cut(match: re.Match[str]) -> str:
        later.append(f"ALTER TABLE {table.group(1)} ADD FOREIGN KEY ({match.group(2)})"
                     f" REFERENCES {match.group(3)}({match.group(4)})")
        return match.group(1)

    return _REFERENCE.sub(cut, statement), later


def ddl_to_postgres(statement: str) -> str:
    """A migration's statement, written for SQLite, for PostgreSQL (types only: the statements are the same)."""

    def types(part: str) -> str:
        part = _ROWID_ALIAS.sub(r"\1 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", part)
        part = _INTEGER.sub("BIGINT", part)
        return _REAL.sub("DOUBLE PRECISION", part)

    return _outside_literals(statement, types)


class IntegrityError(sqlite3.IntegrityError):
    """A PostgreSQL constraint violation, as the sqlite3 exception the repositories catch."""


def _coerce(value: Any, type_name: str) -> Any:
    if value is None:
        return None
    if type_name in _INT_TYPES:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif type_name in _FLOAT_TYPES:
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, int):
            return float(value) if type_name != "numeric" else Decimal(value)
        if isinstance(value, str):
            return float(value) if type_name != "numeric" else Decimal(value)
    elif type_name in _TEXT_TYPES:
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, (int, float)):
            return str(value)
    elif type_name == "bool" and isinstance(value, int):
        return bool(value)
    return value


def _numeric(text: str) -> int | float:
    """numeric results (SUM of integers, AVG) as SQLite gives them: int when whole, else float."""
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() and "." not in text else float(number)


def _rowcount(status: str | None) -> int:
    """The row count of a command tag ("UPDATE 3", "INSERT 0 1"); -1 for one without."""
    if not status:
        return -1
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class _Connection:
    """One asyncpg connection with its prepared statements (by SQL) and their parameter types."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._prepared: dict[str, Any] = {}

    async def _statement(self, sql: str) -> tuple[Any, list[str]]:
        found = self._prepared.get(sql)
        if found is None:
            statement = await self.conn.prepare(to_postgres(sql))
            found = (statement, [parameter.name for parameter in statement.get_parameters()])
            self._prepared[sql] = found
        return found

    async def run(self, sql: str, params: Sequence[Any]) -> Result:
        try:
            statement, types = await self._statement(sql)
            args = [_coerce(value, name) for value, name in zip(params, types, strict=True)]
            rows = await statement.fetch(*args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(f"{exc} ({exc.constraint_name})") from exc
        return Result(list(rows), _rowcount(statement.get_statusmsg()), None)

    async def run_many(self, sql: str, seq: Sequence[Sequence[Any]]) -> Result:
        if not seq:
            return Result([], 0, None)
        try:
            statement, types = await self._statement(sql)
            await statement.executemany([[_coerce(v, n) for v, n in zip(p, types, strict=True)] for p in seq])
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(f"{exc} ({exc.constraint_name})") from exc
        return Result([], -1, None)

    async def run_all(self, statements: Sequence[Statement]) -> None:
        """Consecutive statements with the same SQL go in one executemany, as on SQLite."""
        i = 0
        while i < len(statements):
            j = i + 1
            while j < len(statements) and statements[j][0] == statements[i][0]:
                j += 1
            if j - i == 1:
                await self.run(statements[i][0], statements[i][1])
            else:
                await self.run_many(statements[i][0], [params for _, params in statements[i:j]])
            i = j


class PostgresTx(Tx):
    """The writer inside `PostgresDatabase.transaction()`; BEGIN is sent before the first statement."""

    __slots__ = ("_pg",)

    def __init__(self, conn: _Connection) -> None:  # not Tx.__init__, which takes an aiosqlite connection
        self._pg = conn
        self.began = False

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Pending:
        return _Pending(self._begin_then(self._pg.run(sql, tuple(params))))

    async def executemany(self, sql: str, seq: Iterable[Iterable[Any]]) -> Result:
        return await self._begin_then(self._pg.run_many(sql, [tuple(p) for p in seq]))

    async def _begin_then(self, pending: Any) -> Result:
        if not self.began:
            try:
                await self._pg.conn.execute("BEGIN")
            except BaseException:
                pending.close()
                raise
            self.began = True
        result: Result = await pending
        return result


class PostgresDatabase(Database):
    """The same interface as `Database` on PostgreSQL: one writer connection with serialised transactions (as
    SQLite's single writer) and one reader connection (autocommit: each read sees every committed write)."""

    def __init__(self, path: Path | str, defer_flush_s: float | None = None) -> None:
        super().__init__(Path("postgresql"), defer_flush_s)
        self.url = str(path)
        self._pg_writer: _Connection | None = None
        self._pg_reader: _Connection | None = None
        self._pg_long_reader: _Connection | None = None  # opened by the first fetchall_long
        self._pg_signals: asyncpg.Connection | None = None
        self._schema = "public"  # LISTEN and NOTIFY, opened by the first use
        self._read_lock = asyncio.Lock()
        self._signals_lock = asyncio.Lock()  # one operation at a time on the signals connection (asyncpg's rule)

    async def _pg_connect(self) -> _Connection:
        conn = await asyncpg.connect(self.url, statement_cache_size=0)
        await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")
        return _Connection(conn)

    async def open(self) -> None:
        self._pg_writer = await self._pg_connect()
        self._schema = str(await self._pg_writer.conn.fetchval("SELECT current_schema()"))
        await self._pg_migrate(self._pg_writer.conn)
        self._pg_reader = await self._pg_connect()

    def _is_open(self) -> bool:  # Database.close: flush what was deferred, then close these
        return self._pg_writer is not None

    async def _close_connections(self) -> None:
        if self._pg_signals is not None:
            await self._pg_signals.close()
            self._pg_signals = None
        for conn in (self._pg_reader, self._pg_writer, self._pg_long_reader):
            if conn is not None:
                await conn.conn.close()
        self._pg_reader = self._pg_writer = self._pg_long_reader = None

    async def _signals(self) -> asyncpg.Connection:
        if self._pg_signals is None:
            self._pg_signals = await asyncpg.connect(self.url, statement_cache_size=0)
        return self._pg_signals

    def _channel(self, channel: str) -> str:
        """The channel's name in this schema: notifications are per database, and tests give each bot a schema."""
        return f"{channel}.{self._schema}"

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        async with self._signals_lock:
            conn = await self._signals()
            await conn.add_listener(self._channel(channel), lambda *_: callback())

    async def signal(self, channel: str) -> None:
        """NOTIFY `channel`. Signals from concurrent tasks go one after the other: asyncpg refuses a second
        operation on a connection while one is in progress (seen: two nudges at once, one failed)."""
        async with self._signals_lock:
            conn = await self._signals()
            await conn.execute("SELECT pg_notify($1, '')", self._channel(channel))

    async def _pg_migrate(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        # Two processes starting together: one migrates, the other waits and then finds nothing to do.
        async with conn.transaction():
            await conn.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            current = int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
            for version, name, sql in _sqlite.migrations():
                if version <= current:
                    continue
                log.info("applying migration %s", name)
                async with conn.transaction():
                    references: list[str] = []
                    for statement in _statements(sql):
                        created, later = without_references(ddl_to_postgres(statement))
                        await conn.execute(created)
                        references += later
                    for statement in references:
                        await conn.execute(statement)
                    await _resync_identities(conn)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                        version, name, iso(utcnow()),
                    )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        writer = self._pg_writer
        assert writer is not None, "database not open"
        async with self._write_lock:
            tx = PostgresTx(writer)
            try:
                yield tx
            except BaseException:
                if tx.began:
                    await writer.conn.execute("ROLLBACK")
                raise
            deferred, self._deferred = self._deferred, []
            try:
                if tx.began:
                    await writer.run_all(deferred)
                    await writer.conn.execute("COMMIT")
                elif deferred:
                    await self._write(writer, [], deferred)
            except BaseException:
                self._deferred[:0] = deferred
                if not writer.conn.is_closed() and writer.conn.is_in_transaction():
                    await writer.conn.execute("ROLLBACK")
                raise

    async def _write(self, writer: _Connection, statements: Sequence[Statement], deferred: Sequence[Statement]) -> None:
        await writer.conn.execute("BEGIN")
        try:
            await writer.run_all(statements)
            await writer.run_all(deferred)
            await writer.conn.execute("COMMIT")
        except BaseException:
            if not writer.conn.is_closed() and writer.conn.is_in_transaction():
                await writer.conn.execute("ROLLBACK")
            raise

    async def write(self, statements: Iterable[Statement]) -> None:
        writer = self._pg_writer
        assert writer is not None, "database not open"
        todo = [(sql, tuple(params)) for sql, params in statements]
        async with self._write_lock:
            deferred, self._deferred = self._deferred, []
            try:
                await self._write(writer, todo, deferred)
            except BaseException:
                self._deferred[:0] = deferred
                raise

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        reader = self._pg_reader
        assert reader is not None, "database not open"
        async with self._read_lock:  # one statement at a time on a connection
            result = await reader.run(sql, tuple(params))
        return await result.fetchall()

    async def fetchall_long(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Database.fetchall_long: a long read on a connection of its own (opened on first use)."""
        assert self._pg_reader is not None, "database not open"
        async with self._long_lock:
            if self._pg_long_reader is None:
                self._pg_long_reader = await self._pg_connect()
            result = await self._pg_long_reader.run(sql, tuple(params))
        return await result.fetchall()


async def _resync_identities(conn: asyncpg.Connection) -> None:
    """After a migration that copied rows with their ids (a table rebuilt), each identity column's next value
    is past the highest id (SQLite's rowid alias needs no such step), and at least 1: a table whose keys are
    always given, and negative (a group's chat id), keeps its sequence at its start (a sequence below 1 is
    refused: seen when a database with groups was upgraded through migration 0019)."""
    columns = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND is_identity = 'YES'"
    )
    for column in columns:
        table, name = column["table_name"], column["column_name"]
        await conn.execute(
            f'SELECT setval(pg_get_serial_sequence(\'"{table}"\', \'{name}\'),'
            f' GREATEST(COALESCE((SELECT MAX("{name}") FROM "{table}"), 0), 0) + 1, false)'
        )
