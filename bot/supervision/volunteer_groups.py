"""Supervision's routing as volunteers' verification sees it (the `SupervisorGroups` port of
bot/volunteers/ports.py, wired by bot/app.py): which groups get a volunteer's card, and which groups may decide
for a volunteer. The rules are those of reports: the kecamatan's group, else the nearest one above, else the
admin chat."""

from __future__ import annotations

from bot.supervision.service import SUPERVISORS, SupervisionService


def _kecamatan(region_code: str) -> str:
    """A volunteer's region may be a desa/kelurahan (four parts): groups are registered down to kecamatan."""
    return ".".join(region_code.split(".")[:3])


class VolunteerGroups:
    def __init__(self, supervision: SupervisionService) -> None:
        self.supervision = supervision

    async def for_region(self, region_code: str) -> tuple[int, ...]:
        return (await self.supervision.route(_kecamatan(region_code))).chat_ids

    async def covers(self, chat_id: int, region_code: str) -> bool:
        admin = self.supervision.admin_chat_id
        if admin is not None and chat_id == admin:
            return True
        group = await self.supervision.group_of(chat_id)
        return (group is not None and group.role == SUPERVISORS
                and (region_code == group.region_code or region_code.startswith(group.region_code + ".")))

    async def region_of(self, chat_id: int) -> str | None:
        group = await self.supervision.group_of(chat_id)
        return group.region_code if group is not None and group.role == SUPERVISORS else None
