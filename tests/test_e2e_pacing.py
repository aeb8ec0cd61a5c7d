"""Every message to a group is paced, and the bot never exceeds Telegram's overall limit: the real bot against
the fake Bot API with Telegram's flood limits switched on (`fake.enable_limits()`: 20 messages per 60 s per
group, 30 per second overall, or scaled down where a test needs a short minute). Each test asserts that
Telegram refused nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.app import Pantau
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.harness import Group, Reporter, text_of_call
from tests.test_e2e_delivery import (
    DIGEST_MARK,
    PASAR_JAMBI,
    _new_chat_ids,
    backlog,
    confirmation,
    delivered,
    eventually,
    fill_report,
    is_card,
    migrate_unnoticed,
    reply_target,
    services_of,
    settled,
    submit_report,
    wait_card,
)

QUEUE_EMPTY = "Tidak ada kasus terbuka"
QUEUE_TITLE = "kasus terbuka (terlama dulu)"  # as delivered: without the HTML tags
CASE_UNKNOWN = "Kasus itu tidak ditemukan"


def refusals(fake: FakeTelegram) -> list[str]:
    assert fake.limits is not None
    return [c.short() for c in fake.limits.refused]


def answers(fake: FakeTelegram, chat_id: int, contains: str, after: int = 0) -> list[ApiCall]:
    return [c for c in delivered(fake, chat_id, after) if c.method == "sendMessage" and contains in text_of_call(c)]


async def test_cases_opened_from_a_digest_after_a_burst_are_paced_and_threaded(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    """Seen: cards opened from a digest were sent directly, beside the pacer: after a burst, 3 of 6 were
    refused (429) and photos came up to 29 s after their card. Scaled: 6 messages per 4 s for the group."""
    bot: Pantau = await start_bot()
    services = services_of(bot)
    fake.enable_limits(per_group=6, group_period=4.0)
    services.pacer.per_minute, services.pacer.window = 6, 4.0
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    reporters = [Reporter(fake, first_name=f"Warga{i}") for i in range(8)]
    await backlog(bot, reporters)  # eight alerts at once: one digest
    codes = await asyncio.gather(*(confirmation(fake, r) for r in reporters))
    digest = await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=0, timeout=15,
                                 predicate=lambda c: c.ok and DIGEST_MARK in text_of_call(c))

    mark = fake.cursor()
    opened = codes[:4]  # card and photo each: more than the group's minute holds
    for code in opened:
        kec.press(kec.admin_id, digest.result, code)
    for code in opened:
        await fake.wait_for("sendMessage", chat_id=kec.chat_id, after=mark, timeout=20,
                            predicate=lambda c, code=code: is_card(c, code))
    await settled(services, timeout=30)

    assert refusals(fake) == []
    sent = delivered(fake, kec.chat_id, mark)
    for code in opened:
        (card,) = [c for c in sent if is_card(c, code)]
        assert reply_target(card) == digest.result["message_id"] and card.result.get("reply_markup")
        following = sent[sent.index(card) + 1]  # the photo comes right after its card, as a reply to it
        assert following.method == "sendPhoto" and reply_target(following) == card.result["message_id"]


async def test_thirty_reporters_at_once_stay_within_thirty_messages_a_second(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    """Seen: with 30 reporters filling in reports at once, the bot went over 30 messages a second."""
    bot: Pantau = await start_bot()
    services = services_of(bot)
    fake.enable_limits()
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    reporters = [Reporter(fake, first_name=f"Warga{i}") for i in range(30)]
    await asyncio.gather(*(fill_report(r) for r in reporters))
    for r in reporters:
        r.tap("Kirim laporan")
    await asyncio.gather(*(confirmation(fake, r, timeout=60) for r in reporters))
    assert refusals(fake) == []


async def test_card_edit_refused_by_a_migration_is_shown_at_the_new_id(
    fake: FakeTelegram, start_bot: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Seen: a pressed card's edit refused with ChatMigrated (the group was becoming a supergroup) was logged
    as an ERROR traceback and lost."""
    bot: Pantau = await start_bot()
    services = services_of(bot)
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    code = await submit_report(fake, Reporter(fake))
    await wait_card(fake, kec.chat_id, code)
    await settled(services)
    new_id = next(_new_chat_ids)
    card = kec.card(code)
    migrate_unnoticed(fake, kec.chat_id, new_id)  # the press still comes from the old chat

    with caplog.at_level(logging.INFO):
        kec.press(kec.admin_id, card, "Tangani")
        shown = await wait_card(fake, new_id, code, contains="ditangani")
        await settled(services)
    assert shown.result.get("reply_markup")  # a live card: the group may go on acting on the case
    case = await services.supervision.repo.case_by_code(code)
    assert case is not None and case.status == "claimed"
    group = await services.supervision.repo.group(new_id)
    assert group is not None and group.active
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_restart_does_not_give_a_group_a_second_minute(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    """Seen: after repeated restarts one group got 57-70 messages within 60 s, the pacer's window starting
    empty each time."""
    bot: Pantau = await start_bot()
    services = services_of(bot)
    fake.enable_limits()  # 20 per 60 s per group
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)  # the welcome and the answer: 2
    for _ in range(18):
        kec.say(kec.admin_id, "/antrian")

    async def minute_full() -> bool:
        return len(answers(fake, kec.chat_id, QUEUE_EMPTY)) == 18

    await eventually(minute_full, "the group has had its 20 messages")
    await fake.wait_until_acknowledged()
    await bot.stop()

    bot = await start_bot()
    services = services_of(bot)
    mark = fake.cursor()
    for _ in range(3):
        kec.say(kec.admin_id, "/antrian")

    async def handled() -> bool:  # all queued for the group's next minute, or (before the fix) sent at once
        tried = [c for c in fake.calls("sendMessage", chat_id=kec.chat_id) if c.seq > mark]
        return bool(tried) or (await services.outbox.counts()).get("pending", 0) == 3

    await eventually(handled, "the /antrian are queued, or tried")
    assert services.outbox_worker is not None
    await asyncio.wait_for(services.outbox_worker.wait_idle(), 10)  # it looked, and held them back
    assert refusals(fake) == []
    assert answers(fake, kec.chat_id, QUEUE_EMPTY, mark) == []
    assert (await services.outbox.counts()).get("pending") == 3


