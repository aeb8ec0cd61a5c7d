"""Statistics of a region's cases over a period (issue 14): counts by category, status, area and kind, the median
times to claim and to close, and the cases overdue by the election's deadlines. Pure: facts in, figures out (run
off the event loop for a whole province's cases)."""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.legal.kinds import ElectionKind
from bot.legal.rules import LegalRules
from bot.supervision.case_status import CaseStatus
from storage.insight.facts import CaseFacts

OPEN = (CaseStatus.RECEIVED, CaseStatus.CLAIMED, CaseStatus.REGISTERED)  # the supervisors' to do
TIMELINE_DAYS = 90  # the daily timeline's longest span: the last 90 days


class Period(StrEnum):
    """A statistics period (the buttons' wire values: never change them)."""

    TODAY = "today"  # since local midnight in the region's zone
    WEEK = "7d"  # the last seven local days, today included
    ALL = "all"  # the whole election: everything stored


def period_start(period: Period, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The period's first moment (None: since the beginning)."""
    midnight = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), zone)
    if period is Period.TODAY:
        return midnight
    if period is Period.WEEK:
        return midnight - timedelta(days=6)
    return None


@dataclass(frozen=True, slots=True)
class Overdue:
    case_code: str
    status: str
    due: date  # the deadline's last day, passed


@dataclass(frozen=True, slots=True)
class Statistics:
    total: int
    by_category: list[tuple[str, int]]  # most first
    by_status: list[tuple[str, int]]  # in CaseStatus order
    by_area: list[tuple[str, int]]  # (code of the level under the region, count), most first
    laporan: int
    informasi_awal: int
    median_claim: timedelta | None
    median_close: timedelta | None
    overdue: list[Overdue]  # oldest deadline first
    unclaimed: int  # received, nobody claimed it yet
    daily: list[tuple[date, dict[str, int]]] = field(default_factory=list)  # per local day: status -> cases


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def area_of(region_code: str, region: str | None) -> str:
    """The code one level under `region` that holds `region_code` (the code itself at the bottom)."""
    depth = len(region.split(".")) + 1 if region else 1
    return ".".join(region_code.split(".")[:depth])


class CountedOnce:
    """A deployment's rules with each day's deadlines counted once: a province's cases share some sixty days."""

    def __init__(self, rules: LegalRules) -> None:
        self.kind = rules.kind
        self.initial_review = functools.lru_cache(maxsize=4096)(rules.initial_review)
        self.handling = functools.lru_cache(maxsize=4096)(rules.handling)
        self.handling_extended = functools.lru_cache(maxsize=4096)(rules.handling_extended)


def overdue_of(facts: CaseFacts, rules: LegalRules | CountedOnce, zone: ZoneInfo, today: date) -> Overdue | None:
    """Past its deadline and not done: received or claimed past the kajian awal's (or, where the election has none,
    the handling's), registered past the handling's with its extension (Pemilu counts from registration, Pilkada
    from receipt)."""
    if facts.status not in OPEN:
        return None
    received = _utc(facts.submitted_at).astimezone(zone).date()
    if facts.status == CaseStatus.REGISTERED:
        start = received
        if rules.kind is ElectionKind.PEMILU and facts.registered_at:
            start = _utc(facts.registered_at).astimezone(zone).date()
        due = rules.handling_extended(start).day
    else:
        review = rules.initial_review(received)
        due = (review or rules.handling(received)).day
    return Overdue(facts.case_code, facts.status, due) if today > due else None


def compute(facts: Sequence[CaseFacts], *, region: str | None, rules: LegalRules, zone_of: Callable[[str], ZoneInfo],
            now: datetime, since: datetime | None, until: datetime | None = None) -> Statistics:
    """The statistics of the region's cases `facts`: counts, medians and the timeline of those submitted from
    `since` (None: all) until before `until` (None: no end); what is overdue and unclaimed now, of them all (a case
    is overdue whenever it came in). Times are counted in each case's own zone; the timeline in the region's."""
    region_zone = zone_of(region) if region else zone_of(facts[0].region_code) if facts else ZoneInfo("Asia/Jakarta")
    categories: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    claim: list[float] = []
    close: list[float] = []
    overdue: list[Overdue] = []
    daily: dict[date, Counter[str]] = {}
    total = unclaimed = 0
    first_day = (now - timedelta(days=TIMELINE_DAYS - 1)).astimezone(region_zone).date()
    zones: dict[str, ZoneInfo] = {}
    counted = CountedOnce(rules)
    for f in facts:
        submitted = _utc(f.submitted_at)
        zone = zones.get(f.region_code)
        if zone is None:
            zone = zones[f.region_code] = zone_of(f.region_code)
        late = overdue_of(f, counted, zone, now.astimezone(zone).date())
        if late is not None:
            overdue.append(late)
        unclaimed += f.status == CaseStatus.RECEIVED
        if (since is not None and submitted < since) or (until is not None and submitted >= until):
            continue
        total += 1
        categories[f.category] += 1
        statuses[f.status] += 1
        areas[area_of(f.region_code, region)] += 1
        kinds[f.kind] += 1
        if f.claimed_at:
            claim.append((_utc(f.claimed_at) - submitted).total_seconds())
        if f.closed_at:
            close.append((_utc(f.closed_at) - submitted).total_seconds())
        day = submitted.astimezone(region_zone).date()
        if day >= first_day:
            daily.setdefault(day, Counter())[f.status] += 1
    start = max(first_day, since.astimezone(region_zone).date() if since else min(daily, default=first_day))
    end = now.astimezone(region_zone).date()
    timeline = [(start + timedelta(days=i), dict(daily.get(start + timedelta(days=i), {})))
                for i in range((end - start).days + 1)] if total else []
    order = {s.value: i for i, s in enumerate(CaseStatus)}
    return Statistics(
        total=total,
        by_category=categories.most_common(),
        by_status=sorted(statuses.items(), key=lambda item: order.get(item[0], len(order))),
        by_area=areas.most_common(),
        laporan=kinds.get("laporan", 0),
        informasi_awal=kinds.get("informasi_awal", 0),
        median_claim=timedelta(seconds=statistics.median(claim)) if claim else None,
        median_close=timedelta(seconds=statistics.median(close)) if close else None,
        overdue=sorted(overdue, key=lambda o: (o.due, o.case_code)),
        unclaimed=unclaimed,
        daily=timeline,
    )
