"""Cases as supervisors see them, their evidence, routing, triage transitions and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue
from storage.report_records import ReportRecord, report_columns, report_record

# A report as supervisors may see it: everything but the reporter's identity (the one projection of a report row).
CaseRow = ReportRecord


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    kind: str
    telegram_file_id: str


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One evidence file as the group's copy of it is made: its stored bytes' hash, and what its EXIF said."""

    kind: str
    telegram_file_id: str
    stored: str  # stored | too_big | failed
    sha256: str | None
    mime_type: str | None
    exif_taken_at: str | None
    exif_latitude: float | None
    exif_longitude: float | None
    file_name: str | None = None  # the name the sender's app gave (a video sent by file id would carry it)


@dataclass(frozen=True, slots=True)
class EventRow:
    action: str
    actor_name: str | None
    from_status: str | None
    to_status: str | None
    note: str | None
    at: str


@dataclass(frozen=True, slots=True)
class EarlierReport:
    """An earlier report that may be the same as a new one (bot/supervision/duplicates.py): the case it is part of
    (itself, or the case it joined), and one of its pictures' perceptual hash when the match is by photo."""

    report_id: int
    case_id: int
    phash: str | None = None


class TransitionConflict(Exception):
    """The report's status changed meanwhile (another supervisor acted first)."""


_CASE_COLUMNS = report_columns("reports")
_case = report_record


