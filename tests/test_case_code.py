from __future__ import annotations

import itertools
import re

import pytest

from bot.kernel import case_code
from bot.kernel.case_code import new_case_code, normalize_case_code

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_RE = re.compile(r"PTU-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})")


def _body(code: str) -> str:
    m = CODE_RE.fullmatch(code)
    assert m is not None, code
    return m[1] + m[2]


def _decode(body: str) -> int:
    value = 0
    for ch in body:
        value = value * 32 + CROCKFORD.index(ch)
    return value


@pytest.fixture(scope="module")
def many_codes() -> list[str]:
    return [new_case_code() for _ in range(10_000)]


def test_alphabet_is_crockford_without_ilou() -> None:
    assert case_code.ALPHABET == CROCKFORD
    assert len(set(case_code.ALPHABET)) == 32
    assert not set("ILOU") & set(case_code.ALPHABET)


def test_format(many_codes: list[str]) -> None:
    for code in many_codes[:1000]:
        assert CODE_RE.fullmatch(code), code
        assert len(code) == 13


def test_ten_thousand_codes_distinct(many_codes: list[str]) -> None:
    assert len(set(many_codes)) == len(many_codes)
    bodies = [_body(c) for c in many_codes]
    assert len(set(bodies)) == len(bodies)


def test_every_symbol_used_in_every_position(many_codes: list[str]) -> None:
    # With 10,000 uniform codes, a symbol missing from a position has probability ~e^-300.
    bodies = [_body(c) for c in many_codes]
    for pos in range(8):
        assert {b[pos] for b in bodies} == set(CROCKFORD), pos


def test_not_sequential(many_codes: list[str]) -> None:
    values = [_decode(_body(c)) for c in many_codes]
    steps = {b - a for a, b in itertools.pairwise(values)}
    assert len(steps) > 9_000
    assert 1 not in steps


def test_uses_40_bits_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    value = _decode("7KQ2M9XD")

    def fake_randbits(k: int) -> int:
        calls.append(k)
        return value

    monkeypatch.setattr(case_code.secrets, "randbits", fake_randbits)
    assert new_case_code() == "PTU-7KQ2-M9XD"
    assert calls == [40]


@pytest.mark.parametrize(
    ("value", "code"),
    [(0, "PTU-0000-0000"), (1, "PTU-0000-0001"), (32, "PTU-0000-0010"), (2**40 - 1, "PTU-ZZZZ-ZZZZ")],
)
def test_encoding_extremes(monkeypatch: pytest.MonkeyPatch, value: int, code: str) -> None:
    monkeypatch.setattr(case_code.secrets, "randbits", lambda k: value)
    assert new_case_code() == code


def test_generated_codes_are_already_normal(many_codes: list[str]) -> None:
    for code in many_codes[:1000]:
        assert normalize_case_code(code) == code
        assert normalize_case_code(code.lower()) == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PTU-7KQ2-M9XD", "PTU-7KQ2-M9XD"),
        ("ptu 7kq2m9xd", "PTU-7KQ2-M9XD"),
        ("7KQ2-M9XD", "PTU-7KQ2-M9XD"),
        ("7kq2m9xd", "PTU-7KQ2-M9XD"),
        ("7kq2 m9xd", "PTU-7KQ2-M9XD"),
        ("PTU7KQ2M9XD", "PTU-7KQ2-M9XD"),
        ("  pTu-7kq2-m9xd \n", "PTU-7KQ2-M9XD"),
        ("ptu.7kq2.m9xd", "PTU-7KQ2-M9XD"),
        ("PTU_7KQ2_M9XD", "PTU-7KQ2-M9XD"),
        ("#PTU-7KQ2-M9XD", "PTU-7KQ2-M9XD"),
        ("P T U - 7 K Q 2 - M 9 X D", "PTU-7KQ2-M9XD"),
        ("PTU-7KQ2-M9XO", "PTU-7KQ2-M9X0"),  # O -> 0
        ("PTU-7KQ2-M9Xo", "PTU-7KQ2-M9X0"),
        ("PTU-OOOO-0000", "PTU-0000-0000"),
        ("PTU-7KQ2-MIXL", "PTU-7KQ2-M1X1"),  # I, L -> 1
        ("ptu-7kq2-mixl", "PTU-7KQ2-M1X1"),
        ("ptu-ilil-oooo", "PTU-1111-0000"),
        ("ZZZZ-ZZZZ", "PTU-ZZZZ-ZZZZ"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize_case_code(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "PTU",
        "PTU-",
        "PTU-7KQ2-M9X",  # 7 symbols
        "PTU-7KQ2-M9XDD",  # 9 symbols
        "7KQ2M9X",
        "7KQ2M9XDA",
        "PTU-7KQ2-M9XU",  # U is never valid
        "UUUUUUUU",
        "ABC-7KQ2-M9XD",  # wrong prefix
        "PTX-7KQ2-M9XD",
        "PTU-7KQ2-M9X!",
        "PTU-7KQ2-M9XÉ",
        "PTU-7KQ2-M9X٣",  # non-ASCII digit
        "hello world",
        "12345678901",
        "PTU-PTU-7KQ2-M9XD",
        "PTU-7KQ2-M9XD-0",
        "kode saya PTU-7KQ2-M9XD",
    ],
)
def test_rejects_garbage(text: str) -> None:
    assert normalize_case_code(text) is None
