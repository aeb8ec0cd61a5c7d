"""Voting day's periodic job: the checklists whose local time has come are queued (bot/tps/service.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.kernel.context import PantauContext
from storage.database import utcnow

log = logging.getLogger(__name__)

CHECKLIST_CHECK_EVERY = timedelta(seconds=30)


async def push_checklists(context: PantauContext) -> None:
    """Queue each checkpoint's checklist to every TPS watcher once its time has come in their zone."""
    services = context.services
    queued = await services.tps.push_due(utcnow(), services.users.locale)
    if queued:
        log.info("queued %d voting-day checklists", queued)
        if services.outbox_worker is not None:
            services.outbox_worker.notify()
