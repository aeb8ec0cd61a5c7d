"""Supervisor groups, their registration codes, alerts, triage transitions and the audit log."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database, iso, utcnow
from storage.outbox import OutboxMessage, enqueue


@dataclass(frozen=True, slots=True)
class GroupRow:
    chat_id: int
    region_code: str
    role: str
    title: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A report as supervisors may see it: everything but the reporter's identity."""

    id: int
    case_code: str
    reporter_chat_id: int
    locale: str
    category: str
    chronology: str
    incident_local: str
    timezone: str
    region_code: str
    latitude: float | None
    longitude: float | None
    place_description: str | None
    reported_party: str | None
    witnesses: str | None
    anonymous: bool
    kind: str
    missing: list[str]
    status: str
    submitted_at: str
    route_level: str | None
    handler_name: str | None
    status_changed_at: str | None
    last_actor_name: str | None
    forwarded_to: str | None
    duplicate_of: str | None


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    kind: str
    telegram_file_id: str


@dataclass(frozen=True, slots=True)
class EventRow:
    action: str
    actor_name: str | None
    from_status: str | None
    to_status: str | None
    note: str | None
    at: str


@dataclass(frozen=True, slots=True)
class PendingReply:
    chat_id: int
    message_id: int
    purpose: str
    report_id: int
    user_id: int | None
    request_id: int | None


class TransitionConflict(Exception):
    """The report's status changed meanwhile (another supervisor acted first)."""


_CASE_COLUMNS = (
    "id, case_code, reporter_chat_id, locale, category, chronology, incident_local, timezone, region_code,"
    " latitude, longitude, place_description, reported_party, witnesses, anonymous, kind, missing, status,"
    " submitted_at, route_level, handler_name, status_changed_at, last_actor_name, forwarded_to, duplicate_of"
)


def _case(row: sqlite3.Row) -> CaseRow:
    values = dict(row)
    values["missing"] = json.loads(values["missing"])
    values["anonymous"] = bool(values["anonymous"])
    return CaseRow(**values)


def _group(row: sqlite3.Row) -> GroupRow:
    return GroupRow(row["chat_id"], row["region_code"], row["role"], row["title"], bool(row["active"]))


class SupervisionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

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
        """Somebody who is not a member of the group tried to act there (see bot/membership.py)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO refused_attempts (chat_id, user_id, kind, action, report_id, member_status, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (chat_id, user_id, kind, action, report_id, member_status, iso(utcnow())),
            )

    async def refusals(self, chat_id: int) -> list[tuple[int, str, str, int | None, str]]:
        """(user id, kind, action, report id, member status) of the refused attempts in a chat, oldest first."""
        rows = await self.db.fetchall(
            "SELECT user_id, kind, action, report_id, member_status FROM refused_attempts WHERE chat_id = ? ORDER BY id",
            (chat_id,),
        )
        return [(r["user_id"], r["kind"], r["action"], r["report_id"], r["member_status"]) for r in rows]

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
                "UPDATE OR IGNORE tracked_messages SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )
            return moved

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

    async def evidence_count(self, report_id: int) -> int:
        """Files received as evidence (not those recorded but too big for the bot to download)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM evidence WHERE report_id = ? AND stored != 'too_big'", (report_id,)
        )
        return int(row["n"]) if row else 0

    async def open_cases(self, region_prefix: str | None, limit: int = 30, *, forwarded_to: str | None = None
                         ) -> list[CaseRow]:
        """Cases not closed, oldest first, in a region (None: everywhere), optionally only those forwarded."""
        where = "status IN ('received', 'claimed', 'registered', 'forwarded')"
        params: list[Any] = []
        if forwarded_to is not None:
            where += " AND forwarded_to = ?"
            params.append(forwarded_to)
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
            for notice in notices or []:
                await enqueue(conn, notice)

    async def events(self, report_id: int) -> list[EventRow]:
        rows = await self.db.fetchall(
            "SELECT action, actor_name, from_status, to_status, note, at FROM report_events"
            " WHERE report_id = ? ORDER BY id",
            (report_id,),
        )
        return [EventRow(**dict(r)) for r in rows]

    # ---- alerts and cards ---------------------------------------------------------------------

    async def record_card(self, report_id: int, chat_id: int, message_id: int, kind: str, *, alert: bool) -> None:
        """A card for `report_id` now stands in `chat_id` (presses on it are checked against this). With
        `alert`, it is also that group's alert of the report (the first one counts, for reminders)."""
        async with self.db.transaction() as conn:
            if alert:
                await conn.execute(
                    "INSERT INTO alerts (report_id, chat_id, message_id, kind, created_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (report_id, chat_id)"
                    " DO UPDATE SET message_id = COALESCE(alerts.message_id, excluded.message_id)",
                    (report_id, chat_id, message_id, kind if kind in ("alert", "gakkumdu", "escalation") else "alert",
                     iso(utcnow())),
                )
            await conn.execute(
                "INSERT OR REPLACE INTO tracked_messages (chat_id, message_id, purpose, report_id, card_kind, created_at)"
                " VALUES (?, ?, 'card', ?, ?, ?)",
                (chat_id, message_id, report_id, kind, iso(utcnow())),
            )

    async def record_digest(self, report_ids: list[int], chat_id: int) -> None:
        """These reports reached a group as lines of a digest: alerted, but with no card of their own yet."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO alerts (report_id, chat_id, message_id, kind, created_at) VALUES (?, ?, NULL, 'alert', ?)"
                " ON CONFLICT (report_id, chat_id) DO NOTHING",
                [(report_id, chat_id, iso(utcnow())) for report_id in report_ids],
            )

    async def card_report(self, chat_id: int, message_id: int) -> int | None:
        """The report whose card is that message, if it is one of ours."""
        row = await self.db.fetchone(
            "SELECT report_id FROM tracked_messages WHERE chat_id = ? AND message_id = ? AND purpose = 'card'",
            (chat_id, message_id),
        )
        return int(row["report_id"]) if row else None

    async def alerts_of(self, report_id: int) -> list[tuple[int, int | None, str]]:
        """(chat_id, message_id, kind) of each group's alert card for a report."""
        rows = await self.db.fetchall(
            "SELECT chat_id, message_id, kind FROM alerts WHERE report_id = ? ORDER BY id", (report_id,)
        )
        return [(r["chat_id"], r["message_id"], r["kind"]) for r in rows]

    async def cards_of(self, report_id: int) -> list[tuple[int, int, str]]:
        """(chat_id, message_id, kind) of every card of a report: alerts, reminders, cards opened or shown."""
        rows = await self.db.fetchall(
            "SELECT chat_id, message_id, card_kind FROM tracked_messages WHERE report_id = ? AND purpose = 'card'"
            " ORDER BY created_at, message_id",
            (report_id,),
        )
        return [(r["chat_id"], r["message_id"], r["card_kind"] or "alert") for r in rows]

    async def unclaimed_alerts(self, created_before: datetime) -> list[tuple[int, int, str, str | None, str | None]]:
        """(report id, chat id, alert kind, reminded_at, escalated_at) of unclaimed reports alerted before then."""
        rows = await self.db.fetchall(
            "SELECT a.report_id, a.chat_id, a.kind, r.reminded_at, r.escalated_at FROM alerts a"
            " JOIN reports r ON r.id = a.report_id WHERE r.status = 'received' AND a.created_at < ?"
            " ORDER BY a.report_id",
            (iso(created_before),),
        )
        return [(r["report_id"], r["chat_id"], r["kind"], r["reminded_at"], r["escalated_at"]) for r in rows]

    async def mark(self, report_id: int, column: str, notices: list[OutboxMessage]) -> bool:
        """Set reminded_at or escalated_at once, queueing its messages and logging it in the same transaction."""
        assert column in ("reminded_at", "escalated_at")
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE reports SET {column} = ? WHERE id = ? AND {column} IS NULL", (iso(utcnow()), report_id)
            )
            if cur.rowcount != 1:
                return False
            action = "remind" if column == "reminded_at" else "escalate"
            chats = ", ".join(sorted({str(n.chat_id) for n in notices})) or None
            await conn.execute(
                "INSERT INTO report_events (report_id, action, note, at) VALUES (?, ?, ?, ?)",
                (report_id, action, chats, iso(utcnow())),
            )
            for notice in notices:
                await enqueue(conn, notice)
            return True

    # ---- replies awaited ----------------------------------------------------------------------

    async def expect_reply(
        self, chat_id: int, message_id: int, purpose: str, report_id: int, *, user_id: int | None = None,
        request_id: int | None = None,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO tracked_messages (chat_id, message_id, purpose, report_id, user_id, request_id,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (chat_id, message_id, purpose, report_id, user_id, request_id, iso(utcnow())),
            )

    async def pending_reply(self, chat_id: int, message_id: int) -> PendingReply | None:
        row = await self.db.fetchone(
            "SELECT chat_id, message_id, purpose, report_id, user_id, request_id FROM tracked_messages"
            " WHERE chat_id = ? AND message_id = ? AND purpose != 'card'",
            (chat_id, message_id),
        )
        return PendingReply(**dict(row)) if row else None

    async def ask(
        self, report_id: int, group_chat_id: int, asked_by: int, question: str, prompt: PendingReply | None,
        notice_for: Callable[[int], OutboxMessage], asker_name: str | None = None,
    ) -> int:
        """Record a question for the reporter and queue it (its outbox message built by `notice_for(id)`)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO info_requests (report_id, group_chat_id, asked_by, question, asked_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (report_id, group_chat_id, asked_by, question, iso(utcnow())),
            )
            request_id = cur.lastrowid
            assert request_id is not None
            if prompt is not None:
                await conn.execute(
                    "DELETE FROM tracked_messages WHERE chat_id = ? AND message_id = ?", (prompt.chat_id, prompt.message_id)
                )
            await conn.execute(
                "INSERT INTO report_events (report_id, action, actor_id, actor_name, chat_id, note, at)"
                " VALUES (?, 'ask', ?, ?, ?, ?, ?)",
                (report_id, asked_by, asker_name, group_chat_id, question, iso(utcnow())),
            )
            await enqueue(conn, notice_for(request_id))
            return request_id

    async def request(self, request_id: int) -> dict[str, Any] | None:
        row = await self.db.fetchone("SELECT * FROM info_requests WHERE id = ?", (request_id,))
        return dict(row) if row else None

    async def answer(self, request_id: int, answer: str, relay: OutboxMessage) -> bool:
        """Record the reporter's answer (first one only) and queue its relay to the group."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE info_requests SET answered_at = ? WHERE id = ? AND answered_at IS NULL",
                (iso(utcnow()), request_id),
            )
            if cur.rowcount != 1:
                return False
            async with conn.execute("SELECT report_id FROM info_requests WHERE id = ?", (request_id,)) as c:
                row = await c.fetchone()
            assert row is not None
            await conn.execute(
                "INSERT INTO report_events (report_id, action, note, at) VALUES (?, 'answer', ?, ?)",
                (row["report_id"], f"{len(answer)} characters", iso(utcnow())),
            )
            await enqueue(conn, relay)
            return True

    async def forget_prompt(self, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM tracked_messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
