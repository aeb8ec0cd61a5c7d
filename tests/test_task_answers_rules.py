"""The volunteer's side of tasks, its rules on a temporary database: answers, report-backs and their messages,
and the report a report-back prefills."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel.refusal import Refusal
from bot.regions.directory import RegionDirectory
from bot.reporting.draft import Answers, Step, next_step
from bot.reporting.evidence_store import EvidenceStore
from bot.reporting.intake import IntakeService
from bot.reporting.prefill import ReportPrefiller
from bot.tasks.answers import AssignmentStatus, TaskAnswerService
from bot.tasks.messages import task_message
from bot.tasks.ports import ReportSeed
from bot.tasks.report_back import ALBUM, group_messages
from bot.tasks.service import TaskService
from bot.volunteers.service import VolunteerService
from bot.volunteers.status import VolunteerStatus
from storage.database import Database, iso, utcnow
from storage.delivery.broadcasts import BroadcastRepository
from storage.reporting.drafts import DraftRepository
from storage.reporting.reports import ReportRepository
from storage.tasks.answers import TaskAnswerRepository, TaskEvidenceRow
from storage.tasks.tasks import NewTask, TaskRepository
from storage.volunteers.organisations import OrganisationRepository
from storage.volunteers.volunteers import NewVolunteer, VolunteerRepository


@dataclass
class World:
    db: Database
    tasks: TaskService
    answers: TaskAnswerService
    volunteers: VolunteerService
    tmp: Path


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = Database(tmp_path / "t.db")
    await db.open()
    regions = RegionDirectory()
    volunteers = VolunteerService(VolunteerRepository(db), OrganisationRepository(db), regions)
    for uid in (1, 2):
        await volunteers.register(NewVolunteer(uid, uid, f"Relawan {uid}", None, "students", "15.71.04", "+62811",
                                               True, "2026-12"))
        await volunteers.set_status(uid, VolunteerStatus.VERIFIED, "test")
    tasks = TaskService(db, TaskRepository(db), volunteers, BroadcastRepository(db), task_message, "id")
    answers = TaskAnswerService(TaskAnswerRepository(db), TaskRepository(db), volunteers, regions,
                                EvidenceStore(tmp_path / "evidence"), group_locale="id")
    yield World(db, tasks, answers, volunteers, tmp_path)
    await db.close()


async def _task(w: World, **kw: object) -> int:
    task = await w.tasks.create_and_send(NewTask(-100, 7, "15.71.04", "Pantau PPK", "Asia/Jakarta", **kw))  # type: ignore[arg-type]
    return task.id


async def test_answers_once_a_decline_may_become_an_accept_but_not_the_other_way(world: World) -> None:
    task_id = await _task(world)
    first = await world.answers.respond(task_id, 1, accept=False)
    assert first.status is AssignmentStatus.DECLINED and first.changed
    again = await world.answers.respond(task_id, 1, accept=False)
    assert again.status is AssignmentStatus.DECLINED and not again.changed
    assert (await world.answers.respond(task_id, 1, accept=True)).changed
    with pytest.raises(Refusal) as refused:
        await world.answers.respond(task_id, 1, accept=False)
    assert refused.value.key == "task_reply.already_accepted"
    with pytest.raises(Refusal) as refused:
        await world.answers.respond(task_id, 3, accept=True)  # not queued for user 3
    assert refused.value.key == "task_reply.not_yours"


async def test_past_its_due_time_a_task_takes_no_accept(world: World) -> None:
    task_id = await _task(world, due_at=iso(utcnow() - timedelta(hours=1)))
    with pytest.raises(Refusal) as refused:
        await world.answers.respond(task_id, 1, accept=True)
    assert refused.value.key == "task_reply.past_due"
    assert (await world.answers.respond(task_id, 2, accept=False)).changed  # a decline still is recorded
    task = await world.tasks.get(task_id)
    assert task is not None
    shown = world.answers.local_time(task, "2026-11-21T07:00:00+00:00")  # /tugassaya: in the region's zone (WIB)
    assert (shown.hour, shown.utcoffset()) == (14, timedelta(hours=7))


async def test_report_back_text_once_per_paragraph_and_one_submission(world: World) -> None:
    task_id = await _task(world, report_back=True)
    await world.answers.respond(task_id, 1, accept=True)
    with pytest.raises(Refusal):
        await world.answers.begin(task_id, 2)  # offered, not accepted
    back = await world.answers.begin(task_id, 1)
    with pytest.raises(Refusal) as refused:
        await world.answers.submit(1, back.report.id, "id")
    assert refused.value.key == "report_back.empty"
    await world.answers.add_text(1, "Logistik tiba.")
    back = await world.answers.add_text(1, "Logistik tiba.")  # the same update delivered twice
    assert back.report.text == "Logistik tiba."
    with pytest.raises(Refusal):
        await world.answers.add_text(1, "x" * 3000)
    await world.answers.add_file(1, kind="photo", file_id="F1", unique_id="U1", size=10, mime_type="image/jpeg",
                                 media_group_id=None, content=b"photo", stored="stored")
    _, added = await world.answers.add_file(1, kind="photo", file_id="F1", unique_id="U1", size=10,
                                            mime_type="image/jpeg", media_group_id=None, content=b"photo",
                                            stored="stored")
    assert not added
    assert await world.answers.conversation_states() == {(1, 1): "collecting"}
    done = await world.answers.submit(1, back.report.id, "id")
    twice = await world.answers.submit(1, back.report.id, "id")
    assert done.created and not twice.created
    rows = await world.db.fetchall("SELECT dedup_key, chat_id, priority FROM outbox WHERE dedup_key LIKE 'taskreport:%'")
    assert sorted(r["dedup_key"] for r in rows) == [f"taskreport:{back.report.id}:{k}" for k in ("photos:0", "sent", "text")]
    assert await world.answers.conversation_states() == {}
    reported = await world.db.fetchone("SELECT reported_at FROM task_assignments WHERE task_id = ? AND user_id = 1",
                                       (task_id,))
    assert reported is not None and reported["reported_at"]


async def test_group_messages_carry_no_name_and_forward_no_document(world: World) -> None:
    task_id = await _task(world, report_back=True)
    await world.answers.respond(task_id, 1, accept=True)
    back = await world.answers.begin(task_id, 1)
    task = back.task
    photos = [TaskEvidenceRow("photo", f"P{n}", f"u{n}", "stored") for n in range(12)]
    evidence = [*photos, TaskEvidenceRow("document", "D1", "d1", "stored")]
    messages = group_messages(task, back.report, evidence, ref=4, organisation=None, locale="id")
    methods = [m.method for m in messages]
    assert methods == ["sendMessage", ALBUM, ALBUM]  # 12 photos: an album of 10, one of 2; no document
    assert [len(m.payload["media"]) for m in messages[1:]] == [10, 2]
    dumped = json.dumps([m.payload for m in messages], ensure_ascii=False)
    assert "Relawan 1" not in dumped and "+62811" not in dumped and "D1" not in dumped
    assert "REL-0004" in dumped and "perorangan" in dumped and "1 berkas lain" in dumped
    assert all(m.payload["reply_to_key"] == f"taskcard:{task_id}" for m in messages)


async def test_a_prefilled_report_starts_at_the_category_and_skips_what_it_was_given(world: World) -> None:
    db = world.db
    regions = RegionDirectory()
    drafts = DraftRepository(db)
    intake = IntakeService(drafts, ReportRepository(db), regions, EvidenceStore(world.tmp / "evidence"))
    prefill = ReportPrefiller(intake, drafts, regions)
    seed = ReportSeed("task_report:9", "15.71.04.1001", None, -1.61, 103.61, utcnow() - timedelta(minutes=5),
                      "Tim sukses membagikan amplop kepada petugas PPK.", ())
    await prefill.start_prefilled(5, 5, 100, seed)
    draft = await intake.get(5)
    assert draft is not None and draft.step is Step.CATEGORY
    assert draft.answers.region_code == "15.71.04" and draft.answers.location_source == "gps"
    assert set(draft.answers.prefilled or ()) == {"region_code", "incident", "chronology"}
    assert next_step(Step.CATEGORY, draft.answers, editing=False) is Step.PLACE
    assert next_step(Step.CATEGORY, Answers(), editing=False) is Step.CHRONOLOGY  # any other draft: as before
    await intake.set_category(draft, 101, "money_politics")
    await prefill.start_prefilled(5, 5, 100, seed)  # the press delivered again: the draft stays where it is
    again = await intake.get(5)
    assert again is not None and again.step is Step.PLACE
    short = ReportSeed("task_report:10", "15.71", None, None, None, utcnow(), "Aman.", ())
    assert prefill.answers(short).prefilled == ["incident"]  # a kabupaten and a short text: asked
