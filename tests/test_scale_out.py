"""Several workers sharing one PostgreSQL database (SCALE_OUT=true, bot/delivery/scale_out.py), in this process:
each chat's updates are handled by one worker, in order; one worker leads (polls, sends the outbox, runs the jobs);
a stopped worker's chats and role go to the others, whose conversations continue where it left them. Runs under
scripts/test-postgres; skipped on the SQLite run. tests/test_scale_out_kill.py kills real worker processes."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import Pantau
from bot.delivery.scale_out import LEADER, SharedBudget
from storage.database import Database
from storage.delivery.workers import WorkerRepository
from testing.fake_telegram import FakeTelegram
from tests import postgres_cluster
from tests.conftest import SettingsFactory
from tests.harness import Group, Reporter, case_codes_sent, run_steps, services_of

pytestmark = pytest.mark.skipif(not postgres_cluster.wanted(), reason="needs PostgreSQL (scripts/test-postgres)")

PERIODIC = {"idle", "purge", "remind", "volunteers", "waiting-cards", "identities"}


def _url(tmp_path: Path) -> str:
    assert postgres_cluster.CLUSTER is not None
    return postgres_cluster.CLUSTER.url_for(tmp_path / "pantau.sqlite3")


@pytest.fixture
async def workers(fake: FakeTelegram, make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[
        Callable[..., Any]]:
    """Start `n` workers (Pantau instances in this event loop) on one schema; stopped at the end."""
    running: list[Pantau] = []

    async def start(n: int, **overrides: Any) -> list[Pantau]:
        started = []
        for _ in range(n):
            pantau = Pantau(make_settings(scale_out=True, database_url=_url(tmp_path), **overrides))
            await pantau.start(poll_timeout=5)
            running.append(pantau)
            started.append(pantau)
        await fake.wait_polling()
        return started

    yield start
    for pantau in running:
        if pantau.application is not None:
            await pantau.stop()


def _leader(pantaus: list[Pantau]) -> Pantau:
    leaders = [p for p in pantaus if p.services is not None and p.services.scale_out is not None
               and p.services.scale_out.leading]
    assert len(leaders) == 1, f"{len(leaders)} leaders"
    return leaders[0]


def _jobs(pantau: Pantau) -> set[str]:
    assert pantau.application is not None and pantau.application.job_queue is not None
    return {job.name for job in pantau.application.job_queue.jobs() if job.name}


async def _owners(tmp_path: Path) -> dict[int, str]:
    async with Database(_url(tmp_path)) as db:
        return await WorkerRepository(db).owners()


async def test_three_workers_one_leader_and_each_chat_handled_by_one_worker(
    fake: FakeTelegram, workers: Callable[..., Any], tmp_path: Path
) -> None:
    pantaus = await workers(3)
    leader = _leader(pantaus)
    # Only the leader runs the periodic jobs and the outbox; every worker beats its heartbeat.
    for pantau in pantaus:
        jobs = _jobs(pantau)
        assert (jobs >= PERIODIC) is (pantau is leader), (pantau is leader, jobs)
        assert (services_of(pantau).outbox_worker is not None and services_of(pantau).outbox_worker._task
                is not None) is (pantau is leader)
    group = Group(fake, "Panwascam Pasar Jambi")
    await group.register(services_of(leader), "15.71.04")

    reporters = [Reporter(fake) for _ in range(6)]
    await asyncio.gather(*(run_steps(r) for r in reporters))
    codes = [case_codes_sent(fake, r.user_id) for r in reporters]
    assert all(len(c) == 1 for c in codes), codes  # one confirmation each
    for (code,) in codes:
        await group.expect(code, timeout=20)
    await asyncio.wait_for(services_of(leader).outbox_worker.wait_idle(), 20)  # type: ignore[union-attr]
    cards = Counter(code for (code,) in codes for m in fake.messages_to(group.chat_id)
                    if code in str(m.get("text", "")).split("\n", 1)[0] and m.get("reply_markup"))  # its header
    assert set(cards.values()) == {1}, cards  # one alert card per report, none twice
    # Each reporter's chat belongs to one worker; the updates were spread over the workers that took them.
    owners = await _owners(tmp_path)
    ids = {services_of(p).scale_out.id for p in pantaus}  # type: ignore[union-attr]
    assert {owners[r.user_id] for r in reporters} <= ids
    handled = sum(services_of(p).scale_out.handled for p in pantaus)  # type: ignore[union-attr]
    assert handled >= 6 * 15  # every step of every report, each handled once by some worker
    async with Database(_url(tmp_path)) as db:
        assert (await db.fetchone("SELECT COUNT(*) AS n FROM reports"))["n"] == 6
        assert (await db.fetchone("SELECT COUNT(*) AS n FROM inbox"))["n"] == 0


async def test_a_stopped_workers_chats_continue_on_another_where_they_were(
    fake: FakeTelegram, workers: Callable[..., Any], tmp_path: Path
) -> None:
    pantaus = await workers(2)
    r = Reporter(fake)
    await run_steps(r, "start", "place")
    owner_id = (await _owners(tmp_path))[r.user_id]
    owner = next(p for p in pantaus if services_of(p).scale_out.id == owner_id)  # type: ignore[union-attr]
    other = next(p for p in pantaus if p is not owner)
    was_leader = services_of(owner).scale_out.leading  # type: ignore[union-attr]
    await owner.stop()
    # The other worker takes the chat (and the leader's role, if the stopped one had it) and the report goes on
    # from the step it was at, in the other worker's memory loaded from the database.
    await run_steps(r, "party", "submit")
    assert len(case_codes_sent(fake, r.user_id)) == 1
    assert (await _owners(tmp_path))[r.user_id] == services_of(other).scale_out.id  # type: ignore[union-attr]
    if was_leader:
        assert services_of(other).scale_out.leading  # type: ignore[union-attr]
        assert _jobs(other) >= PERIODIC


async def test_the_leaders_lease_goes_to_the_next_worker(
    fake: FakeTelegram, workers: Callable[..., Any], tmp_path: Path
) -> None:
    pantaus = await workers(3)
    leader = _leader(pantaus)
    await leader.stop()  # its last getUpdates (PTB confirms the offset when it stops) comes before this mark
    mark = fake.cursor()
    rest = [p for p in pantaus if p is not leader]
    await fake.wait_for("getUpdates", after=mark, timeout=20)  # the new leader polls
    new = _leader(rest)
    assert _jobs(new) >= PERIODIC
    assert not any(PERIODIC & _jobs(p) for p in rest if p is not new)
    async with Database(_url(tmp_path)) as db:
        assert await WorkerRepository(db).holder(LEADER, time.time()) == services_of(new).scale_out.id  # type: ignore[union-attr]
    r = Reporter(fake)
    r.say("/start")
    assert "Pantau" in await r.expect("")  # the new leader's getUpdates feeds the workers


async def test_chats_are_claimed_once_and_a_gone_workers_chats_are_taken_over(tmp_path: Path) -> None:
    async with Database(_url(tmp_path)) as db:
        repo = WorkerRepository(db)
        now = time.time()
        await repo.join("a", "h", 1, "t", now + 30)
        await repo.join("b", "h", 2, "t", now + 30)
        await db.write([("INSERT INTO inbox (update_id, payload, received_at, chat_key) VALUES (?, ?, ?, ?)",
                         (i, "{}", "t", 100 + i % 5)) for i in range(1, 21)])
        results = await asyncio.gather(*(repo.claim_chats(w, now, "t", 3) for w in ("a", "b", "a", "b")))
        claimed = [chat for new, _ in results for chat in new]
        assert sorted(claimed) == [100, 101, 102, 103, 104]  # each chat once, though asked four times at once
        owners = await repo.owners()
        a_updates = [u for u, _ in await repo.updates_of("a")]
        assert a_updates == sorted(u for u in range(1, 21) if owners[100 + u % 5] == "a")
        # b is gone (its lease ran out): a takes its chats over, and says which.
        await db.write([("UPDATE workers SET lease_until = ? WHERE id = 'b'", (now - 1,))])
        new, taken = await repo.claim_chats("a", now, "t", 10)
        assert new == [] and sorted(taken) == sorted(c for c, w in owners.items() if w == "b")
        assert set((await repo.owners()).values()) == {"a"}
        assert not await repo.renew("b", now, now + 30)  # a gone worker cannot come back to its chats
        # The leader's lease: one holder; another gets it only once it ran out.
        assert await repo.hold(LEADER, "a", now, now + 5)
        assert not await repo.hold(LEADER, "b", now + 1, now + 6)
        assert await repo.hold(LEADER, "b", now + 6, now + 11)


async def test_the_shared_timetable_never_gives_a_slot_twice(tmp_path: Path) -> None:
    async with Database(_url(tmp_path)) as one, Database(_url(tmp_path)) as two:
        repos = [WorkerRepository(one), WorkerRepository(two)]
        got = await asyncio.gather(*(repos[i % 2].reserve_slots(1000, 1029, 4) for i in range(12)))
        slots = [slot for taken in got for slot in taken]
        assert len(slots) == len(set(slots)) == 30  # 48 asked for, 30 in the range: each given once
        assert all(1000 <= slot <= 1029 for slot in slots)
        budget = SharedBudget(repos[0], per_second=30)
        started = time.time()
        await budget.take(3)  # three slots from now on: their last one's time has come when it returns
        rows = await one.fetchall("SELECT slot FROM rate_slots WHERE slot >= ?", (int(started * 30),))
        assert len(rows) == 3



async def test_signals_sent_at_once_all_go_out(tmp_path: Path) -> None:
    """Seen (bench/scale.py): two nudges at once shared the signals connection and asyncpg refused the second
    ("another operation is in progress"); the leader then waited for its next look at the outbox."""
    async with Database(_url(tmp_path)) as sender, Database(_url(tmp_path)) as receiver:
        heard = asyncio.Event()
        count = [0]

        def got() -> None:
            count[0] += 1
            if count[0] == 6:
                heard.set()

        await receiver.listen("pantau_outbox", got)
        await sender.signal("pantau_outbox")  # the signals connection is open
        await asyncio.gather(*(sender.signal("pantau_outbox") for _ in range(5)))  # raised before
        async with asyncio.timeout(10):
            await heard.wait()
