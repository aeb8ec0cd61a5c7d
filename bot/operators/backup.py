"""Backups: `backup` copies the database while the bot runs (one consistent snapshot, by SQLite's online backup API)
into a folder with a manifest of the evidence files it refers to (SHA-256 and size, never a reporter's file name),
and with `--with-evidence` the files themselves, byte for byte; `restore` puts such a folder back, only while no bot
runs and only after every hash and the database's integrity check passed; `verify-evidence` checks every stored
evidence file against its SHA-256 in the database."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from bot.operators.instance_lock import AlreadyRunning, InstanceLock
from bot.operators.tools import OperatorError
from bot.reporting.evidence_store import EvidenceStore
from bot.settings import OperatorSettings
from storage.database import iso, migrations, utcnow
from storage.operators.snapshot import copy_database, integrity, schema_version, stored_evidence

FORMAT = "pantau-backup"
FORMAT_VERSION = 1
DATABASE_FILE = "database.sqlite3"
MANIFEST = "manifest.json"
EVIDENCE_FOLDER = "evidence"  # inside a backup, laid out as EVIDENCE_DIR: <sha[:2]>/<sha>
_CHUNK = 1 << 20
_HEX = frozenset("0123456789abcdef")


class FileStatus(StrEnum):
    """An evidence file's entry in a backup's manifest."""

    PRESENT = "present"  # in EVIDENCE_DIR when the backup was taken (not copied: no --with-evidence)
    COPIED = "copied"  # copied into the backup, its SHA-256 checked
    MISSING = "missing"  # the database refers to it, EVIDENCE_DIR has no such file
    CORRUPTED = "corrupted"  # its bytes do not match its SHA-256: not copied


# ---- hashing and copying files ----------------------------------------------------------------------------------

def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_checked(source: Path, target: Path, sha256: str) -> FileStatus:
    """Copy `source` to `target` byte for byte (owner-only, through a temporary file), if its SHA-256 is `sha256`."""
    try:
        handle = source.open("rb")
    except FileNotFoundError:
        return FileStatus.MISSING
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    digest = hashlib.sha256()
    try:
        with handle, os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            partial.unlink()
            return FileStatus.CORRUPTED
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return FileStatus.COPIED


def _is_sha256(name: str) -> bool:
    return len(name) == 64 and set(name) <= _HEX


def _empty_file(path: Path) -> None:
    """A new empty owner-only file (SQLite takes an empty file as an empty database): the copy is personal data."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    amount = size / 1024
    for unit in ("KB", "MB"):
        if amount < 1024:
            return f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"


# ---- backup -----------------------------------------------------------------------------------------------------

async def backup(settings: OperatorSettings, dest: Path, out: TextIO, *, with_evidence: bool = False) -> None:
    """Copy the database (consistently, while the bot runs) into the new or empty folder `dest`, with a manifest of
    the evidence files it refers to, and the files themselves if `with_evidence`."""
    await asyncio.to_thread(_backup, settings, dest, out, with_evidence)


def _sqlite_only(settings: OperatorSettings, instead: str) -> None:
    """These tools copy and check SQLite files; a PostgreSQL database has its own tools."""
    if settings.database_url:
        raise OperatorError(f"DATABASE_URL is set: the database is PostgreSQL, which this command does not handle; "
                            f"{instead} (README, Backup and restore)")


