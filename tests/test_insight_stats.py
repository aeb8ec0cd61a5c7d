"""Insight's figures against known cases (issue 14): counts, medians, the overdue rule of each election, periods in
the region's zone, and the charts' data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib.pyplot as plt

from bot.insight.charts import category_figure, timeline_figure
from bot.insight.stats import Period, area_of, compute, overdue_of, period_start
from bot.insight.texts import duration
from bot.legal.kinds import ElectionKind
from bot.legal.rules import LegalRules
from storage.insight.facts import CaseFacts

WIB, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
NOW = datetime(2026, 12, 10, 5, 0, tzinfo=UTC)  # 12:00 WIB, a Thursday


def case(n: int, *, category: str = "money_politics", status: str = "received", kind: str = "laporan",
         region: str = "15.71.04", submitted: datetime = NOW - timedelta(hours=2), claimed: timedelta | None = None,
         closed: timedelta | None = None, registered: datetime | None = None) -> CaseFacts:
    return CaseFacts(n, f"PTU-AAAA-{n:04d}", category, status, kind, region, submitted.isoformat(), None, None,
                     (submitted + claimed).isoformat() if claimed else None, registered.isoformat() if registered else None,
                     (submitted + closed).isoformat() if closed else None)


def zone_of(code: str) -> ZoneInfo:
    return WIT if code.startswith("91") else WIB


def test_counts_medians_and_areas() -> None:
    facts = [case(1, claimed=timedelta(minutes=10), status="claimed"),
             case(2, category="hoax", kind="informasi_awal", region="15.71.01", claimed=timedelta(minutes=30),
                  closed=timedelta(hours=5), status="done"),
             case(3, claimed=timedelta(minutes=50), status="claimed"),
             case(4)]
    stats = compute(facts, region="15.71", rules=LegalRules(), zone_of=zone_of, now=NOW, since=None)
    assert stats.total == 4 and stats.laporan == 3 and stats.informasi_awal == 1
    assert stats.by_category == [("money_politics", 3), ("hoax", 1)]
    assert stats.by_status == [("received", 1), ("claimed", 2), ("done", 1)]  # in the cases' life order
    assert stats.by_area == [("15.71.04", 3), ("15.71.01", 1)]
    assert stats.median_claim == timedelta(minutes=30) and stats.median_close == timedelta(hours=5)
    assert stats.unclaimed == 1 and stats.overdue == []
    assert stats.daily[-1] == (date(2026, 12, 10), {"claimed": 2, "done": 1, "received": 1})
    assert area_of("15.71.04", None) == "15" and area_of("15.71.04", "15.71.04") == "15.71.04"


def test_overdue_by_the_election_rules() -> None:
    old = NOW - timedelta(days=20)
    pilkada, pemilu = LegalRules(ElectionKind.PILKADA), LegalRules(ElectionKind.PEMILU)
    today = NOW.astimezone(WIB).date()
    assert overdue_of(case(1, submitted=old), pilkada, WIB, today) is not None  # received 20 days ago
    assert overdue_of(case(2, submitted=old, status="done"), pilkada, WIB, today) is None  # done: not overdue
    assert overdue_of(case(3, submitted=NOW - timedelta(hours=1)), pilkada, WIB, today) is None
    # Registered: Pemilu counts the handling from registration (yesterday: not overdue), Pilkada from receipt.
    registered = case(4, submitted=old, status="registered", registered=NOW - timedelta(days=1))
    assert overdue_of(registered, pemilu, WIB, today) is None
    late = overdue_of(registered, pilkada, WIB, today)
    assert late is not None and late.due < today
    stats = compute([case(5, submitted=old), case(6)], region=None, rules=pilkada, zone_of=zone_of, now=NOW, since=None)
    assert [o.case_code for o in stats.overdue] == ["PTU-AAAA-0005"]


def test_periods_start_at_local_midnight() -> None:
    assert period_start(Period.TODAY, NOW, WIB) == datetime(2026, 12, 10, tzinfo=WIB)
    assert period_start(Period.WEEK, NOW, WIB) == datetime(2026, 12, 4, tzinfo=WIB)
    assert period_start(Period.ALL, NOW, WIB) is None
    late_evening = datetime(2026, 12, 10, 16, 30, tzinfo=UTC)  # 01:30 WIT the next day
    assert period_start(Period.TODAY, late_evening, WIT) == datetime(2026, 12, 11, tzinfo=WIT)


def test_durations_read_as_people_say_them() -> None:
    assert duration("id", timedelta(minutes=5)) == "5 menit"
    assert duration("id", timedelta(hours=3, minutes=7)) == "3 jam 7 menit"
    assert duration("en", timedelta(days=3, hours=2)) == "3 d 2 h"
    assert duration("id", None) == "—"


def test_the_charts_hold_the_figures() -> None:
    figure = category_figure("Jenis", [("Politik uang", 3), ("Hoaks", 1)], "kasus")
    try:
        axes = figure.axes[0]
        assert [round(p.get_width()) for p in axes.patches] == [1, 3]  # bottom to top: the most first on top
        assert [label.get_text() for label in axes.get_yticklabels()] == ["Hoaks", "Politik uang"]
    finally:
        plt.close(figure)
    days = [(date(2026, 12, 9), {"received": 2}), (date(2026, 12, 10), {"received": 1, "done": 4})]
    figure = timeline_figure("Per hari", days, [("received", "diterima"), ("claimed", "ditangani"), ("done", "selesai")],
                             "kasus")
    try:
        axes = figure.axes[0]
        heights = sorted((round(p.get_x() + p.get_width() / 2), round(p.get_height())) for p in axes.patches)
        assert heights == [(0, 0), (0, 2), (1, 1), (1, 4)]  # "ditangani" has no bar: no claimed case
        assert [t.get_text() for t in axes.get_legend().get_texts()] == ["diterima", "selesai"]
    finally:
        plt.close(figure)


def test_what_is_overdue_or_unclaimed_counts_whenever_it_came_in() -> None:
    """Today's figures count today's cases, but an overdue case of last month is overdue today too."""
    old, new = case(1, submitted=NOW - timedelta(days=20)), case(2)
    today = period_start(Period.TODAY, NOW, WIB)
    stats = compute([old, new], region="15.71", rules=LegalRules(), zone_of=zone_of, now=NOW, since=today)
    assert stats.total == 1 and stats.by_category == [("money_politics", 1)]
    assert [o.case_code for o in stats.overdue] == ["PTU-AAAA-0001"] and stats.unclaimed == 2
    yesterday = compute([old, new], region="15.71", rules=LegalRules(), zone_of=zone_of, now=NOW,
                        since=today - timedelta(days=1) if today else None, until=today)
    assert yesterday.total == 0  # neither came in yesterday
