"""Tasks: a supervisors group sends a field task to the verified volunteers of an area.

`create_and_send` stores the task, one assignment per recipient and, in the same transaction, one outbox row
per recipient in the task's batch (bot/tasks/batch.py), each in the volunteer's language with ✅ / ❌ buttons.
The outbox worker sends the batch in the room that replies and alerts leave (storage/delivery/broadcasts.py).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.tasks.batch import task_batch
from bot.tasks.outbox_kinds import TaskKind
from bot.tasks.ports import VolunteerRoster
from storage.database import Database
from storage.delivery.broadcasts import BroadcastRepository, recipient_key
from storage.delivery.outbox import OutboxMessage
from storage.tasks.tasks import NewTask, TaskRepository, TaskRow
from storage.volunteers.volunteers import Recipient

# The message a recipient gets: (task, its id, the recipient's language) -> (Bot API method, payload).
TaskMessage = Callable[[NewTask, int, str], tuple[str, dict[str, object]]]


class TaskService:
    def __init__(self, db: Database, repo: TaskRepository, roster: VolunteerRoster, broadcasts: BroadcastRepository,
                 render: TaskMessage, default_locale: str) -> None:
        self.db = db
        self.repo = repo
        self.roster = roster
        self.broadcasts = broadcasts
        self.render = render
        self.default_locale = default_locale

    async def audience(self, new: NewTask) -> list[Recipient]:
        """Who the task would go to now."""
        kinds = (new.organisation_kind,) if new.organisation_kind else ()
        return await self.roster.recipients(new.region_code, kinds=kinds, organisation_id=new.organisation_id)

    async def create_and_send(self, new: NewTask) -> TaskRow:
        """Store the task and queue its message to every recipient, together. A task confirmed by an update
        already seen (`source_update_id`) is returned as it was, and nothing is queued twice."""
        if new.source_update_id is not None and (known := await self.repo.by_source_update(new.source_update_id)):
            return known
        recipients = await self.audience(new)
        async with self.db.transaction() as tx:
            task_id = await self.repo.insert(tx, new, recipients)
            batch = task_batch(task_id)
            messages = []
            for r in recipients:
                method, payload = self.render(new, task_id, r.locale or self.default_locale)
                messages.append(OutboxMessage(recipient_key(batch, r.user_id), r.chat_id, method, payload,
                                              kind=TaskKind.TASK))
            await self.broadcasts.queue(tx, batch, messages)
        task = await self.repo.get(task_id)
        assert task is not None
        return task

    async def get(self, task_id: int) -> TaskRow | None:
        return await self.repo.get(task_id)
