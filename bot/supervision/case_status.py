"""The life of a case after submission: which triage action may move it from which status to which.

    received --claim--> claimed --register--> registered --forward--> forwarded --done--> done
        |                  |  \\--forward-----------------------------^          ^
        |                  |   \\--done---------------------------------------/
        +--reject/duplicate+--> rejected / duplicate

"ask" (relay a question to the reporter) keeps the status. Anything else is refused with an explanation.
The enums are StrEnums: their values are what the database stores and the locale keys name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CaseStatus(StrEnum):
    """A report's status (`reports.status`)."""

    RECEIVED = "received"
    CLAIMED = "claimed"
    REGISTERED = "registered"
    FORWARDED = "forwarded"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    DONE = "done"


class CaseAction(StrEnum):
    """A triage action on a case (`report_events.action`, and the `triage.<action>` label)."""

    CLAIM = "claim"
    ASK = "ask"
    REGISTER = "register"
    FORWARD = "forward"
    REJECT = "reject"
    DUPLICATE = "duplicate"
    DONE = "done"


class ForwardTarget(StrEnum):
    """Where a case can be forwarded (`reports.forwarded_to`)."""

    GAKKUMDU = "gakkumdu"
    DKPP = "dkpp"
    BKN = "kasn"  # BKN, for ASN neutrality (KASN stopped in August 2024; its duties passed to BKN). The stored
    # value stays "kasn": buttons already sent and cases already forwarded carry it.
    OTHER = "other"
    # Online content (bot/supervision/cyber.py): offered only for its cases.
    PLATFORM = "platform"  # the platform's own reporting channel (takedown of the post or the account)
    KOMDIGI = "komdigi"  # Kementerian Komunikasi dan Digital, or the provincial communications office (takedown)
    SIBER_POLRI = "siber"  # the police's cyber crime unit (Direktorat Tindak Pidana Siber, Ditsiber Polda)


# The body a category of violation points to, suggested on its card (the category keys of
# bot/reporting/categories.py): ASN neutrality to BKN, organisers' ethics to DKPP, election crimes (money politics,
# intimidation and violence: UU 7/2017 Pasal 523, 531) to Sentra Gakkumdu.
SUGGESTED_TARGET: dict[str, ForwardTarget] = {
    "neutrality_asn": ForwardTarget.BKN,
    "organiser_ethics": ForwardTarget.DKPP,
    "money_politics": ForwardTarget.GAKKUMDU,
    "intimidation": ForwardTarget.GAKKUMDU,
}


class RejectReason(StrEnum):
    """Why a case can be rejected (the note of its `reject` event)."""

    NOT_ELECTION = "not_election"
    INSUFFICIENT = "insufficient"
    OUT_OF_AREA = "out_of_area"
    FALSE_REPORT = "false_report"
    EXPIRED = "expired"


STATUSES = tuple(CaseStatus)
OPEN_STATUSES = (CaseStatus.RECEIVED, CaseStatus.CLAIMED, CaseStatus.REGISTERED, CaseStatus.FORWARDED)

# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[CaseAction, tuple[tuple[CaseStatus, ...], CaseStatus | None]] = {
    CaseAction.CLAIM: ((CaseStatus.RECEIVED,), CaseStatus.CLAIMED),
    CaseAction.ASK: (OPEN_STATUSES, None),
    CaseAction.REGISTER: ((CaseStatus.CLAIMED,), CaseStatus.REGISTERED),
    CaseAction.FORWARD: ((CaseStatus.CLAIMED, CaseStatus.REGISTERED), CaseStatus.FORWARDED),
    CaseAction.REJECT: ((CaseStatus.RECEIVED, CaseStatus.CLAIMED), CaseStatus.REJECTED),
    CaseAction.DUPLICATE: ((CaseStatus.RECEIVED, CaseStatus.CLAIMED), CaseStatus.DUPLICATE),
    CaseAction.DONE: ((CaseStatus.CLAIMED, CaseStatus.REGISTERED, CaseStatus.FORWARDED), CaseStatus.DONE),
}

REJECT_REASONS = tuple(RejectReason)
FORWARD_TARGETS = tuple(ForwardTarget)


@dataclass(frozen=True, slots=True)
class StatusRefusal:
    """Why an action cannot be taken now: the action, the current status, and the statuses it needs."""

    action: CaseAction
    status: CaseStatus
    allowed_from: tuple[CaseStatus, ...]


def next_status(action: str, status: str) -> CaseStatus | StatusRefusal:
    """The status `action` leads to from `status`, or a StatusRefusal explaining why it is not possible."""
    allowed_from, target = TRANSITIONS[CaseAction(action)]
    current = CaseStatus(status)
    if current not in allowed_from:
        return StatusRefusal(CaseAction(action), current, allowed_from)
    return current if target is None else target
