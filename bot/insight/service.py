"""Insight's rules (issue 14): a region's statistics over a period, their pictures, the map of its reports, exports
of its cases, and the daily digest of each supervisors' group at its local time. The heavy parts (counting a
province's cases, drawing, writing a spreadsheet) run off the event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from bot.insight import charts, texts
from bot.insight.exports import ExportFormat, render, rows
from bot.insight.map import MapArea, MapPoint, reports_map_png
from bot.insight.stats import Period, Statistics, compute, period_start
from bot.kernel.drawing import PYPLOT
from bot.kernel.refusal import Refusal
from bot.legal.rules import LegalRules
from bot.regions.directory import RegionDirectory
from bot.supervision.case_status import CaseStatus
from locales import t
from storage.database import iso, utcnow
from storage.delivery.outbox import BULK, OutboxMessage
from storage.insight.digests import DigestRepository
from storage.insight.exports import ExportRepository
from storage.insight.facts import InsightRepository

DIGEST_WINDOW = timedelta(hours=1)  # a digest not sent within the hour after its time waits for the next day
MAX_MAP_POINTS = 100_000
RECENT = 8  # statistics kept for the charts that follow their message


class Areas(Protocol):
    """Kecamatan boundaries (bot/regions/geo.py Boundaries implements it)."""

    def areas(self, prefix: str | None) -> list[tuple[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Export:
    content: bytes
    count: int
    file_name: str


class InsightService:
    def __init__(self, facts: InsightRepository, exports: ExportRepository, digests: DigestRepository,
                 regions: RegionDirectory, rules: LegalRules, *, boundaries: Areas | None = None,
                 digest_time: time | None = time(7, 0)) -> None:
        self.facts = facts
        self.exports = exports
        self.digests = digests
        self.regions = regions
        self.rules = rules
        self.boundaries = boundaries
        self.digest_time = digest_time  # None: no digests
        self._recent: dict[tuple[str | None, Period, str], Statistics] = {}
        self._exporting = asyncio.Semaphore(1)

    def zone(self, region: str | None) -> Any:
        return self.regions.timezone(region) if region else self.regions.scope_timezone() or self.regions.timezone("31")

    # ---- statistics ----------------------------------------------------------------------------

    async def statistics(self, region: str | None, period: Period, now: datetime | None = None) -> Statistics:
        """The figures as of `now` (default: now). The last few are kept: the charts that follow a message count
        as of the message's moment, and get its figures without counting a province's cases again."""
        now = now or utcnow()
        key = (region, period, now.isoformat())
        if key in self._recent:
            return self._recent[key]
        since = period_start(period, now, self.zone(region))
        facts = await self.facts.facts(region, until=iso(now))  # all of them: what is overdue came in any time
        stats = await asyncio.to_thread(compute, facts, region=region, rules=self.rules, zone_of=self.regions.timezone,
                                        now=now, since=since)
        self._recent[key] = stats
        while len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]
        return stats

    async def volunteer_figures(self, region: str | None, period: Period,
                                now: datetime | None = None) -> tuple[int, int, int] | None:
        """(verified volunteers, tasks sent, tasks with a report-back), or None while there are none of either."""
        since = period_start(period, now or utcnow(), self.zone(region))
        verified = await self.facts.volunteers_verified(region)
        sent, done = await self.facts.tasks(region, iso(since) if since else None)
        return (verified, sent, done) if verified or sent else None

    async def statistics_text(self, locale: str, region: str | None, period: Period,
                              now: datetime | None = None) -> tuple[str, Statistics, datetime]:
        """The statistics message, its figures, and the moment they were counted (the charts count again then)."""
        now = now or utcnow()
        stats = await self.statistics(region, period, now)
        volunteers = await self.volunteer_figures(region, period, now)
        return texts.statistics_text(locale, self.regions, region, period, stats, volunteers), stats, now

    async def charts(self, locale: str, region: str | None, period: Period,
                     now: datetime | None = None) -> tuple[list[bytes], str] | None:
        """The bar chart by category and the daily timeline by status, with their caption; None without cases."""
        stats = await self.statistics(region, period, now)
        if not stats.total:
            return None
        name = texts.region_name(self.regions, region, locale)
        period_name = t(locale, f"insight.period.{period.value}")
        categories = [(t(locale, f"category.{c}.name"), n) for c, n in stats.by_category]
        statuses = [(s.value, t(locale, f"status.{s.value}")) for s in CaseStatus]

        def draw() -> list[bytes]:
            with PYPLOT:
                return self._draw_charts(locale, name, period_name, categories, statuses, stats)

        return await asyncio.to_thread(draw), texts.caption(locale, self.regions, region, period, stats)

    @staticmethod
    def _draw_charts(locale: str, name: str, period_name: str, categories: list[tuple[str, int]],
                     statuses: list[tuple[str, str]], stats: Statistics) -> list[bytes]:
        by_category = charts.category_figure(t(locale, "insight.stats.chart_category", region=name, period=period_name),
                                             categories, t(locale, "insight.stats.cases"))
        first = charts.png(by_category)
        by_day = charts.timeline_figure(t(locale, "insight.stats.chart_timeline", region=name), stats.daily, statuses,
                                        t(locale, "insight.stats.cases"))
        return [first, charts.png(by_day)]

    # ---- the map -------------------------------------------------------------------------------

    def check_map(self, region: str | None) -> None:
        """Refused when there is no map to draw: no boundaries file, or none of the region's kecamatan in it."""
        if self.boundaries is None:
            raise Refusal("insight.map.no_boundaries")
        if not self.boundaries.areas(region):
            raise Refusal("insight.map.no_areas")

    async def map_png(self, locale: str, region: str | None) -> tuple[bytes, str]:
        """The region's kecamatan shaded by their cases, and the cases with GPS as points by category."""
        self.check_map(region)
        assert self.boundaries is not None
        boundaries = self.boundaries
        found = await self.facts.facts(region)
        name = texts.region_name(self.regions, region, locale)
        names = {c: t(locale, f"category.{c}.name") for c in {f.category for f in found}}

        def draw() -> tuple[bytes, int]:
            counts: dict[str, int] = {}
            for f in found:
                code = ".".join(f.region_code.split(".")[:3])
                counts[code] = counts.get(code, 0) + 1
            areas = [MapArea(code, (r.name if (r := self.regions.get(code)) else code), geometry, counts.get(code, 0))
                     for code, geometry in boundaries.areas(region)]
            points = [MapPoint(f.latitude, f.longitude, names[f.category])
                      for f in found if f.latitude is not None and f.longitude is not None][-MAX_MAP_POINTS:]
            with PYPLOT:
                png = reports_map_png(t(locale, "insight.map.title", region=name), areas, points,
                                      t(locale, "insight.map.legend"), t(locale, "insight.map.no_reports"))
            return png, len(points)

        png, located = await asyncio.to_thread(draw)  # a province's cases: not on the event loop
        return png, t(locale, "insight.map.caption", region=name, total=len(found), located=located)

    # ---- exports -------------------------------------------------------------------------------

    async def export(self, region: str | None, fmt: ExportFormat, locale: str, *, accessor: str | None = None,
                     purpose: str | None = None) -> Export:
        """The region's cases as a file. With `accessor` and `purpose` (an operator's export only), with the
        reporters' identities, each read logged first."""
        if accessor is not None and (not purpose or len(purpose.strip()) < 5):
            raise Refusal("insight.export.usage")
        async with self._exporting:  # one at a time: a province's export holds its 100,000 rows in memory
            records = await self.exports.cases(region)
            hashes = await self.exports.evidence_hashes(region)
            reporters = await self.exports.reporters(region)
            identities = None
            if accessor is not None and purpose is not None:
                identities = await self.exports.identities(region, accessor=accessor, purpose=purpose.strip())

            def make() -> bytes:
                table = rows(records, self.regions, self.rules, locale, hashes=hashes, reporters=reporters,
                             identities=identities)
                return render(table, fmt, with_identity=identities is not None)

            content = await asyncio.to_thread(make)
        day = utcnow().astimezone(self.zone(region)).date()
        place = (region or "semua").replace(".", "")
        return Export(content, len(records), f"pantau-kasus-{place}-{day:%Y%m%d}.{fmt.value}")

    # ---- daily digests -------------------------------------------------------------------------

    async def queue_digests(self, now: datetime, locale: str) -> int:
        """Queue the digest of each group whose local digest time has come today (within the hour), once a day:
        how many were queued."""
        if self.digest_time is None:
            return 0
        due: list[tuple[int, str, str]] = []
        for chat_id, region in await self.digests.recipients():
            zone = self.regions.timezone(region)
            local = now.astimezone(zone)
            start = datetime.combine(local.date(), self.digest_time, zone)
            if start <= local < start + DIGEST_WINDOW:
                due.append((chat_id, region, f"digest:{chat_id}:{local.date().isoformat()}"))
        done = await self.digests.queued([key for _, _, key in due])  # each minute of the hour: counted once
        messages = [OutboxMessage(key, chat_id, "sendMessage",
                                  {"text": await self.digest_text(locale, region, now), "parse_mode": "HTML"},
                                  priority=BULK)
                    for chat_id, region, key in due if key not in done]
        return await self.digests.queue(messages)

    async def digest_text(self, locale: str, region: str, now: datetime) -> str:
        zone = self.regions.timezone(region)
        today = now.astimezone(zone).date()
        midnight = datetime.combine(today, time(0), zone)
        facts = await self.facts.facts(region, until=iso(now))

        def both() -> tuple[Statistics, Statistics]:
            return (compute(facts, region=region, rules=self.rules, zone_of=self.regions.timezone, now=now,
                            since=midnight - timedelta(days=1), until=midnight),
                    compute(facts, region=region, rules=self.rules, zone_of=self.regions.timezone, now=now, since=None))

        day_before, everything = await asyncio.to_thread(both)
        return texts.digest_text(locale, self.regions, region, today, day_before, everything)

    async def digest_enabled(self, chat_id: int) -> bool:
        return await self.digests.enabled(chat_id)

    async def set_digest(self, chat_id: int, enabled: bool, user_id: int) -> None:
        await self.digests.set_enabled(chat_id, enabled, user_id)


def parse_digest_time(value: str) -> time | None:
    """DIGEST_TIME: "07:00" (HH:MM, local), or empty for no digests."""
    text = value.strip()
    if not text:
        return None
    hours, _, minutes = text.partition(":")
    digits = hours + minutes
    if not (digits.isascii() and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24
            and int(minutes) < 60):
        raise ValueError(f"{value!r} is not a time like 07:00 (or leave it empty for no digests)")
    return time(int(hours), int(minutes))
