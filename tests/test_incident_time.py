from __future__ import annotations

import dataclasses
import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.reporting.incident_time import (
    IncidentTime,
    IncidentTimeError,
    parse_incident_time,
    today,
    yesterday,
)

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

# Wednesday 25 November 2026, 15:00 WIB.
NOW = datetime.datetime(2026, 11, 25, 15, 0, tzinfo=WIB)


def _iso(text: str, now: datetime.datetime = NOW) -> str:
    return parse_incident_time(text, now).isoformat()


# --------------------------------------------------------------------------------------------
# Accepted formats
# --------------------------------------------------------------------------------------------

NUMERIC_CASES = [
    ("21-11-2026", "2026-11-21"),
    ("21/11/2026", "2026-11-21"),
    ("21.11.2026", "2026-11-21"),
    ("1-2-2026", "2026-02-01"),
    ("5-3-26", "2026-03-05"),
    ("05/03/26", "2026-03-05"),
    ("5.3.25", "2025-03-05"),
    ("2026-11-21", "2026-11-21"),
    ("2026/11/21", "2026-11-21"),
    ("2026.1.9", "2026-01-09"),
    ("01-01-2025", "2025-01-01"),
]

TIME_CASES = [
    ("21-11-2026 14:30", "2026-11-21T14:30"),
    ("21-11-2026 14.30", "2026-11-21T14:30"),
    ("21/11/2026 jam 14.30", "2026-11-21T14:30"),
    ("21/11/2026 jam 14:30", "2026-11-21T14:30"),
    ("21.11.2026 pukul 14:30", "2026-11-21T14:30"),
    ("21.11.2026 pukul 14.30", "2026-11-21T14:30"),
    ("21-11-2026 pkl 14.30", "2026-11-21T14:30"),
    ("21-11-2026 14:30 WIB", "2026-11-21T14:30"),
    ("21-11-2026 14.30 WITA", "2026-11-21T14:30"),
    ("21-11-2026 14:30 WIT", "2026-11-21T14:30"),
    ("21-11-2026 14:30wib", "2026-11-21T14:30"),
    ("21-11-2026 pukul 14.30 WIB", "2026-11-21T14:30"),
    ("5-3-26 8:05", "2026-03-05T08:05"),
    ("2026-11-21 08:05", "2026-11-21T08:05"),
    ("2026-11-21T14:30", "2026-11-21T14:30"),
    ("21-11-2026 00:00", "2026-11-21T00:00"),
    ("21-11-2026 23:59", "2026-11-21T23:59"),
    ("21-11-2026 jam 14", "2026-11-21T14:00"),
    ("21-11-2026 jam 7 malam", "2026-11-21T19:00"),
    ("21-11-2026 jam 2 siang", "2026-11-21T14:00"),
    ("21-11-2026 jam 4 sore", "2026-11-21T16:00"),
    ("21-11-2026 jam 8 pagi", "2026-11-21T08:00"),
    ("21-11-2026 7 pm", "2026-11-21T19:00"),
    ("21-11-2026 7.30 p.m.", "2026-11-21T19:30"),
    ("21-11-2026 12 am", "2026-11-21T00:00"),
    ("21-11-2026, 14:30", "2026-11-21T14:30"),
    ("jam 14.30 21-11-2026", "2026-11-21T14:30"),
    ("14:30 21/11/2026", "2026-11-21T14:30"),
]

