"""The inbox: raw Telegram updates kept until they have been processed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.database import Database, iso, utcnow


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def receive(self, update_id: int, payload: dict[str, Any]) -> None:
        """Keep an update (once: a re-delivered one is already there)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
                (update_id, json.dumps(payload, ensure_ascii=False), iso(utcnow())),
            )

    async def processed(self, update_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE inbox SET processed_at = ? WHERE update_id = ? AND processed_at IS NULL",
                (iso(utcnow()), update_id),
            )

    async def unprocessed(self) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT payload FROM inbox WHERE processed_at IS NULL ORDER BY update_id")
        return [json.loads(r["payload"]) for r in rows]

    async def purge(self, processed_before: datetime) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM inbox WHERE processed_at IS NOT NULL AND processed_at < ?", (iso(processed_before),)
            )
            return cur.rowcount
