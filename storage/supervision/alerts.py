"""Alerts and the cards posted for them, tracked messages, and the replies the bot awaits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from storage.database import Database, Tx, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue


@dataclass(frozen=True, slots=True)
class PendingReply:
    chat_id: int
    message_id: int
    purpose: str
    report_id: int
    user_id: int | None
    request_id: int | None


class AlertRef(NamedTuple):
    """A group's alert of a report; `message_id` is None while it stands only as a digest's line."""

    chat_id: int
    message_id: int | None
    kind: str


class CardRef(NamedTuple):
    """A card of a report standing in a chat (an alert, reminder, or a card opened or shown)."""

    chat_id: int
    message_id: int
    kind: str


class UnclaimedAlert(NamedTuple):
    report_id: int
    chat_id: int
    kind: str
    reminded_at: str | None
    escalated_at: str | None


class AlertStore:
    """Alert cards posted and owed, and prompts awaiting a reply."""

    db: Database

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
                "INSERT INTO tracked_messages (chat_id, message_id, purpose, report_id, card_kind, created_at)"
                " VALUES (?, ?, 'card', ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET purpose = excluded.purpose,"
                " report_id = excluded.report_id, card_kind = excluded.card_kind, user_id = NULL, request_id = NULL,"
                " created_at = excluded.created_at",
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

    async def alerts_of(self, report_id: int) -> list[AlertRef]:
        """Each group's alert card for a report."""
        rows = await self.db.fetchall(
            "SELECT chat_id, message_id, kind FROM alerts WHERE report_id = ? ORDER BY id", (report_id,)
        )
        return [AlertRef(r["chat_id"], r["message_id"], r["kind"]) for r in rows]

    async def cards_of(self, report_id: int) -> list[CardRef]:
        """Every card of a report: alerts, reminders, cards opened or shown."""
        rows = await self.db.fetchall(
            "SELECT chat_id, message_id, card_kind FROM tracked_messages WHERE report_id = ? AND purpose = 'card'"
            " ORDER BY created_at, message_id",
            (report_id,),
        )
        return [CardRef(r["chat_id"], r["message_id"], r["card_kind"] or "alert") for r in rows]

    @staticmethod
    async def cards_in(tx: Tx, report_ids: Collection[int]) -> list[tuple[int, CardRef]]:
        """Inside a transaction: every card of these reports, as (report id, card)."""
        if not report_ids:
            return []
        async with tx.execute(
            "SELECT report_id, chat_id, message_id, card_kind FROM tracked_messages WHERE purpose = 'card' AND"
            f" report_id IN ({','.join('?' * len(report_ids))}) ORDER BY report_id, created_at, message_id",
            list(report_ids),
        ) as cur:
            rows = await cur.fetchall()
        return [(r["report_id"], CardRef(r["chat_id"], r["message_id"], r["card_kind"] or "alert")) for r in rows]

    async def unclaimed_alerts(self, created_before: datetime) -> list[UnclaimedAlert]:
        """The alerts of unclaimed reports made before then, by report."""
        rows = await self.db.fetchall(
            "SELECT a.report_id, a.chat_id, a.kind, r.reminded_at, r.escalated_at FROM alerts a"
            " JOIN reports r ON r.id = a.report_id WHERE r.status = 'received' AND a.created_at < ?"
            " ORDER BY a.report_id",
            (iso(created_before),),
        )
        return [UnclaimedAlert(r["report_id"], r["chat_id"], r["kind"], r["reminded_at"], r["escalated_at"]) for r in rows]

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
                "INSERT INTO tracked_messages (chat_id, message_id, purpose, report_id, user_id, request_id,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE SET"
                " purpose = excluded.purpose, report_id = excluded.report_id, card_kind = NULL,"
                " user_id = excluded.user_id, request_id = excluded.request_id, created_at = excluded.created_at",
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
        notice: OutboxMessage, asker_name: str | None = None,
    ) -> int:
        """Record a question for the reporter and queue `notice`, in one transaction. The notice names the new
        request, whose id only exists here: `{request_id}` in its dedup key and its payload's `request_id`
        (a placeholder) are filled with it."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO info_requests (report_id, group_chat_id, asked_by, question, asked_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (report_id, group_chat_id, asked_by, question, iso(utcnow())),
            )
            request_id = cur.returned_id()
            if prompt is not None:
                await conn.execute(
                    "DELETE FROM tracked_messages WHERE chat_id = ? AND message_id = ?", (prompt.chat_id, prompt.message_id)
                )
            await conn.execute(
                "INSERT INTO report_events (report_id, action, actor_id, actor_name, chat_id, note, at)"
                " VALUES (?, 'ask', ?, ?, ?, ?, ?)",
                (report_id, asked_by, asker_name, group_chat_id, question, iso(utcnow())),
            )
            await enqueue(conn, with_request_id(notice, request_id))
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


def with_request_id(notice: OutboxMessage, request_id: int) -> OutboxMessage:
    """`notice` naming the question `request_id`: its dedup key's `{request_id}` and its payload's `request_id`."""
    return replace(notice, dedup_key=notice.dedup_key.format(request_id=request_id),
                   payload={**notice.payload, "request_id": request_id})
