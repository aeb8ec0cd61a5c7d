"""Organisations that sign agreements with Bawaslu and recruit volunteers (relawan): the rules for registering
and listing them. Volunteers, recruitment links and tasks (issue 9) build on these."""

from __future__ import annotations

from bot.kernel.refusal import Refusal
from bot.regions.directory import Region, RegionDirectory
from bot.volunteers.kinds import OrganisationKind
from storage.volunteers.organisations import DuplicateOrganisation, OrganisationRepository, OrganisationRow

NAME_MIN, NAME_MAX = 3, 120


class OrganisationService:
    def __init__(self, repo: OrganisationRepository, regions: RegionDirectory) -> None:
        self.repo = repo
        self.regions = regions

    async def add(self, name: str, kind: str, region_code: str, created_by: str) -> tuple[OrganisationRow, Region]:
        """Register an organisation for a region (any level). Refusals: a name too short or too long, a kind or
        region that does not exist, a name already registered in that region (any letter case)."""
        clean = " ".join(name.split())
        if not NAME_MIN <= len(clean) <= NAME_MAX:
            raise Refusal("organisations.name_invalid", min=NAME_MIN, max=NAME_MAX)
        try:
            org_kind = OrganisationKind(kind)
        except ValueError:
            raise Refusal("organisations.kind_unknown", kind=kind,
                          kinds=", ".join(k.value for k in OrganisationKind)) from None
        region = self.regions.get(region_code.strip())
        if region is None:
            raise Refusal("organisations.region_unknown", code=region_code)
        try:
            row = await self.repo.add(clean, org_kind.value, region.code, created_by)
        except DuplicateOrganisation as exc:
            raise Refusal("organisations.duplicate", name=exc.existing.name, region=region.path,
                          id=exc.existing.id) from None
        return row, region

    async def in_region(self, region_code: str | None) -> list[OrganisationRow]:
        """Active organisations of a region and below (all of them for None)."""
        if region_code is not None and self.regions.get(region_code) is None:
            raise Refusal("organisations.region_unknown", code=region_code)
        return await self.repo.in_region(region_code)
