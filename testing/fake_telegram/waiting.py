"""Inspecting what the bot did (``calls``, ``messages_to`` ...) and waiting for it (``wait_for``,
``wait_for_reply`` ...)."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import copy
from collections.abc import Callable, Iterable

from testing.fake_telegram.records import JSON, ApiCall, _Waiter
from testing.fake_telegram.state import FakeState

# Methods whose text-carrying results count as a "reply" for wait_for_reply().
REPLY_METHODS: tuple[str, ...] = (
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageMedia",
    "sendPhoto",
    "sendDocument",
    "sendVideo",
    "sendAudio",
    "sendAnimation",
    "sendVoice",
    "sendMediaGroup",
    "copyMessage",
    "forwardMessage",
)


class Inspection(FakeState):
    """What the bot called and sent, and awaiting the next call that matches."""

    # ------------------------------------------------------------------ inspection

    def cursor(self) -> int:
        return len(self.requests)

    def calls(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        if chat_id is not None:
            src = self._by_chat.get(chat_id, [])
            if method is None:
                return list(src)
            low = method.lower()
            return [c for c in src if c.method.lower() == low]
        if method is not None:
            return list(self._by_method.get(method.lower(), []))
        return list(self.requests)

    def messages_to(self, chat_id: int) -> list[JSON]:
        """Current state (after edits, without deleted ones) of every message the bot sent to the chat."""
        return [copy.deepcopy(m) for m in self._bot_msgs.get(chat_id, {}).values()]

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        m = self._messages.get((chat_id, message_id))
        return copy.deepcopy(m) if m is not None else None

    def reply_keyboard(self, chat_id: int) -> JSON | None:
        """The custom reply keyboard (ReplyKeyboardMarkup dict) currently shown in the chat, if any."""
        return self._reply_kbd.get(chat_id)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return list(self._commands.get((self._scope_key(scope), language_code or ""), []))

    def pending_updates(self) -> list[JSON]:
        return list(self._pending)

    def is_polling(self) -> bool:
        return self._poll_held.is_set()

    async def wait_polling(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a getUpdates long-poll is being held by the fake."""
        try:
            await asyncio.wait_for(self._poll_held.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"no getUpdates long poll within {timeout}s\n{self._dump(0)}") from None

    async def wait_until_acknowledged(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        try:
            await asyncio.wait_for(self._acked.wait(), timeout)
        except TimeoutError:
            ids = [u["update_id"] for u in self._pending]
            raise AssertionError(f"updates not acknowledged within {timeout}s: {ids}\n{self._dump(0)}") from None

    def _candidates(self, methods: frozenset[str] | None, chat_id: int | None, after: int) -> Iterable[ApiCall]:
        if chat_id is not None:
            lst = self._by_chat.get(chat_id, [])
            return lst[bisect.bisect_right(lst, after, key=lambda c: c.seq) :]
        if methods is not None:
            out: list[ApiCall] = []
            for m in methods:
                lst = self._by_method.get(m, [])
                out.extend(lst[bisect.bisect_right(lst, after, key=lambda c: c.seq) :])
            if len(methods) > 1:
                out.sort(key=lambda c: c.seq)
            return out
        return self.requests[after:]

    async def wait_hanging(self, method: str, *, timeout: float = 10.0) -> ApiCall:  # noqa: ASYNC109
        """Wait until a call of `method` is being held by a status-0 (hang) fault; the bot is then stuck
        inside that call, which is the moment a crash test wants to kill it."""

        async def hung() -> ApiCall:
            while True:
                for call in self.hanging:
                    if call.method.lower() == method.lower():
                        return call
                self._hang_event.clear()
                await self._hang_event.wait()

        try:
            return await asyncio.wait_for(hung(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {method} call hung within {timeout}s") from None

    async def wait_for(
        self,
        method: str | tuple[str, ...] | None = None,
        *,
        chat_id: int | None = None,
        predicate: Callable[[ApiCall], bool] | None = None,
        after: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """First completed call with seq > ``after`` matching all filters.

        ``after`` defaults to the cursor at the moment of the last injected update.
        ``method=None`` matches any method except getUpdates.
        """
        if isinstance(method, str):
            methods: frozenset[str] | None = frozenset({method.lower()})
        elif method is not None:
            methods = frozenset(m.lower() for m in method)
        else:
            methods = None
        start = self._last_inject_seq if after is None else after

        def match(c: ApiCall) -> bool:
            low = c.method.lower()
            if methods is None:
                if low == "getupdates":
                    return False
            elif low not in methods:
                return False
            if chat_id is not None and c.chat_id != chat_id:
                return False
            return predicate is None or bool(predicate(c))

        for c in self._candidates(methods, chat_id, start):
            if c.done and match(c):
                return c
        fut: asyncio.Future[ApiCall] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(start, match, fut)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            what = f"method={method!r} chat_id={chat_id!r} predicate={'yes' if predicate else 'no'}"
            raise AssertionError(
                f"wait_for({what}) timed out after {timeout}s (after seq {start}).\n{self._dump(start)}"
            ) from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    async def wait_for_reply(
        self,
        chat_id: int,
        *,
        after: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSON:
        """Next successful text/caption-carrying send/edit to ``chat_id``; returns the message dict."""

        def reply_of(c: ApiCall) -> JSON | None:
            if not c.ok:
                return None
            res = c.result
            if c.method == "copyMessage" and isinstance(res, dict):
                res = self._messages.get((chat_id, res.get("message_id", 0)))
            msgs = res if isinstance(res, list) else [res]
            for m in msgs:
                if isinstance(m, dict) and ("text" in m or "caption" in m):
                    return m
            return None

        call = await self.wait_for(
            REPLY_METHODS,
            chat_id=chat_id,
            predicate=lambda c: reply_of(c) is not None,
            after=after,
            timeout=timeout,
        )
        found = reply_of(call)
        assert found is not None
        return found

    def _dump(self, after: int, limit: int = 25) -> str:
        recent = [c for c in self.requests[after:] if c.method != "getUpdates"][-limit:]
        if not recent:
            recent = [c for c in self.requests if c.method != "getUpdates"][-limit:]
            head = "no calls after that seq; last calls overall:"
        else:
            head = "calls since then:"
        lines = [head, *(("  " + c.short()) for c in recent)] if recent else ["no API calls (besides getUpdates)"]
        lines.append(f"pending (unconfirmed) updates: {[u['update_id'] for u in self._pending]}")
        return "\n".join(lines)
