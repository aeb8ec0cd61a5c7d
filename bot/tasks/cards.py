"""The task card's life in its group: queued with the task, edited when its counts change, stopped by ⏹.

The card is an outbox row (`card_key(task_id)`, NORMAL priority, like an alert card). `refresh` is the periodic
job (every TASK_CARD_REFRESH_SECONDS): for each task whose card may still change it counts the batch's rows and
the assignments' answers, and if they differ from what the card shows (`tasks.card_counts`) it queues one edit,
keyed by the card's next version, in the transaction that records the new counts. So a card is edited at most
once a pass, never twice for one version, and its last edit shows the batch done. ⏹ Stop marks the task
stopped, cancels the rows not sent yet, and edits the card at once; a pass that finds rows of a stopped task
still queued (a crash between the two) cancels them again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.kernel.refusal import Refusal
from bot.tasks.areas import Areas
from bot.tasks.batch import card_key, task_batch
from bot.tasks.card import CardCounts, CardWords, card_markup, card_text
from bot.tasks.group_outbox import TaskGroupKind, card_edit_key, parts_batch
from bot.volunteers.organisations import OrganisationService
from locales import t
from storage.database import Database, Tx, iso, utcnow
from storage.delivery.broadcasts import BroadcastRepository
from storage.delivery.outbox import OutboxMessage, OutboxPriority, OutboxRepository, enqueue
from storage.tasks.tasks import NewTask, TaskRepository, TaskRow

log = logging.getLogger(__name__)

LIVE_FOR = timedelta(days=14)  # a card is kept up to date this long after its task was sent


@dataclass(frozen=True, slots=True)
class Stopped:
    task: TaskRow
    cancelled: int  # messages that had not gone yet


class TaskCards:
    def __init__(self, db: Database, repo: TaskRepository, broadcasts: BroadcastRepository, outbox: OutboxRepository,
                 areas: Areas, organisations: OrganisationService, locale: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.repo = repo
        self.broadcasts = broadcasts
        self.outbox = outbox
        self.areas = areas
        self.organisations = organisations
        self.locale = locale
        self.clock = clock

    async def words(self, task: NewTask | TaskRow) -> CardWords:
        """The card's words for the task's area and audience."""
        where = self.areas.path(task.region_code)
        if task.organisation_id is not None:
            found = [o for o in await self.organisations.in_region(task.region_code[:2]) if o.id == task.organisation_id]
            who = found[0].name if found else t(self.locale, "task_card.who_organisation", id=task.organisation_id)
        elif task.organisation_kind is not None:
            who = t(self.locale, "task_card.who_kind", kind=t(self.locale, f"organisations.kind.{task.organisation_kind}"))
        else:
            who = t(self.locale, "task_card.who_all")
        return CardWords(where, who)

    async def queue_first(self, tx: Tx, task: NewTask, task_id: int, words: CardWords, recipients: int) -> None:
        """Inside the task's transaction: its card, showing every message still to go, and those counts."""
        counts = CardCounts(recipients=recipients, queued=recipients)
        payload = {"text": card_text(task, task_id, words, counts, self.locale), "parse_mode": "HTML",
                   "reply_markup": card_markup(task_id, counts, self.locale)}
        await enqueue(tx, OutboxMessage(card_key(task_id), task.group_chat_id, "sendMessage", payload,
                                        kind=TaskGroupKind.CARD, priority=OutboxPriority.NORMAL))
        await self.repo.save_card_counts(tx, task_id, None, counts.dumps(0))

    async def counts(self, task: TaskRow) -> CardCounts:
        batch = await self.broadcasts.counts(task_batch(task.id))
        answers = await self.repo.answers(task.id)
        return CardCounts.of(task.recipients, batch, answers, stopped=task.status == "stopped")

    async def refresh(self) -> int:
        """One pass of the job: edit the cards whose counts changed since their last edit; how many."""
        edited = 0
        for task in await self.repo.with_live_cards(iso(self.clock() - LIVE_FOR)):
            try:
                edited += await self.refresh_one(task)
            except Exception:  # one task's card must not stop the others'
                log.exception("task %s: card not refreshed", task.id)
        return edited

    async def refresh_one(self, task: TaskRow) -> bool:
        """Queue an edit of the task's card if its counts changed; True if one was queued."""
        counts = await self.counts(task)
        if task.status == "stopped" and counts.queued and await self._cancel(task):
            counts = await self.counts(task)
        version, shown = CardCounts.loads(task.card_counts)
        if shown == counts:
            return False
        card = await self.outbox.by_key(card_key(task.id))
        message_id = card.get("telegram_message_id") if card is not None else None
        if card is None or message_id is None:
            return False  # not sent yet (or never will be): the next pass looks again
        words = await self.words(task)
        payload = {"message_id": message_id, "text": card_text(task, task.id, words, counts, self.locale),
                   "parse_mode": "HTML", "reply_markup": card_markup(task.id, counts, self.locale)}
        async with self.db.transaction() as tx:
            if not await self.repo.save_card_counts(tx, task.id, task.card_counts, counts.dumps(version + 1)):
                return False  # another pass (or ⏹) got there first
            await enqueue(tx, OutboxMessage(card_edit_key(task.id, version + 1), int(card["chat_id"]),
                                            "editMessageText", payload, kind=TaskGroupKind.CARD_EDIT,
                                            priority=OutboxPriority.NORMAL))
        return True

    async def _cancel(self, task: TaskRow) -> int:
        cancelled = await self.broadcasts.cancel(task_batch(task.id))
        async with self.db.transaction() as tx:
            await self.repo.cancel_parts(tx, task_batch(task.id), parts_batch(task.id))
        return cancelled

    async def stop(self, task_id: int, chat_id: int) -> Stopped:
        """⏹ Stop pressed on the card in `chat_id`: nothing more of the task goes out. Refusals: not this group's
        task, or stopped already."""
        task = await self.repo.get(task_id)
        if task is None or task.group_chat_id != chat_id:
            raise Refusal("task_card.not_here")
        async with self.db.transaction() as tx:
            if not await self.repo.stop(tx, task_id):
                raise Refusal("task_card.already_stopped", id=task_id)
        cancelled = await self._cancel(task)
        stopped = await self.repo.get(task_id)
        assert stopped is not None
        await self.refresh_one(stopped)
        return Stopped(stopped, cancelled)
