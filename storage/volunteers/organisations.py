"""Organisations that recruit volunteers: every SQL statement about them."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from storage.database import Database, iso, utcnow


class OrganisationRow(NamedTuple):
    id: int
    name: str
    kind: str
    region_code: str
    active: bool
    created_at: str
    created_by: str


_COLUMNS = "id, name, kind, region_code, active, created_at, created_by"


class DuplicateOrganisation(Exception):
    """An organisation of that name is registered in that region already."""

    def __init__(self, existing: OrganisationRow) -> None:
        super().__init__(existing.name)
        self.existing = existing


def _row(r: sqlite3.Row) -> OrganisationRow:
    return OrganisationRow(r["id"], r["name"], r["kind"], r["region_code"], bool(r["active"]), r["created_at"],
                           r["created_by"])


class OrganisationRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, name: str, kind: str, region_code: str, created_by: str) -> OrganisationRow:
        """Register one; `DuplicateOrganisation` if the name (any letter case) is taken in that region."""
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"SELECT {_COLUMNS} FROM organisations WHERE lower(name) = lower(?) AND region_code = ?",
                (name, region_code),
            ) as cur:
                existing = await cur.fetchone()
            if existing is not None:
                raise DuplicateOrganisation(_row(existing))
            inserted = await tx.execute(
                "INSERT INTO organisations (name, kind, region_code, created_at, created_by) VALUES (?, ?, ?, ?, ?)"
                " RETURNING id",
                (name, kind, region_code, iso(utcnow()), created_by),
            )
            async with tx.execute(f"SELECT {_COLUMNS} FROM organisations WHERE id = ?", (inserted.returned_id(),)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return _row(row)

    async def in_region(self, region_code: str | None) -> list[OrganisationRow]:
        """Active organisations of a region and the regions under it (all of them for None), by region, name."""
        if region_code is None:
            rows = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM organisations WHERE active = 1 ORDER BY region_code, lower(name)")
        else:
            rows = await self.db.fetchall(
                f"SELECT {_COLUMNS} FROM organisations WHERE active = 1 AND (region_code = ? OR region_code LIKE ?)"
                " ORDER BY region_code, lower(name)",
                (region_code, f"{region_code}.%"),
            )
        return [_row(r) for r in rows]
