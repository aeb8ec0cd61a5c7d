"""What the privacy feature's outbox senders need of the Bot API, as a small interface (the rule modules import no
telegram; the composition root wires bot/delivery/bot_calls.py BotCalls)."""

from __future__ import annotations

from typing import Any, Protocol


class DocumentPoster(Protocol):
    async def send_text(self, chat_id: int, text: str, reply_markup: dict[str, Any] | None) -> int:
        """Send a message; its id."""
        ...

    async def send_document(self, chat_id: int, document: bytes, filename: str, caption: str,
                            reply_markup: dict[str, Any] | None = None) -> int:
        """Upload a document with a caption; the message's id."""
        ...
