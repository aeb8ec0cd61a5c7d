"""Report intake: text and phone rules, and IntakeService against a real SQLite database and region table."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.persistence import SQLitePersistence
from bot.kernel.refusal import Refusal
from bot.legal.rules import LegalRules
from bot.regions.directory import RegionDirectory
from bot.reporting import intake as intake_module
from bot.reporting.draft import Step
from bot.reporting.evidence_store import EvidenceStore
from bot.reporting.incident_time import IncidentTime
from bot.reporting.intake import CONVERSATION_NAME, TEXT_LIMITS, Draft, IntakeService, clean_phone, clean_text
from locales import LOCALES, has, t
from storage.database import Database, iso, utcnow
from storage.reporting.conversations import ConversationStore
from storage.reporting.drafts import DraftRepository, DraftRow
from storage.reporting.reports import ReportRepository

JAMBI = ZoneInfo("Asia/Jakarta")  # Kota Jambi is in WIB
KECAMATAN = "15.71.04"  # Pasar Jambi
CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang kepada warga di depan TPS 05."
NAME = "Siti Aminah Rahmawati"
ADDRESS = "Jl. Gatot Subroto No. 5, Kelurahan Sungai Asam"
PHONE_TYPED = "0812-3456-7890"
PHONE = "+6281234567890"


# ---- clean_text ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
def test_clean_text_length_boundaries(field: str):
    low, high = TEXT_LIMITS[field]
    assert 0 < low < high
    with pytest.raises(Refusal) as short:
        clean_text("x" * (low - 1), field)
    assert short.value.key == "invalid.too_short"
    assert short.value.params == {"minimum": low, "length": low - 1}
    assert clean_text("x" * low, field) == "x" * low
    assert clean_text("x" * high, field) == "x" * high
    with pytest.raises(Refusal) as long:
        clean_text("x" * (high + 1), field)
    assert long.value.key == "invalid.too_long"
    assert long.value.params == {"maximum": high, "length": high + 1}


@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
def test_clean_text_counts_after_trimming(field: str):
    low, high = TEXT_LIMITS[field]
    padding = " \t \n  "
    assert clean_text(padding + "x" * high + padding, field) == "x" * high
    with pytest.raises(Refusal) as short:
        clean_text(padding + "x" * (low - 1) + padding, field)
    assert short.value.key == "invalid.too_short"
    with pytest.raises(Refusal) as empty:
        clean_text(" \t\n \n ", field)
    assert empty.value.key == "invalid.too_short"
    assert empty.value.params["length"] == 0


def test_clean_text_collapses_runs_of_spaces_and_tabs():
    assert clean_text("  Budi \t\t  Santoso  ", "name") == "Budi Santoso"
    # a long run of spaces between two words does not make a short answer too long
    assert clean_text("Budi" + " " * 500 + "Santoso", "name") == "Budi Santoso"


def test_clean_text_keeps_newlines_in_the_chronology():
    text = "\n\n  Pukul 09.00   warga berkumpul.  \r\n\tTim sukses membagikan amplop. \n\n"
    assert clean_text(text, "chronology") == "Pukul 09.00 warga berkumpul.\nTim sukses membagikan amplop."


def test_clean_text_keeps_blank_lines_between_paragraphs():
    text = "Paragraf pertama yang cukup panjang.\n\nParagraf kedua."
    assert clean_text(text, "chronology") == text


def test_clean_text_unknown_field_is_a_programming_error():
    with pytest.raises(KeyError):
        clean_text("whatever", "nonexistent")


# ---- clean_phone --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "  081234567890  ",
        "+6281234567890",
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "62 812 3456 7890",
        "6281234567890",
    ],
)
def test_clean_phone_normalises_indonesian_mobile_numbers(typed: str):
    assert clean_phone(typed) == PHONE


@pytest.mark.parametrize(("typed", "normalised"), [("(021) 555-1234", "+62215551234"), ("0741 123456", "+62741123456")])
def test_clean_phone_accepts_landlines(typed: str, normalised: str):
    assert clean_phone(typed) == normalised


@pytest.mark.parametrize(
    "typed", ["", "   ", "abc", "08", "12345", "0812abcd7890", "+1 415 555 1234", "081234567890123456", "++62812"]
)
def test_clean_phone_rejects_garbage(typed: str):
    with pytest.raises(Refusal) as err:
        clean_phone(typed)
    assert err.value.key == "invalid.phone"


def test_clean_phone_result_is_e164():
    phone = clean_phone("0812 3456 7890")
    assert phone.startswith("+62") and phone[1:].isdigit()


@pytest.mark.parametrize(
    "key",
    [
        "invalid.too_short",
        "invalid.too_long",
        "invalid.phone",
        "invalid.choice",
        "invalid.region",
        "invalid.incomplete",
        "invalid.when_future",
        "invalid.when_unparseable",
        "invalid.when_too_old",
    ],
)
def test_every_input_error_key_has_a_text_in_every_language(key: str):
    for locale in LOCALES:
        assert has(locale, key), (locale, key)


def test_input_error_carries_key_and_params():
    err = Refusal("invalid.too_short", minimum=2, length=1)
    assert str(err) == "invalid.too_short"
    assert err.key == "invalid.too_short"
    assert t("en", err.key, **err.params)


# ---- IntakeService with a real database ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "intake.sqlite3")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def evidence_dir(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def service(db: Database, regions: RegionDirectory, evidence_dir: Path) -> IntakeService:
    return IntakeService(DraftRepository(db), ReportRepository(db), regions, EvidenceStore(evidence_dir))


def jambi_today() -> datetime:
    return utcnow().astimezone(JAMBI)


class Updates:
    """Increasing update ids, as Telegram sends them."""

    def __init__(self) -> None:
        self.value = 1000

    def __call__(self) -> int:
        self.value += 1
        return self.value


async def add_photo(service: IntakeService, draft: Draft, update_id: int, content: bytes, unique: str) -> bool:
    return await service.add_evidence(
        draft,
        update_id,
        kind="photo",
        file_id=f"file-{unique}",
        unique_id=unique,
        size=len(content),
        mime_type="image/jpeg",
        file_name=None,
        media_group_id=None,
        content=content,
        stored="stored",
    )


async def fill(
    service: IntakeService,
    user_id: int,
    *,
    anonymous: bool = False,
    incident: IncidentTime | None = None,
    photos: tuple[bytes, ...] = (b"photo-1",),
    witnesses: str | None = None,
    known: date | None = None,
    standing: str = "voter",
) -> Draft:
    """A draft answered step by step up to the review, checking each step on the way (`known`: the day the
    reporter learned of it; None: the incident's day)."""
    ids = Updates()
    draft = await service.start(user_id, user_id, ids())
    assert draft.step is Step.CATEGORY
    draft = await service.set_category(draft, ids(), "money_politics")
    assert draft.step is Step.CHRONOLOGY
    draft = await service.set_chronology(draft, ids(), CHRONOLOGY)
    assert draft.step is Step.WHEN
    when = incident or IncidentTime(jambi_today().date() - timedelta(days=1))
    draft = await service.set_when(draft, ids(), when)
    assert draft.step is Step.KNOWN
    if known is None:
        draft = await service.set_known_same(draft, ids())
    else:
        draft = await service.set_known(draft, ids(), known)
    assert draft.step is Step.WHERE
    draft = await service.set_region(draft, ids(), KECAMATAN, "picker")
    assert draft.step is Step.PLACE
    draft = await service.set_place(draft, ids(), "Depan TPS 05")
    assert draft.step is Step.PARTY
    draft = await service.set_party(draft, ids(), "Budi, tim sukses calon nomor 2")
    assert draft.step is Step.EVIDENCE
    for i, content in enumerate(photos):
        assert await add_photo(service, draft, ids(), content, f"u{user_id}-{i}")
    draft = await service.answer(draft, ids())
    assert draft.step is Step.WITNESSES
    draft = await service.set_witnesses(draft, ids(), witnesses)
    assert draft.step is Step.IDENTITY
    draft = await service.set_identity(draft, ids(), anonymous)
    if not anonymous:
        assert draft.step is Step.ID_NAME
        draft = await service.set_name(draft, ids(), NAME)
        assert draft.step is Step.ID_ADDRESS
        draft = await service.set_address(draft, ids(), ADDRESS)
        assert draft.step is Step.ID_PHONE
        draft = await service.set_phone(draft, ids(), PHONE_TYPED, "typed")
        assert draft.step is Step.STANDING
        draft = await service.set_standing(draft, ids(), standing)
    assert draft.step is Step.REVIEW
    return draft


async def count(db: Database, sql: str, params: tuple[Any, ...] = ()) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) AS n FROM ({sql}) AS counted", params)
    assert row is not None
    return int(row["n"])


