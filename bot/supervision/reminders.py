"""Supervision's periodic job: remind groups of alerts nobody claimed, and escalate them."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.kernel.context import PantauContext

log = logging.getLogger(__name__)

REMIND_CHECK_EVERY = timedelta(minutes=5)


async def remind_unclaimed(context: PantauContext) -> None:
    """Re-announce alerts nobody claimed after ALERT_REMIND_AFTER hours; escalate them after twice that."""
    services = context.services
    reminded, escalated = await services.supervision.remind_and_escalate(
        timedelta(hours=services.settings.alert_remind_after)
    )
    if reminded or escalated:
        log.info("reminded %d unclaimed alerts, escalated %d", reminded, escalated)
        if services.outbox_worker is not None:
            services.outbox_worker.notify()
