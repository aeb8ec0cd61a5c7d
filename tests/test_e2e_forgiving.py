"""The conversation forgives: edited messages correct earlier answers (and never answer the current step),
wrong input gets a short hint while the buttons on screen stay usable, photos sent one by one share one
status message, forged empty button data and unknown commands get a proper answer, a file over 20 MB does
not count as evidence, and the reporter sees a chat action while evidence downloads slowly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.app import Pantau
from bot.kernel.services import Services
from bot.reporting.intake import Draft
from handlers.reporting import evidence
from storage.database import utcnow
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import CHRONOLOGY, Group, Reporter, case_codes_sent, give_identity, run_steps, text_of_call

STALE = "Tombol ini sudah tidak berlaku."
GENERIC_ERROR = "terjadi kesalahan di sistem kami"
TYPO = "Tim sukses calon nomer 2 membagiakn amplop berisi uang kepada warga di depan TPS 05."
FIXED = "Tim sukses calon nomor 2 membagikan amplop berisi uang kepada warga di depan TPS 05."
SENDS = ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto")


def services_of(bot: Pantau) -> Services:
    assert bot.services is not None
    return bot.services


async def draft_of(bot: Pantau, r: Reporter) -> Draft:
    draft = await services_of(bot).intake.get(r.user_id)
    assert draft is not None
    return draft


def edit(fake: FakeTelegram, r: Reporter, update: dict[str, Any], text: str) -> None:
    """The reporter edits the message that `update` delivered."""
    r.mark = fake.cursor()
    fake.edit_user_message(update["message"], text)


def output_since(fake: FakeTelegram, r: Reporter, upto: ApiCall | None = None) -> list[ApiCall]:
    """What the bot sent or edited in the reporter's chat since the last action (up to `upto`)."""
    end = upto.seq if upto is not None else 10**9
    return [c for c in fake.calls(chat_id=r.user_id) if r.mark < c.seq <= end and c.method in SENDS and c.ok]


def done_buttons(fake: FakeTelegram, r: Reporter) -> list[int]:
    """Message ids in the chat that currently carry a Done button."""
    return [m["message_id"] for m, label, _ in r.buttons() if "Selesai" in label]


def assert_never_broke(fake: FakeTelegram, r: Reporter) -> None:
    texts = [text_of_call(c) for c in fake.calls(chat_id=r.user_id)]
    texts += [str(c.params.get("text") or "") for c in fake.calls("answerCallbackQuery")]
    assert not [t for t in texts if GENERIC_ERROR in t or "Traceback" in t]


# ---- edited messages ------------------------------------------------------------------------------------


async def test_editing_earlier_answers_corrects_them_and_never_answers_the_current_step(
    fake: FakeTelegram, bot: Pantau
) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "category")
    chronology = r.say(TYPO)
    await r.expect("Langkah 3 dari 9")

    # At the time step, the reporter fixes the typo in the chronology: the edit corrects the chronology, and
    # is not taken as the incident time. Nothing else is sent: the time buttons on screen stay usable.
    edit(fake, r, chronology, FIXED)
    note = await r.expect("Kronologi diperbarui")
    assert "Langkah" not in note
    draft = await draft_of(bot, r)
    assert draft.row.step == "when" and draft.answers.incident is None
    assert draft.answers.chronology == FIXED

    await run_steps(r, "when", "place")
    party = r.say("Budi, tim sukes calon nomor 2")
    await r.expect("Langkah 6 dari 9")
    await run_steps(r, "photo", "identity")  # now at the review

    # At the review the corrected answer is shown in the summary, sent again with the note on top.
    edit(fake, r, party, "Budi Santoso, tim sukses calon nomor 2")
    review = await r.expect("Terlapor diperbarui")
    assert "Langkah 9 dari 9" in review and "Budi Santoso, tim sukses calon nomor 2" in review
    assert FIXED in review and TYPO not in review
    assert (await draft_of(bot, r)).row.step == "review"

    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    (row,) = await services_of(bot).reports.export_rows()
    assert row["chronology"] == FIXED and row["reported_party"] == "Budi Santoso, tim sukses calon nomor 2"

    # After submission an edit changes nothing, and the reporter is told why.
    edit(fake, r, chronology, FIXED + " Lagi.")
    await r.expect("sudah terkirim")
    (row,) = await services_of(bot).reports.export_rows()
    assert row["chronology"] == FIXED
    assert_never_broke(fake, r)


