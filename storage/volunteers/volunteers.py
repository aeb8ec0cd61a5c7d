"""Volunteers (relawan): every SQL statement about their registrations, statuses and reachability."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.database import Database, Tx, iso, utcnow


@dataclass(frozen=True, slots=True)
class NewVolunteer:
    """What the registration conversation collected, as stored."""

    user_id: int
    chat_id: int
    full_name: str
    organisation_id: int | None  # None: an individual volunteer
    organisation_kind: str
    region_code: str  # the kecamatan, or a desa/kelurahan under it
    phone: str
    phone_checked: bool  # shared with the contact button, and the contact was their own
    consent_version: str
    link_id: int | None = None


@dataclass(frozen=True, slots=True)
class VolunteerRow:
    user_id: int
    chat_id: int
    full_name: str
    organisation_id: int | None
    organisation_kind: str
    region_code: str
    phone: str
    phone_checked: bool
    nonpartisan_at: str
    consent_at: str
    consent_version: str
    status: str
    coordinator: bool
    link_id: int | None
    reachable: bool
    created_at: str
    updated_at: str
    status_at: str
    status_by: str | None


@dataclass(frozen=True, slots=True)
class Recipient:
    """A verified volunteer a task goes to, with the language to write to them in (None: not known yet)."""

    user_id: int
    chat_id: int
    locale: str | None


_COLUMNS = (
    "user_id, chat_id, full_name, organisation_id, organisation_kind, region_code, phone, phone_checked,"
    " nonpartisan_at, consent_at, consent_version, status, coordinator, link_id, reachable, created_at, updated_at,"
    " status_at, status_by"
)


def _row(r: sqlite3.Row) -> VolunteerRow:
    return VolunteerRow(
        r["user_id"], r["chat_id"], r["full_name"], r["organisation_id"], r["organisation_kind"], r["region_code"],
        r["phone"], bool(r["phone_checked"]), r["nonpartisan_at"], r["consent_at"], r["consent_version"], r["status"],
        bool(r["coordinator"]), r["link_id"], bool(r["reachable"]), r["created_at"], r["updated_at"], r["status_at"],
        r["status_by"],
    )


# Statuses after which a volunteer gets no more task messages (`volunteers.status`).
NO_MORE_TASKS = ("left", "suspended", "rejected")


def _area(region_code: str) -> tuple[str, tuple[str, str]]:
    """SQL and parameters for 'the region or any region under it' on volunteers.region_code."""
    return "(v.region_code = ? OR v.region_code LIKE ?)", (region_code, f"{region_code}.%")


class VolunteerRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> VolunteerRow | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM volunteers WHERE user_id = ?", (user_id,))
        return _row(row) if row else None

    async def register(self, new: NewVolunteer, tx: Tx | None = None) -> VolunteerRow:
        """Store a registration as pending: a new one, or one that replaces a registration that was rejected
        or left (a verified or pending one is replaced too, and goes back to pending: changed answers are
        verified again; a coordinator staying in their organisation stays its coordinator). The link they came
        by is kept when they register again without one. Inside `tx` when given (e.g. with the verification
        card's outbox row). A suspended volunteer is refused before (bot/volunteers/registration.py)."""
        if tx is None:
            async with self.db.transaction() as own:
                return await self.register(new, own)
        now = iso(utcnow())
        await tx.execute(
            "INSERT INTO volunteers (user_id, chat_id, full_name, organisation_id, organisation_kind, region_code, phone,"
            " phone_checked, nonpartisan_at, consent_at, consent_version, status, coordinator, link_id, reachable,"
            " created_at, updated_at, status_at, status_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, 1, ?, ?, ?, 'self')"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, full_name = excluded.full_name,"
            " organisation_id = excluded.organisation_id, organisation_kind = excluded.organisation_kind,"
            " region_code = excluded.region_code, phone = excluded.phone, phone_checked = excluded.phone_checked,"
            " nonpartisan_at = excluded.nonpartisan_at, consent_at = excluded.consent_at,"
            " consent_version = excluded.consent_version, status = 'pending',"
            " coordinator = CASE WHEN volunteers.organisation_id IS NOT DISTINCT FROM excluded.organisation_id"
            " AND volunteers.status IN ('pending', 'verified') THEN volunteers.coordinator ELSE 0 END,"
            " link_id = COALESCE(excluded.link_id, volunteers.link_id), reachable = 1, updated_at = excluded.updated_at,"
            " status_at = excluded.status_at, status_by = 'self'",
            (new.user_id, new.chat_id, new.full_name, new.organisation_id, new.organisation_kind, new.region_code,
             new.phone, int(new.phone_checked), now, now, new.consent_version, new.link_id, now, now, now),
        )
        await tx.execute(
            "INSERT INTO volunteer_events (user_id, status, actor, at) VALUES (?, 'pending', 'self', ?)",
            (new.user_id, now),
        )
        async with tx.execute(f"SELECT {_COLUMNS} FROM volunteers WHERE user_id = ?", (new.user_id,)) as cur:
            row = await cur.fetchone()
        assert row is not None
        return _row(row)

    async def set_status(
        self, user_id: int, status: str, actor: str, *, expected: tuple[str, ...] = (), reason: str | None = None,
        tx: Tx | None = None,
    ) -> bool:
        """Change a volunteer's status, recording who did it. With `expected`, only from one of those statuses
        (a second press on ✅ changes nothing). Leaving, a suspension or a rejection also cancels the broadcast rows
        still queued for them. True if it changed."""
        if tx is None:
            async with self.db.transaction() as own:
                return await self.set_status(user_id, status, actor, expected=expected, reason=reason, tx=own)
        now = iso(utcnow())
        sql = "UPDATE volunteers SET status = ?, status_at = ?, status_by = ?, updated_at = ? WHERE user_id = ?"
        params: list[object] = [status, now, actor, now, user_id]
        if expected:
            sql += f" AND status IN ({','.join('?' * len(expected))})"
            params.extend(expected)
        cur = await tx.execute(sql, params)
        if cur.rowcount != 1:
            return False
        await tx.execute(
            "INSERT INTO volunteer_events (user_id, status, actor, reason, at) VALUES (?, ?, ?, ?, ?)",
            (user_id, status, actor, reason, now),
        )
        if status in NO_MORE_TASKS:  # what a broadcast still has queued for them does not go either
            await tx.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE batch IS NOT NULL AND status = 'pending'"
                " AND chat_id = (SELECT chat_id FROM volunteers WHERE user_id = ?)",
                (user_id,),
            )
        return True

    async def left_while_suspended(self, user_id: int) -> bool:
        """Whether the volunteer's latest status is `left` and the one before it `suspended` (leaving does not
        lift a suspension: they may not register again until the retention deletes them)."""
        rows = await self.db.fetchall(
            "SELECT status FROM volunteer_events WHERE user_id = ? ORDER BY id DESC LIMIT 2", (user_id,)
        )
        return [r["status"] for r in rows] == ["left", "suspended"]

    async def set_coordinator(self, user_id: int, coordinator: bool) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE volunteers SET coordinator = ?, updated_at = ? WHERE user_id = ?",
                (int(coordinator), iso(utcnow()), user_id),
            )

    async def set_reachable(self, user_id: int, reachable: bool) -> bool:
        """Mark a volunteer (un)reachable (403, chat not found; or they wrote again). True if it changed."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                "UPDATE volunteers SET reachable = ?, updated_at = ? WHERE user_id = ? AND reachable = ?",
                (int(reachable), iso(utcnow()), user_id, int(not reachable)),
            )
            return cur.rowcount == 1

    async def unreachable_ids(self) -> list[int]:
        """User ids of the volunteers marked unreachable (any status)."""
        rows = await self.db.fetchall("SELECT user_id FROM volunteers WHERE reachable = 0")
        return [r["user_id"] for r in rows]

    async def recipients(
        self, region_code: str, *, kinds: tuple[str, ...] = (), organisation_id: int | None = None
    ) -> list[Recipient]:
        """Verified, reachable volunteers of a region and the regions under it, optionally only of some
        organisation kinds or of one organisation; with their language. In user id order."""
        area, params = _area(region_code)
        sql = (
            "SELECT v.user_id, v.chat_id, COALESCE(u.locale, u.client_locale) AS locale FROM volunteers v"
            " LEFT JOIN users u ON u.user_id = v.user_id"
            f" WHERE v.status = 'verified' AND v.reachable = 1 AND {area}"
        )
        args: list[object] = list(params)
        if kinds:
            sql += f" AND v.organisation_kind IN ({','.join('?' * len(kinds))})"
            args.extend(kinds)
        if organisation_id is not None:
            sql += " AND v.organisation_id = ?"
            args.append(organisation_id)
        rows = await self.db.fetchall(sql + " ORDER BY v.user_id", args)
        return [Recipient(r["user_id"], r["chat_id"], r["locale"]) for r in rows]

    async def counts_by_organisation(self, region_code: str) -> dict[int | None, dict[str, int]]:
        """Volunteers of a region and below, per organisation (None: individuals) and status."""
        area, params = _area(region_code)
        rows = await self.db.fetchall(
            f"SELECT v.organisation_id, v.status, COUNT(*) AS n FROM volunteers v WHERE {area}"
            " GROUP BY v.organisation_id, v.status",
            params,
        )
        counts: dict[int | None, dict[str, int]] = {}
        for r in rows:
            counts.setdefault(r["organisation_id"], {})[r["status"]] = r["n"]
        return counts
