"""Polling stations (TPS), who watches them, their checklist answers and results-form photos: every SQL statement
of voting day (issue 13)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue


@dataclass(frozen=True, slots=True)
class NewStation:
    desa_code: str
    desa_name: str | None
    kecamatan_code: str
    number: int
    address: str | None
    latitude: float | None
    longitude: float | None
    voters: int | None
    vulnerabilities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Station:
    id: int
    desa_code: str
    desa_name: str | None
    kecamatan_code: str
    number: int
    address: str | None
    latitude: float | None
    longitude: float | None
    voters: int | None
    vulnerabilities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Imported:
    added: int
    updated: int
    unchanged: int


class Adopted(StrEnum):
    """What became of a volunteer's wish to watch a TPS."""

    DONE = "done"
    ALREADY = "already"  # they watch it already (a second press, a re-delivered update)
    PERSON_FULL = "person_full"  # they watch as many TPS as one person may
    TPS_FULL = "tps_full"  # it has as many watchers as one TPS may
    PRIMARY_TAKEN = "primary_taken"  # somebody else is its primary watcher


@dataclass(frozen=True, slots=True)
class Coverage:
    """One desa's TPS: how many, how many watched, how many vulnerable and unwatched, how many sent results."""

    kecamatan_code: str
    desa_code: str
    desa_name: str | None
    total: int
    watched: int
    vulnerable: int
    vulnerable_unwatched: int
    with_results: int


@dataclass(frozen=True, slots=True)
class ResultAdded:
    new: bool  # False: this very photo was received before
    conflict: bool  # another, different photo of the same TPS and contest exists: both marked


_STATION = ("t.id, t.desa_code, t.desa_name, t.kecamatan_code, t.number, t.address, t.latitude, t.longitude, t.voters,"
            " t.vulnerabilities")


def _station(row: Any) -> Station:
    return Station(row["id"], row["desa_code"], row["desa_name"], row["kecamatan_code"], row["number"], row["address"],
                   row["latitude"], row["longitude"], row["voters"], tuple(json.loads(row["vulnerabilities"])))


# A watcher counts while they are a verified volunteer: one suspended or gone gets no checklist and covers no TPS.
_ACTIVE = "w.user_id IN (SELECT v.user_id FROM volunteers v WHERE v.status = 'verified')"


def _within(prefix: str | None, column: str = "t.kecamatan_code") -> tuple[str, tuple[str, ...]]:
    """SQL for "in the region `prefix` or under it" (None: everywhere)."""
    if not prefix:
        return "1 = 1", ()
    return f"({column} = ? OR {column} LIKE ? OR t.desa_code = ?)", (prefix, f"{prefix}.%", prefix)


class TpsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- the list ------------------------------------------------------------------------------

    async def import_all(self, stations: Sequence[NewStation]) -> Imported:
        """Add or update every TPS, in one transaction: all of them, or (an error) none."""
        added = updated = unchanged = 0
        now = iso(utcnow())
        async with self.db.transaction() as conn:
            for s in stations:
                values = (s.desa_name, s.kecamatan_code, s.address, s.latitude, s.longitude, s.voters,
                          json.dumps(list(s.vulnerabilities)))
                async with conn.execute(
                    "SELECT id, desa_name, kecamatan_code, address, latitude, longitude, voters, vulnerabilities"
                    " FROM tps WHERE desa_code = ? AND number = ?", (s.desa_code, s.number)) as cur:
                    old = await cur.fetchone()
                if old is None:
                    await conn.execute(
                        "INSERT INTO tps (desa_code, number, desa_name, kecamatan_code, address, latitude, longitude,"
                        " voters, vulnerabilities, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (s.desa_code, s.number, *values, now))
                    added += 1
                elif tuple(old)[1:] != values:
                    await conn.execute(
                        "UPDATE tps SET desa_name = ?, kecamatan_code = ?, address = ?, latitude = ?, longitude = ?,"
                        " voters = ?, vulnerabilities = ?, imported_at = ? WHERE id = ?", (*values, now, old["id"]))
                    updated += 1
                else:
                    unchanged += 1
        return Imported(added, updated, unchanged)

    async def station(self, tps_id: int) -> Station | None:
        row = await self.db.fetchone(f"SELECT {_STATION} FROM tps t WHERE t.id = ?", (tps_id,))
        return _station(row) if row else None

    async def in_desa(self, desa_code: str) -> list[Station]:
        rows = await self.db.fetchall(f"SELECT {_STATION} FROM tps t WHERE t.desa_code = ? ORDER BY t.number",
                                      (desa_code,))
        return [_station(r) for r in rows]

    async def desas(self, region: str) -> list[tuple[str, str | None, int]]:
        """The desa with TPS in a region (a kecamatan, or wider): (code, name, how many TPS), by code."""
        where, params = _within(region)
        rows = await self.db.fetchall(
            f"SELECT t.desa_code, MAX(t.desa_name) AS name, COUNT(*) AS n FROM tps t WHERE {where}"
            " GROUP BY t.desa_code ORDER BY t.desa_code", params)
        return [(str(r["desa_code"]), r["name"], int(r["n"])) for r in rows]

    async def located(self, region: str | None) -> list[Station]:
        """The TPS with coordinates in a region, for "the nearest TPS" to a shared location."""
        where, params = _within(region)
        rows = await self.db.fetchall(
            f"SELECT {_STATION} FROM tps t WHERE {where} AND t.latitude IS NOT NULL", params)
        return [_station(r) for r in rows]

    async def count(self, region: str | None = None) -> int:
        where, params = _within(region)
        row = await self.db.fetchone(f"SELECT COUNT(*) AS n FROM tps t WHERE {where}", params)
        return int(row["n"]) if row else 0

    # ---- watchers ------------------------------------------------------------------------------

    async def adopt(self, tps_id: int, user_id: int, role: str, *, per_person: int, per_tps: int,
                    notices: Sequence[OutboxMessage] = ()) -> Adopted:
        """The volunteer watches the TPS from now on, unless a limit says no (checked in the same transaction);
        `notices` are queued with it. Role "any": primary if it has none, else a backup."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT tps_id, user_id, role FROM tps_watchers WHERE tps_id = ? OR user_id = ?",
                                    (tps_id, user_id)) as cur:
                rows = [dict(r) for r in await cur.fetchall()]
            if any(r["tps_id"] == tps_id and r["user_id"] == user_id for r in rows):
                return Adopted.ALREADY
            if sum(1 for r in rows if r["user_id"] == user_id) >= per_person:
                return Adopted.PERSON_FULL
            watchers = [r for r in rows if r["tps_id"] == tps_id]
            if len(watchers) >= per_tps:
                return Adopted.TPS_FULL
            taken = any(r["role"] == "primary" for r in watchers)
            if role == "any":
                role = "backup" if taken else "primary"
            elif role == "primary" and taken:
                return Adopted.PRIMARY_TAKEN
            await conn.execute("INSERT INTO tps_watchers (tps_id, user_id, role, since) VALUES (?, ?, ?, ?)",
                               (tps_id, user_id, role, iso(utcnow())))
            for notice in notices:
                await enqueue(conn, notice)
        return Adopted.DONE

    async def by_number(self, desa_code: str, number: int) -> Station | None:
        row = await self.db.fetchone(f"SELECT {_STATION} FROM tps t WHERE t.desa_code = ? AND t.number = ?",
                                     (desa_code, number))
        return _station(row) if row else None

    async def release(self, tps_id: int, user_id: int) -> bool:
        """They no longer watch it; a backup watcher then becomes its primary one. False if they did not."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT role FROM tps_watchers WHERE tps_id = ? AND user_id = ?",
                                    (tps_id, user_id)) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await conn.execute("DELETE FROM tps_watchers WHERE tps_id = ? AND user_id = ?", (tps_id, user_id))
            if row["role"] == "primary":
                await conn.execute(
                    "UPDATE tps_watchers SET role = 'primary' WHERE tps_id = ? AND user_id ="
                    " (SELECT user_id FROM tps_watchers WHERE tps_id = ? ORDER BY since LIMIT 1)", (tps_id, tps_id))
        return True

    async def watched_by(self, user_id: int) -> list[tuple[Station, str]]:
        """The TPS a volunteer watches, with their role there."""
        rows = await self.db.fetchall(
            f"SELECT {_STATION}, w.role FROM tps_watchers w JOIN tps t ON t.id = w.tps_id WHERE w.user_id = ?"
            f" AND {_ACTIVE} ORDER BY w.since", (user_id,))
        return [(_station(r), str(r["role"])) for r in rows]

    async def watchers(self, tps_id: int) -> list[tuple[int, str]]:
        rows = await self.db.fetchall("SELECT user_id, role FROM tps_watchers WHERE tps_id = ? ORDER BY since",
                                      (tps_id,))
        return [(int(r["user_id"]), str(r["role"])) for r in rows]

    async def watcher_chats(self, zone_prefixes: Iterable[str], adopted_since: str | None = None
                            ) -> list[tuple[int, Station]]:
        """Every watcher (user id, which is their private chat) and their TPS, in the provinces given (only those
        who adopted it at `adopted_since` or later, if given)."""
        prefixes = list(zone_prefixes)
        if not prefixes:
            return []
        where = " OR ".join("t.kecamatan_code LIKE ?" for _ in prefixes)
        params: list[str] = [f"{p}.%" for p in prefixes]
        if adopted_since is not None:
            where = f"({where}) AND w.since >= ?"
            params.append(adopted_since)
        rows = await self.db.fetchall(
            f"SELECT {_STATION}, w.user_id FROM tps_watchers w JOIN tps t ON t.id = w.tps_id WHERE ({where})"
            f" AND {_ACTIVE} ORDER BY t.id, w.since", params)
        return [(int(r["user_id"]), _station(r)) for r in rows]

    # ---- coverage ------------------------------------------------------------------------------

    async def coverage(self, region: str | None) -> list[Coverage]:
        """Per desa of the region: TPS, watched, vulnerable, vulnerable and unwatched, with a results photo."""
        where, params = _within(region)
        rows = await self.db.fetchall(
            "SELECT t.kecamatan_code, t.desa_code, MAX(t.desa_name) AS name, COUNT(*) AS total,"
            " SUM(CASE WHEN EXISTS (SELECT 1 FROM tps_watchers w WHERE w.tps_id = t.id"
            f" AND {_ACTIVE}) THEN 1 ELSE 0 END) AS watched,"
            " SUM(CASE WHEN t.vulnerabilities <> '[]' THEN 1 ELSE 0 END) AS vulnerable,"
            " SUM(CASE WHEN t.vulnerabilities <> '[]' AND NOT EXISTS (SELECT 1 FROM tps_watchers w"
            f" WHERE w.tps_id = t.id AND {_ACTIVE}) THEN 1 ELSE 0 END) AS bare,"
            " SUM(CASE WHEN EXISTS (SELECT 1 FROM tps_results r WHERE r.tps_id = t.id) THEN 1 ELSE 0 END) AS results"
            f" FROM tps t WHERE {where} GROUP BY t.kecamatan_code, t.desa_code ORDER BY t.kecamatan_code, t.desa_code",
            params)
        return [Coverage(str(r["kecamatan_code"]), str(r["desa_code"]), r["name"], int(r["total"]), int(r["watched"]),
                         int(r["vulnerable"]), int(r["bare"]), int(r["results"])) for r in rows]

    async def vulnerable_unwatched(self, region: str | None, limit: int = 10) -> list[Station]:
        where, params = _within(region)
        rows = await self.db.fetchall(
            f"SELECT {_STATION} FROM tps t WHERE {where} AND t.vulnerabilities <> '[]' AND NOT EXISTS"
            f" (SELECT 1 FROM tps_watchers w WHERE w.tps_id = t.id AND {_ACTIVE}) ORDER BY t.desa_code, t.number"
            " LIMIT ?",
            (*params, limit))
        return [_station(r) for r in rows]

    # ---- on the day ----------------------------------------------------------------------------

    async def push_once(self, day: str, checkpoint: str, zone: str, messages: Sequence[OutboxMessage]) -> bool:
        """A checkpoint's checklists for one time zone, queued once a day: False if they were queued before."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO tps_checkpoint_runs (day, checkpoint, zone, pushed_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING", (day, checkpoint, zone, iso(utcnow())))
            if cur.rowcount != 1:
                return False
            for message in messages:
                await enqueue(conn, message)
        return True

    async def pushed(self, day: str) -> dict[tuple[str, str], str]:
        """When each (checkpoint, zone) of the day was pushed."""
        rows = await self.db.fetchall("SELECT checkpoint, zone, pushed_at FROM tps_checkpoint_runs WHERE day = ?",
                                      (day,))
        return {(str(r["checkpoint"]), str(r["zone"])): str(r["pushed_at"]) for r in rows}

    async def queue(self, messages: Sequence[OutboxMessage]) -> int:
        """Queue messages (one transaction), each unless its dedup key was queued before: how many were new."""
        if not messages:
            return 0
        async with self.db.transaction() as conn:
            return sum([await enqueue(conn, message) for message in messages])

    async def answer(self, tps_id: int, user_id: int, checkpoint: str, question: str, answer: str) -> None:
        await self.db.write([(
            "INSERT INTO tps_checks (tps_id, user_id, checkpoint, question, answer, at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (tps_id, checkpoint, question, user_id) DO UPDATE SET answer = excluded.answer, at = excluded.at",
            (tps_id, user_id, checkpoint, question, answer, iso(utcnow())))])

    async def answers(self, tps_id: int, checkpoint: str, user_id: int) -> dict[str, str]:
        """One watcher's answers at a TPS for a checkpoint."""
        rows = await self.db.fetchall(
            "SELECT question, answer FROM tps_checks WHERE tps_id = ? AND checkpoint = ? AND user_id = ? ORDER BY at",
            (tps_id, checkpoint, user_id))
        return {str(r["question"]): str(r["answer"]) for r in rows}

    async def ask_result(self, user_id: int, tps_id: int, contest: str) -> None:
        await self.db.write([(
            "INSERT INTO tps_result_requests (user_id, tps_id, contest, asked_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET tps_id = excluded.tps_id, contest = excluded.contest,"
            " asked_at = excluded.asked_at", (user_id, tps_id, contest, iso(utcnow())))])

    async def result_request(self, user_id: int, since: str) -> tuple[int, str] | None:
        """The TPS and contest a volunteer's next photo is for: asked at `since` or later, of a TPS they still watch,
        and not followed by a report or a report-back they began (their photos are its evidence then)."""
        row = await self.db.fetchone(
            "SELECT r.tps_id, r.contest FROM tps_result_requests r JOIN tps_watchers w"
            " ON w.tps_id = r.tps_id AND w.user_id = r.user_id"
            f" WHERE r.user_id = ? AND r.asked_at >= ? AND {_ACTIVE}"
            " AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.user_id = r.user_id AND d.status = 'active'"
            " AND d.updated_at >= r.asked_at)"
            " AND NOT EXISTS (SELECT 1 FROM task_reports b WHERE b.user_id = r.user_id AND b.status = 'open'"
            " AND b.created_at >= r.asked_at)", (user_id, since))
        return (int(row["tps_id"]), str(row["contest"])) if row else None

    async def add_result(self, tps_id: int, contest: str, user_id: int, sha256: str, size: int | None, file_id: str,
                         conflict_notices: Callable[[list[str]], Sequence[OutboxMessage]] | None = None
                         ) -> ResultAdded:
        """Keep a results photo (the request that asked for it is done); a different one of the same TPS and contest
        makes both a conflict, and then `conflict_notices` (given every photo's file id, in the order received) are
        queued in the same transaction."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM tps_result_requests WHERE user_id = ?", (user_id,))
            cur = await conn.execute(
                "INSERT INTO tps_results (tps_id, contest, user_id, sha256, size, telegram_file_id, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (tps_id, contest, user_id, sha256, size, file_id, iso(utcnow())))
            if cur.rowcount != 1:
                return ResultAdded(new=False, conflict=False)
            async with conn.execute("SELECT telegram_file_id FROM tps_results WHERE tps_id = ? AND contest = ?"
                                    " ORDER BY id", (tps_id, contest)) as found:
                photos = [str(r["telegram_file_id"]) for r in await found.fetchall()]
            conflict = len(photos) > 1
            if conflict:
                await conn.execute("UPDATE tps_results SET conflict = 1 WHERE tps_id = ? AND contest = ?",
                                   (tps_id, contest))
                for notice in conflict_notices(photos) if conflict_notices is not None else ():
                    await enqueue(conn, notice)
        return ResultAdded(new=True, conflict=conflict)

    async def results(self, tps_id: int, contest: str) -> list[tuple[str, str, bool]]:
        """(sha256, Telegram file id, conflict) of the photos of a TPS's contest, in the order received."""
        rows = await self.db.fetchall(
            "SELECT sha256, telegram_file_id, conflict FROM tps_results WHERE tps_id = ? AND contest = ? ORDER BY id",
            (tps_id, contest))
        return [(str(r["sha256"]), str(r["telegram_file_id"]), bool(r["conflict"])) for r in rows]
