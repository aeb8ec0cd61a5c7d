"""Broadcasts end to end: a task's batch sent at most once through a SIGKILL and a restart, with exact counts; a
volunteer who blocked the bot made unreachable, skipped, and reachable again once they write; paid broadcasts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app import Pantau
from storage.delivery.outbox import OutboxStatus
from storage.tasks.tasks import NewTask
from testing.fake_telegram import ApiCall, FakeTelegram
from tests.bot_process import BotProcess
from tests.broadcast_seed import (
    TASK_TEXT,
    add_verified,
    batch_counts,
    batch_rows,
    delivered,
    is_task_message,
    queue_task,
    task_service,
)
from tests.harness import Reporter

FIRST_ID = 810_001


async def wait_delivered(fake: FakeTelegram, recipients: set[int], enough: Callable[[dict[int, int]], bool],
                         *, after: int = 0, timeout: float = 60.0) -> dict[int, int]:  # noqa: ASYNC109
    """Await the broadcast message after which `enough` holds for what the fake delivered (an event, not a poll)."""

    def reached(call: ApiCall) -> bool:
        return call.chat_id in recipients and is_task_message(call) and enough(delivered(fake.requests, recipients))

    if not enough(delivered(fake.requests, recipients)):
        await fake.wait_for(("sendMessage", "sendPhoto", "sendDocument"), predicate=reached, after=after,
                            timeout=timeout)
    return delivered(fake.requests, recipients)


async def test_sigkill_mid_broadcast_sends_nothing_twice_and_the_counts_add_up(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    n, half = 60, 30
    users = list(range(FIRST_ID, FIRST_ID + n))
    blocked = {users[5], users[50]}  # one goes before the kill, one after
    for uid in users:
        fake.ensure_chat(uid)
    for uid in blocked:
        fake.block(uid)
    fake.enable_limits(per_chat=1)  # Telegram-like: 30 a second overall, one a second per chat
    batch = await queue_task(tmp_path / "pantau.sqlite3", users)
    reachable = set(users) - blocked
    bot = BotProcess(fake, tmp_path)
    await bot.start()
    try:
        await wait_delivered(fake, reachable, lambda got: len(got) >= half)
        await bot.kill()  # half way: no shutdown code runs
        before = delivered(fake.requests, reachable)
        mark = fake.cursor()
        await bot.start()
        # The first message after the restart: the worker has already turned the rows left under way uncertain.
        await wait_delivered(fake, reachable, lambda got: sum(got.values()) > sum(before.values()), after=mark)
        rows = await batch_rows(bot.database, batch)
        uncertain = {chat for chat, status in rows.items() if status == OutboxStatus.UNCERTAIN}
        # Everyone else gets their message; then a clean stop writes the last 'sent' marks.
        await wait_delivered(fake, reachable, lambda got: reachable - uncertain <= set(got), after=mark)
        await bot.stop()
        got = delivered(fake.requests, reachable)
        counts = await batch_counts(bot.database, batch)
    finally:
        await bot.stop()
    assert all(got.get(uid, 0) == 1 for uid in reachable - uncertain), got  # exactly one each
    assert all(got.get(uid, 0) <= 1 for uid in uncertain)  # one or none, never two
    assert not set(got) & blocked
    assert len(uncertain) <= 5  # only what was under way at the kill
    assert counts.queued == 0 and counts.cancelled == 0
    assert counts.unreachable == len(blocked) and counts.failed == 0
    assert counts.uncertain == len(uncertain)
    assert counts.sent == len(reachable) - len(uncertain)
    assert counts.sent + counts.uncertain + counts.unreachable + counts.failed == n
    assert sum(1 for uid in reachable if got.get(uid)) >= counts.sent  # every row marked sent was delivered


async def test_a_volunteer_who_blocked_the_bot_is_skipped_until_they_write_again(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    pantau: Pantau = await start_bot()
    services = pantau.services
    assert services is not None and services.reachability is not None and services.outbox_worker is not None
    users = [FIRST_ID + 100 + i for i in range(3)]
    for uid in users:
        fake.ensure_chat(uid)
    gone = users[1]
    fake.block(gone)
    await add_verified(services.volunteers, services.db, users)
    tasks = task_service(services.db, services.volunteers)

    def task(text: str) -> NewTask:
        return NewTask(-100123, 7, "15.71.04", text, "Asia/Jakarta")

    first = await tasks.create_and_send(task(TASK_TEXT))
    services.outbox_worker.notify()
    await fake.wait_for("sendMessage", chat_id=gone, predicate=lambda c: c.status == 403, after=0)
    await services.outbox_worker.wait_idle()
    counts = await services.broadcasts.counts(f"task:{first.id}")
    assert (counts.sent, counts.unreachable, counts.queued) == (2, 1, 0)
    volunteer = await services.volunteers.get(gone)
    assert volunteer is not None and not volunteer.reachable
    assert services.reachability.is_unreachable(gone)

    second = await tasks.create_and_send(task("Tugas kedua: pantau TPS 005."))
    assert second.recipients == 2  # skipped while unreachable

    fake.unblock(gone)
    person = Reporter(fake, user_id=gone)
    person.say("halo")
    await fake.wait_for_reply(gone)  # the update went through every group: -2 (here) before 0 (the reply)
    volunteer = await services.volunteers.get(gone)
    assert volunteer is not None and volunteer.reachable
    assert not services.reachability.is_unreachable(gone)
    third = await tasks.create_and_send(task("Tugas ketiga: pantau PPK."))
    assert third.recipients == 3


async def test_paid_broadcast_sends_the_batch_with_allow_paid_broadcast(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    pantau: Pantau = await start_bot(telegram_paid_broadcast=True)
    services = pantau.services
    assert services is not None and services.outbox_worker is not None
    users = [FIRST_ID + 200 + i for i in range(3)]
    for uid in users:
        fake.ensure_chat(uid)
    await add_verified(services.volunteers, services.db, users)
    await task_service(services.db, services.volunteers).create_and_send(
        NewTask(-100123, 7, "15.71.04", TASK_TEXT, "Asia/Jakarta")
    )
    services.outbox_worker.notify()
    got = await wait_delivered(fake, set(users), lambda got: len(got) == 3)
    assert got == dict.fromkeys(users, 1)
    sends = [c for c in fake.requests if c.chat_id in users and is_task_message(c)]
    assert all(c.params.get("allow_paid_broadcast") is True for c in sends)
    reporter = Reporter(fake)
    reporter.say("/start")
    await fake.wait_for_reply(reporter.user_id)
    assert all("allow_paid_broadcast" not in c.params for c in fake.calls(chat_id=reporter.user_id))
