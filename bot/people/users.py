"""Which language each person reads: their own choice (/bahasa), remembered in the database, or else
their Telegram client's language when it is one of ours, or else the deployment's default."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from locales import LOCALES
from storage.people.users import UserLanguages, UserRepository


def client_locale(language_code: str | None) -> str | None:
    """Our locale for a Telegram client's IETF language tag (`en-GB` → `en`, `id` → `id`), if we have one."""
    if not language_code:
        return None
    primary = language_code.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LOCALES else None


class UserService:
    def __init__(self, users: UserRepository, default_locale: str) -> None:
        self.users = users
        self.default_locale = default_locale
        self._known: dict[int, UserLanguages] = {}  # what the database holds for each person seen

    async def _languages(self, user_id: int) -> UserLanguages:
        if user_id not in self._known:
            self._known[user_id] = await self.users.languages(user_id)
        return self._known[user_id]

    def forget(self, user_ids: Iterable[int]) -> None:
        """Read these people's languages from the database again (another worker may have changed them)."""
        for user_id in user_ids:
            self._known.pop(user_id, None)

    async def saw_client_language(self, user_id: int, language_code: str | None) -> None:
        """Remember the language of the Telegram client an update came from (it counts until a choice, also
        after a restart). An update without a language says nothing; one in a language we lack means the
        default. Written only when it changed, so a person's updates cost no writes after the first."""
        if language_code is None:
            return
        locale = client_locale(language_code)
        known = await self._languages(user_id)
        if known.client != locale:
            await self.users.set_client_locale(user_id, locale)
            self._known[user_id] = replace(known, client=locale)

    async def locale(self, user_id: int | None) -> str:
        if user_id is None:
            return self.default_locale
        known = await self._languages(user_id)
        return known.chosen or known.client or self.default_locale

    async def set_locale(self, user_id: int, locale: str) -> None:
        if locale not in LOCALES:
            raise ValueError(locale)
        await self.users.set_locale(user_id, locale)
        self._known[user_id] = replace(await self._languages(user_id), chosen=locale)
