"""Triage of reports by supervisor groups, end to end through the fake Bot API against the real Application.

Covers every button of an alert card, the state machine's refusals and the audit log, the "Minta info"
relay between a group and a reporter, refused presses (other regions, private chats, forged data), the
privacy of identified reporters towards groups, group registration and routing, and /kasus and /antrian.
Every wait is on an event of the fake server (a call the bot made); nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import Pantau
from bot.kernel.services import Services
from bot.supervision.service import hash_code
from storage.database import iso, utcnow
from storage.supervision.cases import CaseRow
from testing.fake_telegram import ApiCall, FakeTelegram
from tests import harness
from tests.harness import CHRONOLOGY, Reporter, case_codes_sent, run_steps, text_of_call

PASAR_JAMBI, TELANAIPURA, KOTA_JAMBI, JAMBI = "15.71.04", "15.71.01", "15.71", "15"
WIB = ZoneInfo("Asia/Jakarta")
SUPERVISOR, SUPERVISOR_NAME = 910_001, "Dewi"
OTHER_SUPERVISOR = 910_002
NOT_ALLOWED = "Anda tidak dapat menindaklanjuti kasus ini dari sini"
STALE = "Tombol ini sudah tidak berlaku."
RECEIVED_BUTTONS = ["✋ Tangani", "❓ Minta info", "⛔ Tolak", "♻️ Duplikat"]
FLAG = "🚩 Tandai pelapor: penyalahgunaan"  # the one button of a rejected case's card
CLAIMED_BUTTONS = ["❓ Minta info", "📝 Registrasi", "➡️ Teruskan", "✅ Selesai", "⛔ Tolak", "♻️ Duplikat"]
_admin_chat_ids = iter(range(-1002_000_000_001, -1002_000_001_000, -1))


class Group(harness.Group):
    """A supervisors' group; the two supervisors who press and reply in these tests are its members."""

    def __init__(self, fake: FakeTelegram, title: str = "Pengawas") -> None:
        super().__init__(fake, title)
        for user_id in (SUPERVISOR, OTHER_SUPERVISOR):
            fake.member_status(self.chat_id, user_id, "member", announce=False)


def admin_group(fake: FakeTelegram) -> int:
    """A new ADMIN_CHAT_ID supergroup, with the two supervisors as members; its chat id."""
    admin_chat = next(_admin_chat_ids)
    fake.ensure_chat(admin_chat, "supergroup", title="Admin Pantau")
    for user_id in (SUPERVISOR, OTHER_SUPERVISOR):
        fake.member_status(admin_chat, user_id, "member", announce=False)
    return admin_chat

# ---- helpers -------------------------------------------------------------------------------------------


def services_of(bot: Pantau) -> Services:
    assert bot.services is not None
    return bot.services


async def case_of(bot: Pantau, code: str) -> CaseRow:
    case = await services_of(bot).supervision.repo.case_by_code(code)
    assert case is not None, code
    return case


async def events_of(bot: Pantau, code: str) -> list[tuple[str, str | None, str | None, str | None]]:
    case = await case_of(bot, code)
    events = await services_of(bot).supervision.repo.events(case.id)
    return [(e.action, e.actor_name, e.from_status, e.to_status) for e in events]


async def report(fake: FakeTelegram, r: Reporter | None = None) -> tuple[Reporter, str]:
    """The standard anonymous report (Pasar Jambi, one photo) by a new reporter; (reporter, case code)."""
    r = r or Reporter(fake)
    await run_steps(r)
    return r, case_codes_sent(fake, r.user_id)[-1]


EN_STEPS: list[tuple[Callable[[Reporter], Any], str]] = [
    (lambda r: r.say("/bahasa"), "Pilih bahasa"),
    (lambda r: r.tap("English"), "Language switched to English."),
    (lambda r: r.say("/report"), "Step 1 of 9"),
    (lambda r: r.tap("Money politics"), "Step 2 of 9"),
    (lambda r: r.say(CHRONOLOGY), "Step 3 of 9"),
    (lambda r: r.tap("Today"), "When did you learn of it"),
    (lambda r: r.tap("On the day it happened"), "Choose a province"),
    (lambda r: r.tap("Jambi"), "Choose a region in"),
    (lambda r: r.tap("Kota Jambi"), "Kota Jambi, Jambi"),
    (lambda r: r.tap("Pasar Jambi"), "Step 4 of 9"),
    (lambda r: r.say("In front of TPS 05"), "Step 5 of 9"),
    (lambda r: r.say("Budi, campaign team of candidate 2"), "Step 6 of 9"),
    (lambda r: r.send("photo", b"\x89PNG english evidence"), "1 file"),
    (lambda r: r.tap("Done"), "Step 7 of 9"),
    (lambda r: r.tap("Skip"), "Step 8 of 9"),
    (lambda r: r.tap("Anonymous"), "Step 9 of 9"),
    (lambda r: r.tap("Send report"), "Your case code"),
]


async def english_report(r: Reporter) -> str:
    """The reporter switches to English with /bahasa, then reports; the case code."""
    answer = ""
    for act, expected in EN_STEPS:
        act(r)
        answer = await r.expect(expected)
    found = re.search(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}", answer)
    assert found is not None, answer
    return found.group(0)


def current(fake: FakeTelegram, message: dict[str, Any]) -> dict[str, Any]:
    """A bot message as it is now (after edits)."""
    now = fake.message(message["chat"]["id"], message["message_id"])
    assert now is not None
    return now


def keyboard(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row]


def labels(message: dict[str, Any]) -> list[str]:
    return [label for label, _ in keyboard(message)]


def data_of(message: dict[str, Any], label: str) -> str:
    for text, data in keyboard(message):
        if label.casefold() in text.casefold():
            return data
    raise AssertionError(f"no button {label!r} among {labels(message)}")


