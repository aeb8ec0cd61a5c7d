"""Run `python -m bot` as a real subprocess against the fake Bot API, to kill it with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from storage.database import Database
from storage.reporting.reports import ReportRepository
from testing.fake_telegram import FakeTelegram
from tests import postgres_cluster
from tests.harness import ROOT


class BotProcess:
    def __init__(self, fake: FakeTelegram, workdir: Path, *args: str, log_name: str = "bot.log", **settings: Any) -> None:
        self.fake = fake
        self.args = args  # for `python -m bot`, e.g. "--log-level", "DEBUG"
        self.workdir = workdir
        self.database = workdir / "pantau.sqlite3"
        self.log = workdir / log_name
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_FILE_BASE_URL": fake.file_base_url,
            "DATABASE_PATH": str(self.database),
            "EVIDENCE_DIR": str(workdir / "evidence"),
            "PYTHONPATH": str(ROOT),
        }
        if postgres_cluster.CLUSTER is not None:  # PANTAU_TEST_DATABASE=postgresql: the same schema as the test's
            self.env["DATABASE_URL"] = postgres_cluster.CLUSTER.url_for(self.database)
        self.env.update({key.upper(): str(value) for key, value in settings.items()})
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self, *, receiving: bool = True) -> None:
        """Start the bot and return once it is long-polling the fake (or has set its webhook); with
        `receiving=False` (a worker of several that does not lead) once it has asked getMe."""
        mark = self.fake.cursor()
        with self.log.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *self.args, cwd=self.workdir, env=self.env, stdout=log, stderr=log,
            )
        self.starts += 1
        try:
            await self.fake.wait_for("getMe", after=mark, timeout=30)
            if receiving:
                await self.fake.wait_for(("deleteWebhook", "setWebhook"), after=mark, timeout=30)  # polling, or webhook
        except AssertionError:
            raise AssertionError(f"bot did not start; log:\n{self.log.read_text()[-3000:]}") from None

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.process = None

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.process = None

    async def report_count(self) -> int:
        async with Database(self.database) as db:
            return await ReportRepository(db).count()

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""
