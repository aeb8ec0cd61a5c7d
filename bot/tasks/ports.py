"""What tasks need from the other features, as small interfaces (the composition root wires the real ones)."""

from __future__ import annotations

from typing import Protocol

from storage.volunteers.volunteers import Recipient, VolunteerRow


class VolunteerRoster(Protocol):
    """Volunteers, as tasks see them (bot/volunteers/service.py implements it)."""

    async def get(self, user_id: int) -> VolunteerRow | None: ...

    async def recipients(self, region_code: str, *, kinds: tuple[str, ...] = (),
                         organisation_id: int | None = None) -> list[Recipient]: ...
