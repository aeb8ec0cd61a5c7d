"""Evidence files on disk, named by the SHA-256 of their bytes, written atomically."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from bot.reporting import evidence_store
from bot.reporting.evidence_store import TELEGRAM_DOWNLOAD_LIMIT, EvidenceStore


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


async def test_name_is_the_sha256_of_the_content(store: EvidenceStore):
    content = b"\x89PNG\r\n\x1a\n a photo of an envelope"
    digest = hashlib.sha256(content).hexdigest()
    saved = await store.put(content)
    assert saved.sha256 == digest
    assert saved.size == len(content)
    assert saved.path == store.root / digest[:2] / digest == store.path_for(digest)
    assert saved.path.read_bytes() == content
    assert files_under(store.root) == [saved.path]


async def test_empty_content_is_stored_too(store: EvidenceStore):
    saved = await store.put(b"")
    assert saved.sha256 == hashlib.sha256(b"").hexdigest()
    assert saved.size == 0 and saved.path.read_bytes() == b""


async def test_same_content_is_stored_once(store: EvidenceStore):
    first = await store.put(b"same bytes")
    mtime = first.path.stat().st_mtime_ns
    second = await store.put(b"same bytes")
    assert second == first
    assert files_under(store.root) == [first.path]
    assert first.path.stat().st_mtime_ns == mtime  # not rewritten
    other = await store.put(b"other bytes")
    assert other.sha256 != first.sha256
    assert files_under(store.root) == sorted([first.path, other.path])


async def test_no_temporary_files_are_left_after_writing(store: EvidenceStore):
    await asyncio.gather(*(store.put(f"photo {i}".encode()) for i in range(20)))
    names = [p.name for p in files_under(store.root)]
    assert len(names) == 20
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]
    assert all(len(n) == 64 and set(n) <= set("0123456789abcdef") for n in names)


async def test_put_runs_off_the_event_loop(store: EvidenceStore, monkeypatch: pytest.MonkeyPatch):
    threads: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        threads.append(threading.get_ident())
        real_fsync(fd)

    monkeypatch.setattr(evidence_store.os, "fsync", recording_fsync)
    await store.put(b"fsynced")
    assert threads and threads[0] != threading.get_ident()


async def test_a_failed_write_leaves_no_file_under_the_hash_name(store: EvidenceStore, monkeypatch: pytest.MonkeyPatch):
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evidence_store.os, "fsync", disk_full)
    content = b"a large video"
    with pytest.raises(OSError):
        await store.put(content)
    assert not store.path_for(hashlib.sha256(content).hexdigest()).exists()


async def test_a_failed_write_leaves_no_temporary_file(store: EvidenceStore, monkeypatch: pytest.MonkeyPatch):
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evidence_store.os, "fsync", disk_full)
    with pytest.raises(OSError):
        await store.put(b"a large video")
    monkeypatch.undo()
    assert files_under(store.root) == []


async def test_the_same_content_put_twice_at_once_is_stored_once(store: EvidenceStore, monkeypatch: pytest.MonkeyPatch):
    # Both writers reach fsync before either renames (the barrier times out if writes are serialised).
    barrier = threading.Barrier(2, timeout=2)
    real_fsync = os.fsync

    def fsync_together(fd: int) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        real_fsync(fd)

    monkeypatch.setattr(evidence_store.os, "fsync", fsync_together)
    content = b"the same viral hoax image, forwarded by two reporters"
    results = await asyncio.gather(store.put(content), store.put(content), return_exceptions=True)
    monkeypatch.undo()
    assert not [r for r in results if isinstance(r, BaseException)], results
    path = store.path_for(hashlib.sha256(content).hexdigest())
    assert path.read_bytes() == content
    assert files_under(store.root) == [path]


# ---- removing unreferenced files ------------------------------------------------------------------------------


def _make_old(path: Path, seconds_ago: float) -> None:
    moment = time.time() - seconds_ago
    os.utime(path, (moment, moment))


async def test_remove_unreferenced_respects_the_referenced_set_and_age(store: EvidenceStore):
    kept_referenced = await store.put(b"referenced and old")
    removed_old = await store.put(b"unreferenced and old")
    kept_recent = await store.put(b"unreferenced but recent")
    for saved in (kept_referenced, removed_old):
        _make_old(saved.path, 3600)
    cutoff = time.time() - 60

    assert store.remove_unreferenced({kept_referenced.sha256}, older_than=cutoff) == 1

    assert kept_referenced.path.is_file()
    assert not removed_old.path.exists()
    assert kept_recent.path.is_file()
    # nothing more to do a second time
    assert store.remove_unreferenced({kept_referenced.sha256}, older_than=cutoff) == 0


async def test_remove_unreferenced_boundary_is_strictly_older(store: EvidenceStore):
    saved = await store.put(b"exactly at the cutoff")
    mtime = saved.path.stat().st_mtime
    assert store.remove_unreferenced(set(), older_than=mtime) == 0
    assert saved.path.is_file()
    assert store.remove_unreferenced(set(), older_than=mtime + 1) == 1
    assert not saved.path.exists()


async def test_remove_unreferenced_with_everything_referenced_removes_nothing(store: EvidenceStore):
    saved = [await store.put(f"file {i}".encode()) for i in range(3)]
    for s in saved:
        _make_old(s.path, 3600)
    assert store.remove_unreferenced({s.sha256 for s in saved}, older_than=time.time()) == 0
    assert all(s.path.is_file() for s in saved)


async def test_remove_unreferenced_leaves_a_write_in_progress_alone(store: EvidenceStore):
    saved = await store.put(b"finished")
    tmp = saved.path.with_name(f".{saved.sha256}.123.tmp")
    tmp.write_bytes(b"half")  # being written right now
    _make_old(saved.path, 3600)
    assert store.remove_unreferenced(set(), older_than=time.time() - 60) == 1
    assert not saved.path.exists()
    assert tmp.exists()


def test_remove_unreferenced_without_a_folder_is_zero(tmp_path: Path):
    assert EvidenceStore(tmp_path / "missing").remove_unreferenced(set(), older_than=time.time()) == 0


def test_download_limit_is_telegrams_20_mb():
    assert TELEGRAM_DOWNLOAD_LIMIT == 20 * 1024 * 1024
