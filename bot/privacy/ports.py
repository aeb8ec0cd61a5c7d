"""What the privacy feature needs of others, as small interfaces (the rule modules import no telegram): the Bot API
for its outbox senders (bot/delivery/bot_calls.py BotCalls), and the cases' cards in the supervisors' groups
(bot/supervision/service.py SupervisionService). The composition root (bot/app.py) wires both."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from storage.database import Tx
from storage.delivery.outbox import OutboxMessage


class DocumentPoster(Protocol):
    async def send_text(self, chat_id: int, text: str, reply_markup: dict[str, Any] | None) -> int:
        """Send a message; its id."""
        ...

    async def send_document(self, chat_id: int, document: bytes, filename: str, caption: str,
                            reply_markup: dict[str, Any] | None = None) -> int:
        """Upload a document with a caption; the message's id."""
        ...


class CaseCards(Protocol):
    async def identity_erased(self, tx: Tx, report_ids: Collection[int]) -> list[OutboxMessage]:
        """The refreshes of these cases' cards in the groups, queued in the transaction (`tx`) that erased their
        reporters' identity, so that the cards say it was erased."""
        ...