MONTH_NAME_CASES = [
    ("21 November 2026", "2026-11-21"),
    ("21 nov 2026 14.30", "2026-11-21T14:30"),
    ("21 Agustus", "2026-08-21"),
    ("Nov 21, 2026", "2026-11-21"),
    ("Nov 21 2026", "2026-11-21"),
    ("November 21st, 2026", "2026-11-21"),
    ("21st Nov 2026", "2026-11-21"),
    ("21-nov-2026", "2026-11-21"),
    ("21nov2026", "2026-11-21"),
    ("21 nov. 2026", "2026-11-21"),
    ("21 nov 26", "2026-11-21"),
    ("1 Januari 2026", "2026-01-01"),
    ("1 January 2026", "2026-01-01"),
    ("1 Jan 2026", "2026-01-01"),
    ("14 Februari 2026", "2026-02-14"),
    ("14 Pebruari 2026", "2026-02-14"),
    ("14 February 2026", "2026-02-14"),
    ("14 Feb 2026", "2026-02-14"),
    ("3 Maret 2026", "2026-03-03"),
    ("3 March 2026", "2026-03-03"),
    ("3 Mar 2026", "2026-03-03"),
    ("3 April 2026", "2026-04-03"),
    ("3 Apr 2026", "2026-04-03"),
    ("3 Mei 2026", "2026-05-03"),
    ("May 3, 2026", "2026-05-03"),
    ("3 Juni 2026", "2026-06-03"),
    ("3 June 2026", "2026-06-03"),
    ("3 Jun 2026", "2026-06-03"),
    ("3 Juli 2026", "2026-07-03"),
    ("3 July 2026", "2026-07-03"),
    ("3 Jul 2026", "2026-07-03"),
    ("17 Agustus 2026", "2026-08-17"),
    ("17 August 2026", "2026-08-17"),
    ("17 Agt 2026", "2026-08-17"),
    ("17 Agu 2026", "2026-08-17"),
    ("17 Ags 2026", "2026-08-17"),
    ("17 Aug 2026", "2026-08-17"),
    ("3 September 2026", "2026-09-03"),
    ("3 Sept 2026", "2026-09-03"),
    ("3 Sep 2026", "2026-09-03"),
    ("3 Oktober 2026", "2026-10-03"),
    ("3 October 2026", "2026-10-03"),
    ("3 Okt 2026", "2026-10-03"),
    ("Oct 3, 2026", "2026-10-03"),
    ("3 November 2025", "2025-11-03"),
    ("3 Nopember 2025", "2025-11-03"),
    ("3 Nop 2025", "2025-11-03"),
    ("3 Desember 2025", "2025-12-03"),
    ("3 December 2025", "2025-12-03"),
    ("3 Des 2025", "2025-12-03"),
    ("Dec 3, 2025", "2025-12-03"),
    ("21 november 2026 jam 14.30 wib", "2026-11-21T14:30"),
    ("Sabtu, 21 November 2026", "2026-11-21"),
    ("hari Sabtu 21 November 2026 pukul 09.00", "2026-11-21T09:00"),
    ("tgl 21 nov 2026", "2026-11-21"),
    ("tanggal 21-11-2026", "2026-11-21"),
    ("Saturday, Nov 21, 2026", "2026-11-21"),
]

# Day-month without year: this year, or last year when this year's date would be after NOW.
YEARLESS_CASES = [
    ("21 November", "2026-11-21"),
    ("25 Nov", "2026-11-25"),  # today
    ("26 Nov", "2025-11-26"),  # tomorrow this year -> last year
    ("30 Desember", "2025-12-30"),
    ("1 Januari", "2026-01-01"),
    ("Nov 21", "2026-11-21"),
    ("21/11", "2026-11-21"),
    ("21-11", "2026-11-21"),
    ("21.11", "2026-11-21"),
    ("24/12", "2025-12-24"),
    ("21 Agustus 14.30", "2026-08-21T14:30"),
    ("21/11 14:30", "2026-11-21T14:30"),
]

