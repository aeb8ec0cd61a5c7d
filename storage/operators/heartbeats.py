"""Heartbeats: each running bot process's row in `heartbeats` (migration 0016), and what `health` reads of them and
of the outbox."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from storage.database import Database, iso
from storage.operators.snapshot import read_only

KEEP_ROWS_FOR = timedelta(days=1)  # the row of a process that ended is deleted this long after its last beat


@dataclass(frozen=True, slots=True)
class Beat:
    """One process's latest heartbeat: times as stored (UTC ISO), polled_at None if it never polled."""

    host: str
    pid: int
    role: str
    started_at: str
    beat_at: str
    polled_at: str | None


@dataclass(frozen=True, slots=True)
class HealthFacts:
    """What `health` judges: the processes' heartbeats (freshest first) and the outbox's unsent rows."""

    beats: list[Beat]
    unsent: int
    oldest_unsent_at: str | None  # created_at of the oldest unsent row


class HeartbeatRepository:
    """The running process's own row."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def beat(self, beat: Beat, now: datetime) -> None:
        """Write this process's row, and delete rows of processes gone for longer than KEEP_ROWS_FOR."""
        await self.db.write([
            ("INSERT INTO heartbeats (host, pid, role, started_at, beat_at, polled_at) VALUES (?, ?, ?, ?, ?, ?)"
             " ON CONFLICT (host, pid) DO UPDATE SET role = excluded.role, started_at = excluded.started_at,"
             " beat_at = excluded.beat_at, polled_at = excluded.polled_at",
             (beat.host, beat.pid, beat.role, beat.started_at, beat.beat_at, beat.polled_at)),
            ("DELETE FROM heartbeats WHERE beat_at < ?", (iso(now - KEEP_ROWS_FOR),)),
        ])

    async def all(self) -> list[Beat]:
        rows = await self.db.fetchall(
            "SELECT host, pid, role, started_at, beat_at, polled_at FROM heartbeats ORDER BY beat_at DESC"
        )
        return [Beat(r["host"], r["pid"], r["role"], r["started_at"], r["beat_at"], r["polled_at"]) for r in rows]


class NoHeartbeatTable(Exception):
    """The database predates migration 0016: no bot of this version has run on it."""


def health_facts(path: Path) -> HealthFacts:
    """Read the heartbeats and the outbox's unsent rows (pending, or a broadcast's being sent) of the database at
    `path`, on a read-only connection of its own (synchronous: run it in a worker thread)."""
    with read_only(path) as conn:
        conn.execute("BEGIN")  # one snapshot for both reads
        try:
            rows = conn.execute(
                "SELECT host, pid, role, started_at, beat_at, polled_at FROM heartbeats ORDER BY beat_at DESC"
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise NoHeartbeatTable(str(exc)) from None
            raise
        unsent, oldest = conn.execute(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
        conn.execute("COMMIT")
    beats = [Beat(str(h), int(p), str(r), str(s), str(b), None if q is None else str(q)) for h, p, r, s, b, q in rows]
    return HealthFacts(beats, int(unsent), None if oldest is None else str(oldest))


async def health_facts_postgres(url: str) -> HealthFacts:
    """The same facts from a PostgreSQL database (DATABASE_URL), in one read-only snapshot of its own connection."""
    import asyncpg  # only a PostgreSQL deployment needs it loaded

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction(readonly=True, isolation="repeatable_read"):
            try:
                rows = await conn.fetch(
                    "SELECT host, pid, role, started_at, beat_at, polled_at FROM heartbeats ORDER BY beat_at DESC")
            except asyncpg.UndefinedTableError as exc:
                raise NoHeartbeatTable(str(exc)) from None
            unsent, oldest = await conn.fetchrow(
                "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status IN ('pending', 'sending')")
    finally:
        await conn.close()
    beats = [Beat(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), None if r[5] is None else str(r[5]))
             for r in rows]
    return HealthFacts(beats, int(unsent), None if oldest is None else str(oldest))
