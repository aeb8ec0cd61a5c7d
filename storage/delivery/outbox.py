"""The outbox: messages to Telegram that must not be lost, written in the transaction that causes them.

A row without a batch is `pending` until Telegram took it (`sent`) or refused it for good (`dead`): a crash
between the request and the mark sends it again (at least once). A row of a broadcast (`batch` set,
storage/delivery/broadcasts.py) goes out at most once: it is marked `sending` (committed) once the rate limiter
admits its request and before the request goes out, and `sent` after; a row a killed process left `sending`
becomes `uncertain` at the next start and is not sent again. Its refusals are `unreachable` (403, chat not found)
or `failed`; rows of a stopped broadcast that had not gone are `cancelled` (docs/broadcasts.md).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from storage.database import Database, Tx, iso, utcnow


class OutboxPriority(IntEnum):
    """`outbox.priority`: higher goes first, in `due` and within the bot's 30 messages a second."""

    BULK = -1  # digests of old news, reminders, broadcasts
    NORMAL = 0  # alert cards, their evidence, notices
    REPLY = 1  # an answer to a person's own update (a command, a press, a submitted report's confirmation)


REPLY = OutboxPriority.REPLY
BULK = OutboxPriority.BULK


class OutboxStatus(StrEnum):
    """`outbox.status`."""

    PENDING = "pending"  # waiting to be sent (or, without a batch, being sent)
    SENDING = "sending"  # a broadcast row whose request was admitted and may be under way
    SENT = "sent"
    DEAD = "dead"  # a row without a batch refused for good
    UNCERTAIN = "uncertain"  # a broadcast row left `sending` by a killed process: maybe delivered, not sent again
    UNREACHABLE = "unreachable"  # a broadcast row refused with 403 or "chat not found"
    FAILED = "failed"  # a broadcast row refused for good for another reason
    CANCELLED = "cancelled"  # a broadcast row stopped before it went


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    dedup_key: str  # the same key is never sent twice
    chat_id: int
    method: str  # a Bot API method, e.g. "sendMessage"
    payload: dict[str, Any]  # its parameters except chat_id, JSON-serialisable
    kind: str = "message"  # a feature's MessageKind (bot/delivery/policy.py), stored as its value; it has rules there
    report_id: int | None = None
    priority: int = OutboxPriority.NORMAL  # REPLY goes before the chat's other rows, BULK after them
    batch: str | None = None  # the broadcast the row belongs to (storage/delivery/broadcasts.py), e.g. "task:12"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    dedup_key: str
    chat_id: int
    method: str
    payload: dict[str, Any]
    attempts: int
    kind: str = "message"
    report_id: int | None = None
    created_at: str = ""
    priority: int = 0
    batch: str | None = None


