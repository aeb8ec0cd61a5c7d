"""The reporter's data rights end to end, over HTTP against the fake Bot API: the consent of the identity step,
/datasaya (/mydata) as a message and a JSON document (its content parsed) in both languages, /hapusdata
(/erasemydata) with its confirmation (a double tap erases once and answers once; a case in legal process keeps its
identity and the reporter is told which and until when; cancel erases nothing), both logged; a person with
nothing stored, and groups, refused."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import Pantau
from bot.kernel.services import Services
from bot.operators.tools import export_evidence, show_identity
from bot.supervision.service import Actor
from bot.volunteers.registration_steps import CONSENT_VERSION
from bot.volunteers.status import VolunteerStatus
from storage.database import utcnow
from storage.tasks.answers import TaskAnswerRepository, TaskEvidenceRow
from storage.tasks.tasks import NewTask
from storage.volunteers.verification import VerificationRepository
from storage.volunteers.volunteers import NewVolunteer
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import Group, Reporter, give_identity, run_steps, services_of, text_of_call
from tests.privacy_seed import ADDRESS, NAME, PHONE, add_report, identity_of, log_of, reporter_of

WIB = ZoneInfo("Asia/Jakarta")
ADMIN = -100_777_000_001
SUPERVISOR, SUPERVISOR_NAME, OPERATOR = 910_001, "Dewi Lestari", "budi.santoso"
CODE = re.compile(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}")



async def document_to(fake: FakeTelegram, r: Reporter) -> tuple[ApiCall, dict[str, Any]]:
    """The JSON document sent to the reporter since their last action, parsed."""
    call = await fake.wait_for("sendDocument", chat_id=r.user_id, after=r.mark, predicate=lambda c: c.ok)
    upload = call.params["document"]
    assert isinstance(upload, bytes)
    return call, json.loads(upload.decode("utf-8"))


async def volunteer(services: Services, user_id: int, *, task: bool = False) -> None:
    """A verified volunteer; with `task`, one task sent to them and accepted."""
    await services.volunteers.register(NewVolunteer(user_id, user_id, NAME, None, "students", "15.71.04", PHONE, True,
                                                    CONSENT_VERSION))
    assert await services.volunteers.set_status(user_id, VolunteerStatus.VERIFIED, "test")
    if task:
        sent = await services.tasks.create_and_send(
            NewTask(ADMIN, 7, "15.71.04", "Pantau logistik di PPK", "Asia/Jakarta", source_update_id=user_id))
        assert await TaskAnswerRepository(services.db).set_answer(sent.id, user_id, "accepted", expected="offered")


def dates_around(days: float) -> set[str]:
    """The local date `days` from now, as the bot writes it, a minute either side (a test crossing midnight)."""
    return {(utcnow() + timedelta(days=days, minutes=m)).astimezone(WIB).strftime("%d-%m-%Y") for m in (-1, 0, 1)}


def erase_prompt_buttons(r: Reporter) -> tuple[dict[str, Any], str, str]:
    """The newest confirmation message, and the data of its erase and keep buttons."""
    message, erase = next((m, d) for m, label, d in r.buttons() if "hapus data saya" in label or "erase my data" in label)
    keep = next(d for m, label, d in r.buttons() if m["message_id"] == message["message_id"] and d != erase)
    return message, erase, keep


# ---- /datasaya ------------------------------------------------------------------------------------------


async def test_mydata_in_indonesian_after_a_real_report_sends_a_summary_and_the_whole_json(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    consent = await run_steps(r, last="witnesses")  # the identity step's question, with the consent
    assert "Langkah 8 dari 9" in consent
    assert "Anonim berarti pengawas tidak mengetahui siapa Anda" in consent
    assert "ID akun Telegram Anda" in consent and "kabar status" in consent
    assert "Pengendali data: Bawaslu Republik Indonesia" in consent  # no REGION_SCOPE: the whole country
    assert "730 hari (± 2 tahun)" in consent and "Pasal 20" in consent
    assert "Sentra Gakkumdu, DKPP, atau BKN" in consent and "saksi" in consent
    assert "/datasaya" in consent and "/hapusdata" in consent and "✏️" in consent
    assert "«🪪 Cantumkan identitas saya»" in consent
    assert len(consent) < 4096
    await give_identity(r, name=NAME, address=ADDRESS)
    r.tap("Kirim laporan")
    match = CODE.search(await r.expect("Kode kasus"))
    assert match is not None
    code = match.group(0)
    await volunteer(services, r.user_id)

    r.say("/datasaya")
    summary = await r.expect("Data Anda di Pantau")
    assert f"ID akun Telegram: {r.user_id}" in summary and "Bawaslu Republik Indonesia" in summary
    assert code in summary and "Politik uang" in summary and "Pasar Jambi" in summary and "diterima" in summary
    assert f"Identitas: {NAME}; {ADDRESS}; {PHONE}" in summary
    assert "Bukti: 1 berkas (foto " in summary
    assert "Pendaftaran relawan" in summary and "terverifikasi" in summary.lower()
    assert "Tugas: 0 diterima" in summary and "/hapusdata" in summary
    call, data = await document_to(fake, r)
    assert call.params["document"].filename.endswith(".json") and "JSON" in str(call.params["caption"])
    assert data["telegram_user_id"] == r.user_id and data["controller"] == "Bawaslu Republik Indonesia"
    [report] = data["reports"]
    assert report["case_code"] == code and report["category"] == "money_politics"
    assert report["region_code"] == "15.71.04" and report["region"].startswith("Pasar Jambi")
    assert report["identity"] == {"name": NAME, "address": ADDRESS, "phone": PHONE, "phone_source": "typed"}
    stored = await services.db.fetchone("SELECT sha256, size FROM evidence e JOIN reports r ON r.id = e.report_id"
                                        " WHERE r.case_code = ?", (code,))
    assert stored is not None
    [evidence] = report["evidence"]
    assert evidence["kind"] == "photo" and (evidence["sha256"], evidence["size"]) == (stored["sha256"], stored["size"])
    assert data["volunteer"]["full_name"] == NAME and data["volunteer"]["phone"] == PHONE
    assert data["volunteer"]["status"] == "verified" and data["tasks"] == [] and data["task_report_backs"] == []
    assert data["report_draft"]["status"] == "submitted" and "name" not in data["report_draft"]["answers"]
    assert data["requests_log"][-1]["action"] == "access"
    # Logged; and the outbox never held the data (the rows say only whose, in which language).
    assert await log_of(services, r.user_id) == [("access", "/datasaya")]
    rows = await services.db.fetchall("SELECT payload FROM outbox WHERE method LIKE 'pantau.mydata%'")
    assert len(rows) == 2 and not [row for row in rows if NAME in row["payload"] or PHONE in row["payload"]]


async def test_mydata_in_english_lists_reports_evidence_draft_and_task_answers(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot: Pantau = await start_bot(admin_chat_id=ADMIN, region_scope="15.71")
    services = services_of(bot)
    r = Reporter(fake, first_name="Ann")
    await add_report(services, r.user_id, "PTU-EEEE-0001", days_ago=30, files=2)
    await add_report(services, r.user_id, "PTU-EEEE-0002", days_ago=3, identity=False, status="claimed")
    await volunteer(services, r.user_id, task=True)
    fake.send_text(r.user_id, "/report", language_code="en")  # a report being written
    await r.expect("Step 1 of 9")
    r.tap("Money politics")
    await r.expect("Step 2 of 9")

    r.mark = fake.cursor()
    fake.send_text(r.user_id, "/mydata", language_code="en")
    summary = await r.expect("Your data in Pantau")
    assert "Data controller: Bawaslu of Kota Jambi." in summary and "Language: 🇬🇧 English (as your Telegram app)" in summary
    assert summary.index("PTU-EEEE-0002") < summary.index("PTU-EEEE-0001")  # newest first
    assert "Anonymous: no identity" in summary and f"Identity: {NAME}" in summary
    assert "Evidence: 2 files (bukti-0.pdf 2 KB, bukti-1.pdf 4 KB)" in summary
    assert "Report being written" in summary and "Tasks: 1 accepted, 0 declined, 0 not answered" in summary
    _, data = await document_to(fake, r)
    assert [report["case_code"] for report in data["reports"]] == ["PTU-EEEE-0001", "PTU-EEEE-0002"]
    first, second = data["reports"]
    assert [e["file_name"] for e in first["evidence"]] == ["bukti-0.pdf", "bukti-1.pdf"]
    assert first["evidence"][1] == {"kind": "document", "file_name": "bukti-1.pdf", "size": 4096, "sha256": f"{1:064x}",
                                   "mime_type": "application/pdf", "stored": "stored",
                                   "created_at": first["evidence"][1]["created_at"], "exif_taken_at": None,
                                   "exif_latitude": None, "exif_longitude": None}
    assert second["identity"] is None and second["anonymous"] is True and second["status"] == "claimed"
    assert data["report_draft"]["status"] == "active" and data["report_draft"]["answers"]["category"] == "money_politics"
    [task] = data["tasks"]
    assert task["answer"] == "accepted" and task["task"] == "Pantau logistik di PPK" and task["answered_at"]
    assert data["language"]["client_locale"] == "en"
    assert await log_of(services, r.user_id) == [("access", "/datasaya")]


async def test_mydata_of_many_reports_fits_in_one_message_and_the_document_has_them_all(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    for n in range(60):
        await add_report(services, r.user_id, f"PTU-MANY-{n:04d}", days_ago=60 - n, files=4)
    r.say("/mydata")
    summary = await r.expect("Data Anda di Pantau")
    assert len(summary) <= 4096 and "PTU-MANY-0059" in summary and "PTU-MANY-0000" not in summary
    assert re.search(r"… dan \d+ laporan lain: lihat berkas JSON\.", summary)
    _, data = await document_to(fake, r)
    assert len(data["reports"]) == 60 and all(len(report["evidence"]) == 4 for report in data["reports"])


async def identified_report(r: Reporter) -> str:
    """The standard report with the reporter's name, address and phone; its case code."""
    await run_steps(r, last="witnesses")
    await give_identity(r, name=NAME, address=ADDRESS)
    r.tap("Kirim laporan")
    match = CODE.search(await r.expect("Kode kasus"))
    assert match is not None
    return match.group(0)


