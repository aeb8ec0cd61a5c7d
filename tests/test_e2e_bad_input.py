"""Wrong input at every step of /lapor, through the fake Bot API against the real Application.

Every bad answer must get a short localised explanation, without the step's question and buttons again
(those on screen stay usable; the draft's step does not move), and a valid answer right after it must
move on. Forged or stale buttons are refused
with the "no longer valid" alert and change nothing. At the end the report is still submitted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import Pantau
from bot.kernel.services import Services
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, text_of_call

CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang Rp100.000 kepada warga di depan TPS 05."
STALE = "Tombol ini sudah tidak berlaku."
GENERIC_ERROR = "terjadi kesalahan di sistem kami"
WARNING = "⚠️"
OUTPUT_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption", "sendPhoto")


def services_of(pantau: Pantau) -> Services:
    assert pantau.services is not None
    return pantau.services


async def draft_state(pantau: Pantau, r: Reporter) -> tuple[str, dict[str, Any]]:
    draft = await services_of(pantau).intake.get(r.user_id)
    assert draft is not None, "the reporter's draft is gone"
    return draft.row.step, draft.answers.model_dump()


async def refused(pantau: Pantau, r: Reporter, explanation: str, header: str, step: str) -> str:
    """The bot explains `explanation` in a short hint that does not ask `header` again; the step is unchanged."""
    text = await r.expect(explanation)
    assert text.startswith(WARNING), text
    assert header not in text and "Langkah" not in text, f"a hint, not the whole step ({header!r}) again: {text!r}"
    assert (await draft_state(pantau, r))[0] == step
    return text


async def press_refused(pantau: Pantau, fake: FakeTelegram, r: Reporter, message: dict[str, Any], data: str) -> None:
    """A press of `data` is answered with the stale-button alert and nothing else happens."""
    before = await draft_state(pantau, r)
    r.press(message, data)
    assert await r.expect_alert(STALE) == STALE
    # The alert is the refusing handler's last act: by now any message it sent would be recorded.
    sent = [c.short() for c in fake.calls(chat_id=r.user_id) if c.seq > r.mark and c.method in OUTPUT_METHODS]
    assert sent == [], f"a refused press must not send or edit anything, got {sent}"
    assert await draft_state(pantau, r) == before, "a refused press must not change the draft"


def button_data(r: Reporter, label: str) -> tuple[dict[str, Any], str]:
    for message, text, data in r.buttons():
        if label.casefold() in text.casefold():
            return message, data
    raise AssertionError(f"no button {label!r}")


def assert_never_broke(fake: FakeTelegram, r: Reporter) -> None:
    """No message (nor alert) to the reporter carried a traceback or the generic error apology."""
    texts = [text_of_call(c) for c in fake.calls(chat_id=r.user_id)]
    texts += [str(c.params.get("text") or "") for c in fake.calls("answerCallbackQuery")]
    assert not [t for t in texts if "Traceback" in t]
    assert not [t for t in texts if GENERIC_ERROR in t], "a handler raised: the generic apology was sent"


async def test_bad_input_at_every_step_is_reprompted_and_the_report_still_goes_through(
    fake: FakeTelegram, bot: Pantau
) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")

    # Step 1 is button-only: text is refused.
    r.say("politik uang")
    await refused(bot, r, "Pilih salah satu tombol di atas.", "Langkah 1 dari 9", "category")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")

    # Step 2: a sticker, a voice note, far too long, too short.
    r.send("sticker")
    await refused(bot, r, "Jawab dengan teks, ya.", "Langkah 2 dari 9", "chronology")
    r.send("voice")
    await refused(bot, r, "Jawab dengan teks, ya.", "Langkah 2 dari 9", "chronology")
    r.say("Uang dibagikan. " * 312 + "Selesai.")  # 5,000 characters
    too_long = await refused(bot, r, "terlalu panjang", "Langkah 2 dari 9", "chronology")
    assert "(5000 karakter)" in too_long and "maksimal 3500" in too_long
    r.say("Ada amplop")  # 10 characters
    too_short = await refused(bot, r, "terlalu pendek", "Langkah 2 dari 9", "chronology")
    assert "(10 karakter)" in too_short and "minimal 20 karakter" in too_short
    r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")
    assert (await draft_state(bot, r))[1]["chronology"] == CHRONOLOGY

    # Step 3: a sticker, a date in the future, an unparseable date; then 10 days ago (accepted, with a warning).
    r.send("sticker")
    await refused(bot, r, "Pilih tombol, atau ketik tanggalnya.", "Langkah 3 dari 9", "when")
    future = (datetime.now(UTC) + timedelta(days=3)).strftime("%d-%m-%Y")
    r.say(future)
    await refused(bot, r, "Waktu itu masih di masa depan.", "Langkah 3 dari 9", "when")
    r.say("kapan-kapan waktu itu")
    await refused(bot, r, "Tanggal itu tidak dapat dibaca.", "Langkah 3 dari 9", "when")
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    r.say(ten_days_ago.strftime("%d-%m-%Y"))
    await r.expect("Kapan Anda mengetahui")
    r.send("sticker")
    await refused(bot, r, "Pilih tombol, atau ketik tanggalnya.", "Langkah 3 dari 9", "known")
    r.tap("Pada hari kejadian")
    accepted = await r.expect("Langkah 4 dari 9")
    assert "lebih dari 7 hari" in accepted and "informasi awal" in accepted
    await r.expect("Pilih provinsi")
    assert (await draft_state(bot, r))[1]["incident"] == ten_days_ago.date().isoformat()

    # Step 4: a sticker where a location, a region or a search is expected; then the picker works.
    r.send("sticker")
    await refused(bot, r, "Kirim lokasi, pilih wilayah dari daftar", "Langkah 4 dari 9", "where")
    r.tap("Jambi")  # the picker sent before the sticker still works
    await r.expect("Pilih wilayah di")
    r.tap("Kota Jambi")
    await r.expect("Kota Jambi, Jambi")
    r.tap("Pasar Jambi")
    await r.expect("Langkah 4 dari 9")
    # Step 4, place description: a voice note, then text.
    r.send("voice")
    await refused(bot, r, "Jawab dengan teks, ya.", "Langkah 4 dari 9", "place")
    r.say("Depan TPS 05, Jl. Sultan Thaha")
    await r.expect("Langkah 5 dari 9")

    # Step 5: a voice note where text is needed, a one-letter answer (too short).
    r.send("voice")
    await refused(bot, r, "Jawab dengan teks, ya.", "Langkah 5 dari 9", "party")
    r.say("B")
    short_party = await refused(bot, r, "terlalu pendek", "Langkah 5 dari 9", "party")
    assert "minimal 2 karakter" in short_party
    r.say("Budi, tim sukses calon nomor 2")
    await r.expect("Langkah 6 dari 9")

    # Step 6: text where a photo/video/document is expected.
    r.say("fotonya ada di HP saya")
    await refused(bot, r, "kirim foto, video, atau dokumen", "Langkah 6 dari 9", "evidence")
    r.send("photo", b"\x89PNG fake photo bytes")
    await r.expect("1 berkas")
    r.send("sticker")
    await refused(bot, r, "kirim foto, video, atau dokumen", "Langkah 6 dari 9", "evidence")
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")

    # Step 7: a sticker, then skip.
    r.send("sticker")
    await refused(bot, r, "Jawab dengan teks, ya.", "Langkah 7 dari 9", "witnesses")
    r.tap("Lewati")
    await r.expect("Langkah 8 dari 9")

    # Step 8 is button-only at first; then name, address, and an invalid phone number.
    r.say("saya mau anonim saja")
    await refused(bot, r, "Pilih salah satu tombol di atas.", "Langkah 8 dari 9", "identity")
    r.tap("Cantumkan identitas")
    await r.expect("Nama lengkap")
    r.send("sticker")
    await refused(bot, r, "Jawab dengan teks, ya.", "Nama lengkap", "id_name")
    r.say("Siti Aminah")
    await r.expect("Alamat")
    r.say("Jl. Gatot Subroto No. 5, Jambi")
    await r.expect("Nomor telepon")
    r.say("12345")
    await refused(bot, r, "Nomor telepon itu tidak valid.", "Langkah 8 dari 9", "id_phone")
    r.send("sticker")
    await refused(bot, r, "Bagikan nomor dengan tombol", "Langkah 8 dari 9", "id_phone")
    r.say("0812-3456-7890")
    await r.expect("Anda melapor sebagai")
    r.tap("Pemilih di daerah ini")
    review = await r.expect("Langkah 9 dari 9")
    assert "+6281234567890" in review and "Siti Aminah" in review

    # Step 9 is button-only: text is refused, and the review on screen is not sent again.
    r.say("kirim sekarang")
    again = await refused(bot, r, "Pilih salah satu tombol di atas.", "Langkah 9 dari 9", "review")
    assert CHRONOLOGY not in again
    r.tap("Kirim laporan")
    confirmation = await r.expect("Kode kasus")
    assert re.search(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}", confirmation)
    assert "informasi awal" in confirmation and "lebih dari 7 hari" in confirmation

    assert await services_of(bot).reports.count() == 1
    assert_never_broke(fake, r)
    assert bot.application is not None and bot.application.running
    assert bot.application.updater is not None and bot.application.updater.running


FORGED = [
    pytest.param("1|cat|nope", id="unknown-category"),
    pytest.param("2|cat|money_politics", id="other-version"),
    pytest.param("garbage", id="garbage"),
    pytest.param("1|cat|" + "x" * 58, id="64-bytes-valid-prefix"),
    pytest.param("Z" * 64, id="64-bytes"),
    pytest.param("1|send|", id="submit-at-step-1"),
]


@pytest.mark.parametrize("data", [p.values[0] for p in FORGED], ids=[p.id for p in FORGED])
async def test_forged_callback_on_a_live_prompt_is_refused(fake: FakeTelegram, bot: Pantau, data: str) -> None:
    assert len(data.encode()) <= 64
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    message, _ = button_data(r, "Politik uang")
    await press_refused(bot, fake, r, message, data)
    # The prompt keeps its buttons and still works.
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    assert (await draft_state(bot, r))[1]["category"] == "money_politics"
    assert_never_broke(fake, r)


async def test_buttons_of_earlier_steps_and_forged_data_are_refused_later_on(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    category_message, category_data = button_data(r, "Politik uang")
    other_message, other_data = button_data(r, "Politisasi SARA")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    # At step 2 a category button (even another category) is refused.
    await press_refused(bot, fake, r, other_message, other_data)
    r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")
    when_message, today_data = button_data(r, "Hari ini")

    # At step 3: the category buttons, and forged data on the live step-3 prompt.
    await press_refused(bot, fake, r, category_message, category_data)
    await press_refused(bot, fake, r, other_message, other_data)
    for data in ("1|cat|nope", "2|when|today", "garbage", "y" * 64, "1|when|tomorrow", "1|reg|99.99.99"):
        await press_refused(bot, fake, r, when_message, data)
    step, answers = await draft_state(bot, r)
    assert step == "when" and answers["category"] == "money_politics" and answers["chronology"] == CHRONOLOGY

    r.press(when_message, today_data)
    await r.expect("Kapan Anda mengetahui")
    await press_refused(bot, fake, r, when_message, today_data)  # the time's button, at the question after it
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    # The "today" button of step 3, pressed again at step 4, is refused too.
    await press_refused(bot, fake, r, when_message, today_data)
    r.say("pasar jambi")
    await r.expect("Hasil pencarian")
    r.tap("Pasar Jambi, Kota Jambi, Jambi")
    await r.expect("Langkah 4 dari 9")
    assert (await draft_state(bot, r))[0] == "place"
    assert_never_broke(fake, r)
