"""Verifying volunteers, end to end through the fake Bot API against the real Application.

A pending registration (made as the registration conversation makes it: `volunteers.register` and
`verification.registered` in one transaction) puts a card in the supervisors group of the volunteer's region, or
of the nearest region above with one, showing a reference and never the volunteer's name or phone. Only the
group's members decide; a double tap or two members at once change the status once; rejection, suspension and
reactivation; the volunteer told each change in their language; 🔎 Identitas to the presser's private chat,
logged; a coordinator's card in their private chat, and a coordinator of another organisation refused. Every
wait is on a call the bot made; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.app import Pantau
from bot.kernel.services import Services
from bot.volunteers.verification import Decider, Verdict
from storage.volunteers.volunteers import NewVolunteer, VolunteerRow
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import Group, text_of_call

PASAR_JAMBI, TELANAIPURA, KOTA_JAMBI = "15.71.04", "15.71.01", "15.71"
BERINGIN = "15.71.04.1001"  # a kelurahan of Pasar Jambi
MEMBER, MEMBER_NAME = 940_001, "Rina"
OTHER_MEMBER, OTHER_MEMBER_NAME = 940_002, "Yusuf"
STRANGER = 940_003
NAME, PHONE = "Dewi Lestari Maharani", "+6281234567890"
MEMBERS_ONLY = "Hanya anggota grup ini yang dapat memverifikasi relawan."
_volunteer_ids = iter(range(950_001, 960_000))


def services_of(bot: Pantau) -> Services:
    assert bot.services is not None
    return bot.services


def supervisors(fake: FakeTelegram, title: str) -> Group:
    group = Group(fake, title)
    for user_id in (MEMBER, OTHER_MEMBER):
        fake.member_status(group.chat_id, user_id, "member", announce=False)
    fake.ensure_chat(MEMBER, first_name=MEMBER_NAME)  # Rina started the bot once; Yusuf did not
    return group


async def register(bot: Pantau, fake: FakeTelegram, *, region: str = PASAR_JAMBI, organisation: int | None = None,
                   kind: str = "students", link: int | None = None, phone_checked: bool = True,
                   user_id: int | None = None, name: str = NAME, phone: str = PHONE) -> VolunteerRow:
    """A complete registration, stored and announced as the registration conversation does it."""
    services = services_of(bot)
    uid = user_id if user_id is not None else next(_volunteer_ids)
    fake.ensure_chat(uid, first_name=name.split()[0])  # they are in the middle of a conversation with the bot
    new = NewVolunteer(uid, uid, name, organisation, kind, region, phone, phone_checked, "2026-01", link)
    async with services.db.transaction() as tx:
        row = await services.volunteers.register(new, tx)
        await services.verification.registered(tx, row)
    assert services.outbox_worker is not None
    services.outbox_worker.notify()
    return row


async def card_in(fake: FakeTelegram, chat_id: int, ref: str = "REL-") -> dict[str, Any]:
    """The verification card the bot posted in a chat (as it is now)."""
    call = await fake.wait_for("sendMessage", chat_id=chat_id, after=0,
                               predicate=lambda c: c.ok and ref in text_of_call(c) and "relawan" in text_of_call(c))
    message = fake.message(chat_id, call.result["message_id"])
    assert message is not None
    return message


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def data_of(message: dict[str, Any], label: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no {label!r} on {labels(message)}")


def press(fake: FakeTelegram, user_id: int, message: dict[str, Any], data: str, name: str = MEMBER_NAME
          ) -> dict[str, Any]:
    return fake.press(user_id, message, data, check=False, first_name=name)


async def answer(fake: FakeTelegram, update: dict[str, Any]) -> str:
    query_id = update["callback_query"]["id"]
    call = await fake.wait_for("answerCallbackQuery", after=0,
                               predicate=lambda c: c.params.get("callback_query_id") == query_id)
    return str(call.params.get("text") or "")


async def edited(fake: FakeTelegram, chat_id: int, message_id: int, contains: str, after: int = 0) -> ApiCall:
    return await fake.wait_for("editMessageText", chat_id=chat_id, after=after,
                               predicate=lambda c: c.ok and c.params.get("message_id") == message_id
                               and contains in text_of_call(c))


async def told(fake: FakeTelegram, volunteer: VolunteerRow, contains: str) -> list[str]:
    """Every message the volunteer got, once one containing `contains` arrived."""
    await fake.wait_for("sendMessage", chat_id=volunteer.chat_id, after=0,
                        predicate=lambda c: c.ok and contains in text_of_call(c))
    return [text_of_call(c) for c in fake.calls("sendMessage", volunteer.chat_id) if c.ok]


async def status_events(bot: Pantau, user_id: int) -> list[tuple[str, str]]:
    rows = await services_of(bot).db.fetchall(
        "SELECT status, actor FROM volunteer_events WHERE user_id = ? ORDER BY id", (user_id,))
    return [(r["status"], r["actor"]) for r in rows]


# ---- the card ----------------------------------------------------------------------------------------


async def test_the_card_goes_to_the_group_of_the_region_or_above_and_never_names_the_volunteer(
    bot: Pantau, fake: FakeTelegram
) -> None:
    services = services_of(bot)
    pasar_jambi = supervisors(fake, "Pengawas Pasar Jambi")
    await pasar_jambi.register(services, PASAR_JAMBI)
    telanaipura = supervisors(fake, "Pengawas Telanaipura")
    await telanaipura.register(services, TELANAIPURA)
    kota = supervisors(fake, "Pengawas Kota Jambi")
    await kota.register(services, KOTA_JAMBI)
    org, _ = await services.organisations.add("BEM Universitas Jambi", "students", KOTA_JAMBI, "test")

    in_beringin = await register(bot, fake, region=BERINGIN, organisation=org.id)
    card = await card_in(fake, pasar_jambi.chat_id)
    text = card["text"]
    assert "REL-0001" in text and "BEM Universitas Jambi" in text and "Mahasiswa" in text
    assert "Beringin, Pasar Jambi, Kota Jambi, Jambi" in text
    assert "diperiksa dengan tombol kontak Telegram" in text and "WIB" in text
    assert NAME not in text and "Dewi" not in text and PHONE not in text and "81234567890" not in text
    assert str(in_beringin.user_id) not in text and str(in_beringin.user_id) not in str(card["reply_markup"])
    assert labels(card) == ["✅ Verifikasi", "❌ Tolak", "🔎 Identitas"]

    # Danau Teluk (15.71.02) has no group of its own: the card goes one level up, to Kota Jambi's group.
    typed = await register(bot, fake, region="15.71.02", kind="okp", phone_checked=False)
    card = await card_in(fake, kota.chat_id, "REL-0002")
    assert "perorangan" in card["text"] and "Organisasi kepemudaan" in card["text"]
    assert "diketik sendiri, belum diperiksa" in card["text"] and PHONE not in card["text"]
    assert typed.status == "pending"
    # Nothing went to the groups of other regions, and no group message anywhere names a volunteer.
    assert [m for m in fake.messages_to(telanaipura.chat_id) if "REL-" in str(m.get("text"))] == []
    assert [m for m in fake.messages_to(kota.chat_id) if "REL-0001" in str(m.get("text"))] == []
    for group in (pasar_jambi, telanaipura, kota):
        assert not [t for t in group.texts() if NAME in t or PHONE in t]


# ---- deciding ----------------------------------------------------------------------------------------


async def test_a_member_verifies_a_stranger_is_refused_and_the_volunteer_is_told(bot: Pantau, fake: FakeTelegram
                                                                                ) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    volunteer = await register(bot, fake)
    card = await card_in(fake, group.chat_id)

    refused = press(fake, STRANGER, card, data_of(card, "Verifikasi"), name="Orang Asing")
    assert await answer(fake, refused) == MEMBERS_ONLY
    again = await services.volunteers.get(volunteer.user_id)
    assert again is not None and again.status == "pending"

    pressed = press(fake, MEMBER, card, data_of(card, "Verifikasi"))
    assert await answer(fake, pressed) == "✅ REL-0001 terverifikasi."
    await edited(fake, group.chat_id, card["message_id"], "terverifikasi oleh Rina")
    assert labels(fake.message(group.chat_id, card["message_id"]) or {}) == ["⏸ Tangguhkan", "🔎 Identitas"]
    texts = await told(fake, volunteer, "sudah diverifikasi")
    assert texts == [texts[-1]] and "(perorangan)" in texts[-1]  # one notice, in Indonesian
    assert await status_events(bot, volunteer.user_id) == [
        ("pending", "self"), ("verified", f"group:{group.chat_id}:{MEMBER}")]
    refusals = await services.db.fetchall("SELECT user_id FROM refused_attempts WHERE chat_id = ?", (group.chat_id,))
    assert [r["user_id"] for r in refusals] == [STRANGER]


async def test_a_double_tap_and_two_members_at_once_change_the_status_once(bot: Pantau, fake: FakeTelegram) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    volunteer = await register(bot, fake)
    card = await card_in(fake, group.chat_id)
    verify = data_of(card, "Verifikasi")

    first = press(fake, MEMBER, card, verify)
    second = press(fake, MEMBER, card, verify)  # the same card, as it was: a double tap
    third = press(fake, OTHER_MEMBER, card, data_of(card, "Tolak"), name=OTHER_MEMBER_NAME)  # another member, at once
    assert await answer(fake, first) == "✅ REL-0001 terverifikasi."
    assert await answer(fake, second) == "REL-0001 sudah diverifikasi oleh Rina."
    assert await answer(fake, third) == "REL-0001 sudah diverifikasi oleh Rina."
    await told(fake, volunteer, "sudah diverifikasi")
    assert await status_events(bot, volunteer.user_id) == [
        ("pending", "self"), ("verified", f"group:{group.chat_id}:{MEMBER}")]
    current = await services.volunteers.get(volunteer.user_id)
    assert current is not None and current.status == "verified"
    notices = await services.db.fetchall("SELECT 1 FROM outbox WHERE chat_id = ? AND kind = 'vv_notice'",
                                         (volunteer.chat_id,))
    assert len(notices) == 1

    # Two deciders truly at once (not one group's updates in turn): the transaction decides, once.
    both = await register(bot, fake)
    ref = await services.verification.repo.known_ref(both.user_id)
    assert ref is not None
    outcomes = await asyncio.gather(
        services.verification.decide(ref, Verdict.VERIFY, Decider(MEMBER, MEMBER_NAME, group.chat_id)),
        services.verification.decide(ref, Verdict.REJECT, Decider(OTHER_MEMBER, OTHER_MEMBER_NAME, group.chat_id)),
    )
    assert sorted(o.changed for o in outcomes) == [False, True]
    assert outcomes[0].volunteer == outcomes[1].volunteer  # both see the one result
    assert [s for s, _ in await status_events(bot, both.user_id)] == ["pending", outcomes[0].volunteer.status]


async def test_rejection_in_english_suspension_and_reactivation_in_indonesian(bot: Pantau, fake: FakeTelegram) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)

    english = await register(bot, fake)
    await services.users.set_locale(english.user_id, "en")
    card = await card_in(fake, group.chat_id, "REL-0001")
    assert await answer(fake, press(fake, MEMBER, card, data_of(card, "Tolak"))) == "❌ REL-0001 ditolak."
    await edited(fake, group.chat_id, card["message_id"], "ditolak oleh Rina")
    assert labels(fake.message(group.chat_id, card["message_id"]) or {}) == ["🔎 Identitas"]
    texts = await told(fake, english, "could not be accepted")
    assert texts == ["We are sorry, your volunteer registration (individual) could not be accepted. If you think this"
                     " is a mistake, contact your local Bawaslu or your organisation's coordinator."]

    indonesian = await register(bot, fake)
    card = await card_in(fake, group.chat_id, "REL-0002")
    await answer(fake, press(fake, MEMBER, card, data_of(card, "Verifikasi")))
    await edited(fake, group.chat_id, card["message_id"], "terverifikasi")
    card = fake.message(group.chat_id, card["message_id"]) or {}
    assert await answer(fake, press(fake, OTHER_MEMBER, card, data_of(card, "Tangguhkan"), name=OTHER_MEMBER_NAME)
                        ) == "⏸ REL-0002 ditangguhkan."
    await edited(fake, group.chat_id, card["message_id"], "ditangguhkan oleh Yusuf")
    card = fake.message(group.chat_id, card["message_id"]) or {}
    assert labels(card) == ["▶️ Aktifkan lagi", "🔎 Identitas"]
    await told(fake, indonesian, "ditangguhkan untuk sementara")
    assert await answer(fake, press(fake, MEMBER, card, data_of(card, "Aktifkan"))) == "✅ REL-0002 terverifikasi."
    await edited(fake, group.chat_id, card["message_id"], "terverifikasi oleh Rina")
    texts = await told(fake, indonesian, "aktif kembali")
    assert len(texts) == 3 and "sudah diverifikasi" in texts[0] and "ditangguhkan" in texts[1]
    assert [s for s, _ in await status_events(bot, indonesian.user_id)] == ["pending", "verified", "suspended",
                                                                            "verified"]
    # Suspending needs a verified volunteer: ⏸ on the rejected one's card (forged) changes nothing.
    forged = press(fake, MEMBER, card, data_of(card, "Aktifkan").replace("vvre", "vvsu").replace("|2", "|1"))
    assert await answer(fake, forged) == "REL-0001 sudah ditolak oleh Rina."
    rejected = await services.volunteers.get(english.user_id)
    assert rejected is not None and rejected.status == "rejected"


async def test_the_identity_goes_to_the_members_private_chat_and_every_look_is_logged(
    bot: Pantau, fake: FakeTelegram
) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    volunteer = await register(bot, fake)
    card = await card_in(fake, group.chat_id)
    identity = data_of(card, "Identitas")

    assert await answer(fake, press(fake, MEMBER, card, identity)) == (
        "🔎 Identitasnya sudah dikirim ke chat pribadi Anda dengan bot.")
    call = await fake.wait_for("sendMessage", chat_id=MEMBER, after=0,
                               predicate=lambda c: c.ok and "REL-0001" in text_of_call(c))
    assert NAME in text_of_call(call) and PHONE in text_of_call(call)

    fake.block(OTHER_MEMBER)  # never started the bot (or blocked it)
    assert await answer(fake, press(fake, OTHER_MEMBER, card, identity, name=OTHER_MEMBER_NAME)) == (
        "Bot belum dapat mengirim pesan kepada Anda. Buka chat pribadi dengan bot, tekan Mulai, lalu tekan"
        " 🔎 Identitas lagi.")
    assert await answer(fake, press(fake, STRANGER, card, identity, name="Orang Asing")) == MEMBERS_ONLY
    views = await services.verification.repo.identity_views(volunteer.user_id)
    assert [(v.viewer_user_id, v.chat_id, v.via, v.outcome) for v in views] == [
        (MEMBER, group.chat_id, "card", "sent"), (OTHER_MEMBER, group.chat_id, "card", "unreachable")]
    assert not [c for c in fake.calls("sendMessage", STRANGER) if c.ok]
    assert not [t for t in group.texts() if NAME in t or PHONE in t]  # nothing went to the group


# ---- coordinators ------------------------------------------------------------------------------------


def private_card(fake: FakeTelegram, user_id: int, data_from: dict[str, Any]) -> dict[str, Any]:
    """A message in a user's private chat carrying another card's buttons (a forged press)."""
    return {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private", "first_name": "X"},
            "from": {"id": fake.bot_id, "is_bot": True, "first_name": "Pantau"}, "text": "REL",
            "reply_markup": data_from.get("reply_markup")}


async def test_a_coordinator_verifies_their_organisations_volunteer_and_no_other(bot: Pantau, fake: FakeTelegram
                                                                                ) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    bem, _ = await services.organisations.add("BEM Universitas Jambi", "students", KOTA_JAMBI, "test")
    okp, _ = await services.organisations.add("Karang Taruna Jambi", "okp", KOTA_JAMBI, "test")
    coordinators = []
    for org, name in ((bem, "Budi"), (okp, "Sari")):
        row = await register(bot, fake, organisation=org.id, name=f"{name} Koordinator")
        assert await services.volunteers.set_status(row.user_id, _verified(), "test")
        coordinators.append(row)
    budi, sari = coordinators
    link = await services.recruitment.create(bem.id, "test", coordinator_user_id=budi.user_id)
    assert (await services.volunteers.get(budi.user_id) or budi).coordinator  # naming made them coordinator
    await services.recruitment.create(okp.id, "test", coordinator_user_id=sari.user_id)

    volunteer = await register(bot, fake, organisation=bem.id, link=link.id)
    ref = "REL-0003"
    mine = await card_in(fake, budi.chat_id, ref)
    assert labels(mine) == ["✅ Verifikasi", "❌ Tolak"]  # no ⏸, no 🔎
    assert NAME in mine["text"] and PHONE not in mine["text"]  # they recognise their member; never the phone
    group_card = await card_in(fake, group.chat_id, ref)
    assert NAME not in group_card["text"]

    # A coordinator of another organisation, pressing the same button (forged into their own chat): refused.
    forged = press(fake, sari.user_id, private_card(fake, sari.user_id, mine), data_of(mine, "Verifikasi"), "Sari")
    assert await answer(fake, forged) == "Koordinator hanya dapat memverifikasi relawan dari organisasinya sendiri."
    # So is ⏸ from the coordinator's own chat: a coordinator only verifies or rejects.
    suspend = data_of(group_card, "Verifikasi").replace("vvok", "vvsu")
    assert await answer(fake, press(fake, budi.user_id, mine, suspend, "Budi")) == (
        "Anda tidak dapat memutuskan pendaftaran ini dari sini.")
    pending = await services.volunteers.get(volunteer.user_id)
    assert pending is not None and pending.status == "pending"

    assert await answer(fake, press(fake, budi.user_id, mine, data_of(mine, "Verifikasi"), "Budi")) == (
        f"✅ {ref} terverifikasi.")
    await edited(fake, budi.chat_id, mine["message_id"], "terverifikasi oleh koordinator REL-0001")
    # The group's copy is edited too, and a member's later press is told who was first.
    await edited(fake, group.chat_id, group_card["message_id"], "terverifikasi oleh koordinator REL-0001")
    assert not [t for t in group.texts() if "Budi" in t]  # a coordinator is a volunteer: shown by reference
    late = press(fake, MEMBER, group_card, data_of(group_card, "Tolak"))
    assert await answer(fake, late) == f"{ref} sudah diverifikasi oleh koordinator REL-0001."
    assert (await status_events(bot, volunteer.user_id))[-1] == ("verified", f"coordinator:{budi.user_id}")
    await told(fake, volunteer, "sudah diverifikasi")

    # A coordinator who no longer is one (checked on every press) decides nothing.
    other = await register(bot, fake, organisation=bem.id, link=link.id)
    theirs = await card_in(fake, budi.chat_id, "REL-0004")
    await services.volunteers.repo.set_coordinator(budi.user_id, False)
    assert await answer(fake, press(fake, budi.user_id, theirs, data_of(theirs, "Tolak"), "Budi")) == (
        "Koordinator hanya dapat memverifikasi relawan dari organisasinya sendiri.")
    still = await services.volunteers.get(other.user_id)
    assert still is not None and still.status == "pending"


def _verified() -> Any:
    from bot.volunteers.status import VolunteerStatus

    return VolunteerStatus.VERIFIED


async def test_the_notice_of_a_volunteer_of_an_organisation_named_with_html_characters_arrives(
    bot: Pantau, fake: FakeTelegram
) -> None:
    services = services_of(bot)
    group = supervisors(fake, "Pengawas Pasar Jambi")
    await group.register(services, PASAR_JAMBI)
    organisation, _ = await services.organisations.add("BEM <FH> & FE Unja", "students", "15.71", "test")
    volunteer = await register(bot, fake, organisation=organisation.id)
    card = await card_in(fake, group.chat_id)
    assert "BEM <FH> & FE Unja" in card["text"]
    press(fake, MEMBER, card, data_of(card, "Verifikasi"))
    texts = await told(fake, volunteer, "sudah diverifikasi")
    assert "(BEM <FH> & FE Unja)" in texts[-1]
