"""What statistics, the map and the digest are computed from: one narrow row per case of a region (every SQL
statement of insight's reads, issue 14). Cases, not reports: a report that joined a case (the same online content)
is counted once, in its case."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from storage.database import Database

_CLOSED = "('done', 'rejected', 'duplicate')"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    id: int
    case_code: str
    category: str
    status: str
    kind: str  # laporan | informasi_awal
    region_code: str
    submitted_at: str  # UTC, ISO
    latitude: float | None
    longitude: float | None
    claimed_at: str | None  # the first claim
    registered_at: str | None
    closed_at: str | None  # when it was first done, rejected or marked a duplicate


def within(prefix: str | None, column: str = "r.region_code") -> tuple[str, tuple[str, ...]]:
    """SQL for "in the region `prefix` or under it" (None: everywhere)."""
    if not prefix:
        return "1 = 1", ()
    return f"({column} = ? OR {column} LIKE ?)", (prefix, f"{prefix}.%")


def _facts(row: Any) -> CaseFacts:
    return CaseFacts(int(row["id"]), str(row["case_code"]), str(row["category"]), str(row["status"]), str(row["kind"]),
                     str(row["region_code"]), str(row["submitted_at"]), row["latitude"], row["longitude"],
                     row["claimed_at"], row["registered_at"], row["closed_at"])


class InsightRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def facts(self, region: str | None, since: str | None = None, until: str | None = None) -> list[CaseFacts]:
        """The cases of a region submitted from `since` up to `until` (UTC ISO, both optional), oldest first."""
        where, params = within(region)
        inner, inner_params = within(region, "i.region_code")
        for column, op, value in (("submitted_at", ">=", since), ("submitted_at", "<=", until)):
            if value is not None:
                where += f" AND r.{column} {op} ?"
                inner += f" AND i.{column} {op} ?"
                params, inner_params = (*params, value), (*inner_params, value)
        rows = await self.db.fetchall_long(
            "SELECT r.id, r.case_code, r.category, r.status, r.kind, r.region_code, r.submitted_at, r.latitude,"
            " r.longitude, e.claimed_at, e.registered_at, e.closed_at FROM reports r LEFT JOIN (SELECT report_id,"
            " MIN(CASE WHEN action = 'claim' THEN at END) AS claimed_at,"
            " MIN(CASE WHEN action = 'register' THEN at END) AS registered_at,"
            f" MIN(CASE WHEN to_status IN {_CLOSED} THEN at END) AS closed_at"
            # the region's events only, not the whole deployment's
            f" FROM report_events WHERE report_id IN (SELECT i.id FROM reports i WHERE {inner})"
            " GROUP BY report_id) e ON e.report_id = r.id"
            f" WHERE {where} AND r.joined_to IS NULL ORDER BY r.submitted_at, r.id", (*inner_params, *params))
        return await asyncio.to_thread(lambda: [_facts(r) for r in rows])  # 100,000 rows: not on the event loop

    async def volunteers_verified(self, region: str | None) -> int:
        where, params = within(region, "v.region_code")
        row = await self.db.fetchone(
            f"SELECT COUNT(*) AS n FROM volunteers v WHERE v.status = 'verified' AND {where}", params)
        return int(row["n"]) if row else 0

    async def tasks(self, region: str | None, since: str | None = None) -> tuple[int, int]:
        """(tasks sent to volunteers of the region, those with at least one report-back), since `since`."""
        where, params = within(region, "t.region_code")
        if since is not None:
            where += " AND t.created_at >= ?"
            params = (*params, since)
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS sent, SUM(CASE WHEN EXISTS (SELECT 1 FROM task_reports b WHERE b.task_id = t.id"
            f" AND b.status = 'submitted') THEN 1 ELSE 0 END) AS done FROM tasks t WHERE {where}", params)
        return (int(row["sent"] or 0), int(row["done"] or 0)) if row else (0, 0)
