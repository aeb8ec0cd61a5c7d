"""Per-user preferences: the language chosen with /bahasa, and the language of the client they write from."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, iso, utcnow


@dataclass(frozen=True)
class UserLanguages:
    chosen: str | None  # set with /bahasa; None: never chose
    client: str | None  # their Telegram client's language, when it is one of ours


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def languages(self, user_id: int) -> UserLanguages:
        row = await self.db.fetchone("SELECT locale, client_locale FROM users WHERE user_id = ?", (user_id,))
        return UserLanguages(row["locale"], row["client_locale"]) if row else UserLanguages(None, None)

    async def get_locale(self, user_id: int) -> str | None:
        return (await self.languages(user_id)).chosen

    async def set_locale(self, user_id: int, locale: str) -> None:
        await self._upsert(user_id, "locale", locale)

    async def set_client_locale(self, user_id: int, locale: str | None) -> None:
        await self._upsert(user_id, "client_locale", locale)

    async def _upsert(self, user_id: int, column: str, value: str | None) -> None:
        assert column in ("locale", "client_locale")
        now = iso(utcnow())
        async with self.db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO users (user_id, {column}, created_at, updated_at) VALUES (?, ?, ?, ?)"
                f" ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
                (user_id, value, now, now),
            )
