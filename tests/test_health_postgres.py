"""`python -m bot health` on a PostgreSQL deployment (DATABASE_URL): the same checks, read over a connection of
its own. Runs under scripts/test-postgres (a real PostgreSQL server); skipped on the SQLite run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.operators.health import health_report
from bot.settings import OperatorSettings
from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxMessage, OutboxRepository
from storage.operators.heartbeats import Beat, HeartbeatRepository
from tests import postgres_cluster

pytestmark = pytest.mark.skipif(not postgres_cluster.wanted(), reason="needs PostgreSQL (scripts/test-postgres)")


async def test_health_reads_heartbeats_and_the_outbox_from_postgresql(tmp_path: Path) -> None:
    assert postgres_cluster.CLUSTER is not None
    url = postgres_cluster.CLUSTER.url_for(tmp_path / "pantau.sqlite3")
    settings = OperatorSettings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    ok, lines = await health_report(settings)
    assert not ok and "no heartbeats" in lines[0]  # the schema is there, no bot has migrated it yet
    now = utcnow()
    async with Database(tmp_path / "pantau.sqlite3") as db:  # the same schema, migrated
        await HeartbeatRepository(db).beat(Beat("host-a", 7, "bot", iso(now), iso(now), iso(now)), now)
        ok, lines = await health_report(settings, now=now)
        assert ok, lines
        assert lines[0].startswith("ok: running, process 7 on host-a") and lines[1].startswith("ok: polling")
        await OutboxRepository(db).add(OutboxMessage("pg-health", 1, "sendMessage", {"text": "halo"}))
        ok, lines = await health_report(settings, now=now + timedelta(minutes=30))
    assert not ok and any(line.startswith("problem: outbox not draining, 1 unsent") for line in lines)


async def test_an_unreachable_postgresql_is_unhealthy_in_one_line() -> None:
    settings = OperatorSettings(_env_file=None, database_url="postgresql://nobody@127.0.0.1:1/none")  # type: ignore[call-arg]
    ok, lines = await health_report(settings)
    assert not ok and lines[0].startswith("problem: cannot read the PostgreSQL database")
