"""Voting day's rules (issue 13): the TPS list, who may watch which TPS and how many, the checklists pushed at
their local times, the answers, a problem becoming a report, and the results-form photos with their conflicts."""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.kernel.refusal import Refusal
from bot.legal.kinds import ElectionKind
from bot.regions.directory import TIMEZONE_NAMES, RegionDirectory
from bot.tasks.ports import ReportSeed, ReportStarter
from bot.tps.catalogue import Catalogue, read_catalogue
from bot.tps.checklist import CONTESTS, DEFAULT_TIMES, PROBLEM, QUESTIONS, Checkpoint, Contest
from bot.tps.texts import checklist_payload
from bot.volunteers.status import VolunteerStatus
from locales import t
from storage.database import iso, utcnow
from storage.delivery.outbox import BULK, OutboxMessage
from storage.tps.stations import Adopted, Coverage, Imported, NewStation, ResultAdded, Station, TpsRepository
from storage.volunteers.volunteers import VolunteerRow

__all__ = ["Adopted", "Assignment", "CoverageReport", "Limits", "Station", "TpsService"]


RESULT_REQUEST_TTL = timedelta(minutes=30)  # a results-form button pressed longer ago no longer takes photos
METHOD_CONFLICT = "pantau.tps_conflict"  # the conflicting results photos as one album, under the caption


class EvidenceFiles(Protocol):
    """Content-addressed file storage (bot/reporting/evidence_store.py EvidenceStore implements it)."""

    async def put(self, content: bytes) -> StoredFile: ...


class StoredFile(Protocol):
    @property
    def sha256(self) -> str: ...

    @property
    def size(self) -> int: ...


class GroupsOf(Protocol):
    """The supervisors' groups of a region (bot/supervision/volunteer_groups.py VolunteerGroups implements it)."""

    async def for_region(self, region_code: str) -> tuple[int, ...]: ...


class References(Protocol):
    """Volunteers' references (REL-0042), by which groups know them (storage/volunteers/verification.py)."""

    async def user_of(self, ref: int) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Assignment:
    station: Station
    result: Adopted
    role: str | None  # the role they now have there (None: refused)


class Roster(Protocol):
    """Volunteers, as voting day sees them (bot/volunteers/service.py VolunteerService implements it)."""

    async def get(self, user_id: int) -> VolunteerRow | None: ...


@dataclass(frozen=True, slots=True)
class Limits:
    per_person: int = 1  # TPS_PER_VOLUNTEER
    per_tps: int = 2  # VOLUNTEERS_PER_TPS


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """A group's region: its desa's coverage, and its vulnerable TPS nobody watches (the first of them)."""

    rows: list[Coverage]
    bare: list[Station]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def watched(self) -> int:
        return sum(r.watched for r in self.rows)

    @property
    def with_results(self) -> int:
        return sum(r.with_results for r in self.rows)

    def by_kecamatan(self) -> list[tuple[str, int, int, int, int]]:
        """(kecamatan code, TPS, watched, vulnerable unwatched, with results), in code order."""
        totals: dict[str, list[int]] = {}
        for r in self.rows:
            t = totals.setdefault(r.kecamatan_code, [0, 0, 0, 0])
            t[0] += r.total
            t[1] += r.watched
            t[2] += r.vulnerable_unwatched
            t[3] += r.with_results
        return [(code, *values) for code, values in sorted(totals.items())]  # type: ignore[misc]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


