"""Supervisor groups: registration, routing by region level, the alert card and triage buttons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.app import Pantau
from testing.fake_telegram import FakeTelegram
from tests.harness import Group, Reporter, case_codes_sent, run_steps, text_of_call


async def _report(fake: FakeTelegram, r: Reporter) -> str:
    await run_steps(r, "start", "submit")
    (code,) = case_codes_sent(fake, r.user_id)
    return code


async def test_alert_reaches_the_kecamatan_group_and_is_triaged(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    assert bot.services is not None
    kec = Group(fake, "Panwascam Pasar Jambi")
    kab = Group(fake, "Bawaslu Kota Jambi")
    assert "Pasar Jambi" in await kec.register(bot.services, "15.71.04")
    assert "Kota Jambi" in await kab.register(bot.services, "15.71")

    reporter = Reporter(fake)
    code = await _report(fake, reporter)
    card = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=kec.mark,
                               predicate=lambda c: c.ok and code in text_of_call(c))
    card_text = text_of_call(card)
    assert "Politik uang" in card_text and "anonim" in card_text
    # The evidence photo follows, threaded under its card.
    photo = await fake.wait_for("sendPhoto", chat_id=kec.chat_id, after=card.seq, predicate=lambda c: c.ok)
    assert (photo.params.get("reply_parameters") or {}).get("message_id") == card.result["message_id"]
    # The kecamatan group exists: the kabupaten gets nothing. The alerts were queued with the confirmation,
    # so once the outbox has sent everything it holds, anything for the kabupaten would have arrived.
    assert bot.services.outbox_worker is not None
    await asyncio.wait_for(bot.services.outbox_worker.wait_idle(), 10)
    assert "pending" not in await bot.services.outbox.counts()
    case = await bot.services.supervision.repo.case_by_code(code)
    assert case is not None
    assert await bot.services.supervision.repo.alerts_of(case.id) == [(kec.chat_id, card.result["message_id"], "alert")]
    assert not any(code in t for t in kab.texts())

    supervisor = 900_001
    kec.press(supervisor, kec.card(code), "Tangani")
    edited = await kec.expect("ditangani")
    assert "Budi" in edited  # who handles it (the fake's default first name)
    reporter.mark = 0
    await reporter.expect("status sekarang ditangani")

    kec.press(supervisor, kec.card(code), "Registrasi")
    await kec.expect("diregistrasi")
    await reporter.expect("diregistrasi")


async def test_report_without_kecamatan_group_goes_to_kabupaten(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    bot: Pantau = await start_bot()
    assert bot.services is not None
    kab = Group(fake, "Bawaslu Kota Jambi")
    await kab.register(bot.services, "15.71")
    code = await _report(fake, Reporter(fake))
    await kab.expect(code)
    case = await bot.services.supervision.repo.case_by_code(code)
    assert case is not None and case.route_level == "kabupaten"


async def test_stranger_and_forged_presses_are_refused(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    bot: Pantau = await start_bot()
    assert bot.services is not None
    kec = Group(fake, "Panwascam Pasar Jambi")
    other = Group(fake, "Panwascam Telanaipura")
    await kec.register(bot.services, "15.71.04")
    await other.register(bot.services, "15.71.01")
    code = await _report(fake, Reporter(fake))
    await kec.expect(code)
    card = kec.card(code)
    case = await bot.services.supervision.repo.case_by_code(code)
    assert case is not None
    data = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row)
    # The same button data pressed on a message in another region's group, and in a private chat.
    other_message = fake.messages_to(other.chat_id)[-1]
    mark = fake.cursor()
    fake.press(900_002, other_message, data, check=False)
    refused = await fake.wait_for("answerCallbackQuery", after=mark,
                                  predicate=lambda c: "tidak dapat" in str(c.params.get("text")))
    assert refused.ok
    assert (await bot.services.supervision.repo.case(case.id)).status == "received"  # type: ignore[union-attr]


async def test_registering_again_with_the_same_code_in_the_same_group_is_harmless(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    """A /daftar that Telegram delivers again after a crash must not tell the admins it failed."""
    bot: Pantau = await start_bot()
    assert bot.services is not None
    kec, other = Group(fake, "Panwascam Pasar Jambi"), Group(fake, "Grup lain")
    code, _ = await bot.services.supervision.new_code("15.71.04", "supervisors")
    kec.say(kec.admin_id, f"/daftar {code}")
    await kec.expect("terdaftar")
    kec.say(kec.admin_id, f"/daftar {code}")
    assert "terdaftar" in await kec.expect("Pasar Jambi")
    other.say(other.admin_id, f"/daftar {code}")
    assert "sudah pernah dipakai" in await other.expect("Kode itu")


async def test_alert_refused_by_a_restricted_group_goes_one_level_up(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    """A 400 other than 'chat not found' (the bot may no longer write there) must not leave the report
    without a recipient: the alert goes to the next level up, and the group stays registered."""
    bot: Pantau = await start_bot()
    assert bot.services is not None
    kec = Group(fake, "Panwascam Pasar Jambi")
    kab = Group(fake, "Bawaslu Kota Jambi")
    await kec.register(bot.services, "15.71.04")
    await kab.register(bot.services, "15.71")
    fake.fail_next("sendMessage", status=400, chat_id=kec.chat_id,
                   description="Bad Request: not enough rights to send text messages to the chat")
    code = await _report(fake, Reporter(fake))
    await kab.expect(code)
    group = await bot.services.supervision.repo.group(kec.chat_id)
    assert group is not None and group.active
