"""Per-user preferences (the chosen language)."""

from __future__ import annotations

from storage.database import Database, iso, utcnow


class UserRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_locale(self, user_id: int) -> str | None:
        row = await self.db.fetchone("SELECT locale FROM users WHERE user_id = ?", (user_id,))
        return row["locale"] if row else None

    async def set_locale(self, user_id: int, locale: str) -> None:
        now = iso(utcnow())
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (user_id, locale, created_at, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, updated_at = excluded.updated_at",
                (user_id, locale, now, now),
            )
