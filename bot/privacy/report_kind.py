"""What a report is handled as, told to its reporter on /status, once its identity may have been erased (pure rules:
no Telegram, no SQL). A laporan needs the reporter's name and address (the assessment at submission,
bot/reporting/assessment.py): an identified report whose identity was erased since (/hapusdata, or past
IDENTITY_RETENTION_DAYS) is handled as informasi awal from then on, whatever it was assessed as."""

from __future__ import annotations

from storage.report_records import ReportRecord


def kind_key(report: ReportRecord) -> str:
    """The locale key of the /status line saying what the report is handled as."""
    if report.kind == "laporan" and report.identity_erased:
        return "privacy.status.identity_erased"
    return f"submitted.kind_{report.kind}"
