"""The elections a deployment can serve (the `ELECTION_KIND` a deployment will set; issue 10)."""

from __future__ import annotations

from enum import StrEnum


class ElectionKind(StrEnum):
    PEMILU = "pemilu"  # general elections: president, DPR, DPD, DPRD (UU 7/2017)
    PILKADA = "pilkada"  # regional head elections (UU 1/2015 as amended, last by UU 10/2016)


class Counting(StrEnum):
    """How a period of days is counted."""

    WORKING = "working"  # hari kerja: weekdays that are neither a national holiday nor collective leave
    CALENDAR = "calendar"  # every day
