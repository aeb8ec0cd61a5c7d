"""Backups taken while the bot writes (and while it runs, end to end) are consistent (the online backup, never a
file copy of a WAL database); the manifest lists every evidence file by SHA-256 and size, never a reporter's file
name; a restore checks everything before it replaces anything, refuses while the bot runs, and keeps the database it
replaces; verify-evidence finds missing and corrupted files."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.app import Pantau
from bot.operators.instance_lock import InstanceLock
from storage.database import Database, migrations
from storage.reporting.reports import ReportRepository
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, case_codes_sent, run_steps

pytestmark = pytest.mark.sqlite_only  # backup, restore and verify-evidence copy and check SQLite files

REPORTER_FILE_NAME = "KTP_Rahmat_Hidayat.jpg"  # a reporter's own file name: personal data

LATEST = migrations()[-1][0]  # the schema version a new database has


@pytest.fixture
def env(no_token: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The database path (migrated, empty) of a working directory without .env, EVIDENCE_DIR beside it."""
    monkeypatch.setenv("EVIDENCE_DIR", str(no_token.parent / "evidence"))
    asyncio.run(_migrate(no_token))
    return no_token


async def _migrate(path: Path) -> None:
    async with Database(path):
        pass


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _add_user(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute("INSERT INTO users (user_id, locale, created_at, updated_at) VALUES (?, 'id', '2026-01-01T00:00:00+00:00',"
                 " '2026-01-01T00:00:00+00:00')", (user_id,))


def _users(path: Path) -> set[int]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)  # read-only: its close checkpoints no -wal
    try:
        return {row[0] for row in conn.execute("SELECT user_id FROM users")}
    finally:
        conn.close()


