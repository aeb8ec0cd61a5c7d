"""Case codes that reporters can type back to check on a report.

A code looks like ``PTU-7KQ2-M9XD``: the fixed prefix ``PTU-`` followed by 8 symbols of
Crockford base32 (digits and letters without I, L, O, U), grouped 4-4. The 8 symbols carry
40 bits from :mod:`secrets`, so codes are neither sequential nor derivable from one another.

40 bits make collisions rare but not impossible (roughly even odds of at least one clash
among a million issued codes), so storage should enforce uniqueness and simply draw again.
"""

from __future__ import annotations

import re
import secrets

__all__ = ["ALPHABET", "BODY_LENGTH", "PREFIX", "new_case_code", "normalize_case_code"]

#: Crockford base32: 0-9 and A-Z without I, L, O, U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "PTU"
BODY_LENGTH = 8
_BITS = 5 * BODY_LENGTH  # 40

# Typing confusions Crockford decoding forgives: O looks like 0, I and L look like 1.
_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
_ALPHABET_SET = frozenset(ALPHABET)


def _encode(value: int) -> str:
    chars = []
    for _ in range(BODY_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def _format(body: str) -> str:
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def new_case_code() -> str:
    """A fresh random case code such as ``"PTU-7KQ2-M9XD"`` (40 random bits)."""
    return _format(_encode(secrets.randbits(_BITS)))


def normalize_case_code(text: str) -> str | None:
    """Canonical ``PTU-XXXX-XXXX`` form of a typed code, or None if it is not a code's shape.

    Case-insensitive; spaces, hyphens, dots and underscores anywhere are ignored; the ``PTU``
    prefix (and a leading ``#``) is optional; O is read as 0 and I/L as 1. U is never valid
    in the body, so a body can never be mistaken for the prefix.
    """
    compact = _SEPARATORS.sub("", text.strip().upper()).removeprefix("#")
    if len(compact) == len(PREFIX) + BODY_LENGTH and compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != BODY_LENGTH:
        return None
    body = compact.translate(_CONFUSIONS)
    if not set(body) <= _ALPHABET_SET:
        return None
    return _format(body)
