"""What tasks need from the other features, as small interfaces (the composition root wires the real ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from storage.volunteers.volunteers import Recipient, VolunteerRow


class VolunteerRoster(Protocol):
    """Volunteers, as tasks see them (bot/volunteers/service.py implements it)."""

    async def get(self, user_id: int) -> VolunteerRow | None: ...

    async def recipients(self, region_code: str, *, kinds: tuple[str, ...] = (),
                         organisation_id: int | None = None) -> list[Recipient]: ...


@dataclass(frozen=True, slots=True)
class SeedFile:
    """A photo or file of a report-back, as a report's evidence takes it (stored content-addressed already)."""

    kind: str
    file_id: str
    unique_id: str
    stored: str  # stored | too_big | failed
    sha256: str | None
    size: int | None
    mime_type: str | None
    media_group_id: str | None


@dataclass(frozen=True, slots=True)
class ReportSeed:
    """What a report-back gives the report it becomes: the place, the time and the photos."""

    source: str  # names the report-back ("task_report:<id>"): a redelivered press starts nothing twice
    region_code: str  # the task's region (a kabupaten, kecamatan or desa)
    located: str | None  # the kecamatan the shared location lies in, if the boundaries say
    latitude: float | None
    longitude: float | None
    incident_at: datetime  # UTC
    chronology: str | None
    files: tuple[SeedFile, ...]
    place: str | None = None  # where exactly (a TPS: "TPS 005 Desa …, Jl. …"), asked no more if given


class ReportStarter(Protocol):
    """Starts a volunteer's report prefilled from a report-back (bot/reporting/prefill.py implements it)."""

    async def start_prefilled(self, user_id: int, chat_id: int, update_id: int, seed: ReportSeed) -> None: ...