async def enqueue(conn: Tx, message: OutboxMessage) -> bool:
    """Inside a transaction: add a message unless its dedup_key is already there. True if added."""
    now = iso(utcnow())
    cur = await conn.execute(
        "INSERT INTO outbox (dedup_key, chat_id, method, payload, next_attempt_at, created_at, kind,"
        " report_id, priority, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            message.dedup_key,
            message.chat_id,
            message.method,
            json.dumps(message.payload, ensure_ascii=False),
            now,
            now,
            message.kind,
            message.report_id,
            message.priority,
            message.batch,
        ),
    )
    return cur.rowcount == 1


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, message: OutboxMessage) -> bool:
        async with self.db.transaction() as conn:
            return await enqueue(conn, message)

    async def add_all(self, messages: list[OutboxMessage]) -> int:
        """Add messages together (one transaction); how many were new."""
        async with self.db.transaction() as conn:
            return sum([await enqueue(conn, message) for message in messages])

    async def due(
        self, now: datetime, limit: int = 50, *, exclude: Collection[int] = (), batches: bool | None = None
    ) -> list[OutboxItem]:
        """Pending items whose time has come, replies first, then oldest first, except for the chats in
        `exclude` (groups that have had their fill this minute). A chat's messages of one priority go out in
        order: nothing of a chat is due while an earlier one of the same priority waits for its retry.
        `batches`: only rows of broadcasts (True), only the others (False), or both (None)."""
        skip = ",".join(str(int(chat)) for chat in exclude)
        # A partial index on (priority DESC, id) gives the rows in the order they go, so a look stops after `limit`
        # rows however many are pending (a broadcast of 10,000); outbox_pending_chat answers the NOT EXISTS.
        index, which = {None: ("outbox_pending", ""), False: ("outbox_pending_plain", " AND o.batch IS NULL"),
                        True: ("outbox_pending_batch", " AND o.batch IS NOT NULL")}[batches]
        rows = await self.db.fetchall(
            "SELECT o.id, o.dedup_key, o.chat_id, o.method, o.payload, o.attempts, o.kind, o.report_id, o.created_at,"
            f" o.priority, o.batch FROM outbox o INDEXED BY {index}"
            " WHERE o.status = 'pending' AND o.next_attempt_at <= ?" + which
            + (f" AND o.chat_id NOT IN ({skip})" if skip else "")
            + " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id AND p.status = 'pending'"
            " AND p.priority = o.priority AND p.id < o.id AND p.next_attempt_at > ?)"
            " ORDER BY o.priority DESC, o.id LIMIT ?",
            (iso(now), iso(now), limit),
        )
        return [
            OutboxItem(
                r["id"], r["dedup_key"], r["chat_id"], r["method"], json.loads(r["payload"]), r["attempts"], r["kind"],
                r["report_id"], r["created_at"], r["priority"], r["batch"],
            )
            for r in rows
        ]

    async def next_attempt_at(self, *, exclude: Collection[int] = ()) -> str | None:
        """When the next item can go: the earliest time among each chat's first pending item (a chat's
        later items of the same priority wait behind it, as in `due`)."""
        skip = ",".join(str(int(chat)) for chat in exclude)
        row = await self.db.fetchone(
            "SELECT MIN(o.next_attempt_at) AS t FROM outbox o WHERE o.status = 'pending'"
            + (f" AND o.chat_id NOT IN ({skip})" if skip else "")
            + " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_id = o.chat_id AND p.status = 'pending'"
            " AND p.priority = o.priority AND p.id < o.id)"
        )
        return row["t"] if row else None

    async def mark_sent(self, item_id: int, telegram_message_id: int | None, messages: int | None = None) -> None:
        """Telegram took the item; `messages`: how many it put into its chat (for the group's minute)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, telegram_message_id = ?, messages = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                (iso(utcnow()), telegram_message_id, messages, item_id),
            )

    async def retry_later(self, item_id: int, at: datetime, error: str) -> None:
        """Try again at `at` (a broadcast row marked `sending` is pending again: Telegram did not take it)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,"
                " status = CASE WHEN status = 'sending' THEN 'pending' ELSE status END WHERE id = ?",
                (iso(at), error[:500], item_id),
            )

    # ---- broadcast rows (with a batch): at most once ----------------------------------------------------------

    async def mark_sending(self, item_ids: Collection[int]) -> set[int]:
        """Mark pending rows `sending`, in one transaction (committed when this returns): their requests are about
        to go out. The ids that were marked (a row no longer pending, e.g. cancelled, is not)."""
        if not item_ids:
            return set()
        marks = ",".join("?" * len(item_ids))
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE outbox SET status = 'sending' WHERE id IN ({marks}) AND status = 'pending' RETURNING id",
                tuple(item_ids),
            )
            return {row[0] for row in await cur.fetchall()}

    def defer_sent(self, item_id: int, telegram_message_id: int | None, messages: int | None = None) -> None:
        """Mark a `sending` row sent, in the next write transaction (usually the next row's `sending` mark) or a
        second later: a kill before then leaves it `sending`, so `uncertain`, never sent twice."""
        self.db.defer(
            "UPDATE outbox SET status = 'sent', sent_at = ?, telegram_message_id = ?, messages = ?,"
            " attempts = attempts + 1 WHERE id = ? AND status = 'sending'",
            (iso(utcnow()), telegram_message_id, messages, item_id),
        )

    async def write_deferred(self) -> None:
        """Commit the `sent` marks `defer_sent` left for the next transaction (when nothing else is to be sent)."""
        await self.db.flush()

    async def mark_refused(self, item_id: int, status: OutboxStatus, error: str) -> None:
        """A broadcast row Telegram refused for good: `unreachable` or `failed`."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                (status.value, error[:500], item_id),
            )

    async def sending_to_uncertain(self) -> int:
        """At start-up: rows a killed process left `sending` may or may not have reached Telegram. They become
        `uncertain` and are not sent again. How many."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET status = 'uncertain', last_error = 'under way when the bot stopped'"
                " WHERE status = 'sending'"
            )
            return cur.rowcount

    async def mark_merged(self, item_ids: list[int], digest_id: int | None) -> None:
        """Alerts delivered as lines of a digest message instead of one by one (the digest, one message, is
        counted on the first of them)."""
        now = iso(utcnow())
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET status = 'sent', sent_at = ?, merged_into = ?, messages = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [(now, digest_id, int(index == 0), item_id) for index, item_id in enumerate(item_ids)],
            )

    async def retarget(self, item_id: int, chat_id: int, migrated_from: int | None = None) -> None:
        """Send the item to another chat; `migrated_from`: the group that became that supergroup (noted in
        the payload, for senders that must not reuse the old chat's message ids)."""
        async with self.db.transaction() as conn:
            if migrated_from is None:
                await conn.execute("UPDATE outbox SET chat_id = ? WHERE id = ?", (chat_id, item_id))
            else:  # JSON changed here, not in SQL: the same on both engines
                async with conn.execute("SELECT payload FROM outbox WHERE id = ?", (item_id,)) as cur:
                    row = await cur.fetchone()
                if row is None:
                    return
                payload = json.loads(row["payload"])
                payload["migrated_from"] = migrated_from
                await conn.execute(
                    "UPDATE outbox SET chat_id = ?, payload = ? WHERE id = ?",
                    (chat_id, json.dumps(payload, ensure_ascii=False), item_id),
                )

    async def sent_to_groups_since(self, since: datetime) -> list[tuple[int, str, int]]:
        """(chat id, sent_at, messages) of what went to groups (negative ids) since `since`, to rebuild
        their last minute after a restart. Rows sent before version 3 count one message each."""
        rows = await self.db.fetchall(
            "SELECT chat_id, sent_at, COALESCE(messages, 1) AS n FROM outbox"
            " WHERE status = 'sent' AND sent_at >= ? AND chat_id < 0 AND COALESCE(messages, 1) > 0",
            (iso(since),),
        )
        return [(r["chat_id"], r["sent_at"], r["n"]) for r in rows]

    async def mark_dead(self, item_id: int, error: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:500], item_id),
            )

    async def has_due(self, chat_id: int, method: str) -> bool:
        """Whether a pending item of `method` for the chat is due (being sent, or about to be)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM outbox WHERE status = 'pending' AND chat_id = ? AND method = ? AND next_attempt_at <= ?"
            " LIMIT 1",
            (chat_id, method, iso(utcnow())),
        )
        return row is not None

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    async def by_key(self, dedup_key: str) -> dict[str, Any] | None:
        row = await self.db.fetchone("SELECT * FROM outbox WHERE dedup_key = ?", (dedup_key,))
        return dict(row) if row else None
