"""A volunteer's side of a task: every SQL statement about their answer (task_assignments) and their
report-backs (task_reports and task_report_evidence).

A report-back in progress is the volunteer's one `open` task_reports row (starting another replaces it); its
rows change one statement at a time, and its submission is one transaction with the outbox rows it queues.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.database import Database, Tx, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue
from storage.tasks.tasks import TaskRow, task_row
from storage.volunteers.verification import given_ref


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """One volunteer's place in a task."""

    task_id: int
    user_id: int
    chat_id: int
    status: str
    responded_at: str | None
    reported_at: str | None


@dataclass(frozen=True, slots=True)
class AcceptedTask:
    task: TaskRow
    reported_at: str | None


@dataclass(frozen=True, slots=True)
class TaskReportRow:
    id: int
    task_id: int
    user_id: int
    chat_id: int
    text: str | None
    latitude: float | None
    longitude: float | None
    status: str
    created_at: str
    submitted_at: str | None


@dataclass(frozen=True, slots=True)
class TaskEvidenceRow:
    kind: str  # photo | video | document
    telegram_file_id: str
    telegram_unique_id: str
    stored: str  # stored | too_big | failed
    sha256: str | None = None
    size: int | None = None
    mime_type: str | None = None
    media_group_id: str | None = None


_ASSIGNMENT = "task_id, user_id, chat_id, status, responded_at, reported_at"
# A report-back's chat is its assignment's (the volunteer's private chat with the bot).
_REPORT = (
    "r.id, r.task_id, r.user_id, a.chat_id, r.text, r.latitude, r.longitude, r.status, r.created_at, r.submitted_at"
    " FROM task_reports r JOIN task_assignments a ON a.task_id = r.task_id AND a.user_id = r.user_id"
)


def _assignment(r: sqlite3.Row) -> AssignmentRow:
    return AssignmentRow(r["task_id"], r["user_id"], r["chat_id"], r["status"], r["responded_at"], r["reported_at"])


def _report(r: sqlite3.Row) -> TaskReportRow:
    return TaskReportRow(r["id"], r["task_id"], r["user_id"], r["chat_id"], r["text"], r["latitude"], r["longitude"],
                         r["status"], r["created_at"], r["submitted_at"])


class TaskAnswerRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- answers ------------------------------------------------------------------------------

    async def assignment(self, task_id: int, user_id: int) -> AssignmentRow | None:
        row = await self.db.fetchone(
            f"SELECT {_ASSIGNMENT} FROM task_assignments WHERE task_id = ? AND user_id = ?", (task_id, user_id)
        )
        return _assignment(row) if row else None

    async def set_answer(self, task_id: int, user_id: int, status: str, *, expected: str) -> bool:
        """Record the volunteer's answer if their assignment still has the `expected` status (a concurrent
        press changes nothing twice). True if it changed."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE task_assignments SET status = ?, responded_at = ? WHERE task_id = ? AND user_id = ?"
                " AND status = ?",
                (status, iso(utcnow()), task_id, user_id, expected),
            )
            return cur.rowcount == 1

    async def accepted(self, user_id: int, limit: int = 10) -> list[AcceptedTask]:
        """The tasks the volunteer accepted, newest first."""
        rows = await self.db.fetchall(
            "SELECT t.*, a.reported_at AS assignment_reported_at FROM task_assignments a"
            " JOIN tasks t ON t.id = a.task_id WHERE a.user_id = ? AND a.status = 'accepted'"
            " ORDER BY t.id DESC LIMIT ?",
            (user_id, limit),
        )
        return [AcceptedTask(task_row(r), r["assignment_reported_at"]) for r in rows]

    async def volunteer_ref(self, user_id: int) -> int:
        """The volunteer's reference number (volunteer_refs, the REL-0042 of their verification card), given now
        if they have none yet: the one way groups name a volunteer."""
        async with self.db.transaction() as tx:
            return await given_ref(tx, user_id)

    async def organisation_name(self, user_id: int) -> str | None:
        """The name of the volunteer's organisation (None: an individual volunteer, or none known)."""
        row = await self.db.fetchone(
            "SELECT o.name FROM volunteers v JOIN organisations o ON o.id = v.organisation_id WHERE v.user_id = ?",
            (user_id,),
        )
        return str(row["name"]) if row else None

    # ---- report-backs -------------------------------------------------------------------------

    async def open_report(self, user_id: int) -> TaskReportRow | None:
        """The volunteer's report-back in progress, if any."""
        row = await self.db.fetchone(f"SELECT {_REPORT} WHERE r.user_id = ? AND r.status = 'open'", (user_id,))
        return _report(row) if row else None

    async def report(self, report_id: int) -> TaskReportRow | None:
        row = await self.db.fetchone(f"SELECT {_REPORT} WHERE r.id = ?", (report_id,))
        return _report(row) if row else None

    async def open_states(self) -> dict[tuple[int, int], int]:
        """(chat id, user id) -> task id of every report-back in progress."""
        rows = await self.db.fetchall(f"SELECT {_REPORT} WHERE r.status = 'open'")
        return {(r["chat_id"], r["user_id"]): r["task_id"] for r in rows}

    async def start_report(self, task_id: int, user_id: int) -> TaskReportRow:
        """A new report-back on the task, replacing the volunteer's report-back in progress (and its files)."""
        async with self.db.transaction() as tx:
            await self._delete_open(tx, user_id)
            cur = await tx.execute(
                "INSERT INTO task_reports (task_id, user_id, created_at) VALUES (?, ?, ?) RETURNING id",
                (task_id, user_id, iso(utcnow())),
            )
            report_id = cur.returned_id()
        found = await self.report(report_id)
        assert found is not None
        return found

    @staticmethod
    async def _delete_open(tx: Tx, user_id: int) -> int:
        await tx.execute(
            "DELETE FROM task_report_evidence WHERE task_report_id IN"
            " (SELECT id FROM task_reports WHERE user_id = ? AND status = 'open')",
            (user_id,),
        )
        cur = await tx.execute("DELETE FROM task_reports WHERE user_id = ? AND status = 'open'", (user_id,))
        return cur.rowcount

    async def cancel(self, user_id: int) -> bool:
        """Discard the volunteer's report-back in progress. True if there was one."""
        async with self.db.transaction() as tx:
            return await self._delete_open(tx, user_id) > 0

    async def set_text(self, report_id: int, text: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE task_reports SET text = ? WHERE id = ? AND status = 'open'", (text, report_id))

    async def set_location(self, report_id: int, latitude: float, longitude: float) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE task_reports SET latitude = ?, longitude = ? WHERE id = ? AND status = 'open'",
                (latitude, longitude, report_id),
            )

    async def add_evidence(self, report_id: int, evidence: TaskEvidenceRow) -> bool:
        """Record one file; False if the same Telegram file was already recorded (a re-delivered update)."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "INSERT INTO task_report_evidence (task_report_id, kind, telegram_file_id, telegram_unique_id,"
                " sha256, size, mime_type, stored, media_group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (report_id, evidence.kind, evidence.telegram_file_id, evidence.telegram_unique_id, evidence.sha256,
                 evidence.size, evidence.mime_type, evidence.stored, evidence.media_group_id, iso(utcnow())),
            )
            return cur.rowcount == 1

    async def evidence(self, report_id: int) -> list[TaskEvidenceRow]:
        rows = await self.db.fetchall(
            "SELECT kind, telegram_file_id, telegram_unique_id, stored, sha256, size, mime_type, media_group_id"
            " FROM task_report_evidence WHERE task_report_id = ? ORDER BY id",
            (report_id,),
        )
        return [TaskEvidenceRow(**dict(r)) for r in rows]

    async def submit(self, report_id: int, messages: list[OutboxMessage]) -> bool:
        """In one transaction: the report-back submitted, its assignment marked reported (the first time), and
        its messages queued. False (and nothing written) if it was submitted already (a double tap)."""
        now = iso(utcnow())
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE task_reports SET status = 'submitted', submitted_at = ? WHERE id = ? AND status = 'open'",
                (now, report_id),
            )
            if cur.rowcount != 1:
                return False
            await tx.execute(
                "UPDATE task_assignments SET reported_at = COALESCE(reported_at, ?) WHERE (task_id, user_id) ="
                " (SELECT task_id, user_id FROM task_reports WHERE id = ?)",
                (now, report_id),
            )
            for message in messages:
                await enqueue(tx, message)
            return True
