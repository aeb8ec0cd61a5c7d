"""Three real worker processes (`python -m bot`, SCALE_OUT=true) on one PostgreSQL database, one killed with SIGKILL:
the update it was in the middle of is handled by another worker, once; no alert or broadcast message goes out
twice; and only one worker at a time leads (polls, sends the outbox, runs the periodic jobs). Runs under
scripts/test-postgres; skipped on the SQLite run."""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.delivery.scale_out import LEADER, OUTBOX_CHANNEL
from bot.supervision.service import hash_code, new_group_code
from storage.database import Database, utcnow
from storage.delivery.outbox import OutboxStatus
from storage.delivery.workers import WorkerRepository
from storage.supervision.repository import SupervisionRepository
from testing.fake_telegram import FakeTelegram
from tests import postgres_cluster
from tests.bot_process import BotProcess
from tests.broadcast_seed import batch_counts, batch_rows, delivered, queue_task
from tests.harness import Group, Reporter, case_codes_sent, run_steps, text_of_call

pytestmark = pytest.mark.skipif(not postgres_cluster.wanted(), reason="needs PostgreSQL (scripts/test-postgres)")

# Seconds: a killed worker's chats and role go to the others this long after its last renewal. Not shorter: on a
# busy 2-core machine (benchmarks beside the suite) a live worker stalled for 2 s once, lost its lease, and a third led.
LEASE = 6
FIRST_ID = 880_001


