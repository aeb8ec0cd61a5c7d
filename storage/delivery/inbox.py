"""The inbox: raw Telegram updates kept until they have been processed."""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database, iso, utcnow

_INSERT = "INSERT INTO inbox (update_id, payload, received_at, chat_key) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def receive(self, update_id: int, payload: dict[str, Any], chat_key: int = 0) -> None:
        """Keep an update (once: a re-delivered one is already there), committed when this returns. One trip
        to the writer, which also writes the processed marks waiting for a transaction."""
        await self.db.write([(_INSERT, (update_id, json.dumps(payload, ensure_ascii=False), iso(utcnow()), chat_key))])

    def stage(self, update_id: int, payload: dict[str, Any], chat_key: int = 0) -> None:
        """Keep an update with the next write transaction (a handler's, or `commit_staged`): for updates
        whose acknowledgement waits for `commit_staged` (getUpdates), so one commit serves a whole batch."""
        self.db.defer(_INSERT, (update_id, json.dumps(payload, ensure_ascii=False), iso(utcnow()), chat_key))

    async def settled(self) -> None:
        """Wait for the writes begun before now (what the bot did before this update came is then visible)."""
        await self.db.settled()

    async def commit_staged(self) -> None:
        """Commit the staged updates (and anything else waiting for a transaction) now."""
        await self.db.flush()

    async def processed(self, update_id: int) -> None:
        """Forget a handled update: raw updates carry names, numbers and addresses, kept no longer than needed.

        The delete rides in the next write transaction (usually the next update's receive, or the outbox's
        sent mark), or is flushed on its own `Database.defer_flush_s` later or at close: not a commit of its
        own per update. Until then a SIGKILL only means the update is replayed, which handlers recognise."""
        self.db.defer("DELETE FROM inbox WHERE update_id = ?", (update_id,))

    async def unprocessed(self) -> list[dict[str, Any]]:
        await self.db.flush()  # what is known to be processed is not unprocessed
        rows = await self.db.fetchall("SELECT payload FROM inbox ORDER BY update_id")
        return [json.loads(r["payload"]) for r in rows]
