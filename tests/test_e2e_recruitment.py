"""Organisations and their recruitment links, end to end through the fake Bot API against the real Application.

In a registered supervisors group, /undang registers an organisation for the group's region and posts its link
with a QR code (decoded back here with zxing-cpp to the exact link); a name registered already offers a new
link instead; strangers are refused. /organisasi lists the organisations of the region and below with their
verified and pending volunteers and each link's sign-ups; a link is revoked from it (chosen, then confirmed) and
resolves to None from then on. Payloads are unique, unguessable and within Telegram's 64 characters.
"""

from __future__ import annotations

import io
import re
from typing import Any

import zxingcpp
from PIL import Image

from bot.app import Pantau
from bot.volunteers.recruitment import PAYLOAD, new_payload
from bot.volunteers.status import VolunteerStatus
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import text_of_call
from tests.test_e2e_verification import (
    KOTA_JAMBI,
    MEMBER,
    PASAR_JAMBI,
    STRANGER,
    answer,
    data_of,
    labels,
    press,
    register,
    services_of,
    supervisors,
)

BOT = "pantau_test_bot"  # the fake's username (getMe)
LINK = re.compile(rf"https://t\.me/{BOT}\?start=(rel_[A-Za-z0-9_-]+)")


def decoded(call: ApiCall) -> str:
    """The text of the QR code in a sendPhoto's uploaded PNG."""
    photo = call.params["photo"]
    assert isinstance(photo, bytes) and photo.startswith(b"\x89PNG")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo)))
    assert len(results) == 1
    return str(results[0].text)


async def photo_in(fake: FakeTelegram, chat_id: int, after: int = 0) -> ApiCall:
    return await fake.wait_for("sendPhoto", chat_id=chat_id, after=after, predicate=lambda c: c.ok)


async def said(fake: FakeTelegram, chat_id: int, contains: str, after: int = 0) -> ApiCall:
    return await fake.wait_for(("sendMessage", "editMessageText"), chat_id=chat_id, after=after,
                               predicate=lambda c: c.ok and contains in text_of_call(c))


async def test_invite_registers_an_organisation_and_posts_its_link_as_a_qr_code(bot: Pantau, fake: FakeTelegram
                                                                               ) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)

    group.say(STRANGER, "/undang students BEM Universitas Jambi")
    fake.member_status(group.chat_id, STRANGER, "left", announce=False)  # sent, then left before it was handled
    await said(fake, group.chat_id, "Hanya anggota grup ini yang dapat mengelola organisasi", group.mark)
    assert await services.organisations.in_region(PASAR_JAMBI) == []

    group.say(MEMBER, "/undang")
    usage = await said(fake, group.chat_id, "/undang JENIS NAMA", group.mark)
    assert "<code>students</code>" in str(usage.params["text"])

    group.say(MEMBER, "/undang mahasiswa BEM Universitas Jambi")
    await said(fake, group.chat_id, "BEM Universitas Jambi terdaftar untuk Pasar Jambi, Kota Jambi, Jambi", group.mark)
    photo = await photo_in(fake, group.chat_id, group.mark)
    caption = text_of_call(photo)
    match = LINK.search(caption)
    assert match is not None and "BEM Universitas Jambi" in caption and "Mahasiswa" in caption
    assert decoded(photo) == match.group(0)  # the QR code is the exact link
    payload = match.group(1)
    assert PAYLOAD.fullmatch(payload) and len(payload) <= 64
    target = await services.recruitment.resolve(payload)
    [organisation] = await services.organisations.in_region(PASAR_JAMBI)
    assert target is not None and target.organisation_id == organisation.id and target.region_code == PASAR_JAMBI
    assert organisation.kind == "students" and organisation.created_by == f"group:{group.chat_id}:{MEMBER}"

    # The same name again: no second organisation, but a new link for it on request.
    group.say(MEMBER, "/undang okp bem universitas jambi")
    duplicate = await said(fake, group.chat_id, "sudah terdaftar", group.mark)
    message = fake.message(group.chat_id, duplicate.result["message_id"]) or {}
    assert labels(message) == ["🔗 Buat tautan baru untuk organisasi ini"]
    mark = fake.cursor()
    assert await answer(fake, press(fake, MEMBER, message, data_of(message, "tautan baru"))) == (
        "🔗 Tautan baru untuk BEM Universitas Jambi sedang dikirim.")
    second = await photo_in(fake, group.chat_id, mark)
    again = LINK.search(text_of_call(second))
    assert again is not None and again.group(1) != payload and decoded(second) == again.group(0)
    assert len(await services.organisations.in_region(PASAR_JAMBI)) == 1
    # A stranger cannot ask for one.
    assert await answer(fake, press(fake, STRANGER, message, data_of(message, "tautan baru"), "Orang Asing")) == (
        "Hanya anggota grup ini yang dapat mengelola organisasi dan tautan pendaftaran.")
    assert len(fake.calls("sendPhoto", group.chat_id)) == 2


