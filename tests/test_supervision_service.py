"""SupervisionService's methods for handlers (cases, queue, cards, groups, prompts), the one Refusal type, the
question queued with its request id in one transaction, and the enums that keep the stored values."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel.refusal import Refusal
from bot.regions.directory import Level, RegionDirectory
from bot.supervision.case_status import STATUSES, CaseAction, CaseStatus, ForwardTarget, StatusRefusal
from bot.supervision.service import (
    Actor,
    CaseChanged,
    GroupRole,
    PromptPurpose,
    RouteLevel,
    SupervisionService,
)
from locales import LOCALES, t
from storage.database import Database, iso, utcnow
from storage.supervision.groups import RefusedAttempt
from storage.supervision.repository import SupervisionRepository

ADMIN = -1000
KECAMATAN, KOTA = "15.71.04", "15.71"  # Pasar Jambi, Kota Jambi
SUPERVISORS_CHAT, GAKKUMDU_CHAT, OTHER_CHAT = -2001, -2002, -2003
ADMIN_USER = 7001


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory()


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SupervisionRepository]:
    db = Database(tmp_path / "supervision.sqlite3")
    await db.open()
    yield SupervisionRepository(db)
    await db.close()


@pytest.fixture
def service(repo: SupervisionRepository, regions: RegionDirectory) -> SupervisionService:
    async def locale(_: int) -> str:
        return "en"

    return SupervisionService(repo, regions, admin_chat_id=ADMIN, group_locale="id", reporter_locale=locale)


async def add_report(repo: SupervisionRepository, code: str, *, region: str = KECAMATAN, status: str = "received",
                     forwarded_to: str | None = None, minutes_ago: int = 0) -> int:
    async with repo.db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO reports (case_code, reporter_user_id, reporter_chat_id, locale, category, chronology,"
            " incident_local, timezone, region_code, location_source, anonymous, kind, submitted_at, status,"
            " forwarded_to) VALUES (?, 42, 42, 'id', 'money_politics', 'Ada amplop.', '2024-02-10T09:00',"
            " 'Asia/Jakarta', ?, 'picker', 1, 'laporan', ?, ?, ?) RETURNING id",
            (code, region, iso(utcnow() - timedelta(minutes=minutes_ago)), status, forwarded_to),
        )
        return cur.returned_id()


async def register(service: SupervisionService, chat_id: int, region: str, role: str) -> None:
    code, _ = await service.new_code(region, role)
    await service.register(code, chat_id=chat_id, user_id=ADMIN_USER, title="Bawaslu")


# ---- the refusal -------------------------------------------------------------------------------------------------


def test_a_refusal_carries_its_locale_key_and_placeholders() -> None:
    refusal = Refusal("invalid.too_long", maximum=10, length=12)
    assert isinstance(refusal, Exception)
    assert (refusal.key, refusal.params, str(refusal)) == ("invalid.too_long", {"maximum": 10, "length": 12},
                                                          "invalid.too_long")
    changed = CaseChanged()
    assert isinstance(changed, Refusal) and changed.key == "triage.conflict" and changed.params == {}
    assert all(t(locale, changed.key) for locale in LOCALES)


async def test_services_refuse_with_the_one_refusal_type(service: SupervisionService) -> None:
    with pytest.raises(Refusal) as unknown_region:
        await service.new_code("99.99", GroupRole.SUPERVISORS)
    assert (unknown_region.value.key, unknown_region.value.params) == ("group.unknown_region", {"region": "99.99"})
    with pytest.raises(Refusal) as unknown_code:
        await service.register("PTG-NONE-NONE-NONE", chat_id=SUPERVISORS_CHAT, user_id=ADMIN_USER, title=None)
    assert unknown_code.value.key == "group.code_unknown"


# ---- cases -------------------------------------------------------------------------------------------------------


async def test_cases_by_id_and_code_and_their_history(service: SupervisionService) -> None:
    report_id = await add_report(service.repo, "JMB-AAAA")
    case = await service.case(report_id)
    assert case is not None and case.case_code == "JMB-AAAA" and case.status == CaseStatus.RECEIVED
    assert await service.case_by_code("JMB-AAAA") == case
    assert await service.case(report_id + 1) is None and await service.case_by_code("JMB-ZZZZ") is None
    assert await service.history(case) == []
    claimed = await service.act(case, CaseAction.CLAIM, Actor(ADMIN_USER, "Budi", ADMIN))
    assert not isinstance(claimed, StatusRefusal) and claimed.status == "claimed"
    [event] = await service.history(case)
    assert (event.action, event.from_status, event.to_status, event.actor_name) == ("claim", "received", "claimed",
                                                                                   "Budi")


async def test_acting_on_a_case_somebody_changed_meanwhile_is_refused_as_case_changed(
    service: SupervisionService,
) -> None:
    case = await service.case(await add_report(service.repo, "JMB-BBBB"))
    assert case is not None
    await service.act(case, CaseAction.CLAIM, Actor(1, "Budi", ADMIN))
    with pytest.raises(CaseChanged):
        await service.act(case, CaseAction.REJECT, Actor(2, "Sari", ADMIN), detail="insufficient")  # a stale case
    with pytest.raises(Refusal) as bad:
        fresh = await service.case(case.id)
        assert fresh is not None
        await service.act(fresh, CaseAction.FORWARD, Actor(1, "Budi", ADMIN), detail="nowhere")
    assert bad.value.key == "triage.bad_choice" and not isinstance(bad.value, CaseChanged)


async def test_the_queue_is_the_chats_open_cases_oldest_first(service: SupervisionService) -> None:
    repo = service.repo
    await register(service, SUPERVISORS_CHAT, KOTA, GroupRole.SUPERVISORS)
    await register(service, GAKKUMDU_CHAT, KOTA, GroupRole.GAKKUMDU)
    old = await add_report(repo, "JMB-OLD1", minutes_ago=30)
    new = await add_report(repo, "JMB-NEW1", minutes_ago=5)
    forwarded = await add_report(repo, "JMB-FWD1", status="forwarded", forwarded_to=ForwardTarget.GAKKUMDU,
                                 minutes_ago=10)
    await add_report(repo, "JMB-DONE", status="done", minutes_ago=40)
    elsewhere = await add_report(repo, "BGR-ELSE", region="32.01.01", minutes_ago=20)

    assert [c.id for c in await service.open_cases_for(SUPERVISORS_CHAT, limit=30)] == [old, forwarded, new]
    assert [c.id for c in await service.open_cases_for(SUPERVISORS_CHAT, limit=2)] == [old, forwarded]
    assert [c.id for c in await service.open_cases_for(GAKKUMDU_CHAT, limit=30)] == [forwarded]
    assert [c.id for c in await service.open_cases_for(ADMIN, limit=30)] == [old, elsewhere, forwarded, new]
    with pytest.raises(Refusal) as refused:
        await service.open_cases_for(OTHER_CHAT, limit=30)
    assert refused.value.key == "cases.not_registered"


async def test_a_press_counts_only_on_a_card_recorded_for_that_case(service: SupervisionService) -> None:
    first = await service.case(await add_report(service.repo, "JMB-CRD1"))
    second = await service.case(await add_report(service.repo, "JMB-CRD2"))
    assert first is not None and second is not None
    await service.repo.record_card(first.id, SUPERVISORS_CHAT, 55, "alert", alert=True)
    assert await service.is_card_of(SUPERVISORS_CHAT, 55, first)
    assert not await service.is_card_of(SUPERVISORS_CHAT, 55, second)
    assert not await service.is_card_of(SUPERVISORS_CHAT, 56, first)
    assert not await service.is_card_of(OTHER_CHAT, 55, first)


# ---- groups ------------------------------------------------------------------------------------------------------


async def test_group_registration_deactivation_and_migration(service: SupervisionService) -> None:
    repo = service.repo
    await service.refuse_registration(SUPERVISORS_CHAT, 9)
    assert await repo.attempts(SUPERVISORS_CHAT) == ["not_admin"]
    assert not await service.is_registered(SUPERVISORS_CHAT)
    await register(service, SUPERVISORS_CHAT, KECAMATAN, GroupRole.SUPERVISORS)
    assert await repo.attempts(SUPERVISORS_CHAT) == ["not_admin", "ok"]
    assert await service.is_registered(SUPERVISORS_CHAT)
    assert await service.deactivate_group(SUPERVISORS_CHAT, "bot kicked")
    assert not await service.deactivate_group(SUPERVISORS_CHAT, "bot kicked")  # inactive already
    assert await service.is_registered(SUPERVISORS_CHAT) and await service.group_of(SUPERVISORS_CHAT) is None
    assert await service.migrate_group(SUPERVISORS_CHAT, OTHER_CHAT)
    assert not await service.is_registered(SUPERVISORS_CHAT) and await service.is_registered(OTHER_CHAT)
    assert not await service.migrate_group(-9999, -9998)


async def test_routes_name_the_level_where_groups_were_found(service: SupervisionService) -> None:
    assert (await service.route(KECAMATAN)).level is RouteLevel.ADMIN
    await register(service, SUPERVISORS_CHAT, KOTA, GroupRole.SUPERVISORS)
    route = await service.route(KECAMATAN)
    assert (route.level, route.region, route.chat_ids) == (RouteLevel.KABUPATEN, KOTA, (SUPERVISORS_CHAT,))
    assert route.level == "kabupaten" and service.regions.get(KOTA).level is Level.KABUPATEN  # type: ignore[union-attr]


# ---- questions ---------------------------------------------------------------------------------------------------


async def test_a_question_and_its_notice_are_written_together_with_the_new_request_id(
    service: SupervisionService,
) -> None:
    repo = service.repo
    case = await service.case(await add_report(repo, "JMB-ASK1"))
    assert case is not None
    await repo.expect_reply(ADMIN, 80, PromptPurpose.QUESTION, case.id, user_id=ADMIN_USER)
    prompt = await repo.pending_reply(ADMIN, 80)
    first = await service.ask(case, Actor(ADMIN_USER, "Budi", ADMIN), "Jam berapa?", prompt)
    second = await service.ask(case, Actor(ADMIN_USER, "Budi", ADMIN), "Di mana <persis>?", None)
    assert first != second
    assert await repo.pending_reply(ADMIN, 80) is None  # the prompt was answered in the same transaction
    rows = await repo.db.fetchall("SELECT dedup_key, chat_id, method, payload FROM outbox ORDER BY id")
    assert [(r["dedup_key"], r["chat_id"], r["method"]) for r in rows] == [
        (f"question:{first}", 42, "pantau.question"), (f"question:{second}", 42, "pantau.question")
    ]
    payloads = [json.loads(r["payload"]) for r in rows]
    assert [list(p) for p in payloads] == [["text", "request_id", "report_id"]] * 2
    assert [(p["request_id"], p["report_id"]) for p in payloads] == [(first, case.id), (second, case.id)]
    assert payloads[1]["text"] == t("en", "relay.question", code="JMB-ASK1", question="Di mana &lt;persis&gt;?")
    request = await repo.request(second)
    assert request is not None and request["question"] == "Di mana <persis>?"


async def test_only_a_reply_to_a_relayed_question_is_an_awaited_answer(service: SupervisionService) -> None:
    repo = service.repo
    report_id = await add_report(repo, "JMB-ANS1")
    await repo.expect_reply(42, 90, PromptPurpose.ANSWER, report_id, request_id=17)
    await repo.expect_reply(ADMIN, 91, PromptPurpose.DUPLICATE, report_id, user_id=ADMIN_USER)
    assert await service.awaited_answer(42, 90) == 17
    assert await service.awaited_answer(ADMIN, 91) is None  # a prompt in a group, not a question to answer
    assert await service.awaited_answer(42, 92) is None
    prompt = await repo.pending_reply(ADMIN, 91)
    assert prompt is not None and prompt.purpose == PromptPurpose.DUPLICATE
    await service.forget_prompt(prompt)
    assert await repo.pending_reply(ADMIN, 91) is None and await service.awaited_answer(42, 90) == 17


# ---- enums keep the stored values --------------------------------------------------------------------------------


def test_the_enums_keep_the_values_the_database_and_the_buttons_hold() -> None:
    assert STATUSES == ("received", "claimed", "registered", "forwarded", "rejected", "duplicate", "done")
    assert [str(a) for a in CaseAction] == ["claim", "ask", "register", "forward", "reject", "duplicate", "done"]
    assert [f"{r}" for r in RouteLevel] == ["kecamatan", "kabupaten", "provinsi", "admin", "none"]
    assert tuple(GroupRole) == ("supervisors", "gakkumdu", "cyber") and PromptPurpose.ANSWER == "answer"
    assert [int(level) for level in Level] == [1, 2, 3]
    assert json.dumps({"status": CaseStatus.DONE}) == '{"status": "done"}'


async def test_refused_attempts_are_records(service: SupervisionService) -> None:
    await service.repo.log_refusal(SUPERVISORS_CHAT, 9, "press", "claim", 7, "left")
    [refused] = await service.repo.refusals(SUPERVISORS_CHAT)
    assert refused == RefusedAttempt(user_id=9, kind="press", action="claim", report_id=7, member_status="left")
    assert refused == (9, "press", "claim", 7, "left") and refused.member_status == "left"
