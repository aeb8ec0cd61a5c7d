"""Who read a person's identity or evidence, as /datasaya shows it: a kind, never a name (pure rules: no Telegram, no
SQL).

`identity_access_log` (a report's identity or evidence) holds the accessor as written: the operator's name for
`python -m bot identity` (their login name, or --operator), "reporter" for the reporter's own form
(bot/reporting/form_delivery.py), "operator:<name>" for `python -m bot evidence` (bot/operators/tools.py); and the
purpose as written, the operator's own words for `identity`. Names and free text may name supervisors or other
people, so the reporter is shown only the kind. `volunteer_identity_log` (a volunteer's name and phone) holds who
looked (a supervisor's or a coordinator's Telegram id, never shown) and from where (`via`).
"""

from __future__ import annotations

from enum import StrEnum

OWN_FORM_ACCESSOR = "reporter"  # bot/reporting/form_delivery.py ACCESSOR: the reporter's own form (PDF)
EVIDENCE_EXPORT_PURPOSE = "evidence export"  # `python -m bot evidence`, whose accessor is "operator:<name>"


class AccessKind(StrEnum):
    """A read of a report's identity or evidence (`privacy.access.<kind>`)."""

    OPERATOR_IDENTITY = "operator_identity"  # an operator printed the name, address and phone
    OWN_FORM = "own_form"  # the reporter's own report form, which prints their identity
    OPERATOR_EVIDENCE = "operator_evidence"  # an operator copied the original evidence files


class ViewKind(StrEnum):
    """A look at a volunteer's name and phone (`privacy.view.<kind>`)."""

    SUPERVISORS_CARD = "supervisors_card"  # 🔎 Identitas on the registration card in a supervisors' group
    COORDINATOR_CARD = "coordinator_card"  # the card their organisation's coordinator got


def evidence_accessor(operator: str) -> str:
    """The accessor `python -m bot evidence` logs: the kind, then the operator's name."""
    return f"operator:{operator}"


def access_kind(accessor: str, purpose: str) -> AccessKind:
    """The kind of an `identity_access_log` row; any accessor not known here is an operator's look-up."""
    if accessor == OWN_FORM_ACCESSOR:
        return AccessKind.OWN_FORM
    if purpose == EVIDENCE_EXPORT_PURPOSE and accessor.startswith("operator:"):
        return AccessKind.OPERATOR_EVIDENCE
    return AccessKind.OPERATOR_IDENTITY


def view_kind(via: str) -> ViewKind:
    """The kind of a `volunteer_identity_log` row (`via`: card, coordinator_card)."""
    return ViewKind.COORDINATOR_CARD if via == "coordinator_card" else ViewKind.SUPERVISORS_CARD
