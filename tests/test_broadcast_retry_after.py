"""A broadcast row whose send gets a 429 is never left `sending` while the bot waits out `retry_after`: a kill
during that wait would make it `uncertain` and it would never go, although Telegram did not take it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.pacing import GroupPacer
from bot.delivery.rate_limiter import PacedRateLimiter
from storage.database import Database
from storage.delivery.broadcasts import BroadcastRepository, recipient_key
from storage.delivery.outbox import OutboxMessage, OutboxRepository
from testing.fake_telegram import FakeTelegram

BATCH = "task:1"
PERSON = 9201


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "retry.sqlite3")
    await database.open()
    yield database
    await database.close()


async def _row(db: Database) -> dict[str, Any]:
    row = await OutboxRepository(db).by_key(recipient_key(BATCH, PERSON))
    assert row is not None
    return row


async def test_a_broadcast_row_is_pending_while_its_429_is_waited_out_and_goes_once(
    db: Database, fake: FakeTelegram
) -> None:
    fake.ensure_chat(PERSON)
    async with db.transaction() as tx:
        await BroadcastRepository(db).queue(tx, BATCH, [
            OutboxMessage(recipient_key(BATCH, PERSON), PERSON, "sendMessage", {"text": "Tugas"})])
    waiting = asyncio.Event()  # the bot waits out the 429: in the limiter, or the row waits for its retry
    go_on = asyncio.Event()

    async def sleep(seconds: float) -> None:
        if seconds >= 0.5 and not go_on.is_set():  # the 429's pause (1 s), not a wait for room
            waiting.set()
            await go_on.wait()
        await asyncio.sleep(seconds)

    limiter = PacedRateLimiter(GroupPacer(), max_retries=2, sleep=sleep)  # as bot/app.py
    outbox = OutboxRepository(db)
    retry_later = outbox.retry_later

    async def noted_retry(item_id: int, at: datetime, error: str) -> None:
        await retry_later(item_id, at, error)
        waiting.set()

    outbox.retry_later = noted_retry  # type: ignore[method-assign]
    fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=PERSON)
    async with ExtBot(fake.token, base_url=fake.base_url, rate_limiter=limiter) as bot:
        worker = OutboxWorker(outbox, bot)
        worker.start()
        try:
            await asyncio.wait_for(waiting.wait(), timeout=30)
            row = await _row(db)
            assert row["status"] == "pending"  # a kill now loses nothing: the next start sends it
            assert "429" in (row["last_error"] or "")
            go_on.set()
            await fake.wait_for("sendMessage", chat_id=PERSON, timeout=30, predicate=lambda c: c.ok)
            await worker.wait_idle()
        finally:
            go_on.set()
            await worker.stop()
    await db.flush()
    row = await _row(db)
    assert row["status"] == "sent" and row["telegram_message_id"] is not None
    calls = fake.calls("sendMessage", chat_id=PERSON)
    assert [c.ok for c in calls] == [False, True]  # the refused one, then delivered once
