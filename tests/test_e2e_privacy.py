"""The reporter's data rights end to end, over HTTP against the fake Bot API: the consent of the identity step,
/datasaya (/mydata) as a message and a JSON document (its content parsed) in both languages, /hapusdata
(/erasemydata) with its confirmation (a double tap erases once and answers once; a case in legal process keeps its
identity and the reporter is told which and until when; cancel erases nothing), both logged; a person with
nothing stored, and groups, refused."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import Pantau
from bot.kernel.services import Services
from bot.volunteers.registration_steps import CONSENT_VERSION
from bot.volunteers.status import VolunteerStatus
from storage.database import utcnow
from storage.tasks.answers import TaskAnswerRepository
from storage.tasks.tasks import NewTask
from storage.volunteers.volunteers import NewVolunteer
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import Group, Reporter, run_steps, text_of_call
from tests.privacy_seed import ADDRESS, NAME, PHONE, add_report, identity_of, log_of, reporter_of

WIB = ZoneInfo("Asia/Jakarta")
ADMIN = -100_777_000_001
CODE = re.compile(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}")


def services_of(bot: Pantau) -> Services:
    assert bot.services is not None
    return bot.services


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
    r.tap("Cantumkan identitas")
    await r.expect("Nama lengkap")
    r.say(NAME)
    await r.expect("Alamat")
    r.say(ADDRESS)
    await r.expect("Nomor telepon")
    r.say("0812-3456-7890")
    await r.expect("Anda melapor sebagai")
    r.tap("Pemilih di daerah ini")
    await r.expect("Langkah 9 dari 9")
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
    assert data["volunteer"]["status"] == "verified" and data["volunteer"]["task_answers"] == {}
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
                                   "created_at": first["evidence"][1]["created_at"]}
    assert second["identity"] is None and second["anonymous"] is True and second["status"] == "claimed"
    assert data["report_draft"]["status"] == "active" and data["report_draft"]["answers"]["category"] == "money_politics"
    assert data["volunteer"]["task_answers"] == {"accepted": 1}
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
