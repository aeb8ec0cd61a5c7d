"""Bans an operator decided, supervisors' ⛔ flags on reports, and the log of both. A banned person's updates
are counted here (`refused`), never stored."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, iso, utcnow


@dataclass(frozen=True, slots=True)
class Ban:
    user_id: int
    reason: str
    banned_by: str
    banned_at: str
    refused: int
    told: bool


@dataclass(frozen=True, slots=True)
class FlaggedReport:
    case_code: str
    reporter_user_id: int  # 0: the reporter asked for their data to be erased, the report names nobody
    flags: int
    last_at: str
    banned: bool


class BanRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def ban(self, user_id: int, reason: str, actor: str) -> bool:
        """Ban `user_id` (again: a new reason). True if they were not banned before."""
        now = iso(utcnow())
        async with self.db.transaction() as tx:
            before = await (await tx.execute("SELECT 1 FROM bans WHERE user_id = ?", (user_id,))).fetchone()
            await tx.execute(
                "INSERT INTO bans (user_id, reason, banned_by, banned_at, refused, told) VALUES (?, ?, ?, ?, 0, 0)"
                " ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason, banned_by = excluded.banned_by,"
                " banned_at = excluded.banned_at",
                (user_id, reason, actor, now),
            )
            await tx.execute(
                "INSERT INTO abuse_log (user_id, action, actor, reason, at) VALUES (?, 'ban', ?, ?, ?)",
                (user_id, actor, reason, now),
            )
        return before is None

    async def unban(self, user_id: int, actor: str, reason: str = "") -> bool:
        """Lift a ban; False if there was none (nothing is logged then)."""
        now = iso(utcnow())
        async with self.db.transaction() as tx:
            result = await tx.execute("DELETE FROM bans WHERE user_id = ?", (user_id,))
            if result.rowcount != 1:
                return False
            await tx.execute(
                "INSERT INTO abuse_log (user_id, action, actor, reason, at) VALUES (?, 'unban', ?, ?, ?)",
                (user_id, actor, reason, now),
            )
        return True

    async def banned_ids(self) -> set[int]:
        rows = await self.db.fetchall("SELECT user_id FROM bans")
        return {int(r["user_id"]) for r in rows}

    async def get(self, user_id: int) -> Ban | None:
        row = await self.db.fetchone(
            "SELECT user_id, reason, banned_by, banned_at, refused, told FROM bans WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return Ban(int(row["user_id"]), str(row["reason"]), str(row["banned_by"]), str(row["banned_at"]),
                   int(row["refused"]), bool(row["told"]))

    async def refused(self, user_id: int) -> bool | None:
        """Count one refused update of a banned person: whether they were told already, or None if they are not
        banned (any more)."""
        async with self.db.transaction() as tx:
            result = await tx.execute(
                "UPDATE bans SET refused = refused + 1 WHERE user_id = ? RETURNING told", (user_id,))
            row = await result.fetchone()
        return None if row is None else bool(row[0])

    async def told(self, user_id: int) -> None:
        """The message saying they are banned was sent: not again."""
        await self.db.write([("UPDATE bans SET told = 1 WHERE user_id = ?", (user_id,))])

    async def flag(self, report_id: int, supervisor_id: int) -> bool:
        """A supervisor's ⛔ on a report: True the first time this supervisor flags it (logged then)."""
        now = iso(utcnow())
        async with self.db.transaction() as tx:
            result = await tx.execute(
                "INSERT INTO abuse_flags (report_id, flagged_by, at) VALUES (?, ?, ?)"
                " ON CONFLICT (report_id, flagged_by) DO NOTHING", (report_id, supervisor_id, now))
            if result.rowcount != 1:
                return False
            await tx.execute(
                "INSERT INTO abuse_log (user_id, action, actor, report_id, at)"
                " SELECT reporter_user_id, 'flag', ?, id, ? FROM reports WHERE id = ?",
                (f"tg:{supervisor_id}", now, report_id),
            )
        return True

    async def flagged(self, limit: int = 100) -> list[FlaggedReport]:
        """Reports flagged by supervisors, the latest flag first, for the operator to decide on."""
        rows = await self.db.fetchall(
            "SELECT r.case_code, r.reporter_user_id, COUNT(*) AS flags, MAX(f.at) AS last_at,"
            " EXISTS (SELECT 1 FROM bans b WHERE b.user_id = r.reporter_user_id) AS banned"
            " FROM abuse_flags f JOIN reports r ON r.id = f.report_id"
            " GROUP BY r.id, r.case_code, r.reporter_user_id ORDER BY MAX(f.at) DESC, r.case_code LIMIT ?",
            (limit,),
        )
        return [FlaggedReport(str(r["case_code"]), int(r["reporter_user_id"]), int(r["flags"]), str(r["last_at"]),
                              bool(r["banned"])) for r in rows]

    async def log(self, user_id: int) -> list[tuple[str, str, str, str]]:
        """(at, action, actor, reason) of everything logged about a person, oldest first."""
        rows = await self.db.fetchall(
            "SELECT at, action, actor, reason FROM abuse_log WHERE user_id = ? ORDER BY id", (user_id,))
        return [(str(r["at"]), str(r["action"]), str(r["actor"]), str(r["reason"])) for r in rows]
