"""The life of a case after submission: which triage action may move it from which status to which.

    received --claim--> claimed --register--> registered --forward--> forwarded --done--> done
        |                  |  \\--forward-----------------------------^          ^
        |                  |   \\--done---------------------------------------/
        +--reject/duplicate+--> rejected / duplicate

"ask" (relay a question to the reporter) keeps the status. Anything else is refused with an explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("received", "claimed", "registered", "forwarded", "rejected", "duplicate", "done")
OPEN_STATUSES = ("received", "claimed", "registered", "forwarded")

# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "claim": (("received",), "claimed"),
    "ask": (("received", "claimed", "registered", "forwarded"), None),
    "register": (("claimed",), "registered"),
    "forward": (("claimed", "registered"), "forwarded"),
    "reject": (("received", "claimed"), "rejected"),
    "duplicate": (("received", "claimed"), "duplicate"),
    "done": (("claimed", "registered", "forwarded"), "done"),
}

REJECT_REASONS = ("not_election", "insufficient", "out_of_area", "false_report", "expired")
FORWARD_TARGETS = ("gakkumdu", "dkpp", "kasn", "other")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action cannot be taken now: the action, the current status, and the statuses it needs."""

    action: str
    status: str
    allowed_from: tuple[str, ...]


def next_status(action: str, status: str) -> str | Refusal:
    """The status `action` leads to from `status`, or a Refusal explaining why it is not possible."""
    allowed_from, target = TRANSITIONS[action]
    if status not in allowed_from:
        return Refusal(action, status, allowed_from)
    return status if target is None else target
