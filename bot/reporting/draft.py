"""The shape of a report in progress: its steps, their order, and the answers collected so far."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.reporting.categories import is_online


class Step(StrEnum):
    """Conversation states of the report conversation (persisted by value: never rename one)."""

    CATEGORY = "category"
    CHRONOLOGY = "chronology"
    WHEN = "when"
    KNOWN = "known"  # when the reporter learned of it (the reporting window counts from then)
    TSM = "tsm"  # known too long ago: is it a structured, systematic and massive violation? (where the law has a rule)
    LINKS = "links"  # online content (bot/reporting/categories.py ONLINE_CATEGORIES): the links, or a forwarded post
    ACCOUNT = "account"  # online content: the account or channel that posted it (not asked of a forwarded post's)
    WHERE = "where"
    WHERE_CONFIRM = "where_confirm"
    PLACE = "place"
    PARTY = "party"
    EVIDENCE = "evidence"
    WITNESSES = "witnesses"
    IDENTITY = "identity"
    ID_NAME = "id_name"
    ID_ADDRESS = "id_address"
    ID_PHONE = "id_phone"
    STANDING = "standing"  # voter, observer, election participant or someone else: who may file a laporan
    REVIEW = "review"


TOTAL_STEPS = 9
STEP_NUMBER: dict[Step, int] = {
    Step.CATEGORY: 1,
    Step.CHRONOLOGY: 2,
    Step.WHEN: 3,
    Step.KNOWN: 3,
    Step.TSM: 3,
    Step.LINKS: 4,
    Step.ACCOUNT: 4,
    Step.WHERE: 4,
    Step.WHERE_CONFIRM: 4,
    Step.PLACE: 4,
    Step.PARTY: 5,
    Step.EVIDENCE: 6,
    Step.WITNESSES: 7,
    Step.IDENTITY: 8,
    Step.ID_NAME: 8,
    Step.ID_ADDRESS: 8,
    Step.ID_PHONE: 8,
    Step.STANDING: 8,
    Step.REVIEW: 9,
}

# The step a field of the review starts at when the reporter chooses to edit it.
EDIT_ENTRY: dict[str, Step] = {
    "category": Step.CATEGORY,
    "chronology": Step.CHRONOLOGY,
    "when": Step.WHEN,
    "where": Step.WHERE,
    "links": Step.LINKS,
    "party": Step.PARTY,
    "evidence": Step.EVIDENCE,
    "witnesses": Step.WITNESSES,
    "identity": Step.IDENTITY,
}

_ORDER = [
    Step.CATEGORY,
    Step.CHRONOLOGY,
    Step.WHEN,
    Step.KNOWN,
    Step.LINKS,
    Step.ACCOUNT,
    Step.WHERE,
    Step.PLACE,
    Step.PARTY,
    Step.EVIDENCE,
    Step.WITNESSES,
    Step.IDENTITY,
    Step.REVIEW,
]
# Steps after which a field being edited from the review is complete.
_GROUP_ENDS = {Step.CATEGORY, Step.CHRONOLOGY, Step.KNOWN, Step.TSM, Step.ACCOUNT, Step.PLACE, Step.PARTY, Step.EVIDENCE,
               Step.WITNESSES}


class Answers(BaseModel):
    """Everything the reporter has answered. Stored as JSON in the draft."""

    model_config = ConfigDict(extra="ignore")

    category: str | None = None
    chronology: str | None = None
    incident: str | None = None  # IncidentTime.isoformat(), local to the region
    # "today"/"yesterday" pressed before the region was known: the moment of the press (UTC), so that the
    # date can be taken again in the region's own time zone once the region is chosen.
    incident_button: Literal["today", "yesterday"] | None = None
    incident_pressed_at: str | None = None
    region_code: str | None = None
    location_source: Literal["gps", "venue", "picker"] | None = None
    latitude: float | None = None
    longitude: float | None = None
    suggested_region: str | None = None  # kecamatan matched from GPS, awaiting confirmation
    location_keyboard: bool | None = None  # the reply keyboard that sends a location is on the reporter's screen
    place: str | None = None
    party: str | None = None
    witnesses: str | None = None
    anonymous: bool | None = None
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    phone_source: Literal["contact", "typed"] | None = None
    # Which message answered each free-text field (field -> Telegram message_id), so that editing that
    # message later corrects the field instead of answering the current step.
    answered_by: dict[str, int] = Field(default_factory=dict)
    # The "received N files" message of the current visit to the evidence step, edited as files arrive.
    status_message_id: int | None = None
    status_message_at: str | None = None  # when it was sent (UTC, ISO)
    # When the reporter learned of it (a local date, ISO): the reporting window counts from then. None: on the
    # incident's date (the question's default).
    known: str | None = None
    known_pressed_at: str | None = None  # "today" pressed before the region was known (UTC): taken again in its zone
    tsm: bool | None = None  # a structured, systematic and massive violation (asked only where the law has a rule)
    # Online content: its links as bot/reporting/links.py found them ({"original", "normalized", "platform"}), and a
    # forwarded Telegram post's origin as Telegram gave it ({"chat", "username", "message_id", "date"}). None: not
    # asked (not online content); []: asked, none given.
    links: list[dict[str, str]] | None = None
    forwarded_from: dict[str, Any] | None = None
    online: bool | None = None  # the reporter said it happened online (a category not online by itself): links asked
    account: str | None = None  # the account or channel that posted it, as the reporter named it
    standing: Literal["voter", "observer", "participant", "other"] | None = None  # bot/legal/kinds.py Standing
    token: str | None = None  # names the draft in its review's buttons (8 hex digits, drawn at the start)
    # A draft another feature started with answers (bot/reporting/prefill.py): the fields it gave, whose steps
    # the conversation skips on its first way through, and what it came from (a redelivered start is not redone).
    prefilled: list[str] | None = None
    prefilled_from: str | None = None

    def forget_sources(self, *fields: str) -> dict[str, int]:
        """`answered_by` without `fields` (answers that no longer come from a message)."""
        return {k: v for k, v in self.answered_by.items() if k not in fields}


# The answer each step gives, for a prefilled draft's skips.
_FIELD_OF: dict[Step, str] = {
    Step.CHRONOLOGY: "chronology", Step.WHEN: "incident", Step.KNOWN: "incident", Step.WHERE: "region_code",
    Step.PLACE: "place",
}


def online_content(answers: Answers) -> bool:
    """Online content: a category about social media and the internet, or the reporter said it happened online."""
    return is_online(answers.category or "") or bool(answers.online)


def next_step(current: Step, answers: Answers, *, editing: bool, ask_tsm: bool = False) -> Step:
    """The step after `current` has been answered; in a prefilled draft, the steps it was given are skipped (a
    given incident time is also when it became known). `ask_tsm`: the violation became known too long ago for
    the reporting window, and the law lets a TSM violation be reported later, so the TSM question follows."""
    step = _next_step(current, answers, editing=editing, ask_tsm=ask_tsm)
    while not editing and answers.prefilled and _FIELD_OF.get(step) in answers.prefilled:
        step = _next_step(step, answers, editing=editing, ask_tsm=ask_tsm)
    return step


def _next_step(current: Step, answers: Answers, *, editing: bool, ask_tsm: bool) -> Step:
    step = _after(current, answers, editing=editing, ask_tsm=ask_tsm)
    if step is Step.LINKS and not online_content(answers):
        return Step.WHERE
    if step is Step.ACCOUNT and origin_named(answers):  # Telegram said whose post it is
        return Step.REVIEW if editing else Step.WHERE
    return step


def origin_named(answers: Answers) -> bool:
    """A forwarded post whose origin Telegram named (a channel, a group, a person): its account is known."""
    return bool((answers.forwarded_from or {}).get("chat"))


def _after(current: Step, answers: Answers, *, editing: bool, ask_tsm: bool) -> Step:
    if current is Step.KNOWN and ask_tsm:
        return Step.TSM
    if current is Step.TSM:
        return Step.REVIEW if editing else Step.LINKS
    if current is Step.WHERE_CONFIRM or current is Step.WHERE:
        return Step.PLACE
    if current is Step.IDENTITY:
        return Step.REVIEW if answers.anonymous else Step.ID_NAME
    if current is Step.ID_NAME:
        return Step.ID_ADDRESS
    if current is Step.ID_ADDRESS:
        return Step.ID_PHONE
    if current is Step.ID_PHONE:
        return Step.STANDING
    if current is Step.STANDING:
        return Step.REVIEW
    if editing and current in _GROUP_ENDS:
        return Step.REVIEW
    return _ORDER[_ORDER.index(current) + 1]