class TpsService:
    def __init__(self, repo: TpsRepository, regions: RegionDirectory, volunteers: Roster, *,
                 limits: Limits = Limits(), election: ElectionKind = ElectionKind.PILKADA,
                 voting_day: date | None = None, times: dict[Checkpoint, time] | None = None,
                 starter: ReportStarter | None = None, files: EvidenceFiles | None = None,
                 groups: GroupsOf | None = None, refs: References | None = None,
                 locale_for: Callable[[int], Awaitable[str]] | None = None) -> None:
        self.repo = repo
        self.regions = regions
        self.volunteers = volunteers
        self.limits = limits
        self.election = election
        self.voting_day = voting_day
        self.times = times or dict(DEFAULT_TIMES)
        self.starter = starter  # a problem at a TPS becomes a report (bot/reporting/prefill.py)
        self.files = files  # results photos are stored as evidence is (bot/reporting/evidence_store.py)
        self.groups = groups  # the supervisors' groups of a kecamatan, told of a results conflict
        self.refs = refs  # a group assigns a volunteer by their reference
        self.locale_for = locale_for  # a volunteer's language, for what they are told

    # ---- the list ------------------------------------------------------------------------------

    def read(self, text: str) -> Catalogue:
        """A TPS list checked row by row against the deployment's region."""
        def known(code: str) -> bool:
            return self.regions.get(code) is not None and self.regions.in_scope(code)
        return read_catalogue(text, known)

    async def import_catalogue(self, catalogue: Catalogue) -> Imported:
        assert not catalogue.errors, "a file with errors imports nothing"
        return await self.repo.import_all([
            NewStation(r.desa_code, r.desa_name, r.kecamatan_code, r.number, r.address, r.latitude, r.longitude,
                       r.voters, tuple(v.value for v in r.vulnerabilities))
            for r in catalogue.rows])

    def name(self, station: Station) -> str:
        """"TPS 005 Desa Talang Banjar, Jambi Timur" (the desa's name as imported, else its code)."""
        kecamatan = self.regions.get(station.kecamatan_code)
        where = station.desa_name or station.desa_code
        return f"TPS {station.number:03d} {where}" + (f", {kecamatan.name}" if kecamatan else "")

    # ---- adoption ------------------------------------------------------------------------------

    async def volunteer(self, user_id: int) -> VolunteerRow:
        """A verified volunteer; anybody else is refused."""
        volunteer = await self.volunteers.get(user_id)
        if volunteer is None or volunteer.status != VolunteerStatus.VERIFIED:
            raise Refusal("tps.not_verified")
        return volunteer

    def area(self, volunteer: VolunteerRow) -> str:
        """The kecamatan a volunteer picks TPS in: their region's (a desa's kecamatan)."""
        return ".".join(volunteer.region_code.split(".")[:3])

    async def desas(self, volunteer: VolunteerRow) -> list[tuple[str, str | None, int]]:
        return await self.repo.desas(self.area(volunteer))

    async def stations(self, volunteer: VolunteerRow, desa_code: str) -> list[Station]:
        if not desa_code.startswith(self.area(volunteer) + "."):
            raise Refusal("tps.not_your_area")
        return await self.repo.in_desa(desa_code)

    async def nearest(self, volunteer: VolunteerRow, latitude: float, longitude: float, k: int = 3) -> list[Station]:
        """The TPS with coordinates nearest a shared location, in the volunteer's kecamatan, nearest first."""
        located = await self.repo.located(self.area(volunteer))
        located.sort(key=lambda s: distance_km(latitude, longitude, s.latitude or 0.0, s.longitude or 0.0))
        return located[:k]

    async def station_for(self, volunteer: VolunteerRow, tps_id: int) -> Station:
        station = await self.repo.station(tps_id)
        if station is None or station.kecamatan_code != self.area(volunteer):
            raise Refusal("tps.not_your_area")
        return station

    async def adopt(self, user_id: int, tps_id: int, role: str) -> Assignment:
        """Watch a TPS as its primary watcher or a backup, within the limits; the role they have there now (also
        after a second press: the one stored, not the one pressed)."""
        volunteer = await self.volunteer(user_id)
        station = await self.station_for(volunteer, tps_id)
        result = await self.repo.adopt(tps_id, user_id, role, per_person=self.limits.per_person,
                                       per_tps=self.limits.per_tps)
        return Assignment(station, result, await self.role_of(user_id, tps_id))

    async def role_of(self, user_id: int, tps_id: int) -> str | None:
        return next((r for u, r in await self.repo.watchers(tps_id) if u == user_id), None)

    async def watcher_counts(self, stations: list[Station]) -> dict[int, int]:
        """How many watch each of these TPS (👥 full)."""
        return {s.id: len(await self.repo.watchers(s.id)) for s in stations}

    async def station(self, tps_id: int) -> Station | None:
        return await self.repo.station(tps_id)

    async def assign(self, ref: int, desa_code: str, number: int, group_region: str | None) -> Assignment:
        """A supervisors' group assigns TPS `number` of a desa of its region to a verified volunteer of that
        kecamatan, known by their reference: as its primary watcher if it has none, else a backup, within the
        limits. The volunteer is told (in the adoption's transaction); the group never learns who they are."""
        station = await self.repo.by_number(desa_code, number)
        if station is None or (group_region and not (station.kecamatan_code == group_region
                                                     or station.kecamatan_code.startswith(group_region + "."))):
            raise Refusal("tps.assign.unknown_tps")
        user_id = await self.refs.user_of(ref) if self.refs is not None else None
        volunteer = await self.volunteers.get(user_id) if user_id else None
        if user_id is None or volunteer is None or volunteer.status != VolunteerStatus.VERIFIED:
            raise Refusal("tps.assign.unknown_volunteer")
        if self.area(volunteer) != station.kecamatan_code:
            raise Refusal("tps.assign.other_area")
        locale = await self.locale_for(user_id) if self.locale_for is not None else "id"
        # once per assignment: assigned, let go and assigned again is told again
        notices = [OutboxMessage(f"tps-assigned:{station.id}:{user_id}:{iso(utcnow())}", volunteer.chat_id,
                                 "sendMessage",
                                 {"text": t(locale, "tps.assign.told", station=escape(self.name(station))),
                                  "parse_mode": "HTML"})]
        result = await self.repo.adopt(station.id, user_id, "any", per_person=self.limits.per_person,
                                       per_tps=self.limits.per_tps, notices=notices)
        return Assignment(station, result, await self.role_of(user_id, station.id))

    async def release(self, user_id: int, tps_id: int) -> bool:
        return await self.repo.release(tps_id, user_id)

    async def watched_by(self, user_id: int) -> list[tuple[Station, str]]:
        return await self.repo.watched_by(user_id)

    # ---- coverage ------------------------------------------------------------------------------

    async def coverage(self, region: str | None) -> CoverageReport:
        return CoverageReport(await self.repo.coverage(region), await self.repo.vulnerable_unwatched(region))

    # ---- checklists ----------------------------------------------------------------------------

    def zones(self) -> dict[str, list[str]]:
        """The provinces of the deployment's region per time zone label (WIB, WITA, WIT)."""
        zones: dict[str, list[str]] = {}
        for province in self.regions.children(None):
            if self.regions.in_scope(province.code) or (
                    self.regions.scope is not None and self.regions.scope.code.startswith(province.code)):
                zones.setdefault(self.regions.tz_label(province.code), []).append(province.code)
        return zones

    def due(self, now: datetime) -> list[tuple[Checkpoint, str]]:
        """The checkpoints whose time has come (and not passed by more than an hour) in each zone."""
        if self.voting_day is None:
            return []
        found = []
        for zone in self.zones():
            local = now.astimezone(_zone(zone))
            if local.date() != self.voting_day:
                continue
            for checkpoint, at in self.times.items():
                start = datetime.combine(self.voting_day, at, _zone(zone))
                if start <= local < start + timedelta(hours=1):
                    found.append((checkpoint, zone))
        return found

    async def push_due(self, now: datetime, locale_for: Callable[[int], Awaitable[str]]) -> int:
        """Queue the checklists whose time has come, each checkpoint once a day per zone and watcher: how many
        messages. Within the hour after, a watcher who adopted their TPS since gets it too."""
        if self.voting_day is None:
            return 0
        day = self.voting_day.isoformat()
        queued = 0
        zones = self.zones()
        pushed = await self.repo.pushed(day)
        for checkpoint, zone in self.due(now):
            since = pushed.get((checkpoint.value, zone))
            watchers = await self.repo.watcher_chats(zones[zone], adopted_since=since)
            messages = [
                OutboxMessage(f"tps-check:{day}:{checkpoint.value}:{station.id}:{user_id}", user_id, "sendMessage",
                              checklist_payload(await locale_for(user_id), self.name(station), station.id, checkpoint,
                                                self.local_time(station, checkpoint), 0, {}),
                              priority=BULK)
                for user_id, station in watchers
            ]
            if since is not None:  # the late ones (a watcher's key is theirs: nobody gets it twice)
                queued += await self.repo.queue(messages)
            elif await self.repo.push_once(day, checkpoint.value, zone, messages):
                queued += len(messages)
        return queued

    async def answer(self, user_id: int, tps_id: int, checkpoint: Checkpoint, index: int, yes: bool) -> int | None:
        """Store one answer of a watcher of that TPS: the index of the next question, None after the last."""
        questions = QUESTIONS[checkpoint]
        if not 0 <= index < len(questions):
            raise Refusal("tps.stale")
        if not any(station.id == tps_id for station, _ in await self.repo.watched_by(user_id)):
            raise Refusal("tps.not_watching")
        await self.repo.answer(tps_id, user_id, checkpoint.value, questions[index], "yes" if yes else "no")
        return index + 1 if index + 1 < len(questions) else None

    def local_time(self, station: Station, checkpoint: Checkpoint) -> str:
        """"07:00 WIB": a checkpoint's time where the TPS is."""
        return f"{self.times[checkpoint]:%H:%M} {self.regions.tz_label(station.kecamatan_code)}"

    @staticmethod
    def is_problem(checkpoint: Checkpoint, index: int) -> bool:
        return QUESTIONS[checkpoint][index] == PROBLEM

    async def answers(self, user_id: int, tps_id: int, checkpoint: Checkpoint) -> dict[str, str]:
        """A watcher's own answers at a TPS for a checkpoint (a backup's checklist is their own)."""
        return await self.repo.answers(tps_id, checkpoint.value, user_id)

    async def start_report(self, user_id: int, chat_id: int, update_id: int, station: Station,
                           checkpoint: Checkpoint) -> None:
        """The watcher's report of what is wrong at the TPS: prefilled with its place (desa, TPS, address and
        coordinates) and the time now; the report conversation asks the rest."""
        if self.starter is None:
            raise Refusal("tps.stale")
        place = self.name(station) + (f", {station.address}" if station.address else "")
        seed = ReportSeed(source=f"tps:{station.id}:{checkpoint.value}", region_code=station.desa_code, located=None,
                          latitude=station.latitude, longitude=station.longitude, incident_at=utcnow(), chronology=None,
                          files=(), place=place[:300])
        await self.starter.start_prefilled(user_id, chat_id, update_id, seed)

    # ---- results photos ------------------------------------------------------------------------

    def contests(self) -> tuple[Contest, ...]:
        return CONTESTS[self.election]

    async def ask_result(self, user_id: int, tps_id: int, contest: Contest) -> Station:
        if contest not in self.contests():
            raise Refusal("tps.stale")
        station = next((s for s, _ in await self.repo.watched_by(user_id) if s.id == tps_id), None)
        if station is None:
            raise Refusal("tps.not_watching")
        await self.repo.ask_result(user_id, tps_id, contest.value)
        return station

    async def result_request(self, user_id: int) -> tuple[Station, Contest] | None:
        """The TPS and contest the volunteer's next photo is for, if they asked within RESULT_REQUEST_TTL and began
        no report since (a report's photos are its evidence)."""
        found = await self.repo.result_request(user_id, iso(utcnow() - RESULT_REQUEST_TTL))
        if found is None:
            return None
        station = await self.repo.station(found[0])
        return (station, Contest(found[1])) if station is not None else None

    async def add_result(self, user_id: int, station: Station, contest: Contest, content: bytes, file_id: str,
                         group_locale: str) -> ResultAdded:
        """Keep a results photo like evidence (SHA-256, content-addressed). A different photo of the same TPS and
        contest is kept too: both are marked a conflict, and the kecamatan's supervisors are told (never who sent
        them), with both photos."""
        assert self.files is not None
        saved = await self.files.put(content)
        chats = await self.groups.for_region(station.kecamatan_code) if self.groups is not None else ()
        text_of = functools.partial(t, group_locale, "tps.result.conflict", station=escape(self.name(station)),
                                    contest=t(group_locale, f"tps.contest.{contest.value}"))

        def notices(photos: list[str]) -> list[OutboxMessage]:
            """Built in the transaction, from every photo of the TPS's contest then (two sent at once both see both)."""
            caption = text_of(count=len(photos))
            return [OutboxMessage(f"tps-conflict:{station.id}:{contest.value}:{saved.sha256[:16]}:{chat}", chat,
                                  METHOD_CONFLICT, {"photos": photos[-10:], "caption": caption})  # an album holds ten
                    for chat in chats]

        return await self.repo.add_result(station.id, contest.value, user_id, saved.sha256, saved.size, file_id,
                                          notices)

    async def results(self, station: Station, contest: Contest) -> list[tuple[str, str, bool]]:
        return await self.repo.results(station.id, contest.value)


def _zone(label: str) -> ZoneInfo:
    return ZoneInfo(TIMEZONE_NAMES[label])
