"""Reporting's periodic jobs: close conversations left idle for a day, forget drafts untouched for a week."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.kernel.context import PantauContext
from storage.database import utcnow

log = logging.getLogger(__name__)

IDLE_CHECK_EVERY = timedelta(minutes=10)
PURGE_EVERY = timedelta(hours=1)


async def close_idle_conversations(context: PantauContext) -> None:
    """Close report conversations idle for CONVERSATION_IDLE_HOURS, with a message; keep their drafts."""
    services = context.services
    cutoff = utcnow() - timedelta(hours=services.settings.conversation_idle_hours)
    closed = await services.intake.close_idle(
        cutoff,
        services.users.locale,
        hours=services.settings.conversation_idle_hours,
        keep_days=services.settings.draft_keep_days,
    )
    if closed:
        log.info("closed %d idle report conversations", closed)
        if services.outbox_worker is not None:
            services.outbox_worker.notify()


async def purge_old_drafts(context: PantauContext) -> None:
    """Delete drafts untouched for DRAFT_KEEP_DAYS and evidence files nothing refers to any more."""
    services = context.services
    cutoff = utcnow() - timedelta(days=services.settings.draft_keep_days)
    drafts, files = await services.intake.purge(cutoff)
    if drafts or files:
        log.info("purged %d old drafts and %d unreferenced evidence files", drafts, files)
