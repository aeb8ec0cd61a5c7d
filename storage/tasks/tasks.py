"""Tasks for volunteers: every SQL statement about a task and the volunteers it was queued for."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.database import Database, Tx, iso, utcnow
from storage.volunteers.volunteers import Recipient


@dataclass(frozen=True, slots=True)
class NewTask:
    """What the /tugas conversation collected."""

    group_chat_id: int
    created_by_user_id: int
    region_code: str
    text: str
    timezone: str
    organisation_kind: str | None = None
    organisation_id: int | None = None
    attachment_kind: str | None = None  # 'photo' | 'document'
    attachment_file_id: str | None = None
    due_at: str | None = None  # UTC ISO
    latitude: float | None = None
    longitude: float | None = None
    report_back: bool = False
    source_update_id: int | None = None


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: int
    group_chat_id: int
    created_by_user_id: int
    region_code: str
    organisation_kind: str | None
    organisation_id: int | None
    text: str
    attachment_kind: str | None
    attachment_file_id: str | None
    due_at: str | None
    timezone: str
    latitude: float | None
    longitude: float | None
    report_back: bool
    status: str
    recipients: int
    card_counts: str | None
    reminded_at: str | None
    created_at: str
    stopped_at: str | None


_COLUMNS = (
    "id, group_chat_id, created_by_user_id, region_code, organisation_kind, organisation_id, text, attachment_kind,"
    " attachment_file_id, due_at, timezone, latitude, longitude, report_back, status, recipients, card_counts,"
    " reminded_at, created_at, stopped_at"
)


def task_row(r: sqlite3.Row) -> TaskRow:
    return TaskRow(
        r["id"], r["group_chat_id"], r["created_by_user_id"], r["region_code"], r["organisation_kind"],
        r["organisation_id"], r["text"], r["attachment_kind"], r["attachment_file_id"], r["due_at"], r["timezone"],
        r["latitude"], r["longitude"], bool(r["report_back"]), r["status"], r["recipients"], r["card_counts"],
        r["reminded_at"], r["created_at"], r["stopped_at"],
    )


class TaskRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, task_id: int) -> TaskRow | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (task_id,))
        return task_row(row) if row else None

    async def by_source_update(self, update_id: int) -> TaskRow | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM tasks WHERE source_update_id = ?", (update_id,))
        return task_row(row) if row else None

    async def insert(self, tx: Tx, new: NewTask, recipients: list[Recipient]) -> int:
        """Inside a transaction: the task and one assignment per recipient; the task's id."""
        cur = await tx.execute(
            "INSERT INTO tasks (group_chat_id, created_by_user_id, region_code, organisation_kind, organisation_id,"
            " text, attachment_kind, attachment_file_id, due_at, timezone, latitude, longitude, report_back,"
            " recipients, created_at, source_update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (new.group_chat_id, new.created_by_user_id, new.region_code, new.organisation_kind, new.organisation_id,
             new.text, new.attachment_kind, new.attachment_file_id, new.due_at, new.timezone, new.latitude,
             new.longitude, int(new.report_back), len(recipients), iso(utcnow()), new.source_update_id),
        )
        task_id = cur.returned_id()
        await tx.executemany(
            "INSERT INTO task_assignments (task_id, user_id, chat_id) VALUES (?, ?, ?)",
            [(task_id, r.user_id, r.chat_id) for r in recipients],
        )
        return task_id

    async def assignment_status(self, task_id: int, user_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT status FROM task_assignments WHERE task_id = ? AND user_id = ?", (task_id, user_id)
        )
        return row["status"] if row else None

    # ---- the supervisors group's side: the list, the card's counts, ⏹ Stop, reminders ----

    async def open_in_group(self, group_chat_id: int, limit: int) -> list[TaskRow]:
        """The group's tasks still open (not stopped nor closed), newest first."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tasks WHERE group_chat_id = ? AND status = 'sending' ORDER BY id DESC LIMIT ?",
            (group_chat_id, limit),
        )
        return [task_row(r) for r in rows]

    async def answers(self, task_id: int) -> AnswerCounts:
        """What the volunteers a task was queued for answered so far."""
        row = await self.db.fetchone(
            "SELECT COUNT(CASE WHEN status = 'accepted' THEN 1 END) AS accepted, COUNT(CASE WHEN status = 'declined'"
            " THEN 1 END) AS declined, COUNT(reported_at) AS reported FROM task_assignments WHERE task_id = ?",
            (task_id,),
        )
        assert row is not None
        return AnswerCounts(row["accepted"], row["declined"], row["reported"])

    async def with_live_cards(self, since: str) -> list[TaskRow]:
        """Tasks created since `since` (UTC ISO) whose card may still change."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tasks WHERE status IN ('sending', 'stopped') AND created_at >= ? ORDER BY id",
            (since,),
        )
        return [task_row(r) for r in rows]

    async def save_card_counts(self, tx: Tx, task_id: int, before: str | None, after: str) -> bool:
        """Inside a transaction: the counts the card shows now, unless another pass saved others first."""
        cur = await tx.execute(
            "UPDATE tasks SET card_counts = ? WHERE id = ? AND card_counts IS NOT DISTINCT FROM ?", (after, task_id, before)
        )
        return cur.rowcount == 1

    async def stop(self, tx: Tx, task_id: int) -> bool:
        """Inside a transaction: the task is stopped (nothing more goes out); False if it was not sending."""
        cur = await tx.execute(
            "UPDATE tasks SET status = 'stopped', stopped_at = ? WHERE id = ? AND status = 'sending'",
            (iso(utcnow()), task_id),
        )
        return cur.rowcount == 1

    async def cancel_parts(self, tx: Tx, batch: str, parts_batch: str) -> int:
        """Inside a transaction: the extra rows (an attachment after a long text) of recipients whose main row was
        cancelled do not go either."""
        cur = await tx.execute(
            "UPDATE outbox SET status = 'cancelled' WHERE batch = ? AND status = 'pending'"
            " AND json_extract(payload, '$.reply_to_key') IN (SELECT dedup_key FROM outbox WHERE batch = ?"
            " AND status = 'cancelled')",
            (parts_batch, batch),
        )
        return cur.rowcount

    async def due_for_reminder(self, now: str, until: str) -> list[TaskRow]:
        """Sending tasks due after `now` and by `until` (UTC ISO) that have not been reminded of yet."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM tasks WHERE due_at IS NOT NULL AND reminded_at IS NULL AND status = 'sending'"
            " AND due_at > ? AND due_at <= ? ORDER BY id",
            (now, until),
        )
        return [task_row(r) for r in rows]

    async def to_remind(self, task_id: int) -> list[Recipient]:
        """Volunteers who accepted the task and have not reported back, with their language; only those still
        verified and reachable (one who left or was suspended since gets nothing more)."""
        rows = await self.db.fetchall(
            "SELECT a.user_id, a.chat_id, COALESCE(u.locale, u.client_locale) AS locale FROM task_assignments a"
            " JOIN volunteers v ON v.user_id = a.user_id AND v.status = 'verified' AND v.reachable = 1"
            " LEFT JOIN users u ON u.user_id = a.user_id"
            " WHERE a.task_id = ? AND a.status = 'accepted' AND a.reported_at IS NULL ORDER BY a.user_id",
            (task_id,),
        )
        return [Recipient(r["user_id"], r["chat_id"], r["locale"]) for r in rows]

    async def mark_reminded(self, tx: Tx, task_id: int) -> bool:
        """Inside a transaction: the task's reminder is queued; False if it was already."""
        cur = await tx.execute(
            "UPDATE tasks SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", (iso(utcnow()), task_id)
        )
        return cur.rowcount == 1


@dataclass(frozen=True, slots=True)
class AnswerCounts:
    accepted: int = 0
    declined: int = 0
    reported: int = 0  # reported back at least once
