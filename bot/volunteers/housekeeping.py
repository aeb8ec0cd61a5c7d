"""Volunteers' periodic job: delete those who left or were rejected longer than VOLUNTEER_RETENTION_DAYS ago,
with everything that holds their data (the consent statement promises it; see
RegistrationDraftRepository.purge_volunteers), and registrations in progress untouched for DRAFT_KEEP_DAYS."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from bot.volunteers.registration import RegistrationService

log = logging.getLogger(__name__)

PURGE_VOLUNTEERS_EVERY = timedelta(hours=1)


class _Services(Protocol):
    @property
    def registration(self) -> RegistrationService: ...


class _JobContext(Protocol):  # the job queue's context (bot/kernel/context.py), without importing telegram
    @property
    def services(self) -> _Services: ...


async def purge_volunteers(context: _JobContext) -> None:
    """Delete the volunteers past their retention and the forgotten registrations in progress."""
    volunteers, drafts = await context.services.registration.purge()
    if volunteers or drafts:
        log.info("deleted %d volunteers past their retention and %d old registration drafts", volunteers, drafts)
