"""Parsing the reporter's answer to "when did it happen?".

Reporters type dates in many ways ("21/11/2026 14.30", "21 Agustus", "kemarin jam 19.00",
"Nov 21, 2026", "2 hari lalu"). :func:`parse_incident_time` turns such text into an
:class:`IncidentTime`: a *local* (naive) calendar date plus an optional wall-clock time.

The caller supplies ``now`` as an aware datetime in the time zone that applies to the
reporter (WIB ``Asia/Jakarta``, WITA ``Asia/Makassar`` or WIT ``Asia/Jayapura``). All
"today"/"yesterday" and "future" decisions are made in that zone, so ``now`` is never
converted. Zone labels typed after a time ("14:30 WIB") are accepted and ignored.

The reporting window is not counted here: it runs from the day the reporter learned of it, as the
deployment's election counts days (bot/legal/rules.py).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "IncidentTime",
    "IncidentTimeError",
    "IncidentTimeErrorCode",
    "parse_incident_time",
    "today",
    "yesterday",
]

IncidentTimeErrorCode = Literal["unparseable", "future", "too_old"]

#: Anything older than this many years is treated as a typo, not a real incident date.
MAX_AGE_YEARS = 2

_DEFAULT_MESSAGES: dict[str, str] = {
    "unparseable": "could not read a date from the text",
    "future": "the date/time is in the future",
    "too_old": f"the date is more than {MAX_AGE_YEARS} years ago",
}


class IncidentTimeError(ValueError):
    """Raised by :func:`parse_incident_time`; ``code`` says why (for choosing a reply text)."""

    code: IncidentTimeErrorCode

    def __init__(self, code: IncidentTimeErrorCode, message: str | None = None) -> None:
        super().__init__(message or _DEFAULT_MESSAGES[code])
        self.code = code


@dataclass(frozen=True, slots=True)
class IncidentTime:
    """A local calendar date with an optional local wall-clock time (no time zone)."""

    date: datetime.date
    time: datetime.time | None = None  # None when only a date was given

    def __post_init__(self) -> None:
        # datetime.datetime is a subclass of datetime.date; refuse it to avoid silent mix-ups.
        if isinstance(self.date, datetime.datetime) or not isinstance(self.date, datetime.date):
            raise TypeError("IncidentTime.date must be a datetime.date (not a datetime)")
        if self.time is not None:
            if not isinstance(self.time, datetime.time):
                raise TypeError("IncidentTime.time must be a datetime.time or None")
            if self.time.tzinfo is not None:
                raise ValueError("IncidentTime.time must be naive (local wall-clock time)")

    def to_local_naive(self) -> datetime.datetime:
        """The naive local datetime; midnight when only a date is known."""
        return datetime.datetime.combine(self.date, self.time or datetime.time(0, 0))

    def isoformat(self) -> str:
        """``"2026-11-21"`` or ``"2026-11-21T14:30"``; :meth:`from_iso` reverses it."""
        if self.time is None:
            return self.date.isoformat()
        if self.time.second == 0 and self.time.microsecond == 0:
            return f"{self.date.isoformat()}T{self.time.strftime('%H:%M')}"
        return f"{self.date.isoformat()}T{self.time.isoformat()}"

    @classmethod
    def from_iso(cls, s: str) -> IncidentTime:
        """Inverse of :meth:`isoformat`. Raises :class:`IncidentTimeError` ("unparseable")."""
        m = _ISO_RE.fullmatch(s.strip())
        if m is None:
            raise IncidentTimeError("unparseable", f"not an IncidentTime ISO string: {s!r}")
        try:
            date = datetime.date.fromisoformat(m["date"])
            time = datetime.time.fromisoformat(m["time"]) if m["time"] else None
        except ValueError as exc:
            raise IncidentTimeError("unparseable", f"not an IncidentTime ISO string: {s!r}") from exc
        return cls(date, time)


_ISO_RE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?:T(?P<time>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?))?"
)


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "januari january jan",
        "februari pebruari february feb peb",
        "maret march mar",
        "april apr",
        "mei may",
        "juni june jun",
        "juli july jul",
        "agustus august agt agu ags agus agst aug",
        "september sept sep",
        "oktober october okt oct",
        "november nopember nov nop",
        "desember december des dec",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num

_WEEKDAYS = (
    "senin", "selasa", "rabu", "kamis", "jumat", "jum'at", "sabtu", "minggu", "ahad",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
)  # fmt: skip

_NUMBER_WORDS: dict[str, int] = {
    "se": 1, "satu": 1, "one": 1, "a": 1, "an": 1,
    "dua": 2, "two": 2,
    "tiga": 3, "three": 3,
    "empat": 4, "four": 4,
    "lima": 5, "five": 5,
    "enam": 6, "six": 6,
    "tujuh": 7, "seven": 7,
}  # fmt: skip

# Parts of the day, in Indonesian and English, mapped to one canonical Indonesian word.
_PERIODS: dict[str, str] = {
    "pagi": "pagi", "morning": "pagi",
    "siang": "siang", "afternoon": "siang",
    "sore": "sore", "evening": "sore",
    "malam": "malam", "night": "malam",
}  # fmt: skip

_KEYWORD = r"(?:jam|pukul|pkl\.?|pk\.?|at|@)"
_PERIOD_WORD = r"(?:a\.?m\.?|p\.?m\.?|pagi|siang|sore|malam)"
_TIME = (
    rf"(?:(?P<kw>{_KEYWORD})\s?)?"
    r"(?P<h>[0-9]{1,2})(?:(?P<sep>[:.])(?P<m>[0-9]{2}))?"
    rf"(?:\s?(?P<per>{_PERIOD_WORD}))?"
    r"(?:\s?(?P<tz>wib|wita|wit))?"
)
# A time at the end ("... 14.30 WIB") or at the start ("jam 19.00 kemarin") of the answer.
_TIME_AT_END = re.compile(rf"(?:^|(?<=\s)){_TIME}$")
_TIME_AT_START = re.compile(rf"^{_TIME}\s(?P<rest>.+)$")

_YMD = re.compile(r"^(?P<y>[0-9]{4})(?P<s>[-/.])(?P<m>[0-9]{1,2})(?P=s)(?P<d>[0-9]{1,2})$")
_DMY = re.compile(r"^(?P<d>[0-9]{1,2})(?P<s>[-/.])(?P<m>[0-9]{1,2})(?P=s)(?P<y>[0-9]{4}|[0-9]{2})$")
_DM = re.compile(r"^(?P<d>[0-9]{1,2})[-/.](?P<m>[0-9]{1,2})$")
_D_MONTH_Y = re.compile(
    r"^(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?[\s-]?(?P<mon>[a-z]+)\.?(?:[\s-]?(?P<y>[0-9]{4}|[0-9]{2}))?$"
)
_MONTH_D_Y = re.compile(r"^(?P<mon>[a-z]+)\.?\s?(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?(?:\s(?P<y>[0-9]{4}))?$")

_TODAY_RE = re.compile(
    r"^(?:hari ini|hr ini|today|tadi|barusan|"
    r"tadi (?P<p1>pagi|siang|sore|malam)|(?P<p2>pagi|siang|sore|malam) ini|"
    r"this (?P<p3>morning|afternoon|evening))$"
)
_YESTERDAY_RE = re.compile(
    r"^(?:kemarin|kemaren|kmrn|kmrin|yesterday)(?:\s(?P<p>pagi|siang|sore|malam|morning|afternoon|evening|night))?$"
)
_DAY_BEFORE_YESTERDAY_RE = re.compile(r"^(?:kemarin|kemaren|kmrn) lusa$|^(?:the )?day before yesterday$")
_AGO_RE = re.compile(
    r"^(?P<n>[0-9]{1,4}|[a-z]+)\s?"
    r"(?P<unit>hari|hr|days?|minggu|pekan|weeks?)\s(?:(?:yang|yg)\s)?(?:lalu|yang lalu|ago)$"
)
_PREFIX_RE = re.compile(
    r"^(?:(?:pada|on|tanggal|tgl\.?|tg\.?)\s|(?:hari\s)?(?:" + "|".join(map(re.escape, _WEEKDAYS)) + r")\b\.?\s?)"
)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def parse_incident_time(text: str, now: datetime.datetime) -> IncidentTime:
    """Parse the reporter's free-text answer into an :class:`IncidentTime`.

    ``now`` must be timezone-aware and expressed in the reporter's local zone; its wall-clock
    date/time decide what "today" means. Raises :class:`IncidentTimeError` with code
    ``"unparseable"``, ``"future"`` (later than ``now``; a date-only answer equal to today is
    fine) or ``"too_old"`` (more than two years before today).

    A day-month without a year means this year, or last year if this year's date is after
    today. Bare "14.30" is read as a (nonexistent) day.month, not a time; a time on its own
    needs a colon, a keyword or a label ("14:30", "jam 14.30", "14.30 WIB") and means today.
    """
    _require_aware(now)
    today_date = now.date()
    s = _normalize(text)
    if not s:
        raise IncidentTimeError("unparseable")
    date, time = _parse(s, today_date)
    result = IncidentTime(date, time)

    if date > today_date:
        raise IncidentTimeError("future")
    if date == today_date and time is not None:
        now_minute = now.time().replace(second=0, microsecond=0, tzinfo=None)
        if time > now_minute:
            raise IncidentTimeError("future")
    if date < _years_before(today_date, MAX_AGE_YEARS):
        raise IncidentTimeError("too_old")
    return result


def today(now: datetime.datetime) -> IncidentTime:
    """Today's local date (no time), for a "Hari ini" quick-reply button."""
    _require_aware(now)
    return IncidentTime(now.date(), None)