RELATIVE_CASES = [
    ("hari ini", "2026-11-25"),
    ("today", "2026-11-25"),
    ("kemarin", "2026-11-24"),
    ("kemaren", "2026-11-24"),
    ("yesterday", "2026-11-24"),
    ("kemarin lusa", "2026-11-23"),
    ("2 hari lalu", "2026-11-23"),
    ("2 hari yang lalu", "2026-11-23"),
    ("dua hari lalu", "2026-11-23"),
    ("2 days ago", "2026-11-23"),
    ("two days ago", "2026-11-23"),
    ("sehari lalu", "2026-11-24"),
    ("5 hari yg lalu", "2026-11-20"),
    ("seminggu lalu", "2026-11-18"),
    ("1 week ago", "2026-11-18"),
    ("0 hari lalu", "2026-11-25"),
    ("tadi pagi", "2026-11-25"),
    ("tadi malam", "2026-11-25"),
    ("tadi siang", "2026-11-25"),
    ("tadi", "2026-11-25"),
    ("kemarin malam", "2026-11-24"),
    ("yesterday evening", "2026-11-24"),
    ("kemarin jam 19.00", "2026-11-24T19:00"),
    ("kemarin pukul 19:00 WIB", "2026-11-24T19:00"),
    ("today 08:15", "2026-11-25T08:15"),
    ("hari ini jam 8", "2026-11-25T08:00"),
    ("yesterday at 7 pm", "2026-11-24T19:00"),
    ("jam 19.00 kemarin", "2026-11-24T19:00"),
    ("kemarin jam 7 malam", "2026-11-24T19:00"),
    ("kemarin malam jam 9", "2026-11-24T21:00"),  # part of day from "malam" applies
    ("kemarin malam jam 21.30", "2026-11-24T21:30"),
    ("kemarin sore jam 4", "2026-11-24T16:00"),
    ("tadi pagi jam 8", "2026-11-25T08:00"),
    ("tadi pagi jam 8.45", "2026-11-25T08:45"),
    ("2 hari lalu jam 10.00", "2026-11-23T10:00"),
    ("kemarin lusa 06:00", "2026-11-23T06:00"),
]

TIME_ONLY_CASES = [
    ("14:30", "2026-11-25T14:30"),
    ("jam 9", "2026-11-25T09:00"),
    ("pukul 14.30", "2026-11-25T14:30"),
    ("14.30 WIB", "2026-11-25T14:30"),
    ("15:00", "2026-11-25T15:00"),  # exactly now is not future
]

SPACING_AND_CASE_CASES = [
    ("  21   NOV   2026  ", "2026-11-21"),
    ("21 / 11 / 2026", "2026-11-21"),
    ("21 - 11 - 2026   14:30", "2026-11-21T14:30"),
    ("KEMARIN  JAM 19.00", "2026-11-24T19:00"),
    ("Hari Ini", "2026-11-25"),
    ("\tkemarin\n", "2026-11-24"),
    ("21\u00a0November\u00a02026", "2026-11-21"),
    ("kemarin.", "2026-11-24"),
    ("TODAY 08:15", "2026-11-25T08:15"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    NUMERIC_CASES
    + TIME_CASES
    + MONTH_NAME_CASES
    + YEARLESS_CASES
    + RELATIVE_CASES
    + TIME_ONLY_CASES
    + SPACING_AND_CASE_CASES,
)
def test_accepted_formats(text: str, expected: str) -> None:
    assert _iso(text) == expected


@pytest.mark.parametrize(
    ("text", "has_time"),
    [("21-11-2026", False), ("21-11-2026 14:30", True), ("kemarin", False), ("tadi malam", False)],
)
def test_time_is_none_only_when_no_time_given(text: str, has_time: bool) -> None:
    assert (parse_incident_time(text, NOW).time is not None) is has_time


def test_yearless_29_february() -> None:
    now = datetime.datetime(2028, 3, 1, 12, 0, tzinfo=WIB)  # 2028 is a leap year
    assert _iso("29 Februari", now) == "2028-02-29"
    # In 2026 neither this nor last year has 29 February.
    with pytest.raises(IncidentTimeError) as exc:
        parse_incident_time("29 Februari", NOW)
    assert exc.value.code == "unparseable"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

ERROR_CASES = [
    ("", "unparseable"),
    ("   ", "unparseable"),
    ("blah", "unparseable"),
    ("waktu itu", "unparseable"),
    ("31-02-2026", "unparseable"),
    ("29-02-2026", "unparseable"),
    ("32/01/2026", "unparseable"),
    ("21-13-2026", "unparseable"),
    ("0-11-2026", "unparseable"),
    ("2026-02-30", "unparseable"),
    ("30 Februari 2026", "unparseable"),
    ("21 foo 2026", "unparseable"),
    ("21-11-2026 25:00", "unparseable"),
    ("21-11-2026 24:00", "unparseable"),
    ("21-11-2026 14:60", "unparseable"),
    ("25:00", "unparseable"),
    ("kemarin jam 25", "unparseable"),
    ("21-11-2026 jam 14 pagi", "unparseable"),
    ("14.30", "unparseable"),  # bare h.mm is read as day.month (month 30)
    ("21-11-2026 14", "unparseable"),  # bare hour needs "jam"/"pukul"
    ("kemarin jam", "unparseable"),
    ("21-11/2026", "unparseable"),
    ("minggu lalu", "unparseable"),
    ("banyak hari lalu", "unparseable"),
    ("26-11-2026", "future"),
    ("26 November 2026", "future"),
    ("2027-01-01", "future"),
    ("1 Januari 2027", "future"),
    ("hari ini jam 16.00", "future"),
    ("15:01", "future"),
    ("25-11-2026 23:59", "future"),
    ("tadi malam jam 9", "future"),  # 21:00 today, now is 15:00
    ("24-11-2024", "too_old"),  # two years and one day
    ("1 Januari 2020", "too_old"),
    ("5-3-19", "too_old"),
    ("1000 hari lalu", "too_old"),
    ("21 nov 14", "too_old"),  # two-digit year 2014
]


@pytest.mark.parametrize(("text", "code"), ERROR_CASES)
def test_errors(text: str, code: str) -> None:
    with pytest.raises(IncidentTimeError) as exc:
        parse_incident_time(text, NOW)
    assert exc.value.code == code
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25-11-2026", "2026-11-25"),  # date-only equal to today is fine
        ("25-11-2026 15:00", "2026-11-25T15:00"),  # same minute as now is fine
        ("25-11-2024", "2024-11-25"),  # exactly two years ago is still accepted
    ],
)
def test_boundaries_that_are_accepted(text: str, expected: str) -> None:
    assert _iso(text) == expected


