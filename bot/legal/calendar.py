"""Counting days the way the law counts them: calendar days, or working days (hari kerja) that skip weekends,
Indonesia's national public holidays and collective leave days (cuti bersama), and any local days off an
operator adds. The holidays come from the maintained `holidays` package (its Indonesian calendar: the
`public` and `government` categories, the latter being the joint holidays), not from a list of our own."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

from bot.legal.kinds import Counting

SATURDAY = 5


@lru_cache(maxsize=64)
def _national(year: int) -> frozenset[date]:
    days = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(days)


class LegalCalendar:
    """Working days of one deployment: the national calendar plus its own local days off."""

    def __init__(self, local_days_off: Iterable[date] = ()) -> None:
        self.local_days_off = frozenset(local_days_off)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < SATURDAY and day not in _national(day.year) and day not in self.local_days_off

    def add(self, start: date, days: int, counting: Counting) -> date:
        """The last day of a period of `days` days that begins the day after `start` (the day of knowledge, of
        receipt or of registration is day 0): in working days, the `days`-th working day after `start`."""
        if days < 0:
            raise ValueError("a period has no negative length")
        if counting is Counting.CALENDAR:
            return start + timedelta(days=days)
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def elapsed(self, start: date, today: date, counting: Counting) -> int:
        """Days of the period counted from `start` up to and including `today` (0 on `start` itself)."""
        if today <= start:
            return 0
        if counting is Counting.CALENDAR:
            return (today - start).days
        return sum(1 for n in range(1, (today - start).days + 1) if self.is_working_day(start + timedelta(days=n)))
