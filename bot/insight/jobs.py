"""Insight's periodic job: each supervisors' group's daily digest, queued when its local time comes
(bot/insight/service.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.kernel.context import PantauContext
from storage.database import utcnow

log = logging.getLogger(__name__)

DIGEST_CHECK_EVERY = timedelta(minutes=1)


async def queue_digests(context: PantauContext) -> None:
    """Queue the digests whose time has come (each group once a day)."""
    services = context.services
    queued = await services.insight.queue_digests(utcnow(), services.settings.default_locale)
    if queued:
        log.info("queued %d daily digests", queued)
        if services.outbox_worker is not None:
            services.outbox_worker.notify()
