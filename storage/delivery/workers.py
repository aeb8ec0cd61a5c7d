"""What several worker processes sharing one PostgreSQL database agree on (bot/delivery/scale_out.py): who is
alive, which worker handles which chat's updates, who holds a named lease (the leader), and the shared send
timetable. Times here are seconds since the epoch; every statement is one short transaction, in SQL both
engines run (tests/test_worker_leases.py runs them on each), though only PostgreSQL deployments scale out."""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database

# The slots first..last as a recursive query (SQL of both engines), the free ones taken, the earliest first.
_RESERVE = (
    "WITH RECURSIVE g(s) AS (SELECT CAST(? AS BIGINT) UNION ALL SELECT s + 1 FROM g WHERE s < ?)"
    " INSERT INTO rate_slots (slot) SELECT s FROM g"
    " WHERE NOT EXISTS (SELECT 1 FROM rate_slots r WHERE r.slot = g.s) ORDER BY s LIMIT ?"
    " ON CONFLICT (slot) DO NOTHING RETURNING slot"
)
_RESERVE_ROUNDS = 8  # a round loses only the slots others took during it: a few rounds fill any request


class WorkerRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- the workers ----

    async def join(self, worker_id: str, host: str, pid: int, started_at: str, until: float) -> None:
        await self.db.write([(
            "INSERT INTO workers (id, host, pid, started_at, lease_until) VALUES (?, ?, ?, ?, ?)",
            (worker_id, host, pid, started_at, until),
        )])

    async def renew(self, worker_id: str, now: float, until: float) -> bool:
        """Extend this worker's lease; False if it had run out (its chats may be another's by now)."""
        async with self.db.transaction() as tx:
            result = await tx.execute(
                "UPDATE workers SET lease_until = ? WHERE id = ? AND lease_until >= ?", (until, worker_id, now))
        return result.rowcount == 1

    async def leave(self, worker_id: str) -> None:
        """A stopping worker: its lease and its named leases end now, so that others take over at once."""
        await self.db.write([
            ("UPDATE workers SET lease_until = 0 WHERE id = ?", (worker_id,)),
            ("UPDATE leases SET until = 0 WHERE holder = ?", (worker_id,)),
        ])

    async def alive(self, now: float) -> list[str]:
        rows = await self.db.fetchall("SELECT id FROM workers WHERE lease_until >= ? ORDER BY id", (now,))
        return [r["id"] for r in rows]

    async def forget_gone(self, before: float) -> None:
        """Workers gone since `before` whose chats were all taken over (or had no updates since)."""
        await self.db.write([(
            "DELETE FROM workers WHERE lease_until < ?"
            " AND NOT EXISTS (SELECT 1 FROM chat_owners c WHERE c.worker_id = workers.id)", (before,),
        )])

    # ---- named leases ----

    async def hold(self, name: str, holder: str, now: float, until: float) -> bool:
        """Take or extend the lease `name`: True if `holder` has it until `until`."""
        async with self.db.transaction() as tx:
            result = await tx.execute(
                "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until"
                " WHERE leases.until < ? OR leases.holder = excluded.holder RETURNING holder",
                (name, holder, until, now),
            )
            rows = await result.fetchall()
        return bool(rows)

    async def holder(self, name: str, now: float) -> str | None:
        row = await self.db.fetchone("SELECT holder FROM leases WHERE name = ? AND until >= ?", (name, now))
        return str(row["holder"]) if row else None

    # ---- chats and their updates ----

    async def claim_chats(self, worker_id: str, now: float, since: str, limit: int) -> tuple[list[int], list[int]]:
        """Chats with updates waiting and no live worker: (new ones, which nobody handled before; ones taken
        over from a worker that is gone, whose state this worker must load first)."""
        async with self.db.transaction() as tx:
            result = await tx.execute(
                "UPDATE chat_owners SET worker_id = ?, since = ?"
                " WHERE chat_key IN (SELECT chat_key FROM inbox)"
                " AND worker_id NOT IN (SELECT id FROM workers WHERE lease_until >= ?) RETURNING chat_key",
                (worker_id, since, now),
            )
            taken = [int(r[0]) for r in await result.fetchall()]
            result = await tx.execute(
                "INSERT INTO chat_owners (chat_key, worker_id, since)"
                " SELECT DISTINCT chat_key, ?, ? FROM inbox"
                " WHERE chat_key IS NOT NULL AND chat_key NOT IN (SELECT chat_key FROM chat_owners) LIMIT ?"
                " ON CONFLICT (chat_key) DO NOTHING RETURNING chat_key",
                (worker_id, since, limit),
            )
            new = [int(r[0]) for r in await result.fetchall()]
        return new, taken

    async def updates_of(self, worker_id: str) -> list[tuple[int, dict[str, Any]]]:
        """The waiting updates of this worker's chats, oldest first."""
        rows = await self.db.fetchall(
            "SELECT i.update_id, i.payload FROM inbox i JOIN chat_owners c ON c.chat_key = i.chat_key"
            " WHERE c.worker_id = ? ORDER BY i.update_id", (worker_id,),
        )
        return [(int(r["update_id"]), json.loads(r["payload"])) for r in rows]

    async def done(self, update_id: int) -> None:
        """A handled update, forgotten now (committed before the chat's next update can go to anyone)."""
        await self.db.write([("DELETE FROM inbox WHERE update_id = ?", (update_id,))])

    async def owners(self) -> dict[int, str]:
        rows = await self.db.fetchall("SELECT chat_key, worker_id FROM chat_owners")
        return {int(r["chat_key"]): str(r["worker_id"]) for r in rows}

    # ---- the shared send timetable ----

    async def reserve_slots(self, first: int, last: int, count: int) -> list[int]:
        """Up to `count` free slots between `first` and `last`, the earliest first, now taken. A slot another
        worker took at the same moment is skipped (ON CONFLICT) and the next free one tried, statement by
        statement: each sees what the others committed meanwhile."""
        taken: list[int] = []
        async with self.db.transaction() as tx:
            for _ in range(_RESERVE_ROUNDS):
                result = await tx.execute(_RESERVE, (first, last, count - len(taken)))
                taken += [int(r[0]) for r in await result.fetchall()]
                if len(taken) >= count:
                    break
                result = await tx.execute(
                    "SELECT COUNT(*) FROM rate_slots WHERE slot BETWEEN ? AND ?", (first, last))
                row = await result.fetchone()
                if row is None or int(row[0]) >= last - first + 1:  # none free any more
                    break
        return sorted(taken)

    async def forget_slots(self, before: int) -> None:
        await self.db.write([("DELETE FROM rate_slots WHERE slot < ?", (before,))])
