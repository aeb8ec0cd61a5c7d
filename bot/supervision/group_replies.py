"""What handlers send to groups goes through the outbox, never straight from the handler.

A group's updates are handled one after another (bot/delivery/update_processor.py), and a group gets only about 20
messages a minute: a handler that waited for its reply to be paced would hold up the group's next updates,
supervisors' presses included. So handlers queue their replies here and return at once; the outbox worker
sends them through the one group pacer, before the group's alerts (`REPLY` priority) and as interactive in
the overall limit. Each reply's dedup key comes from its update, so a re-delivered update queues nothing
twice.

A refusal (an unknown case, a command the group may not use …) is said to the same person in the same group
at most once a minute (`REFUSAL_QUIET`): repeating junk commands does not fill the group's minute.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update

from bot.supervision.service import SupervisionService
from storage.delivery.outbox import REPLY, OutboxMessage, OutboxRepository
from storage.supervision.alerts import PendingReply
from storage.supervision.cases import CaseRow

REFUSAL_QUIET = 60.0  # seconds
PROMPT_WAIT = 1.0  # seconds a reply may wait for a prompt just sent to be recorded


class GroupReplies:
    def __init__(
        self, outbox: OutboxRepository, supervision: SupervisionService, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.outbox = outbox
        self.supervision = supervision
        self.clock = clock
        self.notify: Callable[[], None] = lambda: None  # the outbox worker's, once it runs
        self._refused: dict[tuple[int, int], float] = {}  # (chat, user) -> when they were last refused

    @staticmethod
    def _where(update: Update) -> tuple[int, int]:
        chat = update.effective_chat
        assert chat is not None, "a group reply needs the update's chat"
        return chat.id, update.update_id

    @staticmethod
    def _quoted(update: Update) -> int | None:
        """The message a reply to this update answers: the command or reply itself (not a pressed card)."""
        return update.message.message_id if update.message is not None else None

    async def _add(self, messages: list[OutboxMessage]) -> None:
        await self.outbox.add_all(messages)
        self.notify()

    def _message(
        self, update: Update, part: str, text: str, *, reply_to: int | None, markup: InlineKeyboardMarkup | None
    ) -> OutboxMessage:
        chat_id, update_id = self._where(update)
        payload: dict[str, object] = {"text": text}
        if reply_to is not None:
            payload["reply_to"] = reply_to
        if markup is not None:
            payload["reply_markup"] = markup.to_dict()
        return OutboxMessage(f"reply:{chat_id}:{update_id}:{part}", chat_id, "sendMessage", payload, kind="reply",
                             priority=REPLY)

    async def queue(
        self, update: Update, text: str, *, markup: InlineKeyboardMarkup | None = None, quote: bool = True,
        part: str = "text",
    ) -> None:
        """Answer the update in its group with `text` (as a reply to the update's message, with `quote`).
        `part` tells apart several messages queued for one update."""
        reply_to = self._quoted(update) if quote else None
        await self._add([self._message(update, part, text, reply_to=reply_to, markup=markup)])

    async def refuse(self, update: Update, text: str) -> bool:
        """Answer the update with a refusal, unless its sender was refused in this group within the last
        minute. True if the refusal was queued."""
        chat_id, _ = self._where(update)
        user = update.effective_user
        now = self.clock()
        if len(self._refused) > 1000:
            self._refused = {k: at for k, at in self._refused.items() if now - at < REFUSAL_QUIET}
        key = (chat_id, user.id if user is not None else 0)
        if now - self._refused.get(key, -REFUSAL_QUIET) < REFUSAL_QUIET:
            return False
        self._refused[key] = now
        await self.queue(update, text, part="refusal")
        return True

    def _card(self, update: Update, case: CaseRow, reply_to: int | None) -> OutboxMessage:
        chat_id, update_id = self._where(update)
        payload: dict[str, object] = {"report_id": case.id, "kind": "view"}
        if reply_to is not None:
            payload["reply_to"] = reply_to
        return OutboxMessage(f"reply:{chat_id}:{update_id}:card", chat_id, "pantau.card", payload, kind="reply",
                             report_id=case.id, priority=REPLY)

    async def open_case(self, update: Update, case: CaseRow, *, reply_to: int | None) -> None:
        """A case's card (with its buttons, where the group may act) and its evidence and map pin under it."""
        chat_id, _ = self._where(update)
        card = self._card(update, case, reply_to)
        evidence = await self.supervision.repo.evidence(case.id)
        location = (case.latitude, case.longitude) if case.latitude is not None and case.longitude is not None else None
        parts = [
            dataclasses.replace(
                part, dedup_key=f"{card.dedup_key}:{index}", kind="reply", priority=REPLY,
                payload={**part.payload, "reply_to_key": card.dedup_key},
            )
            for index, part in enumerate(self.supervision.alert_messages(case.id, (chat_id,), evidence, location)[1:])
        ]
        await self._add([card, *parts])

    async def takedown(self, update: Update, report_ids: list[int]) -> None:
        """A takedown request document for these cases, made when it is sent (AlertSender.takedown)."""
        chat_id, update_id = self._where(update)
        payload = {"report_ids": report_ids, "reply_to": self._quoted(update)}
        await self._add([OutboxMessage(f"reply:{chat_id}:{update_id}:takedown", chat_id, "pantau.takedown", payload,
                                       kind="reply", priority=REPLY)])

    async def show_case(self, update: Update, case: CaseRow, history: str) -> None:
        """/kasus: the case's card, then its history as a reply to the card."""
        card = self._card(update, case, self._quoted(update))
        history_message = self._message(update, "history", history, reply_to=None, markup=None)
        history_message.payload["reply_to_key"] = card.dedup_key
        await self._add([card, history_message])

    async def prompt(
        self, update: Update, case: CaseRow, text: str, *, purpose: str, placeholder: str, reply_to: int | None
    ) -> None:
        """A ForceReply prompt for the user who pressed; their reply is matched to it (`purpose`)."""
        chat_id, update_id = self._where(update)
        user = update.effective_user
        payload = {"text": text, "purpose": purpose, "report_id": case.id, "placeholder": placeholder,
                   "user_id": user.id if user is not None else None, "reply_to": reply_to}
        await self._add([OutboxMessage(f"reply:{chat_id}:{update_id}:prompt", chat_id, "pantau.prompt", payload,
                                       kind="reply", report_id=case.id, priority=REPLY)])

    async def pending_reply(self, chat_id: int, message_id: int) -> PendingReply | None:
        """The prompt a reply in a group answers, if it is one. A prompt is recorded by the outbox once Telegram
        has answered its send, so a very quick reply may come first: while a prompt for the chat is being
        sent, look again for up to PROMPT_WAIT seconds."""
        deadline = self.clock() + PROMPT_WAIT
        while (found := await self.supervision.repo.pending_reply(chat_id, message_id)) is None:
            if self.clock() > deadline or not await self.outbox.has_due(chat_id, "pantau.prompt"):
                break
            await asyncio.sleep(0.02)
        return found

    async def refresh(self, chat_id: int, message_id: int, case: CaseRow, *, kind: str = "alert") -> None:
        """Show the case as it is now on a card the handler could not edit itself (the group migrated: the
        outbox follows it to its new id)."""
        payload = {"report_id": case.id, "message_id": message_id, "kind": kind}
        key = f"reply:{chat_id}:{message_id}:refresh:{case.status}:{case.status_changed_at}"
        await self._add([OutboxMessage(key, chat_id, "pantau.refresh", payload, kind="refresh", report_id=case.id,
                                       priority=REPLY)])
