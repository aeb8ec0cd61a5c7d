"""Concurrent update processing that keeps each chat's updates in order.

python-telegram-bot processes updates one at a time by default, so one reporter's slow photo download
would hold up everyone. Here updates of different chats run concurrently (up to a bound) while updates of
the same chat run strictly in arrival order, which a ConversationHandler needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> int:
    """Whose updates must stay in order: the chat's id, else the sender's, else 0."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_active` updates run at once; updates of one chat wait for each other first, so a chat
    that sends many updates at once queues behind itself instead of taking every slot."""

    def __init__(
        self,
        max_active: int = 256,
        max_waiting: int = 8192,
        on_processed: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(max_waiting)
        self._on_processed = on_processed
        self._slots = asyncio.BoundedSemaphore(max_active)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
                if self._on_processed is not None and isinstance(update, Update):
                    await self._on_processed(update.update_id)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
