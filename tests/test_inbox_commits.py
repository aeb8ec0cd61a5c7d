"""The inbox shares commits (issue 8) but still commits an update before Telegram is told it arrived."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from telegram import Update

from bot.delivery.inbox import PersistentUpdateQueue, replay_unprocessed
from bot.delivery.transport import AiohttpRequest
from storage.database import Database
from storage.delivery.inbox import InboxRepository

pytestmark = pytest.mark.sqlite_only  # reads the SQLite file and traces SQLite's writer


def _update(update_id: int) -> Update:
    update = Update.de_json({"update_id": update_id}, None)  # type: ignore[arg-type]
    assert update is not None
    return update


def _committed(path: Path) -> list[int]:
    """The inbox as another process would see it: committed rows only."""
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT update_id FROM inbox ORDER BY update_id")]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "inbox.sqlite3", defer_flush_s=3600) as database:
        yield database


async def test_polling_updates_are_committed_before_the_next_getupdates_is_sent(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = PersistentUpdateQueue(InboxRepository(db))
    gate = queue.gate(connection_pool_size=1)
    seen_when_sent: list[list[int]] = []

    async def send(self: AiohttpRequest, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        seen_when_sent.append(_committed(db.path))
        return 200, b'{"ok": true, "result": []}'

    monkeypatch.setattr(AiohttpRequest, "do_request", send)
    await gate.do_request("https://example.invalid/getUpdates", "POST")  # the first poll: nothing yet
    assert queue.polling
    for update_id in (1, 2, 3):  # one getUpdates batch
        await queue.put(_update(update_id))
    assert _committed(db.path) == []  # staged: no commit per update
    await gate.do_request("https://example.invalid/getUpdates", "POST")  # carries the offset 4
    assert seen_when_sent == [[], [1, 2, 3]]
    assert queue.qsize() == 3


async def test_a_polled_update_is_queued_after_the_writes_begun_before_it(db: Database) -> None:
    """A reply can come quicker than the bot records what it replies to (the outbox records a relayed
    question once Telegram confirmed the send): its handlers must see that record, as when each update
    waited for its own commit."""
    queue = PersistentUpdateQueue(InboxRepository(db))
    queue.polling = True
    recording, release = asyncio.Event(), asyncio.Event()

    async def record_question() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO inbox (update_id, payload, received_at) VALUES (1, '{}', 'x')")
            recording.set()
            await release.wait()

    writer = asyncio.create_task(record_question())
    await recording.wait()
    put = asyncio.create_task(queue.put(_update(2)))
    for _ in range(20):
        await asyncio.sleep(0)
    queued_early = put.done() or queue.qsize() > 0
    release.set()
    assert not queued_early
    await put
    await writer
    assert queue.qsize() == 1 and _committed(db.path) == [1, 2]  # the staged row rode in that commit


async def test_without_polling_put_commits_before_it_returns(db: Database) -> None:
    queue = PersistentUpdateQueue(InboxRepository(db))  # a webhook: the HTTP answer acknowledges
    await queue.put(_update(7))
    assert _committed(db.path) == [7]


async def test_processed_marks_ride_in_the_next_write_and_are_flushed_at_close(tmp_path: Path) -> None:
    path = tmp_path / "marks.sqlite3"
    async with Database(path, defer_flush_s=3600) as db:
        inbox = InboxRepository(db)
        await inbox.receive(1, {"update_id": 1})
        await inbox.receive(2, {"update_id": 2})
        await inbox.processed(1)
        assert _committed(path) == [1, 2]  # no commit of its own
        await inbox.receive(3, {"update_id": 3})
        assert _committed(path) == [2, 3]  # rode in that receive
        await inbox.processed(2)
    assert _committed(path) == [3]  # a graceful stop writes what waits


async def test_a_rolled_back_transaction_keeps_the_deferred_statements(db: Database) -> None:
    inbox = InboxRepository(db)
    await inbox.receive(1, {"update_id": 1})
    await inbox.processed(1)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO inbox (update_id, payload, received_at) VALUES (9, '{}', 'x')")
            raise RuntimeError("the work failed")
    assert _committed(db.path) == [1]
    with pytest.raises(sqlite3.IntegrityError):
        await db.write([("INSERT INTO inbox (update_id, payload, received_at) VALUES (1, '{}', 'x')", ())])
    assert _committed(db.path) == [1]
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO inbox (update_id, payload, received_at) VALUES (5, '{}', 'x')")
    assert _committed(db.path) == [5]  # the mark rode in the next transaction that committed


async def test_unprocessed_is_what_was_not_processed_and_a_replay_writes_nothing(db: Database) -> None:
    inbox = InboxRepository(db)
    for update_id in (1, 2, 3):
        await inbox.receive(update_id, {"update_id": update_id})
    await inbox.processed(2)
    assert [p["update_id"] for p in await inbox.unprocessed()] == [1, 3]
    queue = PersistentUpdateQueue(inbox)
    writes: list[str] = []
    assert db._writer is not None
    await db._writer.set_trace_callback(writes.append)
    assert await replay_unprocessed(inbox, queue, None) == 2  # type: ignore[arg-type]
    assert writes == []
    assert [u.update_id for u in (queue.get_nowait(), queue.get_nowait())] == [1, 3]  # type: ignore[attr-defined]


def test_runtime_dependencies_are_installed() -> None:
    import sniffio  # httpcore retries this import on every request when it is missing

    assert sniffio.current_async_library
    # storage/database.py runs reads through aiosqlite's Connection._execute (pinned in pyproject.toml)
    assert callable(aiosqlite.Connection._execute)


async def test_a_polled_update_is_stored_as_telegram_sent_it_without_rebuilding_its_json(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Update.to_dict() cost ~0.6 ms per press (a message with a keyboard): the gate keeps getUpdates' own JSON."""
    raw = {"update_id": 7, "callback_query": {
        "id": "q1", "from": {"id": 42, "is_bot": False, "first_name": "Siti"}, "chat_instance": "c", "data": "1|cat|2",
        "message": {"message_id": 10, "date": 1_700_000_000, "chat": {"id": 42, "type": "private"}, "text": "Langkah 1",
                    "reply_markup": {"inline_keyboard": [[{"text": "Politik uang", "callback_data": "1|cat|2"}]]}}}}
    queue = PersistentUpdateQueue(InboxRepository(db))
    gate = queue.gate(connection_pool_size=1)

    async def answer(self: AiohttpRequest, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        return 200, json.dumps({"ok": True, "result": [raw]}).encode()

    monkeypatch.setattr(AiohttpRequest, "do_request", answer)
    await gate.do_request("https://example.invalid/getUpdates", "POST")
    update = Update.de_json(raw, None)  # type: ignore[arg-type]
    assert update is not None

    def no_to_dict(self: Update, recursive: bool = True) -> dict[str, Any]:
        raise AssertionError("the update's JSON was rebuilt")

    monkeypatch.setattr(Update, "to_dict", no_to_dict)
    await queue.put(update)
    await queue.inbox.commit_staged()
    assert await queue.inbox.unprocessed() == [raw]
    later = _update(8)  # not in the last answer (a replay, a webhook): rebuilt as before
    monkeypatch.undo()
    await queue.put(later)
    await queue.inbox.commit_staged()
    assert [p["update_id"] for p in await queue.inbox.unprocessed()] == [7, 8]
