"""The legal rules table (bot/legal/profile.py) and the day counting behind it (bot/legal/calendar.py):
working days across a weekend and across the Idul Fitri collective leave, Pilkada's calendar days, TSM reports,
each deadline, an operator's local days off, and the profile saying when it does not know a figure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.legal.calendar import LegalCalendar
from bot.legal.kinds import Counting, ElectionKind
from bot.legal.profile import PROFILES, deadline, is_stale, profile, reporting_deadline
from bot.legal.rules import Deadline, LegalRules

PEMILU, PILKADA = profile(ElectionKind.PEMILU), profile("pilkada")
CAL = LegalCalendar()


def test_working_days_skip_the_weekend() -> None:
    # Known on Thursday 6 Nov 2025: Fri 7 is day 1, Sat/Sun skipped, Mon 10 .. Fri 14 are days 2-6, Mon 17 day 7.
    assert CAL.add(date(2025, 11, 6), 7, Counting.WORKING) == date(2025, 11, 17)
    assert CAL.elapsed(date(2025, 11, 6), date(2025, 11, 10), Counting.WORKING) == 2


def test_working_days_skip_idul_fitri_and_its_collective_leave() -> None:
    # 2025: Nyepi joint holiday Fri 28 March, Idul Fitri 31 March-1 April, collective leave 2-4 and 7 April.
    known = date(2025, 3, 27)
    assert not CAL.is_working_day(date(2025, 3, 28)) and not CAL.is_working_day(date(2025, 4, 7))
    assert CAL.is_working_day(date(2025, 4, 8))
    assert reporting_deadline(PEMILU, CAL, known) == date(2025, 4, 16)  # 8, 9, 10, 11, 14, 15, 16 April
    assert not is_stale(PEMILU, CAL, known, date(2025, 4, 16))
    assert is_stale(PEMILU, CAL, known, date(2025, 4, 17))


def test_pilkada_counts_calendar_days() -> None:
    known = date(2025, 3, 27)
    assert reporting_deadline(PILKADA, CAL, known) == date(2025, 4, 3)  # holidays count
    assert is_stale(PILKADA, CAL, known, date(2025, 4, 4))
    assert deadline(PILKADA.handling, CAL, date(2024, 11, 25)) == date(2024, 11, 28)  # 3 days after receipt
    assert deadline(PILKADA.handling_extended, CAL, date(2024, 11, 25)) == date(2024, 11, 30)  # + up to 2


def test_each_pemilu_deadline_in_working_days() -> None:
    registered = date(2026, 12, 1)  # a Tuesday
    assert deadline(PEMILU.handling, CAL, registered) == date(2026, 12, 10)  # 7 working days
    assert deadline(PEMILU.handling_extended, CAL, registered) == date(2026, 12, 21)  # 14 working days
    assert PEMILU.initial_review is not None
    assert deadline(PEMILU.initial_review, CAL, registered) == date(2026, 12, 3)  # kajian awal: 2 days


def test_a_tsm_report_is_not_stale_after_seven_days_where_the_law_says_so() -> None:
    known = date(2025, 1, 6)
    assert reporting_deadline(PEMILU, CAL, known, tsm=True) is None
    assert not is_stale(PEMILU, CAL, known, date(2025, 6, 1), tsm=True)
    # Pilkada's profile knows no such rule: a TSM report keeps the ordinary limit, nothing is invented.
    assert PILKADA.tsm_until_voting_day is None
    assert reporting_deadline(PILKADA, CAL, known, tsm=True) == date(2025, 1, 13)


def test_an_operators_local_day_off_is_not_a_working_day() -> None:
    local = LegalCalendar([date(2025, 11, 10)])  # e.g. a provincial anniversary
    assert CAL.add(date(2025, 11, 6), 2, Counting.WORKING) == date(2025, 11, 10)
    assert local.add(date(2025, 11, 6), 2, Counting.WORKING) == date(2025, 11, 11)


@pytest.mark.parametrize("kind", list(ElectionKind))
def test_every_period_cites_its_article_and_unknown_figures_are_none(kind: ElectionKind) -> None:
    rules = PROFILES[kind]
    periods = [rules.reporting, rules.handling, rules.handling_extended, rules.initial_review]
    for period in periods:
        assert period is None or (period.days > 0 and "Pasal" in period.source)
    assert rules.handling_extended.days > rules.handling.days
    assert "Pasal" in rules.who_may_report and (rules.tsm_until_voting_day is None or "Pasal" in rules.tsm_until_voting_day)
    # The in-person follow-up names its regulation; its article is for a lawyer to add (docs/legal.md says so).
    assert rules.in_person.days == 2 and "Perbawaslu" in rules.in_person.source
    assert rules.in_person.counting is rules.reporting.counting
    assert ("UU No. 7 Tahun 2017" in rules.regulation) == (kind is ElectionKind.PEMILU)
    assert ("UU No. 10 Tahun 2016" in rules.regulation) == (kind is ElectionKind.PILKADA)


def test_the_categories_and_forwarding_targets_follow_the_law() -> None:
    from bot.reporting.categories import CATEGORIES
    from locales import LOCALES, t

    assert {"organiser_ethics", "intimidation"} <= set(CATEGORIES)  # → DKPP; intimidation or violence
    for locale in LOCALES:
        label = t(locale, "forward.kasn")  # KASN stopped in August 2024: its duties passed to BKN
        assert "BKN" in label and "KASN" not in label
        assert "DKPP" in t(locale, "category.organiser_ethics.description")


def test_pilkada_day_seven_since_known_is_inside_and_day_eight_is_stale() -> None:
    rules = LegalRules()  # the default: Pilkada
    known = date(2026, 11, 18)
    assert not rules.is_stale(known, date(2026, 11, 25))  # day 7
    assert rules.is_stale(known, date(2026, 11, 26))  # day 8


def test_the_day_that_counts_is_the_regions_own() -> None:
    moment = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # 23:30 in Jakarta, already 01:30 the next day in Jayapura
    known = date(2026, 11, 18)
    rules = LegalRules()
    assert not rules.is_stale(known, moment.astimezone(ZoneInfo("Asia/Jakarta")).date())
    assert rules.is_stale(known, moment.astimezone(ZoneInfo("Asia/Jayapura")).date())


def test_working_days_across_the_year_end_skip_christmas_new_year_and_isra_miraj() -> None:
    # Known Monday 28 Dec 2026: 29, 30, 31 Dec; 1 Jan (New Year), 2-3 (weekend); 4 Jan; 5 Jan (Isra Mi'raj); 6, 7, 8 Jan
    assert LegalRules("pemilu").reporting_deadline(date(2026, 12, 28)) == Deadline(
        date(2027, 1, 8), PROFILES[ElectionKind.PEMILU].reporting
    )


def test_the_in_person_follow_up_counts_as_the_election_does() -> None:
    friday = date(2026, 12, 4)
    assert LegalRules("pemilu").in_person(friday).day == date(2026, 12, 8)  # Monday 7, Tuesday 8
    assert LegalRules("pilkada").in_person(friday).day == date(2026, 12, 6)
    assert LegalRules("pilkada").initial_review(friday) is None  # not in the profile: the texts say so


def test_the_day_to_come_in_person_is_never_after_the_filing_window() -> None:
    rules = LegalRules()  # Pilkada: the follow-up is 2 days, the filing window 7 days since known
    received = date(2026, 11, 20)
    assert rules.bring_by(received, known=date(2026, 11, 19)).day == date(2026, 11, 22)  # the follow-up
    # learned of it six days before: the window ends on 21 November, before the follow-up's 22nd
    ends = rules.bring_by(received, known=date(2026, 11, 14))
    assert ends.day == date(2026, 11, 21) and ends.period is rules.profile.reporting
    pemilu = LegalRules("pemilu")
    assert pemilu.bring_by(received, known=date(2026, 10, 1), tsm=True).day == date(2026, 11, 24)  # TSM: no window


def test_the_day_to_come_in_person_is_never_before_the_report_was_received() -> None:
    rules = LegalRules()  # Pilkada: learned of it 1 November, the window closed on 8 November
    received = date(2026, 11, 20)
    day = rules.bring_by(received, known=date(2026, 11, 1)).day
    assert day >= received and day == date(2026, 11, 22)  # the follow-up, not a day already past
