"""Every language has the same keys with the same placeholders, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.reporting.assessment import REQUIREMENTS
from bot.reporting.categories import CATEGORIES
from bot.supervision.case_status import FORWARD_TARGETS, REJECT_REASONS, STATUSES, TRANSITIONS
from locales import DEFAULT_LOCALE, LOCALES, catalog, t

ROOT = Path(__file__).resolve().parents[1]
# t(locale, "key") and t(locale, 'key') with a literal key, and InputError("key").
_LITERAL = re.compile(r"""\bt\(\s*[\w.()]+\s*,\s*(?:"([a-z_.]+)"|'([a-z_.]+)')""")
_ERROR = re.compile(r"""InputError\(\s*"([a-z_.]+)"|"(invalid\.[a-z_]+)\"""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


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
    keys |= {f"invalid.when_{code}" for code in ("unparseable", "future", "too_old")}
    keys |= {f"submitted.kind_{kind}" for kind in ("laporan", "informasi_awal")}
    keys |= {f"commands.{c}" for c in ("lapor", "status", "laporansaya", "bahasa", "bantuan", "batal")}
    keys |= {f"status.{status}" for status in STATUSES}
    keys |= {f"card.header_{kind}" for kind in ("alert", "reminder", "escalation", "gakkumdu")}
    keys |= {f"card.kind_{kind}" for kind in ("laporan", "informasi_awal")} | {"card.identified"}
    keys |= {f"card.req_{r}" for r in REQUIREMENTS}
    keys |= {f"event.{action}" for action in ("ask", "answer", "remind", "escalate")}
    keys |= {f"forward.{target}" for target in FORWARD_TARGETS} | {f"reject.{reason}" for reason in REJECT_REASONS}
    keys |= {f"group.code_{outcome}" for outcome in ("unknown", "used", "expired")}
    keys |= {f"group.level_{level}" for level in ("kecamatan", "kabupaten", "provinsi")}
    keys |= {f"group.registered_{role}" for role in ("supervisors", "gakkumdu")}
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
    different = {k: (placeholders(base[k]), placeholders(other[k])) for k in base if k in other
                 and placeholders(base[k]) != placeholders(other[k])}
    assert different == {}


def test_every_key_used_in_code_exists() -> None:
    keys = used_keys()
    assert len(keys) > 100  # the scan found the code's keys
    assert sorted(keys - set(catalog(DEFAULT_LOCALE))) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_strings_render_with_their_placeholders(locale: str) -> None:
    for key, text in catalog(locale).items():
        values = dict.fromkeys(placeholders(text), "x")
        assert t(locale, key, **values) if values else text, key


@pytest.mark.parametrize("locale", LOCALES)
def test_html_is_balanced(locale: str) -> None:
    """Messages go out as Telegram HTML: a stray < or an unclosed tag would make Telegram refuse them."""
    for key, text in catalog(locale).items():
        tags = re.findall(r"</?([a-z]+)>", text)
        assert set(tags) <= {"b", "i", "code"}, key
        for tag in set(tags):
            assert text.count(f"<{tag}>") == text.count(f"</{tag}>"), key
        assert "<" not in re.sub(r"</?(b|i|code)>", "", text), key


def test_button_labels_fit_telegram() -> None:
    for locale in LOCALES:
        for key, text in catalog(locale).items():
            if key.startswith("button.") or key.endswith(".name"):
                assert len(text) <= 64, key
