"""Conversation states of python-telegram-bot's ConversationHandler, stored per (name, key), for the
conversations no feature stores itself (the report conversation's state is its draft's step).

Keys are the handler's tuples serialised as JSON arrays, e.g. "[12345, 12345]" for (chat_id, user_id).
"""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database, Tx, iso, utcnow


def conversation_key(*parts: int | str) -> str:
    return json.dumps(list(parts))


def parse_conversation_key(key: str) -> tuple[int | str, ...]:
    return tuple(json.loads(key))


async def write_state(conn: Tx, name: str, key: str, state: str | None) -> None:
    """Inside a transaction: set (or clear, with None) one conversation's state."""
    if state is None:
        await conn.execute("DELETE FROM conversation_states WHERE name = ? AND key = ?", (name, key))
    else:
        await conn.execute(
            "INSERT INTO conversation_states (name, key, state, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            (name, key, state, iso(utcnow())),
        )


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, name: str) -> dict[str, Any]:
        rows = await self.db.fetchall("SELECT key, state FROM conversation_states WHERE name = ?", (name,))
        return {row["key"]: row["state"] for row in rows}

    async def set(self, name: str, key: str, state: str | None) -> None:
        async with self.db.transaction() as conn:
            await write_state(conn, name, key, state)
