"""One bot per database: a second one refuses to start with a clear message, the first keeps working,
and operator commands still run beside it."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.operators.instance_lock import AlreadyRunning, InstanceLock, lock_path
from bot.operators.tools import export_reports
from testing.fake_telegram import FakeTelegram
from tests.bot_process import BotProcess
from tests.harness import Reporter


def test_the_lock_is_exclusive_until_released(tmp_path: Path) -> None:
    database = tmp_path / "data" / "pantau.sqlite3"
    first = InstanceLock(database)
    first.acquire()
    assert lock_path(database) == tmp_path / "data" / "pantau.sqlite3.lock"
    with pytest.raises(AlreadyRunning) as refused:
        InstanceLock(database).acquire()
    message = str(refused.value)
    assert "already running" in message and str(os.getpid()) in message and "\n" not in message
    first.release()
    with InstanceLock(database):  # free again
        pass


async def test_a_second_bot_in_process_refuses_and_the_first_goes_on(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    first: Pantau = await start_bot()
    second = Pantau(first.settings)
    with pytest.raises(AlreadyRunning):
        await second.start(poll_timeout=5)
    await second.stop()
    assert await export_reports(first.settings, tmp_path / "out.csv") == 0  # operator tools run beside it
    r = Reporter(fake)
    r.say("/start")
    await r.expect("Selamat datang di Pantau")


async def test_a_second_bot_process_on_the_same_database_exits_with_a_clear_message(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    bot = BotProcess(fake, tmp_path)
    await bot.start()
    try:
        mark = fake.cursor()
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=bot.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(second.communicate(), 60)
        except TimeoutError:
            second.kill()
            await second.wait()
            raise AssertionError("the second bot did not refuse to start") from None
        assert second.returncode == 2
        message = err.decode().strip()
        assert "already running" in message and str(bot.database) in message, message
        assert len(message.splitlines()) == 1 and "Traceback" not in message
        assert not [c for c in fake.calls("getMe") if c.seq > mark]  # it never reached Telegram
        assert out == b""
        r = Reporter(fake)
        r.say("/start")
        await r.expect("Selamat datang di Pantau")
    finally:
        await bot.stop()
