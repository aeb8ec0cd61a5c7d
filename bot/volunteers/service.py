"""Volunteers (relawan): the rules for their registration and status, and who gets a task.

The registration conversation (handlers/volunteers/) hands a complete registration to `register`; a status
changes only through `set_status` (pending -> verified / rejected, verified -> suspended, any -> left). Tasks
(bot/tasks/) ask for their recipients through `recipients` (the `VolunteerRoster` port, bot/tasks/ports.py).
"""

from __future__ import annotations

from bot.regions.directory import RegionDirectory
from bot.volunteers.status import VolunteerStatus
from storage.database import Tx
from storage.volunteers.organisations import OrganisationRepository
from storage.volunteers.volunteers import NewVolunteer, Recipient, VolunteerRepository, VolunteerRow

# Which status may follow which (a status change from anything else is refused).
TRANSITIONS: dict[VolunteerStatus, tuple[VolunteerStatus, ...]] = {
    VolunteerStatus.VERIFIED: (VolunteerStatus.PENDING, VolunteerStatus.SUSPENDED),
    VolunteerStatus.REJECTED: (VolunteerStatus.PENDING,),
    VolunteerStatus.SUSPENDED: (VolunteerStatus.VERIFIED,),
    VolunteerStatus.LEFT: (VolunteerStatus.PENDING, VolunteerStatus.VERIFIED, VolunteerStatus.SUSPENDED,
                           VolunteerStatus.REJECTED),
    VolunteerStatus.PENDING: (),
}


class VolunteerService:
    def __init__(self, repo: VolunteerRepository, organisations: OrganisationRepository,
                 regions: RegionDirectory) -> None:
        self.repo = repo
        self.organisations = organisations
        self.regions = regions

    async def get(self, user_id: int) -> VolunteerRow | None:
        return await self.repo.get(user_id)

    async def register(self, new: NewVolunteer, tx: Tx | None = None) -> VolunteerRow:
        """Store a complete registration as pending (replacing an earlier one of the same person)."""
        return await self.repo.register(new, tx)

    async def set_status(self, user_id: int, status: VolunteerStatus, actor: str, *, reason: str | None = None,
                         tx: Tx | None = None) -> bool:
        """Move a volunteer to `status` if their current one allows it (see TRANSITIONS). True if it changed."""
        allowed = tuple(s.value for s in TRANSITIONS[status])
        return await self.repo.set_status(user_id, status.value, actor, expected=allowed, reason=reason, tx=tx)

    async def recipients(self, region_code: str, *, kinds: tuple[str, ...] = (),
                         organisation_id: int | None = None) -> list[Recipient]:
        """Verified, reachable volunteers of a region and below (optionally of some kinds or one organisation)."""
        return await self.repo.recipients(region_code, kinds=kinds, organisation_id=organisation_id)

    async def suspended(self, volunteer: VolunteerRow) -> bool:
        """Suspended, or left while suspended: registering again must not lift a suspension."""
        if volunteer.status == VolunteerStatus.SUSPENDED:
            return True
        return volunteer.status == VolunteerStatus.LEFT and await self.repo.left_while_suspended(volunteer.user_id)

    async def unreachable(self, user_id: int) -> bool:
        """Telegram said the volunteer cannot be written to (403, chat not found): skipped by later tasks."""
        return await self.repo.set_reachable(user_id, False)

    async def reachable_again(self, user_id: int) -> bool:
        """The volunteer wrote to the bot: they can be written to again."""
        return await self.repo.set_reachable(user_id, True)

    async def unreachable_ids(self) -> list[int]:
        """Volunteers marked unreachable (bot/volunteers/reachability.py keeps them in memory)."""
        return await self.repo.unreachable_ids()
