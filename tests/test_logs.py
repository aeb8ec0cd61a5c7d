"""Logs: one line per event, text or JSON (LOG_FORMAT=json), and never a reporter's identity."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.logs import LogFormat, configure_logging
from testing.fake_telegram import FakeTelegram
from tests.bot_process import BotProcess
from tests.harness import CHRONOLOGY, Reporter, give_identity, run_steps


@pytest.fixture
def own_root(monkeypatch: pytest.MonkeyPatch) -> Callable[[], logging.Logger]:
    """Call it in the test: the root logger without pytest's capture handlers (which pytest adds per phase),
    its handlers and level restored afterwards."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", root.level)

    def take() -> logging.Logger:
        monkeypatch.setattr(root, "handlers", [])
        return root

    return take


def failing_event(name: str = "bot.test") -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logging.getLogger(name).exception("sending %s failed", "alert 7")


def test_text_lines_fold_a_traceback_onto_the_events_line(own_root: Callable[[], logging.Logger]) -> None:
    own_root()
    out = io.StringIO()
    configure_logging(logging.INFO, LogFormat.TEXT, out)
    failing_event()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert "ERROR bot.test: sending alert 7 failed | Traceback" in lines[0] and "ValueError: boom" in lines[0]


def test_json_lines_carry_level_logger_time_and_the_exception(own_root: Callable[[], logging.Logger]) -> None:
    own_root()
    out = io.StringIO()
    configure_logging(logging.INFO, LogFormat.JSON, out)
    logging.getLogger("bot.x").info("case %s registered", "PTU-AAAA-BBBB")
    failing_event()
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["event"] == "case PTU-AAAA-BBBB registered" and first["level"] == "info"
    assert first["logger"] == "bot.x" and first["timestamp"].endswith("Z")
    assert second["level"] == "error" and "ValueError: boom" in second["exception"]


def test_configuring_again_replaces_the_handler_not_adds_one(own_root: Callable[[], logging.Logger]) -> None:
    root = own_root()
    configure_logging(logging.INFO, LogFormat.TEXT, io.StringIO())
    out = io.StringIO()
    configure_logging(logging.INFO, LogFormat.JSON, out)
    assert len(root.handlers) == 1
    logging.getLogger("bot.y").warning("once")
    assert len(out.getvalue().splitlines()) == 1


def test_libraries_stay_at_info_when_pantau_logs_debug(own_root: Callable[[], logging.Logger]) -> None:
    own_root()
    configure_logging(logging.DEBUG, LogFormat.TEXT, io.StringIO())
    assert logging.getLogger("bot").getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger("telegram.ext.Updater").getEffectiveLevel() == logging.INFO  # logs whole updates below
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING


async def test_a_debug_json_log_of_a_whole_report_has_no_identity(fake: FakeTelegram, tmp_path: Path) -> None:
    """The real `python -m bot` at DEBUG with LOG_FORMAT=json: every line is a JSON event, and neither the
    reporter's name, address, phone, Telegram name nor the chronology is in any of them."""
    bot = BotProcess(fake, tmp_path, "--log-level", "DEBUG", log_format="json")
    await bot.start()
    try:
        r = Reporter(fake, first_name="Zulaikha")
        await run_steps(r, "start", "witnesses")
        await give_identity(r, name="Siti Aminah Rahmawati", address="Jl. Kenanga No. 17, Telanaipura",
                            phone="0812-9988-7766")
        await run_steps(r, "submit", "submit")
    finally:
        await bot.stop()
    text = bot.log_text()
    lines = text.splitlines()
    assert len(lines) > 10
    events = [json.loads(line) for line in lines]
    assert all({"event", "level", "timestamp", "logger"} <= set(e) for e in events)
    assert any(e["level"] == "debug" and e["logger"] == "bot.cli" for e in events)  # DEBUG reached Pantau's loggers
    # The phone's 8 last digits, with or without the dash (a timestamp's fraction has 6 digits, ids are others).
    for secret in ("Siti Aminah", "Kenanga", "9988-7766", "99887766", "Zulaikha", CHRONOLOGY[:30]):
        assert secret not in text
