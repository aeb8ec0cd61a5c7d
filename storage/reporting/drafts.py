"""Drafts: a reporter's unfinished report, written at every step. An active draft's `step` is the report
conversation's state: nothing else stores it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue


@dataclass(slots=True)
class DraftRow:
    user_id: int
    chat_id: int
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    editing: bool = False
    last_update_id: int = 0
    status: str = "active"
    report_id: int | None = None
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    kind: str
    telegram_file_id: str
    telegram_unique_id: str
    stored: str  # stored | too_big | failed
    sha256: str | None = None
    size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    media_group_id: str | None = None
    # What the picture's EXIF says (bot/kernel/metadata.py PhotoFacts), for the alert card.
    exif_taken_at: str | None = None
    exif_latitude: float | None = None
    exif_longitude: float | None = None
    phash: str | None = None  # a picture's perceptual hash (bot/kernel/photo_hash.py), for possible duplicates


def _draft(row: aiosqlite.Row) -> DraftRow:
    return DraftRow(
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        step=row["step"],
        answers=json.loads(row["answers"]),
        editing=bool(row["editing"]),
        last_update_id=row["last_update_id"],
        status=row["status"],
        report_id=row["report_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class DraftRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> DraftRow | None:
        row = await self.db.fetchone("SELECT * FROM drafts WHERE user_id = ?", (user_id,))
        return _draft(row) if row else None

    async def save(self, draft: DraftRow, *, new: bool = False) -> None:
        """Write the draft (its step included) in one transaction. `new` discards an old draft."""
        now = iso(utcnow())
        draft.updated_at = now
        if new or not draft.created_at:
            draft.created_at = now
        async with self.db.transaction() as conn:
            if new:
                await conn.execute("DELETE FROM draft_evidence WHERE user_id = ?", (draft.user_id,))
            await conn.execute(
                "INSERT INTO drafts (user_id, chat_id, step, answers, editing, last_update_id, status, report_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, step = excluded.step,"
                " answers = excluded.answers, editing = excluded.editing, last_update_id = excluded.last_update_id,"
                " status = excluded.status, report_id = excluded.report_id, created_at = excluded.created_at,"
                " updated_at = excluded.updated_at",
                (
                    draft.user_id,
                    draft.chat_id,
                    draft.step,
                    json.dumps(draft.answers, ensure_ascii=False),
                    int(draft.editing),
                    draft.last_update_id,
                    draft.status,
                    draft.report_id,
                    draft.created_at,
                    draft.updated_at,
                ),
            )

    async def save_with_evidence(self, draft: DraftRow, evidence: list[EvidenceRow]) -> None:
        """A new draft (replacing any earlier one and its files) together with its files, in one transaction
        (a draft another feature prefilled, bot/reporting/prefill.py)."""
        draft.created_at = draft.updated_at = now = iso(utcnow())
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM draft_evidence WHERE user_id = ?", (draft.user_id,))
            await conn.execute("DELETE FROM drafts WHERE user_id = ?", (draft.user_id,))
            await conn.execute(
                "INSERT INTO drafts (user_id, chat_id, step, answers, editing, last_update_id, status, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, 0, ?, 'active', ?, ?)",
                (draft.user_id, draft.chat_id, draft.step, json.dumps(draft.answers, ensure_ascii=False),
                 draft.last_update_id, now, now),
            )
            await conn.executemany(
                "INSERT INTO draft_evidence (user_id, kind, telegram_file_id, telegram_unique_id, sha256,"
                " size, mime_type, file_name, stored, media_group_id, created_at, exif_taken_at, exif_latitude,"
                " exif_longitude, phash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(draft.user_id, e.kind, e.telegram_file_id, e.telegram_unique_id, e.sha256, e.size, e.mime_type,
                  e.file_name, e.stored, e.media_group_id, now, e.exif_taken_at, e.exif_latitude, e.exif_longitude, e.phash)
                 for e in evidence],
            )

    async def delete(self, user_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM draft_evidence WHERE user_id = ?", (user_id,))
            await conn.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))

    async def has_album(self, user_id: int, media_group_id: str) -> bool:
        """Whether a file of that album is already among the draft's evidence."""
        row = await self.db.fetchone(
            "SELECT 1 AS found FROM draft_evidence WHERE user_id = ? AND media_group_id = ? LIMIT 1",
            (user_id, media_group_id))
        return row is not None

    async def add_evidence(self, user_id: int, evidence: EvidenceRow, update_id: int) -> bool:
        """Record one file; False if the same Telegram file was already recorded (a re-delivered update)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO draft_evidence (user_id, kind, telegram_file_id, telegram_unique_id, sha256,"
                " size, mime_type, file_name, stored, media_group_id, created_at, exif_taken_at, exif_latitude,"
                " exif_longitude, phash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    user_id,
                    evidence.kind,
                    evidence.telegram_file_id,
                    evidence.telegram_unique_id,
                    evidence.sha256,
                    evidence.size,
                    evidence.mime_type,
                    evidence.file_name,
                    evidence.stored,
                    evidence.media_group_id,
                    iso(utcnow()),
                    evidence.exif_taken_at,
                    evidence.exif_latitude,
                    evidence.exif_longitude,
                    evidence.phash,
                ),
            )
            await conn.execute(
                "UPDATE drafts SET last_update_id = MAX(last_update_id, ?), updated_at = ? WHERE user_id = ?",
                (update_id, iso(utcnow()), user_id),
            )
            return cur.rowcount == 1

    async def evidence(self, user_id: int) -> list[EvidenceRow]:
        rows = await self.db.fetchall(
            "SELECT kind, telegram_file_id, telegram_unique_id, stored, sha256, size, mime_type, file_name,"
            " media_group_id, exif_taken_at, exif_latitude, exif_longitude, phash FROM draft_evidence WHERE user_id = ?"
            " ORDER BY id",
            (user_id,),
        )
        return [EvidenceRow(**dict(r)) for r in rows]

    async def evidence_count(self, user_id: int) -> int:
        """Files that count as evidence: every file recorded except those too big for the bot to download."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM draft_evidence WHERE user_id = ? AND stored != 'too_big'", (user_id,)
        )
        return int(row["n"]) if row else 0

    async def oversized_count(self, user_id: int) -> int:
        """Files recorded but too big for the bot to download (they do not count as evidence)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM draft_evidence WHERE user_id = ? AND stored = 'too_big'", (user_id,)
        )
        return int(row["n"]) if row else 0

    async def set_status_message(self, user_id: int, message_id: int, at: datetime) -> None:
        """Remember the evidence step's status message in the draft's answers, changing nothing else (an
        album's acknowledgement is sent from a job, beside the chat's other updates)."""
        async with self.db.transaction() as conn:  # JSON changed here, not in SQL: the same on both engines
            async with conn.execute("SELECT answers FROM drafts WHERE user_id = ? AND status = 'active'", (user_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return
            answers = json.loads(row["answers"])
            answers.update(status_message_id=message_id, status_message_at=iso(at))
            await conn.execute(
                "UPDATE drafts SET answers = ? WHERE user_id = ? AND status = 'active'",
                (json.dumps(answers, ensure_ascii=False), user_id),
            )

    async def active_steps(self) -> dict[tuple[int, int], str]:
        """(chat id, user id) → step of every active draft: where each reporter's conversation stands."""
        rows = await self.db.fetchall("SELECT chat_id, user_id, step FROM drafts WHERE status = 'active'")
        return {(r["chat_id"], r["user_id"]): r["step"] for r in rows}

    async def idle(self, updated_before: datetime) -> list[DraftRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM drafts WHERE status = 'active' AND updated_at < ? ORDER BY updated_at LIMIT 500",
            (iso(updated_before),),
        )
        return [_draft(r) for r in rows]

    async def close_idle(self, draft: DraftRow, notice: OutboxMessage) -> bool:
        """Mark an idle draft closed and queue the notice, unless the reporter answered meanwhile."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE drafts SET status = 'idle_closed' WHERE user_id = ? AND status = 'active' AND updated_at = ?",
                (draft.user_id, draft.updated_at),
            )
            if cur.rowcount != 1:
                return False
            await enqueue(conn, notice)
            return True

    async def purge(self, updated_before: datetime) -> int:
        """Delete drafts (and their evidence records) untouched since `updated_before`."""
        async with self.db.transaction() as conn:
            stale = "SELECT user_id FROM drafts WHERE updated_at < ?"
            await conn.execute(f"DELETE FROM draft_evidence WHERE user_id IN ({stale})", (iso(updated_before),))
            cur = await conn.execute("DELETE FROM drafts WHERE updated_at < ?", (iso(updated_before),))
            return cur.rowcount

    async def referenced_hashes(self) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT sha256 FROM draft_evidence WHERE sha256 IS NOT NULL"
            " UNION SELECT sha256 FROM evidence WHERE sha256 IS NOT NULL"
            " UNION SELECT sha256 FROM task_report_evidence WHERE sha256 IS NOT NULL"  # tasks' report-backs
        )
        return {r["sha256"] for r in rows}
