"""The rules of each election, in one table a lawyer can review: every period with its length, how it is
counted and the article it comes from. Where the profile does not know a figure it says so (None), and the bot
says so too rather than invent one.

Sources: UU 7/2017 (Pemilu) and Perbawaslu 7/2022, whose "hari" are working days; UU 1/2015 as amended by UU
10/2016 (Pilkada) and Perbawaslu 8/2020 as amended by Perbawaslu 9/2024, which count calendar days. A period
starts the day after its event (the day the violation became known, the report was received or registered).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.legal.calendar import LegalCalendar
from bot.legal.kinds import Counting, ElectionKind


@dataclass(frozen=True, slots=True)
class Period:
    days: int
    counting: Counting
    source: str  # the article, as cited to people


@dataclass(frozen=True, slots=True)
class LegalProfile:
    kind: ElectionKind
    regulation: str  # what every text cites
    reporting: Period  # a report is filed within this, since the violation became known
    handling: Period  # the decision, since the report was received (Pilkada) or registered (Pemilu)
    handling_extended: Period  # the same, in all, when more information is needed
    initial_review: Period | None  # kajian awal, since receipt; None: not in the profile
    who_may_report: str  # the article naming who may file a laporan (a voter, an observer, a participant)
    in_person: Period  # an online report's identity card, signature and evidence are brought in person within this
    tsm_until_voting_day: str | None  # the article letting TSM violations be reported until voting day; None: none known


PROFILES: dict[ElectionKind, LegalProfile] = {
    ElectionKind.PEMILU: LegalProfile(
        kind=ElectionKind.PEMILU,
        regulation="UU No. 7 Tahun 2017; Perbawaslu No. 7 Tahun 2022",
        reporting=Period(7, Counting.WORKING, "UU 7/2017 Pasal 454 ayat (6)"),
        handling=Period(7, Counting.WORKING, "UU 7/2017 Pasal 454 ayat (7)"),
        handling_extended=Period(14, Counting.WORKING, "UU 7/2017 Pasal 454 ayat (8)"),
        initial_review=Period(2, Counting.WORKING, "Perbawaslu 7/2022 Pasal 15 ayat (1)"),
        who_may_report="Perbawaslu 7/2022 Pasal 8 ayat (2)",
        in_person=Period(2, Counting.WORKING, "Perbawaslu 7/2022 (laporan melalui daring)"),
        tsm_until_voting_day="Perbawaslu 7/2022 Pasal 8 ayat (4)",
    ),
    ElectionKind.PILKADA: LegalProfile(
        kind=ElectionKind.PILKADA,
        regulation="UU No. 1 Tahun 2015 jo. UU No. 10 Tahun 2016; Perbawaslu No. 8 Tahun 2020 jo. Perbawaslu No. 9 "
                   "Tahun 2024",
        reporting=Period(7, Counting.CALENDAR, "UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (4)"),
        handling=Period(3, Counting.CALENDAR, "UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (5)"),
        handling_extended=Period(5, Counting.CALENDAR, "UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (6)"),
        initial_review=None,
        who_may_report="UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (2)",
        in_person=Period(2, Counting.CALENDAR, "Perbawaslu 8/2020 jo. Perbawaslu 9/2024 (laporan melalui daring)"),
        tsm_until_voting_day=None,
    ),
}


def profile(kind: ElectionKind | str) -> LegalProfile:
    return PROFILES[ElectionKind(kind)]


def deadline(period: Period, calendar: LegalCalendar, start: date) -> date:
    """The last day of `period` counted from `start` (its day 0)."""
    return calendar.add(start, period.days, period.counting)


def reporting_deadline(rules: LegalProfile, calendar: LegalCalendar, known: date, *, tsm: bool = False
                       ) -> date | None:
    """The last day a violation that became known on `known` may be reported; None for a TSM violation where
    the profile lets those be reported until voting day (no 7-day limit). Without such a rule a TSM report
    has the ordinary limit: the profile does not invent an exemption."""
    if tsm and rules.tsm_until_voting_day is not None:
        return None
    return deadline(rules.reporting, calendar, known)


def is_stale(rules: LegalProfile, calendar: LegalCalendar, known: date, today: date, *, tsm: bool = False) -> bool:
    """Whether a report filed `today` is past the reporting window."""
    last = reporting_deadline(rules, calendar, known, tsm=tsm)
    return last is not None and today > last
