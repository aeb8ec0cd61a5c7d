"""Submitted reports, their evidence and (kept apart) the reporter's identity."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from storage.database import Database, Tx, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue
from storage.report_records import ReportRecord, export_row, report_columns, report_record


@dataclass(frozen=True, slots=True)
class NewReport:
    case_code: str
    reporter_user_id: int
    reporter_chat_id: int
    locale: str
    category: str
    chronology: str
    incident_local: str
    timezone: str
    region_code: str
    location_source: str
    latitude: float | None
    longitude: float | None
    place_description: str | None
    reported_party: str | None
    witnesses: str | None
    anonymous: bool
    kind: str
    missing: list[str] = field(default_factory=list)
    known_local: str | None = None
    reporter_standing: str | None = None
    tsm: bool = False
    # (original, normalized, platform, the page's title if an operator allowed reading it), in order
    links: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    forwarded_from: str | None = None  # JSON: a forwarded Telegram post's origin
    joined_to: int | None = None  # the open case (report id) of the same online content that this report joins
    online: bool = False  # online content (an online category, or it happened online): cyber groups see it
    online_account: str | None = None  # the account or channel that posted it (the reporter's words, or Telegram's)


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    address: str
    phone: str | None
    phone_source: str | None


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One evidence file of a report, as the reporter's form lists it (no Telegram file id)."""

    kind: str
    file_name: str | None
    size: int | None
    sha256: str | None  # None: the bot never had the bytes (too big to download, or the download failed)
    stored: str  # stored | too_big | failed
    mime_type: str | None = None  # as the reporter's app said
    created_at: str = ""  # when the bot received it (UTC)


class CaseCodeTaken(Exception):
    """The generated case code already exists; generate another."""


@dataclass(frozen=True, slots=True)
class SubmitResult:
    report_id: int
    case_code: str
    created: bool  # False: the draft had been submitted before (double tap, re-delivered update)


class Submission:
    """The inside of `ReportRepository.submission`: at most one `insert`, then the messages to queue."""

    def __init__(self, conn: Tx, earlier: SubmitResult | None) -> None:
        self._conn = conn
        self.earlier = earlier

    async def insert(
        self,
        report: NewReport,
        identity: Identity | None,
        *,
        update_id: int,
        draft_answers: dict[str, Any] | None = None,
        route: tuple[str, str | None] | None = None,
    ) -> SubmitResult:
        """Insert the report (raises CaseCodeTaken if its code exists) and its identity, move the draft's
        evidence to it, mark the draft submitted (its answers replaced by `draft_answers`, which leave the
        identity out: that lives only in reporter_identities), which ends the conversation, and store the route."""
        assert self.earlier is None, "the draft was submitted before"
        conn = self._conn
        now = iso(utcnow())
        try:
            cur = await conn.execute(
                "INSERT INTO reports (case_code, reporter_user_id, reporter_chat_id, locale, category, chronology,"
                " incident_local, timezone, region_code, location_source, latitude, longitude, place_description,"
                " reported_party, witnesses, anonymous, kind, missing, status, submitted_at, known_local, reporter_standing,"
                " tsm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?) RETURNING id",
                (
                    report.case_code,
                    report.reporter_user_id,
                    report.reporter_chat_id,
                    report.locale,
                    report.category,
                    report.chronology,
                    report.incident_local,
                    report.timezone,
                    report.region_code,
                    report.location_source,
                    report.latitude,
                    report.longitude,
                    report.place_description,
                    report.reported_party,
                    report.witnesses,
                    int(report.anonymous),
                    report.kind,
                    json.dumps(report.missing),
                    now,
                    report.known_local,
                    report.reporter_standing,
                    int(report.tsm),
                ),
            )
        except sqlite3.IntegrityError as exc:
            if "case_code" in str(exc):
                raise CaseCodeTaken(report.case_code) from exc
            raise
        report_id = cur.returned_id()
        if report.links:
            await conn.executemany(
                "INSERT INTO report_links (report_id, position, original, normalized, platform, title)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(report_id, n, *link) for n, link in enumerate(report.links)],
            )
        if report.forwarded_from is not None:
            await conn.execute("UPDATE reports SET forwarded_from = ? WHERE id = ?", (report.forwarded_from, report_id))
        if report.online:
            await conn.execute("UPDATE reports SET online = 1, online_account = ? WHERE id = ?",
                               (report.online_account, report_id))
        if report.joined_to is not None:  # one case: it takes the case's status, and follows it from now on
            await conn.execute(
                "UPDATE reports SET joined_to = ?, status = (SELECT p.status FROM reports p WHERE p.id = ?),"
                " forwarded_to = (SELECT p.forwarded_to FROM reports p WHERE p.id = ?) WHERE id = ?",
                (report.joined_to, report.joined_to, report.joined_to, report_id))
        if identity is not None:
            await conn.execute(
                "INSERT INTO reporter_identities (report_id, name, address, phone, phone_source)"
                " VALUES (?, ?, ?, ?, ?)",
                (report_id, identity.name, identity.address, identity.phone, identity.phone_source),
            )
        await conn.execute(
            "INSERT INTO evidence (report_id, kind, telegram_file_id, telegram_unique_id, sha256, size,"
            " mime_type, file_name, stored, created_at, exif_taken_at, exif_latitude, exif_longitude, phash)"
            " SELECT ?, kind, telegram_file_id, telegram_unique_id, sha256, size, mime_type, file_name, stored,"
            " created_at, exif_taken_at, exif_latitude, exif_longitude, phash FROM draft_evidence WHERE user_id = ?"
            " ORDER BY id",
            (report_id, report.reporter_user_id),
        )
        await conn.execute("DELETE FROM draft_evidence WHERE user_id = ?", (report.reporter_user_id,))
        await conn.execute(
            "UPDATE drafts SET status = 'submitted', report_id = ?, last_update_id = MAX(last_update_id, ?),"
            " updated_at = ?, answers = COALESCE(?, answers) WHERE user_id = ?",
            (
                report_id,
                update_id,
                now,
                None if draft_answers is None else json.dumps(draft_answers, ensure_ascii=False),
                report.reporter_user_id,
            ),
        )
        if route is not None:
            await conn.execute("UPDATE reports SET route_level = ?, route_region = ? WHERE id = ?", (*route, report_id))
        return SubmitResult(report_id, report.case_code, created=True)

    async def enqueue(self, messages: Iterable[OutboxMessage]) -> None:
        """Queue messages (the confirmation, the alerts) in the submission's transaction."""
        for message in messages:
            await enqueue(self._conn, message)


class ReportRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextlib.asynccontextmanager
    async def submission(self, user_id: int) -> AsyncIterator[Submission]:
        """One transaction for turning the reporter's active draft into a report, driven by the service:
        it reads `earlier` (the draft was submitted before), else calls `insert` and then `enqueue` with the
        messages the new report causes. Everything commits together, or nothing does. Raises LookupError
        when the reporter has no active draft."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT status, report_id FROM drafts WHERE user_id = ?", (user_id,)) as cur:
                draft = await cur.fetchone()
            if draft is not None and draft["status"] == "submitted" and draft["report_id"] is not None:
                async with conn.execute("SELECT case_code FROM reports WHERE id = ?", (draft["report_id"],)) as cur:
                    existing = await cur.fetchone()
                assert existing is not None
                yield Submission(conn, SubmitResult(draft["report_id"], existing["case_code"], created=False))
                return
            if draft is None or draft["status"] != "active":
                raise LookupError("no active draft to submit")
            yield Submission(conn, None)

    async def submitted_from_draft(self, user_id: int) -> SubmitResult | None:
        """The report a reporter's draft became, if it was submitted."""
        row = await self.db.fetchone(
            "SELECT r.id, r.case_code FROM drafts d JOIN reports r ON r.id = d.report_id"
            " WHERE d.user_id = ? AND d.status = 'submitted'",
            (user_id,),
        )
        return SubmitResult(row["id"], row["case_code"], created=False) if row else None

    async def for_reporter(self, user_id: int, limit: int = 10) -> list[ReportRecord]:
        rows = await self.db.fetchall(
            f"SELECT {report_columns()} FROM reports r WHERE r.reporter_user_id = ?"
            " ORDER BY r.submitted_at DESC, r.id DESC LIMIT ?",
            (user_id, limit),
        )
        return [report_record(r) for r in rows]

    async def submitted_since(self, user_id: int, since: str) -> tuple[int, str | None]:
        """How many reports the person submitted since `since` (UTC ISO), and when the first of them was."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n, MIN(submitted_at) AS first FROM reports WHERE reporter_user_id = ?"
            " AND submitted_at >= ?", (user_id, since))
        return (int(row["n"]), row["first"]) if row else (0, None)

    async def by_code(self, case_code: str) -> ReportRecord | None:
        row = await self.db.fetchone(f"SELECT {report_columns()} FROM reports r WHERE r.case_code = ?", (case_code,))
        return report_record(row) if row else None

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM reports")
        return int(row["n"]) if row else 0

    async def export_rows(self) -> list[dict[str, object]]:
        """Every report with its evidence count, for operators' exports (no identity columns)."""
        rows = await self.db.fetchall(
            f"SELECT {report_columns()}, (SELECT COUNT(*) FROM evidence e WHERE e.report_id = r.id) AS files"
            " FROM reports r ORDER BY r.submitted_at, r.id"
        )
        return [export_row(report_record(r), r["files"]) for r in rows]

    async def access_log(self, report_id: int) -> list[dict[str, object]]:
        rows = await self.db.fetchall(
            "SELECT accessor, purpose, at FROM identity_access_log WHERE report_id = ? ORDER BY id", (report_id,)
        )
        return [dict(r) for r in rows]

    async def evidence_files(self, report_id: int) -> list[EvidenceFile]:
        """A report's evidence files, in the order they were sent."""
        rows = await self.db.fetchall(
            "SELECT kind, file_name, size, sha256, stored, mime_type, created_at FROM evidence WHERE report_id = ?"
            " ORDER BY id", (report_id,)
        )
        return [EvidenceFile(**dict(r)) for r in rows]

    async def log_access(self, report_id: int, *, accessor: str, purpose: str) -> None:
        """Record a read of a report's personal data other than its identity (`python -m bot evidence`: the original
        evidence files) in the identity access log, before it is made."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO identity_access_log (report_id, accessor, purpose, at) VALUES (?, ?, ?, ?)",
                (report_id, accessor, purpose, iso(utcnow())),
            )

    async def identity(self, report_id: int, *, accessor: str, purpose: str) -> Identity | None:
        """The reporter's identity, for operators (and for the reporter's own form, accessor "reporter"); every
        access is logged first."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO identity_access_log (report_id, accessor, purpose, at) VALUES (?, ?, ?, ?)",
                (report_id, accessor, purpose, iso(utcnow())),
            )
            async with conn.execute(
                "SELECT name, address, phone, phone_source FROM reporter_identities WHERE report_id = ?",
                (report_id,),
            ) as cur:
                row = await cur.fetchone()
        return Identity(**dict(row)) if row else None
