"""The volunteer registration's steps and answers, and the rules for each answer (pure: no Telegram, no SQL).

Steps in order: full name, kecamatan, desa/kelurahan (optional), organisation (skipped when a recruitment link
set it), organisation type (only for individuals: an organisation has its kind), phone, the declaration of
non-partisanship, the consent statement, the review. The current step is the first unanswered one, so an edit
from the review or a step back comes back to the review (or to what a changed answer made necessary again).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import Any

from bot.kernel.refusal import Refusal

# The consent statement the volunteer agreed to (stored with the registration; a new text gets a new version).
CONSENT_VERSION = "pdp-2026-12b"  # the text of registration.consent.prompt; change both together

NAME_MIN, NAME_MAX = 3, 100
SEARCH_MAX = 60
TEXT_MAX = 4000  # anything longer is not an answer to any step


class Step(StrEnum):
    NAME = "name"
    REGION = "region"
    VILLAGE = "village"
    ORGANISATION = "organisation"
    KIND = "kind"
    PHONE = "phone"
    DECLARATION = "declaration"
    CONSENT = "consent"
    REVIEW = "review"


ORDER: tuple[Step, ...] = tuple(Step)
# What the review's edit buttons open (the declaration and the consent are given again only by starting over).
EDITABLE: dict[str, Step] = {"name": Step.NAME, "region": Step.REGION, "organisation": Step.ORGANISATION,
                             "phone": Step.PHONE}


@dataclass(frozen=True, slots=True)
class Answers:
    full_name: str | None = None
    region_code: str | None = None  # the kecamatan
    region_source: str | None = None  # "gps", "picker" or "search"
    village_code: str | None = None  # the desa/kelurahan, if named
    village_done: bool = False  # named or skipped
    organisation_id: int | None = None
    organisation_name: str | None = None
    organisation_region: str | None = None
    organisation_kind: str | None = None
    organisation_done: bool = False  # an organisation or "individual" chosen
    preset: bool = False  # the organisation came with a recruitment link
    link_id: int | None = None
    phone: str | None = None
    phone_checked: bool = False
    nonpartisan_at: str | None = None
    consent_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answers:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_(self, **changes: Any) -> Answers:
        return replace(self, **changes)

    @property
    def home_code(self) -> str | None:
        """The region stored for the volunteer: the desa/kelurahan if named, else the kecamatan."""
        return self.village_code or self.region_code


def applies(step: Step, a: Answers) -> bool:
    """Whether the step is asked at all with these answers."""
    if step is Step.ORGANISATION:
        return not a.preset
    if step is Step.KIND:
        return not a.preset and a.organisation_done and a.organisation_id is None
    return True


def answered(step: Step, a: Answers) -> bool:
    return {
        Step.NAME: a.full_name is not None,
        Step.REGION: a.region_code is not None,
        Step.VILLAGE: a.village_done,
        Step.ORGANISATION: a.organisation_done,
        Step.KIND: a.organisation_kind is not None,
        Step.PHONE: a.phone is not None,
        Step.DECLARATION: a.nonpartisan_at is not None,
        Step.CONSENT: a.consent_at is not None,
        Step.REVIEW: False,
    }[step]


def next_step(a: Answers) -> Step:
    """The first step that applies and is not answered yet; the review when all are."""
    for step in ORDER:
        if applies(step, a) and not answered(step, a):
            return step
    return Step.REVIEW


def previous_step(a: Answers, step: Step) -> Step | None:
    """The step a back button leads to (None on the first step)."""
    before = [s for s in ORDER[: ORDER.index(step)] if applies(s, a)]
    return before[-1] if before else None


def numbered(a: Answers) -> list[Step]:
    """The steps as counted in "step k of n": the organisation type is part of the organisation's step."""
    return [s for s in ORDER if s is not Step.KIND and applies(s, a)]


def position(a: Answers, step: Step) -> tuple[int, int]:
    """(k, n) for "step k of n"."""
    steps = numbered(a)
    shown = Step.ORGANISATION if step is Step.KIND else step
    if shown not in steps:  # the organisation's step of a preset registration is never shown
        shown = Step.PHONE
    return steps.index(shown) + 1, len(steps)


# ---- answers ------------------------------------------------------------------------------------------------

_NAME_PUNCTUATION = set(" .'’-,")


def clean_name(text: str) -> str:
    """A full name as stored: spaces collapsed. Refused: too short or long, or not made of letters (at least
    two), spaces and . ' - , (a name is not only digits or symbols)."""
    if len(text) > TEXT_MAX:
        raise Refusal("registration.too_long", max=NAME_MAX)
    clean = " ".join(unicodedata.normalize("NFC", text).split())
    if len(clean) > NAME_MAX:
        raise Refusal("registration.too_long", max=NAME_MAX)
    letters = sum(1 for ch in clean if ch.isalpha())
    others = [ch for ch in clean if not ch.isalpha() and ch not in _NAME_PUNCTUATION
              and unicodedata.category(ch) not in ("Mn", "Mc")]
    if len(clean) < NAME_MIN or letters < 2 or others:
        raise Refusal("registration.name_invalid", min=NAME_MIN, max=NAME_MAX)
    return clean


def clean_search(text: str) -> str:
    clean = " ".join(text.split())
    if len(clean) > SEARCH_MAX:
        raise Refusal("registration.too_long", max=SEARCH_MAX)
    if len(clean) < 2:
        raise Refusal("registration.search_short")
    return clean


_PHONE_SEPARATORS = re.compile(r"[\s().\-]")
_NATIONAL = re.compile(r"[1-9][0-9]{7,11}")  # after +62: 8 to 12 digits, not starting with 0


def indonesian_phone(text: str) -> str:
    """A typed Indonesian phone number, normalised to +62…: "0812-3456-7890", "+62 812 3456 7890",
    "62812…" and "812…" are all "+6281234567890". Anything else is refused."""
    if len(text) > 40:
        raise Refusal("registration.phone_invalid")
    digits = _PHONE_SEPARATORS.sub("", text.strip())
    if digits.startswith("+62"):
        national = digits[3:]
    elif digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    if not _NATIONAL.fullmatch(national):
        raise Refusal("registration.phone_invalid")
    return "+62" + national


def contact_phone(number: str) -> str:
    """The number of a contact shared with Telegram's button (digits, maybe a "+"): +62… for an Indonesian
    number, else "+" and its digits (Telegram checked it is the person's own)."""
    digits = re.sub(r"[^0-9]", "", number)
    if not 6 <= len(digits) <= 15:
        raise Refusal("registration.phone_invalid")
    if digits.startswith("0"):
        return indonesian_phone(digits)
    return "+" + digits
