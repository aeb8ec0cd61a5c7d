"""A throwaway PostgreSQL server for the test session (PANTAU_TEST_DATABASE=postgresql, scripts/test-postgres):
initdb into a temporary folder, started on a free port of 127.0.0.1, stopped and removed at the end. Each
`Database(path)` a test opens becomes a schema of its own in that server (the same path, the same schema, so
reopening finds what was written), so the storage tests run unchanged on PostgreSQL."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import asyncpg

from storage.database import Database
from storage.postgres import PostgresDatabase, is_postgres_url

ENV = "PANTAU_TEST_DATABASE"


def wanted() -> bool:
    return os.environ.get(ENV, "sqlite").lower() in ("postgresql", "postgres")


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL (scripts/test-postgres does)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """initdb + pg_ctl start; as root, the server runs as the `postgres` user (it refuses root)."""

    def __init__(self, durable: bool = False) -> None:
        """`durable`: fsync and synchronous commits on, as in production (a benchmark's); off for the tests."""
        self.durable = durable
        self.dir = Path(tempfile.mkdtemp(prefix="pantau-pg-"))
        self.port = _free_port()
        self.base_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._schemas: dict[str, str] = {}

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = str(self.dir / "data")
        self._run(_binary("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
                   " -c max_connections=300")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(_binary("pg_ctl"), "-D", data, "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run(_binary("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url_for(self, path: Path | str) -> str:
        """The database URL standing in for the SQLite file `path`: a schema of its own."""
        key = str(Path(path).resolve()) if str(path) != ":memory:" else f":memory:{len(self._schemas)}"
        schema = self._schemas.get(key)
        if schema is None:
            schema = self._schemas[key] = f"t{len(self._schemas) + 1}"
            self._create_schema(schema)
        return f"{self.base_url}?search_path={schema}"

    def _create_schema(self, schema: str) -> None:
        """Made at once (in a thread of its own: a test's event loop may be running), so that a bot process
        started with the URL finds it."""

        async def create() -> None:
            conn = await asyncpg.connect(self.base_url)
            try:
                await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            finally:
                await conn.close()

        worker = threading.Thread(target=asyncio.run, args=(create(),))
        worker.start()
        worker.join()


CLUSTER: Cluster | None = None


class TestPostgres(PostgresDatabase):
    """`Database(path)` in a test, on the session's PostgreSQL server."""

    def __init__(self, path: Path | str, defer_flush_s: float | None = None) -> None:
        assert CLUSTER is not None
        super().__init__(CLUSTER.url_for(path), defer_flush_s)
        self.path = Path(path)


def redirected_new(cls: type, path: Any, defer_flush_s: float | None = None) -> Any:
    """`Database.__new__` in PostgreSQL mode: every `Database(path)` a test opens is a TestPostgres (a subclass
    of SQLite's Database made by a test stays what it is)."""
    if cls is Database and is_postgres_url(path):
        return object.__new__(PostgresDatabase)
    return object.__new__(TestPostgres if cls is Database else cls)
