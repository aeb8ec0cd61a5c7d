"""The database as a whole, for backups and restores: a consistent copy taken while the bot runs (SQLite's online
backup API, never a file copy: in WAL mode the newest commits may be only in the `-wal` file), its integrity and
schema version, and the evidence files its rows refer to.

These functions are synchronous (sqlite3) and open their own connections: run them in a worker thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Every table whose rows refer to a stored evidence file by its SHA-256 (as drafts.referenced_hashes).
_EVIDENCE_TABLES = ("evidence", "draft_evidence", "task_report_evidence")


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """A file the database says the bot stored: its SHA-256 (its name in EVIDENCE_DIR) and size, if recorded."""

    sha256: str
    size: int | None


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to an existing database (it never creates one); closed at the end."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        yield conn
    finally:
        conn.close()


def copy_database(source: Path, target: Path) -> None:
    """Copy the database at `source` into a new file `target`, as one consistent snapshot (the online backup API,
    all pages in one step, so one read transaction: what was committed when it began, WAL included, and nothing
    of a transaction still open). The copy is a single file in rollback-journal mode, not WAL."""
    with read_only(source) as src:
        dst = sqlite3.connect(target, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()


def integrity(path: Path) -> list[str]:
    """PRAGMA integrity_check of a database: [] when sound, else what it found (at most 20 lines)."""
    with read_only(path) as conn:
        rows = conn.execute("PRAGMA integrity_check(20)").fetchall()
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def schema_version(path: Path) -> int:
    """The newest migration applied to a database (0 if none)."""
    with read_only(path) as conn:
        try:
            row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        except sqlite3.OperationalError:  # no schema_migrations table: not a database of ours
            return 0
    return int(row[0]) if row else 0


def stored_evidence(path: Path) -> list[StoredEvidence]:
    """Every evidence file the database refers to (reports', drafts' and task report-backs'), once each, by
    SHA-256. A size is the one recorded (the largest, if rows disagree), or None."""
    with read_only(path) as conn:
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        parts = [f"SELECT sha256, size FROM {table} WHERE sha256 IS NOT NULL AND stored = 'stored'"
                 for table in _EVIDENCE_TABLES if table in present]
        if not parts:
            return []
        rows = conn.execute(
            f"SELECT sha256, MAX(size) FROM ({' UNION ALL '.join(parts)}) GROUP BY sha256 ORDER BY sha256"
        ).fetchall()
    return [StoredEvidence(str(sha), None if size is None else int(size)) for sha, size in rows]
