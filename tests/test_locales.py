"""Every language has the same files, keys and placeholders, and every key the code uses exists.

A plural key (a table of CLDR forms) counts as one key; each form has the same placeholders.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.people.menus import MENUS
from bot.reporting.assessment import REQUIREMENTS
from bot.reporting.categories import CATEGORIES
from bot.reporting.links import Platform
from bot.supervision.case_status import FORWARD_TARGETS, REJECT_REASONS, STATUSES, TRANSITIONS
from locales import DEFAULT_LOCALE, LOCALES, PLURAL_RULES, Entry, catalog, files, merge, t

ROOT = Path(__file__).resolve().parents[1]
# t(locale, "key") and t(locale, 'key') with a literal key, and Refusal("key").
_LITERAL = re.compile(r"""\bt\(\s*[\w.()]+\s*,\s*(?:"([a-z_.]+)"|'([a-z_.]+)')""")
_ERROR = re.compile(r"""Refusal\(\s*"([a-z_.]+)"|"(invalid\.[a-z_]+)\"""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def forms(entry: Entry) -> dict[str, str]:
    """The texts of a catalog entry by plural form; a plain string is its only form, `other`."""
    return {"other": entry} if isinstance(entry, str) else dict(entry)


def entry_placeholders(entry: Entry) -> set[str]:
    return set().union(*(placeholders(text) for text in forms(entry).values()))


def texts(locale: str) -> list[tuple[str, str]]:
    """Every text of a language, each plural form on its own."""
    return [(key, text) for key, entry in catalog(locale).items() for text in forms(entry).values()]


def rule_forms(locale: str) -> set[str]:
    """The plural forms the language's rule can choose."""
    return {PLURAL_RULES[locale](n) for n in range(1000)}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        source = path.read_text(encoding="utf-8")
        for match in _LITERAL.finditer(source):
            keys.add(match.group(1) or match.group(2))
        for match in _ERROR.finditer(source):
            keys.add(match.group(1) or match.group(2))
    # Keys built from a variable part: every value the variable can take.
    keys |= {f"category.{c}.{part}" for c in CATEGORIES for part in ("name", "description")}
    keys |= {f"missing.{r}" for r in REQUIREMENTS}
    keys |= {f"platform.{p}" for p in Platform}
    keys |= {f"invalid.when_{code}" for code in ("unparseable", "future", "too_old")}
    keys |= {f"submitted.kind_{kind}" for kind in ("laporan", "informasi_awal")}
    keys |= {f"commands.{key}" for _, menu in MENUS for key, _ in menu}
    keys |= {f"status.{status}" for status in STATUSES}
    keys |= {f"card.header_{kind}" for kind in ("alert", "reminder", "escalation", "gakkumdu")}
    keys |= {f"card.kind_{kind}" for kind in ("laporan", "informasi_awal")} | {"card.identified"}
    keys |= {f"card.req_{r}" for r in REQUIREMENTS}
    keys |= {f"event.{action}" for action in ("ask", "answer", "remind", "escalate")}
    keys |= {f"forward.{target}" for target in FORWARD_TARGETS} | {f"reject.{reason}" for reason in REJECT_REASONS}
    keys |= {f"group.code_{outcome}" for outcome in ("unknown", "used", "expired")}
    keys |= {f"group.level_{level}" for level in ("kecamatan", "kabupaten", "provinsi")}
    keys |= {f"group.registered_{role}" for role in ("supervisors", "gakkumdu", "cyber")}
    keys |= {f"triage.{verb}" for verb in TRANSITIONS}
    keys |= {f"triage.{kind}_{verb}" for kind in ("prompt", "placeholder") for verb in ("ask", "duplicate")}
    return keys


def test_default_locale_is_indonesian() -> None:
    assert DEFAULT_LOCALE == "id"
    assert LOCALES[0] == "id"


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != DEFAULT_LOCALE])
def test_same_keys_as_default(locale: str) -> None:
    assert set(catalog(locale)) == set(catalog(DEFAULT_LOCALE))


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != DEFAULT_LOCALE])
def test_same_placeholders_as_default(locale: str) -> None:
    base = catalog(DEFAULT_LOCALE)
    other = catalog(locale)
    different = {k: (entry_placeholders(base[k]), entry_placeholders(other[k])) for k in base if k in other
                 and entry_placeholders(base[k]) != entry_placeholders(other[k])}
    assert different == {}


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != DEFAULT_LOCALE])
def test_same_files_with_the_same_keys(locale: str) -> None:
    """Each feature's file exists in every language and holds the same keys there."""
    base, other = files(DEFAULT_LOCALE), files(locale)
    assert sorted(other) == sorted(base)
    assert len(base) > 1  # per-feature files, not one file per language
    for name in base:
        assert set(merge([(name, other[name])])) == set(merge([(name, base[name])])), name


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_keys_have_the_forms_of_their_language(locale: str) -> None:
    """A key is plural in every language or in none; it has exactly the forms the language's rule
    chooses (Indonesian only `other`), and all its forms have the same placeholders, `count` among them."""
    plural = {key for key, entry in catalog(DEFAULT_LOCALE).items() if not isinstance(entry, str)}
    assert plural  # the (s) strings are plurals
    for key, entry in catalog(locale).items():
        assert isinstance(entry, str) == (key not in plural), key
        if isinstance(entry, str):
            continue
        assert set(entry) == rule_forms(locale), key
        assert len({frozenset(placeholders(text)) for text in entry.values()}) == 1, key
        assert "count" in entry_placeholders(entry), key


