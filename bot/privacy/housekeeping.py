"""The privacy feature's periodic job: reporters' identities past IDENTITY_RETENTION_DAYS (and in no legal process)
are erased, and the reports of people who asked for erasure lose their Telegram id once closed
(bot/privacy/service.py PrivacyService.purge). Each erasure is logged in personal_data_log."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from bot.privacy.service import PrivacyService

log = logging.getLogger(__name__)

PURGE_IDENTITIES_EVERY = timedelta(hours=1)


class _Services(Protocol):
    @property
    def privacy(self) -> PrivacyService: ...


class _JobContext(Protocol):  # the job queue's context (bot/kernel/context.py), without importing telegram
    @property
    def services(self) -> _Services: ...


async def purge_identities(context: _JobContext) -> None:
    """Erase the identities past their retention; unlink closed reports of people who asked for erasure."""
    identities, unlinked = await context.services.privacy.purge()
    if identities or unlinked:
        log.info("erased %d identities past their retention; %d closed reports no longer name their reporter's"
                 " Telegram account", identities, unlinked)
