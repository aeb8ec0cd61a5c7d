"""The rows of an export of a region's cases (issue 14), and, for operators only, their reporters' identities: each
identity read is logged in the identity access log, in the transaction that reads it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from storage.database import Database, iso, utcnow
from storage.insight.facts import within
from storage.report_records import ReportRecord, report_columns, report_record


@dataclass(frozen=True, slots=True)
class ExportIdentity:
    name: str
    address: str
    phone: str | None


class ExportRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cases(self, region: str | None) -> list[ReportRecord]:
        """The region's cases (a report that joined a case is counted in it), oldest first."""
        where, params = within(region)
        rows = await self.db.fetchall_long(
            f"SELECT {report_columns()} FROM reports r WHERE {where} AND r.joined_to IS NULL"
            " ORDER BY r.submitted_at, r.id", params)
        return await asyncio.to_thread(lambda: [report_record(r) for r in rows])  # not on the event loop

    async def evidence_hashes(self, region: str | None) -> dict[int, list[str]]:
        """The SHA-256 of each stored evidence file of the region's reports, by report id, in the order sent."""
        where, params = within(region)
        rows = await self.db.fetchall_long(
            "SELECT e.report_id, e.sha256 FROM evidence e JOIN reports r ON r.id = e.report_id"
            f" WHERE {where} AND e.sha256 IS NOT NULL ORDER BY e.id", params)

        def grouped() -> dict[int, list[str]]:
            hashes: dict[int, list[str]] = {}
            for row in rows:
                hashes.setdefault(int(row["report_id"]), []).append(str(row["sha256"]))
            return hashes

        return await asyncio.to_thread(grouped)

    async def reporters(self, region: str | None) -> dict[int, int]:
        """How many people reported each case: the case's own reporter and those whose report joined it."""
        where, params = within(region)
        rows = await self.db.fetchall(
            f"SELECT r.joined_to, COUNT(*) AS n FROM reports r WHERE {where} AND r.joined_to IS NOT NULL"
            " GROUP BY r.joined_to", params)
        return {int(r["joined_to"]): int(r["n"]) + 1 for r in rows}

    async def identities(self, region: str | None, *, accessor: str, purpose: str) -> dict[int, ExportIdentity]:
        """The identities behind the region's cases that still hold one, each access logged first (who, why,
        when), in the same transaction."""
        where, params = within(region)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO identity_access_log (report_id, accessor, purpose, at) SELECT i.report_id, ?, ?, ?"
                f" FROM reporter_identities i JOIN reports r ON r.id = i.report_id WHERE {where}"
                " AND r.joined_to IS NULL", (accessor, purpose, iso(utcnow()), *params))
            async with conn.execute(
                "SELECT i.report_id, i.name, i.address, i.phone FROM reporter_identities i"
                f" JOIN reports r ON r.id = i.report_id WHERE {where} AND r.joined_to IS NULL", params) as cur:
                rows = await cur.fetchall()
        return {int(r["report_id"]): ExportIdentity(str(r["name"]), str(r["address"]), r["phone"]) for r in rows}