async def test_junk_commands_do_not_hold_up_a_press_on_a_card(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    """Seen: a member sending junk commands into a group (each answered, each answer paced) held up the
    group's other updates, presses included, for minutes: a handler waited for its paced reply."""
    bot: Pantau = await start_bot()
    services = services_of(bot)
    fake.enable_limits()
    kec = Group(fake, "Panwascam Pasar Jambi")
    await kec.register(services, PASAR_JAMBI)
    code = await submit_report(fake, Reporter(fake))
    await wait_card(fake, kec.chat_id, code)
    await settled(services)  # welcome, answer, card, photo: 4 of the group's 20
    card = kec.card(code)
    mark = fake.cursor()
    for _ in range(3):
        kec.say(kec.admin_id, "/kasus PTU-0000-0000")  # refused once; the repeats within the minute are not
    for _ in range(20):
        kec.say(kec.admin_id, "/antrian")  # 15 fit in the minute, 5 must wait for the next one

    kec.press(kec.admin_id, card, "Tangani")
    await fake.wait_for("answerCallbackQuery", after=mark, predicate=lambda c: "ditangani" in str(c.params.get("text")))
    await fake.wait_for("editMessageText", chat_id=kec.chat_id, after=mark,
                        predicate=lambda c: c.ok and code in text_of_call(c) and "ditangani" in text_of_call(c))
    case = await services.supervision.repo.case_by_code(code)
    assert case is not None and case.status == "claimed"
    assert len(answers(fake, kec.chat_id, QUEUE_TITLE, mark)) < 20  # the junk answers are still waiting

    async def answered_or_waiting() -> bool:
        # The 15 that fit the group's minute go out; the rest wait for it. (More than 15 go out only when the
        # group's first messages were sent over a minute ago, as on a very busy machine.)
        sent = len(answers(fake, kec.chat_id, QUEUE_TITLE, mark))
        return sent >= 15 and sent + (await services.outbox.counts()).get("pending", 0) == 20

    await eventually(answered_or_waiting, "the junk answers that fit this minute are sent, the rest queued")
    assert len(answers(fake, kec.chat_id, CASE_UNKNOWN, mark)) == 1
    assert refusals(fake) == []
