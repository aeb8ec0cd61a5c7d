"""The container and the systemd unit, without a container runtime: no Docker engine runs on the machines
that develop and test Pantau (only the client), so these tests read the Dockerfile, compose.yaml and the
unit, check what an image build would need from the checkout, and run the image's own entrypoint
(ENTRYPOINT + CMD, with the image's environment, /data mapped to a temporary folder) outside a container,
against the fake Bot API server: the same command the container runs."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import socket
import sys
from pathlib import Path

from testing.fake_telegram import FakeTelegram
from tests.harness import ROOT, Reporter

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = (ROOT / "compose.yaml").read_text(encoding="utf-8")
UNIT = (ROOT / "deploy" / "pantau.service").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    """The arguments of every Dockerfile instruction `name`, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1].strip() for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#") and line.split(None, 1)[0].upper() == name]


def exec_form(arguments: str) -> list[str]:
    """A JSON-array (exec form) instruction's arguments, e.g. ENTRYPOINT ["python", "-m", "bot"]."""
    value = json.loads(arguments)
    assert isinstance(value, list), arguments
    return [str(part) for part in value]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for arguments in instructions("ENV"):
        for pair in shlex.split(arguments):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def test_the_image_runs_as_a_user_other_than_root_with_data_in_a_volume() -> None:
    users = instructions("USER")
    assert users and users[-1] not in ("root", "0")
    assert instructions("VOLUME") == ['["/data"]']
    env = image_env()
    assert env["DATABASE_PATH"].startswith("/data/") and env["EVIDENCE_DIR"].startswith("/data/")
    assert env["WEBHOOK_LISTEN"] == "0.0.0.0"
    assert "slim" in instructions("FROM")[0]


def test_the_image_copies_every_package_the_project_installs() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    include = re.search(r'include = \[([^\]]*)\]', pyproject)
    assert include is not None
    packages = {name.strip().strip('"').rstrip("*") for name in include.group(1).split(",")}
    copied = {arguments.split()[0] for arguments in instructions("COPY")}
    assert packages <= copied, packages - copied
    assert {"pyproject.toml", "README.md"} <= set(instructions("COPY")[0].split()[:-1])


def test_the_health_check_and_the_entrypoint_are_the_bots_own_commands() -> None:
    (health,) = instructions("HEALTHCHECK")
    assert exec_form(health[health.index("CMD") + 3:].strip()) == ["python", "-m", "bot", "health"]
    assert exec_form(instructions("ENTRYPOINT")[0]) + exec_form(instructions("CMD")[0]) == [
        "python", "-m", "bot", "run"]


def test_compose_keeps_the_data_in_a_named_volume_and_the_port_on_loopback() -> None:
    assert "- pantau-data:/data" in COMPOSE
    assert '"127.0.0.1:8080-8089:8080"' in COMPOSE  # loopback, a port for each worker of --scale bot=N
    assert "restart: unless-stopped" in COMPOSE
    assert 'profiles: ["postgres"]' in COMPOSE and "pg_isready" in COMPOSE


def test_the_systemd_unit_restarts_on_failure_and_runs_the_same_command() -> None:
    lines = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in UNIT.splitlines() if "=" in line
             and not line.startswith("#")}
    assert lines["Restart"] == "on-failure"
    assert lines["ExecStart"].endswith("python -m bot run")
    assert lines["User"] == "pantau" and lines["KillSignal"] == "SIGTERM"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_images_entrypoint_runs_the_bot_by_webhook_passes_its_health_check_and_stops_on_sigterm(
        fake: FakeTelegram, tmp_path: Path) -> None:
    port = free_port()
    env = {key: value.replace("/data", str(tmp_path / "data")) for key, value in image_env().items()}
    env.update({
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_FILE_BASE_URL": fake.file_base_url,
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_PORT": str(port),
    })
    command = exec_form(instructions("ENTRYPOINT")[0]) + exec_form(instructions("CMD")[0])
    command[0] = sys.executable  # the image's `python`
    log = tmp_path / "bot.log"
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(*command, cwd=tmp_path, env=env, stdout=out, stderr=out)
    try:
        await fake.wait_for("setWebhook", timeout=30)
        r = Reporter(fake)
        r.say("/lapor")
        await r.expect("Langkah 1 dari 9", timeout=20)
        (health,) = instructions("HEALTHCHECK")
        check = exec_form(health[health.index("CMD") + 3:].strip())
        check[0] = sys.executable
        probe = await asyncio.create_subprocess_exec(*check, cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
                                                     stderr=asyncio.subprocess.STDOUT)
        said, _ = await probe.communicate()
        assert probe.returncode == 0, said.decode()  # the image's health check, on the running bot
        assert "ok: receiving updates by webhook" in said.decode()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert (tmp_path / "data" / "pantau.sqlite3").is_file()
    events = [json.loads(line) for line in log.read_text().splitlines()]  # LOG_FORMAT=json in the image
    assert any("webhook" in e["event"] for e in events)
