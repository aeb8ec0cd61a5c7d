"""Daily digests (issue 14): which supervisors' groups get one (on unless turned off), and turning it off or on."""

from __future__ import annotations

from collections.abc import Sequence

from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue


class DigestRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recipients(self) -> list[tuple[int, str]]:
        """(chat id, region code) of every active supervisors' group (not Gakkumdu's nor a cyber task force's: they
        see only some of the region's cases) whose digest is on."""
        rows = await self.db.fetchall(
            "SELECT g.chat_id, g.region_code FROM supervisor_groups g LEFT JOIN group_digests d"
            " ON d.chat_id = g.chat_id WHERE g.active = 1 AND g.role = 'supervisors' AND COALESCE(d.enabled, 1) = 1"
            " ORDER BY g.chat_id")
        return [(int(r["chat_id"]), str(r["region_code"])) for r in rows]

    async def enabled(self, chat_id: int) -> bool:
        row = await self.db.fetchone("SELECT enabled FROM group_digests WHERE chat_id = ?", (chat_id,))
        return bool(row["enabled"]) if row else True

    async def set_enabled(self, chat_id: int, enabled: bool, user_id: int) -> None:
        await self.db.write([(
            "INSERT INTO group_digests (chat_id, enabled, changed_by, changed_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET enabled = excluded.enabled, changed_by = excluded.changed_by,"
            " changed_at = excluded.changed_at", (chat_id, int(enabled), user_id, iso(utcnow())))])

    async def queued(self, keys: Sequence[str]) -> set[str]:
        """Which of these digests' dedup keys are in the outbox already (queued or sent)."""
        if not keys:
            return set()
        marks = ", ".join("?" for _ in keys)
        rows = await self.db.fetchall(f"SELECT dedup_key FROM outbox WHERE dedup_key IN ({marks})", tuple(keys))
        return {str(r["dedup_key"]) for r in rows}

    async def queue(self, messages: Sequence[OutboxMessage]) -> int:
        """Queue digests, each once (its dedup key names the group and the day): how many were new."""
        if not messages:
            return 0
        async with self.db.transaction() as conn:
            return sum([await enqueue(conn, m) for m in messages])