class CaseStore:
    """Cases, routes and transitions, with their audit rows and notices."""

    db: Database

    # ---- cases --------------------------------------------------------------------------------

    async def case(self, report_id: int) -> CaseRow | None:
        row = await self.db.fetchone(f"SELECT {_CASE_COLUMNS} FROM reports WHERE id = ?", (report_id,))
        return _case(row) if row else None

    async def case_by_code(self, case_code: str) -> CaseRow | None:
        row = await self.db.fetchone(f"SELECT {_CASE_COLUMNS} FROM reports WHERE case_code = ?", (case_code,))
        return _case(row) if row else None

    async def evidence(self, report_id: int) -> list[EvidenceRef]:
        rows = await self.db.fetchall(
            "SELECT kind, telegram_file_id FROM evidence WHERE report_id = ? ORDER BY id", (report_id,)
        )
        return [EvidenceRef(r["kind"], r["telegram_file_id"]) for r in rows]

    async def evidence_files(self, report_id: int) -> list[EvidenceFile]:
        rows = await self.db.fetchall(
            "SELECT kind, telegram_file_id, stored, sha256, mime_type, exif_taken_at, exif_latitude, exif_longitude,"
            " file_name FROM evidence WHERE report_id = ? ORDER BY id", (report_id,)
        )
        return [EvidenceFile(**dict(r)) for r in rows]

    async def links(self, report_id: int) -> list[tuple[str, str, str | None]]:
        """Online content's links of a report, in order: (as given, platform, the page's title if it was read)."""
        rows = await self.db.fetchall(
            "SELECT original, platform, title FROM report_links WHERE report_id = ? ORDER BY position", (report_id,))
        return [(str(r["original"]), str(r["platform"]), r["title"]) for r in rows]

    async def same_content(self, report_id: int, limit: int = 10) -> tuple[int, list[str]]:
        """Other cases of the same online content (a link alike once normalised), not joined to this one (closed
        before it was reported, say): how many, and the case codes of the first `limit`, oldest first."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT r.id, r.case_code FROM report_links mine"
            " JOIN report_links other ON other.normalized = mine.normalized AND other.report_id <> mine.report_id"
            " JOIN reports r ON r.id = other.report_id WHERE mine.report_id = ?"
            " AND r.joined_to IS NULL ORDER BY r.id", (report_id,))
        return len(rows), [str(r["case_code"]) for r in rows[:limit]]

    async def open_case_sharing(self, normalized: Sequence[str]) -> CaseRow | None:
        """The oldest open case (not itself joined to another) with one of these links, once normalised."""
        if not normalized:
            return None
        marks = ", ".join("?" for _ in normalized)
        row = await self.db.fetchone(
            f"SELECT {report_columns('r')} FROM reports r WHERE r.joined_to IS NULL"
            " AND r.status IN ('received', 'claimed', 'registered', 'forwarded')"
            f" AND r.id IN (SELECT l.report_id FROM report_links l WHERE l.normalized IN ({marks}))"
            " ORDER BY r.id LIMIT 1", tuple(normalized))
        return _case(row) if row else None

    # ---- possible duplicates (bot/supervision/duplicates.py) -----------------------------------

    async def photo_hashes(self, report_id: int) -> list[str]:
        """The perceptual hashes of a report's evidence pictures (those that have one), in the order they were sent."""
        rows = await self.db.fetchall(
            "SELECT phash FROM evidence WHERE report_id = ? AND phash IS NOT NULL ORDER BY id", (report_id,))
        return [str(r["phash"]) for r in rows]

    async def earlier_alike(self, report_id: int, region_code: str, category: str, since: str,
                            limit: int = 20) -> list[EarlierReport]:
        """Reports before `report_id` of the same kecamatan and category, submitted since `since` (UTC ISO), not
        rejected, newest first."""
        rows = await self.db.fetchall(
            "SELECT id, COALESCE(joined_to, id) AS case_id FROM reports WHERE region_code = ? AND category = ?"
            " AND submitted_at >= ? AND id < ? AND status <> 'rejected' ORDER BY id DESC LIMIT ?",
            (region_code, category, since, report_id, limit))
        return [EarlierReport(int(r["id"]), int(r["case_id"])) for r in rows]

    async def earlier_photos(self, report_id: int, region_prefix: str, since: str,
                             limit: int = 5000) -> list[EarlierReport]:
        """The evidence pictures with a perceptual hash of the reports before `report_id` in a region (a code prefix:
        its kecamatan), submitted since `since` (UTC ISO), not rejected, newest report first."""
        rows = await self.db.fetchall(
            "SELECT r.id, COALESCE(r.joined_to, r.id) AS case_id, e.phash FROM evidence e"
            " JOIN reports r ON r.id = e.report_id WHERE e.phash IS NOT NULL"
            # A range, not LIKE, so that the index on (region_code, submitted_at) is used: "/" follows "." in ASCII.
            " AND r.region_code >= ? AND r.region_code < ?"
            " AND r.submitted_at >= ? AND r.id < ? AND r.status <> 'rejected' ORDER BY r.id DESC, e.id LIMIT ?",
            (f"{region_prefix}.", f"{region_prefix}/", since, report_id, limit))
        return [EarlierReport(int(r["id"]), int(r["case_id"]), str(r["phash"])) for r in rows]

    async def joined(self, report_id: int) -> list[CaseRow]:
        """The reports that joined this case (the same online content, reported later), oldest first."""
        rows = await self.db.fetchall(
            f"SELECT {report_columns('r')} FROM reports r WHERE r.joined_to = ? ORDER BY r.id", (report_id,))
        return [_case(r) for r in rows]

    async def takedown_facts(self, report_id: int) -> tuple[list[tuple[str, str, str]], str | None, list[str]]:
        """A report's links (as given, normalised, platform), its forwarded post's origin (JSON) and the SHA-256 of
        the evidence files the bot holds, for a takedown request."""
        # The reports that joined the case are part of it: their links and their screenshots too.
        links = await self.db.fetchall(
            "SELECT l.original, l.normalized, l.platform FROM report_links l JOIN reports r ON r.id = l.report_id"
            " WHERE r.id = ? OR r.joined_to = ? ORDER BY r.id, l.position", (report_id, report_id))
        origin = await self.db.fetchone("SELECT forwarded_from FROM reports WHERE id = ?", (report_id,))
        hashes = await self.db.fetchall(
            "SELECT e.sha256 FROM evidence e JOIN reports r ON r.id = e.report_id WHERE (r.id = ? OR r.joined_to = ?)"
            " AND e.sha256 IS NOT NULL ORDER BY e.id", (report_id, report_id))
        distinct: dict[str, tuple[str, str, str]] = {}  # the first form of each link
        for r in links:
            distinct.setdefault(str(r["normalized"]), (str(r["original"]), str(r["normalized"]), str(r["platform"])))
        return (list(distinct.values()),
                None if origin is None or origin["forwarded_from"] is None else str(origin["forwarded_from"]),
                [str(r["sha256"]) for r in hashes])

    async def evidence_count(self, report_id: int) -> int:
        """Files received as evidence (not those recorded but too big for the bot to download)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM evidence WHERE report_id = ? AND stored != 'too_big'", (report_id,)
        )
        return int(row["n"]) if row else 0

    async def open_cases(self, region_prefix: str | None, limit: int = 30, *, forwarded_to: str | None = None,
                         online_only: bool = False) -> list[CaseRow]:
        """Cases not closed, oldest first, in a region (None: everywhere), optionally only those forwarded, or only
        online content."""
        where = "status IN ('received', 'claimed', 'registered', 'forwarded') AND joined_to IS NULL"  # joined: one card
        params: list[Any] = []
        if forwarded_to is not None:
            where += " AND forwarded_to = ?"
            params.append(forwarded_to)
        if online_only:
            where += " AND online = 1"
        if region_prefix:
            where += " AND (region_code = ? OR region_code LIKE ?)"
            params += [region_prefix, f"{region_prefix}.%"]
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM reports WHERE {where} ORDER BY submitted_at, id LIMIT ?", (*params, limit)
        )
        return [_case(r) for r in rows]

    async def set_route(self, report_id: int, level: str, region: str | None, alerts: list[OutboxMessage]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE reports SET route_level = ?, route_region = ? WHERE id = ?", (level, region, report_id)
            )
            for alert in alerts:
                await enqueue(conn, alert)

    async def transition(
        self,
        report_id: int,
        *,
        action: str,
        from_status: str,
        to_status: str,
        actor_id: int | None,
        actor_name: str | None,
        chat_id: int | None,
        note: str | None = None,
        changes: dict[str, Any] | None = None,
        notices: list[OutboxMessage] | None = None,
    ) -> None:
        """Change a report's status if it is still `from_status`, log the event and queue the notices,
        in one transaction. Raises TransitionConflict if somebody else changed it first."""
        now = iso(utcnow())
        columns = {"status": to_status, "last_actor_name": actor_name, **(changes or {})}
        if to_status != from_status:
            columns["status_changed_at"] = now
        assignments = ", ".join(f"{name} = ?" for name in columns)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE reports SET {assignments} WHERE id = ? AND status = ?",
                (*columns.values(), report_id, from_status),
            )
            if cur.rowcount != 1:
                raise TransitionConflict(report_id)
            await conn.execute(
                "INSERT INTO report_events (report_id, action, actor_id, actor_name, chat_id, from_status, to_status,"
                " note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (report_id, action, actor_id, actor_name, chat_id, from_status, to_status, note, now),
            )
            # The reports that joined the case follow it: the same status, and the same event in their history.
            await conn.execute(
                "INSERT INTO report_events (report_id, action, actor_id, actor_name, chat_id, from_status, to_status,"
                " note, at) SELECT id, ?, ?, ?, ?, status, ?, ?, ? FROM reports WHERE joined_to = ?",
                (action, actor_id, actor_name, chat_id, to_status, note, now, report_id),
            )
            mirrored = {name: value for name, value in columns.items()
                        if name in ("status", "status_changed_at", "last_actor_name", "forwarded_to", "duplicate_of")}
            await conn.execute(
                f"UPDATE reports SET {', '.join(f'{name} = ?' for name in mirrored)} WHERE joined_to = ?",
                (*mirrored.values(), report_id),
            )
            for notice in notices or []:
                await enqueue(conn, notice)

    async def events(self, report_id: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            "SELECT action, actor_name, from_status, to_status, note, at FROM report_events"
            " WHERE report_id = ? ORDER BY id",
            (report_id,),
        )
        return [EventRow(**dict(r)) for r in rows]
