"""Volunteers' periodic jobs: delete those who left or were rejected longer than VOLUNTEER_RETENTION_DAYS ago,
with everything that holds their data (the consent statement promises it; see
RegistrationDraftRepository.purge_volunteers), and registrations in progress untouched for DRAFT_KEEP_DAYS;
and give the verification card of a volunteer who registered where no group was to the group registered since."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from bot.volunteers.registration import RegistrationService
from bot.volunteers.verification import VerificationService

log = logging.getLogger(__name__)

PURGE_VOLUNTEERS_EVERY = timedelta(hours=1)
WAITING_CARDS_EVERY = timedelta(minutes=5)


class _Services(Protocol):
    @property
    def registration(self) -> RegistrationService: ...

    @property
    def verification(self) -> VerificationService: ...


class _JobContext(Protocol):  # the job queue's context (bot/kernel/context.py), without importing telegram
    @property
    def services(self) -> _Services: ...


async def purge_volunteers(context: _JobContext) -> None:
    """Delete the volunteers past their retention and the forgotten registrations in progress."""
    volunteers, drafts = await context.services.registration.purge()
    if volunteers or drafts:
        log.info("deleted %d volunteers past their retention and %d old registration drafts", volunteers, drafts)


async def post_waiting_cards(context: _JobContext) -> None:
    """Verification cards of pending volunteers whose region had no supervisors group, once one covers it."""
    posted = await context.services.verification.post_waiting()
    if posted:
        log.info("posted the verification cards of %d volunteers waiting for a group", posted)
