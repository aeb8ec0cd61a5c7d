"""A task's due time, typed by a supervisor in the region's time zone: "25-11-2029 19:00", "25-11 19:00",
"19:00" (today); "/" or "." may separate too. Stored in UTC; never in the past, at most a year ahead."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.kernel.refusal import Refusal

_DUE = re.compile(
    r"(?:(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})(?:[-/.](?P<year>\d{4}))?\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
)
FORMAT = "DD-MM-YYYY HH:MM"
HORIZON = timedelta(days=366)


def parse_due(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The UTC moment the supervisor meant; Refusal with the format, or because it is past or too far."""
    match = _DUE.fullmatch(" ".join(text.split()))
    if match is None:
        raise Refusal("task_form.due_format", format=FORMAT)
    local_now = now.astimezone(zone)
    try:
        local = datetime(
            int(match["year"] or local_now.year),
            int(match["month"] or local_now.month),
            int(match["day"] or local_now.day),
            int(match["hour"]),
            int(match["minute"]),
            tzinfo=zone,
        )
    except ValueError:
        raise Refusal("task_form.due_format", format=FORMAT) from None
    if local <= local_now:
        raise Refusal("task_form.due_past", now=f"{local_now:%d-%m-%Y %H:%M}", format=FORMAT)
    if local - local_now > HORIZON:
        raise Refusal("task_form.due_far", format=FORMAT)
    return local.astimezone(UTC)


def shown(due_utc: str, zone: str, label: str) -> str:
    """A stored due time as people read it: "25-11-2029 19:00 WIB"."""
    local = datetime.fromisoformat(due_utc).astimezone(ZoneInfo(zone))
    return f"{local:%d-%m-%Y %H:%M} {label}"
