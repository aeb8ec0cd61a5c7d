"""Broadcasts: one message to many people (a task to its volunteers), as outbox rows sharing a batch name.

Each recipient's message is an outbox row (storage/delivery/outbox.py), with a dedup key per batch and recipient,
so a broadcast queued twice queues nothing twice. The outbox worker sends the rows in the room that replies and
alerts leave, each at most once: marked `sending` (committed) before its request and `sent` after; a row a killed
process left `sending` is `uncertain` and is not sent again. What a batch's rows became is counted by `counts`;
`cancel` stops what has not gone yet. The row's life: docs/broadcasts.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, Tx
from storage.delivery.outbox import BULK, OutboxMessage, OutboxStatus, enqueue


@dataclass(frozen=True, slots=True)
class BatchCounts:
    """What became of a batch's rows so far."""

    queued: int = 0  # waiting to be sent (or being sent)
    sent: int = 0
    failed: int = 0  # refused for good for another reason than the recipient being unreachable
    unreachable: int = 0  # 403 (blocked the bot, account gone) or chat not found
    uncertain: int = 0  # a send under way when the bot was killed: not sent again (see docs/broadcasts.md)
    cancelled: int = 0  # stopped before they went
    sending: int = 0  # of `queued`, those whose request is under way now (not counted again in `total`)

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed + self.unreachable + self.uncertain + self.cancelled

    @property
    def done(self) -> bool:
        """Nothing of the batch is left to send."""
        return self.queued == 0


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
        """Stop the rows of a batch that have not gone yet (`cancelled`); how many were stopped. A row whose request
        is under way (`sending`) goes on."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'cancelled' WHERE batch = ? AND status = 'pending'",
                (batch,),
            )
            return cur.rowcount

    async def counts(self, batch: str) -> BatchCounts:
        """How many of the batch's rows are in each state (every status; `dead` rows of a batch, refused before
        the broadcast statuses existed, by their error)."""
        rows = await self.db.fetchall(
            "SELECT status, COALESCE(last_error, '') AS error, COUNT(*) AS n FROM outbox WHERE batch = ?"
            " GROUP BY status, error",
            (batch,),
        )
        n: dict[str, int] = {}
        for r in rows:
            status = r["status"]
            if status == OutboxStatus.DEAD:
                error = r["error"]
                if error == "cancelled":
                    status = OutboxStatus.CANCELLED
                elif error.startswith("Forbidden") or "chat not found" in error.lower():
                    status = OutboxStatus.UNREACHABLE
                else:
                    status = OutboxStatus.FAILED
            n[status] = n.get(status, 0) + r["n"]
        sending = n.get(OutboxStatus.SENDING, 0)
        return BatchCounts(
            queued=n.get(OutboxStatus.PENDING, 0) + sending,
            sent=n.get(OutboxStatus.SENT, 0),
            failed=n.get(OutboxStatus.FAILED, 0),
            unreachable=n.get(OutboxStatus.UNREACHABLE, 0),
            uncertain=n.get(OutboxStatus.UNCERTAIN, 0),
            cancelled=n.get(OutboxStatus.CANCELLED, 0),
            sending=sending,
        )