def _backup(settings: OperatorSettings, dest: Path, out: TextIO, with_evidence: bool) -> None:
    _sqlite_only(settings, "back it up with pg_dump --format=custom, and EVIDENCE_DIR with rsync")
    source = settings.database_path
    if not source.is_file():
        raise OperatorError(f"no database at {source} (DATABASE_PATH): nothing to back up")
    _ready_empty_folder(dest)
    partial = dest / f".{DATABASE_FILE}.partial"
    try:
        _empty_file(partial)
        copy_database(source, partial)
        problems = integrity(partial)
        if problems:
            raise OperatorError(f"the copy of {source} fails its integrity check ({problems[0]}): the database itself "
                                "may be damaged; nothing was backed up")
        version = schema_version(partial)
        db_sha, db_size = _sha256_file(partial)
        os.replace(partial, dest / DATABASE_FILE)
    except sqlite3.Error as exc:
        raise OperatorError(f"cannot copy {source}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    store = EvidenceStore(settings.evidence_dir)
    entries: list[dict[str, Any]] = []
    # The files the copy refers to, not the live database: the manifest describes exactly the snapshot.
    for evidence in stored_evidence(dest / DATABASE_FILE):
        path, copy = store.path_for(evidence.sha256), dest / EVIDENCE_FOLDER / evidence.sha256[:2] / evidence.sha256
        size = evidence.size
        if with_evidence:
            status = _copy_checked(path, copy, evidence.sha256)
            if status is FileStatus.COPIED:
                size = copy.stat().st_size
        else:
            try:
                size, status = path.stat().st_size, FileStatus.PRESENT
            except FileNotFoundError:
                status = FileStatus.MISSING
        entries.append({"sha256": evidence.sha256, "size": size, "status": status.value})
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": iso(utcnow()),
        "database": {"file": DATABASE_FILE, "sha256": db_sha, "size": db_size, "schema_version": version},
        "evidence": {"copied": with_evidence, "folder": EVIDENCE_FOLDER if with_evidence else None, "files": entries},
    }
    fd = os.open(dest / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # written last: the backup is whole
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    counts = _counts(entry["status"] for entry in entries)
    print(f"Backed up {source} (schema {version}, {_size(db_size)}) to {dest / DATABASE_FILE}.", file=out)
    evidence_line = f"{len(entries)} evidence file{'' if len(entries) == 1 else 's'} listed in {dest / MANIFEST}"
    if with_evidence:
        evidence_line += f", {counts[FileStatus.COPIED]} copied to {dest / EVIDENCE_FOLDER}"
    print(evidence_line + ".", file=out)
    if counts[FileStatus.MISSING] or counts[FileStatus.CORRUPTED]:
        print(f"Warning: {counts[FileStatus.MISSING]} missing from EVIDENCE_DIR ({settings.evidence_dir}), "
              f"{counts[FileStatus.CORRUPTED]} corrupted (not copied); see the manifest and `verify-evidence`.",
              file=out)


def _counts(statuses: Iterable[str]) -> dict[FileStatus, int]:
    counts = dict.fromkeys(FileStatus, 0)
    for status in statuses:
        counts[FileStatus(status)] += 1
    return counts


def _ready_empty_folder(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise OperatorError(f"{dest} is not a folder")
    try:
        dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise OperatorError(f"cannot create {dest}: {exc.strerror or exc}") from None
    if any(dest.iterdir()):
        raise OperatorError(f"{dest} is not empty: give backup a new or empty folder")
    if not os.access(dest, os.W_OK | os.X_OK):
        raise OperatorError(f"cannot write to {dest}")


# ---- restore ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Backup:
    folder: Path
    database: Path
    sha256: str
    size: int
    schema_version: int
    evidence: list[str]  # the SHA-256 of each file copied into the backup


async def restore(settings: OperatorSettings, source: Path, out: TextIO, *, force: bool = False) -> None:
    """Put a backup folder back as DATABASE_PATH (and its evidence files into EVIDENCE_DIR), while no bot runs.
    Every hash and the copy's integrity are checked before anything is replaced; an existing database is replaced
    only with `force`, and kept as `<db>.before-restore-<time>.bak`."""
    await asyncio.to_thread(_restore, settings, source, out, force)


def _restore(settings: OperatorSettings, source: Path, out: TextIO, force: bool) -> None:
    _sqlite_only(settings, "restore a pg_dump with pg_restore, the bot stopped")
    found = _read_backup(source)
    target = settings.database_path
    lock = InstanceLock(target)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        raise OperatorError(f"restore refused: {exc}") from None
    except OSError as exc:
        raise OperatorError(f"cannot lock {target}: {exc.strerror or exc}") from None
    try:
        existing = [p for p in _database_files(target) if p.exists()]
        if existing and not force:
            raise OperatorError(f"{target} exists: give --force to replace it (it is kept as "
                                f"{target.name}.before-restore-<time>.bak)")
        partial = target.with_name(f".{target.name}.restoring")
        kept: Path | None = None
        try:
            if _copy_checked(found.database, partial, found.sha256) is not FileStatus.COPIED:
                raise OperatorError(f"{found.database} does not match the SHA-256 in its manifest: not restored")
            _check_database(partial, found)
            _check_evidence(found)
            restored, present = _restore_evidence(found, EvidenceStore(settings.evidence_dir))
            kept = _set_aside(target, existing)
            os.replace(partial, target)
            _fsync_dir(target.parent)
        except sqlite3.Error as exc:
            raise OperatorError(f"{found.database} is not a database that opens ({exc}): not restored") from None
        finally:
            partial.unlink(missing_ok=True)
    finally:
        lock.release()
    print(f"Restored {target} from {found.database} (schema {found.schema_version}).", file=out)
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.", file=out)
    if found.evidence:
        print(f"Evidence: {restored} file{'' if restored == 1 else 's'} restored to {settings.evidence_dir}, "
              f"{present} already there.", file=out)
    else:
        print(f"The backup has no evidence files: EVIDENCE_DIR ({settings.evidence_dir}) was left as it was; "
              "`verify-evidence` says whether it has every file the database refers to.", file=out)


def _read_backup(source: Path) -> _Backup:
    manifest_path = source / MANIFEST
    if not source.is_dir():
        raise OperatorError(f"{source} is not a folder (give restore the folder a backup wrote)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OperatorError(f"{source} has no {MANIFEST}: not a backup, or an incomplete one") from None
    except (OSError, ValueError) as exc:
        raise OperatorError(f"cannot read {manifest_path}: {exc}") from None
    try:
        if manifest["format"] != FORMAT or manifest["format_version"] != FORMAT_VERSION:
            raise OperatorError(f"{manifest_path} is not a Pantau backup manifest of version {FORMAT_VERSION}")
        database = manifest["database"]
        if database["file"] != DATABASE_FILE:
            raise OperatorError(f"{manifest_path} names an unexpected database file {database['file']!r}")
        evidence = manifest["evidence"]
        copied = [str(f["sha256"]) for f in evidence["files"] if f["status"] == FileStatus.COPIED.value]
        found = _Backup(source, source / DATABASE_FILE, str(database["sha256"]), int(database["size"]),
                        int(database["schema_version"]), copied)
    except (KeyError, TypeError, ValueError):
        raise OperatorError(f"{manifest_path} is not a Pantau backup manifest (a field is missing or wrong)") from None
    bad = next((sha for sha in found.evidence if not _is_sha256(sha)), None)
    if bad is not None:
        raise OperatorError(f"{manifest_path} lists {bad!r}, which is no SHA-256")
    if not found.database.is_file():
        raise OperatorError(f"{found.database} is missing: the backup is incomplete")
    return found


def _check_database(copy: Path, found: _Backup) -> None:
    problems = integrity(copy)
    if problems:
        raise OperatorError(f"{found.database} fails its integrity check ({problems[0]}): not restored")
    version, known = schema_version(copy), len(migrations())
    if version != found.schema_version:
        raise OperatorError(f"{found.database} is at schema {version}, its manifest says {found.schema_version}")
    if version > known:
        raise OperatorError(f"{found.database} is from a newer Pantau (schema {version}; this one knows {known}): "
                            "upgrade Pantau first")


def _check_evidence(found: _Backup) -> None:
    """Every evidence file the manifest says was copied is in the backup with its SHA-256."""
    bad = []
    for sha256 in found.evidence:
        path = found.folder / EVIDENCE_FOLDER / sha256[:2] / sha256
        try:
            actual, _ = _sha256_file(path)
        except FileNotFoundError:
            bad.append(f"{sha256} missing")
            continue
        if actual != sha256:
            bad.append(f"{sha256} corrupted")
    if bad:
        raise OperatorError(f"{len(bad)} evidence file{'' if len(bad) == 1 else 's'} of the backup do not match "
                            f"its manifest (first: {bad[0]}): nothing restored")


def _restore_evidence(found: _Backup, store: EvidenceStore) -> tuple[int, int]:
    """Copy the backup's evidence files into EVIDENCE_DIR, but those already there intact. (restored, present)"""
    restored = present = 0
    for sha256 in found.evidence:
        target = store.path_for(sha256)
        if target.is_file() and _sha256_file(target)[0] == sha256:
            present += 1
            continue
        if _copy_checked(found.folder / EVIDENCE_FOLDER / sha256[:2] / sha256, target, sha256) is not FileStatus.COPIED:
            raise OperatorError(f"evidence file {sha256} changed in the backup while it was restored")
        restored += 1
    return restored, present


def _database_files(target: Path) -> list[Path]:
    """The database and the journals SQLite keeps beside it (its `-shm` is only an index, rebuilt from them)."""
    return [target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-journal")]


def _set_aside(target: Path, existing: list[Path]) -> Path | None:
    """Rename the database being replaced, with its WAL and journal (so SQLite pairs them again if it is opened),
    to `<db>.before-restore-<time>.bak`; its stale `-shm` is removed. The new name, or None if there was none."""
    if not existing:
        return None
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    kept = target.with_name(f"{target.name}.before-restore-{stamp}.bak")
    n = 1
    while any(p.exists() for p in _database_files(kept)):
        n += 1
        kept = target.with_name(f"{target.name}.before-restore-{stamp}-{n}.bak")
    for path in existing:
        os.replace(path, kept.with_name(kept.name + path.name.removeprefix(target.name)))
    target.with_name(target.name + "-shm").unlink(missing_ok=True)
    return kept


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- verify-evidence --------------------------------------------------------------------------------------------

async def verify_evidence(settings: OperatorSettings, out: TextIO) -> int:
    """Check every evidence file the database refers to against its SHA-256: 0 if all are there intact, else 1.
    Files in EVIDENCE_DIR the database does not refer to are counted (orphans), not an error."""
    return await asyncio.to_thread(_verify_evidence, settings, out)


def _verify_evidence(settings: OperatorSettings, out: TextIO) -> int:
    _sqlite_only(settings, "on PostgreSQL, evidence is not checked by Pantau yet")
    database = settings.database_path
    if not database.is_file():
        raise OperatorError(f"no database at {database} (DATABASE_PATH)")
    try:
        files = stored_evidence(database)
    except sqlite3.Error as exc:
        raise OperatorError(f"cannot read {database}: {exc}") from None
    store = EvidenceStore(settings.evidence_dir)
    missing: list[str] = []
    corrupted: list[str] = []
    for evidence in files:
        path = store.path_for(evidence.sha256)
        try:
            actual, _ = _sha256_file(path)
        except FileNotFoundError:
            missing.append(evidence.sha256)
            continue
        if actual != evidence.sha256:
            corrupted.append(evidence.sha256)
    if missing:  # a draft purged meanwhile takes its files along: missing only if the database still refers to it
        still = {e.sha256 for e in stored_evidence(database)}
        missing = [sha for sha in missing if sha in still]
    known = {e.sha256 for e in files}
    orphans = sum(1 for path in _stored_files(settings.evidence_dir) if path.name not in known)
    ok = len(files) - len(missing) - len(corrupted)
    for sha in missing:
        print(f"missing:   {store.path_for(sha)}", file=out)
    for sha in corrupted:
        print(f"corrupted: {store.path_for(sha)} (its bytes do not match its SHA-256)", file=out)
    print(f"{len(files)} evidence file{'' if len(files) == 1 else 's'} in {database}: {ok} intact, "
          f"{len(missing)} missing, {len(corrupted)} corrupted.", file=out)
    if orphans:
        print(f"{orphans} file{'' if orphans == 1 else 's'} in {settings.evidence_dir} the database does not refer to "
              "(orphans: not an error; housekeeping removes those of purged drafts).", file=out)
    return 1 if missing or corrupted else 0


def _stored_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [p for p in root.glob("??/*") if p.is_file() and not p.name.startswith(".")]
