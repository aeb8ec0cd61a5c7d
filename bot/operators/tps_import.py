"""`python -m bot tps-import FILE`: the operator loads (or updates) the deployment's TPS list from KPU's CSV
(bot/tps/catalogue.py names the columns). Every row is checked first: a file with any bad row imports nothing
and each bad row is printed with its line number. Importing again updates what changed and keeps the rest (the
watchers of a TPS stay)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TextIO

from bot.operators.tools import OperatorError
from bot.regions.directory import RegionDirectory
from bot.settings import OperatorSettings
from bot.tps.service import TpsService
from storage.database import Database
from storage.tps.stations import TpsRepository

MAX_ERRORS_SHOWN = 50


class _NoVolunteers:
    async def get(self, user_id: int) -> None:
        return None


async def tps_import(settings: OperatorSettings, path: Path, out: TextIO) -> int:
    """Exit 0 with what was added and updated; 1 with every bad row (nothing imported)."""
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig")
    except OSError as exc:
        raise OperatorError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise OperatorError(f"{path} is not UTF-8 text: save it from the spreadsheet as CSV UTF-8") from None
    regions = await asyncio.to_thread(RegionDirectory, settings.region_scope)
    async with Database(settings.database) as db:
        service = TpsService(TpsRepository(db), regions, _NoVolunteers())
        catalogue = service.read(text)
        if catalogue.errors:
            for error in catalogue.errors[:MAX_ERRORS_SHOWN]:
                print(error, file=out)
            more = len(catalogue.errors) - MAX_ERRORS_SHOWN
            if more > 0:
                print(f"… and {more} more", file=out)
            print(f"nothing imported: {len(catalogue.errors)} bad row(s) in {path}", file=out)
            return 1
        imported = await service.import_catalogue(catalogue)
        total = await service.repo.count()
    vulnerable = sum(1 for r in catalogue.rows if r.vulnerabilities)
    print(f"imported {len(catalogue.rows)} TPS from {path}: {imported.added} added, {imported.updated} updated, "
          f"{imported.unchanged} unchanged ({vulnerable} vulnerable); {total} TPS in all", file=out)
    return 0
