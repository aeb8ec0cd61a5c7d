"""Recruitment links: every SQL statement about organisations' deep links and the sign-ups they brought."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.database import Database, iso, utcnow
from storage.volunteers.organisations import OrganisationRow


@dataclass(frozen=True, slots=True)
class LinkRow:
    id: int
    organisation_id: int
    payload: str
    coordinator_user_id: int | None
    created_at: str
    created_by: str
    revoked_at: str | None
    organisation_name: str
    organisation_kind: str
    organisation_region: str
    organisation_active: bool
    signups: int  # volunteers registered through it (any status)


class DuplicatePayload(Exception):
    """The payload is taken already (a collision of random tokens: draw another)."""


_SELECT = (
    "SELECT l.id, l.organisation_id, l.payload, l.coordinator_user_id, l.created_at, l.created_by, l.revoked_at,"
    " o.name, o.kind, o.region_code, o.active,"
    " (SELECT COUNT(*) FROM volunteers v WHERE v.link_id = l.id) AS signups"
    " FROM recruitment_links l JOIN organisations o ON o.id = l.organisation_id"
)


def _row(r: sqlite3.Row) -> LinkRow:
    return LinkRow(r["id"], r["organisation_id"], r["payload"], r["coordinator_user_id"], r["created_at"],
                   r["created_by"], r["revoked_at"], r["name"], r["kind"], r["region_code"], bool(r["active"]),
                   r["signups"])


class LinkRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, organisation_id: int, payload: str, coordinator_user_id: int | None,
                     created_by: str) -> LinkRow:
        """A new link; `DuplicatePayload` if the payload exists. Naming a coordinator marks that volunteer one,
        in the same transaction."""
        now = iso(utcnow())
        async with self.db.transaction() as tx:
            try:
                cur = await tx.execute(
                    "INSERT INTO recruitment_links (organisation_id, payload, coordinator_user_id, created_at,"
                    " created_by) VALUES (?, ?, ?, ?, ?) RETURNING id",
                    (organisation_id, payload, coordinator_user_id, now, created_by),
                )
            except sqlite3.IntegrityError as exc:
                if "payload" in str(exc):
                    raise DuplicatePayload(payload) from None
                raise
            if coordinator_user_id is not None:
                await tx.execute("UPDATE volunteers SET coordinator = 1, updated_at = ? WHERE user_id = ?",
                                 (now, coordinator_user_id))
            link_id = cur.returned_id()
        row = await self.get(link_id)
        assert row is not None
        return row

    async def get(self, link_id: int) -> LinkRow | None:
        row = await self.db.fetchone(f"{_SELECT} WHERE l.id = ?", (link_id,))
        return _row(row) if row else None

    async def by_creator(self, created_by: str) -> LinkRow | None:
        """The newest link made by this creator (e.g. one group update)."""
        row = await self.db.fetchone(f"{_SELECT} WHERE l.created_by = ? ORDER BY l.id DESC LIMIT 1", (created_by,))
        return _row(row) if row else None

    async def by_payload(self, payload: str) -> LinkRow | None:
        row = await self.db.fetchone(f"{_SELECT} WHERE l.payload = ?", (payload,))
        return _row(row) if row else None

    async def of_organisations(self, organisation_ids: list[int], *, active_only: bool = False) -> list[LinkRow]:
        """The links of some organisations, oldest first."""
        if not organisation_ids:
            return []
        marks = ",".join("?" * len(organisation_ids))
        sql = f"{_SELECT} WHERE l.organisation_id IN ({marks})"
        if active_only:
            sql += " AND l.revoked_at IS NULL"
        rows = await self.db.fetchall(sql + " ORDER BY l.id", organisation_ids)
        return [_row(r) for r in rows]

    async def revoke(self, link_id: int) -> bool:
        """Revoke a link (it registers nobody from now on). True if it was active."""
        async with self.db.transaction() as tx:
            cur = await tx.execute("UPDATE recruitment_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                   (iso(utcnow()), link_id))
            return cur.rowcount == 1

    async def organisation(self, organisation_id: int) -> OrganisationRow | None:
        """The organisation a link would be for."""
        row = await self.db.fetchone(
            "SELECT id, name, kind, region_code, active, created_at, created_by FROM organisations WHERE id = ?",
            (organisation_id,),
        )
        if row is None:
            return None
        return OrganisationRow(row["id"], row["name"], row["kind"], row["region_code"], bool(row["active"]),
                               row["created_at"], row["created_by"])
