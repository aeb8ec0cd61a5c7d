"""The /tugas forms of supervisors: every SQL statement about `task_drafts` (one per group and supervisor)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.database import Database, Tx, iso, utcnow


@dataclass(frozen=True, slots=True)
class DraftRow:
    group_chat_id: int
    user_id: int
    token: str
    step: str
    answers: dict[str, Any]
    prompt_key: str | None
    status: str  # 'open' | 'sent' | 'cancelled'
    task_id: int | None


_COLUMNS = "group_chat_id, user_id, token, step, answers, prompt_key, status, task_id"


def _row(r: sqlite3.Row) -> DraftRow:
    return DraftRow(r["group_chat_id"], r["user_id"], r["token"], r["step"], json.loads(r["answers"]),
                    r["prompt_key"], r["status"], r["task_id"])


class TaskDraftRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, group_chat_id: int, user_id: int) -> DraftRow | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM task_drafts WHERE group_chat_id = ? AND user_id = ?", (group_chat_id, user_id)
        )
        return _row(row) if row else None

    async def start(self, tx: Tx, group_chat_id: int, user_id: int, token: str, step: str, answers: dict[str, Any],
                    prompt_key: str | None) -> None:
        """Inside a transaction: a new open form, replacing the supervisor's earlier one in that group."""
        now = iso(utcnow())
        await tx.execute(
            "INSERT INTO task_drafts (group_chat_id, user_id, token, step, answers, prompt_key, status, task_id,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', NULL, ?, ?)"
            " ON CONFLICT (group_chat_id, user_id) DO UPDATE SET token = excluded.token, step = excluded.step,"
            " answers = excluded.answers, prompt_key = excluded.prompt_key, status = 'open', task_id = NULL,"
            " created_at = excluded.created_at, updated_at = excluded.updated_at",
            (group_chat_id, user_id, token, step, json.dumps(answers, ensure_ascii=False), prompt_key, now, now),
        )

    async def advance(self, tx: Tx, draft: DraftRow, step: str, answers: dict[str, Any],
                      prompt_key: str | None) -> bool:
        """Inside a transaction: the open form `draft` moves to `step` with `answers`, unless it changed meanwhile
        (another token, or no longer open). True if it moved."""
        cur = await tx.execute(
            "UPDATE task_drafts SET step = ?, answers = ?, prompt_key = ?, updated_at = ?"
            " WHERE group_chat_id = ? AND user_id = ? AND token = ? AND status = 'open' AND step = ?",
            (step, json.dumps(answers, ensure_ascii=False), prompt_key, iso(utcnow()), draft.group_chat_id,
             draft.user_id, draft.token, draft.step),
        )
        return cur.rowcount == 1

    async def close(self, tx: Tx, draft: DraftRow, status: str, task_id: int | None = None) -> bool:
        """Inside a transaction: the open form is sent (with its task) or cancelled; False if it was not open
        with that token any more (a double tap)."""
        cur = await tx.execute(
            "UPDATE task_drafts SET status = ?, task_id = ?, updated_at = ?"
            " WHERE group_chat_id = ? AND user_id = ? AND token = ? AND status = 'open'",
            (status, task_id, iso(utcnow()), draft.group_chat_id, draft.user_id, draft.token),
        )
        return cur.rowcount == 1

    async def open_forms(self) -> list[tuple[int, int]]:
        """(group, supervisor) of every open form."""
        rows = await self.db.fetchall("SELECT group_chat_id, user_id FROM task_drafts WHERE status = 'open'")
        return [(r["group_chat_id"], r["user_id"]) for r in rows]