def test_no_faked_plurals() -> None:
    """Counted words are plurals, not "file(s)"."""
    assert [(locale, key) for locale in LOCALES for key, text in texts(locale) if "(s)" in text] == []


def test_plural_form_follows_count() -> None:
    assert t("en", "evidence.received", count=1).startswith("📎 Evidence received: 1 file. ")
    assert t("en", "evidence.received", count=2).startswith("📎 Evidence received: 2 files. ")
    assert t("en", "evidence.received", count=0).startswith("📎 Evidence received: 0 files. ")
    assert t("en", "card.witness_count", count=1) == "1 statement"
    assert t("en", "cases.queue_title", count=1) == "<b>1 open case</b> (oldest first):"
    assert t("id", "review.files", count=1) == "1 berkas"
    assert t("id", "review.files", count=7) == "7 berkas"
    assert t("fr", "review.files", count=1) == "1 berkas"  # an unknown language falls back to Indonesian
    with pytest.raises(TypeError):
        t("en", "review.files")
    with pytest.raises(TypeError):
        t("en", "review.files", n=1)


def test_a_key_in_two_files_is_an_error() -> None:
    merged = merge([("a.toml", '[card]\ntitle = "A"\n'), ("b.toml", '[card]\nnone = "B"\n')])
    assert merged == {"card.title": "A", "card.none": "B"}  # one section may span files, its keys may not
    with pytest.raises(ValueError, match=r"card\.title.*a\.toml.*b\.toml"):
        merge([("a.toml", '[card]\ntitle = "A"\n'), ("b.toml", 'card.title = "B"\n')])
    with pytest.raises(ValueError, match="files"):
        merge([("a.toml", '[review]\nfiles.one = "1"\nfiles.other = "n"\n'), ("b.toml", '[review]\nfiles = "x"\n')])


def test_every_key_used_in_code_exists() -> None:
    keys = used_keys()
    assert len(keys) > 100  # the scan found the code's keys
    assert sorted(keys - set(catalog(DEFAULT_LOCALE))) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_strings_render_with_their_placeholders(locale: str) -> None:
    for key, entry in catalog(locale).items():
        values: dict[str, object] = dict.fromkeys(entry_placeholders(entry), "x")
        if isinstance(entry, str):
            assert t(locale, key, **values) if values else entry, key
            continue
        for count in (0, 1, 2, 5, 21):
            assert t(locale, key, **{**values, "count": count}), (key, count)


@pytest.mark.parametrize("locale", LOCALES)
def test_html_is_balanced(locale: str) -> None:
    """Messages go out as Telegram HTML: a stray < or an unclosed tag would make Telegram refuse them."""
    for key, text in texts(locale):
        tags = re.findall(r"</?([a-z]+)>", text)
        assert set(tags) <= {"b", "i", "code"}, key
        for tag in set(tags):
            assert text.count(f"<{tag}>") == text.count(f"</{tag}>"), key
        assert "<" not in re.sub(r"</?(b|i|code)>", "", text), key


def test_button_labels_fit_telegram() -> None:
    for locale in LOCALES:
        for key, text in texts(locale):
            if key.startswith("button.") or key.endswith(".name"):
                assert len(text) <= 64, key