def stored_files(root: Path) -> list[Path]:
    return sorted(root.glob("??/*"))


async def age_draft(db: Database, user_id: int, when: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE drafts SET updated_at = ? WHERE user_id = ?", (iso(when), user_id))


async def conversation_state(db: Database, service: IntakeService, user_id: int) -> str | None:
    """The report conversation's state as python-telegram-bot's persistence loads it (the draft's step)."""
    persistence = SQLitePersistence(ConversationStore(db), owned={CONVERSATION_NAME: service.conversation_states})
    state = (await persistence.get_conversations(CONVERSATION_NAME)).get((user_id, user_id))
    return None if state is None else str(state)


async def test_answers_are_persisted_with_the_conversation_state(service: IntakeService, db: Database):
    draft = await fill(service, 11)
    reloaded = await service.get(11)
    assert reloaded is not None
    assert reloaded.answers == draft.answers
    assert reloaded.answers.phone == PHONE and reloaded.answers.phone_source == "typed"
    assert reloaded.step is Step.REVIEW and reloaded.active
    assert await conversation_state(db, service, 11) == "review"
    assert reloaded.is_redelivery(reloaded.row.last_update_id)
    assert not reloaded.is_redelivery(reloaded.row.last_update_id + 1)


async def test_start_to_submit_produces_one_report(service: IntakeService, db: Database):
    draft = await fill(service, 21)
    outcome = await service.submit(draft, 2000, "id")
    assert outcome.result.created
    assert outcome.assessment.kind == "laporan" and outcome.assessment.missing == ()
    assert await service.reports.count() == 1
    report = await service.reports.by_code(outcome.result.case_code)
    assert report is not None
    assert report.id == outcome.result.report_id
    assert report.reporter_user_id == 21 and report.region_code == KECAMATAN and report.kind == "laporan"
    assert report.timezone == "Asia/Jakarta"
    stored = await service.get(21)
    assert stored is not None and stored.row.status == "submitted" and stored.row.report_id == report.id
    assert await conversation_state(db, service, 21) is None
    notices = await db.fetchall("SELECT chat_id, payload FROM outbox")
    assert len(notices) == 1 and notices[0]["chat_id"] == 21
    assert outcome.result.case_code in json.loads(notices[0]["payload"])["text"]


async def test_second_submit_of_the_same_draft_is_not_a_second_report(service: IntakeService, db: Database):
    draft = await fill(service, 31)
    first = await service.submit(draft, 2000, "id")
    again = await service.submit(draft, 2001, "id")
    reloaded = await service.get(31)
    assert reloaded is not None
    from_reload = await service.submit(reloaded, 2002, "id")
    assert first.result.created
    for later in (again, from_reload):
        assert not later.result.created
        assert later.result.case_code == first.result.case_code
        assert later.result.report_id == first.result.report_id
    assert await service.reports.count() == 1
    assert await count(db, "SELECT * FROM outbox") == 1


async def test_concurrent_double_submit_makes_exactly_one_report(service: IntakeService, db: Database):
    draft = await fill(service, 41)
    outcomes = await asyncio.gather(service.submit(draft, 2000, "id"), service.submit(draft, 2000, "id"))
    assert sorted(o.result.created for o in outcomes) == [False, True]
    assert len({o.result.case_code for o in outcomes}) == 1
    assert await service.reports.count() == 1
    assert await count(db, "SELECT * FROM outbox") == 1


async def test_concurrent_submit_of_two_loaded_copies_makes_exactly_one_report(service: IntakeService, db: Database):
    await fill(service, 42)
    first, second = await service.get(42), await service.get(42)
    assert first is not None and second is not None
    outcomes = await asyncio.gather(service.submit(first, 2000, "id"), service.submit(second, 2001, "id"))
    assert sorted(o.result.created for o in outcomes) == [False, True]
    assert len({o.result.case_code for o in outcomes}) == 1
    assert await service.reports.count() == 1
    assert await count(db, "SELECT * FROM evidence") == 1
    assert await count(db, "SELECT * FROM outbox") == 1


async def _all_rows_as_text(db: Database, skip: set[str]) -> dict[str, str]:
    tables = [r["name"] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
    out = {}
    for table in tables:
        if table in skip or table.startswith("sqlite_"):
            continue
        rows = await db.fetchall(f'SELECT * FROM "{table}"')
        out[table] = repr([tuple(r) for r in rows])
    return out


@pytest.mark.sqlite_only  # reads SQLite's schema, query plan or file
async def test_identity_is_stored_apart_from_the_report(service: IntakeService, db: Database):
    draft = await fill(service, 51)
    outcome = await service.submit(draft, 2000, "id")
    identity_rows = await db.fetchall("SELECT * FROM reporter_identities")
    assert [dict(r) for r in identity_rows] == [
        {"report_id": outcome.result.report_id, "name": NAME, "address": ADDRESS, "phone": PHONE, "phone_source": "typed"}
    ]
    report = dict(await db.fetchone("SELECT * FROM reports") or {})
    assert report["anonymous"] == 0
    # Nothing outside reporter_identities holds any part of the identity, not even the submitted draft.
    for table, text in (await _all_rows_as_text(db, {"reporter_identities"})).items():
        for secret in (NAME, ADDRESS, PHONE, "81234567890"):
            assert secret not in text, (table, secret)
    identity = await service.reports.identity(outcome.result.report_id, accessor="test", purpose="check")
    assert identity is not None and identity.name == NAME
    assert await count(db, "SELECT * FROM identity_access_log WHERE report_id = ?", (outcome.result.report_id,)) == 1


async def test_anonymous_report_has_no_identity_and_is_informasi_awal(service: IntakeService, db: Database):
    draft = await fill(service, 52, anonymous=True)
    outcome = await service.submit(draft, 2000, "id")
    assert outcome.assessment.kind == "informasi_awal" and outcome.assessment.missing == ("identity",)
    assert await count(db, "SELECT * FROM reporter_identities") == 0
    row = await db.fetchone("SELECT anonymous, kind, missing FROM reports")
    assert row is not None and row["anonymous"] == 1 and row["kind"] == "informasi_awal"
    assert row["missing"] == '["identity"]'


async def test_identity_turned_anonymous_when_editing_forgets_name_address_phone(service: IntakeService, db: Database):
    draft = await fill(service, 53)
    draft = await service.edit(draft, 3000, "identity")
    assert draft.step is Step.IDENTITY and draft.row.editing
    draft = await service.set_identity(draft, 3001, True)
    assert draft.step is Step.REVIEW and not draft.row.editing
    stored = await service.get(53)
    assert stored is not None
    assert stored.answers.name is None and stored.answers.address is None and stored.answers.phone is None
    row = await db.fetchone("SELECT answers FROM drafts WHERE user_id = 53")
    assert row is not None
    assert NAME not in row["answers"] and ADDRESS not in row["answers"]
    # the phone's digits, not "812" alone: the draft's random token could hold those three by chance
    assert not {"name", "address", "phone"} & set(json.loads(row["answers"])) and "3456" not in row["answers"]


async def test_evidence_moves_from_draft_to_report(service: IntakeService, db: Database, evidence_dir: Path):
    draft = await fill(service, 61, photos=(b"first photo", b"second photo"))
    assert not await add_photo(service, draft, 1500, b"first photo", "u61-0")  # re-delivered: not recorded twice
    assert await service.add_evidence(
        draft,
        1501,
        kind="video",
        file_id="big",
        unique_id="big-1",
        size=30 * 1024 * 1024,
        mime_type="video/mp4",
        file_name=None,
        media_group_id=None,
        content=None,
        stored="too_big",
    )
    before = await service.evidence(61)
    assert [e.telegram_unique_id for e in before] == ["u61-0", "u61-1", "big-1"]
    outcome = await service.submit(draft, 2000, "id")
    assert await service.evidence(61) == []
    assert await count(db, "SELECT * FROM draft_evidence") == 0
    moved = await db.fetchall("SELECT report_id, telegram_unique_id, sha256, stored FROM evidence ORDER BY id")
    assert [r["report_id"] for r in moved] == [outcome.result.report_id] * 3
    assert [(r["telegram_unique_id"], r["sha256"], r["stored"]) for r in moved] == [
        (e.telegram_unique_id, e.sha256, e.stored) for e in before
    ]
    report = await service.reports.by_code(outcome.result.case_code)
    assert report is not None and report.evidence_count == 2  # the file over 20 MB is recorded, not counted
    hashes = {e.sha256 for e in before if e.sha256}
    assert len(hashes) == 2
    assert hashes <= await service.drafts.referenced_hashes()
    assert all(service.files.path_for(h).is_file() for h in hashes)


async def test_witnesses_alone_count_as_evidence(service: IntakeService):
    draft = await fill(service, 62, photos=(), witnesses="Pak RT dan dua warga")
    outcome = await service.submit(draft, 2000, "id")
    assert outcome.assessment.kind == "laporan"


async def test_no_evidence_and_no_witnesses_is_informasi_awal(service: IntakeService):
    draft = await fill(service, 63, photos=())
    outcome = await service.submit(draft, 2000, "id")
    assert outcome.assessment.missing == ("evidence",)


@pytest.mark.parametrize(("days_ago", "stale"), [(7, False), (8, True)])
async def test_seven_day_window(
    service: IntakeService, monkeypatch: pytest.MonkeyPatch, days_ago: int, stale: bool
):
    now = utcnow()
    monkeypatch.setattr(intake_module, "utcnow", lambda: now)  # the test's today is the service's, even at midnight
    incident = IncidentTime(now.astimezone(JAMBI).date() - timedelta(days=days_ago))
    draft = await fill(service, 64, incident=incident)
    outcome = await service.submit(draft, 2000, "id")
    assert ("deadline" in outcome.assessment.missing) is stale


async def test_future_incident_time_is_refused_at_submit(service: IntakeService, db: Database):
    future = IncidentTime(jambi_today().date() + timedelta(days=2))
    draft = await fill(service, 71, incident=future)
    with pytest.raises(Refusal) as err:
        await service.submit(draft, 2000, "id")
    assert err.value.key == "invalid.when_future"
    assert await service.reports.count() == 0
    assert await count(db, "SELECT * FROM outbox") == 0
    stored = await service.get(71)
    assert stored is not None and stored.row.status == "active"


async def test_incomplete_draft_is_refused_at_submit(service: IntakeService):
    draft = await service.start(72, 72, 1)
    draft = await service.set_category(draft, 2, "hoax")
    with pytest.raises(Refusal) as err:
        await service.submit(draft, 3, "id")
    assert err.value.key == "invalid.incomplete"
    assert service.missing_answer(draft.answers) == "chronology"
    assert await service.reports.count() == 0


async def test_step_rules_refuse_bad_answers_without_moving(service: IntakeService, regions: RegionDirectory):
    draft = await service.start(73, 73, 1)
    with pytest.raises(Refusal) as err:
        await service.set_category(draft, 2, "not_a_category")
    assert err.value.key == "invalid.choice"
    draft = await service.set_category(draft, 3, "money_politics")  # at a place: a kecamatan it must be
    with pytest.raises(Refusal) as err:
        await service.set_chronology(draft, 4, "terlalu pendek")
    assert err.value.key == "invalid.too_short"
    for code in ("15", "15.71", "15.71.04.1001", "99.99.99"):
        with pytest.raises(Refusal) as err:
            await service.set_region(draft, 5, code, "picker")
        assert err.value.key == "invalid.region"
    scoped = IntakeService(service.drafts, service.reports, RegionDirectory("15"), service.files)
    with pytest.raises(Refusal) as err:
        await scoped.set_region(draft, 6, "31.71.01", "picker")  # Jakarta, outside a Jambi deployment
    assert err.value.key == "invalid.region"
    stored = await service.get(73)
    assert stored is not None and stored.step is Step.CHRONOLOGY


def test_parse_when_errors_are_input_errors(service: IntakeService):
    from bot.reporting.draft import Answers

    with pytest.raises(Refusal) as err:
        service.parse_when(Answers(region_code=KECAMATAN), "bukan tanggal sama sekali")
    assert err.value.key == "invalid.when_unparseable"


# ---- housekeeping -------------------------------------------------------------------------------------------


async def _locale_id(user_id: int) -> str:
    return "id"


async def test_close_idle_closes_only_drafts_idle_before_the_cutoff(service: IntakeService, db: Database):
    old = utcnow() - timedelta(hours=30)
    cutoff = utcnow() - timedelta(hours=24)
    for user_id in (81, 82, 83, 84):
        await service.start(user_id, user_id, 1)
    await age_draft(db, 81, old)  # idle: to close
    # 82 is recent
    submitted = await fill(service, 83)
    await service.submit(submitted, 2000, "id")
    await age_draft(db, 83, old)  # old but submitted
    async with db.transaction() as conn:
        await conn.execute("UPDATE drafts SET status = 'idle_closed' WHERE user_id = 84")
    await age_draft(db, 84, old)  # old but already closed
    notices_before = await count(db, "SELECT * FROM outbox")

    asked: list[int] = []

    async def locale_for(user_id: int) -> str:
        asked.append(user_id)
        return "id"

    assert await service.close_idle(cutoff, locale_for, hours=24, keep_days=7) == 1
    assert asked == [81]
    statuses = {r["user_id"]: r["status"] for r in await db.fetchall("SELECT user_id, status FROM drafts")}
    assert statuses == {81: "idle_closed", 82: "active", 83: "submitted", 84: "idle_closed"}
    assert await conversation_state(db, service, 81) is None
    assert await conversation_state(db, service, 82) == "category"
    new = await db.fetchall("SELECT chat_id, payload FROM outbox WHERE dedup_key LIKE 'idle-closed:%'")
    assert [r["chat_id"] for r in new] == [81]
    assert json.loads(new[0]["payload"]) == {"text": t("id", "idle.closed", hours="24", days="7")}
    assert await count(db, "SELECT * FROM outbox") == notices_before + 1

    # Again: nothing more to close, no second notice.
    assert await service.close_idle(cutoff, locale_for, hours=24, keep_days=7) == 0
    assert await count(db, "SELECT * FROM outbox") == notices_before + 1


async def test_close_idle_run_twice_at_once_sends_one_notice_each(service: IntakeService, db: Database):
    old = utcnow() - timedelta(days=2)
    for user_id in (91, 92):
        await service.start(user_id, user_id, 1)
        await age_draft(db, user_id, old)
    closed = await asyncio.gather(
        service.close_idle(utcnow() - timedelta(days=1), _locale_id, hours=24, keep_days=7),
        service.close_idle(utcnow() - timedelta(days=1), _locale_id, hours=24, keep_days=7),
    )
    assert sum(closed) == 2
    rows = await db.fetchall("SELECT chat_id FROM outbox WHERE dedup_key LIKE 'idle-closed:%' ORDER BY chat_id")
    assert [r["chat_id"] for r in rows] == [91, 92]


async def test_close_idle_leaves_a_draft_answered_meanwhile(service: IntakeService, db: Database):
    draft = await service.start(93, 93, 1)
    await age_draft(db, 93, utcnow() - timedelta(days=2))

    async def answering_meanwhile(user_id: int) -> str:
        await service.touch(draft, 5)  # the reporter answers between the scan and the close
        return "id"

    assert await service.close_idle(utcnow() - timedelta(days=1), answering_meanwhile, hours=24, keep_days=7) == 0
    stored = await service.get(93)
    assert stored is not None and stored.active
    assert await count(db, "SELECT * FROM outbox") == 0


async def test_resume_reopens_an_idle_closed_draft_where_it_stopped(service: IntakeService, db: Database):
    draft = await service.start(94, 94, 1)
    draft = await service.set_category(draft, 2, "hoax")
    await age_draft(db, 94, utcnow() - timedelta(days=2))
    assert await service.close_idle(utcnow() - timedelta(days=1), _locale_id, hours=24, keep_days=7) == 1
    closed = await service.get(94)
    assert closed is not None and closed.row.status == "idle_closed"
    resumed = await service.resume(closed, 3)
    assert resumed.active and resumed.step is Step.CHRONOLOGY
    assert await conversation_state(db, service, 94) == "chronology"


async def test_purge_deletes_old_drafts_and_unreferenced_old_files(service: IntakeService, db: Database, evidence_dir: Path):
    old = utcnow() - timedelta(days=10)
    cutoff = utcnow() - timedelta(days=7)
    stale = await service.start(101, 101, 1)
    await add_photo(service, stale, 2, b"stale draft photo", "s1")
    fresh = await service.start(102, 102, 1)
    await add_photo(service, fresh, 2, b"fresh draft photo", "f1")
    done = await fill(service, 103, photos=(b"submitted photo",))
    await service.submit(done, 2000, "id")
    await age_draft(db, 101, old)
    await age_draft(db, 103, old)
    # every stored file looks old on disk
    files = stored_files(evidence_dir)
    assert len(files) == 3
    for path in files:
        os.utime(path, (old.timestamp(), old.timestamp()))

    drafts, removed = await service.purge(cutoff)

    assert drafts == 2  # 101 and the submitted 103
    assert {r["user_id"] for r in await db.fetchall("SELECT user_id FROM drafts")} == {102}
    assert await service.evidence(101) == []
    assert removed == 1
    remaining = {p.name for p in stored_files(evidence_dir)}
    assert remaining == await service.drafts.referenced_hashes()
    assert len(remaining) == 2  # the fresh draft's and the report's
    assert await service.reports.count() == 1


async def test_purge_keeps_recent_unreferenced_files(service: IntakeService, evidence_dir: Path):
    stored = await service.files.put(b"being recorded right now")
    drafts, removed = await service.purge(utcnow() - timedelta(days=7))
    assert (drafts, removed) == (0, 0)
    assert stored.path.is_file()


async def test_start_replaces_an_earlier_draft_and_its_evidence(service: IntakeService):
    first = await service.start(111, 111, 1)
    await add_photo(service, first, 2, b"old photo", "o1")
    await service.set_category(first, 3, "hoax")
    fresh = await service.start(111, 111, 4)
    assert fresh.step is Step.CATEGORY and fresh.answers.category is None
    assert await service.evidence(111) == []
    stored = await service.get(111)
    assert stored is not None and stored.answers.category is None


async def test_cancel_forgets_the_draft(service: IntakeService, db: Database):
    draft = await service.start(112, 112, 1)
    await add_photo(service, draft, 2, b"some photo", "c1")
    await service.cancel(112)
    assert await service.get(112) is None
    assert await service.evidence(112) == []
    assert await conversation_state(db, service, 112) is None


def test_draft_row_defaults_are_an_active_draft():
    row = DraftRow(user_id=1, chat_id=1, step="category")
    assert row.status == "active" and not row.editing and row.answers == {}


async def test_a_named_draft_without_a_standing_is_no_laporan_and_is_sent_to_the_question(service: IntakeService):
    draft = await fill(service, 81)
    # as a draft that reached its review before the standing question existed
    draft.answers = draft.answers.model_copy(update={"standing": None})
    assert service.assess(draft.answers, 1).missing == ("standing",)
    assert service.missing_answer(draft.answers) == "standing"
    with pytest.raises(Refusal) as err:
        await service.submit(draft, 5000, "id")
    assert err.value.key == "invalid.incomplete"
    assert await service.reports.count() == 0


async def test_a_draft_at_its_review_without_the_tsm_answer_it_needs_is_sent_to_the_question(
    service: IntakeService, db: Database, regions: RegionDirectory, evidence_dir: Path
):
    long_ago = IncidentTime(jambi_today().date() - timedelta(days=40))
    draft = await fill(service, 82, incident=long_ago)  # Pilkada: no TSM question on the way
    pemilu = IntakeService(DraftRepository(db), ReportRepository(db), regions, EvidenceStore(evidence_dir),
                           rules=LegalRules("pemilu"))
    # as a draft at its review before a date made the question apply
    assert pemilu.missing_answer(draft.answers) == "tsm"
    with pytest.raises(Refusal) as err:
        await pemilu.submit(draft, 5000, "id")
    assert err.value.key == "invalid.incomplete"
    assert await pemilu.reports.count() == 0
    # the way to the review goes through the question, then back to the review
    draft = await pemilu.goto(draft, 5001, Step.REVIEW)
    assert draft.step is Step.TSM and draft.row.editing
    draft = await pemilu.set_tsm(draft, 5002, False)
    assert draft.step is Step.REVIEW and pemilu.missing_answer(draft.answers) is None
