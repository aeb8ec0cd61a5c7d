"""Webhook mode (WEBHOOK_URL): Telegram posts updates to PTB's webhook server with the secret token; the fake
Bot API server posts them like Telegram does (testing/fake_telegram/webhook.py). A request without the right
secret is refused, and an update is committed to the inbox before the 200 that acknowledges it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import cli
from bot.app import Pantau
from storage.database import Database
from storage.delivery.inbox import InboxRepository
from storage.operators.heartbeats import Beat, HeartbeatRepository
from testing.fake_telegram import FakeTelegram
from tests.bot_process import BotProcess
from tests.harness import Reporter, run_steps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def webhook_settings(port: int, **more: Any) -> dict[str, Any]:
    return {"webhook_url": f"http://127.0.0.1:{port}/hook", "webhook_listen": "127.0.0.1", "webhook_port": port,
            **more}


@pytest.fixture
async def webhook_bot(fake: FakeTelegram, make_settings: Callable[..., Any]) -> Any:
    """The real bot in this event loop, receiving updates by webhook on a free port."""
    running: list[Pantau] = []

    async def start(**more: Any) -> tuple[Pantau, int]:
        port = free_port()
        pantau = Pantau(make_settings(**webhook_settings(port, **more)))
        await pantau.start()
        running.append(pantau)
        return pantau, port

    yield start
    for pantau in running:
        await pantau.stop()


async def test_the_bot_sets_its_webhook_with_a_secret_and_answers_updates_posted_to_it(
        fake: FakeTelegram, webhook_bot: Any) -> None:
    _, port = await webhook_bot()
    call = fake.calls("setWebhook")[-1]
    assert call.params["url"] == f"http://127.0.0.1:{port}/hook"
    secret = str(call.params["secret_token"])
    assert len(secret) >= 32  # drawn at start when WEBHOOK_SECRET is unset
    assert not fake.calls("getUpdates")  # no polling
    r = Reporter(fake)
    sent = r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    assert (await fake.wait_webhook_post(sent["update_id"])).status == 200
    await run_steps(r, "category", "submit")
    assert {p.status for p in fake.webhook_posts} == {200}


async def test_webhook_secret_from_the_settings_is_the_one_set(fake: FakeTelegram, webhook_bot: Any) -> None:
    await webhook_bot(webhook_secret="rahasia-pantau_2026")
    assert fake.calls("setWebhook")[-1].params["secret_token"] == "rahasia-pantau_2026"


@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["missing", "wrong"])
async def test_a_post_without_the_right_secret_is_refused_and_nothing_is_stored(
        fake: FakeTelegram, webhook_bot: Any, secret: str | None) -> None:
    pantau, port = await webhook_bot(webhook_secret="the-right-secret")
    update = {"update_id": 55, "message": {"message_id": 1, "date": 1767225600, "text": "/lapor",
                                          "chat": {"id": 9001, "type": "private"},
                                          "from": {"id": 9001, "is_bot": False, "first_name": "Eve"}}}
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as session:
        async with session.post(f"http://127.0.0.1:{port}/hook", json=update, headers=headers) as response:
            assert response.status == 403
        async with session.post(f"http://127.0.0.1:{port}/hook", json=update,
                                headers={"X-Telegram-Bot-Api-Secret-Token": "the-right-secret"}) as response:
            assert response.status == 200  # the same update with the secret: accepted (so the 403 was the secret)
    assert pantau.services is not None
    # Accepted once, so exactly one copy is in the inbox or already processed: the refused posts stored nothing.
    await fake.wait_for("sendMessage", chat_id=9001)
    assert len([c for c in fake.calls("sendMessage") if c.params.get("chat_id") == 9001]) == 1


async def test_an_update_whose_commit_fails_is_not_acknowledged_and_comes_again(
        fake: FakeTelegram, webhook_bot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 200 waits for the inbox commit: a failed commit answers 500, Telegram posts the update again."""
    original = InboxRepository.receive
    failures = [RuntimeError("disk I/O error")]

    async def receive(inbox: InboxRepository, update_id: int, payload: dict[str, Any], chat_key: int = 0) -> None:
        if failures:
            raise failures.pop()
        await original(inbox, update_id, payload, chat_key)

    monkeypatch.setattr(InboxRepository, "receive", receive)
    await webhook_bot()
    r = Reporter(fake)
    sent = r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    statuses = [p.status for p in fake.webhook_posts if p.update_id == sent["update_id"]]
    assert statuses[0] == 500 and statuses[-1] == 200
    assert len(r.texts_since_mark()) == 1  # asked once