async def test_organisations_lists_counts_and_sign_ups_and_a_revoked_link_registers_nobody(
    bot: Pantau, fake: FakeTelegram
) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Kota Jambi")
    await group.register(services, KOTA_JAMBI)
    bem, _ = await services.organisations.add("BEM Universitas Jambi", "students", KOTA_JAMBI, "test")
    okp, _ = await services.organisations.add("Karang Taruna Pasar", "okp", PASAR_JAMBI, "test")
    await services.organisations.add("Ormas Provinsi", "ormas", "15", "test")  # above the group: not listed
    link = await services.recruitment.create(bem.id, "test")
    old = await services.recruitment.create(bem.id, "test")
    volunteers = [await register(bot, fake, organisation=bem.id, link=link.id) for _ in range(3)]
    await register(bot, fake, organisation=bem.id, link=old.id)
    await register(bot, fake, organisation=okp.id, kind="okp")
    alone = await register(bot, fake, region="15.71.02")
    for row in (*volunteers[:2], alone):
        assert await services.volunteers.set_status(row.user_id, VolunteerStatus.VERIFIED, "test")

    group.say(STRANGER, "/organisasi")
    fake.member_status(group.chat_id, STRANGER, "left", announce=False)
    await said(fake, group.chat_id, "Hanya anggota grup ini", group.mark)
    group.say(MEMBER, "/organisasi")
    call = await said(fake, group.chat_id, "2 organisasi di Kota Jambi, Jambi", group.mark)
    text = text_of_call(call)
    assert "Ormas Provinsi" not in text
    bem_part, okp_part = text.split("Karang Taruna Pasar")
    assert "BEM Universitas Jambi" in bem_part and "✅ 2 terverifikasi · ⏳ 2 menunggu" in bem_part
    assert f"https://t.me/{BOT}?start={link.payload} · 3 pendaftar" in bem_part
    assert f"https://t.me/{BOT}?start={old.payload} · 1 pendaftar" in bem_part
    assert "✅ 0 terverifikasi · ⏳ 1 menunggu" in okp_part
    assert "Relawan perorangan: ✅ 1 terverifikasi · ⏳ 0 menunggu" in okp_part
    listing: dict[str, Any] = fake.message(group.chat_id, call.result["message_id"]) or {}
    assert labels(listing) == ["🔗 Tautan baru: BEM Universitas Jambi", "🚫 Cabut: BEM Universitas Jambi",
                               "🔗 Tautan baru: Karang Taruna Pasar"]

    # Revoking: the organisation's links, then one, then a confirmation.
    assert await answer(fake, press(fake, STRANGER, listing, data_of(listing, "Cabut"), "Orang Asing")) == (
        "Hanya anggota grup ini yang dapat mengelola organisasi dan tautan pendaftaran.")
    press(fake, MEMBER, listing, data_of(listing, "Cabut"))
    choose = await fake.wait_for("editMessageReplyMarkup", chat_id=group.chat_id, after=0)
    listing = fake.message(group.chat_id, listing["message_id"]) or {}
    assert labels(listing) == [f"🚫 rel_…{link.payload[-5:]} (3 pendaftar)", f"🚫 rel_…{old.payload[-5:]} (1 pendaftar)",
                               "↩️ Batal"]
    press(fake, MEMBER, listing, data_of(listing, link.payload[-5:]))
    await fake.wait_for("editMessageReplyMarkup", chat_id=group.chat_id, after=choose.seq)
    listing = fake.message(group.chat_id, listing["message_id"]) or {}
    assert labels(listing) == ["✅ Ya, cabut", "↩️ Batal"]
    assert await services.recruitment.resolve(link.payload) is not None  # not yet
    confirmed = press(fake, MEMBER, listing, data_of(listing, "Ya, cabut"))
    assert await answer(fake, confirmed) == (
        f"🚫 Tautan rel_…{link.payload[-5:]} milik BEM Universitas Jambi sudah dicabut.")
    edited = await said(fake, group.chat_id, "dicabut · 3 pendaftar")
    assert f"start={link.payload}" not in text_of_call(edited) and f"start={old.payload}" in text_of_call(edited)
    assert await services.recruitment.resolve(link.payload) is None
    assert await services.recruitment.resolve(old.payload) is not None
    # The same confirmation pressed again (a double tap) revokes nothing more.
    assert await answer(fake, press(fake, MEMBER, listing, data_of(listing, "Ya, cabut"))) == (
        "Tautan ini sudah dicabut.")


async def test_a_group_acts_only_on_organisations_of_its_region(bot: Pantau, fake: FakeTelegram) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    elsewhere, _ = await services.organisations.add("BEM Telanaipura", "students", "15.71.01", "test")
    group.say(MEMBER, "/organisasi")
    call = await said(fake, group.chat_id, "Belum ada organisasi terdaftar untuk Pasar Jambi", group.mark)
    listing = fake.message(group.chat_id, call.result["message_id"]) or {}
    forged = {**listing, "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": f"1|rlnew|{elsewhere.id}"}]]}}
    assert await answer(fake, press(fake, MEMBER, forged, f"1|rlnew|{elsewhere.id}")) == (
        "Organisasi ini bukan bagian dari wilayah grup ini.")
    assert fake.calls("sendPhoto", group.chat_id) == []


async def test_a_revoked_or_unknown_link_resolves_to_none_and_payloads_are_unique(bot: Pantau, fake: FakeTelegram
                                                                                  ) -> None:
    services = services_of(bot)
    organisation, _ = await services.organisations.add("Pemantau Jambi", "observer", KOTA_JAMBI, "test")
    links = [await services.recruitment.create(organisation.id, "test") for _ in range(50)]
    payloads = {link.payload for link in links} | {new_payload() for _ in range(2000)}
    assert len(payloads) == 2050
    assert all(PAYLOAD.fullmatch(p) and len(p) <= 64 and len(p) == 36 for p in payloads)
    revoked = await services.recruitment.revoke(links[0].id)
    assert await services.recruitment.resolve(revoked.payload) is None
    assert await services.recruitment.resolve(links[1].payload) is not None
    assert await services.recruitment.resolve("rel_" + "A" * 32) is None  # well-formed, unknown
    assert await services.recruitment.resolve("rel_short") is None
    assert await services.recruitment.resolve(links[1].payload + "x" * 40) is None
