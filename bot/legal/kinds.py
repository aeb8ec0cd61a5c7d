"""The elections a deployment can serve (its `ELECTION_KIND` setting), how days are counted, and who may report."""

from __future__ import annotations

from enum import StrEnum


class ElectionKind(StrEnum):
    PEMILU = "pemilu"  # general elections: president, DPR, DPD, DPRD (UU 7/2017)
    PILKADA = "pilkada"  # regional head elections (UU 1/2015 as amended, last by UU 10/2016)


class Counting(StrEnum):
    """How a period of days is counted."""

    WORKING = "working"  # hari kerja: weekdays that are neither a national holiday nor collective leave
    CALENDAR = "calendar"  # every day


class Standing(StrEnum):
    """Who the reporter is, in the eyes of the law (stored by value: never rename one). Only a voter, an observer
    or an election participant may file a laporan (Perbawaslu 7/2022 Pasal 8 ayat (2); UU 1/2015 jo. UU 10/2016
    Pasal 134 ayat (2)); anyone else's report is still taken as informasi awal."""

    VOTER = "voter"  # for Pilkada: a voter of the region holding the election
    OBSERVER = "observer"  # an accredited election observer
    PARTICIPANT = "participant"  # an election participant (a party, a candidate pair, a DPD candidate)
    OTHER = "other"

    @property
    def may_file_laporan(self) -> bool:
        return self is not Standing.OTHER
