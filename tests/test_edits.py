"""Corrections by editing a message (IntakeService.amend and the answering message recorded per field), the
evidence step's status message, and files over the download limit, against a real SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.kernel.refusal import Refusal
from bot.regions.directory import RegionDirectory
from bot.reporting.assessment import assess
from bot.reporting.draft import Step
from bot.reporting.evidence_store import EvidenceStore
from bot.reporting.intake import Draft, IntakeService
from storage.database import Database
from storage.reporting.drafts import DraftRepository
from storage.reporting.reports import ReportRepository

CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang kepada warga di depan TPS 05."
FIXED = "Tim sukses calon nomor 2 membagikan amplop berisi uang kepada warga di depan TPS 07."


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory()


@pytest.fixture
async def service(tmp_path: Path, regions: RegionDirectory) -> AsyncIterator[IntakeService]:
    db = Database(tmp_path / "edits.sqlite3")
    await db.open()
    yield IntakeService(DraftRepository(db), ReportRepository(db), regions, EvidenceStore(tmp_path / "evidence"))
    await db.close()


async def to_party(service: IntakeService, user_id: int) -> Draft:
    """Category, chronology (message 11), a typed time (12), region, place (13): now at the party step."""
    draft = await service.start(user_id, user_id, 1)
    draft = await service.set_category(draft, 2, "money_politics")
    draft = await service.set_chronology(draft, 3, CHRONOLOGY, 11)
    draft = await service.set_when(draft, 4, service.parse_when(draft.answers, "kemarin jam 19.00"), 12)
    draft = await service.set_region(draft, 5, "15.71.04", "picker")
    draft = await service.set_place(draft, 6, "Depan TPS 05", 13)
    assert draft.step is Step.PARTY
    return draft


async def test_each_text_answer_remembers_its_message(service: IntakeService) -> None:
    draft = await to_party(service, 1)
    assert draft.answers.answered_by == {"chronology": 11, "incident": 12, "place": 13}
    stored = await service.get(1)
    assert stored is not None and stored.answers.answered_by == draft.answers.answered_by
    assert service.answered_field(draft, 11) == "chronology"
    assert service.answered_field(draft, 99) is None


async def test_an_edit_corrects_its_field_and_keeps_the_step(service: IntakeService) -> None:
    draft = await to_party(service, 2)
    assert await service.amend(draft, 7, 11, FIXED) == "chronology"
    stored = await service.get(2)
    assert stored is not None
    assert stored.answers.chronology == FIXED and stored.step is Step.PARTY and stored.row.last_update_id == 7
    assert await service.amend(stored, 8, 12, "kemarin jam 20.15") == "incident"
    assert stored.answers.incident is not None and stored.answers.incident.endswith("20:15")
    assert stored.step is Step.PARTY


async def test_an_invalid_edit_changes_nothing(service: IntakeService) -> None:
    draft = await to_party(service, 3)
    with pytest.raises(Refusal) as short:
        await service.amend(draft, 7, 11, "amplop")
    assert short.value.key == "invalid.too_short"
    with pytest.raises(Refusal):
        await service.amend(draft, 7, 12, "besok lusa entah kapan")
    stored = await service.get(3)
    assert stored is not None and stored.answers.chronology == CHRONOLOGY and stored.row.last_update_id == 6
    assert await service.amend(stored, 7, 55, FIXED) is None  # no answer of this draft


async def test_skips_buttons_and_anonymity_forget_the_message(service: IntakeService) -> None:
    draft = await to_party(service, 4)
    draft = await service.set_party(draft, 7, "Budi", 14)
    assert draft.answers.answered_by["party"] == 14
    draft = await service.edit(draft, 8, "party")
    draft = await service.set_party(draft, 9, None)  # skipped while editing: no longer a typed answer
    assert "party" not in draft.answers.answered_by
    draft = await service.edit(draft, 10, "when")
    draft = await service.set_when_button(draft, 11, "today")
    assert "incident" not in draft.answers.answered_by
    assert await service.amend(draft, 12, 12, "kemarin jam 20.15") is None
    draft = await service.goto(draft, 13, Step.ID_NAME)
    draft = await service.set_name(draft, 14, "Siti Aminah", 20)
    draft = await service.set_address(draft, 15, "Jl. Gatot Subroto No. 5", 21)
    draft = await service.set_phone(draft, 16, "0812-3456-7890", "typed", 22)
    assert {"name": 20, "address": 21, "phone": 22}.items() <= draft.answers.answered_by.items()
    assert await service.amend(draft, 17, 22, "0813 1111 2222") == "phone"
    assert draft.answers.phone == "+6281311112222"
    draft = await service.goto(draft, 18, Step.IDENTITY)
    draft = await service.set_identity(draft, 19, True)
    assert not {"name", "address", "phone"} & set(draft.answers.answered_by)
    assert await service.amend(draft, 20, 20, "Siti") is None


async def test_a_shared_contact_cannot_be_corrected_by_an_edit(service: IntakeService) -> None:
    draft = await to_party(service, 5)
    draft = await service.goto(draft, 7, Step.ID_PHONE)
    draft = await service.set_phone(draft, 8, "+6281234567890", "contact", 30)
    assert "phone" not in draft.answers.answered_by


async def test_each_visit_to_the_evidence_step_has_its_own_status_message(service: IntakeService) -> None:
    draft = await to_party(service, 6)
    draft = await service.set_party(draft, 7, "Budi", 14)
    assert draft.step is Step.EVIDENCE
    await service.remember_status_message(6, 40)
    stored = await service.get(6)
    assert stored is not None and stored.answers.status_message_id == 40 and stored.answers.status_message_at
    assert stored.answers.party == "Budi"  # only the status was written
    stored = await service.answer(stored, 8)
    assert stored.step is Step.WITNESSES and stored.answers.status_message_id is None


async def test_a_file_over_the_limit_is_recorded_but_does_not_count(service: IntakeService) -> None:
    draft = await to_party(service, 7)
    draft = await service.set_party(draft, 7, "Budi", 14)
    assert await service.add_evidence(
        draft, 8, kind="video", file_id="big", unique_id="big-1", size=25 * 1024 * 1024, mime_type="video/mp4",
        file_name=None, media_group_id=None, content=None, stored="too_big",
    )
    assert [e.stored for e in await service.evidence(7)] == ["too_big"]
    assert await service.evidence_counts(7) == (0, 1)
    answers = draft.answers.model_copy(update={"anonymous": False, "name": "Siti", "address": "Jl. Sultan Thaha",
                                                 "standing": "voter"})
    assessment = service.assess(answers, *await service.evidence_counts(7))
    assert assessment.kind == "informasi_awal" and assessment.missing == ("evidence",)
    assert assessment.in_person == 1


def test_assessment_counts_only_received_files() -> None:
    def with_files(received: int, oversized: int) -> tuple[str, tuple[str, ...], int]:
        a = assess(anonymous=False, has_name_and_address=True, has_reported_party=True, within_deadline=True,
                   has_time_and_place=True, has_chronology=True, has_witnesses=False, evidence_files=received,
                   oversized_files=oversized)
        return a.kind, a.missing, a.in_person

    assert with_files(0, 2) == ("informasi_awal", ("evidence",), 2)
    assert with_files(1, 2) == ("laporan", (), 2)
    assert with_files(1, 0) == ("laporan", (), 0)