def admin_chat(fake: FakeTelegram) -> None:
    """ADMIN_CHAT_ID as a supergroup the supervisor is a member of: every report's card goes there."""
    fake.ensure_chat(ADMIN, "supergroup", title="Admin Pantau")
    fake.member_status(ADMIN, SUPERVISOR, "member", announce=False)


async def test_mydata_has_report_backs_task_answers_questions_and_who_accessed_the_identity_never_by_name(
    fake: FakeTelegram, start_bot: Any, tmp_path: Path
) -> None:
    admin_chat(fake)
    bot: Pantau = await start_bot(admin_chat_id=ADMIN)
    services = services_of(bot)
    r = Reporter(fake)
    code = await identified_report(r)
    case = await services.supervision.repo.case_by_code(code)
    assert case is not None

    # A supervisor's question, relayed to the reporter, answered by replying to it (HTML-like text kept as typed).
    question, answer = "Jam berapa tepatnya amplop dibagikan?", "Sekitar jam 10 <pagi> & di depan TPS 05"
    r.mark = fake.cursor()
    await services.supervision.ask(case, Actor(SUPERVISOR, SUPERVISOR_NAME, ADMIN), question, None)
    asked = await fake.wait_for("sendMessage", chat_id=r.user_id, after=r.mark,
                                predicate=lambda c: c.ok and "Pengawas menanyakan" in text_of_call(c))
    r.mark = fake.cursor()
    fake.send_text(r.user_id, answer, reply_to_message_id=asked.result["message_id"])
    await r.expect("jawaban Anda sudah diteruskan")
    # The identity read by an operator (with a purpose naming a supervisor), by the reporter's own form, and the
    # original evidence copied by an operator.
    await show_identity(bot.settings, code, f"diminta {SUPERVISOR_NAME} untuk klarifikasi", io.StringIO(),
                        operator=OPERATOR)
    r.say(f"/status {code}")
    await r.expect(f"Laporan {code}")
    r.tap("Formulir laporan (PDF)")
    await fake.wait_for("sendDocument", chat_id=r.user_id, after=r.mark, predicate=lambda c: c.ok)
    await export_evidence(bot.settings, code, tmp_path / "bukti", io.StringIO(), operator=OPERATOR)
    # As a volunteer: a task accepted and reported back on (text, GPS, a photo), and their name and phone looked at.
    await volunteer(services, r.user_id, task=True)
    tasks = TaskAnswerRepository(services.db)
    [accepted] = await tasks.accepted(r.user_id)
    back = await tasks.start_report(accepted.task.id, r.user_id)
    await tasks.set_text(back.id, "Logistik tiba pukul 09.00, segel utuh.")
    await tasks.set_location(back.id, -1.6101, 103.6131)
    assert await tasks.add_evidence(back.id, TaskEvidenceRow("photo", "task-file", "task-uniq", "stored", "ab" * 32, 4096,
                                                            "image/jpeg"))
    assert await tasks.submit(back.id, [])
    views = VerificationRepository(services.db)
    await views.identity_outcome(await views.log_identity(SUPERVISOR, r.user_id, ADMIN, "card"), "sent")
    await views.log_identity(SUPERVISOR + 1, r.user_id, ADMIN, "coordinator_card")

    r.say("/datasaya")
    summary = await r.expect("Data Anda di Pantau")
    assert "Pertanyaan pengawas: 1, 1 sudah Anda jawab" in summary
    assert "Identitas atau bukti laporan ini diakses 3 kali" in summary
    assert "1 diterima" in summary and "1 laporan balik" in summary
    assert "Laporan balik tugas: 1 (berkas: 1; lokasi GPS: 1)" in summary
    assert "Nama dan telepon Anda sebagai relawan dilihat 2 kali" in summary
    call, data = await document_to(fake, r)
    [report] = data["reports"]
    [asked_row] = report["supervisors_questions"]
    assert asked_row["question"] == question and asked_row["answer"] == answer and asked_row["answered_at"]
    assert [(a["kind"], a["description"]) for a in report["identity_access"]] == [
        ("operator_identity", "operator Bawaslu melihat identitas Anda (nama, alamat, telepon)"),
        ("own_form", "Anda sendiri: formulir laporan (PDF) yang memuat identitas Anda"),
        ("operator_evidence", "operator Bawaslu menyalin berkas bukti asli laporan ini"),
    ]
    [task] = data["tasks"]
    assert (task["task_id"], task["task"], task["answer"]) == (accepted.task.id, "Pantau logistik di PPK", "accepted")
    assert task["first_report_back_at"]
    [report_back] = data["task_report_backs"]
    assert report_back["text"] == "Logistik tiba pukul 09.00, segel utuh." and report_back["status"] == "submitted"
    assert (report_back["latitude"], report_back["longitude"]) == (-1.6101, 103.6131)
    assert [(f["kind"], f["sha256"], f["size"], f["mime_type"]) for f in report_back["files"]] == [
        ("photo", "ab" * 32, 4096, "image/jpeg")]
    assert [(v["kind"], v["reached_viewer"]) for v in data["volunteer_identity_views"]] == [
        ("supervisors_card", True), ("coordinator_card", None)]
    # Nobody who handled the data is named: no supervisor's name or Telegram id, no operator, no group, no purpose.
    upload = call.params["document"]
    assert isinstance(upload, bytes)
    for said in (summary, upload.decode("utf-8")):
        for who in (SUPERVISOR_NAME, str(SUPERVISOR), str(SUPERVISOR + 1), OPERATOR, str(ADMIN), "klarifikasi"):
            assert who not in said, who


