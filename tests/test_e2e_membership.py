"""Only current members of a group act on its cases, end to end through the fake Bot API.

A person who is not a member of the group a card was posted in (they left, or only read a public supergroup)
is refused on every triage button, on the 📂 buttons, on replies to the bot's prompts and on /kasus and
/antrian, and nothing changes. A Gakkumdu group may ask the reporter for more (❓ Minta info) and gets the
answer. ⛔ Tolak asks once before rejecting. The admin chat may be a private chat with an operator.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.app import Pantau
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import Group, Reporter, text_of_call
from tests.test_e2e_triage import (
    FLAG,
    KOTA_JAMBI,
    PASAR_JAMBI,
    alert_of,
    answered,
    buttons_edited,
    card_edited,
    case_of,
    current,
    data_of,
    delivered_card,
    events_of,
    keyboard,
    labels,
    reply_target,
    report,
    sent,
    services_of,
)

MEMBER, MEMBER_NAME = 920_001, "Rina"
PROBER = 920_002  # another member, whose /antrian shows that the group's earlier updates were handled
STRANGER, STRANGER_NAME = 920_003, "Orang Asing"
GAKKUMDU_MEMBER = 920_004
OPERATOR = 930_001
MEMBERS_ONLY = "Hanya anggota grup ini yang dapat menindaklanjuti kasusnya."
VIEW_MEMBERS_ONLY = "Hanya anggota grup ini yang dapat melihat kasusnya."
NOT_ALLOWED = "Anda tidak dapat menindaklanjuti kasus ini dari sini"


def group_of_members(fake: FakeTelegram, title: str, *members: int) -> Group:
    group = Group(fake, title)
    for user_id in members:
        fake.member_status(group.chat_id, user_id, "member", announce=False)
    return group


def press_as(fake: FakeTelegram, user_id: int, message: dict[str, Any], label: str, name: str = MEMBER_NAME
             ) -> dict[str, Any]:
    now = current(fake, message)
    return fake.press(user_id, now, data_of(now, label), first_name=name)


def member_checks(fake: FakeTelegram, chat_id: int, user_id: int) -> list[ApiCall]:
    return [c for c in fake.calls("getChatMember", chat_id) if c.params.get("user_id") == user_id]


async def outbox_rows(pantau: Pantau) -> int:
    row = await services_of(pantau).db.fetchone("SELECT COUNT(*) AS n FROM outbox")
    assert row is not None
    return int(row["n"])


async def probe(group: Group) -> int:
    """A member's /antrian in the group, answered; its seq. A chat's updates are handled in order, so the bot
    has finished with everything the group sent before."""
    group.say(PROBER, "/antrian")
    call = await group.fake.wait_for("sendMessage", chat_id=group.chat_id, after=group.mark,
                                     predicate=lambda c: c.ok and ("kasus terbuka" in text_of_call(c)
                                                                   or "Tidak ada kasus" in text_of_call(c)))
    return call.seq


def reactions(fake: FakeTelegram, chat_id: int, after: int, before: int) -> list[str]:
    """What the bot did in a chat between two points, apart from asking who is a member."""
    return [c.short() for c in fake.calls(chat_id=chat_id) if after < c.seq < before and c.method != "getChatMember"]


# ---- the stranger who pressed ✋ Tangani -----------------------------------------------------------------


async def test_a_user_who_left_the_group_cannot_claim_and_nothing_changes(
    fake: FakeTelegram, bot: Pantau, caplog: pytest.LogCaptureFixture
) -> None:
    services = services_of(bot)
    kec = group_of_members(fake, "Panwascam Pasar Jambi", MEMBER, PROBER)
    await kec.register(services, PASAR_JAMBI)
    reporter, code = await report(fake)
    card = await delivered_card(fake, kec.chat_id, code)
    fake.member_status(kec.chat_id, STRANGER, "left", announce=False)
    await probe(kec)
    rows = await outbox_rows(bot)

    caplog.set_level(logging.WARNING, logger="bot.supervision.membership")
    mark = reporter.mark = fake.cursor()
    update = press_as(fake, STRANGER, card, "Tangani", STRANGER_NAME)
    assert await alert_of(fake, update) == MEMBERS_ONLY
    done = await probe(kec)

    case = await case_of(bot, code)
    assert (case.status, case.handler_name, case.last_actor_name) == ("received", None, None)
    assert await events_of(bot, code) == []
    assert current(fake, card) == card
    assert reactions(fake, kec.chat_id, mark, done) == []
    assert [c.params.get("user_id") for c in fake.calls("getChatMember", kec.chat_id) if c.seq > mark] == [STRANGER]
    assert reporter.texts_since_mark() == []
    assert await outbox_rows(bot) == rows + 1  # the probe's own answer, queued like every group reply
    case_id = (await case_of(bot, code)).id
    assert await services.supervision.repo.refusals(kec.chat_id) == [(STRANGER, "press", "claim", case_id, "left")]
    assert [r.levelno for r in caplog.records if str(STRANGER) in r.getMessage()] == [logging.WARNING]

    # A member still claims it; the card names them, not the stranger.
    mark = fake.cursor()
    press_as(fake, MEMBER, card, "Tangani")
    claimed = await card_edited(fake, card, "ditangani", mark)
    assert MEMBER_NAME in claimed["text"] and STRANGER_NAME not in claimed["text"]


async def test_who_left_is_refused_everywhere_once_telegram_says_so(fake: FakeTelegram, bot: Pantau) -> None:
    """Buttons, 📂, a prompt's reply, /kasus and /antrian. A member's answer is kept for a short while; the
    chat_member update of their leaving drops it, so the very next press is refused."""
    services = services_of(bot)
    kec = group_of_members(fake, "Panwascam Pasar Jambi", MEMBER, PROBER)
    await kec.register(services, PASAR_JAMBI)
    reporter, code = await report(fake)
    card = await delivered_card(fake, kec.chat_id, code)

    mark = fake.cursor()
    press_as(fake, MEMBER, card, "Tangani")
    await card_edited(fake, card, "ditangani", mark)
    press_as(fake, MEMBER, card, "Minta info")
    prompt = await sent(fake, kec.chat_id, "balas pesan ini dengan pertanyaan", mark)
    assert len(member_checks(fake, kec.chat_id, MEMBER)) == 1  # the second press used the kept answer
    kec.say(PROBER, "/antrian")
    queue = await sent(fake, kec.chat_id, "kasus terbuka", kec.mark)

    fake.member_status(kec.chat_id, MEMBER, "left")  # with the chat_member update
    await probe(kec)
    rows = await outbox_rows(bot)
    mark = reporter.mark = fake.cursor()
    for label in ("Registrasi", "Teruskan", "Selesai", "Tolak", "Duplikat", "Minta info"):
        assert await alert_of(fake, press_as(fake, MEMBER, card, label)) == MEMBERS_ONLY, label
    opened = fake.press(MEMBER, current(fake, queue), data_of(queue, code))  # 📂 of /antrian
    assert await alert_of(fake, opened) == MEMBERS_ONLY
    assert len(member_checks(fake, kec.chat_id, MEMBER)) == 1 + 7  # asked again each time

    kec.say(MEMBER, "Ada saksi lain?", reply_to_message_id=prompt["message_id"], first_name=MEMBER_NAME)
    fake.member_status(kec.chat_id, MEMBER, "left", announce=False)  # sent, then left before it was handled
    assert await kec.expect(MEMBERS_ONLY) == MEMBERS_ONLY
    for command in (f"/kasus {code}", "/antrian"):
        kec.say(MEMBER, command, first_name=MEMBER_NAME)
        fake.member_status(kec.chat_id, MEMBER, "left", announce=False)
        await probe(kec)  # a chat's updates are handled in order: the command was refused before this answer
    done = await probe(kec)
    # Both commands were refused and recorded, but the same person is told so at most once a minute.
    assert [(user, attempt, action) for user, attempt, action, _, _ in await services.supervision.repo.refusals(
        kec.chat_id)][-2:] == [(MEMBER, "command", "kasus"), (MEMBER, "command", "antrian")]

    case = await case_of(bot, code)
    assert (case.status, case.handler_name) == ("claimed", MEMBER_NAME)
    assert await events_of(bot, code) == [("claim", MEMBER_NAME, "received", "claimed")]
    assert await outbox_rows(bot) == rows + 1 + 3  # the one refusal, and the three probes' answers
    assert reporter.texts_since_mark() == []
    sent_there = [c.short() for c in fake.calls(chat_id=kec.chat_id) if mark < c.seq < done
                  and c.method not in ("getChatMember", "sendMessage")]
    assert sent_there == []  # no card edited, no card opened
    texts = [text_of_call(c) for c in fake.calls("sendMessage", kec.chat_id) if mark < c.seq < done]
    assert [text for text in texts if "kasus terbuka" not in text] == [MEMBERS_ONLY]
    refused = await services.supervision.repo.refusals(kec.chat_id)
    assert [(kind, action) for _, kind, action, _, _ in refused] == [
        ("press", "register"), ("press", "forward"), ("press", "done"), ("press", "reject"),
        ("press", "duplicate"), ("press", "ask"), ("press", "open"), ("reply", "question"),
        ("command", "kasus"), ("command", "antrian")]

    # Back in the group, they may act again.
    fake.member_status(kec.chat_id, MEMBER, "member")
    mark = fake.cursor()
    press_as(fake, MEMBER, card, "Registrasi")
    await card_edited(fake, card, "diregistrasi", mark)


async def test_the_admin_chat_may_be_a_private_chat_with_an_operator(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    fake.ensure_chat(OPERATOR, first_name="Operator")
    bot: Pantau = await start_bot(admin_chat_id=OPERATOR)
    _, code = await report(fake)
    card = await delivered_card(fake, OPERATOR, code)
    mark = fake.cursor()
    press_as(fake, OPERATOR, card, "Tangani", "Operator")
    await card_edited(fake, card, "ditangani", mark)
    fake.send_text(OPERATOR, f"/kasus {code}")
    await sent(fake, OPERATOR, "Riwayat", mark)
    assert (await case_of(bot, code)).status == "claimed"
    assert fake.calls("getChatMember") == []  # a private chat's only member is its user: nothing to ask


# ---- Gakkumdu asks the reporter -------------------------------------------------------------------------


async def test_a_gakkumdu_group_may_ask_the_reporter_and_gets_the_answer(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    kec = group_of_members(fake, "Panwascam Pasar Jambi", MEMBER)
    gakkumdu = group_of_members(fake, "Sentra Gakkumdu Kota Jambi", GAKKUMDU_MEMBER)
    await kec.register(services, PASAR_JAMBI)
    await gakkumdu.register(services, KOTA_JAMBI, role="gakkumdu")
    reporter, code = await report(fake, Reporter(fake, first_name="Wulan"))
    card = await delivered_card(fake, kec.chat_id, code)
    mark = fake.cursor()
    press_as(fake, MEMBER, card, "Tangani")
    await card_edited(fake, card, "ditangani", mark)
    press_as(fake, MEMBER, card, "Teruskan")
    await buttons_edited(fake, card, mark)
    press_as(fake, MEMBER, card, "Sentra Gakkumdu")
    forwarded = await card_edited(fake, card, "diteruskan", mark)
    gakkumdu_card = await delivered_card(fake, gakkumdu.chat_id, code, header="Diteruskan ke Gakkumdu")
    assert labels(gakkumdu_card) == ["❓ Minta info"]

    # Only Minta info: the other buttons' data, forged onto the Gakkumdu card, are refused.
    done = data_of(forwarded, "Selesai")
    for data in (done, done.replace("done", "reject")):
        forged = fake.press(GAKKUMDU_MEMBER, gakkumdu_card, data, check=False)
        assert NOT_ALLOWED in await alert_of(fake, forged)
    # … and only its members may ask.
    assert await alert_of(fake, press_as(fake, STRANGER, gakkumdu_card, "Minta info")) == MEMBERS_ONLY

    mark = fake.cursor()
    press_as(fake, GAKKUMDU_MEMBER, gakkumdu_card, "Minta info", "Jaksa")
    prompt = await sent(fake, gakkumdu.chat_id, "balas pesan ini dengan pertanyaan", mark)
    assert reply_target(prompt) == gakkumdu_card["message_id"]
    question = "Apakah uangnya masih Anda simpan sebagai barang bukti?"
    gakkumdu.say(GAKKUMDU_MEMBER, question, reply_to_message_id=prompt["message_id"], first_name="Jaksa")
    await gakkumdu.expect("Pertanyaan diteruskan ke pelapor")
    asked = await sent(fake, reporter.user_id, "Pengawas menanyakan", mark)
    assert question in asked["text"] and "Gakkumdu" not in asked["text"]

    mark = reporter.mark = fake.cursor()
    fake.send_text(reporter.user_id, "Masih, di amplopnya.", reply_to_message_id=asked["message_id"])
    await reporter.expect("jawaban Anda sudah diteruskan")
    relay = await fake.wait_for("sendMessage", chat_id=gakkumdu.chat_id, after=mark,
                                predicate=lambda c: c.ok and "Jawaban pelapor" in text_of_call(c))
    assert reply_target(relay.result) == gakkumdu_card["message_id"]
    assert "Masih, di amplopnya." in text_of_call(relay)
    assert not [c for c in fake.calls("sendMessage", kec.chat_id) if "Jawaban pelapor" in text_of_call(c)]
    assert (await case_of(bot, code)).status == "forwarded"


# ---- ⛔ Tolak asks once ----------------------------------------------------------------------------------


async def test_tolak_asks_for_confirmation_and_a_double_confirm_rejects_once(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    kec = group_of_members(fake, "Panwascam Pasar Jambi", MEMBER, PROBER)
    await kec.register(services, PASAR_JAMBI)
    reporter, code = await report(fake)
    card = await delivered_card(fake, kec.chat_id, code)
    main = keyboard(card)

    # A reason only asks; ⬅️ Batal brings back the card's buttons; nothing was rejected.
    mark = reporter.mark = fake.cursor()
    press_as(fake, MEMBER, card, "Tolak")
    await buttons_edited(fake, card, mark)
    mark = fake.cursor()
    asked = press_as(fake, MEMBER, card, "Informasi tidak cukup")
    answer = await answered(fake, asked)
    assert answer.params.get("text") == 'Tolak dengan alasan "Informasi tidak cukup untuk ditelusuri"? Tekan ⛔ Ya ' \
        "untuk memastikan."
    confirm = await buttons_edited(fake, card, mark)
    assert labels(confirm) == ["⛔ Ya, tolak: Informasi tidak cukup untuk ditelusuri", "⬅️ Batal"]
    assert confirm["text"] == card["text"]
    assert (await case_of(bot, code)).status == "received"
    assert await events_of(bot, code) == []
    mark = fake.cursor()
    press_as(fake, MEMBER, card, "Batal")
    assert keyboard(await buttons_edited(fake, card, mark)) == main

    # Confirmed twice at once (a double tap): one rejection, one audit row, one notice to the reporter.
    mark = fake.cursor()
    press_as(fake, MEMBER, card, "Tolak")
    await buttons_edited(fake, card, mark)
    mark = fake.cursor()
    press_as(fake, MEMBER, card, "Laporan palsu")
    confirm = await buttons_edited(fake, card, mark)
    mark = fake.cursor()
    yes = data_of(confirm, "Ya, tolak")
    first, second = (fake.press(MEMBER, confirm, yes, first_name=MEMBER_NAME) for _ in range(2))
    assert "Tersimpan. Status: ditolak." in str((await answered(fake, first)).params.get("text"))
    assert await alert_of(fake, second) == ('Tidak bisa "⛔ Tolak" saat status ditolak. '
                                            "Tindakan ini hanya untuk status: diterima, ditangani.")
    rejected = await card_edited(fake, card, "ditolak", mark)
    assert labels(rejected) == [FLAG]  # only 🚩: a rejected report may still be flagged as abuse
    await reporter.expect("status sekarang ditolak")
    # A stale confirm, later, from the old keyboard: refused as well.
    assert "Tidak bisa" in await alert_of(fake, fake.press(MEMBER, confirm, yes, check=False))
    await probe(kec)
    assert await events_of(bot, code) == [("reject", MEMBER_NAME, "received", "rejected")]
    case = await case_of(bot, code)
    assert (await services.supervision.repo.events(case.id))[0].note == "false_report"
    notices = [t for t in reporter.texts_since_mark() if "status sekarang ditolak" in t]
    assert len(notices) == 1 and "Laporan palsu atau iseng" in notices[0]


async def test_a_digest_open_button_needs_a_member_too(fake: FakeTelegram, bot: Pantau) -> None:
    """The 📂 buttons of a digest are the same verb as those of /antrian; a stranger's press posts nothing."""
    services = services_of(bot)
    kec = group_of_members(fake, "Panwascam Pasar Jambi", MEMBER, PROBER)
    await kec.register(services, PASAR_JAMBI)
    reporters = [Reporter(fake) for _ in range(2)]
    codes = [code for _, code in await asyncio.gather(*(report(fake, r) for r in reporters))]
    assert services.alerts is not None
    cases = [await case_of(bot, code) for code in codes]
    digest_id = await services.alerts.digest(kec.chat_id, [c.id for c in cases])
    digest = fake.message(kec.chat_id, digest_id or 0)
    assert digest is not None
    mark = fake.cursor()
    assert await alert_of(fake, press_as(fake, STRANGER, digest, codes[0], STRANGER_NAME)) == MEMBERS_ONLY
    press_as(fake, MEMBER, digest, codes[1])
    opened = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=mark,
                                 predicate=lambda c: c.ok and reply_target(c.result) == digest_id)
    header = text_of_call(opened).split("\n", 1)[0]  # (the card may name the other as a possible duplicate)
    assert codes[1] in header and codes[0] not in header
