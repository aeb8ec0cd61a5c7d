"""Tasks' periodic jobs (started with the other housekeeping jobs in bot/app.py): the cards' counts and the
reminders before due times. Each pass wakes the outbox worker if it queued something."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.kernel.context import PantauContext
from bot.settings import OperatorSettings

log = logging.getLogger(__name__)

REMIND_CHECK_EVERY = timedelta(minutes=1)


async def refresh_cards(context: PantauContext) -> None:
    """Edit the task cards whose counts changed since their last edit."""
    services = context.services
    if services.tasks.cards is not None and await services.tasks.cards.refresh() and services.outbox_worker:
        services.outbox_worker.notify()


async def remind_tasks(context: PantauContext) -> None:
    """Remind those who accepted a task that is due soon and have not reported back."""
    services = context.services
    if services.tasks.reminders is None:
        return
    queued = await services.tasks.reminders.remind()
    if queued:
        log.info("queued %d task reminders", queued)
        if services.outbox_worker is not None:
            services.outbox_worker.notify()


def register_jobs(job_queue: Any, settings: OperatorSettings) -> None:
    every = settings.task_card_refresh_seconds
    job_queue.run_repeating(refresh_cards, every, first=every, name="task-cards")
    job_queue.run_repeating(remind_tasks, REMIND_CHECK_EVERY, first=45.0, name="task-reminders")
