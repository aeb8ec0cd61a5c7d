"""Every word a person sees, by key, in per-feature TOML files per language (`id/` first, `en/` second).

Each language is a folder, `locales/<lang>/`, with the same files in every language: one per feature
(`reporting.toml`, `supervision.toml`, `people.toml`) and `common.toml` for sections several features
use. All files of a language are merged; a key defined in two files is an error at load time.

Keys are dotted paths into the files (`step.chronology.prompt`); placeholders are `{name}` fields for
str.format. A key whose value is a table of CLDR plural categories (`one`, `other`, ...) is a plural:
t() picks the form for its `count` parameter by the language's plural rule. tests/test_locales.py keeps
keys, plural forms and placeholders identical across languages.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

LOCALES: tuple[str, ...] = ("id", "en")
DEFAULT_LOCALE = "id"

PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
# The CLDR cardinal rule of each language, for the whole numbers the bot counts (files, cases,
# statements). Babel is not a dependency, and these two rules are one line each:
# https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html
PLURAL_RULES: dict[str, Callable[[int], str]] = {
    "id": lambda n: "other",  # Indonesian does not inflect for number: "1 berkas", "3 berkas"
    "en": lambda n: "one" if n == 1 else "other",
}

Entry = str | Mapping[str, str]
"""A catalog value: a string, or for a plural key its forms by CLDR category."""


def is_plural(value: object) -> bool:
    """A table whose keys are all CLDR plural categories, `other` among them."""
    return isinstance(value, Mapping) and "other" in value and set(value) <= PLURAL_CATEGORIES


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, Entry], source: str,
             seen: dict[str, str]) -> None:
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and not is_plural(value):
            _flatten(path, value, out, source, seen)
            continue
        if path in seen:
            raise ValueError(f"locale key {path!r} is defined in both {seen[path]} and {source}")
        seen[path] = source
        out[path] = {form: str(text) for form, text in value.items()} if is_plural(value) else str(value)


def merge(files: Iterable[tuple[str, str]]) -> dict[str, Entry]:
    """The flattened catalog of (file name, TOML text) pairs; a key in two files raises ValueError."""
    out: dict[str, Entry] = {}
    seen: dict[str, str] = {}
    for name, text in files:
        _flatten("", tomllib.loads(text), out, name, seen)
    return out


def files(locale: str) -> dict[str, str]:
    """The TOML text of each file of one language, by file name, sorted."""
    folder = resources.files("locales").joinpath(locale)
    found = sorted((entry.name, entry) for entry in folder.iterdir() if entry.name.endswith(".toml"))
    return {name: entry.read_text(encoding="utf-8") for name, entry in found}


@cache
def catalog(locale: str) -> dict[str, Entry]:
    """All strings of one language, from all its files, flattened to dotted keys."""
    if locale not in LOCALES:
        raise KeyError(locale)
    return merge(files(locale).items())


def plural_form(locale: str, count: int) -> str:
    """The CLDR category of `count` in `locale` (`one`, `other`, ...)."""
    return PLURAL_RULES[locale](count)


def t(locale: str, key: str, **params: object) -> str:
    """The string for `key` in `locale` with `params` filled in. An unknown key raises KeyError.

    A plural key needs `count=` (an int), which picks its form."""
    code = locale if locale in LOCALES else DEFAULT_LOCALE
    entry = catalog(code)[key]
    if isinstance(entry, str):
        text = entry
    else:
        count = params.get("count")
        if not isinstance(count, int):
            raise TypeError(f"locale key {key!r} is a plural: pass count= as an int")
        text = entry.get(plural_form(code, count), entry["other"])
    return text.format(**params) if params else text


def has(locale: str, key: str) -> bool:
    return key in catalog(locale if locale in LOCALES else DEFAULT_LOCALE)
