"""A scale-out worker's own rules (bot/delivery/scale_out.py) on one database, either engine: what it queues
from the inbox, and how it stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.scale_out import ScaleOut
from storage.database import Database
from storage.delivery.inbox import InboxRepository
from storage.delivery.workers import WorkerRepository


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[tuple[ScaleOut, list[int]]]:
    async with Database(tmp_path / "workers.sqlite3") as db:
        scale_out = ScaleOut(WorkerRepository(db), 30.0, worker_id="w1")
        queued: list[int] = []

        async def requeue(update_id: int, _payload: dict[str, Any]) -> None:
            queued.append(update_id)

        def lost(why: str) -> None:
            raise AssertionError(why)

        scale_out.requeue, scale_out.on_lease_lost = requeue, lost
        await scale_out.join()
        yield scale_out, queued
        await scale_out.halt()


async def test_an_update_read_just_before_its_delete_committed_is_not_queued_again(
        worker: tuple[ScaleOut, list[int]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen (bench/scale.py): a reporter got the same question twice. A look read the chat's waiting updates,
    the update was handled and deleted meanwhile, and the look queued it again."""
    scale_out, queued = worker
    await InboxRepository(scale_out.db).receive(1, {"update_id": 1}, 700)
    await scale_out.look()  # takes chat 700 and queues its update
    assert queued == [1]
    read = scale_out.workers.updates_of

    async def read_then_handled(worker_id: str) -> list[tuple[int, dict[str, Any]]]:
        rows = await read(worker_id)
        await scale_out.processed(1)  # handled while the rows were on their way
        return rows

    monkeypatch.setattr(scale_out.workers, "updates_of", read_then_handled)
    await scale_out.look()
    assert queued == [1]


async def test_a_wake_at_the_moment_of_a_halt_still_stops_the_worker(
        worker: tuple[ScaleOut, list[int]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen (bench/scale.py): a leader ignored SIGTERM. On Python 3.11 `wait_for` returned instead of raising
    when its event was set as the task was cancelled, and the loop went on."""
    scale_out, _ = worker
    looked = asyncio.Event()

    async def look() -> None:
        looked.set()

    monkeypatch.setattr(scale_out, "look", look)
    scale_out.start()
    await looked.wait()
    await asyncio.sleep(0)  # into the wait for the next wake
    scale_out.wake()
    halted = asyncio.create_task(scale_out.halt())
    done, _ = await asyncio.wait({halted}, timeout=30)
    assert halted in done, "halt() did not return: the worker's loop went on after its cancellation"