async def test_an_edit_that_cannot_apply_is_ignored_with_a_hint(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    wrong = r.say("politik uang")  # text at a button step: not an answer
    await r.expect("Pilih salah satu tombol")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    chronology = r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")

    edit(fake, r, wrong, "politik uang sekali")
    hint = await r.expect("bukan jawaban")
    assert "Langkah" not in hint
    assert (await draft_of(bot, r)).row.step == "when"

    # Too short now: refused like a first answer, and the chronology keeps its earlier text.
    edit(fake, r, chronology, "amplop")
    refused = await r.expect("tidak disimpan")
    assert "terlalu pendek" in refused
    draft = await draft_of(bot, r)
    assert draft.answers.chronology == CHRONOLOGY and draft.row.step == "when"

    # The step still waits for its own answer, with the buttons on screen.
    r.tap("Hari ini")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    assert (await draft_of(bot, r)).answers.incident is not None
    assert_never_broke(fake, r)


async def test_a_typed_time_corrected_by_an_edit(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "chronology")
    when = r.say("kemarin jam 19.00")
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("Pilih provinsi")
    before = (await draft_of(bot, r)).answers.incident
    assert before is not None and before.endswith("19:00")
    edit(fake, r, when, "kemarin jam 20.15")
    await r.expect("Waktu kejadian diperbarui")
    draft = await draft_of(bot, r)
    assert draft.answers.incident is not None and draft.answers.incident.endswith("20:15")
    assert draft.row.step == "where" and draft.answers.region_code is None
    # The picker on screen still works.
    await run_steps(r, "province", "kecamatan")


# ---- short hints --------------------------------------------------------------------------------------


async def test_wrong_input_gets_a_short_hint_and_the_buttons_on_screen_stay_usable(
    fake: FakeTelegram, bot: Pantau
) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "known")  # the place prompt and the province picker are on screen

    r.send("sticker")
    before = r.mark
    hint = await r.expect("Kirim lokasi, pilih wilayah dari daftar")
    assert hint.startswith("⚠️") and "Langkah" not in hint
    r.tap("Jambi")  # the picker sent before the sticker
    reached = await r.expect("Pilih wilayah di")
    assert reached
    r.mark = before
    assert [text_of_call(c) for c in output_since(fake, r)] == [hint, reached], "nothing but the hint is sent"
    await run_steps(r, "kabupaten", "identity")

    # At the review: a typed message gets the hint, not the whole summary again.
    review_count = len([c for c in fake.calls("sendMessage", chat_id=r.user_id) if "Langkah 9 dari 9" in
                        text_of_call(c)])
    r.say("kirim sekarang")
    hint = await r.expect("Pilih salah satu tombol di atas.")
    assert CHRONOLOGY not in hint and "Langkah" not in hint
    r.tap("Kirim laporan")  # the review's buttons, sent before the text
    await r.expect("Kode kasus")
    assert len([c for c in fake.calls("sendMessage", chat_id=r.user_id) if "Langkah 9 dari 9" in
                text_of_call(c)]) == review_count
    assert_never_broke(fake, r)


async def test_an_unknown_command_mid_report_says_so_and_how_to_go_on(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "category")
    r.say("/foo")
    hint = await r.expect("tidak dikenal")
    assert "/foo" in hint and "/batal" in hint and "Jawab dengan teks" not in hint
    assert (await draft_of(bot, r)).row.step == "chronology"
    r.say(CHRONOLOGY)
    done = await r.expect("Langkah 3 dari 9")
    assert [c for c in output_since(fake, r) if "Langkah 2" in text_of_call(c)] == []
    assert done


# ---- buttons ------------------------------------------------------------------------------------------


