"""The command line as an operator meets it: operator commands without a token, usage lines as the README
runs them, help for every option, a checked --log-level, and times in the region's zone."""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.app import Pantau
from bot.operators.tools import export_reports
from storage.database import Database
from testing.fake_telegram import FakeTelegram
from tests.harness import ROOT, Reporter, run_steps


def _run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False, env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env})


def test_group_code_needs_no_token(tmp_path: Path) -> None:
    proc = _run("group-code", "--region", "15.71.04", cwd=tmp_path,
                env={"DATABASE_PATH": str(tmp_path / "pantau.sqlite3")})
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"PTG-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", proc.stdout)
    assert "TELEGRAM_BOT_TOKEN" not in proc.stderr


def test_the_bot_without_a_token_still_explains_and_exits_2(tmp_path: Path) -> None:
    proc = _run("run", cwd=tmp_path, env={"DATABASE_PATH": str(tmp_path / "pantau.sqlite3")})
    assert proc.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is missing" in proc.stderr and "Traceback" not in proc.stderr


def test_identity_and_export_need_no_token(no_token: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", "--output", str(no_token.parent / "out.csv")]) == 0
    assert "exported 0 cases" in capsys.readouterr().out
    assert cli.main(["identity", "PTU-7KQ2-M9XD", "--purpose", "checking a case"]) == 2
    err = capsys.readouterr().err
    assert "no report PTU-7KQ2-M9XD" in err and "TELEGRAM_BOT_TOKEN" not in err


def test_evidence_needs_no_token_and_refuses_an_unknown_case_in_one_line(
    no_token: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = no_token.parent / "evidence-out"
    assert cli.main(["evidence", "PTU-7KQ2-M9XD", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "no report PTU-7KQ2-M9XD" and not out.exists()


@pytest.mark.parametrize("command", ["group-code", "identity", "evidence", "export", "org-add", "org-list", "run",
                                     "backup", "restore", "verify-evidence", "health"])
def test_usage_shows_the_command_as_the_readme_runs_it(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: ./scripts/run {command} ")


def test_every_option_has_help() -> None:
    parser = cli.build_parser()
    parsers = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            parsers += list(action.choices.values())
    assert len(parsers) == 18  # the bot, run, group-code, identity, evidence, export, org-add, org-list, org-link,
    # link-revoke, backup, restore, verify-evidence, health, ban, unban, tps-import, flags
    for p in parsers:
        for action in p._actions:
            assert action.help not in (None, "", argparse.SUPPRESS), f"{p.prog}: {action.option_strings or action.dest}"


@pytest.mark.parametrize("argv", [["--log-level", "LOUD", "export"], ["export", "--log-level", "verbose"]])
def test_an_invalid_log_level_is_one_line_and_exit_2(
    no_token: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "--log-level" in err and "DEBUG" in err
    assert not (no_token.parent / "data").exists()  # nothing was done


@pytest.mark.parametrize("argv", [["--log-level", "debug", "export"], ["export", "--log-level", "WARNING"]])
def test_a_valid_log_level_before_or_after_the_command(no_token: Path, argv: list[str]) -> None:
    assert cli.main([*argv, "--output", str(no_token.parent / "out.csv")]) == 0


@pytest.mark.sqlite_only  # reads the SQLite file the CLI wrote
@pytest.mark.parametrize(("region", "zone", "label"), [("15.71.04", "Asia/Jakarta", "WIB"),
                                                       ("71.71", "Asia/Makassar", "WITA"),
                                                       ("94", "Asia/Jayapura", "WIT")])
def test_group_code_prints_its_expiry_in_the_region_zone(
    no_token: Path, capsys: pytest.CaptureFixture[str], region: str, zone: str, label: str
) -> None:
    assert cli.main(["group-code", "--region", region]) == 0
    out = capsys.readouterr().out
    with contextlib.closing(sqlite3.connect(no_token)) as db:
        (expires_at,) = db.execute("SELECT expires_at FROM group_codes").fetchone()
    local = datetime.fromisoformat(expires_at).astimezone(ZoneInfo(zone))
    assert f"Valid until {local:%Y-%m-%d %H:%M} {label}, once." in out
    assert "UTC" not in out


async def test_export_times_are_in_the_region_zone(
    fake: FakeTelegram, start_bot: Callable[..., Any], tmp_path: Path
) -> None:
    pantau: Pantau = await start_bot()
    await run_steps(Reporter(fake))  # a report in Pasar Jambi (WIB, UTC+7)
    target = tmp_path / "export.csv"
    assert await export_reports(pantau.settings, target) == 1
    (row,) = list(csv.DictReader(target.open(encoding="utf-8")))
    assert row["submitted_at"].endswith("+07:00"), row["submitted_at"]
    async with Database(pantau.settings.database_path) as db:
        stored = await db.fetchone("SELECT submitted_at FROM reports")
    assert stored is not None
    assert datetime.fromisoformat(row["submitted_at"]) == datetime.fromisoformat(stored["submitted_at"])
