"""How long a reporter's identity is kept, and which cases keep it when the reporter asks for its erasure (pure
rules: no Telegram, no SQL).

A report's identity (name, address and phone, `reporter_identities`) is kept IDENTITY_RETENTION_DAYS after the
report was submitted, as the consent says, then erased. A case in *legal process* keeps it longer, because the
law needs the reporter there (the laporan's formal requirement, a summons as a witness by Sentra Gakkumdu, DKPP
or BKN):

- registered as a laporan, or forwarded (to Sentra Gakkumdu, DKPP, BKN or another body), and not closed yet:
  kept while the case is open, then the retention again from the day it is closed;
- closed (done) after it was registered or forwarded: kept until the day it was closed plus the retention.

Any other case (received, claimed, rejected, a duplicate, or done without ever being registered or forwarded)
keeps the identity until its submission plus the retention, and gives it up at once on /hapusdata. A claimed case
is in its initial review (kajian awal), before registration: erasing the identity then makes it informasi awal,
and the reporter is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.supervision.case_status import CaseStatus

# Open and in legal process: the identity stays while the case is open.
LEGAL_OPEN = frozenset({CaseStatus.REGISTERED, CaseStatus.FORWARDED})
CLOSED = frozenset({CaseStatus.REJECTED, CaseStatus.DUPLICATE, CaseStatus.DONE})


class HoldReason(StrEnum):
    """Why a case keeps its identity (the `privacy.hold.<reason>` text)."""

    REGISTERED = "registered"  # registered as a laporan, open
    FORWARDED = "forwarded"  # forwarded to another body, open
    CLOSED = "closed"  # closed after it was registered or forwarded, within the retention since


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the rules need to know of one report."""

    report_id: int
    case_code: str
    status: str  # a CaseStatus value
    submitted_at: datetime
    closed_at: datetime | None  # when it reached a closed status (its last status change), else None
    legal: bool  # it was registered as a laporan or forwarded, at some point
    forwarded_to: str | None = None  # a ForwardTarget value

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED

    @property
    def in_legal_process(self) -> bool:
        return self.status in LEGAL_OPEN or self.legal


@dataclass(frozen=True, slots=True)
class Hold:
    """A case whose identity the law keeps although its reporter asked for erasure."""

    case_code: str
    reason: HoldReason
    until: datetime  # closed: the day it is erased; open: the earliest it can be (the case closing today)
    open: bool  # still open: kept while open, then the retention from the day it closes
    forwarded_to: str | None = None


def kept_until(facts: CaseFacts, days: int) -> datetime | None:
    """When the identity is due for erasure: the submission plus the retention, or for a case closed after legal
    process the day it was closed plus the retention. None while the case is registered or forwarded and open."""
    if facts.status in LEGAL_OPEN:
        return None
    start = facts.submitted_at
    if facts.legal and facts.closed_at is not None:
        start = max(start, facts.closed_at)
    return start + timedelta(days=days)


def due_for_erasure(facts: CaseFacts, now: datetime, days: int) -> bool:
    """Whether housekeeping erases the identity now."""
    until = kept_until(facts, days)
    return until is not None and until <= now


def hold(facts: CaseFacts, now: datetime, days: int) -> Hold | None:
    """On /hapusdata: the hold the law puts on this case's identity, or None (it is erased at once)."""
    if facts.status in LEGAL_OPEN:
        reason = HoldReason.FORWARDED if facts.status == CaseStatus.FORWARDED else HoldReason.REGISTERED
        return Hold(facts.case_code, reason, now + timedelta(days=days), True, facts.forwarded_to)
    if facts.legal and facts.closed_at is not None:
        until = facts.closed_at + timedelta(days=days)
        if until > now:
            return Hold(facts.case_code, HoldReason.CLOSED, until, False, facts.forwarded_to)
    return None


def years(days: int) -> float:
    """The retention in years, for the consent texts (730 days: 2), to one decimal."""
    return round(days / 365, 1)
