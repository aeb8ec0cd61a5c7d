"""Typed, versioned callback data: every inline button's data is built and parsed here, and only here.

Wire format: ``<version>|<action>|<argument>``, at most 64 bytes (Telegram's limit). Data that does not
parse (an old version, a forged or truncated payload, an argument of the wrong shape) yields None and the
press is answered as "no longer valid".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.reporting.categories import CATEGORIES
from bot.supervision.case_status import FORWARD_TARGETS, REJECT_REASONS

VERSION = "1"
MAX_BYTES = 64


class Action(StrEnum):
    START_REPORT = "new"  # /start menu: make a report
    MY_REPORTS = "mine"  # /start menu: my reports
    HELP = "help"
    LANGUAGE = "lang"  # arg: locale
    RESUME_DRAFT = "resume"
    DISCARD_DRAFT = "fresh"
    CATEGORY = "cat"  # arg: category key
    WHEN = "when"  # arg: today | yesterday
    REGION = "reg"  # arg: region code chosen in the picker
    REGION_UP = "up"  # arg: code whose parent level to show again ("" = top)
    REGION_PAGE = "page"  # arg: "<parent code or ->:<page>"
    GPS_CONFIRM = "gps"  # arg: yes | no
    SKIP = "skip"  # arg: the step being skipped
    EVIDENCE_DONE = "evd"
    IDENTITY = "idt"  # arg: anon | named
    EDIT = "edit"  # arg: field to edit from the review
    SUBMIT = "send"
    CANCEL = "cancel"
    STATUS = "st"  # arg: case code
    TRIAGE = "tri"  # arg: "<verb>:<detail>:<report id>" on a supervisors' alert card


# ASCII digits only, matched against the whole argument (fullmatch: no trailing newline slips through).
_REGION = re.compile(r"[0-9]{2}(\.[0-9]{2}){0,2}")
_CASE = re.compile(r"[0-9A-Z-]{6,16}")
_PAGE = re.compile(r"(-|[0-9]{2}(\.[0-9]{2})?):[0-9]{1,3}")


class TriageVerb(StrEnum):
    """What a button under a supervisors' card (or a digest) does."""

    CLAIM = "claim"
    ASK = "ask"
    REGISTER = "register"
    FORWARD = "forward"  # opens the choice of targets
    FORWARD_TO = "fwd"  # detail: the target
    REJECT = "reject"  # opens the choice of reasons
    REJECT_WHY = "rej"  # detail: the reason; asks for confirmation
    REJECT_CONFIRM = "rejok"  # detail: the reason; rejects
    DUPLICATE = "duplicate"
    DONE = "done"
    BACK = "back"  # the card's own buttons again
    OPEN = "open"  # a digest's 📂: post the case's card


TRIAGE_VERBS = tuple(verb.value for verb in TriageVerb)
_TRIAGE = re.compile(r"([a-z]+):([a-z_]*):([0-9]{1,12})")


def _triage_arg(arg: str) -> bool:
    match = _TRIAGE.fullmatch(arg)
    if match is None or match.group(1) not in TRIAGE_VERBS:
        return False
    verb, detail = TriageVerb(match.group(1)), match.group(2)
    if verb is TriageVerb.FORWARD_TO:
        return detail in FORWARD_TARGETS
    if verb in (TriageVerb.REJECT_WHY, TriageVerb.REJECT_CONFIRM):
        return detail in REJECT_REASONS
    return detail == ""


def triage_parts(arg: str) -> tuple[TriageVerb, str, int]:
    """(verb, detail, report id) of a TRIAGE argument that `parse` accepted."""
    verb, detail, report_id = arg.split(":")
    return TriageVerb(verb), detail, int(report_id)


_ARGS: dict[Action, Callable[[str], bool]] = {
    Action.START_REPORT: lambda a: a == "",
    Action.MY_REPORTS: lambda a: a == "",
    Action.HELP: lambda a: a == "",
    Action.LANGUAGE: lambda a: a in ("id", "en"),
    Action.RESUME_DRAFT: lambda a: a == "",
    Action.DISCARD_DRAFT: lambda a: a == "",
    Action.CATEGORY: lambda a: a in CATEGORIES,
    Action.WHEN: lambda a: a in ("today", "yesterday"),
    Action.REGION: lambda a: bool(_REGION.fullmatch(a)),
    Action.REGION_UP: lambda a: a == "" or bool(_REGION.fullmatch(a)),
    Action.REGION_PAGE: lambda a: bool(_PAGE.fullmatch(a)),
    Action.GPS_CONFIRM: lambda a: a in ("yes", "no"),
    Action.SKIP: lambda a: a in ("place", "party", "evidence", "witnesses", "phone"),
    Action.EVIDENCE_DONE: lambda a: a == "",
    Action.IDENTITY: lambda a: a in ("anon", "named"),
    Action.EDIT: lambda a: a in ("category", "chronology", "when", "where", "party", "evidence", "witnesses", "identity"),
    Action.SUBMIT: lambda a: a == "",
    Action.CANCEL: lambda a: a == "",
    Action.STATUS: lambda a: bool(_CASE.fullmatch(a)),
    Action.TRIAGE: _triage_arg,
}


@dataclass(frozen=True, slots=True)
class Callback:
    action: Action
    arg: str = ""

    def encode(self) -> str:
        data = f"{VERSION}|{self.action.value}|{self.arg}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


def encode(action: Action, arg: str = "") -> str:
    return Callback(action, arg).encode()


def parse(data: object) -> Callback | None:
    """The callback a button carries, or None for anything that is not ours and well-formed."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split("|")
    if len(parts) != 3 or parts[0] != VERSION:
        return None
    try:
        action = Action(parts[1])
    except ValueError:
        return None
    if not _ARGS[action](parts[2]):
        return None
    return Callback(action, parts[2])


def matches(*actions: Action) -> Callable[[object], bool]:
    """A `pattern=` for CallbackQueryHandler: accepts valid data whose action is one of `actions`."""

    def check(data: object) -> bool:
        parsed = parse(data)
        return parsed is not None and parsed.action in actions

    return check
