"""Per-chat ordering with cross-chat concurrency. Held updates wait on asyncio.Events, never on timers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from telegram import CallbackQuery, Chat, InlineQuery, Message, Update, User

from bot.delivery.update_processor import PerChatUpdateProcessor, chat_key

_ids = iter(range(1, 1_000_000))


def update_in(chat_id: int) -> Update:
    uid = next(_ids)
    user = User(id=abs(chat_id), first_name="Siti", is_bot=False)
    chat = Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup")
    return Update(update_id=uid, message=Message(message_id=uid, date=datetime.now(UTC), chat=chat, from_user=user))


async def let_loop_run(rounds: int = 20) -> None:
    """Yield to the event loop a few times (no timer): enough for any runnable task to make progress."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class Handler:
    """A fake update handler: records start/end, and can be held until released."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.started: dict[str, asyncio.Event] = {}
        self.release: dict[str, asyncio.Event] = {}

    def hold(self, name: str) -> None:
        self.release[name] = asyncio.Event()

    def event(self, name: str) -> asyncio.Event:
        return self.started.setdefault(name, asyncio.Event())

    async def run(self, name: str) -> None:
        self.log.append(f"{name}>")
        self.event(name).set()
        if name in self.release:
            await self.release[name].wait()
        self.log.append(f"{name}<")


@pytest.fixture
def handler() -> Handler:
    return Handler()


def submit(processor: PerChatUpdateProcessor, chat_id: int, handler: Handler, name: str) -> asyncio.Task[None]:
    return asyncio.create_task(processor.process_update(update_in(chat_id), handler.run(name)))


async def test_same_chat_runs_in_order_even_when_the_first_is_slow(handler: Handler):
    processor = PerChatUpdateProcessor(max_active=8)
    handler.hold("a1")
    tasks = [submit(processor, 1, handler, name) for name in ("a1", "a2", "a3")]
    other = submit(processor, 2, handler, "b1")
    await handler.event("a1").wait()
    await other  # another chat finished while a1 is still held
    await let_loop_run()
    assert "a2>" not in handler.log and "a3>" not in handler.log
    handler.release["a1"].set()
    await asyncio.gather(*tasks)
    mine = [entry for entry in handler.log if entry.startswith("a")]
    assert mine == ["a1>", "a1<", "a2>", "a2<", "a3>", "a3<"]


async def test_different_chats_run_concurrently(handler: Handler):
    processor = PerChatUpdateProcessor(max_active=8)
    for name in ("a", "b", "c"):
        handler.hold(name)
    tasks = [submit(processor, chat, handler, name) for chat, name in ((1, "a"), (2, "b"), (3, "c"))]
    # all three are inside their handlers at the same time
    await asyncio.gather(*(handler.event(n).wait() for n in ("a", "b", "c")))
    assert not any(entry.endswith("<") for entry in handler.log)
    # finishing in reverse order is fine: they are independent
    for name in ("c", "b", "a"):
        handler.release[name].set()
    await asyncio.gather(*tasks)
    assert handler.log[3:] == ["c<", "b<", "a<"]


async def test_a_chat_with_many_queued_updates_does_not_block_other_chats(handler: Handler):
    processor = PerChatUpdateProcessor(max_active=2)
    handler.hold("busy0")
    busy = [submit(processor, 1, handler, f"busy{i}") for i in range(50)]
    await handler.event("busy0").wait()
    others = [submit(processor, chat, handler, f"other{chat}") for chat in range(2, 7)]
    await asyncio.gather(*others)  # would never finish if the busy chat's queue held every slot
    assert "busy1>" not in handler.log
    handler.release["busy0"].set()
    await asyncio.gather(*busy)
    assert [e for e in handler.log if e.startswith("busy") and e.endswith(">")] == [f"busy{i}>" for i in range(50)]


async def test_at_most_max_active_updates_run_at_once(handler: Handler):
    processor = PerChatUpdateProcessor(max_active=2)
    for name in ("a", "b", "c"):
        handler.hold(name)
    tasks = [submit(processor, chat, handler, name) for chat, name in ((1, "a"), (2, "b"), (3, "c"))]
    await asyncio.gather(handler.event("a").wait(), handler.event("b").wait())
    await let_loop_run()
    assert "c>" not in handler.log
    handler.release["a"].set()
    await handler.event("c").wait()
    handler.release["b"].set()
    handler.release["c"].set()
    await asyncio.gather(*tasks)


async def test_locks_are_cleaned_up_afterwards(handler: Handler):
    processor = PerChatUpdateProcessor(max_active=4)
    handler.hold("a1")
    tasks = [submit(processor, 1, handler, n) for n in ("a1", "a2")] + [submit(processor, 2, handler, "b1")]
    await handler.event("a1").wait()
    assert 1 in processor._locks
    handler.release["a1"].set()
    await asyncio.gather(*tasks)
    assert processor._locks == {}
    assert processor._waiting == {}


async def test_a_failing_update_releases_its_chat(handler: Handler):
    processor = PerChatUpdateProcessor(max_active=4)

    async def broken() -> None:
        raise ValueError("handler bug")

    first = asyncio.create_task(processor.process_update(update_in(1), broken()))
    second = submit(processor, 1, handler, "after")
    with pytest.raises(ValueError):
        await first
    await second
    assert handler.log == ["after>", "after<"]
    assert processor._locks == {} and processor._waiting == {}


async def test_a_cancelled_waiting_update_does_not_leak_or_block(handler: Handler):
    processor = PerChatUpdateProcessor(max_active=4)
    handler.hold("a1")
    first = submit(processor, 1, handler, "a1")
    await handler.event("a1").wait()
    never_run = handler.run("a2")
    waiting = asyncio.create_task(processor.process_update(update_in(1), never_run))
    third = submit(processor, 1, handler, "a3")
    await let_loop_run()
    waiting.cancel()
    handler.release["a1"].set()
    await asyncio.gather(first, third)
    with pytest.raises(asyncio.CancelledError):
        await waiting
    never_run.close()
    assert "a2>" not in handler.log
    assert handler.log == ["a1>", "a1<", "a3>", "a3<"]
    assert processor._locks == {} and processor._waiting == {}


def test_updates_are_keyed_by_chat_then_user():
    key = chat_key
    assert key(update_in(42)) == 42
    assert key(update_in(-100555)) == -100555
    user = User(id=77, first_name="Budi", is_bot=False)
    inline = Update(update_id=1, inline_query=InlineQuery("iq", user, "query", "0"))
    assert key(inline) == 77
    # a button under an inline message has no chat: keyed by the user who pressed it
    query = Update(update_id=2, callback_query=CallbackQuery("cq", user, "ci", inline_message_id="im", data="x"))
    assert key(query) == 77
    assert key(object()) == 0


async def test_initialize_and_shutdown_are_harmless():
    processor = PerChatUpdateProcessor()
    async with processor:
        pass
    assert processor.max_concurrent_updates >= 1
