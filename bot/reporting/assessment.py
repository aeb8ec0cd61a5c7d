"""Laporan or informasi awal: which formal and material requirements a report meets, as far as the bot can tell.

A *laporan* needs a reporter who may file one (a voter, an observer or an election participant: Perbawaslu
7/2022 Pasal 8 ayat (2), UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (2)), the reporter's name and address, the
reported party and submission within the election's window since the violation became known (formal), and the
time, place, a chronology and evidence (material). Anything short of that is still taken as *informasi awal*;
the reporter is told what is missing and why. Even a complete report is only *complete enough to be filed* as a
laporan: the identity card, a signature matching it and the evidence must still reach the Bawaslu in person.

A file over Telegram's 20 MB download limit is recorded, but the bot never had it: it is not evidence
here, and the reporter is told to bring it to the supervisors in person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Order in which missing requirements are explained to the reporter.
REQUIREMENTS = ("identity", "standing", "reported_party", "deadline", "time_place", "chronology", "evidence")


@dataclass(frozen=True, slots=True)
class Assessment:
    kind: Literal["laporan", "informasi_awal"]
    missing: tuple[str, ...]
    in_person: int = 0  # files too big for the bot to receive, to be brought in person


def assess(
    *,
    anonymous: bool,
    has_name_and_address: bool,
    has_reported_party: bool,
    within_deadline: bool,
    has_time_and_place: bool,
    has_chronology: bool,
    evidence_files: int,
    has_witnesses: bool,
    oversized_files: int = 0,
    may_file: bool = True,
) -> Assessment:
    """`evidence_files` counts only files the bot received; `oversized_files` those it could not; `may_file`:
    the reporter's standing allows a laporan (someone who is neither a voter, an observer nor a participant
    reports informasi awal)."""
    missing = []
    if anonymous or not has_name_and_address:
        missing.append("identity")
    elif not may_file:
        missing.append("standing")
    if not has_reported_party:
        missing.append("reported_party")
    if not within_deadline:
        missing.append("deadline")
    if not has_time_and_place:
        missing.append("time_place")
    if not has_chronology:
        missing.append("chronology")
    if evidence_files == 0 and not has_witnesses:
        missing.append("evidence")
    return Assessment("informasi_awal" if missing else "laporan", tuple(missing), oversized_files)
