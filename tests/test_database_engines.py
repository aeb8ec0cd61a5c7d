"""What every engine behind `Database` must do alike (run on SQLite, and on PostgreSQL with
PANTAU_TEST_DATABASE=postgresql: scripts/test-postgres), and the translation of our SQLite-spelled SQL and
migrations for PostgreSQL (storage/postgres.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import Database
from storage.postgres import PostgresDatabase, ddl_to_postgres, to_postgres, without_references


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "engine.sqlite3", defer_flush_s=3600) as database:
        async with database.transaction() as tx:
            await tx.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE, n INTEGER)")
        yield database


async def bodies(db: Database) -> list[str]:
    return [row["body"] for row in await db.fetchall("SELECT body FROM notes ORDER BY id")]


async def test_returning_id_rowcount_and_rows_come_back_alike(db: Database) -> None:
    async with db.transaction() as tx:
        first = await tx.execute("INSERT INTO notes (body, n) VALUES (?, ?) RETURNING id", ("satu", 1))
        second = await tx.execute("INSERT INTO notes (body, n) VALUES (?, ?) RETURNING id", ("dua", 2))
        again = await tx.execute("INSERT INTO notes (body) VALUES (?) ON CONFLICT DO NOTHING", ("satu",))
        changed = await tx.execute("UPDATE notes SET n = n + 10 WHERE id >= ?", (first.returned_id(),))
        async with tx.execute("SELECT body FROM notes WHERE id = ?", (second.returned_id(),)) as cur:
            row = await cur.fetchone()
    assert (first.returned_id(), second.returned_id()) == (1, 2)
    assert again.rowcount == 0 and changed.rowcount == 2 and row["body"] == "dua"
    total = await db.fetchone("SELECT COALESCE(SUM(n), 0) AS total, COUNT(*) AS c FROM notes")
    assert total is not None and total["total"] == 23 and type(total["total"]) is int and total["c"] == 2


async def test_a_failing_statement_rolls_back_the_whole_transaction(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="body"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))
            await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))  # UNIQUE
    assert await bodies(db) == []
    async with db.transaction() as tx:  # and the writer is usable again
        await tx.execute("INSERT INTO notes (body) VALUES (?)", ("dua",))
    assert await bodies(db) == ["dua"]


async def test_an_error_in_the_body_rolls_back_what_it_wrote(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO notes (body) VALUES (?)", ("satu",))
            raise RuntimeError("a rule said no")
    assert await bodies(db) == []


async def test_deferred_statements_ride_in_the_next_transaction_or_a_flush(db: Database) -> None:
    db.defer("INSERT INTO notes (body) VALUES (?) ON CONFLICT DO NOTHING", ("nanti",))
    assert await bodies(db) == []
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO notes (body) VALUES (?)", ("sekarang",))
    assert await bodies(db) == ["sekarang", "nanti"]
    db.defer("INSERT INTO notes (body) VALUES (?) ON CONFLICT DO NOTHING", ("lagi",))
    await db.flush()
    assert await bodies(db) == ["sekarang", "nanti", "lagi"]


async def test_values_are_taken_as_sqlite_takes_them(db: Database) -> None:
    """SQLite's dynamic typing: a bool into an INTEGER is 0/1, an int compared with TEXT is its text, the
    scalar MAX of two values and a JSON field extracted from TEXT work on both engines."""
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO notes (body, n) VALUES (?, ?)", ('{"k": "v", "q": "it\'s"}', True))
        await tx.execute("UPDATE notes SET n = MAX(n, ?) WHERE body LIKE ?", (5, "{%"))
    row = await db.fetchone("SELECT n, json_extract(body, '$.k') AS k FROM notes WHERE n = ?", (5,))
    assert row is not None and row["n"] == 5 and row["k"] == "v"
    assert await db.fetchone("SELECT id FROM notes WHERE body = ?", (12,)) is None


async def test_reopening_finds_what_was_committed(tmp_path: Path) -> None:
    async with Database(tmp_path / "again.sqlite3") as first:
        async with first.transaction() as tx:
            await tx.execute("INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)", (7, "{}", "t"))
        version = await first.schema_version()
    async with Database(tmp_path / "again.sqlite3") as second:
        assert await second.schema_version() == version
        assert [r["update_id"] for r in await second.fetchall("SELECT update_id FROM inbox")] == [7]


# ---- the translation for PostgreSQL (no server needed) ----------------------------------------------------------


def test_placeholders_are_numbered_outside_literals_and_quoted_names() -> None:
    assert to_postgres("SELECT '?', \"a?\" FROM t WHERE a = ? AND b = 'it''s ?' AND c IN (?, ?)") == (
        "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = 'it''s ?' AND c IN ($2, $3)"
    )


def test_sqlite_spellings_become_postgresql_ones() -> None:
    assert to_postgres("UPDATE d SET last = MAX(last, ?), n = ? WHERE x = (SELECT MAX(y) FROM z)") == (
        "UPDATE d SET last = GREATEST(last, $1), n = $2 WHERE x = (SELECT MAX(y) FROM z)"
    )
    assert to_postgres("SELECT json_extract(o.payload, '$.text') AS t FROM outbox o INDEXED BY outbox_pending") == (
        "SELECT (o.payload::jsonb ->> 'text') AS t FROM outbox o"
    )
    assert to_postgres("SELECT 'MAX(a, b)'") == "SELECT 'MAX(a, b)'"


def test_migration_types_and_forward_references() -> None:
    created = ddl_to_postgres(
        "CREATE TABLE drafts (\n    user_id INTEGER PRIMARY KEY,\n    report_id INTEGER REFERENCES reports(id),  -- later\n"
        "    lat REAL,\n    note TEXT DEFAULT 'INTEGER'\n)"
    )
    table, later = without_references(created)
    assert "user_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" in table
    assert "report_id BIGINT,  -- later" in table and "REFERENCES" not in table
    assert "lat DOUBLE PRECISION" in table and "'INTEGER'" in table
    assert later == ["ALTER TABLE drafts ADD FOREIGN KEY (report_id) REFERENCES reports(id)"]
    assert ddl_to_postgres("ALTER TABLE reports ADD COLUMN tsm INTEGER NOT NULL DEFAULT 0") == (
        "ALTER TABLE reports ADD COLUMN tsm BIGINT NOT NULL DEFAULT 0"
    )


def test_a_postgresql_url_selects_postgresql() -> None:
    assert type(Database("postgresql://pantau@127.0.0.1/pantau")) is PostgresDatabase
    assert type(Database("postgres://pantau@127.0.0.1/pantau")) is PostgresDatabase
