"""`python -m bot health`: exit 0 when a bot process beats, polls and drains its outbox, 1 with the reason in one line
when one of them is off; and the running bot writes the heartbeat it reads."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.operators import health
from storage.database import Database, iso, utcnow
from storage.delivery.outbox import OutboxMessage, OutboxRepository
from storage.operators.heartbeats import Beat, HeartbeatRepository
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, outbox_idle, services_of

pytestmark = pytest.mark.sqlite_only  # reads the SQLite file; on PostgreSQL: tests/test_health_postgres.py


async def _seed(path: Path, beats: list[tuple[str, float, float | None]], unsent_age: float | None = None) -> None:
    """Heartbeats (host, seconds since the beat, seconds since getUpdates returned or None) and an unsent message
    queued `unsent_age` seconds ago."""
    now = utcnow()
    async with Database(path) as db:
        repo = HeartbeatRepository(db)
        for n, (host, beat_age, polled_age) in enumerate(beats):
            await repo.beat(Beat(host, 4242 + n, "bot", iso(now - timedelta(hours=1)),
                                 iso(now - timedelta(seconds=beat_age)),
                                 None if polled_age is None else iso(now - timedelta(seconds=polled_age))), now)
        if unsent_age is not None:
            await OutboxRepository(db).add(OutboxMessage("health-test", 1, "sendMessage", {"text": "halo"}))
            await db.write([("UPDATE outbox SET created_at = ?", (iso(now - timedelta(seconds=unsent_age)),))])


# Each expected line is a regular expression matched at the line's start; times are stored to the second, so an age
# of 10 s reads 10 or 11 s.
SCENARIOS: list[tuple[str, list[tuple[str, float, float | None]], float | None, list[str], int, list[str]]] = [
    ("healthy", [("host-a", 5, 10)], None, [], 0,
     [r"ok: running, process 4242 on host-a \(bot\), heartbeat \d s ago", r"ok: polling, the last getUpdates call returned"
      r" 1\d s ago", "ok: outbox draining, nothing unsent"]),
    ("stale heartbeat", [("host-a", 200, 200)], None, [], 1,
     [r"problem: not running, the last heartbeat \(process 4242 on host-a\) was 3 min ago \(limit 90 s\)"]),
    ("a longer heartbeat limit", [("host-a", 200, 20)], None, ["--max-heartbeat-age", "300"], 0, ["ok: running"]),
    ("never polled", [("host-a", 5, None)], None, [], 1,
     ["problem: not polling, no getUpdates call has returned since the start 60 min ago"]),
    ("webhook mode", [("host-a", 5, None)], None, ["--webhook"], 0, ["ok: running", "ok: outbox draining"]),
    ("polled long ago", [("host-a", 5, 100)], None, [], 1,
     [r"problem: not polling, the last getUpdates call returned 10\d s ago \(limit 90 s\)"]),
    ("a longer poll limit", [("host-a", 5, 100)], None, ["--max-poll-age", "120"], 0, ["ok: polling"]),
    ("outbox stuck", [("host-a", 5, 10)], 1200, [], 1,
     [r"problem: outbox not draining, 1 unsent, the oldest queued 20 min ago \(limit 10 min\)"]),
    ("outbox slow but within its limit", [("host-a", 5, 10)], 1200, ["--max-unsent-age", "3600"], 0,
     ["ok: outbox draining, 1 unsent, the oldest queued 20 min ago"]),
    ("a dead process beside a live one", [("host-b", 5, 10), ("host-a", 3000, 3000)], None, [], 0,
     [r"ok: running, process 4242 on host-b "]),
    ("no process ever", [], None, [], 1, ["problem: not running, no bot process has written a heartbeat"]),
]


@pytest.mark.parametrize(("beats", "unsent_age", "options", "code", "expected"), [s[1:] for s in SCENARIOS],
                         ids=[s[0] for s in SCENARIOS])
def test_health_exit_code_and_reasons(
    no_token: Path, capsys: pytest.CaptureFixture[str], beats: list[tuple[str, float, float | None]],
    unsent_age: float | None, options: list[str], code: int, expected: list[str],
) -> None:
    asyncio.run(_seed(no_token, beats, unsent_age))
    assert cli.main(["health", *options]) == code
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert err == "" and all(line.startswith(("ok: ", "problem: ")) for line in lines)
    for wanted in expected:
        assert any(re.match(wanted, line) for line in lines), (wanted, lines)
    assert (code == 0) == all(line.startswith("ok: ") for line in lines)
    if "--webhook" in options:
        assert not any("polling" in line for line in lines)


def test_health_without_a_database_says_so_and_creates_none(no_token: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["health"]) == 1
    assert capsys.readouterr().out.strip() == f"problem: no database at {no_token}: the bot has not run here"
    assert not no_token.exists()


def test_health_of_a_database_older_than_the_heartbeat(no_token: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_seed(no_token, []))
    conn = sqlite3.connect(no_token, isolation_level=None)
    conn.execute("DROP TABLE heartbeats")
    conn.close()
    assert cli.main(["health"]) == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "no heartbeats: no bot of this version has run on it yet" in out


def test_a_row_of_a_process_gone_for_a_day_is_deleted_by_the_next_beat(tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        now = utcnow()
        async with Database(tmp_path / "p.sqlite3") as db:
            repo = HeartbeatRepository(db)
            old = iso(now - timedelta(days=2))
            await repo.beat(Beat("gone", 1, "bot", old, old, old), now - timedelta(days=2))
            await repo.beat(Beat("here", 2, "bot", iso(now), iso(now), None), now)
            return [b.host for b in await repo.all()]

    assert asyncio.run(scenario()) == ["here"]


@pytest.mark.parametrize("value", ["0", "-5", "soon", "inf"])
def test_a_threshold_must_be_a_positive_number_of_seconds(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["health", "--max-unsent-age", value])
    assert exit_.value.code == 2
    assert "expected a" in capsys.readouterr().err


async def test_the_running_bot_beats_and_health_follows_its_outbox(
    fake: FakeTelegram, start_bot: Callable[..., Any], no_token: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(health, "HEARTBEAT_EVERY", 0.05)
    polled = asyncio.Event()
    original = HeartbeatRepository.beat

    async def beat(repo: HeartbeatRepository, row: Beat, now: Any) -> None:
        await original(repo, row, now)
        if row.polled_at is not None:
            polled.set()

    monkeypatch.setattr(HeartbeatRepository, "beat", beat)
    pantau = await start_bot()
    assert pantau.settings.database_path == no_token  # the database `health` reads (DATABASE_PATH)
    r = Reporter(fake)
    r.say("/start")  # an update: the long poll returns at once (else after its timeout)
    await fake.wait_for("sendMessage", chat_id=r.user_id)
    await outbox_idle(services_of(pantau))
    await asyncio.wait_for(polled.wait(), 10)  # a heartbeat written after a getUpdates call returned
    assert await asyncio.to_thread(cli.main, ["health"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ok: running, process") and lines[1].startswith("ok: polling")
    assert lines[2] == "ok: outbox draining, nothing unsent"

    fake.fail_next("sendMessage", status=500, times=1000)  # Telegram fails every send: the outbox backs off
    services = services_of(pantau)
    mark = fake.cursor()
    await services.outbox.add(OutboxMessage("health-e2e", 700_999, "sendMessage", {"text": "Halo"}))
    assert services.outbox_worker is not None
    services.outbox_worker.notify()
    await fake.wait_for("sendMessage", chat_id=700_999, after=mark, predicate=lambda c: c.status == 500)
    assert len(await services.outbox.due(utcnow() + timedelta(days=1))) == 1  # still unsent, waiting to retry
    assert await asyncio.to_thread(cli.main, ["health", "--max-unsent-age", "0.001"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ok: running") and lines[1].startswith("ok: polling")
    assert lines[2].startswith("problem: outbox not draining, 1 unsent, the oldest queued ")
