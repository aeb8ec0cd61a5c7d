"""Which language each person reads: their own choice (/bahasa), remembered in the database, or else
their Telegram client's language when it is one of ours, or else the deployment's default."""

from __future__ import annotations

from locales import LOCALES
from storage.users import UserRepository


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
        self._chosen: dict[int, str | None] = {}  # the stored choice, None: never chose
        self._client: dict[int, str] = {}  # the language of the client each person last wrote from

    def saw_client_language(self, user_id: int, language_code: str | None) -> None:
        """Remember the language of the Telegram client an update came from (it counts until a choice).
        An update without a language says nothing; one in a language we lack means the default."""
        if language_code is None:
            return
        locale = client_locale(language_code)
        if locale is None:
            self._client.pop(user_id, None)
        else:
            self._client[user_id] = locale

    async def locale(self, user_id: int | None) -> str:
        if user_id is None:
            return self.default_locale
        if user_id not in self._chosen:
            self._chosen[user_id] = await self.users.get_locale(user_id)
        return self._chosen[user_id] or self._client.get(user_id) or self.default_locale

    async def set_locale(self, user_id: int, locale: str) -> None:
        if locale not in LOCALES:
            raise ValueError(locale)
        await self.users.set_locale(user_id, locale)
        self._chosen[user_id] = locale