def test_now_with_seconds_accepts_current_minute() -> None:
    now = datetime.datetime(2026, 11, 25, 15, 0, 59, tzinfo=WIB)
    assert _iso("15:00", now) == "2026-11-25T15:00"
    with pytest.raises(IncidentTimeError) as exc:
        parse_incident_time("15:01", now)
    assert exc.value.code == "future"


def test_too_old_limit_on_leap_day() -> None:
    now = datetime.datetime(2028, 2, 29, 10, 0, tzinfo=WIB)
    assert _iso("28-02-2026", now) == "2026-02-28"
    with pytest.raises(IncidentTimeError) as exc:
        parse_incident_time("27-02-2026", now)
    assert exc.value.code == "too_old"


def test_naive_now_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_incident_time("kemarin", datetime.datetime(2026, 11, 25, 15, 0))


def test_error_has_message_and_code() -> None:
    err = IncidentTimeError("future")
    assert err.code == "future"
    assert str(err)


# --------------------------------------------------------------------------------------------
# Time zones: just after midnight in Jayapura (WIT, UTC+9) is still the previous evening in
# Jakarta (WIB, UTC+7). `now` is used in its own zone, never converted.
# --------------------------------------------------------------------------------------------

INSTANT = datetime.datetime(2026, 11, 25, 15, 30, tzinfo=datetime.UTC)
NOW_JAYAPURA = INSTANT.astimezone(WIT)  # 2026-11-26 00:30 WIT
NOW_JAKARTA = INSTANT.astimezone(WIB)  # 2026-11-25 22:30 WIB


def test_zone_fixture_sanity() -> None:
    assert (NOW_JAYAPURA.date(), NOW_JAYAPURA.hour) == (datetime.date(2026, 11, 26), 0)
    assert (NOW_JAKARTA.date(), NOW_JAKARTA.hour) == (datetime.date(2026, 11, 25), 22)


@pytest.mark.parametrize(
    ("text", "jayapura", "jakarta"),
    [
        ("hari ini", "2026-11-26", "2026-11-25"),
        ("kemarin", "2026-11-25", "2026-11-24"),
        ("kemarin lusa", "2026-11-24", "2026-11-23"),
        ("26-11-2026", "2026-11-26", "future"),
        ("00:15", "2026-11-26T00:15", "2026-11-25T00:15"),
        ("22:00", "future", "2026-11-25T22:00"),
        ("26 November", "2026-11-26", "2025-11-26"),
    ],
)
def test_jayapura_vs_jakarta_after_midnight(text: str, jayapura: str, jakarta: str) -> None:
    for now, expected in ((NOW_JAYAPURA, jayapura), (NOW_JAKARTA, jakarta)):
        if expected == "future":
            with pytest.raises(IncidentTimeError) as exc:
                parse_incident_time(text, now)
            assert exc.value.code == "future"
        else:
            assert parse_incident_time(text, now).isoformat() == expected