# ---- /hapusdata -----------------------------------------------------------------------------------------


async def test_erasure_double_tapped_erases_once_keeps_the_case_in_legal_process_and_says_until_when(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    still_open = await add_report(services, r.user_id, "PTU-HAPU-0001", days_ago=2)
    closed = await add_report(services, r.user_id, "PTU-HAPU-0002", status="done", days_ago=40, closed_days_ago=30)
    forwarded = await add_report(services, r.user_id, "PTU-HAPU-0003", status="forwarded", days_ago=20,
                                 forwarded_to="gakkumdu")
    closed_after_legal = await add_report(services, r.user_id, "PTU-HAPU-0004", status="done", days_ago=100,
                                          closed_days_ago=10, registered=True)
    someone_else = await add_report(services, 4242, "PTU-HAPU-0005", days_ago=2)
    await volunteer(services, r.user_id)
    r.say("/lapor")  # and a report being written
    await r.expect("Langkah 1 dari 9")

    r.say("/hapusdata")
    prompt = await r.expect("Hapus data saya")
    assert "identitas Anda (nama, alamat, telepon) pada 2 laporan" in prompt
    assert "ID akun Telegram Anda pada 1 laporan yang sudah selesai" in prompt
    assert "laporan yang sedang Anda isi" in prompt and "pendaftaran relawan Anda" in prompt
    assert "tanpa identitas" in prompt and "informasi awal" in prompt and "masih terbuka" in prompt
    assert "PTU-HAPU-0003, diteruskan ke Sentra Gakkumdu" in prompt
    assert any(f"paling cepat sampai {date}" in prompt for date in dates_around(730))
    assert any(f"PTU-HAPU-0004, sudah selesai setelah diproses hukum: disimpan sampai {date}" in prompt
               for date in dates_around(730 - 10))
    assert "PTU-HAPU-0001" not in prompt and "PTU-HAPU-0002" not in prompt
    assert await identity_of(services, still_open) is not None  # nothing erased before the confirmation

    message, erase, _ = erase_prompt_buttons(r)
    r.press(message, erase)
    r.mark = fake.cursor()
    fake.press(r.user_id, message, erase, check=False)  # the second tap, on the same message
    await r.expect_alert("sudah diproses")
    done = await r.expect("Data Anda sudah dihapus")
    assert "pada 2 laporan" in done and "pendaftaran relawan" in done
    assert "PTU-HAPU-0003" in done and "PTU-HAPU-0004" in done and "tetap tersimpan pada 3 laporan" in done
    answers = [c for c in fake.calls("sendMessage", chat_id=r.user_id) if "Data Anda sudah dihapus" in text_of_call(c)]
    assert len(answers) == 1
    assert not fake.message(r.user_id, message["message_id"]).get("reply_markup")  # the buttons are gone

    assert await identity_of(services, still_open) is None and await identity_of(services, closed) is None
    assert await identity_of(services, forwarded) == (NAME, ADDRESS, PHONE)
    assert await identity_of(services, closed_after_legal) == (NAME, ADDRESS, PHONE)
    assert await identity_of(services, someone_else) == (NAME, ADDRESS, PHONE)
    assert await reporter_of(services, still_open) == r.user_id  # open: its status updates still reach them
    assert await reporter_of(services, closed) == 0  # closed: no longer theirs
    assert await reporter_of(services, forwarded) == r.user_id == await reporter_of(services, closed_after_legal)
    assert (await services.db.fetchone("SELECT COUNT(*) FROM reports"))[0] == 5  # every report stays
    assert await services.volunteers.get(r.user_id) is None
    assert await services.db.fetchone("SELECT 1 FROM drafts WHERE user_id = ?", (r.user_id,)) is None
    [(action, detail)] = await log_of(services, r.user_id)
    assert action == "erase" and json.loads(detail) == {"identities": 2, "unlinked": 1, "draft": True,
                                                        "volunteer": True, "kept": ["PTU-HAPU-0004", "PTU-HAPU-0003"]}

    r.say("/datasaya")  # what is left
    left = await r.expect("Data Anda di Pantau")
    assert "PTU-HAPU-0001" in left and "Identitas sudah dihapus" in left and "PTU-HAPU-0002" not in left
    assert "PTU-HAPU-0003" in left and f"Identitas: {NAME}" in left and "Pendaftaran relawan" not in left
    r.say("lanjut")  # the report conversation that was open has no draft any more
    await r.expect("/lapor")


async def test_erasure_in_english_cancelled_erases_nothing_then_confirmed_erases(fake: FakeTelegram, bot: Pantau
                                                                                ) -> None:
    services = services_of(bot)
    r = Reporter(fake, first_name="Ann")
    report = await add_report(services, r.user_id, "PTU-ERAS-0001", days_ago=5, status="claimed")
    fake.send_text(r.user_id, "/erasemydata", language_code="en")
    prompt = await r.expect("Erase my data")
    assert "your identity (name, address, phone) on 1 report" in prompt
    assert "initial information" in prompt and "Erase now?" in prompt
    message, _, keep = erase_prompt_buttons(r)
    r.press(message, keep)
    await r.expect("nothing was erased")
    assert await identity_of(services, report) is not None and await log_of(services, r.user_id) == []

    r.mark = fake.cursor()
    fake.send_text(r.user_id, "/erasemydata", language_code="en")
    await r.expect("Erase my data")
    message, erase, _ = erase_prompt_buttons(r)
    r.press(message, erase)
    done = await r.expect("Your data has been erased")
    assert "on 1 report" in done and "stays on 1 report" in done and "Kept" not in done
    assert await identity_of(services, report) is None and await reporter_of(services, report) == r.user_id
    assert [action for action, _ in await log_of(services, r.user_id)] == ["erase"]


async def test_after_the_erasure_status_says_informasi_awal_and_the_open_case_card_says_the_identity_went(
    fake: FakeTelegram, start_bot: Any
) -> None:
    admin_chat(fake)
    bot: Pantau = await start_bot(admin_chat_id=ADMIN)
    services = services_of(bot)
    r = Reporter(fake)
    code = await identified_report(r)
    card_call = await fake.wait_for("sendMessage", chat_id=ADMIN, after=0,
                                    predicate=lambda c: c.ok and code in text_of_call(c))
    assert "beridentitas" in text_of_call(card_call)
    closed = await add_report(services, r.user_id, "PTU-TUTP-0001", status="done", days_ago=40, closed_days_ago=30)
    async with services.db.transaction() as tx:  # a card of the closed case, still standing in the group
        await tx.execute("INSERT INTO tracked_messages (chat_id, message_id, purpose, report_id, card_kind, created_at)"
                         " VALUES (?, 999, 'card', ?, 'alert', '2026-01-01T00:00:00+00:00')", (ADMIN, closed))
    r.say(f"/status {code}")
    before = await r.expect(f"Laporan {code}")
    assert "cukup lengkap untuk diajukan sebagai laporan" in before

    r.say("/hapusdata")
    await r.expect("Hapus data saya")
    message, erase, _ = erase_prompt_buttons(r)
    r.press(message, erase)
    await r.expect("Data Anda sudah dihapus")
    edited = await fake.wait_for(
        "editMessageText", chat_id=ADMIN, after=r.mark,
        predicate=lambda c: c.ok and c.params.get("message_id") == card_call.result["message_id"])
    assert "identitas pelapor sudah dihapus" in text_of_call(edited) and "beridentitas" not in text_of_call(edited)
    assert NAME not in text_of_call(edited)
    refreshes = await services.db.fetchall("SELECT dedup_key, chat_id FROM outbox WHERE method = 'pantau.refresh'")
    assert [(row["dedup_key"], row["chat_id"]) for row in refreshes] == [
        (f"refresh:{(await services.reports.by_code(code)).id}:{ADMIN}:{card_call.result['message_id']}:identity_erased",
         ADMIN)]  # the open case's card only: the closed one's stays as it was

    r.say(f"/status {code}")
    after = await r.expect(f"Laporan {code}")
    assert "cukup lengkap" not in after
    assert "Identitas Anda pada laporan ini sudah dihapus" in after and "ditangani sebagai informasi awal" in after
    r.mark = fake.cursor()
    fake.send_text(r.user_id, f"/status {code}", language_code="en")  # the same, in English
    english = await r.expect("Your identity on this report has been erased")
    assert "handled as initial information" in english and "complete enough" not in english


# ---- refusals ---------------------------------------------------------------------------------------------


async def test_a_person_with_nothing_stored_is_told_so_and_gets_no_document(fake: FakeTelegram, bot: Pantau) -> None:
    stranger = Reporter(fake)
    stranger.say("/datasaya")
    said = await stranger.expect("Data Anda di Pantau")
    assert "Tidak ada laporan, identitas, maupun pendaftaran relawan" in said
    stranger.say("/hapusdata")
    await stranger.expect("tidak ada yang perlu dihapus")
    assert fake.calls("sendDocument", chat_id=stranger.user_id) == []
    assert [action for action, _ in await log_of(services_of(bot), stranger.user_id)] == ["access"]


async def test_in_a_group_both_commands_and_a_forged_button_are_refused(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    group = Group(fake, "Grup warga")
    member, other = 880_001, 880_002
    report = await add_report(services, member, "PTU-GRUP-0001", days_ago=2)
    group.say(member, "/datasaya")
    refusal = await group.expect("hanya bisa dipakai di chat pribadi")
    assert NAME not in refusal
    group.say(other, "/hapusdata@pantau_test_bot")
    await group.expect("hanya bisa dipakai di chat pribadi")
    forged = {"message_id": 1, "chat": {"id": group.chat_id, "type": "supergroup", "title": group.title}, "text": "x"}
    mark = fake.cursor()
    fake.press(member, forged, "1|pdy|", check=False)
    alert = await fake.wait_for("answerCallbackQuery", after=mark,
                                predicate=lambda c: "chat pribadi" in str(c.params.get("text")))
    assert alert.params.get("show_alert") is True
    assert await identity_of(services, report) == (NAME, ADDRESS, PHONE)
    assert await log_of(services, member) == [] and await log_of(services, other) == []
    assert not [c for c in fake.calls(chat_id=group.chat_id) if c.method == "sendDocument"]
    assert not [m for m in group.texts() if NAME in m or PHONE in m]
