"""What scale-out workers agree on through the database (storage/delivery/workers.py): leases, chat owners,
the shared send timetable. Every statement is plain SQL of both engines, so this runs on SQLite and on
PostgreSQL (scripts/test-postgres), though only PostgreSQL deployments run several workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import Database
from storage.delivery.inbox import InboxRepository
from storage.delivery.workers import WorkerRepository

NOW = 1_000_000.0
LEASE = 30.0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "workers.sqlite3") as database:
        yield database


async def _joined(repo: WorkerRepository, *ids: str) -> None:
    for n, worker in enumerate(ids):
        await repo.join(worker, "host", 100 + n, "2026-12-04T00:00:00+00:00", NOW + LEASE)


async def test_a_lease_renews_while_alive_and_not_once_it_ran_out(db: Database) -> None:
    repo = WorkerRepository(db)
    await _joined(repo, "a", "b")
    assert await repo.renew("a", NOW + 10, NOW + 10 + LEASE)
    assert await repo.alive(NOW + LEASE + 1) == ["a"]  # b's lease ran out at NOW + LEASE
    assert not await repo.renew("b", NOW + LEASE + 1, NOW + 2 * LEASE)  # too late: b must not go on
    await repo.leave("a")
    assert await repo.alive(NOW + 11) == ["b"]


async def test_one_holder_of_a_named_lease_until_it_runs_out_or_its_holder_leaves(db: Database) -> None:
    repo = WorkerRepository(db)
    await _joined(repo, "a", "b", "c")
    assert await repo.hold("leader", "a", NOW, NOW + LEASE)
    assert not await repo.hold("leader", "b", NOW + 1, NOW + 1 + LEASE)
    assert await repo.hold("leader", "a", NOW + 2, NOW + 2 + LEASE)  # its holder extends it
    assert await repo.holder("leader", NOW + 3) == "a"
    assert await repo.hold("leader", "b", NOW + 2 + LEASE + 1, NOW + 100)  # ran out: another takes it
    assert not await repo.hold("leader", "a", NOW + 2 + LEASE + 2, NOW + 200)
    await repo.leave("b")
    assert await repo.holder("leader", NOW + 50) is None
    assert await repo.hold("leader", "c", NOW + 50, NOW + 50 + LEASE)


async def test_each_chat_with_waiting_updates_goes_to_one_worker_and_a_gone_workers_chats_are_taken_over(
        db: Database) -> None:
    repo, inbox = WorkerRepository(db), InboxRepository(db)
    await _joined(repo, "a", "b")
    for update_id, chat in ((1, 700), (2, 701), (3, 700)):
        await inbox.receive(update_id, {"update_id": update_id, "n": update_id}, chat)
    new, taken = await repo.claim_chats("a", NOW, "since", 1)
    assert (len(new), taken) == (1, [])  # at most `limit` new chats at a time
    rest, _ = await repo.claim_chats("b", NOW, "since", 10)
    assert sorted(new + rest) == [700, 701]
    assert await repo.claim_chats("a", NOW, "since", 10) == ([], [])  # nothing unowned is left
    owners = await repo.owners()
    mine = [u for u, _ in await repo.updates_of(owners[700])]
    assert mine == [1, 3]  # the chat's updates, oldest first, all to its one owner
    await repo.done(1)
    assert [u for u, _ in await repo.updates_of(owners[700])] == [3]
    gone = owners[700]
    other = "b" if gone == "a" else "a"
    assert await repo.renew(other, NOW + 20, NOW + 20 + LEASE)
    assert await repo.claim_chats(other, NOW + LEASE + 1, "later", 10) == ([], [700])  # 701 is not waiting
    assert (await repo.owners())[700] == other
    assert [(u, p["n"]) for u, p in await repo.updates_of(other)] == [(2, 2), (3, 3)]  # its own 701, and 700


async def test_a_gone_worker_is_forgotten_once_it_owns_no_chat(db: Database) -> None:
    repo, inbox = WorkerRepository(db), InboxRepository(db)
    await _joined(repo, "a", "b")
    await inbox.receive(1, {"update_id": 1}, 700)
    await repo.claim_chats("a", NOW, "since", 10)
    await repo.forget_gone(NOW + LEASE + 1)
    rows = await db.fetchall("SELECT id FROM workers ORDER BY id")
    assert [r["id"] for r in rows] == ["a"]  # b is gone and owned nothing; a still owns chat 700


async def test_shared_send_slots_are_never_given_twice(db: Database) -> None:
    repo = WorkerRepository(db)
    first = await repo.reserve_slots(100, 159, 25)
    assert first == list(range(100, 125))
    second = await repo.reserve_slots(110, 159, 50)  # another worker, overlapping: only the free ones
    assert second == list(range(125, 160))
    assert await repo.reserve_slots(100, 159, 5) == []
    await repo.forget_slots(150)
    assert await repo.reserve_slots(0, 155, 3) == [0, 1, 2]
    rows = await db.fetchall("SELECT COUNT(*) AS n FROM rate_slots")
    assert rows[0]["n"] == 3 + 10

