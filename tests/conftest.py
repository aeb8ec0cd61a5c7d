"""Fixtures: the fake Bot API server, settings pointing at it, and the real bot running in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.settings import Settings
from testing.fake_telegram import FakeTelegram
from tests import postgres_cluster

SettingsFactory = Callable[..., Settings]


@pytest.fixture(scope="session", autouse=True)
def postgresql_mode() -> Iterator[None]:
    """PANTAU_TEST_DATABASE=postgresql: every Database a test opens is on a throwaway PostgreSQL server."""
    if not postgres_cluster.wanted():
        yield
        return
    from storage.database import Database

    cluster = postgres_cluster.Cluster()
    cluster.start()
    postgres_cluster.CLUSTER = cluster
    patch = pytest.MonkeyPatch()
    patch.setattr(Database, "__new__", postgres_cluster.redirected_new)
    try:
        yield
    finally:
        patch.undo()
        cluster.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if postgres_cluster.wanted():
        skip = pytest.mark.skip(reason="SQLite only (reads the SQLite file or its connections)")
        for item in items:
            if item.get_closest_marker("sqlite_only"):
                item.add_marker(skip)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def make_settings(fake: FakeTelegram, tmp_path: Path) -> SettingsFactory:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "telegram_bot_token": fake.token,
            "telegram_api_base_url": fake.base_url,
            "telegram_file_base_url": fake.file_base_url,
            "database_path": tmp_path / "pantau.sqlite3",
            "evidence_dir": tmp_path / "evidence",
            # Tests write at machine speed, far faster than a person: the flood guard is tested where it is meant
            # to act (tests/test_e2e_abuse.py), and lifted here.
            "limit_message_burst": 1000,
            "limit_messages_per_minute": 1_000_000.0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
async def start_bot(fake: FakeTelegram, make_settings: SettingsFactory) -> AsyncIterator[Callable[..., Any]]:
    """Start the real bot (in this event loop) with settings overrides; stopped at the end of the test."""
    running: list[Pantau] = []

    async def start(**overrides: Any) -> Pantau:
        pantau = Pantau(make_settings(**overrides))
        await pantau.start(poll_timeout=5)
        running.append(pantau)
        await fake.wait_polling()
        return pantau

    yield start
    for pantau in running:
        await pantau.stop()


@pytest.fixture
async def bot(start_bot: Callable[..., Any]) -> Pantau:
    pantau: Pantau = await start_bot()
    return pantau


SETTING_NAMES = ("TELEGRAM_BOT_TOKEN", "DATABASE_PATH", "EVIDENCE_DIR", "REGION_SCOPE", "DEFAULT_LOCALE",
                 "BOUNDARIES_FILE", "ADMIN_CHAT_ID", "ADMIN_USER_IDS")


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory without .env, no setting in the environment but the database path."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "pantau.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    return database
