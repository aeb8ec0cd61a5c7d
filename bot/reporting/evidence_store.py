"""Evidence files on disk, content-addressed: a file's name is the SHA-256 of its bytes.

The same photo sent twice is stored once. Files are written to a temporary name and renamed, so a crash
never leaves a partial file under a hash name.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Telegram bots may download files up to 20 MB through the Bot API.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _write(self, content: bytes) -> StoredFile:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path_for(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # A temporary name of its own per write: two writes of the same bytes never share one.
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{digest}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return StoredFile(digest, len(content), target)

    async def put(self, content: bytes) -> StoredFile:
        """Store bytes (in a worker thread: hashing and fsync must not block the event loop)."""
        return await asyncio.to_thread(self._write, content)

    async def read(self, sha256: str) -> bytes | None:
        """A stored file's bytes (in a worker thread), or None if it is not (or no longer) stored."""
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None

        def read() -> bytes | None:
            try:
                return self.path_for(sha256).read_bytes()
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(read)

    def remove_unreferenced(self, referenced: set[str], *, older_than: float) -> int:
        """Delete stored files no draft or report refers to and not modified since the epoch time
        `older_than` (a file being recorded right now is not referenced yet). Returns how many were removed."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for path in self.root.glob("??/*"):
            if path.name.startswith(".") or path.name in referenced or path.stat().st_mtime >= older_than:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed
