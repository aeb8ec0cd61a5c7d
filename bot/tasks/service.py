"""Tasks: a supervisors group sends a field task to the verified volunteers of an area.

`create_and_send` stores the task, one assignment per recipient and, in the same transaction, one outbox row
per recipient in the task's batch (bot/tasks/batch.py), each in the volunteer's language with ✅ / ❌ buttons.
The outbox worker sends the batch in the room that replies and alerts leave (storage/delivery/broadcasts.py).
In the same transaction go each recipient's extra rows (`parts`: an attachment too long to carry the text as its
caption) and the task's card in its group (`cards`, bot/tasks/cards.py). The supervisors group's side hangs off
the service: `forms` (the /tugas conversation), `cards` (the card's counts, ⏹ Stop), `reminders`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.tasks.batch import task_batch
from bot.tasks.group_outbox import TaskGroupKind, parts_batch
from bot.tasks.outbox_kinds import TaskKind
from bot.tasks.ports import VolunteerRoster
from storage.database import Database, Tx
from storage.delivery.broadcasts import BroadcastRepository, recipient_key
from storage.delivery.outbox import OutboxMessage
from storage.tasks.tasks import NewTask, TaskRepository, TaskRow
from storage.volunteers.volunteers import Recipient

if TYPE_CHECKING:
    from bot.tasks.cards import TaskCards
    from bot.tasks.forms import TaskForms
    from bot.tasks.reminders import TaskReminders

# The message a recipient gets: (task, its id, the recipient's language) -> (Bot API method, payload).
TaskMessage = Callable[[NewTask, int, str], tuple[str, dict[str, object]]]
# What follows it for that recipient, each as a reply to it (an attachment after a long text).
TaskParts = Callable[[NewTask, int, str], list[tuple[str, dict[str, object]]]]
# Something to do in the task's transaction once its id is known; False rolls the whole task back.
WithinTask = Callable[[Tx, int], Awaitable[bool]]


class TaskTaken(Exception):
    """`within` said no (the form was sent already, by a double tap): nothing of the task is kept."""


class TaskService:
    def __init__(self, db: Database, repo: TaskRepository, roster: VolunteerRoster, broadcasts: BroadcastRepository,
                 render: TaskMessage, default_locale: str, *, parts: TaskParts | None = None,
                 cards: TaskCards | None = None) -> None:
        self.db = db
        self.repo = repo
        self.roster = roster
        self.broadcasts = broadcasts
        self.render = render
        self.default_locale = default_locale
        self.parts = parts
        self.cards = cards
        self.forms: TaskForms | None = None  # set by bot/tasks/wiring.py
        self.reminders: TaskReminders | None = None

    async def audience(self, new: NewTask) -> list[Recipient]:
        """Who the task would go to now."""
        kinds = (new.organisation_kind,) if new.organisation_kind else ()
        return await self.roster.recipients(new.region_code, kinds=kinds, organisation_id=new.organisation_id)

    async def create_and_send(self, new: NewTask, *, within: WithinTask | None = None) -> TaskRow:
        """Store the task and queue its message to every recipient, and its card, together. A task confirmed by
        an update already seen (`source_update_id`) is returned as it was, and nothing is queued twice.
        `within` runs in the same transaction (the form that became the task is closed there); if it returns
        False, nothing is stored and TaskTaken is raised."""
        if new.source_update_id is not None and (known := await self.repo.by_source_update(new.source_update_id)):
            return known
        recipients = await self.audience(new)
        words = await self.cards.words(new) if self.cards is not None else None
        async with self.db.transaction() as tx:
            task_id = await self.repo.insert(tx, new, recipients)
            if within is not None and not await within(tx, task_id):
                raise TaskTaken
            await self._queue(tx, new, task_id, recipients)
            if self.cards is not None and words is not None:
                await self.cards.queue_first(tx, new, task_id, words, len(recipients))
        task = await self.repo.get(task_id)
        assert task is not None
        return task

    async def _queue(self, tx: Tx, new: NewTask, task_id: int, recipients: list[Recipient]) -> None:
        batch = task_batch(task_id)
        messages: list[OutboxMessage] = []
        parts: list[OutboxMessage] = []
        for r in recipients:
            locale = r.locale or self.default_locale
            key = recipient_key(batch, r.user_id)
            method, payload = self.render(new, task_id, locale)
            messages.append(OutboxMessage(key, r.chat_id, method, payload, kind=TaskKind.TASK))
            for index, (part_method, part) in enumerate(self.parts(new, task_id, locale) if self.parts else []):
                parts.append(OutboxMessage(f"{key}:p{index}", r.chat_id, part_method, {**part, "reply_to_key": key},
                                           kind=TaskGroupKind.PART))
        await self.broadcasts.queue(tx, batch, messages)
        if parts:
            await self.broadcasts.queue(tx, parts_batch(task_id), parts)

    async def get(self, task_id: int) -> TaskRow | None:
        return await self.repo.get(task_id)
