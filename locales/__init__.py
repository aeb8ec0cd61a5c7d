"""Every word a person sees, by key, in one TOML file per language (`id.toml` first, `en.toml` second).

Keys are dotted paths into the file (`step.chronology.prompt`); placeholders are `{name}` fields for
str.format. tests/test_locales.py keeps keys and placeholders identical across languages.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LOCALES: tuple[str, ...] = ("id", "en")
DEFAULT_LOCALE = "id"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(path, value, out)
        else:
            out[path] = str(value)


@cache
def catalog(locale: str) -> dict[str, str]:
    """All strings of one language, flattened to dotted keys."""
    if locale not in LOCALES:
        raise KeyError(locale)
    raw = tomllib.loads(resources.files("locales").joinpath(f"{locale}.toml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    _flatten("", raw, out)
    return out


def t(locale: str, key: str, **params: object) -> str:
    """The string for `key` in `locale` with `params` filled in. An unknown key raises KeyError."""
    text = catalog(locale if locale in LOCALES else DEFAULT_LOCALE)[key]
    return text.format(**params) if params else text


def has(locale: str, key: str) -> bool:
    return key in catalog(locale if locale in LOCALES else DEFAULT_LOCALE)
