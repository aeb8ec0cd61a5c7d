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
            " recipients, created_at, source_update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new.group_chat_id, new.created_by_user_id, new.region_code, new.organisation_kind, new.organisation_id,
             new.text, new.attachment_kind, new.attachment_file_id, new.due_at, new.timezone, new.latitude,
             new.longitude, int(new.report_back), len(recipients), iso(utcnow()), new.source_update_id),
        )
        task_id = cur.lastrowid
        assert task_id is not None
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