def _store(evidence_dir: Path, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    (evidence_dir / sha[:2]).mkdir(parents=True, exist_ok=True)
    (evidence_dir / sha[:2] / sha).write_bytes(content)
    return sha


def _add_evidence(path: Path, sha: str, size: int, *, table: str = "evidence") -> None:
    conn = _connect(path)
    try:
        if table == "evidence":
            conn.execute("INSERT INTO evidence (report_id, kind, telegram_file_id, telegram_unique_id, sha256, size,"
                         " mime_type, file_name, stored, created_at) VALUES (1, 'document', 'f', ?, ?, ?, 'image/jpeg',"
                         " ?, 'stored', '2026-01-01T00:00:00+00:00')", (sha[:8], sha, size, REPORTER_FILE_NAME))
        else:
            conn.execute("INSERT INTO draft_evidence (user_id, kind, telegram_file_id, telegram_unique_id, sha256, size,"
                         " file_name, stored, created_at) VALUES (5, 'photo', 'f', ?, ?, ?, ?, 'stored',"
                         " '2026-01-01T00:00:00+00:00')", (sha[:8], sha, size, REPORTER_FILE_NAME))
    finally:
        conn.close()


def _evidence_case(database: Path) -> dict[str, str]:
    """Three files the database refers to: one intact (a report's), one missing (a draft's), one corrupted."""
    evidence = database.parent / "evidence"
    intact = _store(evidence, b"\xff\xd8 photo of the envelopes")
    _add_evidence(database, intact, 25)
    missing = hashlib.sha256(b"never stored here").hexdigest()
    _add_evidence(database, missing, 17, table="draft_evidence")
    corrupted = _store(evidence, b"%PDF-1.4 the letter")
    (evidence / corrupted[:2] / corrupted).write_bytes(b"%PDF-1.4 the letter, altered")
    _add_evidence(database, corrupted, 19)
    return {"intact": intact, "missing": missing, "corrupted": corrupted}


def test_a_backup_while_another_connection_writes_is_consistent_and_opens(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = _connect(env)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # the commits below stay in the -wal file only
        _add_user(writer, 1)
        _add_user(writer, 2)
        assert env.with_name(env.name + "-wal").stat().st_size > 0
        naive = env.parent / "file-copy.sqlite3"  # what a file copy of the database alone would have kept
        shutil.copyfile(env, naive)
        assert _users(naive) == set()
        writer.execute("BEGIN IMMEDIATE")
        _add_user(writer, 3)  # not committed while the backup runs
        assert cli.main(["backup", str(env.parent / "backup")]) == 0
    finally:
        writer.close()
    out = capsys.readouterr().out
    copy = env.parent / "backup" / "database.sqlite3"
    assert f"to {copy}" in out and f"schema {LATEST}" in out
    conn = _connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal to carry along
        assert {row[0] for row in conn.execute("SELECT user_id FROM users")} == {1, 2}  # committed, not the open one
    finally:
        conn.close()
    manifest = json.loads((env.parent / "backup" / "manifest.json").read_text())
    assert manifest["database"]["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert manifest["database"]["schema_version"] == LATEST


def test_the_manifest_lists_evidence_by_hash_without_file_names_and_copies_only_intact_files(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _evidence_case(env)
    assert cli.main(["backup", str(env.parent / "listed")]) == 0
    listed = (env.parent / "listed" / "manifest.json").read_text()
    assert REPORTER_FILE_NAME not in listed and "file_name" not in listed
    statuses = {f["sha256"]: (f["status"], f["size"]) for f in json.loads(listed)["evidence"]["files"]}
    assert statuses == {files["intact"]: ("present", 25), files["missing"]: ("missing", 17),
                        files["corrupted"]: ("present", 28)}
    assert not (env.parent / "listed" / "evidence").exists()
    capsys.readouterr()

    assert cli.main(["backup", str(env.parent / "full"), "--with-evidence"]) == 0
    out = capsys.readouterr().out
    assert "3 evidence files listed" in out and "1 copied" in out and "1 missing" in out and "1 corrupted" in out
    manifest = json.loads((env.parent / "full" / "manifest.json").read_text())
    assert REPORTER_FILE_NAME not in json.dumps(manifest)
    assert {f["sha256"]: f["status"] for f in manifest["evidence"]["files"]} == {
        files["intact"]: "copied", files["missing"]: "missing", files["corrupted"]: "corrupted"}
    sha = files["intact"]
    copied = env.parent / "full" / "evidence" / sha[:2] / sha
    assert copied.read_bytes() == (env.parent / "evidence" / sha[:2] / sha).read_bytes()  # byte for byte
    assert copied.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    assert not (env.parent / "full" / "evidence" / files["corrupted"][:2] / files["corrupted"]).exists()


def test_backup_refuses_a_folder_in_use_and_a_missing_database_in_one_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    used = env.parent / "used"
    used.mkdir()
    (used / "notes.txt").write_text("keep me")
    assert cli.main(["backup", str(used)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"{used} is not empty: give backup a new or empty folder"
    env.unlink()
    assert cli.main(["backup", str(env.parent / "new")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no database at" in err and "Traceback" not in err


def test_restore_round_trip_with_evidence_then_verify(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = _connect(env)
    _add_user(conn, 7)
    conn.close()
    sha = _store(env.parent / "evidence", b"\xff\xd8 photo")
    _add_evidence(env, sha, 8)
    assert cli.main(["backup", str(env.parent / "b"), "--with-evidence"]) == 0
    for suffix in ("", "-wal", "-shm"):
        env.with_name(env.name + suffix).unlink(missing_ok=True)
    shutil.rmtree(env.parent / "evidence")
    capsys.readouterr()
    assert cli.main(["restore", str(env.parent / "b")]) == 0  # no database: no --force needed
    out = capsys.readouterr().out
    assert f"Restored {env}" in out and "1 file restored" in out
    assert _users(env) == {7}
    assert cli.main(["verify-evidence"]) == 0
    assert "1 intact, 0 missing, 0 corrupted" in capsys.readouterr().out


def test_restore_refuses_while_the_bot_runs(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backup", str(env.parent / "b")]) == 0
    before = env.read_bytes()
    with InstanceLock(env):  # what the running bot holds
        assert cli.main(["restore", str(env.parent / "b"), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("restore refused: Pantau is already running") and len(err.strip().splitlines()) == 1
    assert env.read_bytes() == before and not list(env.parent.glob("*.bak"))


def test_restore_replaces_a_database_only_with_force_and_keeps_it(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["backup", str(env.parent / "b")]) == 0
    # Written after the backup by a process that then died: the commit is only in the -wal file it left.
    died = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            " c.execute('PRAGMA wal_autocheckpoint=0');"
            " c.execute(\"INSERT INTO users (user_id, created_at, updated_at) VALUES (9, '', '')\"); os._exit(0)")
    subprocess.run([sys.executable, "-c", died, str(env)], check=True)
    assert env.with_name(env.name + "-wal").stat().st_size > 0
    capsys.readouterr()
    assert cli.main(["restore", str(env.parent / "b")]) == 2
    assert "exists: give --force" in capsys.readouterr().err
    assert _users(env) == {9}
    assert cli.main(["restore", str(env.parent / "b"), "--force"]) == 0
    out = capsys.readouterr().out
    (kept,) = env.parent.glob(f"{env.name}.before-restore-*.bak")
    assert f"kept as {kept}" in out
    assert _users(env) == set()
    assert _users(kept) == {9}  # its -wal was kept along with it, as kept-wal: the commit is there


def _rewrite_manifest(folder: Path) -> None:
    """Make the manifest's database hash match the (altered) database again."""
    manifest = json.loads((folder / "manifest.json").read_text())
    database = (folder / "database.sqlite3").read_bytes()
    manifest["database"].update(sha256=hashlib.sha256(database).hexdigest(), size=len(database))
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage", ["database bytes", "database pages", "database index", "evidence bytes",
                                    "no manifest"])
def test_restore_of_a_damaged_backup_replaces_nothing(
    env: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    sha = _store(env.parent / "evidence", b"\xff\xd8 photo")
    _add_evidence(env, sha, 8)
    folder = env.parent / "b"
    assert cli.main(["backup", str(folder), "--with-evidence"]) == 0
    shutil.rmtree(env.parent / "evidence")
    conn = _connect(env)
    _add_user(conn, 11)
    conn.close()
    database = folder / "database.sqlite3"
    if damage == "database index":  # an index that no longer matches its table: it opens, and reads, but is unsound
        conn = _connect(database)
        conn.execute("INSERT INTO drafts (user_id, chat_id, step, created_at, updated_at) VALUES (5, 5, 'x', 'a', 'b')")
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX drafts_status_updated ON drafts(updated_at, step)'"
                     " WHERE name = 'drafts_status_updated'")
        conn.close()
        _rewrite_manifest(folder)
    content = bytearray(database.read_bytes())
    if damage == "database bytes":
        content[-100] ^= 0xFF
        database.write_bytes(content)
    elif damage == "database pages":  # and a manifest that matches it: only the integrity check can tell
        page = int.from_bytes(content[16:18], "big")
        for n in range(2, len(content) // page):
            content[n * page : n * page + 64] = b"\x0d" * 64
        database.write_bytes(content)
        _rewrite_manifest(folder)
    elif damage == "evidence bytes":
        (folder / "evidence" / sha[:2] / sha).write_bytes(b"\xff\xd8 another photo")
    elif damage == "no manifest":
        (folder / "manifest.json").unlink()
    capsys.readouterr()
    assert cli.main(["restore", str(folder), "--force"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert {"database bytes": "does not match the SHA-256", "database pages": "not restored",
            "database index": "fails its integrity check (row 1 missing from index", "evidence bytes": "corrupted",
            "no manifest": "has no manifest.json"}[damage] in err
    assert _users(env) == {11}  # the database in place is untouched
    assert not list(env.parent.glob("*.bak")) and not (env.parent / "evidence").exists()
    assert not list(env.parent.glob(".*restoring*"))


def test_verify_evidence_counts_missing_corrupted_and_orphans(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _evidence_case(env)
    _store(env.parent / "evidence", b"a file no row refers to")
    assert cli.main(["verify-evidence"]) == 1
    out = capsys.readouterr().out
    assert "3 evidence files" in out and "1 intact, 1 missing, 1 corrupted" in out
    assert f"missing:   {env.parent / 'evidence' / files['missing'][:2] / files['missing']}" in out
    assert f"corrupted: {env.parent / 'evidence' / files['corrupted'][:2] / files['corrupted']}" in out
    assert "1 file in" in out and "orphans: not an error" in out
    assert REPORTER_FILE_NAME not in out
    _store(env.parent / "evidence", b"never stored here")  # the missing one is back, intact
    _store(env.parent / "evidence", b"%PDF-1.4 the letter")  # the corrupted one repaired
    assert cli.main(["verify-evidence"]) == 0
    assert "3 intact, 0 missing, 0 corrupted" in capsys.readouterr().out


async def test_a_backup_of_the_running_bot_restores_its_report_and_evidence(
    fake: FakeTelegram, start_bot: Callable[..., Any], no_token: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EVIDENCE_DIR", str(no_token.parent / "evidence"))
    pantau: Pantau = await start_bot()
    assert pantau.settings.database_path == no_token
    r = Reporter(fake)
    await run_steps(r)
    (code,) = case_codes_sent(fake, r.user_id)
    folder = no_token.parent / "backup"
    assert await asyncio.to_thread(cli.main, ["backup", str(folder), "--with-evidence"]) == 0  # while it runs
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [f["status"] for f in manifest["evidence"]["files"]] == ["copied"]
    assert await asyncio.to_thread(cli.main, ["restore", str(folder), "--force"]) == 2  # refused: the bot runs
    assert "restore refused: Pantau is already running" in capsys.readouterr().err
    await pantau.stop()

    for suffix in ("", "-wal", "-shm"):
        no_token.with_name(no_token.name + suffix).unlink(missing_ok=True)
    shutil.rmtree(no_token.parent / "evidence")
    assert await asyncio.to_thread(cli.main, ["restore", str(folder)]) == 0
    assert await asyncio.to_thread(cli.main, ["verify-evidence"]) == 0
    assert "1 intact, 0 missing, 0 corrupted" in capsys.readouterr().out
    async with Database(no_token) as db:
        assert await ReportRepository(db).by_code(code) is not None


@pytest.mark.parametrize("command", [["backup", "out"], ["restore", "out", "--force"], ["verify-evidence"]])
def test_the_sqlite_tools_refuse_a_postgresql_database_in_one_line(
        command: list[str], no_token: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://pantau@127.0.0.1:1/pantau")
    assert cli.main(command) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("DATABASE_URL is set: the database is PostgreSQL") and "\n" not in err
    assert not Path("out").exists()
