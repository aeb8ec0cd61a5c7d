"""A database in use, with rows, upgraded through the later migrations, on either engine (scripts/test-postgres
runs this on PostgreSQL): the rows stay, and what the new schema allows works."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import database
from storage.database import Database

GROUP = ("INSERT INTO supervisor_groups (chat_id, region_code, role, title, active, registered_by, registered_at)"
         " VALUES (?, '15', ?, 'Grup', 1, 5, '2026-11-01T00:00:00+00:00')")


async def test_a_database_with_groups_upgrades_through_the_cyber_role(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen: on PostgreSQL, the rebuilt supervisor_groups' identity sequence was set past the highest chat id, a
    negative one, which PostgreSQL refuses: a deployment with groups could not upgrade through migration 0019."""
    every = database.migrations
    monkeypatch.setattr(database, "migrations", lambda: [m for m in every() if m[0] < 19])
    async with Database(tmp_path / "upgrade.sqlite3") as db:
        await db.write([(GROUP, (-1001234567890, "gakkumdu")), (GROUP, (-1001234567891, "supervisors"))])
    monkeypatch.setattr(database, "migrations", every)
    async with Database(tmp_path / "upgrade.sqlite3") as db:
        assert await db.schema_version() == every()[-1][0]
        await db.write([(GROUP, (-1001234567892, "cyber"))])
        rows = await db.fetchall("SELECT chat_id, role FROM supervisor_groups ORDER BY chat_id")
        assert [(r["chat_id"], r["role"]) for r in rows] == [
            (-1001234567892, "cyber"), (-1001234567891, "supervisors"), (-1001234567890, "gakkumdu")]
