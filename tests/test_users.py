"""Which language a person reads: their choice, else their Telegram client's (kept across restarts), else
the deployment's default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.people.users import UserService
from storage.database import Database
from storage.people.users import UserRepository


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "users.sqlite3")
    await database.open()
    yield database
    await database.close()


class CountingRepository(UserRepository):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.writes = 0

    async def set_client_locale(self, user_id: int, locale: str | None) -> None:
        self.writes += 1
        await super().set_client_locale(user_id, locale)


async def test_the_client_language_outlives_a_restart(db: Database) -> None:
    before = UserService(UserRepository(db), "id")
    await before.saw_client_language(7, "en-GB")
    assert await before.locale(7) == "en"
    after = UserService(UserRepository(db), "id")  # a restarted bot: nothing in memory
    assert await after.locale(7) == "en"


async def test_a_choice_wins_and_an_unknown_language_means_the_default(db: Database) -> None:
    users = UserService(UserRepository(db), "id")
    await users.saw_client_language(1, "en")
    await users.set_locale(1, "id")
    await users.saw_client_language(1, "en-US")
    assert await users.locale(1) == "id"
    assert await UserService(UserRepository(db), "id").locale(1) == "id"
    await users.saw_client_language(2, "en")
    await users.saw_client_language(2, "fr")  # a client in a language we lack: back to the default
    assert await users.locale(2) == "id"
    assert await UserService(UserRepository(db), "en").locale(2) == "en"
    await users.saw_client_language(3, None)  # an update that says nothing changes nothing
    assert await users.locale(3) == "id"


async def test_the_client_language_is_written_only_when_it_changes(db: Database) -> None:
    repo = CountingRepository(db)
    users = UserService(repo, "id")
    for code in ("en-GB", "en", "en-US", "en"):
        await users.saw_client_language(5, code)
    assert repo.writes == 1
    await users.saw_client_language(5, "id")
    assert repo.writes == 2
    await users.saw_client_language(6, "de")  # never one of ours: nothing to remember
    assert repo.writes == 2
