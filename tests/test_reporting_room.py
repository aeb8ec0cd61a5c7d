"""The reporting room's seams: intake asks for alerts through `AlertPlanner` (a fake one here), drives the
submission's one transaction itself, decides the location step's rules, and reads reports through the one
projection of a report row."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.persistence import SQLitePersistence
from bot.kernel.refusal import Refusal
from bot.regions.directory import RegionDirectory
from bot.reporting import intake as intake_module
from bot.reporting.draft import Step
from bot.reporting.evidence_store import EvidenceStore
from bot.reporting.intake import CONVERSATION_NAME, Draft, IntakeService
from bot.reporting.ports import AlertPlanner
from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxMessage
from storage.report_records import EXPORT_FIELDS, ReportRecord
from storage.reporting.conversations import ConversationStore
from storage.reporting.drafts import DraftRepository
from storage.reporting.reports import ReportRepository
from storage.supervision.cases import CaseRow, EvidenceRef
from storage.supervision.repository import SupervisionRepository
from tests.test_intake_rules import KECAMATAN, Updates, count, fill

GROUP = -100_777


@dataclass(frozen=True, slots=True)
class FakeRoute:
    level: str
    region: str | None
    chat_ids: tuple[int, ...]


@dataclass
class FakePlanner:
    """Routes every report to one group and plans one card per chat, remembering what it was asked."""

    routed: list[str] = field(default_factory=list)
    planned: list[tuple[int, tuple[int, ...], list[EvidenceRef], tuple[float, float] | None]] = field(
        default_factory=list
    )
    fail: bool = False

    async def route(self, region_code: str, *, online: bool = False) -> FakeRoute:
        self.routed.append(region_code)
        return FakeRoute("kecamatan", region_code, (GROUP,))

    def alert_messages(
        self,
        report_id: int,
        chat_ids: tuple[int, ...],
        evidence: list[EvidenceRef],
        location: tuple[float, float] | None,
    ) -> list[OutboxMessage]:
        if self.fail:
            raise RuntimeError("planner broke")
        self.planned.append((report_id, chat_ids, evidence, location))
        return [OutboxMessage(f"fake:{report_id}:{c}", c, "pantau.card", {"report_id": report_id}) for c in chat_ids]

    async def joinable(self, normalized_links: Sequence[str]) -> None:
        return None  # no report here is of online content

    def join_messages(self, case: Any, report_id: int, evidence: list[EvidenceRef]) -> list[OutboxMessage]:
        raise AssertionError("nothing joins a case here")


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "room.sqlite3")
    await database.open()
    yield database
    await database.close()


def service_with(db: Database, regions: RegionDirectory, tmp_path: Path, alerts: AlertPlanner | None) -> IntakeService:
    return IntakeService(DraftRepository(db), ReportRepository(db), regions, EvidenceStore(tmp_path / "ev"), alerts)


async def test_the_planners_alerts_commit_with_the_report(db: Database, regions: RegionDirectory, tmp_path: Path):
    planner = FakePlanner()
    service = service_with(db, regions, tmp_path, planner)
    draft = await fill(service, 201)
    outcome = await service.submit(draft, 3000, "id")
    report_id = outcome.result.report_id
    assert planner.routed == [KECAMATAN]
    [(planned_id, chats, evidence, location)] = planner.planned
    assert (planned_id, chats, location) == (report_id, (GROUP,), None)
    assert [e.kind for e in evidence] == ["photo"]
    rows = await db.fetchall("SELECT chat_id, dedup_key FROM outbox ORDER BY id")
    assert [(r["chat_id"], r["dedup_key"]) for r in rows] == [
        (201, f"report-received:{outcome.result.case_code}"),
        (GROUP, f"fake:{report_id}:{GROUP}"),
    ]
    route = await db.fetchone("SELECT route_level, route_region FROM reports WHERE id = ?", (report_id,))
    assert route is not None and (route["route_level"], route["route_region"]) == ("kecamatan", KECAMATAN)
    again = await service.submit(draft, 3001, "id")
    assert not again.result.created and len(planner.planned) == 1
    assert await count(db, "SELECT * FROM outbox") == 2


async def test_a_failing_plan_commits_nothing(db: Database, regions: RegionDirectory, tmp_path: Path):
    service = service_with(db, regions, tmp_path, FakePlanner(fail=True))
    draft = await fill(service, 202)
    with pytest.raises(RuntimeError, match="planner broke"):
        await service.submit(draft, 3000, "id")
    assert await service.reports.count() == 0
    assert await count(db, "SELECT * FROM outbox") == 0
    assert await count(db, "SELECT * FROM evidence") == 0 and await count(db, "SELECT * FROM draft_evidence") == 1
    stored = await service.get(202)
    assert stored is not None and stored.active and stored.step is Step.REVIEW


async def test_a_taken_case_code_is_retried_in_a_new_transaction(
    db: Database, regions: RegionDirectory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    service = service_with(db, regions, tmp_path, FakePlanner())
    first = await service.submit(await fill(service, 203), 3000, "id")
    codes = iter([first.result.case_code, "PTU-ZZZZ-ZZ22"])
    monkeypatch.setattr(intake_module.case_code, "new_case_code", lambda: next(codes))
    second = await service.submit(await fill(service, 204), 3000, "id")
    assert second.result.created and second.result.case_code == "PTU-ZZZZ-ZZ22"
    assert await service.reports.count() == 2
    assert await count(db, "SELECT * FROM outbox") == 4



async def test_two_reports_begun_within_the_same_second_each_get_their_confirmation(
    db: Database, regions: RegionDirectory, tmp_path: Path
):
    """Seen: the confirmation was deduplicated by the draft's start time, stored to the second, so a reporter's
    second report begun within a second of the first got no case code (its message was dropped as the first's)."""
    service = service_with(db, regions, tmp_path, None)
    first_draft = await fill(service, 205)
    first = await service.submit(first_draft, 3000, "id")
    second_draft = await fill(service, 205)
    second_draft.row.created_at = first_draft.row.created_at  # the same second
    second = await service.submit(second_draft, 3100, "id")
    assert second.result.created and second.result.case_code != first.result.case_code
    rows = await db.fetchall("SELECT payload FROM outbox WHERE chat_id = 205 ORDER BY id")
    assert [first.result.case_code in r["payload"] for r in rows] == [True, False]
    assert second.result.case_code in rows[1]["payload"]

# ---- rules the handlers no longer hold ---------------------------------------------------------------------


async def at_where(service: IntakeService, user_id: int) -> Draft:
    ids = Updates()
    draft = await service.start(user_id, user_id, ids())
    draft = await service.set_category(draft, ids(), "money_politics")
    draft = await service.set_chronology(draft, ids(), "Amplop dibagikan kepada warga di depan TPS 05 pagi ini.")
    draft = await service.set_when_button(draft, ids(), "today")
    return await service.set_known_same(draft, ids())


async def test_a_location_in_one_of_our_kecamatan_is_suggested(db: Database, regions: RegionDirectory, tmp_path: Path):
    service = service_with(db, regions, tmp_path, None)
    draft = await service.set_location(await at_where(service, 301), 2000, -1.59, 103.613, venue=None, located=KECAMATAN)
    assert draft.step is Step.WHERE_CONFIRM
    assert (draft.answers.latitude, draft.answers.suggested_region, draft.answers.location_source) == (
        -1.59, KECAMATAN, "gps"
    )
    elsewhere = await service.set_location(draft, 2001, -1.59, 103.613, venue=None, located="99.99.99")
    assert elsewhere.step is Step.WHERE and elsewhere.answers.suggested_region is None
    with pytest.raises(Refusal) as refused:
        await service.set_location(elsewhere, 2002, float("nan"), 103.6, venue=None, located=None)
    assert refused.value.key == "invalid.location"
    stored = await service.get(301)
    assert stored is not None and stored.answers.latitude == -1.59 and stored.row.last_update_id == 2001


async def test_a_venue_names_the_place_and_skips_its_step(db: Database, regions: RegionDirectory, tmp_path: Path):
    service = service_with(db, regions, tmp_path, None)
    draft = await service.set_location(
        await at_where(service, 302), 2000, -1.59, 103.613, venue="Balai Desa, Jl. Sudirman 1", located=None
    )
    assert draft.step is Step.WHERE and draft.answers.place == "Balai Desa, Jl. Sudirman 1"
    draft = await service.set_region(draft, 2001, KECAMATAN, "venue")
    assert draft.step is Step.PARTY
    # from the review, changing the place asks the place even after a venue
    editing = await service.goto(draft, 2002, Step.WHERE, editing=True)
    assert (await service.set_region(editing, 2003, KECAMATAN, "venue")).step is Step.PLACE


async def test_the_status_message_is_fresh_for_ten_minutes(db: Database, regions: RegionDirectory, tmp_path: Path):
    service = service_with(db, regions, tmp_path, None)
    answers = (await at_where(service, 303)).answers
    assert not service.status_message_fresh(answers)
    recent = answers.model_copy(update={"status_message_at": iso(utcnow() - timedelta(minutes=9))})
    old = answers.model_copy(update={"status_message_at": iso(utcnow() - timedelta(minutes=11))})
    assert service.status_message_fresh(recent) and not service.status_message_fresh(old)


async def test_a_reporter_reads_only_their_own_reports(db: Database, regions: RegionDirectory, tmp_path: Path):
    service = service_with(db, regions, tmp_path, None)
    outcome = await service.submit(await fill(service, 304), 3000, "id")
    code = outcome.result.case_code
    assert await service.submitted(304) == outcome.result.__class__(outcome.result.report_id, code, created=False)
    mine = await service.own_report(304, code)
    assert mine is not None and mine.id == outcome.result.report_id and mine.evidence_count == 1
    assert await service.own_report(305, code) is None
    assert [r.case_code for r in await service.reports_of(304)] == [code] and await service.reports_of(305) == []


# ---- one projection of a report row -------------------------------------------------------------------------


async def test_every_reader_gets_the_same_record(db: Database, regions: RegionDirectory, tmp_path: Path):
    service = service_with(db, regions, tmp_path, None)
    outcome = await service.submit(await fill(service, 401, anonymous=True), 3000, "id")
    repo = SupervisionRepository(db)
    assert CaseRow is ReportRecord
    as_reporter = await service.own_report(401, outcome.result.case_code)
    as_case = await repo.case(outcome.result.report_id)
    assert as_reporter is not None and as_reporter == as_case
    assert as_reporter.anonymous is True and isinstance(as_reporter.missing, list)
    [row] = await service.reports.export_rows()
    assert list(row) == [*EXPORT_FIELDS, "evidence_count"]
    assert row["anonymous"] == 1 and json.loads(str(row["missing"])) == as_reporter.missing


# ---- the conversation step is stored once: in the draft ---------------------------------------------------


async def test_the_report_conversation_is_loaded_from_the_drafts(db: Database, regions: RegionDirectory, tmp_path: Path):
    service = service_with(db, regions, tmp_path, None)
    persistence = SQLitePersistence(ConversationStore(db), owned={CONVERSATION_NAME: service.conversation_states})
    async with db.transaction() as conn:  # a row left by an older version is not where the step lives
        await conn.execute(
            "INSERT INTO conversation_states (name, key, state, updated_at) VALUES ('report', '[9, 9]', 'party', 'x')"
        )
    await at_where(service, 501)
    await service.submit(await fill(service, 502), 3000, "id")
    idle = await at_where(service, 503)
    async with db.transaction() as conn:
        await conn.execute("UPDATE drafts SET updated_at = ? WHERE user_id = 503", (iso(utcnow() - timedelta(days=1)),))
    assert await service.close_idle(utcnow() - timedelta(hours=1), _indonesian, hours=1, keep_days=7) == 1
    assert idle.step is Step.WHERE
    assert await persistence.get_conversations(CONVERSATION_NAME) == {(501, 501): "where"}

    await persistence.update_conversation(CONVERSATION_NAME, (501, 501), "review")  # PTB's copy: not stored
    await persistence.update_conversation(CONVERSATION_NAME, (501, 501), None)
    assert await persistence.get_conversations(CONVERSATION_NAME) == {(501, 501): "where"}
    assert await count(db, "SELECT * FROM conversation_states WHERE key != '[9, 9]'") == 0
    await persistence.update_conversation("other", (1, 1), "x")  # a conversation nobody owns is still kept
    assert await persistence.get_conversations("other") == {(1, 1): "x"}


async def _indonesian(_user_id: int) -> str:
    return "id"