async def delivered_card(fake: FakeTelegram, chat_id: int, code: str, header: str = "Laporan baru") -> dict[str, Any]:
    """The card of `code` the outbox posted in a chat, once the evidence threaded under it followed (the outbox
    records the card before it sends the evidence, so presses on it are recognised from then on)."""
    call = await fake.wait_for(
        "sendMessage", chat_id=chat_id, after=0,
        predicate=lambda c: c.ok and code in text_of_call(c) and header in text_of_call(c),
    )
    card = call.result
    await fake.wait_for(
        "sendPhoto", chat_id=chat_id, after=call.seq,
        predicate=lambda c: c.ok and (c.params.get("reply_parameters") or {}).get("message_id") == card["message_id"],
    )
    return current(fake, card)


def press(fake: FakeTelegram, message: dict[str, Any], label: str, user_id: int = SUPERVISOR,
          name: str = SUPERVISOR_NAME) -> dict[str, Any]:
    """Press the button labelled `label` on the message as it is now; the injected update."""
    now = current(fake, message)
    return fake.press(user_id, now, data_of(now, label), first_name=name)


def press_data(fake: FakeTelegram, message: dict[str, Any], data: str, user_id: int = SUPERVISOR) -> dict[str, Any]:
    """Press arbitrary (stale or forged) callback data on a message."""
    return fake.press(user_id, current(fake, message), data, check=False, first_name=SUPERVISOR_NAME)


async def answered(fake: FakeTelegram, update: dict[str, Any]) -> ApiCall:
    query_id = update["callback_query"]["id"]
    return await fake.wait_for("answerCallbackQuery", after=0,
                               predicate=lambda c: c.params.get("callback_query_id") == query_id)


async def alert_of(fake: FakeTelegram, update: dict[str, Any]) -> str:
    """The text of the pop-up alert a press was answered with."""
    call = await answered(fake, update)
    assert call.params.get("show_alert") is True, f"not an alert: {call.short()}"
    return str(call.params.get("text"))


async def card_edited(fake: FakeTelegram, card: dict[str, Any], contains: str, after: int) -> dict[str, Any]:
    """Wait until the card's text was edited to contain `contains`; the card as it is then."""
    await fake.wait_for(
        "editMessageText", chat_id=card["chat"]["id"], after=after,
        predicate=lambda c: c.ok and c.params.get("message_id") == card["message_id"] and contains in text_of_call(c),
    )
    return current(fake, card)


async def buttons_edited(fake: FakeTelegram, card: dict[str, Any], after: int) -> dict[str, Any]:
    await fake.wait_for(
        "editMessageReplyMarkup", chat_id=card["chat"]["id"], after=after,
        predicate=lambda c: c.ok and c.params.get("message_id") == card["message_id"],
    )
    return current(fake, card)


async def sent(fake: FakeTelegram, chat_id: int, contains: str, after: int) -> dict[str, Any]:
    """The first message sent to a chat after `after` containing `contains`, with the markup it was sent with
    (the fake keeps only inline keyboards on stored messages) under "sent_markup"."""
    call = await fake.wait_for("sendMessage", chat_id=chat_id, after=after,
                               predicate=lambda c: c.ok and contains in text_of_call(c))
    return {**call.result, "sent_markup": call.params.get("reply_markup") or {}}


def reply_target(message: dict[str, Any]) -> int | None:
    return (message.get("reply_to_message") or {}).get("message_id")


async def probe(group: Group) -> int:
    """Send /antrian in the group and wait for its answer; the seq of that answer. Updates of one chat are
    handled in order, so everything the bot did about earlier messages of the group happened before."""
    group.say(OTHER_SUPERVISOR, "/antrian")
    call = await group.fake.wait_for("sendMessage", chat_id=group.chat_id, after=group.mark,
                                     predicate=lambda c: c.ok and ("kasus terbuka" in text_of_call(c)
                                                                   or "Tidak ada kasus" in text_of_call(c)))
    return call.seq


def bot_calls(fake: FakeTelegram, chat_id: int, after: int, before: int) -> list[ApiCall]:
    """What the bot did in a chat between two points (asking who is a member is not doing anything there)."""
    return [c for c in fake.calls(chat_id=chat_id) if after < c.seq < before and c.method != "getChatMember"]


async def confirm_reject(fake: FakeTelegram, card: dict[str, Any], reason: str) -> None:
    """Under ⛔ Tolak: tap a reason, then confirm it."""
    mark = fake.cursor()
    press(fake, card, reason)
    await buttons_edited(fake, card, mark)
    press(fake, card, "Ya, tolak")


# ---- 1. every button of the card ---------------------------------------------------------------------


