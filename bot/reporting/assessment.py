"""Laporan or informasi awal: which formal and material requirements of Perbawaslu 7/2022 a report meets.

A *laporan* needs the reporter's name and address, the reported party and submission within 7 days of the
incident becoming known (formal), and the time, place, a chronology and evidence (material). Anything short
of that is still taken as *informasi awal*; the reporter is told what is missing and why.

A file over Telegram's 20 MB download limit is recorded, but the bot never had it: it is not evidence
here, and the reporter is told to bring it to the supervisors in person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Order in which missing requirements are explained to the reporter.
REQUIREMENTS = ("identity", "reported_party", "deadline", "time_place", "chronology", "evidence")


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
) -> Assessment:
    """`evidence_files` counts only files the bot received; `oversized_files` those it could not."""
    missing = []
    if anonymous or not has_name_and_address:
        missing.append("identity")
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