def yesterday(now: datetime.datetime) -> IncidentTime:
    """Yesterday's local date (no time), for a "Kemarin" quick-reply button."""
    _require_aware(now)
    return IncidentTime(now.date() - datetime.timedelta(days=1), None)


# --------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------


def _require_aware(now: datetime.datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime in the reporter's local zone")


def _years_before(d: datetime.date, years: int) -> datetime.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February -> 28 February
        return d.replace(year=d.year - years, day=28)


def _normalize(text: str) -> str:
    s = text.strip().lower().replace("’", "'").replace(",", " ")
    s = re.sub(r"\s*([-/])\s*", r"\1", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = s.rstrip(".!? ").strip()
    # ISO "2026-11-21t14:30" as produced by IncidentTime.isoformat().
    s = re.sub(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t(?=[0-9])", r"\1 ", s)
    return s


def _fail() -> IncidentTimeError:
    return IncidentTimeError("unparseable")


def _parse(s: str, today_date: datetime.date) -> tuple[datetime.date, datetime.time | None]:
    found = _parse_date(s, today_date)
    if found is not None:
        return found[0], None

    for pattern in (_TIME_AT_END, _TIME_AT_START):
        m = pattern.search(s)
        if m is None or not _time_is_plausible(m):
            continue
        rest = (m.groupdict().get("rest") or s[: m.start()]).strip()
        if not rest:
            if not _time_is_explicit(m):
                continue
            return today_date, _build_time(m, None)
        found = _parse_date(rest, today_date)
        if found is not None:
            date, hint = found
            return date, _build_time(m, hint)
    raise _fail()


def _time_is_explicit(m: re.Match[str]) -> bool:
    """Unmistakably a time even without a date: "14:30", "jam 14.30", "7 pm", "14.30 WIB"."""
    return bool(m["kw"] or m["sep"] == ":" or m["per"] or m["tz"])


def _time_is_plausible(m: re.Match[str]) -> bool:
    """Acceptable as a time next to a date: needs minutes, or a keyword/period for a bare hour."""
    return bool(m["m"] or m["kw"] or m["per"])


def _build_time(m: re.Match[str], hint: str | None) -> datetime.time:
    hour = int(m["h"])
    minute = int(m["m"]) if m["m"] else 0
    period = m["per"]
    if period:
        adjusted = _apply_period(hour, period.replace(".", ""))
    elif hint:
        adjusted = _apply_period(hour, hint) if hour <= 12 else hour
    else:
        adjusted = hour
    if adjusted is None or not (0 <= adjusted <= 23 and 0 <= minute <= 59):
        raise _fail()
    return datetime.time(adjusted, minute)


def _apply_period(hour: int, period: str) -> int | None:
    """Convert a 12-hour-style hour plus a part of the day ("jam 7 malam") to 24-hour."""
    if hour > 12:
        return None if period in ("am", "pagi") else hour
    if period in ("am", "pagi"):
        return hour % 12
    if period == "pm":
        return hour % 12 + 12
    if period == "siang":
        return hour + 12 if 1 <= hour <= 6 else hour
    if period == "sore":
        return hour + 12 if 1 <= hour <= 11 else hour
    if period == "malam":
        if hour == 12:
            return 0
        return hour + 12 if 6 <= hour <= 11 else hour
    return hour


def _strip_prefixes(s: str) -> str:
    while True:
        m = _PREFIX_RE.match(s)
        if m is None or m.end() >= len(s):
            return s
        s = s[m.end() :].lstrip()


def _parse_date(s: str, today_date: datetime.date) -> tuple[datetime.date, str | None] | None:
    """Return (date, part-of-day hint) for a date phrase, None if it is not one.

    Raises "unparseable" when the shape is a date but the values are impossible (31-02-2026).
    """
    s = _strip_prefixes(s)

    if m := _TODAY_RE.match(s):
        return today_date, _PERIODS.get(m["p1"] or m["p2"] or m["p3"] or "")
    if m := _YESTERDAY_RE.match(s):
        return today_date - datetime.timedelta(days=1), _PERIODS.get(m["p"] or "")
    if _DAY_BEFORE_YESTERDAY_RE.match(s):
        return today_date - datetime.timedelta(days=2), None
    if m := _AGO_RE.match(s):
        n = int(m["n"]) if m["n"].isdigit() else _NUMBER_WORDS.get(m["n"])
        if n is None:
            return None
        days = n * 7 if m["unit"] in ("minggu", "pekan", "week", "weeks") else n
        return today_date - datetime.timedelta(days=days), None

    if m := _YMD.match(s):
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"])), None
    if m := _DMY.match(s):
        return _make_date(_full_year(m["y"]), int(m["m"]), int(m["d"])), None
    if m := _DM.match(s):
        return _yearless(int(m["m"]), int(m["d"]), today_date), None

    m = _D_MONTH_Y.match(s) or _MONTH_D_Y.match(s)
    if m is not None:
        month = _MONTHS.get(m["mon"])
        if month is None:
            return None
        day = int(m["d"])
        if m["y"] is None:
            return _yearless(month, day, today_date), None
        return _make_date(_full_year(m["y"]), month, day), None
    return None


def _full_year(y: str) -> int:
    return 2000 + int(y) if len(y) == 2 else int(y)


def _make_date(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise _fail() from exc


def _yearless(month: int, day: int, today_date: datetime.date) -> datetime.date:
    """This year's date, or last year's if this year's would be after today."""
    try:
        this_year: datetime.date | None = datetime.date(today_date.year, month, day)
    except ValueError:
        this_year = None
    if this_year is not None and this_year <= today_date:
        return this_year
    try:
        return datetime.date(today_date.year - 1, month, day)
    except ValueError as exc:
        if this_year is not None:  # e.g. 29 Feb in a leap year that is still ahead
            raise IncidentTimeError("future") from exc
        raise _fail() from exc
