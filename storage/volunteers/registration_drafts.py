"""Volunteer registrations in progress (`volunteer_drafts`), and the retention of finished registrations:
every SQL statement of the registration conversation."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.database import Database, Tx, iso, utcnow


@dataclass(frozen=True, slots=True)
class DraftRow:
    user_id: int
    chat_id: int
    token: str
    step: str
    answers: dict[str, Any]
    focus: bool
    last_update_id: int
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class OrganisationName:
    id: int
    name: str
    kind: str
    region_code: str


_COLUMNS = "user_id, chat_id, token, step, answers, focus, last_update_id, created_at, updated_at"


def _row(r: sqlite3.Row) -> DraftRow:
    return DraftRow(r["user_id"], r["chat_id"], r["token"], r["step"], json.loads(r["answers"]), bool(r["focus"]),
                    r["last_update_id"], r["created_at"], r["updated_at"])


class RegistrationDraftRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> DraftRow | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM volunteer_drafts WHERE user_id = ?", (user_id,))
        return _row(row) if row else None

    async def focused(self) -> list[int]:
        """The users whose registration takes their messages (loaded at start)."""
        rows = await self.db.fetchall("SELECT user_id FROM volunteer_drafts WHERE focus = 1")
        return [r["user_id"] for r in rows]

    async def start(self, user_id: int, chat_id: int, token: str, step: str, answers: dict[str, Any],
                    update_id: int) -> DraftRow:
        """A new registration in progress, replacing any earlier one of the same person."""
        now = iso(utcnow())
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO volunteer_drafts (user_id, chat_id, token, step, answers, focus, last_update_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, token = excluded.token,"
                " step = excluded.step, answers = excluded.answers, focus = 1,"
                " last_update_id = excluded.last_update_id, created_at = excluded.created_at,"
                " updated_at = excluded.updated_at",
                (user_id, chat_id, token, step, json.dumps(answers, ensure_ascii=False), update_id, now, now),
            )
        row = await self.get(user_id)
        assert row is not None
        return row

    async def save(self, user_id: int, token: str, step: str, answers: dict[str, Any], update_id: int,
                   *, focus: bool = True) -> DraftRow | None:
        """Store an answer with the step it leads to, unless the update was applied already (re-delivered) or
        the draft was replaced: None then. The update id only grows."""
        now = iso(utcnow())
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE volunteer_drafts SET step = ?, answers = ?, focus = ?,"
                " last_update_id = MAX(last_update_id, ?), updated_at = ?"
                " WHERE user_id = ? AND token = ? AND last_update_id < ?",
                (step, json.dumps(answers, ensure_ascii=False), int(focus), update_id, now, user_id, token,
                 update_id),
            )
            if cur.rowcount != 1:
                return None
        return await self.get(user_id)

    async def set_focus(self, user_id: int, focus: bool) -> bool:
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE volunteer_drafts SET focus = ?, updated_at = ? WHERE user_id = ? AND focus = ?",
                (int(focus), iso(utcnow()), user_id, int(not focus)),
            )
            return cur.rowcount == 1

    async def delete(self, user_id: int, tx: Tx | None = None) -> bool:
        if tx is None:
            async with self.db.transaction() as own:
                return await self.delete(user_id, own)
        cur = await tx.execute("DELETE FROM volunteer_drafts WHERE user_id = ?", (user_id,))
        return cur.rowcount == 1

    async def claim(self, tx: Tx, user_id: int, token: str) -> bool:
        """Inside the submission's transaction: delete the draft being submitted. False if it is gone already
        (a second tap on Submit, or a re-delivered one): nothing else must happen then."""
        cur = await tx.execute("DELETE FROM volunteer_drafts WHERE user_id = ? AND token = ?", (user_id, token))
        return cur.rowcount == 1

    async def organisation(self, organisation_id: int) -> OrganisationName | None:
        """An organisation's name, kind and region (active or not: a registration keeps naming it)."""
        row = await self.db.fetchone(
            "SELECT id, name, kind, region_code FROM organisations WHERE id = ?", (organisation_id,))
        return OrganisationName(row["id"], row["name"], row["kind"], row["region_code"]) if row else None

    async def purge_drafts(self, cutoff: str) -> int:
        """Delete registrations in progress untouched since `cutoff` (ISO time)."""
        async with self.db.transaction() as tx:
            cur = await tx.execute("DELETE FROM volunteer_drafts WHERE updated_at < ?", (cutoff,))
            return cur.rowcount

    async def purge_volunteers(self, cutoff: str) -> list[int]:
        """Delete the volunteers who left or were rejected before `cutoff` (ISO time), and in the same transaction
        everything else that holds their data (`delete_volunteers`) and the draft of their old registration. A
        volunteer who registered again since is not gone. Their user ids."""
        gone = "SELECT user_id FROM volunteers WHERE status IN ('left', 'rejected') AND status_at < ?"
        async with self.db.transaction() as tx:
            async with tx.execute(gone, (cutoff,)) as cur:
                ids = [r["user_id"] for r in await cur.fetchall()]
            if not ids:
                return ids
            # A registration in progress started after they left is a new one: it stays.
            await tx.execute(
                "DELETE FROM volunteer_drafts WHERE user_id IN (SELECT v.user_id FROM volunteers v WHERE"
                " v.status IN ('left', 'rejected') AND v.status_at < ? AND volunteer_drafts.updated_at <= v.status_at)",
                (cutoff,),
            )
            await delete_volunteers(tx, gone, (cutoff,))
        return ids

    async def erase(self, tx: Tx, user_id: int) -> bool:
        """Inside a transaction: delete one volunteer at once, at their own request (/hapusdata), the way the
        retention does, and their registration in progress. True if they had a registration (either)."""
        draft = await self.delete(user_id, tx)
        cur = await tx.execute("SELECT 1 FROM volunteers WHERE user_id = ?", (user_id,))
        if await cur.fetchone() is None:
            return draft
        await delete_volunteers(tx, "SELECT user_id FROM volunteers WHERE user_id = ?", (user_id,))
        return True