async def test_a_press_with_empty_data_is_refused_as_no_longer_valid(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    prompt = next(m for m, label, _ in r.buttons() if "Politik uang" in label)
    r.press(prompt, "")
    assert await r.expect_alert(STALE) == STALE
    assert (await draft_of(bot, r)).row.step == "category"
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")
    when_prompt = next(m for m, label, _ in r.buttons() if "Hari ini" in label)
    r.press(when_prompt, "")
    assert await r.expect_alert(STALE) == STALE
    assert (await draft_of(bot, r)).row.step == "when"
    assert_never_broke(fake, r)


# ---- evidence -----------------------------------------------------------------------------------------


async def test_photos_one_by_one_share_one_status_message(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    first = r.mark
    for n in (1, 2, 3):
        r.send("photo", b"\x89PNG one by one %d" % n)
        await r.expect(f"{n} berkas")
    acks = [c for c in fake.calls("sendMessage", chat_id=r.user_id) if c.seq > first
            and "Bukti diterima" in text_of_call(c)]
    assert len(acks) == 1, "one status message for the batch, edited as files arrive"
    status_id = acks[0].result["message_id"]
    assert done_buttons(fake, r) == [status_id]

    # Too old to be seen: a new one is sent further down, and the old one loses its Done button.
    services = services_of(bot)
    await services.intake.drafts.set_status_message(r.user_id, status_id, utcnow() - timedelta(hours=1))
    r.send("photo", b"\x89PNG one by one 4")
    await r.expect("4 berkas")
    await fake.wait_for("editMessageReplyMarkup", chat_id=r.user_id, after=r.mark)  # the handler's last act
    newer = (await draft_of(bot, r)).answers.status_message_id
    assert newer is not None and newer != status_id
    assert done_buttons(fake, r) == [newer]

    # Gone (deleted by the reporter): a new one again.
    fake.fail_next("editMessageText", status=400, description="Bad Request: message to edit not found",
                   chat_id=r.user_id)
    r.send("photo", b"\x89PNG one by one 5")
    await r.expect("5 berkas")
    await fake.wait_for("editMessageReplyMarkup", chat_id=r.user_id, after=r.mark)
    newest = (await draft_of(bot, r)).answers.status_message_id
    assert newest not in (None, newer)

    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    assert done_buttons(fake, r) == []
    assert (await draft_of(bot, r)).answers.status_message_id is None
    assert_never_broke(fake, r)


async def test_a_slow_download_shows_a_chat_action(
    fake: FakeTelegram, bot: Pantau, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A download that takes longer than CHAT_ACTION_AFTER shows "sending a file…" while it lasts (a quick one
    costs no call: tests/test_e2e_call_budget.py). Here the download waits until the action has been shown."""
    original = evidence._download

    async def slow_download(context: Any, file_id: str, size: int | None) -> tuple[bytes | None, str]:
        await fake.wait_for("sendChatAction", chat_id=r.user_id, after=r.mark)
        return await original(context, file_id, size)

    monkeypatch.setattr(evidence, "CHAT_ACTION_AFTER", 0.05)
    monkeypatch.setattr(evidence, "_download", slow_download)
    r = Reporter(fake)
    await run_steps(r, "start", "party")
    r.send("photo", b"\x89PNG a photo to download")
    await r.expect("1 berkas")
    action = await fake.wait_for("sendChatAction", chat_id=r.user_id, after=r.mark)
    download = await fake.wait_for("getFile", after=r.mark)
    assert action.params.get("action") == "upload_document"
    assert action.seq < download.seq, "the chat action shows while the file downloads"


async def test_a_file_over_20_mb_does_not_count_and_must_be_brought_in_person(
    fake: FakeTelegram, bot: Pantau
) -> None:
    group = Group(fake, "Panwascam Pasar Jambi")
    await group.register(services_of(bot), "15.71.04")
    r = Reporter(fake)
    await run_steps(r, "start", "party")  # a reported party is named
    r.send("video", b"tiny stand-in", file_size=25 * 1024 * 1024)
    told = await r.expect("lebih dari 20 MB")
    assert "bawa" in told and "tidak dihitung" in told
    await r.expect("Bukti diterima: 0 berkas")
    r.tap("Selesai")
    await r.expect("Langkah 7 dari 9")
    r.tap("Lewati")  # no witnesses: the oversized file would be the only evidence
    await r.expect("Langkah 8 dari 9")
    review = await give_identity(r)
    assert "informasi awal" in review and "belum ada bukti" in review
    assert "bawa berkas aslinya langsung" in review

    r.tap("Kirim laporan")
    confirmation = await r.expect("Kode kasus")
    assert "informasi awal" in confirmation and "bawa berkas aslinya langsung" in confirmation
    (code,) = case_codes_sent(fake, r.user_id)
    case = await services_of(bot).supervision.repo.case_by_code(code)
    assert case is not None and case.kind == "informasi_awal"
    card = await group.expect(code)
    assert "Bukti: 0 berkas" in card, card
    (report,) = await services_of(bot).reports.for_reporter(r.user_id)
    assert report.evidence_count == 0
