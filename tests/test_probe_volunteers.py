"""Probing issue 9's volunteer features end to end (the real Application over HTTP against the fake Bot API), in
the places where the existing tests do not go: conversations crossing (a registration and a report-back, a
report and a registration, /berhenti in a report-back), volunteers who left or were suspended, the /tugas form's
edges (a province group choosing a desa, a long caption, nobody to send to, "besok 07:00"), the task card's
counts over a restart, recruitment links that are revoked, overlong or garbage, verification from another group,
and a volunteer whose region has no group. Five of them first failed (a report-back's text taken by a
registration, /berhenti leaving a report-back open, a suspension lifted by registering again, a card never posted
to a group registered later, a photo captioned /tugas unanswered); they are regressions now.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import Pantau
from storage.tasks.tasks import NewTask
from testing.fake_telegram import FakeTelegram
from tests.harness import Group, ProcessedUpdates, Reporter, text_of_call
from tests.test_e2e_registration import _until_review
from tests.test_e2e_task_answers import NAME as TA_NAME
from tests.test_e2e_task_answers import PHONE as TA_PHONE
from tests.test_e2e_task_answers import _assignment, _idle, _setup, _task_message
from tests.test_e2e_tasks import bot_message, kota_jambi, refreshed_card, reply, sends_to, tap
from tests.test_e2e_tasks import volunteers as make_volunteers
from tests.test_e2e_verification import (
    MEMBER,
    MEMBERS_ONLY,
    NAME,
    PASAR_JAMBI,
    PHONE,
    STRANGER,
    TELANAIPURA,
    answer,
    card_in,
    data_of,
    press,
    register,
    services_of,
    supervisors,
)

GENERIC_ERRORS = ("terjadi kesalahan", "Traceback", "wrong on our side")
UNKNOWN_LINK = "tidak dikenal atau sudah dicabut"


def no_tracebacks(caplog: pytest.LogCaptureFixture, fake: FakeTelegram) -> None:
    """Nothing logged at ERROR (a handler's exception is logged so), and no apology sent to anyone."""
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == []
    said = [text_of_call(c) for c in fake.requests if c.method.startswith(("send", "edit")) and c.ok]
    assert not [s for s in said if any(e in s for e in GENERIC_ERRORS)]


@pytest.fixture(autouse=True)
def _capture(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


# ---- conversations crossing --------------------------------------------------------------------------------


async def test_a_report_back_opened_during_a_re_registration_gets_the_text(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.say("/relawan")
    again = await a.expect("Anda sudah terdaftar sebagai relawan")
    assert "terverifikasi" in again
    a.tap("Lapor hasil")
    await a.expect(f"Laporan hasil tugas #{s.task.id}")
    a.say("Logistik tiba pukul 19.00, segel kotak suara utuh.")
    await a.expect("Teks: ✓", timeout=5)
    back = await s.services.task_answers.current(a.user_id)
    assert back is not None and "segel kotak suara" in (back.report.text or "")


async def test_a_task_arriving_in_the_middle_of_a_re_registration_is_answered_and_the_registration_goes_on(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.say("/relawan")
    await a.expect("Anda sudah terdaftar sebagai relawan")
    registration = await s.services.registration.get(a.user_id)
    assert registration is not None and registration.step.value == "declaration"  # the answers kept
    second = await s.services.tasks.create_and_send(NewTask(
        s.group.chat_id, s.group.admin_id, "15.71.04", "Kawal rekapitulasi suara di PPK Pasar Jambi.", "Asia/Jakarta"))
    assert s.services.outbox_worker is not None
    s.services.outbox_worker.notify()
    await a.expect(f"Tugas #{second.id}")
    a.tap("Terima")
    await a.expect("Anda menerima tugas ini")
    assert (await _assignment(s.services, second.id, a.user_id))["status"] == "accepted"
    a.tap("Saya menyatakan")  # the registration still answers its buttons
    await a.expect("Langkah 7 dari 8")
    still = await s.services.volunteers.get(a.user_id)
    assert still is not None and still.status == "verified"  # nothing submitted yet: still verified
    no_tracebacks(caplog, fake)


async def test_leaving_in_the_middle_of_a_report_back_closes_it(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.say("Kotak suara sudah tiba.")
    await a.expect("Teks: ✓")
    a.say("/berhenti")
    await a.expect("Yakin ingin berhenti")
    a.tap("Ya, saya berhenti")
    await a.expect("Anda sudah berhenti")
    volunteer = await s.services.volunteers.get(a.user_id)
    assert volunteer is not None and volunteer.status == "left"
    a.say("Halo, apa kabar?")
    await fake.wait_for("sendMessage", chat_id=a.user_id, after=a.mark, predicate=lambda c: c.ok)
    assert not [t for t in a.texts_since_mark() if "Teks: ✓" in t]
    assert await s.services.task_answers.current(a.user_id) is None
    a.say("/lapor")  # their messages go to the other conversations again
    await a.expect("Langkah 1 dari 9")


async def test_lapor_then_relawan_then_batal_cancels_the_registration_and_keeps_the_report(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    r.say("/batal")
    await r.expect("Pendaftaran relawan dibatalkan")
    assert await services.registration.get(r.user_id) is None
    assert not services.registration.in_focus(r.user_id)
    report = await services.intake.get(r.user_id)
    assert report is not None and report.active and report.row.step == "chronology"
    r.say("/lapor")
    await r.expect("belum selesai")
    r.tap("Lanjutkan laporan itu")
    await r.expect("Langkah 2 dari 9")
    no_tracebacks(caplog, fake)


async def test_relawan_in_the_middle_of_a_report_back_then_batal_leaves_the_report_back_open(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    s = await _setup(fake, bot, 1)
    (a,) = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.say("Kotak suara sudah tiba.")
    await a.expect("Teks: ✓")
    a.say("/relawan")
    await a.expect("Anda sudah terdaftar sebagai relawan")
    a.say("/batal")
    await a.expect("Pendaftaran relawan dibatalkan")
    back = await s.services.task_answers.current(a.user_id)
    assert back is not None and back.report.text == "Kotak suara sudah tiba."  # the report-back was not lost
    a.say("Segel utuh.")
    await a.expect("Teks: ✓")
    back = await s.services.task_answers.current(a.user_id)
    assert back is not None and "Segel utuh." in (back.report.text or "")
    no_tracebacks(caplog, fake)


# ---- volunteers who left or were suspended --------------------------------------------------------------------


async def test_a_volunteer_who_left_gets_no_new_task_cannot_accept_an_old_one_and_registers_afresh(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    s = await _setup(fake, bot, 2)
    stays, leaves = s.volunteers
    leaves.say("/berhenti")
    await leaves.expect("Yakin ingin berhenti")
    leaves.tap("Ya, saya berhenti")
    await leaves.expect("Anda sudah berhenti")
    leaves.tap("Terima")  # the old task's button
    await leaves.expect_alert("hanya relawan terverifikasi")
    assert (await _assignment(s.services, s.task.id, leaves.user_id))["status"] == "offered"
    mark = fake.cursor()
    second = await s.services.tasks.create_and_send(NewTask(
        s.group.chat_id, s.group.admin_id, "15.71.04", "Kawal rekapitulasi suara.", "Asia/Jakarta"))
    assert second.recipients == 1
    assert s.services.outbox_worker is not None
    s.services.outbox_worker.notify()
    await fake.wait_for(("sendMessage",), chat_id=stays.user_id, after=mark,
                        predicate=lambda c: c.ok and f"Tugas #{second.id}" in text_of_call(c))
    await _idle(s.services)
    assert not [c for c in sends_to(fake, leaves.user_id) if c.seq > mark]
    leaves.say("/relawan")
    first = await leaves.expect("Langkah 1 dari 8")  # no answers carried over from the registration they left
    assert "sudah terdaftar" not in first
    registration = await s.services.registration.get(leaves.user_id)
    assert registration is not None and registration.answers.full_name is None
    no_tracebacks(caplog, fake)


async def test_the_card_of_a_re_registration_goes_to_the_new_regions_group_and_the_old_group_may_not_decide(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    pasar = supervisors(fake, "Pengawas Pasar Jambi")
    await pasar.register(services, PASAR_JAMBI)
    other = Group(fake, "Pengawas Telanaipura")
    await other.register(services, TELANAIPURA)
    r = Reporter(fake, first_name="Dewi")
    await register(bot, fake, user_id=r.user_id)
    old_card = await card_in(fake, pasar.chat_id, "REL-0001")
    assert await answer(fake, press(fake, MEMBER, old_card, data_of(old_card, "Verifikasi"))) == (
        "✅ REL-0001 terverifikasi.")
    # The volunteer moves to Telanaipura and registers again.
    r.say("/relawan")
    await r.expect("Anda sudah terdaftar sebagai relawan")
    r.tap("Saya menyatakan")
    await r.expect("Langkah 7 dari 8")
    r.tap("Saya setuju")
    await r.expect("Langkah 8 dari 8")
    r.tap("✏️ Wilayah")
    await r.expect("Langkah 2 dari 8")
    r.say("Telanaipura")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Telanaipura, Kota Jambi")
    await r.expect("Langkah 3 dari 8")
    r.tap("Lewati")
    await r.expect("Langkah 8 dari 8")
    mark = fake.cursor()
    r.tap("Kirim pendaftaran")
    await r.expect("sudah kami terima")
    new_card = await fake.wait_for("sendMessage", chat_id=other.chat_id, after=mark,
                                   predicate=lambda c: c.ok and "REL-0001" in text_of_call(c))
    assert "menunggu verifikasi" in text_of_call(new_card) and NAME not in text_of_call(new_card)
    # Pasar Jambi's old card (✅ is gone, ⏸ is left): a press there decides nothing for Telanaipura's volunteer.
    old = fake.message(pasar.chat_id, old_card["message_id"]) or old_card
    refused = press(fake, MEMBER, old, data_of(old_card, "Verifikasi"))
    assert await answer(fake, refused) == "Anda tidak dapat memutuskan pendaftaran ini dari sini."
    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None and volunteer.status == "pending" and volunteer.region_code == TELANAIPURA
    no_tracebacks(caplog, fake)


# ---- the /tugas form --------------------------------------------------------------------------------------------


async def test_a_province_group_sends_a_task_to_one_desa(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(await start_bot())
    group = Group(fake, "Bawaslu Provinsi Jambi")
    await group.register(services, "15")
    in_beringin = await make_volunteers(fake, services, 2, "15.71.04.1001")
    in_kecamatan = await make_volunteers(fake, services, 1, PASAR_JAMBI)
    admin = group.admin_id
    group.say(admin, "/tugas Awasi pemasangan alat peraga kampanye di Kelurahan Beringin.")
    tap(fake, group, admin, await bot_message(fake, group, "lampiran"), "Lewati")
    where = await bot_message(fake, group, "ke wilayah mana")
    tap(fake, group, admin, where, "Kota Jambi ›")
    opened = await bot_message(fake, group, "Sekarang: Kota Jambi", method="editMessageText")
    tap(fake, group, admin, opened, "Pasar Jambi ›")
    villages = await bot_message(fake, group, "Sekarang: Pasar Jambi", method="editMessageText")
    tap(fake, group, admin, villages, "Beringin")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    tap(fake, group, admin, await bot_message(fake, group, "batas waktu"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "laporan hasil?"), "Tidak perlu")
    review = await bot_message(fake, group, "Kirim?")
    assert "Ini akan dikirim ke 2 relawan. Kirim?" in review["text"] and "Beringin" in review["text"]
    tap(fake, group, admin, review, "Kirim")
    await bot_message(fake, group, "Tugas #1")
    await _idle(services)
    for uid in in_beringin:
        assert len(sends_to(fake, uid)) == 1
    for uid in in_kecamatan:
        assert sends_to(fake, uid) == []
    no_tracebacks(caplog, fake)


async def test_a_photo_with_a_2000_character_caption_as_the_task(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    everyone = await make_volunteers(fake, services, 2)
    admin = group.admin_id
    group.say(admin, "/tugas")
    empty = await bot_message(fake, group, "Belum ada tugas terbuka")
    tap(fake, group, admin, empty, "Tugas baru")
    what = await bot_message(fake, group, "tulis tugas untuk relawan")
    long_text = ("Pantau kedatangan logistik di PPK Pasar Jambi. " * 50)[:1990] + " SELESAI"
    group.mark = fake.cursor()
    fake.send_photo(admin, b"\x89PNG peta", caption=long_text, chat_id=group.chat_id, chat_type="supergroup",
                    title=group.title, reply_to_message_id=what["message_id"])
    where = await bot_message(fake, group, "ke wilayah mana")
    tap(fake, group, admin, where, "Seluruh Kota Jambi")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    tap(fake, group, admin, await bot_message(fake, group, "batas waktu"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "laporan hasil?"), "Tidak perlu")
    review = await bot_message(fake, group, "Kirim?")
    assert "dikirim ke 2 relawan" in review["text"]
    tap(fake, group, admin, review, "Kirim")
    await bot_message(fake, group, "Tugas #1")
    await _idle(services)
    for uid in everyone:
        got = sends_to(fake, uid)
        assert any("SELESAI" in text_of_call(c) for c in got)  # the whole text arrived
        assert any(c.method == "sendPhoto" for c in got)  # and the photo
        assert all(len(str(c.params.get("caption") or "")) <= 1024 for c in got)
    failed = [c for c in fake.requests if not c.ok and c.method.startswith("send")]
    assert failed == []
    no_tracebacks(caplog, fake)


async def test_a_task_for_nobody_offers_no_send_button(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await make_volunteers(fake, services, 2, verified=False)  # pending ones do not count
    admin = group.admin_id
    group.say(admin, "/tugas Kawal rekapitulasi di PPK.")
    tap(fake, group, admin, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Kota Jambi")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    tap(fake, group, admin, await bot_message(fake, group, "batas waktu"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "laporan hasil?"), "Tidak perlu")
    review = await bot_message(fake, group, "Belum ada relawan terverifikasi")
    labels_now = [b["text"] for row in review["reply_markup"]["inline_keyboard"] for b in row]
    assert not [label for label in labels_now if label.strip().endswith("Kirim")]
    row = await services.db.fetchone("SELECT COUNT(*) AS n FROM tasks")
    assert row is not None and row["n"] == 0
    no_tracebacks(caplog, fake)


async def test_due_times_in_other_formats_are_explained(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await make_volunteers(fake, services, 1)
    admin = group.admin_id
    group.say(admin, "/tugas Kawal rekapitulasi di PPK.")
    tap(fake, group, admin, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Kota Jambi")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    due = await bot_message(fake, group, "batas waktu")
    for typed in ("besok 07:00", "jam 7 pagi", "25:99", "99-99-9999 07:00", "x" * 3000, "🕖"):
        reply(fake, group, admin, due, "text", typed)
        said = await fake.wait_for("sendMessage", chat_id=group.chat_id, after=group.mark,
                                   predicate=lambda c: c.ok and "DD-MM-YYYY" in text_of_call(c))
        assert "tidak terbaca" in text_of_call(said) or "lewat" in text_of_call(said), typed
    draft = await services.tasks.forms.drafts.get(group.chat_id, admin) if services.tasks.forms else None
    assert draft is not None and draft.step == "due" and "due_at" not in draft.answers
    no_tracebacks(caplog, fake)


# ---- the task card ------------------------------------------------------------------------------------------------


async def test_the_card_counts_answers_and_report_backs_across_a_restart_and_never_names_anyone(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    bot: Pantau = await start_bot()
    s = await _setup(fake, bot, 3)
    a, b, c = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    b.tap("Tolak")
    await b.expect("Anda menolak")
    a.tap("Lapor hasil")
    await a.expect("Laporan hasil tugas")
    a.say("Semua aman.")
    await a.expect("Teks: ✓")
    a.tap("Kirim")
    await a.expect("sudah dikirim ke pengawas")
    card = await refreshed_card(fake, s.services, s.group, "Lapor hasil: 1")
    assert "Diterima: 1" in card and "Ditolak: 1" in card and "Terkirim: 3 dari 3" in card

    await bot.stop()
    bot = await start_bot()
    services = services_of(bot)
    c.tap("Terima")
    await c.expect("Anda menerima")
    card = await refreshed_card(fake, services, s.group, "Diterima: 2")
    assert "Ditolak: 1" in card and "Lapor hasil: 1" in card and "Terkirim: 3 dari 3" in card
    group_calls = json.dumps([call.params for call in fake.calls(chat_id=s.group.chat_id)], ensure_ascii=False)
    assert TA_NAME not in group_calls and TA_PHONE[:-2] not in group_calls and "Siti" not in group_calls
    no_tracebacks(caplog, fake)


async def test_after_stop_an_old_task_cannot_be_accepted_and_the_counts_stay(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    bot: Pantau = await start_bot()
    s = await _setup(fake, bot, 2)
    a, b = s.volunteers
    a.tap("Terima")
    await a.expect("Anda menerima")
    card = fake.message(s.group.chat_id, s.card_id)
    assert card is not None
    mark = fake.cursor()
    tap(fake, s.group, s.group.admin_id, card, "Hentikan")
    await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: True)
    b.tap("Terima")
    await b.expect_alert("sudah dihentikan")
    assert (await _assignment(s.services, s.task.id, b.user_id))["status"] == "offered"
    await fake.wait_for("editMessageReplyMarkup", chat_id=b.user_id, after=b.mark, predicate=lambda c: c.ok)
    assert not (_task_message(b, s.task.id).get("reply_markup"))
    await fake.wait_for("editMessageText", chat_id=s.group.chat_id, after=0,
                        predicate=lambda c: c.ok and "dihentikan" in text_of_call(c))
    await _idle(s.services)
    assert s.services.tasks.cards is not None
    await s.services.tasks.cards.refresh()
    await _idle(s.services)
    stopped = fake.message(s.group.chat_id, s.card_id) or {}
    assert "dihentikan" in stopped["text"] and "Diterima: 1" in stopped["text"] and not stopped.get("reply_markup")
    no_tracebacks(caplog, fake)


# ---- recruitment links -----------------------------------------------------------------------------------------


async def test_revoked_overlong_and_garbage_links_register_without_an_organisation(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    bem, _ = await services.organisations.add("BEM Universitas Jambi", "students", "15.71", "test")
    link = await services.recruitment.create(bem.id, "test")
    await services.recruitment.revoke(link.id)
    payloads = [
        link.payload,  # revoked
        "rel_" + "A" * 60,  # 64 characters, well-formed, unknown
        "rel_" + "B" * 61,  # 65 characters: longer than Telegram allows
        "rel_",  # nothing after the prefix
        "rel_%00%27;DROP",  # garbage
        "rel_" + "é" * 20,  # not [A-Za-z0-9_-]
    ]
    for n, payload in enumerate(payloads):
        r = Reporter(fake)
        r.say(f"/start {payload}")
        first = await r.expect("Langkah 1 dari 8")
        assert UNKNOWN_LINK in first, payload
        registration = await services.registration.get(r.user_id)
        assert registration is not None and registration.answers.link_id is None, n
        assert registration.answers.organisation_id is None
    no_tracebacks(caplog, fake)


async def test_a_link_of_an_organisation_of_another_region_still_sends_the_card_to_the_volunteers_region(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    riau, _ = await services.organisations.add("BEM Universitas Riau", "students", "14.71", "test")
    link = await services.recruitment.create(riau.id, "test")
    r = Reporter(fake)
    r.say(f"/start {link.payload}")
    first = await r.expect("Langkah 1 dari 7")
    assert "BEM Universitas Riau" in first
    r.say("Siti Aminah")
    await r.expect("Langkah 2 dari 7")
    r.say("Pasar Jambi")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Langkah 3 dari 7")
    r.tap("Lewati")
    await r.expect("Langkah 4 dari 7")
    r.say("081234567890")
    await r.expect("Langkah 5 dari 7")
    r.tap("Saya menyatakan")
    await r.expect("Langkah 6 dari 7")
    r.tap("Saya setuju")
    await r.expect("Langkah 7 dari 7")
    r.tap("Kirim pendaftaran")
    await r.expect("sudah kami terima")
    card = await card_in(fake, group.chat_id)
    assert "BEM Universitas Riau" in card["text"] and "Siti" not in card["text"]
    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None and volunteer.link_id == link.id
    no_tracebacks(caplog, fake)


async def test_the_qr_caption_of_an_organisation_with_the_longest_name_fits(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.test_e2e_recruitment import LINK, decoded, photo_in

    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    name = ("Himpunan Mahasiswa Pemantau Pemilu <Jambi> & Sekitarnya " * 3)[:120].strip()
    group.say(MEMBER, f"/undang mahasiswa {name}")
    photo = await photo_in(fake, group.chat_id, group.mark)
    caption = text_of_call(photo)
    assert len(caption) <= 1024 and "<Jambi> &" in caption
    match = LINK.search(caption)
    assert match is not None and decoded(photo) == match.group(0) and len(match.group(1)) <= 64
    no_tracebacks(caplog, fake)


# ---- verification -----------------------------------------------------------------------------------------------


async def test_members_of_another_group_and_strangers_cannot_decide_nor_see_the_identity(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    pasar = supervisors(fake, "Pengawas Pasar Jambi")
    await pasar.register(services, PASAR_JAMBI)
    telanai = Group(fake, "Pengawas Telanaipura")
    await telanai.register(services, TELANAIPURA)
    outsider = telanai.admin_id  # a supervisor, but of another kecamatan's group
    fake.ensure_chat(outsider, first_name="Budi")
    volunteer = await register(bot, fake)
    card = await card_in(fake, pasar.chat_id)
    # In Pasar Jambi's group, the other group's supervisor is not a member: refused.
    assert await answer(fake, press(fake, outsider, card, data_of(card, "Verifikasi"), "Budi")) == MEMBERS_ONLY
    assert await answer(fake, press(fake, STRANGER, card, data_of(card, "Identitas"), "Orang")) == MEMBERS_ONLY
    # The same buttons forged into the other group, where they are a member: the region is not theirs.
    theirs = fake.messages_to(telanai.chat_id)[-1]
    assert await answer(fake, press(fake, outsider, theirs, data_of(card, "Verifikasi"), "Budi")) == (
        "Anda tidak dapat memutuskan pendaftaran ini dari sini.")
    assert await answer(fake, press(fake, outsider, theirs, data_of(card, "Identitas"), "Budi")) == (
        "Anda tidak dapat memutuskan pendaftaran ini dari sini.")
    still = await services.volunteers.get(volunteer.user_id)
    assert still is not None and still.status == "pending"
    for uid in (outsider, STRANGER):
        assert not [c for c in fake.calls("sendMessage", uid) if NAME in text_of_call(c) or PHONE in text_of_call(c)]
    looks = await services.db.fetchall("SELECT viewer_user_id FROM volunteer_identity_log")
    assert [row["viewer_user_id"] for row in looks] == []
    no_tracebacks(caplog, fake)


async def test_a_volunteer_whose_region_has_no_group_is_told_and_nothing_breaks(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    await _until_review(r)
    r.tap("Kirim pendaftaran")
    await r.expect("sudah kami terima")
    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None and volunteer.status == "pending"
    assert services.outbox_worker is not None
    await _idle(services)
    # The bot's own log reaches caplog (so no_tracebacks can fail): the missing group is logged as a warning.
    assert any("no supervisors group" in r.getMessage() for r in caplog.records)
    no_tracebacks(caplog, fake)


async def test_a_group_registered_later_receives_the_waiting_volunteers_card(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    await _until_review(r)
    r.tap("Kirim pendaftaran")
    await r.expect("sudah kami terima")
    await _idle(services)
    assert await services.verification.post_waiting() == 0  # no group covers Pasar Jambi yet
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    assert await services.verification.post_waiting() == 1  # the job, as its clock would run it
    card = await card_in(fake, group.chat_id)
    assert "menunggu verifikasi" in card["text"]
    assert await services.verification.post_waiting() == 0  # once
    await _idle(services)
    assert len([c for c in fake.calls("sendMessage", group.chat_id) if c.ok and "REL-" in text_of_call(c)]) == 1


async def test_a_reply_by_someone_else_to_a_form_prompt_changes_nothing(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    processed = ProcessedUpdates(monkeypatch)
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await make_volunteers(fake, services, 1)
    admin, stranger, member = group.admin_id, 990_201, 990_202
    fake.member_status(group.chat_id, member, "member", announce=False)
    group.say(admin, "/tugas Kawal rekapitulasi di PPK.")
    tap(fake, group, admin, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, admin, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Kota Jambi")
    tap(fake, group, admin, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    due = await bot_message(fake, group, "batas waktu")
    assert services.tasks.forms is not None
    before = await services.tasks.forms.drafts.get(group.chat_id, admin)
    when = (datetime.now(UTC) + timedelta(days=2)).astimezone(ZoneInfo("Asia/Jakarta"))
    for uid in (stranger, member):
        mark = fake.cursor()
        await processed.wait(reply(fake, group, uid, due, "text", f"{when:%d-%m-%Y} 19:00")["update_id"])
        assert not [c for c in fake.calls("sendMessage", group.chat_id) if c.seq > mark]  # not answered
        assert await services.tasks.forms.drafts.get(group.chat_id, admin) == before
    # The admin's own answer still goes through, and only theirs was taken.
    reply(fake, group, admin, due, "text", f"{when:%d-%m-%Y} 19:00")
    await bot_message(fake, group, "tempat (opsional)")
    after = await services.tasks.forms.drafts.get(group.chat_id, admin)
    assert before is not None and after is not None and after.step == "place"
    assert await services.tasks.forms.drafts.get(group.chat_id, stranger) is None
    assert await services.tasks.forms.drafts.get(group.chat_id, member) is None
    no_tracebacks(caplog, fake)


async def test_a_photo_captioned_tugas_starts_the_form(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await make_volunteers(fake, services, 1)
    group.mark = fake.cursor()
    fake.send_photo(group.admin_id, b"\x89PNG peta", caption="/tugas Pantau logistik di PPK Pasar Jambi.",
                    chat_id=group.chat_id, chat_type="supergroup", title=group.title)
    await fake.wait_for("sendMessage", chat_id=group.chat_id, after=group.mark, timeout=5,
                        predicate=lambda c: c.ok and ("ke wilayah mana" in text_of_call(c)
                                                      or "lampiran" in text_of_call(c)
                                                      or "/tugas" in text_of_call(c)))


async def test_a_photo_captioned_for_another_bot_or_replying_to_a_prompt_starts_no_form(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(await start_bot())
    group = await kota_jambi(fake, services)
    await make_volunteers(fake, services, 1)
    where = {"chat_id": group.chat_id, "chat_type": "supergroup", "title": group.title}
    other = fake.send_photo(group.admin_id, b"\x89PNG lain", caption="/tugas@BotLain kerjakan ini", **where)
    group.say(group.admin_id, "/tugas Pantau logistik di PPK Pasar Jambi.")
    prompt = await bot_message(fake, group, "lampiran")
    await _idle(services)
    prompts = [c for c in fake.calls("sendMessage", group.chat_id) if c.ok and "lampiran" in text_of_call(c)]
    assert len(prompts) == 1  # the photo for another bot started no form
    # The attachment, sent as a reply to the prompt with a caption that happens to start with /tugas: it is the
    # answer to the step, not a new form.
    group.mark = fake.cursor()
    fake.send_photo(group.admin_id, b"\x89PNG peta", caption="/tugas peta lokasi",
                    reply_to_message_id=prompt["message_id"], **where)
    await bot_message(fake, group, "ke wilayah mana")
    drafts = await services.db.fetchall("SELECT answers FROM task_drafts WHERE status = 'open'")
    assert len(drafts) == 1 and "Pantau logistik" in drafts[0]["answers"] and "attachment_file_id" in drafts[0]["answers"]
    assert other["message"]["caption"].startswith("/tugas@BotLain")
