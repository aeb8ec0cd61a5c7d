"""Broadcasts: one message to many people (a task to its volunteers), as outbox rows sharing a batch name.

Each recipient's message is an outbox row (storage/delivery/outbox.py) committed before it is sent and marked
after, with a dedup key per batch and recipient, so a broadcast queued twice queues nothing twice. The outbox
worker sends the rows as `BULK`, in the room that replies and alerts leave. What a batch's rows became is
counted by `counts`; `cancel` stops what has not gone yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, Tx
from storage.delivery.outbox import BULK, OutboxMessage, enqueue


@dataclass(frozen=True, slots=True)
class BatchCounts:
    """What became of a batch's rows so far."""

    queued: int = 0  # waiting to be sent (or being sent)
    sent: int = 0
    failed: int = 0  # refused for good for another reason than the recipient being unreachable
    unreachable: int = 0  # 403 (blocked the bot, account gone) or chat not found
    uncertain: int = 0  # a send under way when the bot was killed: not sent again (see docs/broadcasts.md)
    cancelled: int = 0  # stopped before they went

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.unreachable + self.uncertain + self.cancelled


def recipient_key(batch: str, user_id: int) -> str:
    """The dedup key of one recipient's row in a batch."""
    return f"{batch}:u{user_id}"


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue(self, tx: Tx, batch: str, messages: list[OutboxMessage]) -> int:
        """Inside a transaction: queue each message as a row of `batch` (BULK priority, their dedup keys as
        given: use `recipient_key`). How many were new."""
        added = 0
        for message in messages:
            row = OutboxMessage(
                message.dedup_key, message.chat_id, message.method, message.payload, kind=message.kind,
                report_id=message.report_id, priority=BULK, batch=batch,
            )
            added += await enqueue(tx, row)
        return added

    async def cancel(self, batch: str) -> int:
        """Stop the rows of a batch that have not gone yet; how many were stopped."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE outbox SET status = 'dead', last_error = 'cancelled' WHERE batch = ? AND status = 'pending'",
                (batch,),
            )
            return cur.rowcount

    async def counts(self, batch: str) -> BatchCounts:
        rows = await self.db.fetchall(
            "SELECT status, COALESCE(last_error, '') AS error, COUNT(*) AS n FROM outbox WHERE batch = ?"
            " GROUP BY status, error",
            (batch,),
        )
        queued = sent = failed = unreachable = cancelled = 0
        for r in rows:
            if r["status"] == "pending":
                queued += r["n"]
            elif r["status"] == "sent":
                sent += r["n"]
            elif r["error"] == "cancelled":
                cancelled += r["n"]
            elif r["error"].startswith("Forbidden") or "chat not found" in r["error"].lower():
                unreachable += r["n"]
            else:
                failed += r["n"]
        return BatchCounts(queued, sent, failed, unreachable, 0, cancelled)