def test_today_yesterday_helpers_follow_zone() -> None:
    assert today(NOW_JAYAPURA) == IncidentTime(datetime.date(2026, 11, 26))
    assert today(NOW_JAKARTA) == IncidentTime(datetime.date(2026, 11, 25))
    assert yesterday(NOW_JAYAPURA) == IncidentTime(datetime.date(2026, 11, 25))
    assert yesterday(NOW_JAKARTA) == IncidentTime(datetime.date(2026, 11, 24))
    assert today(NOW_JAYAPURA).time is None
    assert yesterday(datetime.datetime(2026, 1, 1, 0, 0, tzinfo=WITA)).date == datetime.date(2025, 12, 31)


# --------------------------------------------------------------------------------------------
# IncidentTime value object
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("incident", "iso"),
    [
        (IncidentTime(datetime.date(2026, 11, 21)), "2026-11-21"),
        (IncidentTime(datetime.date(2026, 11, 21), None), "2026-11-21"),
        (IncidentTime(datetime.date(2026, 11, 21), datetime.time(14, 30)), "2026-11-21T14:30"),
        (IncidentTime(datetime.date(2026, 1, 2), datetime.time(0, 0)), "2026-01-02T00:00"),
        (IncidentTime(datetime.date(2026, 1, 2), datetime.time(9, 5, 7)), "2026-01-02T09:05:07"),
    ],
)
def test_isoformat_round_trip(incident: IncidentTime, iso: str) -> None:
    assert incident.isoformat() == iso
    assert IncidentTime.from_iso(iso) == incident
    assert IncidentTime.from_iso(incident.isoformat()) == incident


@pytest.mark.parametrize(
    ("text", "_expected"),
    NUMERIC_CASES + TIME_CASES + MONTH_NAME_CASES + YEARLESS_CASES + RELATIVE_CASES + TIME_ONLY_CASES,
)
def test_parsed_values_round_trip(text: str, _expected: str) -> None:
    parsed = parse_incident_time(text, NOW)
    assert IncidentTime.from_iso(parsed.isoformat()) == parsed
    # The ISO form is itself accepted by the parser.
    assert parse_incident_time(parsed.isoformat(), NOW) == parsed


@pytest.mark.parametrize(
    "bad",
    ["", "garbage", "2026-13-01", "2026-02-30", "2026-11-21T25:00", "2026-11-21 14:30", "21-11-2026",
     "2026-11-21T14:30+07:00", "2026-11-21T"],
)  # fmt: skip
def test_from_iso_rejects(bad: str) -> None:
    with pytest.raises(IncidentTimeError) as exc:
        IncidentTime.from_iso(bad)
    assert exc.value.code == "unparseable"


def test_to_local_naive() -> None:
    assert IncidentTime(datetime.date(2026, 11, 21)).to_local_naive() == datetime.datetime(2026, 11, 21, 0, 0)
    with_time = IncidentTime(datetime.date(2026, 11, 21), datetime.time(14, 30))
    assert with_time.to_local_naive() == datetime.datetime(2026, 11, 21, 14, 30)
    assert with_time.to_local_naive().tzinfo is None


def test_incident_time_is_frozen_and_validated() -> None:
    incident = IncidentTime(datetime.date(2026, 11, 21))
    with pytest.raises(dataclasses.FrozenInstanceError):
        incident.date = datetime.date(2026, 11, 22)  # type: ignore[misc]
    with pytest.raises(TypeError):
        IncidentTime(datetime.datetime(2026, 11, 21, 14, 30))
    with pytest.raises(ValueError):
        IncidentTime(datetime.date(2026, 11, 21), datetime.time(14, 30, tzinfo=WIB))
    assert hash(incident) == hash(IncidentTime(datetime.date(2026, 11, 21)))
