"""The law as the reporter meets it (issue 10), through the fake Bot API against the real Application: when the
violation became known, the TSM question where the election has that rule, the reporter's standing, and an honest
confirmation that says what a laporan still needs, where and by when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import Pantau
from bot.legal.rules import LegalRules
from testing.fake_telegram import FakeTelegram
from tests.harness import CHRONOLOGY, ProcessedUpdates, Reporter, run_steps, text_of_call

JAMBI = ZoneInfo("Asia/Jakarta")
DATE = "%d-%m-%Y"

ID_WORDS = {
    "report": "/lapor", "category": "Politik uang", "today": "Hari ini", "known_same": "Pada hari kejadian",
    "known_q": "Kapan Anda mengetahui", "step1": "Langkah 1 dari 9", "step2": "Langkah 2 dari 9",
    "step3": "Langkah 3 dari 9", "province": "Pilih provinsi", "within": "Pilih wilayah di", "step4": "Langkah 4 dari 9",
    "step5": "Langkah 5 dari 9", "step6": "Langkah 6 dari 9", "files": "1 berkas", "done": "Selesai",
    "step7": "Langkah 7 dari 9", "skip": "Lewati", "step8": "Langkah 8 dari 9", "named": "Cantumkan identitas",
    "name_q": "Nama lengkap", "address_q": "Alamat", "phone_q": "Nomor telepon", "standing_q": "Anda melapor sebagai",
    "review": "Langkah 9 dari 9", "submit": "Kirim laporan", "code": "Kode kasus", "tsm_q": "pelanggaran TSM?",
    "tsm_yes": "Ya, pelanggaran TSM",
}
EN_WORDS = {
    "report": "/report", "category": "Money politics", "today": "Today", "known_same": "On the day it happened",
    "known_q": "When did you learn of it", "step1": "Step 1 of 9", "step2": "Step 2 of 9",
    "step3": "Step 3 of 9", "province": "Choose a province", "within": "Choose a region in", "step4": "Step 4 of 9",
    "step5": "Step 5 of 9", "step6": "Step 6 of 9", "files": "1 file", "done": "Done", "step7": "Step 7 of 9",
    "skip": "Skip", "step8": "Step 8 of 9", "named": "Include my identity", "name_q": "Your full name",
    "address_q": "Your address", "phone_q": "A phone number", "standing_q": "Who are you reporting as",
    "review": "Step 9 of 9", "submit": "Send report", "code": "Your case code", "tsm_q": "a TSM violation?",
    "tsm_yes": "Yes, a TSM violation",
}


@pytest.fixture
def processed(monkeypatch: pytest.MonkeyPatch) -> ProcessedUpdates:
    return ProcessedUpdates(monkeypatch)


def today() -> date:
    return datetime.now(JAMBI).date()


async def english(r: Reporter) -> None:
    r.say("/bahasa")
    await r.expect("Pilih bahasa")
    r.tap("English")
    await r.expect("Language switched to English.")


async def report(
    r: Reporter, w: dict[str, str], *, incident: str | None = None, known: str | None = None,
    standing: str | None = None, tsm: bool | None = None, sent: dict[str, Any] | None = None, submit: bool = True,
) -> tuple[str, str]:
    """A whole report with a photo and the reported party: `incident`/`known` typed (None: "today" and "on the
    day it happened"), named with `standing` (the label of its button; None: anonymous), `tsm` the answer to the
    TSM question if it must be asked. The review's text and the confirmation's ("" when not `submit`); `sent`
    receives the update that typed the incident time, as "incident"."""
    r.say(w["report"])
    await r.expect(w["step1"])
    r.tap(w["category"])
    await r.expect(w["step2"])
    r.say(CHRONOLOGY)
    await r.expect(w["step3"])
    if incident is None:
        r.tap(w["today"])
    else:
        typed = r.say(incident)
        if sent is not None:
            sent["incident"] = typed
    await r.expect(w["known_q"])
    if known is None:
        r.tap(w["known_same"])
    else:
        r.say(known)
    if tsm is not None:
        await r.expect(w["tsm_q"])
        r.tap(w["tsm_yes"] if tsm else ("Bukan" if w is ID_WORDS else "No"))
    await r.expect(w["province"])
    r.tap("Jambi")
    await r.expect(w["within"])
    r.tap("Kota Jambi")
    await r.expect("Kota Jambi, Jambi")
    r.tap("Pasar Jambi")
    await r.expect(w["step4"])
    r.say("Depan TPS 05, Jl. Sultan Thaha")
    await r.expect(w["step5"])
    r.say("Budi, tim sukses calon nomor 2")
    await r.expect(w["step6"])
    r.send("photo", b"\x89PNG evidence " + str(r.user_id).encode())
    await r.expect(w["files"])
    r.tap(w["done"])
    await r.expect(w["step7"])
    r.tap(w["skip"])
    await r.expect(w["step8"])
    if standing is None:
        r.tap("Anonim" if w is ID_WORDS else "Anonymous")
    else:
        r.tap(w["named"])
        await r.expect(w["name_q"])
        r.say("Siti Aminah")
        await r.expect(w["address_q"])
        r.say("Jl. Gatot Subroto No. 5, Jambi")
        await r.expect(w["phone_q"])
        r.say("0812-3456-7890")
        await r.expect(w["standing_q"])
        r.tap(standing)
    review = await r.expect(w["review"])
    if not submit:
        return review, ""
    r.tap(w["submit"])
    return review, await r.expect(w["code"])


async def test_seen_a_complete_report_is_complete_enough_to_file_and_says_what_to_bring_where_and_by_when(
    fake: FakeTelegram, bot: Pantau
) -> None:
    r = Reporter(fake)
    review, confirmation = await report(r, ID_WORDS, standing="Pemilih di daerah ini")
    # Seen: "memenuhi syarat formal dan material sebagai laporan" over-promised: a laporan also needs the identity
    # card, a matching signature and the evidence, in person.
    for text in (review, confirmation):
        assert "memenuhi syarat formal dan material" not in text and "memenuhi syarat sebagai" not in text
    assert "cukup lengkap untuk diajukan sebagai laporan" in review
    assert "cukup lengkap untuk diajukan sebagai laporan" in confirmation
    assert "kantor Bawaslu Kota Jambi atau Panwaslu Kecamatan Pasar Jambi" in confirmation
    by = (today() + timedelta(days=2)).strftime(DATE)  # Pilkada, the default: calendar days
    assert f"paling lambat {by} (2 hari" in confirmation
    assert "KTP" in confirmation and "tanda tangan" in confirmation and "bukti aslinya" in confirmation
    assert "paling lama 3 hari, dan paling lama 5 hari seluruhnya" in confirmation  # UU Pilkada Pasal 134 (5)-(6)
    assert "Pasal 134 ayat (4)" in confirmation  # the filing deadline cites the Pilkada article
    record = (await bot.services.reports.for_reporter(r.user_id))[0]  # type: ignore[union-attr]
    assert record.kind == "laporan" and record.reporter_standing == "voter"
    assert record.known_local is None and not record.tsm


async def test_someone_who_may_not_file_a_laporan_is_told_so_and_still_heard(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await english(r)
    review, confirmation = await report(r, EN_WORDS, standing="Someone else")
    assert "initial information" in review and "initial information" in confirmation
    assert "only a voter, an observer or a participant may file a formal report" in confirmation
    assert "complete enough to be filed" not in confirmation
    record = (await bot.services.reports.for_reporter(r.user_id))[0]  # type: ignore[union-attr]
    assert record.kind == "informasi_awal" and record.missing == ["standing"] and record.reporter_standing == "other"


async def test_the_window_counts_from_when_it_became_known_not_from_the_incident(
    fake: FakeTelegram, bot: Pantau
) -> None:
    r = Reporter(fake)
    await english(r)
    incident = (today() - timedelta(days=12)).strftime(DATE)
    known = today() - timedelta(days=2)
    review, confirmation = await report(r, EN_WORDS, incident=incident, known=known.strftime(DATE),
                                        standing="A voter in this region")
    assert f"Learned of it: {known.strftime(DATE)}" in review
    assert "complete enough to be filed as a formal report" in confirmation
    deadline = (known + timedelta(days=7)).strftime(DATE)
    assert f"Deadline to file the report: {deadline} (7 days, UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (4))" in confirmation
    record = (await bot.services.reports.for_reporter(r.user_id))[0]  # type: ignore[union-attr]
    assert record.known_local == known.isoformat() and "deadline" not in record.missing


async def test_known_too_long_ago_is_informasi_awal_and_pilkada_asks_no_tsm_question(
    fake: FakeTelegram, bot: Pantau
) -> None:
    r = Reporter(fake)
    incident = (today() - timedelta(days=12)).strftime(DATE)
    start = r.mark
    _review, confirmation = await report(r, ID_WORDS, incident=incident, standing="Pemilih di daerah ini")
    texts = [text_of_call(c) for c in fake.calls(chat_id=r.user_id) if c.seq > start and c.ok]
    assert any("lebih dari 7 hari yang lalu" in text and "informasi awal" in text for text in texts)  # the warning
    assert not any("pelanggaran TSM?" in text for text in texts)
    assert "lebih dari 7 hari yang lalu (UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (4))" in confirmation
    assert "informasi awal" in confirmation
    record = (await bot.services.reports.for_reporter(r.user_id))[0]  # type: ignore[union-attr]
    assert record.missing == ["deadline"]


async def test_a_day_of_learning_before_the_incident_is_refused(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")
    r.say((today() - timedelta(days=3)).strftime(DATE))
    await r.expect("Kapan Anda mengetahui")
    r.say((today() - timedelta(days=5)).strftime(DATE))
    refusal = await r.expect("tidak mungkin mengetahuinya sebelum kejadian")
    assert (today() - timedelta(days=3)).strftime(DATE) in refusal
    r.say("hari ini")
    await r.expect("Pilih provinsi")


async def test_pemilu_counts_working_days_and_lets_a_tsm_violation_be_reported_later(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot(election_kind="pemilu")
    r = Reporter(fake)
    incident = today() - timedelta(days=40)
    review, confirmation = await report(r, ID_WORDS, incident=incident.strftime(DATE), tsm=True,
                                        standing="Pemilih")
    assert "dilaporkan sebagai pelanggaran TSM" in review
    assert "sampai hari pemungutan suara, karena dilaporkan sebagai pelanggaran TSM (Perbawaslu 7/2022 Pasal 8 " \
           "ayat (4))" in confirmation
    by = LegalRules("pemilu").in_person(today()).day.strftime(DATE)
    assert f"paling lambat {by} (2 hari kerja" in confirmation
    assert "Setelah laporan diregistrasi" in confirmation and "14 hari kerja" in confirmation
    record = (await bot.services.reports.for_reporter(r.user_id))[0]  # type: ignore[union-attr]
    assert record.tsm and record.kind == "laporan"


async def test_the_day_to_come_in_person_is_never_after_the_filing_deadline(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    await english(r)
    known = today() - timedelta(days=6)  # the 7 days since known end tomorrow, before the 2-day follow-up would
    _review, confirmation = await report(r, EN_WORDS, incident=known.strftime(DATE), standing="A voter in this region")
    tomorrow = (today() + timedelta(days=1)).strftime(DATE)
    assert f"by {tomorrow} (7 days, UU 1/2015 jo. UU 10/2016 Pasal 134 ayat (4))" in confirmation
    assert "(2 days" not in confirmation


async def test_the_identity_step_cites_the_deployments_regulation(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    await start_bot()  # Pilkada, the default
    r = Reporter(fake)
    prompt = await run_steps(r, last="witnesses")  # the identity step's question
    assert "laporan resmi (UU No. 1 Tahun 2015 jo. UU No. 10 Tahun 2016" in prompt
    assert "Perbawaslu 7/2022" not in prompt and "Perbawaslu No. 7" not in prompt


async def test_a_date_corrected_by_editing_its_message_asks_the_tsm_question_again(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    await start_bot(election_kind="pemilu")
    r = Reporter(fake)
    sent: dict[str, Any] = {}
    old = (today() - timedelta(days=40)).strftime(DATE)
    review, _ = await report(r, ID_WORDS, incident=old, tsm=True, standing="Pemilih", sent=sent, submit=False)
    assert "dilaporkan sebagai pelanggaran TSM" in review
    # Corrected to yesterday: no longer stale, and no longer marked TSM.
    r.mark = fake.cursor()
    fake.edit_user_message(sent["incident"]["message"], "kemarin")
    review = await r.expect("Langkah 9 dari 9")
    assert "TSM" not in review and "cukup lengkap untuk diajukan" in review
    # Corrected back to long ago: the TSM question comes again, before the review.
    r.mark = fake.cursor()
    fake.edit_user_message(sent["incident"]["message"], old)
    await r.expect("pelanggaran TSM?")
    r.tap("Ya, pelanggaran TSM")
    review = await r.expect("Langkah 9 dari 9")
    assert "dilaporkan sebagai pelanggaran TSM" in review
    r.tap("Kirim laporan")
    assert "sampai hari pemungutan suara" in await r.expect("Kode kasus")


async def test_a_date_corrected_at_another_step_asks_the_tsm_question_before_the_review(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot(election_kind="pemilu")
    r = Reporter(fake)
    await run_steps(r, "start", "chronology")
    typed = r.say("kemarin")
    await r.expect("Kapan Anda mengetahui")
    await run_steps(r, "known", "party")  # now at the evidence step
    # Corrected to long ago: known too long ago now, and the TSM question never asked. The step stays.
    r.mark = fake.cursor()
    fake.edit_user_message(typed["message"], (today() - timedelta(days=40)).strftime(DATE))
    note = await r.expect("Waktu kejadian diperbarui")
    assert "pelanggaran TSM?" not in note
    await run_steps(r, "photo", "witnesses")
    r.tap("Anonim")
    await r.expect("pelanggaran TSM?")  # before the review, which it leads back to
    r.tap("Ya, pelanggaran TSM")
    review = await r.expect("Langkah 9 dari 9")
    assert "dilaporkan sebagai pelanggaran TSM" in review
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    record = (await bot.services.reports.for_reporter(r.user_id))[0]  # type: ignore[union-attr]
    assert record.tsm and "deadline" not in record.missing


async def test_a_date_corrected_at_the_tsm_question_to_one_that_needs_none_goes_on_to_the_next_step(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot(election_kind="pemilu")
    r = Reporter(fake)
    await run_steps(r, "start", "category")
    chronology = r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")
    typed = r.say((today() - timedelta(days=40)).strftime(DATE))
    await r.expect("Kapan Anda mengetahui")
    r.tap("Pada hari kejadian")
    await r.expect("pelanggaran TSM?")
    # The chronology corrected at the question: said, and the question on screen stays (not asked again).
    r.mark = fake.cursor()
    fake.edit_user_message(chronology["message"], CHRONOLOGY + " Lalu pergi.")
    note = await r.expect("Kronologi diperbarui")
    assert "pelanggaran TSM?" not in note
    # The date corrected to yesterday: the question no longer applies, and the step after it is asked.
    r.mark = fake.cursor()
    fake.edit_user_message(typed["message"], "kemarin")
    note = await r.expect("Pilih provinsi")
    assert "Waktu kejadian diperbarui" in note
    draft = await bot.services.intake.get(r.user_id)  # type: ignore[union-attr]
    assert draft is not None and draft.step == "where" and draft.answers.tsm is None
    r.tap("Ya, pelanggaran TSM")  # the question's buttons, still on screen
    await r.expect_alert("Tombol ini sudah tidak berlaku")
    review = await run_steps(r, "province", "identity")
    assert "TSM" not in review and "informasi awal" in review  # anonymous, but not too late


async def test_a_redelivered_correction_asks_the_question_it_led_to_again(
    fake: FakeTelegram, start_bot: Callable[..., Any], processed: ProcessedUpdates
) -> None:
    await start_bot(election_kind="pemilu")
    r = Reporter(fake)
    sent: dict[str, Any] = {}
    await report(r, ID_WORDS, incident="kemarin", standing="Pemilih", sent=sent, submit=False)
    r.mark = fake.cursor()
    edited = fake.edit_user_message(sent["incident"]["message"], (today() - timedelta(days=40)).strftime(DATE))
    await r.expect("pelanggaran TSM?")
    await processed.wait(edited["update_id"])
    # Delivered again (as after a crash before Telegram was told): the question it led to, again.
    r.mark = fake.cursor()
    assert fake.inject(edited)["update_id"] == edited["update_id"]
    assert "Waktu kejadian diperbarui" in await r.expect("pelanggaran TSM?")
    await processed.wait(edited["update_id"])
    r.tap("Ya, pelanggaran TSM")
    await r.expect("Langkah 9 dari 9")
    # And again at the review: the review, again.
    r.mark = fake.cursor()
    fake.inject(edited)
    review = await r.expect("Langkah 9 dari 9")
    assert "Waktu kejadian diperbarui" in review and "dilaporkan sebagai pelanggaran TSM" in review
    r.tap("Kirim laporan")
    assert "sampai hari pemungutan suara" in await r.expect("Kode kasus")


@pytest.mark.parametrize("label", ["Kirim laporan", "✏️ Kronologi"])
async def test_the_reviews_buttons_are_refused_while_the_draft_is_at_another_question(
    fake: FakeTelegram, start_bot: Callable[..., Any], processed: ProcessedUpdates, label: str
) -> None:
    bot: Pantau = await start_bot(election_kind="pemilu")
    r = Reporter(fake)
    sent: dict[str, Any] = {}
    await report(r, ID_WORDS, incident="kemarin", standing="Pemilih", sent=sent, submit=False)
    # A correction that needs the TSM question, whose sending fails: the draft is at the question, and the
    # conversation still at the review (the error's apology asks the question).
    fake.fail_next("sendMessage", status=400, description="Bad Request: message is too long", chat_id=r.user_id)
    r.mark = fake.cursor()
    edited = fake.edit_user_message(sent["incident"]["message"], (today() - timedelta(days=40)).strftime(DATE))
    await r.expect("Maaf, terjadi kesalahan")
    await r.expect("pelanggaran TSM?")
    await processed.wait(edited["update_id"])
    r.tap(label)  # on the review, still on screen
    await r.expect_alert("Jawab dulu pertanyaan terakhir")
    draft = await bot.services.intake.get(r.user_id)  # type: ignore[union-attr]
    assert draft is not None and draft.step == "tsm" and draft.active
    r.tap("Ya, pelanggaran TSM")
    assert "dilaporkan sebagai pelanggaran TSM" in await r.expect("Langkah 9 dari 9")
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    assert len(await bot.services.reports.for_reporter(r.user_id)) == 1  # type: ignore[union-attr]
