"""What the database side costs per read, per transaction and per update's inbox marks, in this process.

    python -m bench.storage_rounds [--n 2000]

No bot and no Telegram: a Database in a temporary directory (WAL, synchronous=FULL, as the bot runs it).
Prints CPU and wall time per operation and ends with one line
`storage read_us=… tx_us=… inbox_us=… inbox_commits_per_update=…` (inbox: receive and processed of one
update, the way the bot does it when polling: staged, committed by the next getUpdates)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from storage.database import Database
from storage.delivery.inbox import InboxRepository


async def _measure(label: str, n: int, step: Callable[[int], Awaitable[object]]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(n):
        await step(i)
    cpu_us = (time.process_time() - cpu) / n * 1e6
    wall_us = (time.perf_counter() - wall) / n * 1e6
    print(f"{label:<34} cpu {cpu_us:8.1f} µs   wall {wall_us:8.1f} µs")
    return cpu_us, wall_us


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        async with Database(path) as db:
            inbox = InboxRepository(db)
            async with db.transaction() as conn:
                await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
                await conn.executemany("INSERT INTO t (id, v) VALUES (?, ?)", [(i, "x" * 40) for i in range(50)])

            read, _ = await _measure("fetchone", n, lambda i: db.fetchone("SELECT v FROM t WHERE id = ?", (i % 50,)))
            await _measure("fetchall (10 rows)", n, lambda i: db.fetchall("SELECT v FROM t LIMIT 10"))

            async def tx(i: int) -> None:
                async with db.transaction() as conn:
                    await conn.execute("UPDATE t SET v = ? WHERE id = ?", (str(i), i % 50))

            tx_cpu, _ = await _measure("transaction (1 statement)", n, tx)

            staged = hasattr(inbox, "stage")
            calls = 0

            async def update(i: int) -> None:
                nonlocal calls
                calls += 1
                if staged:  # polling: staged, then the getUpdates gate commits
                    inbox.stage(10_000 + i, {"update_id": 10_000 + i})
                    await inbox.commit_staged()
                else:
                    await inbox.receive(10_000 + i, {"update_id": 10_000 + i})
                await inbox.processed(10_000 + i)

            writer = db._writer  # the commits, counted with SQLite's trace callback
            assert writer is not None
            commits: list[str] = []
            await writer.set_trace_callback(lambda s: commits.append(s) if s.startswith("COMMIT") else None)
            inbox_cpu, _ = await _measure("inbox receive + processed", n, update)
            counted = len(commits)
            await writer.set_trace_callback(None)  # type: ignore[arg-type]
        print(
            f"storage read_us={read:.1f} tx_us={tx_cpu:.1f} inbox_us={inbox_cpu:.1f}"
            f" inbox_commits_per_update={counted / max(calls, 1):.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    asyncio.run(main(parser.parse_args().n))
