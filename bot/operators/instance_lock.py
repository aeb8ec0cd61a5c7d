"""One bot per database: two pollers with one token would fight over Telegram's updates. The running bot
holds an exclusive advisory lock (flock) on a file next to its database; the kernel releases it when the
process ends, however it ends (SIGKILL included). Operator commands do not take it: they may run beside
the bot."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TextIO


class AlreadyRunning(Exception):
    """Another process holds the lock; the message is one line meant for the operator."""


def lock_path(database_path: Path) -> Path:
    """`data/pantau.sqlite3` → `data/pantau.sqlite3.lock`."""
    database = database_path.resolve()
    return database.with_name(database.name + ".lock")


class InstanceLock:
    def __init__(self, database_path: Path) -> None:
        self.database_path = database_path
        self.path = lock_path(database_path)
        self._file: TextIO | None = None

    def acquire(self) -> None:
        """Take the lock, or raise AlreadyRunning naming the process that holds it."""
        if self._file is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(
                f"Pantau is already running on {self.database_path} (process {holder}, lock {self.path}); "
                "two bots with one token would take each other's updates. Stop the other one first."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the lock; the file itself stays
            self._file = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
