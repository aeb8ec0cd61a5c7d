"""A volunteer's whole journey through the real bot, every part real (no stub): a supervisors group invites an
organisation (/undang) and gets its recruitment link as a QR code; a student opens the link decoded from that
QR code and registers; the verification card reaches the group with no name or phone; a member verifies; the
volunteer is told; the group sends a task (/tugas) that reaches the volunteer, who accepts it, and the card
counts the acceptance; /organisasi counts the link's sign-up and the verified volunteer.
"""

from __future__ import annotations

from bot.app import Pantau
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, text_of_call
from tests.test_e2e_recruitment import LINK, decoded, photo_in, said
from tests.test_e2e_tasks import bot_message, refreshed_card, tap
from tests.test_e2e_verification import MEMBER, PASAR_JAMBI, card_in, data_of, press, services_of, supervisors

NAME, PHONE = "Dewi Lestari Siregar", "+62 812 7777 1234"


async def test_invited_registered_verified_tasked_and_accepted(bot: Pantau, fake: FakeTelegram) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Panwascam Pasar Jambi")
    await group.register(services, PASAR_JAMBI)

    # The group invites an organisation and gets its link as a QR code.
    group.say(MEMBER, "/undang mahasiswa BEM Universitas Jambi")
    photo = await photo_in(fake, group.chat_id, group.mark)
    link = decoded(photo)
    match = LINK.fullmatch(link)
    assert match is not None and link in text_of_call(photo)

    # A student scans it: Telegram sends /start with the link's payload.
    student = Reporter(fake, first_name="Dewi")
    student.say(f"/start {match.group(1)}")
    first = await student.expect("Langkah 1 dari 7")
    assert "BEM Universitas Jambi" in first
    student.say(NAME)
    await student.expect("Langkah 2 dari 7")
    student.say("Pasar Jambi")
    await student.expect("Pilih kecamatan Anda")
    student.tap("Pasar Jambi, Kota Jambi")
    await student.expect("Langkah 3 dari 7")
    student.tap("Lewati")
    await student.expect("Langkah 4 dari 7")
    student.say(PHONE)
    await student.expect("Langkah 5 dari 7")
    student.tap("Saya menyatakan")
    await student.expect("Langkah 6 dari 7")
    student.tap("Saya setuju")
    await student.expect("Langkah 7 dari 7")
    student.tap("Kirim pendaftaran")
    await student.expect("Pendaftaran relawan Anda sudah kami terima")

    # The card reaches the group, without the volunteer's name or phone; a member verifies.
    card = await card_in(fake, group.chat_id)
    assert "BEM Universitas Jambi" in card["text"]
    for secret in (NAME, "Dewi", "7777", "1234"):
        assert secret not in card["text"]
    press(fake, MEMBER, card, data_of(card, "Verifikasi"))
    await student.expect("sudah diverifikasi")
    volunteer = await services.volunteers.get(student.user_id)
    assert volunteer is not None and volunteer.status == "verified" and volunteer.link_id is not None

    # The group's task reaches the volunteer, who accepts it; the card counts it.
    group.say(MEMBER, "/tugas Pantau kedatangan logistik di PPK Pasar Jambi malam ini.")
    tap(fake, group, MEMBER, await bot_message(fake, group, "lampiran"), "Lewati")
    tap(fake, group, MEMBER, await bot_message(fake, group, "ke wilayah mana"), "Seluruh Pasar Jambi")
    tap(fake, group, MEMBER, await bot_message(fake, group, "siapa yang menerima"), "Semua relawan")
    tap(fake, group, MEMBER, await bot_message(fake, group, "batas waktu"), "Lewati")
    tap(fake, group, MEMBER, await bot_message(fake, group, "tempat (opsional)"), "Lewati")
    tap(fake, group, MEMBER, await bot_message(fake, group, "laporan hasil?"), "Tidak perlu")
    review = await bot_message(fake, group, "Kirim?")
    assert "Ini akan dikirim ke 1 relawan. Kirim?" in review["text"]
    tap(fake, group, MEMBER, review, "Kirim")
    await bot_message(fake, group, "Tugas #1")
    await student.expect("Pantau kedatangan logistik")
    student.tap("Terima")
    await student.expect("Anda menerima tugas ini")
    await refreshed_card(fake, services, group, "Diterima: 1")

    # /organisasi counts the link's sign-up and the verified volunteer.
    mark = fake.cursor()
    group.say(MEMBER, "/organisasi")
    listing = text_of_call(await said(fake, group.chat_id, "BEM Universitas Jambi", mark))
    assert "✅ 1 terverifikasi · ⏳ 0 menunggu" in listing and f"{link} · 1 pendaftar" in listing
    assert NAME not in listing
    for call in fake.calls("sendMessage", group.chat_id) + fake.calls("editMessageText", group.chat_id):
        assert NAME not in text_of_call(call) and "7777" not in text_of_call(call)
