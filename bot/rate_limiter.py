"""python-telegram-bot's AIORateLimiter, telling the group pacer about every message that goes to a group
(interactive replies too), so that the outbox's pacing sees the group's whole minute."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

from bot.pacing import GroupPacer


class PacedRateLimiter(AIORateLimiter):
    def __init__(self, pacer: GroupPacer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacer = pacer

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        result = await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        chat_id = data.get("chat_id")
        if endpoint.lower().startswith(("send", "copymessage", "forwardmessage")) and chat_id is not None:
            try:
                chat = int(chat_id)
            except (TypeError, ValueError):
                return result  # a @channel username: not one of our groups
            media = data.get("media")
            self.pacer.record(chat, len(media) if isinstance(media, list) else 1)
        return result
