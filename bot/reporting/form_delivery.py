"""The reporter's pre-filled report form: asked for with the 📄 button, queued in the outbox, rendered when sent.

Pressing the button (`FormService.request`) only queues an outbox row of Pantau's own method `pantau.form`, once
per press (its dedup key is the press's update: a re-delivered update queues nothing new). The row carries the
case code and the language, never the answers: `FormSender.send` reads the report, its evidence and the
reporter's identity from the database when the row is sent, so the form shows the report as it is then (an
identity erased meanwhile gives blank lines), renders the PDF (bot/reporting/form_document.py) and uploads it to
the reporter's private chat. Reading the identity for the form is logged in identity_access_log like an
operator's lookup (accessor "reporter", purpose "form"). The composition root (bot/app.py) registers the method.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.delivery.policy import DeliveryPolicy
from bot.kernel.refusal import Refusal
from bot.legal.kinds import Standing
from bot.legal.rules import LegalRules
from bot.regions.directory import RegionDirectory
from bot.reporting.form_document import EvidenceLine, FontFiles, FormContent, render_form
from bot.reporting.incident_time import IncidentTime
from locales import t
from storage.delivery.outbox import REPLY, OutboxItem, OutboxMessage, OutboxRepository
from storage.report_records import ReportRecord
from storage.reporting.reports import EvidenceFile, Identity, ReportRepository

log = logging.getLogger(__name__)

METHOD_FORM = "pantau.form"  # payload {"case_code", "locale"}
ACCESSOR, PURPOSE = "reporter", "form"  # how the form's read of the identity is logged


class DocumentPoster(Protocol):
    """The Bot API call the form's sender makes (bot/delivery/bot_calls.py BotCalls; no telegram here)."""

    async def send_document(
        self, chat_id: int, document: bytes, filename: str, caption: str, reply_markup: dict[str, Any] | None = None
    ) -> int:
        """Upload a document with a caption; the message's id."""
        ...


class FormService:
    """Who may have a report's form, and queuing it."""

    def __init__(self, reports: ReportRepository, outbox: OutboxRepository) -> None:
        self.reports = reports
        self.outbox = outbox

    async def request(self, user_id: int, case_code: str, update_id: int, locale: str, *, private: bool) -> bool:
        """Queue the form of the reporter's own report `case_code` for their private chat; True if this press
        queued it (False: the same update was handled before). Anyone else's code, or a press outside a private
        chat, is refused as an unknown code is (Refusal "status.unknown")."""
        report = await self.reports.by_code(case_code)
        if report is None or report.reporter_user_id != user_id or not private:
            raise Refusal("status.unknown")
        return await self.outbox.add(OutboxMessage(
            dedup_key=f"report-form:{report.id}:{update_id}",
            chat_id=report.reporter_chat_id,  # the reporter's private chat, wherever the button was pressed
            method=METHOD_FORM,
            payload={"case_code": report.case_code, "locale": locale},
            report_id=report.id,
            priority=REPLY,  # the answer to the reporter's press
        ))


def _local(stamp: str, zone: ZoneInfo) -> datetime:
    """A stored UTC time in the region's zone."""
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(zone)


def form_content(
    report: ReportRecord, evidence: list[EvidenceFile], identity: Identity | None, regions: RegionDirectory,
    rules: LegalRules,
) -> FormContent:
    """What the form shows of a report, as stored."""
    received = _local(report.submitted_at, ZoneInfo(report.timezone))
    incident = IncidentTime.from_iso(report.incident_local)
    region = regions.get(report.region_code)
    parent = regions.get(region.parent_code) if region is not None and region.parent_code else None
    try:
        standing = Standing(report.reporter_standing) if report.reporter_standing else None
    except ValueError:
        standing = None
    gps = None
    if report.latitude is not None and report.longitude is not None:
        gps = (report.latitude, report.longitude)
    return FormContent(
        case_code=report.case_code,
        regulation=rules.profile.regulation,
        received=received,
        zone=regions.tz_label(report.region_code),
        category=report.category,
        chronology=report.chronology,
        incident=incident,
        known=date.fromisoformat(report.known_local) if report.known_local else incident.date,
        region_path=region.path if region is not None else report.region_code,
        place=report.place_description,
        gps=gps,
        party=report.reported_party,
        witnesses=report.witnesses,
        anonymous=report.anonymous,
        identity=identity,
        standing=standing,
        evidence=tuple(EvidenceLine(e.kind, e.file_name, e.size, e.sha256, e.stored) for e in evidence),
        bring_by=rules.bring_by(received.date(), date.fromisoformat(report.known_local) if report.known_local
                                else incident.date, tsm=report.tsm).day,
        kecamatan=region.name if region is not None else report.region_code,
        kabupaten=parent.name if parent is not None else "",
        election=rules.kind,
        informasi_awal=report.kind != "laporan" or report.identity_erased,  # as /status says (privacy/report_kind)
    )


class FormSender:
    """The outbox's sender of `pantau.form` rows."""

    def __init__(
        self, reports: ReportRepository, regions: RegionDirectory, rules: LegalRules, poster: DocumentPoster,
        font: FontFiles | None,
    ) -> None:
        """`font`: the Unicode font to draw in (form_document.unicode_font()); None: the core Helvetica."""
        self.reports = reports
        self.regions = regions
        self.rules = rules
        self.poster = poster
        self.font = font

    async def send(self, item: OutboxItem) -> int | None:
        """Render the form from the database now and upload it (nothing if the report is gone)."""
        report = await self.reports.by_code(str(item.payload["case_code"]))
        if report is None:
            log.info("form of %s not sent: the report is gone", item.payload["case_code"])
            return None
        locale = str(item.payload.get("locale") or report.locale)
        evidence = await self.reports.evidence_files(report.id)
        identity = None
        if not report.anonymous:  # an anonymous report has no identity to read (nor to log)
            identity = await self.reports.identity(report.id, accessor=ACCESSOR, purpose=PURPOSE)
        content = form_content(report, evidence, identity, self.regions, self.rules)
        pdf = await asyncio.to_thread(render_form, content, locale, self.font)  # ~0.1 s of CPU: off the event loop
        return await self.poster.send_document(
            item.chat_id, pdf, t(locale, "form.file_name", code=report.case_code),
            t(locale, "form.caption", code=report.case_code),
        )


def register(policy: DeliveryPolicy, sender: FormSender) -> None:
    """Add the form's method to the outbox's policy (one upload: one message)."""
    policy.add_method(METHOD_FORM, sender.send)
