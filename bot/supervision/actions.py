"""Supervision's buttons: the triage buttons under a supervisors' alert card (and a digest's 📂), registered
with the kernel's callback codec (bot/kernel/callbacks.py). The values are the wire names and must not change.

A triage button's argument is ``<verb>:<detail>:<report id>``, e.g. ``claim::42`` or ``rej:not_election:42``:
the verb must be known, and the detail a known forward target (``fwd``), a known reject reason (``rej``,
``rejok``) or empty.

The one-tap ♻️ under a card that names a possible duplicate (bot/supervision/duplicates.py) is its own action,
``DUPLICATE_OF``: its argument is ``<report id>:<original's report id>``, e.g. ``43:42``, two different ids.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.kernel.callbacks import Action, encode, register
from bot.supervision.case_status import FORWARD_TARGETS, REJECT_REASONS


class SupervisionAction(Action):
    TRIAGE = "tri"  # arg: "<verb>:<detail>:<report id>" on a supervisors' alert card
    DUPLICATE_OF = "dupof"  # arg: "<report id>:<original's report id>": ♻️ of a possible duplicate, in one tap


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
    FLAG = "flag"  # in Tolak's menu: flag the reporter as abusive, for the operator to decide (bot/abuse/)


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


_DUPLICATE_OF = re.compile(r"([0-9]{1,12}):([0-9]{1,12})")


def _duplicate_of_arg(arg: str) -> bool:
    match = _DUPLICATE_OF.fullmatch(arg)
    return match is not None and int(match.group(1)) != int(match.group(2))


def duplicate_of_data(report_id: int, original_id: int) -> str:
    """The data of the one-tap ♻️: mark report `report_id` a duplicate of report `original_id`."""
    return encode(SupervisionAction.DUPLICATE_OF, f"{report_id}:{original_id}")


def duplicate_of_parts(arg: str) -> tuple[int, int]:
    """(report id, original's report id) of a DUPLICATE_OF argument that `parse` accepted."""
    report_id, original_id = arg.split(":")
    return int(report_id), int(original_id)


def triage_parts(arg: str) -> tuple[TriageVerb, str, int]:
    """(verb, detail, report id) of a TRIAGE argument that `parse` accepted."""
    verb, detail, report_id = arg.split(":")
    return TriageVerb(verb), detail, int(report_id)


register(SupervisionAction, {SupervisionAction.TRIAGE: _triage_arg, SupervisionAction.DUPLICATE_OF: _duplicate_of_arg})
