"""The one user-facing refusal: a request that cannot be fulfilled, said in the person's language.

A service raises `Refusal(key, **params)`; the handler that called it answers `t(locale, exc.key,
**exc.params)`. It carries no Telegram and no text, only the locale key and its placeholders.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A request that cannot be fulfilled; `key` names the locale string that explains why, `params` fill it."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