async def delete_volunteers(tx: Tx, gone: str, params: tuple[object, ...]) -> None:
    """Inside a transaction: delete the volunteers `gone` selects (SQL giving user ids, with `params`) with
    everything else that holds their data: status history, task answers, report-backs and their files' records
    (the files, unreferenced then, go with the evidence purge), cards, decisions, and the messages to their private
    chat that went (or will never go). Their reference keeps its number, unlinked from them, so that an old card's
    button never points at somebody else. The identity access log stays: who looked, not what was shown."""
    for statement in (
        f"DELETE FROM volunteer_events WHERE user_id IN ({gone})",
        f"DELETE FROM task_report_evidence WHERE task_report_id IN"
        f" (SELECT id FROM task_reports WHERE user_id IN ({gone}))",
        f"DELETE FROM task_reports WHERE user_id IN ({gone})",
        f"DELETE FROM task_assignments WHERE user_id IN ({gone})",
        f"DELETE FROM volunteer_cards WHERE ref IN (SELECT ref FROM volunteer_refs WHERE user_id IN ({gone}))",
        f"DELETE FROM volunteer_decisions WHERE user_id IN ({gone})",
        "DELETE FROM outbox WHERE status NOT IN ('pending', 'sending') AND chat_id IN"
        f" (SELECT chat_id FROM volunteers WHERE user_id IN ({gone}))",
        # Voting day (storage/tps/): they watch no TPS any more and their checklist answers go; their results photos
        # stay, as evidence of the count, without who sent them.
        f"DELETE FROM tps_watchers WHERE user_id IN ({gone})",
        f"DELETE FROM tps_result_requests WHERE user_id IN ({gone})",
        f"DELETE FROM tps_checks WHERE user_id IN ({gone})",
        f"UPDATE tps_results SET user_id = 0 WHERE user_id IN ({gone})",
        f"UPDATE volunteer_refs SET user_id = -ref WHERE user_id IN ({gone})",
        f"DELETE FROM volunteers WHERE user_id IN ({gone})",
    ):
        await tx.execute(statement, params)
    # A TPS whose primary watcher went: its earliest backup is its primary now (as when a primary lets go).
    await tx.execute(
        "UPDATE tps_watchers SET role = 'primary' WHERE role = 'backup' AND NOT EXISTS (SELECT 1 FROM tps_watchers p"
        " WHERE p.tps_id = tps_watchers.tps_id AND p.role = 'primary') AND since ="
        " (SELECT MIN(b.since) FROM tps_watchers b WHERE b.tps_id = tps_watchers.tps_id)")
