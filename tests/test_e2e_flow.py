"""Report conversation flows through the fake Bot API against the real Application: language, cancelling,
editing from the review, unfinished drafts, region search and scope, status lookups, the /start menu,
closing idle conversations, and a double press of "send"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.app import Pantau
from bot.kernel.services import Services
from bot.regions.directory import RegionDirectory
from storage.database import iso, utcnow
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, text_of_call

CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang Rp100.000 kepada warga di depan TPS 05."
CASE_CODE = re.compile(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}")
PASAR_JAMBI = "15.71.04"


def services_of(pantau: Pantau) -> Services:
    assert pantau.services is not None
    return pantau.services


async def draft_of(pantau: Pantau, r: Reporter) -> Any:
    return await services_of(pantau).intake.get(r.user_id)


def code_in(text: str) -> str:
    found = CASE_CODE.search(text)
    assert found is not None, text
    return found.group(0)


async def to_step_3(r: Reporter) -> None:
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")


async def to_review(r: Reporter) -> str:
    """An anonymous report in Indonesian up to the review, choosing the region with the picker."""
    await to_step_3(r)
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    r.tap("Jambi")
    await r.expect("Pilih wilayah di")
    r.tap("Kota Jambi")
    await r.expect("Kota Jambi, Jambi")
    r.tap("Pasar Jambi")
    await r.expect("Langkah 4 dari 9")
    r.say("Depan TPS 05, Jl. Sultan Thaha")
    await r.expect("Langkah 5 dari 9")
    r.say("Budi, tim sukses calon nomor 2")
    await r.expect("Langkah 6 dari 9")
    r.tap("Lewati")
    await r.expect("Langkah 7 dari 9")
    r.tap("Lewati")
    await r.expect("Langkah 8 dari 9")
    r.tap("Anonim")
    return await r.expect("Langkah 9 dari 9")


async def submit_report(r: Reporter) -> str:
    """A whole report; returns its case code."""
    await to_review(r)
    r.tap("Kirim laporan")
    return code_in(await r.expect("Kode kasus"))


def review_message(r: Reporter) -> tuple[dict[str, Any], str]:
    for message, label, data in r.buttons():
        if "Kirim laporan" in label:
            return message, data
    raise AssertionError("no review with a send button")


# ---- language -----------------------------------------------------------------------------------------


async def test_whole_report_in_english_anonymous_skipping_optional_steps(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/bahasa")
    await r.expect("Pilih bahasa")
    r.tap("English")
    await r.expect("Language switched to English.")
    start = r.mark
    r.say("/lapor")
    await r.expect("All right, let's make a report.")
    await r.expect("Step 1 of 9")
    r.tap("Money politics")
    await r.expect("Step 2 of 9")
    r.say(CHRONOLOGY)
    await r.expect("Step 3 of 9")
    r.tap("Today")
    await r.expect("When did you learn of it")
    r.tap("On the day it happened")
    await r.expect("Choose a province")
    r.tap("Jambi")
    await r.expect("Choose a region in")
    r.tap("Kota Jambi")
    await r.expect("Kota Jambi, Jambi")
    r.tap("Pasar Jambi")
    assert "Region: Pasar Jambi, Kota Jambi, Jambi" in await r.expect("📍")
    await r.expect("Step 4 of 9")
    r.tap("Skip")
    await r.expect("Step 5 of 9")
    r.tap("Skip")
    await r.expect("Step 6 of 9")
    r.tap("Skip")
    await r.expect("Step 7 of 9")
    r.tap("Skip")
    await r.expect("Step 8 of 9")
    r.tap("Anonymous")
    review = await r.expect("Step 9 of 9")
    assert "Money politics" in review and CHRONOLOGY in review and "anonymous" in review
    assert "initial information" in review
    r.tap("Send report")
    confirmation = await r.expect("Your case code")
    code_in(confirmation)
    assert "initial information" in confirmation
    assert "What a formal report would still need:" in confirmation
    assert "the reporter's name and address are missing" in confirmation
    assert "the reported party is not named" in confirmation
    assert "there is no evidence" in confirmation
    assert "within 7 days" not in confirmation and "more than 7 days ago" not in confirmation
    assert await services_of(bot).reports.count() == 1

    texts = [text_of_call(c) for c in fake.calls(chat_id=r.user_id) if c.seq > start and c.ok]
    for k in range(1, 10):
        assert any(f"Step {k} of 9" in t for t in texts), f"no 'Step {k} of 9'"
    assert not [t for t in texts if "Langkah" in t or "Laporan" in t], "Indonesian text in an English conversation"


async def test_switching_language_mid_conversation_reasks_the_current_step(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    r.say("/bahasa")
    await r.expect("Pilih bahasa")
    r.tap("English")
    await r.expect("Language switched to English.")
    assert "What happened?" in await r.expect("Step 2 of 9")
    assert (await draft_of(bot, r)).row.step == "chronology"
    r.say(CHRONOLOGY)
    assert "When did it happen?" in await r.expect("Step 3 of 9")
    r.say("/language")
    await r.expect("Choose a language")
    r.tap("Bahasa Indonesia")
    await r.expect("Bahasa diganti ke Bahasa Indonesia.")
    assert "Kapan kejadiannya?" in await r.expect("Langkah 3 dari 9")
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    assert (await draft_of(bot, r)).answers.chronology == CHRONOLOGY


# ---- cancelling, unfinished drafts ----------------------------------------------------------------------


async def test_cancel_in_the_middle_discards_the_draft(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await to_step_3(r)
    r.say("/batal")
    await r.expect("Laporan dibatalkan dan tidak disimpan.")
    assert await draft_of(bot, r) is None
    # Text now is outside any report.
    r.say("Hari ini")
    await r.expect("Untuk membuat laporan, ketik /lapor")
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    assert not [t for t in r.texts_since_mark() if "belum selesai" in t], "a cancelled draft was offered again"
    assert not [b for b in r.buttons() if "Lanjutkan" in b[1]]
    draft = await draft_of(bot, r)
    assert draft.row.step == "category" and draft.answers.chronology is None


async def test_unfinished_draft_offers_continue_or_start_over(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await to_step_3(r)
    r.say("/lapor")
    offer = await r.expect("belum selesai")
    assert "Lanjutkan atau mulai yang baru?" in offer
    assert {"▶️ Lanjutkan laporan itu", "🆕 Mulai laporan baru"} <= {label for _, label, _ in r.buttons()}
    r.tap("Lanjutkan laporan itu")
    assert "Kapan kejadiannya?" in await r.expect("Langkah 3 dari 9")
    draft = await draft_of(bot, r)
    assert draft.row.step == "when" and draft.answers.chronology == CHRONOLOGY
    # The continued draft goes on.
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")

    r.say("/lapor")
    await r.expect("belum selesai")
    r.tap("Mulai laporan baru")
    await r.expect("Langkah 1 dari 9")
    draft = await draft_of(bot, r)
    assert draft.row.step == "category" and draft.answers.chronology is None and draft.answers.incident is None
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")


# ---- editing from the review ----------------------------------------------------------------------------


async def test_edit_chronology_and_where_from_the_review(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await to_review(r)
    r.tap("✏️ Kronologi")
    await r.expect("Langkah 2 dari 9")
    new = "Kepala desa mengumpulkan warga di balai desa dan meminta mereka memilih calon nomor 1."
    r.say(new)
    review = await r.expect("Langkah 9 dari 9")
    assert new in review and CHRONOLOGY not in review
    assert (await draft_of(bot, r)).answers.chronology == new

    r.tap("✏️ Tempat")
    await r.expect("Pilih provinsi")
    assert (await draft_of(bot, r)).row.step == "where"
    r.tap("Jambi")
    await r.expect("Pilih wilayah di")
    r.tap("Kabupaten Bungo")
    await r.expect("Kabupaten Bungo, Jambi")
    r.tap("Pasar Muaro Bungo")
    await r.expect("Pasar Muaro Bungo, Kabupaten Bungo, Jambi")
    # Step 4 also holds the place description: it is asked again, then the review comes back.
    await r.expect("Langkah 4 dari 9")
    r.say("Pasar Muaro Bungo, los sayur")
    review = await r.expect("Langkah 9 dari 9")
    assert "Pasar Muaro Bungo, Kabupaten Bungo, Jambi" in review and "los sayur" in review
    assert "Pasar Jambi" not in review and new in review
    assert "Langkah 5 dari 9" not in "\n".join(r.texts_since_mark())
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    assert await services_of(bot).reports.count() == 1


# ---- the location step ---------------------------------------------------------------------------------


async def test_type_to_search_at_the_location_step(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await to_step_3(r)
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    r.say("zzqx")
    none = await r.expect('Tidak ada wilayah bernama "zzqx"')
    assert "Langkah 4 dari 9" not in none  # a short hint: the picker on screen stays usable
    assert (await draft_of(bot, r)).row.step == "where"
    r.say("pasar jambi")
    await r.expect("Hasil pencarian")
    assert "Pasar Jambi, Kota Jambi, Jambi" in [label for _, label, _ in r.buttons()]
    r.tap("Pasar Jambi, Kota Jambi, Jambi")
    assert "Pasar Jambi, Kota Jambi, Jambi" in await r.expect("📍 Wilayah")
    await r.expect("Langkah 4 dari 9")
    draft = await draft_of(bot, r)
    assert draft.row.step == "place" and draft.answers.region_code == PASAR_JAMBI
    assert draft.answers.location_source == "picker"


async def test_region_scope_limits_picker_and_search(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    assert RegionDirectory().search("gambir"), "gambir must exist outside the scope for this test to mean something"
    bot: Pantau = await start_bot(region_scope="15")
    r = Reporter(fake)
    await to_step_3(r)
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    picker = await r.expect("Pilih wilayah di Jambi")
    assert "Pilih provinsi" not in "\n".join(r.texts_since_mark()) and "Pilih provinsi" not in picker
    labels = [label for _, label, _ in r.buttons()]
    assert "Kota Jambi" in labels and "Kabupaten Kerinci" in labels
    assert "Aceh" not in labels and "Jawa Barat" not in labels
    r.say("gambir")
    await r.expect('Tidak ada wilayah bernama "gambir"')
    assert (await draft_of(bot, r)).row.step == "where"
    r.tap("Kota Jambi")
    await r.expect("Pilih wilayah di Kota Jambi, Jambi")
    r.tap("Pasar Jambi")
    await r.expect("Langkah 4 dari 9")
    assert (await draft_of(bot, r)).answers.region_code == PASAR_JAMBI


# ---- status, my reports, the menu ------------------------------------------------------------------------


async def test_status_and_my_reports_show_only_ones_own(fake: FakeTelegram, bot: Pantau) -> None:
    siti = Reporter(fake, first_name="Siti")
    budi = Reporter(fake, first_name="Budi")
    siti_code = await submit_report(siti)
    budi_code = await submit_report(budi)
    assert siti_code != budi_code

    siti.say(f"/status {siti_code}")
    details = await siti.expect(f"Laporan {siti_code}")
    assert "Politik uang" in details and "Pasar Jambi" in details

    budi.say(f"/status {siti_code}")
    unknown = await budi.expect("tidak ditemukan")
    assert siti_code not in unknown and "Pasar Jambi" not in unknown
    budi.say("/status PTU-2222-2222")
    assert await budi.expect("tidak ditemukan") == unknown, "an existing code must read exactly like a missing one"

    siti.say("/laporansaya")
    mine = await siti.expect("Laporan Anda")
    assert siti_code in mine and budi_code not in mine
    budi.say("/laporansaya")
    mine = await budi.expect("Laporan Anda")
    assert budi_code in mine and siti_code not in mine
    # The list's button opens the report.
    budi.tap(budi_code)
    await budi.expect(f"Laporan {budi_code}")


async def test_start_menu_button_starts_a_report(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/start")
    await r.expect("Selamat datang di Pantau")
    labels = [label for _, label, _ in r.buttons()]
    assert "📝 Buat laporan" in labels and "📋 Laporan saya" in labels
    r.tap("Buat laporan")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")


# ---- idle close -----------------------------------------------------------------------------------------


async def test_idle_conversation_is_closed_and_resumes_at_the_same_step(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot(conversation_idle_hours=0.0001)
    services = services_of(bot)
    application = bot.application
    assert application is not None and application.job_queue is not None
    r = Reporter(fake)
    await to_step_3(r)
    # Time passes: the draft was last touched a minute ago (timestamps have one-second resolution).
    async with services.db.transaction() as conn:
        await conn.execute(
            "UPDATE drafts SET updated_at = ? WHERE user_id = ?", (iso(utcnow() - timedelta(minutes=1)), r.user_id)
        )
    (job,) = [j for j in application.job_queue.jobs() if j.name == "idle"]
    job.schedule_removal()  # run it here, not on its own schedule
    r.mark = fake.cursor()
    await job.run(application)
    await r.expect("Sesi laporan Anda ditutup karena tidak ada jawaban")
    draft = await draft_of(bot, r)
    assert draft.row.status == "idle_closed" and draft.row.step == "when"

    r.say("kemarin")
    closed = await r.expect("Sesi laporan ini sudah ditutup.")
    assert "/lapor" in closed
    draft = await draft_of(bot, r)
    assert draft.row.status == "idle_closed" and draft.answers.incident is None

    r.say("/lapor")
    await r.expect("belum selesai")
    r.tap("Lanjutkan laporan itu")
    await r.expect("Langkah 3 dari 9")
    draft = await draft_of(bot, r)
    assert draft.row.status == "active" and draft.row.step == "when" and draft.answers.chronology == CHRONOLOGY
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    assert (await draft_of(bot, r)).row.step == "where"


# ---- double submit --------------------------------------------------------------------------------------


async def test_double_press_on_send_makes_one_report(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    await to_review(r)
    message, data = review_message(r)
    r.press(message, data)
    r.press(message, data)  # at once, without waiting for the first
    confirmation = await r.expect("Kode kasus")
    code = code_in(confirmation)
    alert = await r.expect_alert("sudah terkirim")
    assert alert == f"Laporan ini sudah terkirim dengan kode {code}."
    assert await services.reports.count() == 1
    assert sum((await services.outbox.counts()).values()) == 1, "one confirmation queued"
    confirmations = [c for c in fake.calls("sendMessage", chat_id=r.user_id) if CASE_CODE.search(text_of_call(c))]
    assert len(confirmations) == 1
    # A later press of the same button still only points to the report.
    r.press(message, data)
    assert code in await r.expect_alert("sudah terkirim")
    assert await services.reports.count() == 1
