"""Counting test: how many SQLite write transactions (fsync'd commits) a whole standard report costs.

Each update used to cost three: the inbox's receive mark, the work, the inbox's processed mark. The
processed mark now rides in the next write transaction (issue 8), so a report costs fewer commits
without being any less durable. Counted with SQLite's trace callback, not timed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiosqlite
import pytest

from storage.database import Database
from testing.fake_telegram import FakeTelegram
from tests.harness import STANDARD_STEPS, Reporter, run_steps

pytestmark = pytest.mark.sqlite_only  # counts statements through SQLite's trace callback


class StatementLog:
    """Every statement SQLite runs on the bot's connections, as the trace callback reports it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        original = Database._connect

        async def connect(db: Database) -> aiosqlite.Connection:
            conn = await original(db)
            await conn.set_trace_callback(self.statements.append)
            return conn

        monkeypatch.setattr(Database, "_connect", connect)

    def mark(self) -> int:
        return len(self.statements)

    def transactions_since(self, mark: int) -> list[list[str]]:
        """The statements of each committed write transaction after `mark`, BEGIN and COMMIT left out."""
        done: list[list[str]] = []
        current: list[str] | None = None
        for statement in self.statements[mark:]:
            head = statement.lstrip().upper()
            if head.startswith("BEGIN"):
                current = []
            elif head.startswith("COMMIT"):
                if current is not None:
                    done.append(current)
                current = None
            elif current is not None:
                current.append(statement)
        return done


def _keeps_an_update(statements: list[str]) -> bool:
    return any(s.lstrip().upper().startswith("INSERT INTO INBOX") for s in statements)


async def test_a_standard_report_costs_fewer_commits_than_three_per_update(
    fake: FakeTelegram, start_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = StatementLog(monkeypatch)
    monkeypatch.setattr("storage.database.DEFER_FLUSH_S", 3600.0)  # no flush on a timer: count, not time
    await start_bot()
    r = Reporter(fake)
    start = log.mark()
    await run_steps(r)
    await fake.wait_until_acknowledged()
    updates = len(STANDARD_STEPS)
    commits = len(log.transactions_since(start))
    print(f"commits per standard report: {commits} for {updates} updates")
    # 42 before issue 8: per update a receive, the work (one or two transactions) and a processed mark.
    # Now 28: the processed marks ride in the next transaction. A getUpdates that finds only marks waiting
    # (its update's row already rode in a handler's transaction) still commits them alone: a few at most.
    assert commits <= 2 * updates + 3


async def test_a_getupdates_batch_is_committed_to_the_inbox_in_one_transaction(
    fake: FakeTelegram, start_bot: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = StatementLog(monkeypatch)
    await start_bot()
    reporters = [Reporter(fake) for _ in range(10)]
    start = log.mark()
    for r in reporters:  # no await in between: the bot's next getUpdates takes all ten at once
        r.say("/lapor")
    for r in reporters:
        await r.expect("Langkah 1 dari 9")
    await fake.wait_until_acknowledged()
    receiving = [tx for tx in log.transactions_since(start) if _keeps_an_update(tx)]
    assert len(receiving) == 1  # was 10: one commit per update
    assert sum(1 for s in receiving[0] if "INTO INBOX" in s.upper()) == 10
