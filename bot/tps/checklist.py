"""Voting day's checklists and contests (issue 13): what a TPS watcher is asked at each checkpoint, and the
contests whose results form (C.Hasil) they photograph. Pure rules: no SQL, no Telegram.

The checkpoints follow the day at a TPS: it opens at 07:00, voting closes at 13:00, and the count follows at once;
each checklist is pushed at its time in the TPS's own time zone (WIB, WITA, WIT), CHECKLIST_TIMES to change them.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from bot.legal.kinds import ElectionKind


class Checkpoint(StrEnum):
    """Persisted by value (tps_checks, tps_checkpoint_runs, buttons): never rename one."""

    OPENING = "opening"
    CLOSING = "closing"
    COUNT = "count"


# The questions of each checkpoint, in order; each is answered Ya / Tidak. The last one of each is "anything wrong?",
# whose Ya starts a report of the TPS (bot/tps/ports.py).
QUESTIONS: dict[Checkpoint, tuple[str, ...]] = {
    Checkpoint.OPENING: ("opened_on_time", "materials_complete", "witnesses_present", "problem"),
    Checkpoint.CLOSING: ("closed_on_time", "queue_served", "problem"),
    Checkpoint.COUNT: ("count_public", "form_displayed", "problem"),
}
PROBLEM = "problem"
DEFAULT_TIMES: dict[Checkpoint, time] = {
    Checkpoint.OPENING: time(7, 0), Checkpoint.CLOSING: time(13, 0), Checkpoint.COUNT: time(14, 0),
}


class Contest(StrEnum):
    """A contest whose results form is photographed (persisted by value)."""

    GOVERNOR = "governor"
    REGENT = "regent"  # bupati or wali kota
    PRESIDENT = "president"
    DPR = "dpr"
    DPD = "dpd"
    DPRD_PROVINCE = "dprd_province"
    DPRD_REGENCY = "dprd_regency"


CONTESTS: dict[ElectionKind, tuple[Contest, ...]] = {
    ElectionKind.PILKADA: (Contest.GOVERNOR, Contest.REGENT),
    ElectionKind.PEMILU: (Contest.PRESIDENT, Contest.DPR, Contest.DPD, Contest.DPRD_PROVINCE, Contest.DPRD_REGENCY),
}


def parse_times(text: str) -> dict[Checkpoint, time]:
    """CHECKLIST_TIMES: "07:00,13:00,14:00", the opening, closing and count checklists' local times, in order."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) != len(Checkpoint):
        raise ValueError(f"give {len(Checkpoint)} times (opening, closing, count), e.g. 07:00,13:00,14:00")
    times = {}
    for checkpoint, part in zip(Checkpoint, parts, strict=True):
        hours, _, minutes = part.partition(":")
        digits = f"{hours}{minutes}"
        if not (digits.isascii() and hours.isdigit() and minutes.isdigit() and 0 <= int(hours) < 24
                and 0 <= int(minutes) < 60):
            raise ValueError(f"{part!r} is not a time like 07:00")
        times[checkpoint] = time(int(hours), int(minutes))
    if list(times.values()) != sorted(times.values()):
        raise ValueError("the times must follow the day: opening, then closing, then the count")
    return times
