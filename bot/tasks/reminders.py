"""One reminder before a task's due time, to the volunteers who accepted it and have not reported back.

The job (`remind`, every few minutes) finds sending tasks whose reminder time has come: TASK_REMINDER_MINUTES
before the due time, or half way between the task's sending and its due time when that is later (a task due
in 30 minutes is not reminded of before anyone could accept it). Each reminder is a BULK outbox row with its
own dedup key, queued in the transaction that marks the task reminded: sent once, even after a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape

from bot.kernel.callbacks import encode
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.due import shown
from bot.tasks.group_outbox import TaskGroupKind, reminder_key
from bot.tasks.messages import zone_label
from locales import t
from storage.database import Database, iso, utcnow
from storage.delivery.outbox import BULK, OutboxMessage, enqueue
from storage.tasks.tasks import TaskRepository, TaskRow

TEXT_SHOWN = 300  # characters of the task's text in its reminder


def reminder_at(task: TaskRow, before: timedelta) -> datetime:
    assert task.due_at is not None
    due, created = datetime.fromisoformat(task.due_at), datetime.fromisoformat(task.created_at)
    return max(due - before, created + (due - created) / 2)


class TaskReminders:
    def __init__(self, db: Database, repo: TaskRepository, before: timedelta, default_locale: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.repo = repo
        self.before = before
        self.default_locale = default_locale
        self.clock = clock

    def message(self, task: TaskRow, locale: str) -> dict[str, object]:
        assert task.due_at is not None
        text = task.text if len(task.text) <= TEXT_SHOWN else task.text[: TEXT_SHOWN - 1].rstrip() + "…"
        payload: dict[str, object] = {
            "text": t(locale, "task_reminder.text", id=task.id, text=escape(text),
                      due=shown(task.due_at, task.timezone, zone_label(task.timezone))),
            "parse_mode": "HTML",
        }
        if task.report_back:
            payload["reply_markup"] = {"inline_keyboard": [[{
                "text": t(locale, "task_reminder.report_back"),
                "callback_data": encode(VolunteerTaskAction.REPORT_BACK, str(task.id)),
            }]]}
        return payload

    async def remind(self, now: datetime | None = None) -> int:
        """Queue the reminders whose time has come; how many were queued."""
        now = now or self.clock()
        queued = 0
        for task in await self.repo.due_for_reminder(iso(now), iso(now + self.before)):
            if reminder_at(task, self.before) > now:
                continue
            recipients = await self.repo.to_remind(task.id)
            async with self.db.transaction() as tx:
                if not await self.repo.mark_reminded(tx, task.id):
                    continue
                for r in recipients:
                    message = OutboxMessage(reminder_key(task.id, r.user_id), r.chat_id, "sendMessage",
                                            self.message(task, r.locale or self.default_locale),
                                            kind=TaskGroupKind.REMINDER, priority=BULK)
                    queued += await enqueue(tx, message)
        return queued
