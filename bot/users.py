"""Which language each person reads, remembered in the database and cached in memory."""

from __future__ import annotations

from locales import LOCALES
from storage.users import UserRepository


class UserService:
    def __init__(self, users: UserRepository, default_locale: str) -> None:
        self.users = users
        self.default_locale = default_locale
        self._locales: dict[int, str] = {}

    async def locale(self, user_id: int | None) -> str:
        if user_id is None:
            return self.default_locale
        cached = self._locales.get(user_id)
        if cached is None:
            cached = await self.users.get_locale(user_id) or self.default_locale
            self._locales[user_id] = cached
        return cached

    async def set_locale(self, user_id: int, locale: str) -> None:
        if locale not in LOCALES:
            raise ValueError(locale)
        await self.users.set_locale(user_id, locale)
        self._locales[user_id] = locale
