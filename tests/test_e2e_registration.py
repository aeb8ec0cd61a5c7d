"""Volunteer registration end to end, over HTTP against the fake Bot API: /relawan in Indonesian and English,
from a recruitment link (the link's resolve stubbed) and without, the GPS and picker paths, a restart and a
re-delivered update in the middle, a double tap on Submit, /lapor in the middle of a registration and /relawan
in the middle of a report, /relawansaya, /berhenti and the retention, and bad input at the steps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.kernel.services import Services
from bot.volunteers.recruitment import LinkTarget
from bot.volunteers.registration_steps import CONSENT_VERSION
from storage.database import Database, iso, utcnow
from storage.delivery.inbox import InboxRepository
from testing.fake_telegram import FakeTelegram
from tests.harness import BOUNDARIES, CHRONOLOGY, ProcessedUpdates, Reporter, run_steps, text_of_call

NAME = "Siti Aminah"
GENERIC_ERROR = "terjadi kesalahan"
PAYLOAD = "rel_AbCdEfGhIjKlMnOpQrSt"


def services_of(bot: Pantau) -> Services:
    assert bot.services is not None
    return bot.services


def tap_exact(r: Reporter, label: str) -> dict[str, Any]:
    """Press the newest inline button whose label is exactly `label`."""
    for message, text, data in r.buttons():
        if text == label:
            return r.press(message, data)
    raise AssertionError(f"no button {label!r}; buttons: {[b[1] for b in r.buttons()][:40]}")


def confirmations(fake: FakeTelegram, r: Reporter, contains: str) -> list[str]:
    return [text_of_call(c) for c in fake.calls("sendMessage", chat_id=r.user_id) if c.ok and contains in text_of_call(c)]


def assert_never_broke(fake: FakeTelegram, r: Reporter) -> None:
    texts = [text_of_call(c) for c in fake.calls(chat_id=r.user_id)]
    assert not [t for t in texts if GENERIC_ERROR in t or "Traceback" in t or "wrong on our side" in t]


async def add_link(services: Services, organisation_id: int) -> int:
    async with services.db.transaction() as tx:
        cur = await tx.execute(
            "INSERT INTO recruitment_links (organisation_id, payload, created_at, created_by) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (organisation_id, PAYLOAD, iso(utcnow()), "test"),
        )
        return cur.returned_id()


# ---- the whole registration ------------------------------------------------------------------------------


async def test_registration_in_indonesian_by_the_picker_with_an_organisation_of_the_region(
    fake: FakeTelegram, start_bot: Any
) -> None:
    bot: Pantau = await start_bot(region_scope="15")
    services = services_of(bot)
    bem, _ = await services.organisations.add("BEM Universitas Jambi", "students", "15.71", "test")
    await services.organisations.add("Karang Taruna Kerinci", "okp", "15.01", "test")  # another kabupaten's
    r = Reporter(fake)
    r.say("/relawan")
    first = await r.expect("Langkah 1 dari 8")
    assert "relawan pengawasan partisipatif" in first
    r.say(NAME)
    region_step = await r.expect("Langkah 2 dari 8")
    assert "kecamatan" in region_step
    r.tap("Kota Jambi")
    await fake.wait_for("editMessageReplyMarkup", chat_id=r.user_id, after=r.mark)
    tap_exact(r, "Pasar Jambi")
    await r.expect("📍 Pasar Jambi, Kota Jambi, Jambi")
    village_step = await r.expect("Langkah 3 dari 8")
    assert "desa/kelurahan Anda di Pasar Jambi" in village_step
    tap_exact(r, "Beringin")
    organisation_step = await r.expect("Langkah 4 dari 8")
    assert "organisasi" in organisation_step
    labels = [label for _, label, _ in r.buttons()[:10]]
    assert "BEM Universitas Jambi" in labels and "Karang Taruna Kerinci" not in labels
    tap_exact(r, "BEM Universitas Jambi")
    phone_step = await r.expect("Langkah 5 dari 8")  # the organisation has its kind: no type question
    assert "telepon" in phone_step and "Langkah 4" not in phone_step
    keyboard = fake.calls("sendMessage", chat_id=r.user_id)[-1].params["reply_markup"]["keyboard"]
    assert keyboard[0][0].get("request_contact") is True
    r.send("contact", "6281234567890", contact_user_id=r.user_id)
    await r.expect("Langkah 6 dari 8")
    r.tap("Saya menyatakan")
    consent = await r.expect("Langkah 7 dari 8")
    assert "UU No. 27 Tahun 2022" in consent and "Bawaslu Provinsi Jambi" in consent and "365 hari" in consent
    assert "/relawansaya" in consent and "/berhenti" in consent
    r.tap("Saya setuju")
    review = await r.expect("Langkah 8 dari 8")
    assert NAME in review and "Beringin, Pasar Jambi, Kota Jambi, Jambi" in review
    assert "BEM Universitas Jambi" in review and "+6281234567890 (terverifikasi Telegram)" in review
    r.tap("Kirim pendaftaran")
    done = await r.expect("Pendaftaran relawan Anda sudah kami terima")
    assert "menunggu verifikasi" in done

    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None and volunteer.status == "pending"
    assert (volunteer.full_name, volunteer.organisation_id, volunteer.organisation_kind) == (NAME, bem.id, "students")
    assert (volunteer.region_code, volunteer.phone, volunteer.phone_checked) == ("15.71.04.1001", "+6281234567890", True)
    assert volunteer.consent_version == CONSENT_VERSION and volunteer.link_id is None
    assert await services.registration.get(r.user_id) is None  # the draft went with the submission
    assert_never_broke(fake, r)


async def test_registration_in_english_by_search_as_an_individual_with_a_typed_phone_and_an_edit(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    r = Reporter(fake, first_name="Ann")
    fake.send_text(r.user_id, "/volunteer", language_code="en")
    first = await r.expect("Step 1 of 8")
    assert "participatory election supervision" in first
    r.say("Ann Maria")
    await r.expect("Step 2 of 8")
    r.say("pasar jambi")
    await r.expect("Choose your kecamatan")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Step 3 of 8")
    r.tap("Skip")
    organisation_step = await r.expect("Step 4 of 8")
    assert "No organisation is registered for your region" in organisation_step
    r.tap("Individual")
    kind_step = await r.expect("Step 4 of 8")  # the type belongs to the organisation's step
    assert "Which <b>group</b>" in kind_step or "Which group" in kind_step
    r.tap("Students")
    await r.expect("Step 5 of 8")
    r.say("0812-3456 7890")
    await r.expect("Step 6 of 8")
    r.tap("I declare")
    await r.expect("Step 7 of 8")
    r.tap("I agree")
    review = await r.expect("Step 8 of 8")
    assert "Ann Maria" in review and "Individual (Students" in review and "+6281234567890" in review
    assert "checked by Telegram" not in review
    r.tap("✏️ Name")
    await r.expect("Step 1 of 8")
    r.say("Ann Maria Lubis")
    review = await r.expect("Step 8 of 8")  # straight back to the review
    assert "Ann Maria Lubis" in review
    r.tap("Send registration")
    await r.expect("We have received your volunteer registration")
    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None
    assert (volunteer.full_name, volunteer.organisation_id, volunteer.organisation_kind) == ("Ann Maria Lubis", None,
                                                                                            "students")
    assert (volunteer.region_code, volunteer.phone, volunteer.phone_checked) == ("15.71.04", "+6281234567890", False)

    r.say("/myvolunteer")
    mine = await r.expect("Your volunteer registration")
    assert "waiting for verification" in mine and "Ann Maria Lubis" in mine and "Pasar Jambi, Kota Jambi" in mine
    assert "Individual (Students" in mine and "+6281234567890" in mine
    assert_never_broke(fake, r)


async def test_the_back_button_goes_to_the_step_before_and_keeps_the_answers(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    r.say(NAME)
    await r.expect("Langkah 2 dari 8")
    r.tap("Kembali")
    await r.expect("Langkah 1 dari 8")
    r.say("Siti Aminah Harahap")
    await r.expect("Langkah 2 dari 8")
    registration = await services_of(bot).registration.get(r.user_id)
    assert registration is not None and registration.answers.full_name == "Siti Aminah Harahap"
    assert registration.step.value == "region"


# ---- recruitment links --------------------------------------------------------------------------------------


async def test_a_recruitment_link_sets_the_organisation_and_keeps_the_link(
    fake: FakeTelegram, bot: Pantau, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_of(bot)
    bem, _ = await services.organisations.add("BEM Universitas Jambi", "students", "15.71", "test")
    link_id = await add_link(services, bem.id)
    asked: list[str] = []

    async def resolve(payload: str) -> LinkTarget | None:
        asked.append(payload)
        if payload != PAYLOAD:
            return None
        return LinkTarget(link_id, bem.id, bem.name, bem.kind, bem.region_code, None)

    monkeypatch.setattr(services.recruitment, "resolve", resolve)
    r = Reporter(fake)
    r.say(f"/start {PAYLOAD}")
    first = await r.expect("Langkah 1 dari 7")  # no organisation step
    assert "BEM Universitas Jambi" in first and asked == [PAYLOAD]
    assert "Buat laporan" not in [label for _, label, _ in r.buttons()]  # not people's /start menu
    r.say(NAME)
    await r.expect("Langkah 2 dari 7")
    r.say("Pasar Jambi")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Langkah 3 dari 7")
    r.tap("Lewati")
    await r.expect("Langkah 4 dari 7")  # the phone, straight away
    r.say("+62 812 1111 2222")
    await r.expect("Langkah 5 dari 7")
    r.tap("Saya menyatakan")
    await r.expect("Langkah 6 dari 7")
    r.tap("Saya setuju")
    review = await r.expect("Langkah 7 dari 7")
    assert "BEM Universitas Jambi" in review
    assert "✏️ Organisasi" not in [label for _, label, _ in r.buttons()[:10]]
    r.tap("Kirim pendaftaran")
    await r.expect("Pendaftaran relawan Anda sudah kami terima")
    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None
    assert (volunteer.organisation_id, volunteer.organisation_kind, volunteer.link_id) == (bem.id, "students", link_id)


async def test_an_unknown_link_is_said_and_the_registration_goes_on_without_an_organisation(
    fake: FakeTelegram, bot: Pantau
) -> None:
    r = Reporter(fake)
    r.say("/start rel_unknownunknownunknown")  # the base's resolve knows no link
    first = await r.expect("Langkah 1 dari 8")
    assert "tidak dikenal atau sudah dicabut" in first
    r.say("/start rel_<script>")  # malformed: not even asked
    again = await r.expect("Langkah 1 dari 8")
    assert "tidak dikenal" in again


# ---- GPS ---------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not BOUNDARIES.exists(), reason="boundaries file not available")
async def test_the_kecamatan_from_a_shared_location(fake: FakeTelegram, start_bot: Any) -> None:
    bot: Pantau = await start_bot(boundaries_file=BOUNDARIES)
    r = Reporter(fake)
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    r.say(NAME)
    await r.expect("Langkah 2 dari 8")
    r.tap("Pakai lokasi saya")
    await r.expect("bagikan lokasi")
    keyboard = fake.calls("sendMessage", chat_id=r.user_id)[-1].params["reply_markup"]["keyboard"]
    assert keyboard[0][0].get("request_location") is True
    r.send("location", -1.5900, 103.6130)
    chosen = await r.expect("Pasar Jambi, Kota Jambi, Jambi")
    assert chosen.startswith("📍")
    await r.expect("Langkah 3 dari 8")
    registration = await services_of(bot).registration.get(r.user_id)
    assert registration is not None
    assert (registration.answers.region_code, registration.answers.region_source) == ("15.71.04", "gps")
    r.send("location", 51.5, -0.12)  # London: at the village step a location is no answer
    await r.expect("pilih salah satu tombol")


# ---- durability ---------------------------------------------------------------------------------------------


async def test_a_restart_in_the_middle_resumes_and_a_redelivered_update_does_not_advance_twice(
    fake: FakeTelegram, start_bot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    processed = ProcessedUpdates(monkeypatch)
    bot: Pantau = await start_bot()
    r = Reporter(fake)
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    answer = r.say(NAME)
    await r.expect("Langkah 2 dari 8")
    await processed.wait(answer["update_id"])
    await bot.stop()

    # The update is delivered again after the restart (as after a kill before Telegram heard it was taken).
    db = Database(tmp_path / "pantau.sqlite3")
    await db.open()
    await InboxRepository(db).receive(answer["update_id"], answer)
    await db.close()
    bot = await start_bot()
    r.mark = 0
    await processed.wait(answer["update_id"])
    registration = await services_of(bot).registration.get(r.user_id)
    assert registration is not None and registration.step.value == "region"  # not advanced twice
    assert registration.answers.full_name == NAME

    # The registration still takes the person's messages after the restart.
    r.say("Pasar Jambi")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Langkah 3 dari 8")


async def test_a_double_tap_on_submit_registers_once_with_one_confirmation(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    await _until_review(r)
    message, data = next((m, d) for m, label, d in r.buttons() if "Kirim pendaftaran" in label)
    r.press(message, data)
    r.mark = fake.cursor()
    fake.press(r.user_id, message, data, check=False)
    await r.expect_alert("sudah terkirim")
    await r.expect("sudah kami terima")
    outbox = await services.db.fetchall("SELECT dedup_key FROM outbox WHERE chat_id = ?", (r.user_id,))
    assert len(outbox) == 1
    events = await services.db.fetchall("SELECT status FROM volunteer_events WHERE user_id = ?", (r.user_id,))
    assert [e["status"] for e in events] == ["pending"]
    assert len(confirmations(fake, r, "sudah kami terima")) == 1


async def _until_review(r: Reporter) -> str:
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    r.say(NAME)
    await r.expect("Langkah 2 dari 8")
    r.say("Pasar Jambi")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Langkah 3 dari 8")
    r.tap("Lewati")
    await r.expect("Langkah 4 dari 8")
    r.tap("Perorangan")
    await r.expect("kelompok")
    r.tap("Alumni SKPP")
    await r.expect("Langkah 5 dari 8")
    r.say("081234567890")
    await r.expect("Langkah 6 dari 8")
    r.tap("Saya menyatakan")
    await r.expect("Langkah 7 dari 8")
    r.tap("Saya setuju")
    return await r.expect("Langkah 8 dari 8")


# ---- reporting and registering side by side -------------------------------------------------------------------


async def test_lapor_in_the_middle_of_a_registration_starts_the_report_and_its_answers_go_to_it(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    r.say(NAME)
    await r.expect("Langkah 2 dari 8")
    r.say("/lapor")
    await r.expect("Pendaftaran relawan Anda disimpan")
    await r.expect("Langkah 1 dari 9")
    # The whole report, typed answers included, goes to the report: none of it to the registration.
    await run_steps(r, "category", "submit")
    registration = await services.registration.get(r.user_id)
    assert registration is not None and registration.step.value == "region"
    assert not services.registration.in_focus(r.user_id)
    (row,) = await services.reports.export_rows()
    assert row["chronology"] == CHRONOLOGY

    # Outside both, a message is not taken as the registration's answer.
    r.say("halo")
    await fake.wait_for("sendMessage", chat_id=r.user_id, after=r.mark)
    registration = await services.registration.get(r.user_id)
    assert registration is not None and registration.step.value == "region"

    # /relawan goes back to the registration where it stopped.
    r.say("/relawan")
    resumed = await r.expect("Kita lanjutkan")
    assert "Langkah 2 dari 8" in resumed
    r.say("Pasar Jambi")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Langkah 3 dari 8")
    assert_never_broke(fake, r)


async def test_relawan_in_the_middle_of_a_report_registers_and_the_report_waits(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    await run_steps(r, "start", "category")  # the report asks for the chronology
    r.say("/relawan")
    first = await r.expect("Langkah 1 dari 8")
    assert "Laporan Anda yang belum selesai tetap tersimpan" in first
    r.say(NAME)  # to the registration, not as the report's chronology
    await r.expect("Langkah 2 dari 8")
    report = await services.intake.get(r.user_id)
    assert report is not None and report.row.step == "chronology" and report.answers.chronology is None

    r.say("/lapor")  # back to the report: it offers to continue
    await r.expect("belum selesai")
    r.tap("Lanjutkan laporan itu")
    await r.expect("Langkah 2 dari 9")
    r.say(CHRONOLOGY)
    await r.expect("Langkah 3 dari 9")
    report = await services.intake.get(r.user_id)
    assert report is not None and report.answers.chronology == CHRONOLOGY
    registration = await services.registration.get(r.user_id)
    assert registration is not None and registration.answers.full_name == NAME and registration.step.value == "region"


# ---- /relawansaya, /berhenti, retention ---------------------------------------------------------------------


async def test_my_volunteer_and_leaving_and_the_retention(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    r.say("/relawansaya")
    await r.expect("belum terdaftar")
    await _until_review(r)
    r.tap("Kirim pendaftaran")
    await r.expect("sudah kami terima")
    r.say("/relawansaya")
    mine = await r.expect("Pendaftaran relawan Anda")
    assert "menunggu verifikasi" in mine and NAME in mine and "Alumni SKPP" in mine and "+6281234567890" in mine

    r.say("/berhenti")
    await r.expect("Yakin ingin berhenti")
    r.tap("Ya, saya berhenti")
    left = await r.expect("Anda sudah berhenti")
    assert "365 hari" in left
    assert services.outbox_worker is not None
    await services.outbox_worker.wait_idle()
    told = await services.db.fetchall("SELECT status FROM outbox WHERE dedup_key LIKE ?", (f"volunteer.left:{r.user_id}:%",))
    assert [row["status"] for row in told] == ["sent"]  # through the outbox, committed with the status change
    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None and volunteer.status == "left" and volunteer.status_by == "self"
    r.say("/relawansaya")
    mine = await r.expect("Pendaftaran relawan Anda")
    assert "berhenti" in mine and "akan dihapus pada" in mine

    # A year and a day later the retention job deletes the volunteer, with their status history.
    assert await services.registration.purge() == (0, 0)
    old = iso(utcnow() - timedelta(days=366))
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE volunteers SET status_at = ? WHERE user_id = ?", (old, r.user_id))
    assert await services.registration.purge() == (1, 0)
    assert await services.volunteers.get(r.user_id) is None
    events = await services.db.fetchall("SELECT status, actor FROM volunteer_events WHERE user_id = ?", (r.user_id,))
    assert events == []  # tests/test_volunteer_retention.py checks every other table


async def test_in_a_group_the_commands_point_to_the_private_chat(fake: FakeTelegram, bot: Pantau) -> None:
    group = -1001_555_000_001
    fake.send_text(700_999, "/relawan", chat_id=group, chat_type="supergroup", title="Warga")
    call = await fake.wait_for("sendMessage", chat_id=group)
    assert "chat pribadi" in text_of_call(call)
    assert await services_of(bot).registration.get(700_999) is None


# ---- bad input ------------------------------------------------------------------------------------------------


async def test_bad_input_at_the_steps_gets_a_short_answer(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    r = Reporter(fake)
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    r.send("sticker")
    await r.expect("Mohon jawab dengan teks")
    r.send("photo", b"\x89PNG not a name")
    await r.expect("Mohon jawab dengan teks")
    r.say("x" * 5000)
    await r.expect("Terlalu panjang: paling banyak 100 karakter")
    r.say("12345 !!!")
    await r.expect("tanpa angka atau simbol")
    r.say("/foo")
    await r.expect("tidak dikenal di sini")
    registration = await services.registration.get(r.user_id)
    assert registration is not None and registration.step.value == "name"

    await _until_phone(r)
    r.send("contact", "6289999999999", contact_user_id=r.user_id + 1)  # someone else's
    await r.expect("kontak orang lain")
    r.say("12")
    await r.expect("bukan nomor telepon Indonesia")
    registration = await services.registration.get(r.user_id)
    assert registration is not None and registration.step.value == "phone" and registration.answers.phone is None

    # Forged buttons: an organisation not in the region's list, a step that is not the current one.
    message = fake.messages_to(r.user_id)[-1]
    r.press(message, "1|vro|999")
    await r.expect_alert("tidak berlaku")  # not the organisation step
    r.press(message, "1|vrn|deadbeef")
    await r.expect_alert("tidak berlaku")
    r.press(message, "1|vrz|x")  # an action nobody has
    await r.expect_alert("tidak berlaku")
    r.send("contact", "6281234567890", contact_user_id=r.user_id)
    await r.expect("Langkah 6 dari 8")
    assert_never_broke(fake, r)


async def test_a_forged_organisation_at_the_organisation_step_is_refused(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    elsewhere, _ = await services.organisations.add("BEM Universitas Riau", "students", "14.71", "test")
    r = Reporter(fake)
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    r.say(NAME)
    await r.expect("Langkah 2 dari 8")
    r.say("Pasar Jambi")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Langkah 3 dari 8")
    r.tap("Lewati")
    await r.expect("Langkah 4 dari 8")
    r.press(fake.messages_to(r.user_id)[-1], f"1|vro|{elsewhere.id}")
    await r.expect_alert("tidak ada dalam daftar wilayah Anda")
    registration = await services.registration.get(r.user_id)
    assert registration is not None and registration.answers.organisation_id is None


async def _until_phone(r: Reporter) -> None:
    r.say(NAME)
    await r.expect("Langkah 2 dari 8")
    r.say("Pasar Jambi")
    await r.expect("Pilih kecamatan Anda")
    r.tap("Pasar Jambi, Kota Jambi")
    await r.expect("Langkah 3 dari 8")
    r.tap("Lewati")
    await r.expect("Langkah 4 dari 8")
    r.tap("Perorangan")
    await r.expect("kelompok")
    r.tap("Lainnya")
    await r.expect("Langkah 5 dari 8")


async def test_declining_the_declaration_ends_the_registration_kindly(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/relawan")
    await r.expect("Langkah 1 dari 8")
    await _until_phone(r)
    r.say("081234567890")
    await r.expect("Langkah 6 dari 8")
    r.tap("Saya tidak bisa")
    said = await r.expect("Terima kasih atas kejujuran Anda")
    assert "/lapor" in said
    assert await services_of(bot).registration.get(r.user_id) is None
    assert await services_of(bot).volunteers.get(r.user_id) is None


async def test_a_suspended_volunteer_cannot_lift_the_suspension_by_registering_again(
    fake: FakeTelegram, bot: Pantau
) -> None:
    from bot.volunteers.status import VolunteerStatus
    from storage.volunteers.volunteers import NewVolunteer

    services = services_of(bot)
    r = Reporter(fake)
    await services.volunteers.register(
        NewVolunteer(r.user_id, r.user_id, NAME, None, "students", "15.71.04", "+6281234567890", True, CONSENT_VERSION))
    assert await services.volunteers.set_status(r.user_id, VolunteerStatus.VERIFIED, "test")
    assert await services.volunteers.set_status(r.user_id, VolunteerStatus.SUSPENDED, "test")
    r.say("/relawan")
    await r.expect("sedang ditangguhkan")
    assert await services.registration.get(r.user_id) is None  # no registration was started
    volunteer = await services.volunteers.get(r.user_id)
    assert volunteer is not None and volunteer.status == "suspended"
    # Nor by leaving first (/berhenti stays open to them: withdrawing consent is their right).
    assert await services.volunteers.set_status(r.user_id, VolunteerStatus.LEFT, "self")
    r.say("/relawan")
    await r.expect("sedang ditangguhkan")
    assert await services.registration.get(r.user_id) is None