async def test_claim_register_forward_to_gakkumdu_and_done_with_english_notices(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    gakkumdu = Group(fake, "Sentra Gakkumdu Kota Jambi")
    await kec.register(services, PASAR_JAMBI)
    assert "Gakkumdu" in await gakkumdu.register(services, KOTA_JAMBI, role="gakkumdu")
    reporter = Reporter(fake, first_name="Alex")
    code = await english_report(reporter)
    card = await delivered_card(fake, kec.chat_id, code)
    assert labels(card) == RECEIVED_BUTTONS
    assert "Politik uang" in card["text"] and "anonim" in card["text"]  # groups read Indonesian

    # Tangani: the card shows who handles it and when; the reporter is told, in English.
    mark = reporter.mark = fake.cursor()
    assert "Tersimpan. Status: ditangani." in str((await answered(fake, press(fake, card, "Tangani"))).params["text"])
    claimed = await card_edited(fake, card, "ditangani", mark)
    assert claimed["text"].count(SUPERVISOR_NAME) == 1  # "ditangani · oleh Dewi, …", not named twice
    when = re.search(rf"oleh {SUPERVISOR_NAME}, (\d\d-\d\d-\d{{4}} \d\d:\d\d) WIB", claimed["text"])
    assert when is not None, claimed["text"]
    at = datetime.strptime(when.group(1), "%d-%m-%Y %H:%M").replace(tzinfo=WIB)
    assert abs(at - datetime.now(WIB)) < timedelta(minutes=2)
    assert labels(claimed) == CLAIMED_BUTTONS
    notice = await reporter.expect("the status is now claimed")
    assert code in notice and "status sekarang" not in notice
    case = await case_of(bot, code)
    assert (case.status, case.handler_name) == ("claimed", SUPERVISOR_NAME)

    # Registrasi.
    mark = reporter.mark = fake.cursor()
    press(fake, card, "Registrasi")
    registered = await card_edited(fake, card, "diregistrasi", mark)
    assert labels(registered) == ["❓ Minta info", "➡️ Teruskan", "✅ Selesai"]
    notice = await reporter.expect("the status is now registered")
    # The decision's deadline under Pilkada (the default): 3 days after receipt, 5 when more information is needed
    received = (await case_of(bot, code)).submitted_at
    day = datetime.fromisoformat(received).astimezone(WIB).date()
    assert (f"decide what follows by {day + timedelta(days=3):%d-%m-%Y} (3 days, UU 1/2015 jo. UU 10/2016 Pasal 134 "
            f"ayat (5)); when more information is needed, by {day + timedelta(days=5):%d-%m-%Y} (5 days") in notice

    # Teruskan opens the choice of where to; "⬅️ Kembali" brings the main buttons back unchanged.
    mark = fake.cursor()
    press(fake, card, "Teruskan")
    choices = await buttons_edited(fake, card, mark)
    assert labels(choices) == ["Sentra Gakkumdu (pidana pemilu)", "DKPP (kode etik penyelenggara)",
                               "BKN (netralitas ASN)", "Instansi lain", "⬅️ Kembali"]
    assert choices["text"] == registered["text"]
    mark = fake.cursor()
    press(fake, card, "Kembali")
    assert keyboard(await buttons_edited(fake, card, mark)) == keyboard(registered)
    assert (await case_of(bot, code)).status == "registered"

    # Teruskan → Sentra Gakkumdu: the Gakkumdu group gets the card, with only ❓ Minta info.
    mark = fake.cursor()
    press(fake, card, "Teruskan")
    await buttons_edited(fake, card, mark)
    mark = reporter.mark = fake.cursor()
    press(fake, card, "Sentra Gakkumdu")
    forwarded = await card_edited(fake, card, "diteruskan", mark)
    assert "Diteruskan ke: Sentra Gakkumdu (pidana pemilu)" in forwarded["text"]
    assert labels(forwarded) == ["❓ Minta info", "✅ Selesai"]
    notice = await reporter.expect("the status is now forwarded")
    assert "Forwarded to: Sentra Gakkumdu (election crimes)" in notice
    gakkumdu_card = await delivered_card(fake, gakkumdu.chat_id, code, header="Diteruskan ke Gakkumdu")
    assert labels(gakkumdu_card) == ["❓ Minta info"]
    assert "Politik uang" in gakkumdu_card["text"] and "diteruskan" in gakkumdu_card["text"]
    assert (await case_of(bot, code)).forwarded_to == "gakkumdu"
    # The Gakkumdu group may see the case but not triage it, even with forged data.
    assert NOT_ALLOWED in await alert_of(fake, press_data(fake, gakkumdu_card, data_of(forwarded, "Selesai")))

    # Selesai: the case is closed, the card has no buttons left.
    mark = reporter.mark = fake.cursor()
    press(fake, card, "Selesai")
    done = await card_edited(fake, card, "selesai", mark)
    assert "reply_markup" not in done
    await reporter.expect("the status is now done")
    assert (await case_of(bot, code)).status == "done"

    # Each action wrote one audit event (the sub-menu and "Kembali" none).
    assert await events_of(bot, code) == [
        ("claim", SUPERVISOR_NAME, "received", "claimed"),
        ("register", SUPERVISOR_NAME, "claimed", "registered"),
        ("forward", SUPERVISOR_NAME, "registered", "forwarded"),
        ("done", SUPERVISOR_NAME, "forwarded", "done"),
    ]
    case = await case_of(bot, code)
    events = await services.supervision.repo.events(case.id)
    assert events[2].note == "gakkumdu"
    to_reporter = [text_of_call(c) for c in fake.calls("sendMessage", reporter.user_id)]
    assert not [t for t in to_reporter if "status sekarang" in t], "Indonesian notice sent to an English reporter"


async def test_reject_with_a_reason_and_mark_a_duplicate_by_replying(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    first, first_code = await report(fake)
    first_card = await delivered_card(fake, kec.chat_id, first_code)
    second, second_code = await report(fake)
    second_card = await delivered_card(fake, kec.chat_id, second_code)

    # Duplikat: the bot asks with a ForceReply under the card; an unknown code is refused, the right one taken.
    mark = fake.cursor()
    press(fake, second_card, "Duplikat")
    prompt = await sent(fake, kec.chat_id, "balas pesan ini dengan kode kasus asli", mark)
    assert second_code in prompt["text"] and SUPERVISOR_NAME in prompt["text"]
    assert prompt["sent_markup"].get("force_reply") is True
    assert reply_target(prompt) == second_card["message_id"]
    kec.say(SUPERVISOR, "PTU-2222-3333", reply_to_message_id=prompt["message_id"], first_name=SUPERVISOR_NAME)
    await kec.expect("Kode kasus itu tidak ditemukan")
    assert (await case_of(bot, second_code)).status == "received"
    second.mark = fake.cursor()
    kec.say(SUPERVISOR, first_code.lower(), reply_to_message_id=prompt["message_id"], first_name=SUPERVISOR_NAME)
    await kec.expect("Tersimpan. Status: duplikat.")
    case = await case_of(bot, second_code)
    assert (case.status, case.duplicate_of) == ("duplicate", first_code)
    refreshed = await card_edited(fake, second_card, f"Duplikat dari: {first_code}", mark)
    assert "duplikat" in refreshed["text"] and "reply_markup" not in refreshed
    notice = await second.expect("status sekarang duplikat")
    assert f"sama dengan kasus {first_code}" in notice
    assert await events_of(bot, second_code) == [("duplicate", SUPERVISOR_NAME, "received", "duplicate")]

    # Tolak shows the reasons; "⬅️ Kembali" restores the main buttons; a reason, once confirmed, rejects and
    # tells the reporter.
    main = keyboard(current(fake, first_card))
    mark = fake.cursor()
    press(fake, first_card, "Tolak")
    reasons = await buttons_edited(fake, first_card, mark)
    assert labels(reasons) == ["Bukan pelanggaran pemilu", "Informasi tidak cukup untuk ditelusuri",
                               "Di luar wilayah pengawasan", "Laporan palsu atau iseng", "Lewat batas waktu",
                               "🚩 Tandai pelapor: penyalahgunaan", "⬅️ Kembali"]
    mark = fake.cursor()
    press(fake, first_card, "Kembali")
    assert keyboard(await buttons_edited(fake, first_card, mark)) == main == [
        (label, data) for label, data in main if label in RECEIVED_BUTTONS]
    mark = fake.cursor()
    press(fake, first_card, "Tolak")
    await buttons_edited(fake, first_card, mark)
    mark = first.mark = fake.cursor()
    await confirm_reject(fake, first_card, "Informasi tidak cukup")
    rejected = await card_edited(fake, first_card, "ditolak", mark)
    assert labels(rejected) == [FLAG]
    notice = await first.expect("status sekarang ditolak")
    assert "Alasan: Informasi tidak cukup untuk ditelusuri." in notice
    assert await events_of(bot, first_code) == [("reject", SUPERVISOR_NAME, "received", "rejected")]
    assert (await services.supervision.repo.events((await case_of(bot, first_code)).id))[0].note == "insufficient"


# ---- 2. the state machine -------------------------------------------------------------------------------


@dataclass
class StaleCard:
    bot: Pantau
    reporter: Reporter
    code: str
    admin_card: dict[str, Any]  # the admin chat's card, still showing the buttons of "ditangani"
    rejected_at: int  # fake cursor just before the kecamatan group rejected the case
    events: list[tuple[str, str | None, str | None, str | None]]


async def stale_admin_card(fake: FakeTelegram, start_bot: Callable[..., Any]) -> StaleCard:
    """A kecamatan group and the admin chat (ADMIN_CHAT_ID) both have a card of a claimed case; the kecamatan
    group rejects it. The admin chat's card still shows the buttons of a claimed case."""
    admin_chat = admin_group(fake)
    bot: Pantau = await start_bot(admin_chat_id=admin_chat)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services_of(bot), PASAR_JAMBI)
    reporter, code = await report(fake)
    card = await delivered_card(fake, kec.chat_id, code)
    assert "Laporan baru" not in "".join(  # a kecamatan group exists: the admin chat is not alerted
        text_of_call(c) for c in fake.calls("sendMessage", admin_chat))

    # A forged press of a button the status does not offer is refused by the state machine.
    refusal = await alert_of(fake, press_data(fake, card, data_of(card, "Tangani").replace("claim", "done")))
    assert refusal == ('Tidak bisa "✅ Selesai" saat status diterima. '
                       "Tindakan ini hanya untuk status: ditangani, diregistrasi, diteruskan.")
    assert (await case_of(bot, code)).status == "received"

    mark = fake.cursor()
    press(fake, card, "Tangani")
    await card_edited(fake, card, "ditangani", mark)
    # The admin chat opens the case with /kasus: a second card, with the buttons of a claimed case.
    fake.send_text(OTHER_SUPERVISOR, f"/kasus {code}", chat_id=admin_chat, chat_type="supergroup", title="Admin Pantau")
    await fake.wait_for("sendMessage", chat_id=admin_chat, predicate=lambda c: c.ok and "Riwayat" in text_of_call(c))
    admin_card = next(m for m in reversed(fake.messages_to(admin_chat)) if code in m.get("text", ""))
    assert labels(admin_card) == CLAIMED_BUTTONS

    # The kecamatan group rejects it.
    mark = fake.cursor()
    press(fake, card, "Tolak")
    await buttons_edited(fake, card, mark)
    rejected_at = fake.cursor()
    await confirm_reject(fake, card, "Bukan pelanggaran pemilu")
    await card_edited(fake, card, "ditolak", rejected_at)
    events = await events_of(bot, code)
    assert events == [("claim", SUPERVISOR_NAME, "received", "claimed"),
                      ("reject", SUPERVISOR_NAME, "claimed", "rejected")]
    return StaleCard(bot, reporter, code, admin_card, rejected_at, events)


async def test_a_stale_card_is_refused_with_the_current_and_allowed_statuses(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    stale = await stale_admin_card(fake, start_bot)
    admin_card = stale.admin_card
    refusal = await alert_of(fake, press_data(fake, admin_card, data_of(admin_card, "Registrasi"), OTHER_SUPERVISOR))
    assert refusal == 'Tidak bisa "📝 Registrasi" saat status ditolak. Tindakan ini hanya untuk status: ditangani.'
    refusal = await alert_of(fake, press_data(fake, admin_card, data_of(admin_card, "Selesai"), OTHER_SUPERVISOR))
    assert refusal == ('Tidak bisa "✅ Selesai" saat status ditolak. '
                       "Tindakan ini hanya untuk status: ditangani, diregistrasi, diteruskan.")
    mark = fake.cursor()
    refusal = await alert_of(fake, press_data(fake, admin_card, data_of(admin_card, "Minta info"), OTHER_SUPERVISOR))
    assert refusal == ('Tidak bisa "❓ Minta info" saat status ditolak. '
                       "Tindakan ini hanya untuk status: diterima, ditangani, diregistrasi, diteruskan.")
    assert not [c for c in fake.calls("sendMessage", admin_card["chat"]["id"]) if c.seq > mark]  # no prompt

    case = await case_of(stale.bot, stale.code)
    assert (case.status, case.handler_name, case.forwarded_to) == ("rejected", SUPERVISOR_NAME, None)
    assert await events_of(stale.bot, stale.code) == stale.events
    # … and the stale card ends up showing the case as it is, without buttons.
    refreshed = await card_edited(fake, admin_card, "ditolak", stale.rejected_at)
    assert labels(refreshed) == [FLAG]  # only 🚩: a rejected report may still be flagged as abuse
    assert not [t for t in stale.reporter.texts_since_mark() if "diregistrasi" in t or "selesai" in t]


async def test_a_stale_teruskan_is_refused_before_offering_targets(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    stale = await stale_admin_card(fake, start_bot)
    mark = fake.cursor()
    refusal = await alert_of(fake, press_data(fake, stale.admin_card, data_of(stale.admin_card, "Teruskan"),
                                              OTHER_SUPERVISOR))
    assert refusal == ('Tidak bisa "➡️ Teruskan" saat status ditolak. '
                       "Tindakan ini hanya untuk status: ditangani, diregistrasi.")
    assert not [c for c in fake.calls("editMessageReplyMarkup", stale.admin_card["chat"]["id"]) if c.seq > mark]


async def test_a_stale_duplikat_is_refused_before_asking_for_the_original(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    stale = await stale_admin_card(fake, start_bot)
    mark = fake.cursor()
    refusal = await alert_of(fake, press_data(fake, stale.admin_card, data_of(stale.admin_card, "Duplikat"),
                                              OTHER_SUPERVISOR))
    assert refusal == 'Tidak bisa "♻️ Duplikat" saat status ditolak. Tindakan ini hanya untuk status: diterima, ditangani.'
    assert not [c for c in fake.calls("sendMessage", stale.admin_card["chat"]["id"]) if c.seq > mark]


# ---- 3. questions to the reporter ----------------------------------------------------------------------


async def test_minta_info_relays_a_question_and_threads_the_answer_under_the_card(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    reporter, code = await report(fake, Reporter(fake, first_name="Wulan"))
    card = await delivered_card(fake, kec.chat_id, code)

    mark = fake.cursor()
    press(fake, card, "Minta info")
    prompt = await sent(fake, kec.chat_id, "balas pesan ini dengan pertanyaan", mark)
    assert code in prompt["text"] and prompt["sent_markup"].get("force_reply") is True
    assert reply_target(prompt) == card["message_id"]
    question = "Apakah ada foto amplopnya dari dekat? Jam berapa tepatnya?"
    mark = fake.cursor()
    kec.say(SUPERVISOR, question, reply_to_message_id=prompt["message_id"], first_name=SUPERVISOR_NAME)
    sent_note = await kec.expect("Pertanyaan diteruskan ke pelapor")
    asked = await sent(fake, reporter.user_id, "Pengawas menanyakan", mark)
    assert question in asked["text"] and code in asked["text"]
    assert SUPERVISOR_NAME not in asked["text"] and "Panwascam" not in asked["text"]
    assert asked["sent_markup"].get("force_reply") is True
    assert (await case_of(bot, code)).status == "received"  # asking keeps the status

    # The reporter is in the middle of a new report when they answer: the answer is relayed, the draft kept.
    await run_steps(reporter, "start", "category")
    answer = "Ada, jam 10 pagi. Fotonya sudah saya lampirkan."
    reporter.mark = mark = fake.cursor()
    fake.send_text(reporter.user_id, answer, reply_to_message_id=asked["message_id"], first_name="Wulan",
                   username="wulan_jbi")
    await reporter.expect("jawaban Anda sudah diteruskan")
    relay = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=mark,
                                predicate=lambda c: c.ok and "Jawaban pelapor" in text_of_call(c))
    assert relay.params["reply_parameters"]["message_id"] == card["message_id"]
    assert reply_target(relay.result) == card["message_id"]
    text = text_of_call(relay)
    assert code in text and question in text and answer in text
    for identity in ("Wulan", "wulan_jbi"):
        assert identity not in json.dumps(relay.params) + json.dumps(relay.result), identity
    assert str(reporter.user_id) not in text
    assert "forward_origin" not in relay.result
    draft = await services.intake.get(reporter.user_id)
    assert draft is not None and draft.row.step == "chronology"

    # A second answer to the same question is not relayed.
    reporter.mark = fake.cursor()
    fake.send_text(reporter.user_id, "Tambahan: pelakunya dua orang.", reply_to_message_id=asked["message_id"])
    await reporter.expect("Pertanyaan ini sudah Anda jawab sebelumnya.")
    relays = [c for c in fake.calls("sendMessage", kec.chat_id) if "Jawaban pelapor" in text_of_call(c)]
    assert len(relays) == 1
    assert [(e[0], e[1]) for e in await events_of(bot, code)] == [("ask", SUPERVISOR_NAME), ("answer", None)]

    # A private reply to a message that is not a question still works for the report conversation.
    step_prompt = next(m for m in reversed(fake.messages_to(reporter.user_id)) if "Langkah 2 dari 9" in m.get("text", ""))
    reporter.mark = fake.cursor()
    fake.send_text(reporter.user_id, CHRONOLOGY, reply_to_message_id=step_prompt["message_id"])
    await reporter.expect("Langkah 3 dari 9")

    # Replies in the group to other messages (the card, the bot's note, the used prompt) get no reaction.
    before = fake.cursor()
    sent_message = next(m for m in fake.messages_to(kec.chat_id) if m.get("text") == sent_note)
    for target in (card, sent_message, prompt):
        kec.say(SUPERVISOR, "Siap, kami cek ke lokasi besok pagi.", reply_to_message_id=target["message_id"])
    answer_seq = await probe(kec)
    reactions = bot_calls(fake, kec.chat_id, before, answer_seq)
    assert reactions == [], [c.short() for c in reactions]
    assert [e[0] for e in await events_of(bot, code)] == ["ask", "answer"]


# ---- 4. refused presses --------------------------------------------------------------------------------


async def test_presses_from_elsewhere_and_forged_data_are_refused_and_change_nothing(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    other = Group(fake, "Panwascam Telanaipura")
    await kec.register(services, PASAR_JAMBI)
    await other.register(services, TELANAIPURA)
    reporter, code = await report(fake)
    card = await delivered_card(fake, kec.chat_id, code)
    _, other_code = await report(fake)
    other_card = await delivered_card(fake, kec.chat_id, other_code)
    case = await case_of(bot, code)
    claim = data_of(card, "Tangani")
    assert claim == f"1|tri|claim::{case.id}"
    fake.send_text(SUPERVISOR, "/start")
    await fake.wait_for("sendMessage", chat_id=SUPERVISOR)
    start = fake.cursor()

    refused = [
        # a group registered for another kecamatan
        (fake.messages_to(other.chat_id)[-1], claim, SUPERVISOR, NOT_ALLOWED),
        # private chats: a supervisor, and the reporter themselves, with data copied from the card
        (fake.messages_to(SUPERVISOR)[-1], claim, SUPERVISOR, NOT_ALLOWED),
        (fake.messages_to(reporter.user_id)[-1], claim, reporter.user_id, NOT_ALLOWED),
        # a case that does not exist
        (card, "1|tri|claim::999999", SUPERVISOR, NOT_ALLOWED),
        # the right group, but a message that is not this case's card
        (other_card, claim, SUPERVISOR, NOT_ALLOWED),
        (fake.messages_to(kec.chat_id)[0], claim, SUPERVISOR, NOT_ALLOWED),
        # data the bot never makes
        (card, f"1|tri|fwd:police:{case.id}", SUPERVISOR, STALE),
        (card, f"1|tri|rej:because:{case.id}", SUPERVISOR, STALE),
        (card, f"1|tri|claim:now:{case.id}", SUPERVISOR, STALE),
    ]
    for message, data, user_id, expected in refused:
        text = await alert_of(fake, press_data(fake, message, data, user_id))
        assert expected in text, (data, message.get("text", "")[:40], text)

    for row in (await case_of(bot, code), await case_of(bot, other_code)):
        assert (row.status, row.handler_name, row.forwarded_to, row.last_actor_name) == ("received", None, None, None)
    assert await events_of(bot, code) == [] and await events_of(bot, other_code) == []
    assert current(fake, card) == card and current(fake, other_card) == other_card
    for chat_id in (kec.chat_id, other.chat_id, SUPERVISOR):
        assert not [c.short() for c in fake.calls(chat_id=chat_id) if c.seq > start]
    assert not [t for t in reporter.texts_since_mark() if "status sekarang" in t]


# ---- 5. privacy ------------------------------------------------------------------------------------------


async def identified_report(fake: FakeTelegram, r: Reporter) -> str:
    r.mark = fake.cursor()
    fake.send_text(r.user_id, "/lapor", first_name="Rahmat", last_name="Hidayat", username="rahmat_hidayat")
    await r.expect("Langkah 1 dari 9")
    await run_steps(r, "category", "witnesses")
    r.tap("Cantumkan identitas")
    await r.expect("Nama lengkap")
    r.say("Rahmat Hidayat")
    await r.expect("Alamat")
    r.say("Jl. Kapten Pattimura 12")
    await r.expect("Nomor telepon")
    r.mark = fake.cursor()
    fake.send_contact(r.user_id, "+6281234567890", "Rahmat", last_name="Hidayat", contact_user_id=r.user_id)
    await r.expect("Anda melapor sebagai")
    r.tap("Pemilih di daerah ini")
    review = await r.expect("Langkah 9 dari 9")
    assert "Rahmat Hidayat" in review  # the reporter sees their own identity in the review
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    return case_codes_sent(fake, r.user_id)[-1]


IDENTITY_WORDS = ("Rahmat", "Hidayat", "Pattimura", "rahmat_hidayat")
PHONE = "81234567890"  # the national number inside 0812…, +62812…, 62812…, with or without separators


def leaks(call: ApiCall) -> list[str]:
    """Pieces of the reporter's identity in a call's parameters or result."""
    whole = json.dumps(call.params, default=str, ensure_ascii=False) + json.dumps(call.result, ensure_ascii=False)
    found = [word for word in IDENTITY_WORDS if word.casefold() in whole.casefold()]
    texts = [str(call.params.get(key) or "") for key in ("text", "caption")]
    texts += [str(m.get("caption") or "") for m in call.params.get("media") or [] if isinstance(m, dict)]
    results = call.result if isinstance(call.result, list) else [call.result]
    texts += [str(r.get("text") or r.get("caption") or "") for r in results if isinstance(r, dict)]
    for text in texts:
        for run in re.findall(r"\+?\d[\d\s().\-]{5,}\d", text):
            if PHONE in re.sub(r"\D", "", run):
                found.append(run)
    return found


async def test_groups_never_see_an_identified_reporters_name_address_or_phone(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    gakkumdu = Group(fake, "Sentra Gakkumdu Kota Jambi")
    await kec.register(services, PASAR_JAMBI)
    await gakkumdu.register(services, KOTA_JAMBI, role="gakkumdu")
    reporter = Reporter(fake, first_name="Rahmat")
    code = await identified_report(fake, reporter)
    card = await delivered_card(fake, kec.chat_id, code)
    assert "Pelapor: beridentitas" in card["text"]
    assert (await case_of(bot, code)).anonymous is False

    # Everything a group can make the bot say about the case.
    mark = fake.cursor()
    press(fake, card, "Tangani")
    await card_edited(fake, card, "ditangani", mark)
    press(fake, card, "Minta info")
    prompt = await sent(fake, kec.chat_id, "balas pesan ini dengan pertanyaan", mark)
    kec.say(SUPERVISOR, "Boleh kami hubungi? Siapa nama dan nomor Anda?", reply_to_message_id=prompt["message_id"])
    asked = await sent(fake, reporter.user_id, "Pengawas menanyakan", mark)
    fake.send_text(reporter.user_id, "Silakan hubungi lewat bot ini saja.", reply_to_message_id=asked["message_id"])
    await sent(fake, kec.chat_id, "Jawaban pelapor", mark)
    kec.say(SUPERVISOR, f"/kasus {code}")
    await kec.expect("Riwayat")
    kec.say(SUPERVISOR, "/antrian")
    await kec.expect("kasus terbuka")
    mark = fake.cursor()
    press(fake, card, "Registrasi")
    await card_edited(fake, card, "diregistrasi", mark)
    press(fake, card, "Teruskan")
    await buttons_edited(fake, card, mark)
    press(fake, card, "Sentra Gakkumdu")
    gakkumdu_card = await delivered_card(fake, gakkumdu.chat_id, code, header="Diteruskan ke Gakkumdu")
    assert "beridentitas" in gakkumdu_card["text"]
    mark = fake.cursor()
    press(fake, card, "Selesai")
    await card_edited(fake, card, "selesai", mark)
    reporter.mark = mark
    await reporter.expect("status sekarang selesai")

    group_calls = [c for c in fake.calls() if c.chat_id is not None and c.chat_id < 0]
    assert {c.chat_id for c in group_calls} == {kec.chat_id, gakkumdu.chat_id}
    assert {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto"} <= {c.method for c in group_calls}
    assert not [c for c in group_calls if c.method in ("forwardMessage", "copyMessage", "sendContact")]
    found = {c.short(): leaks(c) for c in group_calls if leaks(c)}
    assert found == {}, found
    # The pop-ups answering the supervisors' presses too.
    answers = [c for c in fake.calls("answerCallbackQuery") if leaks(c)]
    assert answers == []


# ---- 6. registration and routing ---------------------------------------------------------------------


async def test_daftar_refuses_wrong_used_and_expired_codes_and_logs_each_attempt(
    fake: FakeTelegram, bot: Pantau
) -> None:
    services = services_of(bot)
    repo = services.supervision.repo
    group = Group(fake, "Panwascam Pasar Jambi")
    elsewhere = Group(fake, "Panwascam Pasar Jambi (grup lama)")

    group.say(group.admin_id, "/daftar PTG-AAAA-BBBB-CCCC")
    await group.expect("Kode itu tidak dikenal.")
    used, _ = await services.supervision.new_code(PASAR_JAMBI, "supervisors")
    elsewhere.say(elsewhere.admin_id, f"/daftar {used}")
    await elsewhere.expect("terdaftar")
    group.say(group.admin_id, f"/daftar {used}")
    await group.expect("Kode itu sudah pernah dipakai.")
    expired, _ = await services.supervision.new_code(PASAR_JAMBI, "supervisors")
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE group_codes SET expires_at = ? WHERE code_hash = ?",
                           (iso(utcnow() - timedelta(minutes=1)), hash_code(expired)))
    group.say(group.admin_id, f"/daftar {expired}")
    await group.expect("Kode itu sudah kedaluwarsa")

    assert await repo.attempts(group.chat_id) == ["unknown", "used", "expired"]
    assert await repo.group(group.chat_id) is None
    assert (await repo.group(elsewhere.chat_id)) is not None


async def test_daftar_from_a_member_who_is_not_admin_is_refused(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    group = Group(fake, "Panwascam Pasar Jambi")
    code, _ = await services.supervision.new_code(PASAR_JAMBI, "supervisors")
    group.say(SUPERVISOR, f"/daftar {code}")  # a member, not an administrator
    await group.expect("Hanya admin grup yang dapat mendaftarkan grup ini.")
    assert await services.supervision.repo.group(group.chat_id) is None
    assert await services.supervision.repo.attempts(group.chat_id) == ["not_admin"]
    group.say(group.admin_id, f"/daftar {code}")  # the code was not used up by the refused attempt
    assert "Pasar Jambi" in await group.expect("terdaftar")


async def test_a_province_group_receives_reports_of_kecamatan_without_groups(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    province = Group(fake, "Bawaslu Provinsi Jambi")
    registered = await province.register(services, JAMBI)
    assert "provinsi" in registered and "Jambi" in registered
    _, code = await report(fake)
    card = await delivered_card(fake, province.chat_id, code)
    assert labels(card) == RECEIVED_BUTTONS
    assert (await case_of(bot, code)).route_level == "provinsi"
    mark = fake.cursor()
    press(fake, card, "Tangani")  # a group above the kecamatan may act on it
    await card_edited(fake, card, "ditangani", mark)


async def test_with_no_group_at_all_the_alert_goes_to_the_admin_chat(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    admin_chat = admin_group(fake)
    bot: Pantau = await start_bot(admin_chat_id=admin_chat)
    _, code = await report(fake)
    card = await delivered_card(fake, admin_chat, code)
    assert labels(card) == RECEIVED_BUTTONS
    assert (await case_of(bot, code)).route_level == "admin"
    mark = fake.cursor()
    press(fake, card, "Tangani")
    await card_edited(fake, card, "ditangani", mark)


# ---- 7. /kasus and /antrian ------------------------------------------------------------------------------


async def test_kasus_shows_the_card_and_its_history_only_in_the_cases_region(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    other = Group(fake, "Panwascam Telanaipura")
    await kec.register(services, PASAR_JAMBI)
    await other.register(services, TELANAIPURA)
    reporter, code = await report(fake)
    card = await delivered_card(fake, kec.chat_id, code)
    mark = fake.cursor()
    press(fake, card, "Tangani")
    await card_edited(fake, card, "ditangani", mark)
    press(fake, card, "Minta info")
    prompt = await sent(fake, kec.chat_id, "balas pesan ini dengan pertanyaan", mark)
    kec.say(SUPERVISOR, "Ada saksi lain?", reply_to_message_id=prompt["message_id"], first_name=SUPERVISOR_NAME)
    asked = await sent(fake, reporter.user_id, "Pengawas menanyakan", mark)
    fake.send_text(reporter.user_id, "Ada, tetangga saya.", reply_to_message_id=asked["message_id"])
    await sent(fake, kec.chat_id, "Jawaban pelapor", mark)
    press(fake, card, "Registrasi")
    await card_edited(fake, card, "diregistrasi", mark)

    command = kec.say(OTHER_SUPERVISOR, f"/kasus {code.lower()}")["message"]
    shown = await sent(fake, kec.chat_id, code, kec.mark)
    assert reply_target(shown) == command["message_id"]
    assert "diregistrasi" in shown["text"] and labels(shown) == ["❓ Minta info", "➡️ Teruskan", "✅ Selesai"]
    history = await sent(fake, kec.chat_id, "Riwayat", kec.mark)
    assert reply_target(history) == shown["message_id"]
    lines = history["text"].splitlines()[1:]
    expected = ["diterima", f"ditangani · {SUPERVISOR_NAME}", f"pertanyaan ke pelapor · {SUPERVISOR_NAME}",
                "jawaban pelapor", f"diregistrasi · {SUPERVISOR_NAME}"]
    assert len(lines) == len(expected), lines
    for line, part in zip(lines, expected, strict=True):
        assert re.match(r"• \d\d-\d\d-\d{4} \d\d:\d\d WIB — ", line) and part in line, (line, part)

    # The card from /kasus works like the alert card; the alert card is brought up to date as well.
    mark = reporter.mark = fake.cursor()
    press(fake, shown, "Selesai")
    assert "reply_markup" not in await card_edited(fake, shown, "selesai", mark)
    assert "reply_markup" not in await card_edited(fake, card, "selesai", mark)
    await reporter.expect("status sekarang selesai")

    other.say(OTHER_SUPERVISOR, f"/kasus {code}")
    assert await other.expect("Kasus itu tidak ditemukan") == "Kasus itu tidak ditemukan di wilayah grup ini."
    assert not [t for t in other.texts() if code in t]


async def test_antrian_lists_open_cases_oldest_first_with_the_review_deadline(fake: FakeTelegram, bot: Pantau) -> None:
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    reporters = [Reporter(fake) for _ in range(4)]
    await asyncio.gather(*(run_steps(r) for r in reporters))  # four people report at the same time
    codes = [case_codes_sent(fake, r.user_id)[-1] for r in reporters]
    cards = [await delivered_card(fake, kec.chat_id, code) for code in codes]
    a, b, c, d = codes
    # Submission times far enough apart to tell "oldest first" from "by id": c is the oldest open case.
    base = utcnow().replace(microsecond=0)
    submitted = {a: base - timedelta(hours=3), b: base - timedelta(hours=4), c: base - timedelta(hours=5),
                 d: base - timedelta(hours=6)}
    async with services.db.transaction() as conn:
        for code, moment in submitted.items():
            await conn.execute("UPDATE reports SET submitted_at = ? WHERE case_code = ?", (iso(moment), code))
    mark = fake.cursor()
    press(fake, cards[1], "Tolak")
    await buttons_edited(fake, cards[1], mark)
    await confirm_reject(fake, cards[1], "Bukan pelanggaran pemilu")
    await card_edited(fake, cards[1], "ditolak", mark)
    press(fake, cards[3], "Tangani")
    await card_edited(fake, cards[3], "ditangani", mark)
    press(fake, cards[3], "Selesai")
    await card_edited(fake, cards[3], "selesai", mark)
    press(fake, cards[0], "Tangani")
    await card_edited(fake, cards[0], "ditangani", mark)

    kec.say(SUPERVISOR, "/antrian")
    queue = await kec.expect("kasus terbuka")
    lines = queue.splitlines()
    assert lines[0] == "2 kasus terbuka (terlama dulu):"
    assert [code_in(line) for line in lines[1:]] == [c, a]
    for line, code, status in zip(lines[1:], (c, a), ("diterima", "ditangani"), strict=True):
        # Pilkada (the default) has no kajian awal figure in the profile: the decision's, 3 days after receipt
        decision = submitted[code].astimezone(WIB).date() + timedelta(days=3)
        assert line.endswith(f"· {status} · keputusan s.d. {decision:%d-%m-%Y}"), line
        assert "Politik uang" in line and "Pasar Jambi" in line
    assert b not in queue and d not in queue
    message = next(m for m in reversed(fake.messages_to(kec.chat_id)) if m.get("text") == queue)
    assert labels(message) == [f"📂 {c}", f"📂 {a}"]


def code_in(text: str) -> str:
    found = re.search(r"PTU-[0-9A-Z]{4}-[0-9A-Z]{4}", text)
    assert found is not None, text
    return found.group(0)
