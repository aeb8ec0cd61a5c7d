"""What a report is handled as, told to its reporter on /status, once its identity may have been erased (pure rules:
no Telegram, no SQL). A laporan needs the reporter's name and address (the assessment at submission,
bot/reporting/assessment.py): an identified report whose identity was erased since (/hapusdata, or past
IDENTITY_RETENTION_DAYS) is handled as informasi awal from then on, whatever it was assessed as; a case already
closed (done, rejected, a duplicate) was dealt with as what it was, and says so."""

from __future__ import annotations

from bot.supervision.case_status import OPEN_STATUSES
from storage.report_records import ReportRecord


def kind_key(report: ReportRecord) -> str:
    """The locale key of the /status line saying what the report is handled as."""
    if report.kind == "laporan" and report.identity_erased:
        if report.status not in OPEN_STATUSES:  # erased after it was closed (past retention, or at their request)
            return "privacy.status.identity_erased_closed"
        return "privacy.status.identity_erased"
    return f"submitted.kind_{report.kind}"
