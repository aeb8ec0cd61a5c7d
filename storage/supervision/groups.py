"""Supervisor groups and their registration codes, registration attempts and refusals."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from storage.database import Database, iso, utcnow


@dataclass(frozen=True, slots=True)
class GroupRow:
    chat_id: int
    region_code: str
    role: str
    title: str | None
    active: bool


class RefusedAttempt(NamedTuple):
    """Somebody who was not a member of the chat tried to act there."""

    user_id: int
    kind: str
    action: str
    report_id: int | None
    member_status: str


def _group(row: sqlite3.Row) -> GroupRow:
    return GroupRow(row["chat_id"], row["region_code"], row["role"], row["title"], bool(row["active"]))


class GroupStore:
    """Registration codes, groups, and who was refused where."""

    db: Database

    # ---- registration -------------------------------------------------------------------------

    async def add_code(self, code_hash: str, region_code: str, role: str, expires_at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO group_codes (code_hash, region_code, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (code_hash, region_code, role, iso(utcnow()), iso(expires_at)),
            )

    async def redeem_code(
        self, code_hash: str, *, chat_id: int, user_id: int, title: str | None, now: datetime
    ) -> tuple[str, GroupRow | None]:
        """Bind a group with a one-time code. Returns (outcome, group): ok | unknown | used | expired."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT * FROM group_codes WHERE code_hash = ?", (code_hash,)) as cur:
                code = await cur.fetchone()
            outcome = "ok"
            if code is None:
                outcome = "unknown"
            elif code["used_at"] is not None and code["used_by_chat"] == chat_id:
                # The same group again (a re-delivered /daftar after a crash): registered already.
                async with conn.execute("SELECT * FROM supervisor_groups WHERE chat_id = ?", (chat_id,)) as cur:
                    existing = await cur.fetchone()
                if existing is not None and existing["active"]:
                    return "ok", _group(existing)
                outcome = "used"
            elif code["used_at"] is not None:
                outcome = "used"
            elif code["expires_at"] <= iso(now):
                outcome = "expired"
            await conn.execute(
                "INSERT INTO registration_attempts (chat_id, user_id, outcome, at) VALUES (?, ?, ?, ?)",
                (chat_id, user_id, outcome, iso(now)),
            )
            if outcome != "ok" or code is None:
                return outcome, None
            await conn.execute(
                "UPDATE group_codes SET used_at = ?, used_by_chat = ? WHERE code_hash = ?", (iso(now), chat_id, code_hash)
            )
            await conn.execute(
                "INSERT INTO supervisor_groups (chat_id, region_code, role, title, active, registered_by, registered_at)"
                " VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET region_code = excluded.region_code,"
                " role = excluded.role, title = excluded.title, active = 1, registered_by = excluded.registered_by,"
                " registered_at = excluded.registered_at, inactive_since = NULL, inactive_why = NULL",
                (chat_id, code["region_code"], code["role"], title, user_id, iso(now)),
            )
            return outcome, GroupRow(chat_id, code["region_code"], code["role"], title, True)

    async def log_attempt(self, chat_id: int, user_id: int, outcome: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO registration_attempts (chat_id, user_id, outcome, at) VALUES (?, ?, ?, ?)",
                (chat_id, user_id, outcome, iso(utcnow())),
            )

    async def log_refusal(
        self, chat_id: int, user_id: int, kind: str, action: str, report_id: int | None, member_status: str
    ) -> None:
        """Somebody who is not a member of the group tried to act there (see bot/supervision/membership.py)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO refused_attempts (chat_id, user_id, kind, action, report_id, member_status, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (chat_id, user_id, kind, action, report_id, member_status, iso(utcnow())),
            )

    async def refusals(self, chat_id: int) -> list[RefusedAttempt]:
        """The refused attempts in a chat, oldest first."""
        rows = await self.db.fetchall(
            "SELECT user_id, kind, action, report_id, member_status FROM refused_attempts WHERE chat_id = ? ORDER BY id",
            (chat_id,),
        )
        return [RefusedAttempt(r["user_id"], r["kind"], r["action"], r["report_id"], r["member_status"]) for r in rows]

    async def attempts(self, chat_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT outcome FROM registration_attempts WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [r["outcome"] for r in rows]

    # ---- groups -------------------------------------------------------------------------------

    async def group(self, chat_id: int) -> GroupRow | None:
        row = await self.db.fetchone("SELECT * FROM supervisor_groups WHERE chat_id = ?", (chat_id,))
        return _group(row) if row else None

    async def active_groups(self, region_code: str, role: str) -> list[GroupRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM supervisor_groups WHERE region_code = ? AND role = ? AND active = 1 ORDER BY chat_id",
            (region_code, role),
        )
        return [_group(r) for r in rows]

    async def deactivate(self, chat_id: int, why: str) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE supervisor_groups SET active = 0, inactive_since = ?, inactive_why = ?"
                " WHERE chat_id = ? AND active = 1",
                (iso(utcnow()), why, chat_id),
            )
            return cur.rowcount == 1

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: its registration, cards and queued messages follow the new id."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE supervisor_groups SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )
            moved = cur.rowcount == 1
            await conn.execute("UPDATE alerts SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
            await conn.execute(
                "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND status = 'pending'", (new_chat_id, old_chat_id)
            )
            await conn.execute(
                "UPDATE info_requests SET group_chat_id = ? WHERE group_chat_id = ?", (new_chat_id, old_chat_id)
            )
            await conn.execute(
                "UPDATE tracked_messages SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS (SELECT 1 FROM tracked_messages t"
                " WHERE t.chat_id = ? AND t.message_id = tracked_messages.message_id)",
                (new_chat_id, old_chat_id, new_chat_id),
            )
            return moved
