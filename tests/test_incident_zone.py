""""Today" pressed before the region is known is dated in the region's own zone once it is chosen."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot.reporting.intake as intake_module
from bot.regions.directory import RegionDirectory
from bot.reporting.evidence_store import EvidenceStore
from bot.reporting.intake import IntakeService
from storage.database import Database
from storage.reporting.drafts import DraftRepository
from storage.reporting.reports import ReportRepository


@pytest.fixture
async def intake(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = Database(tmp_path / "p.sqlite3")
    await db.open()
    yield IntakeService(DraftRepository(db), ReportRepository(db), RegionDirectory(), EvidenceStore(tmp_path / "ev"))
    await db.close()


@pytest.mark.parametrize(
    ("region", "expected"),
    [("15.71.04", "2026-11-22"), ("51.02.09", "2026-11-23"), ("94.01.01", "2026-11-23")],
    ids=["Jambi WIB 23:30", "Bali WITA 00:30", "Papua WIT 01:30"],
)
async def test_today_is_the_regions_today(
    intake: IntakeService, monkeypatch: pytest.MonkeyPatch, region: str, expected: str
) -> None:
    pressed = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # 23:30 WIB, 00:30 WITA, 01:30 WIT
    monkeypatch.setattr(intake_module, "utcnow", lambda: pressed)
    draft = await intake.start(1, 1, 1)
    draft = await intake.set_when_button(draft, 2, "today")
    assert intake.regions.get(region) is not None
    draft = await intake.set_region(draft, 3, region, "picker")
    assert draft.answers.incident == expected


async def test_a_typed_date_is_not_moved(intake: IntakeService) -> None:
    draft = await intake.start(1, 1, 1)
    incident = intake.parse_when(draft.answers, "20-11-2026 22:00")
    draft = await intake.set_when(draft, 2, incident)
    draft = await intake.set_region(draft, 3, "51.02.09", "picker")
    assert draft.answers.incident == "2026-11-20T22:00"


@pytest.mark.parametrize(
    ("region", "known"),
    [("15.71.04", None), ("94.01.01", "2026-11-23")],
    ids=["Jambi WIB: the incident's day", "Papua WIT: the next day"],
)
async def test_today_for_when_it_became_known_is_the_regions_today(
    intake: IntakeService, monkeypatch: pytest.MonkeyPatch, region: str, known: str | None
) -> None:
    incident_at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # 10:00 WIB, 12:00 WIT on 22 November
    monkeypatch.setattr(intake_module, "utcnow", lambda: incident_at)
    draft = await intake.start(1, 1, 1)
    draft = await intake.set_when_button(draft, 2, "today")
    pressed = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # "today", pressed at 23:30 WIB, 01:30 WIT the next day
    monkeypatch.setattr(intake_module, "utcnow", lambda: pressed)
    draft = await intake.set_known_today(draft, 3)
    draft = await intake.set_region(draft, 4, region, "picker")
    assert draft.answers.incident == "2026-11-22"
    assert draft.answers.known == known  # None: the incident's own day, the default