def heartbeats_written(monkeypatch: pytest.MonkeyPatch) -> list[Beat]:
    """Every heartbeat the bot writes, from now on."""
    written: list[Beat] = []
    original = HeartbeatRepository.beat

    async def beat(repo: HeartbeatRepository, row: Beat, now: Any) -> None:
        await original(repo, row, now)
        written.append(row)

    monkeypatch.setattr(HeartbeatRepository, "beat", beat)
    return written


@pytest.mark.sqlite_only  # health reads DATABASE_PATH; on PostgreSQL: tests/test_health_postgres.py
async def test_the_health_path_answers_on_the_webhook_server(
        fake: FakeTelegram, webhook_bot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    written = heartbeats_written(monkeypatch)
    _, port = await webhook_bot(health_path="/sehat")
    assert written[0].role == "webhook"  # the first heartbeat is written before the bot starts receiving
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/sehat") as response:
        body = await response.json()
        assert response.status == 200, body
    assert body["ok"] is True
    assert body["checks"][0].startswith("ok: running") and "ok: receiving updates by webhook" in body["checks"]


@pytest.mark.sqlite_only  # health reads DATABASE_PATH; on PostgreSQL: tests/test_health_postgres.py
async def test_health_knows_from_the_heartbeat_that_the_bot_runs_by_webhook(
        fake: FakeTelegram, webhook_bot: Any, monkeypatch: pytest.MonkeyPatch, no_token: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bot health` (the Docker health check) needs no --webhook: no getUpdates is no problem."""
    written = heartbeats_written(monkeypatch)
    pantau, _ = await webhook_bot()
    assert pantau.settings.database_path == no_token  # the database `health` reads (DATABASE_PATH)
    assert written  # written at start
    assert await asyncio.to_thread(cli.main, ["health"]) == 0
    out = capsys.readouterr().out
    assert "ok: receiving updates by webhook" in out and "polling" not in out


async def test_the_health_path_says_503_when_a_check_fails(
        fake: FakeTelegram, webhook_bot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unhealthy(self: Pantau) -> tuple[bool, list[str]]:
        return False, ["outbox: stuck"]

    monkeypatch.setattr(Pantau, "health", unhealthy)
    _, port = await webhook_bot()
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
        assert response.status == 503
        assert await response.json() == {"ok": False, "checks": ["outbox: stuck"]}


async def test_sigkill_after_the_webhook_answered_replays_the_update(fake: FakeTelegram, tmp_path: Path) -> None:
    """Killed after the 200 but before the reply went out: the update was in the inbox, so the restarted bot
    answers it, once."""
    port = free_port()
    bot = BotProcess(fake, tmp_path, **webhook_settings(port))
    await bot.start()
    try:
        r = Reporter(fake)
        await run_steps(r, "start", "category")
        fake.fail_next("sendMessage", status=0, delay=60, chat_id=r.user_id)  # the next prompt hangs
        sent = r.say("Kepala desa mengumpulkan warga dan meminta memilih calon tertentu di balai desa.")
        await fake.wait_hanging("sendMessage")
        assert (await fake.wait_webhook_post(sent["update_id"], status=200)).status == 200
        await bot.kill()
        await bot.start()
        await r.expect("Langkah 3 dari 9", timeout=20)
        await run_steps(r, "when", "submit")
        assert await bot.report_count() == 1
        async with Database(bot.database) as db:
            assert await InboxRepository(db).unprocessed() == []
    finally:
        await bot.stop()