@contextlib.asynccontextmanager
async def started_workers(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[list[BotProcess]]:
    """Three workers on one schema: the first leads (it polls), the others only take chats."""
    workers = [BotProcess(fake, tmp_path, log_name=f"worker{i}.log", scale_out="true", worker_lease_seconds=LEASE)
               for i in range(3)]
    try:
        await workers[0].start()
        for worker in workers[1:]:
            await worker.start(receiving=False)
        yield workers
    finally:
        for worker in workers:
            await worker.stop()


@pytest.fixture
async def three(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[list[BotProcess]]:
    async with started_workers(fake, tmp_path) as workers:
        yield workers


async def _owner(tmp_path: Path, chat_id: int, workers: list[BotProcess]) -> BotProcess:
    async with Database(tmp_path / "pantau.sqlite3") as db:
        worker_id = (await WorkerRepository(db).owners())[chat_id]
    pid = int(worker_id.split(":")[1])
    return next(w for w in workers if w.pid == pid)


async def _leader(tmp_path: Path, workers: list[BotProcess]) -> BotProcess:
    async with Database(tmp_path / "pantau.sqlite3") as db:
        holder = await WorkerRepository(db).holder(LEADER, time.time() - LEASE)
    assert holder is not None
    pid = int(holder.split(":")[1])
    return next(w for w in workers if w.pid == pid)


def _leads(workers: list[BotProcess]) -> list[str]:
    """Each time a worker began to lead, from its own log."""
    return [line for w in workers for line in w.log_text().splitlines() if re.search(r"worker \S+ leads:", line)]


async def test_sigkill_of_a_worker_mid_update_hands_its_chat_to_another_which_handles_it_once(
    fake: FakeTelegram, three: list[BotProcess], tmp_path: Path
) -> None:
    leader = three[0]
    group = Group(fake, "Panwascam Pasar Jambi")
    async with Database(tmp_path / "pantau.sqlite3") as db:
        code = new_group_code()
        await SupervisionRepository(db).add_code(hash_code(code), "15.71.04", "supervisors", utcnow() + timedelta(hours=1))
    group.say(group.admin_id, f"/daftar {code}")
    await group.expect("terdaftar", timeout=20)

    r = Reporter(fake)
    await run_steps(r, "start", "category")
    owner = await _owner(tmp_path, r.user_id, three)
    # The owner of the reporter's chat hangs sending the next question; it is killed right there.
    fake.fail_next("sendMessage", status=0, delay=60, chat_id=r.user_id)
    r.say("Kepala desa mengumpulkan warga dan meminta memilih calon tertentu di balai desa.")
    await fake.wait_hanging("sendMessage")
    await owner.kill()
    await r.expect("Langkah 3 dari 9", timeout=30)  # another worker took the chat and handled the update
    new_owner = await _owner(tmp_path, r.user_id, three)
    assert new_owner is not owner and new_owner.process is not None
    await run_steps(r, "when", "submit")
    (case_code,) = case_codes_sent(fake, r.user_id)  # one confirmation
    await group.expect(case_code, timeout=30)
    step3 = [c for c in fake.calls("sendMessage", chat_id=r.user_id) if c.ok and "Langkah 3 dari 9" in text_of_call(c)]
    assert len(step3) == 1  # the killed worker's question never arrived; the other's did, once
    async with Database(tmp_path / "pantau.sqlite3") as db:
        assert (await db.fetchone("SELECT COUNT(*) AS n FROM reports"))["n"] == 1
        chronology = (await db.fetchone("SELECT chronology FROM reports"))["chronology"]
    assert chronology.startswith("Kepala desa")
    if owner is leader:  # the leader was killed: another one leads now, once
        assert len(_leads(three)) == 2
    else:
        assert len(_leads(three)) == 1
    cards = [m for m in fake.messages_to(group.chat_id) if case_code in str(m.get("text", "")) and m.get("reply_markup")]
    assert len(cards) == 1  # one alert card


async def test_sigkill_of_the_leader_mid_broadcast_sends_nothing_twice_and_another_worker_leads(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    n = 150  # five seconds at 30 a second: the kill comes well before the end
    users = list(range(FIRST_ID, FIRST_ID + n))
    for uid in users:
        fake.ensure_chat(uid)
    fake.enable_limits(per_chat=1)  # Telegram-like: 30 a second overall, one a second per chat
    async with started_workers(fake, tmp_path) as workers:
        recipients = set(users)
        batch = await queue_task(tmp_path / "pantau.sqlite3", users)  # as /tugas in a group would, then:
        async with Database(tmp_path / "pantau.sqlite3") as db:
            await db.signal(OUTBOX_CHANNEL)  # what a worker does when it queued messages: the leader looks now

        async def sent_at_least(count: int, after: int = 0) -> None:
            if sum(delivered(fake.requests, recipients).values()) < count:
                await fake.wait_for(("sendMessage",), after=after, timeout=60, predicate=lambda c: c.chat_id in recipients
                                    and sum(delivered(fake.requests, recipients).values()) >= count)

        killed = await _leader(tmp_path, workers)
        await sent_at_least(20)
        await killed.kill()
        before = sum(delivered(fake.requests, recipients).values())
        mark = fake.cursor()
        await sent_at_least(before + 1, after=mark)  # a new leader goes on with the broadcast
        rows = await batch_rows(tmp_path / "pantau.sqlite3", batch)
        uncertain = {chat for chat, status in rows.items() if status == OutboxStatus.UNCERTAIN}
        await fake.wait_for(("sendMessage",), after=mark, timeout=60, predicate=lambda c: recipients - uncertain
                            <= set(delivered(fake.requests, recipients)))
        new = await _leader(tmp_path, workers)
        assert new is not killed
        for worker in workers:
            await worker.stop()
        got = delivered(fake.requests, recipients)
        counts = await batch_counts(tmp_path / "pantau.sqlite3", batch)
    assert Counter(got.values()) == Counter({1: len(got)})  # nobody got the task twice
    assert recipients - uncertain <= set(got)
    assert len(uncertain) <= 5 and counts.uncertain == len(uncertain)
    assert counts.sent == n - len(uncertain)
    assert len(_leads(workers)) == 2  # the first leader, then one other: never two at once
    assert not [c for c in fake.requests if c.status == 429]  # the shared budget kept Telegram's limits
