"""The inbox: raw Telegram updates kept until they have been processed."""

from __future__ import annotations

import json
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
        """Forget a handled update: raw updates carry names, numbers and addresses, kept no longer than needed."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))

    async def unprocessed(self) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT payload FROM inbox ORDER BY update_id")
        return [json.loads(r["payload"]) for r in rows]
