"""Logging: one line per event, as text (the default) or as JSON (`LOG_FORMAT=json`) for a log collector.

Pantau logs through the standard library's `logging`, like python-telegram-bot, aiohttp and tornado, so one
handler on the root logger formats every library's records alike. JSON lines are rendered by structlog's
`ProcessorFormatter` (a well-kept renderer: timestamps, levels, exceptions as one escaped string) rather than
by a formatter of our own. A traceback stays on its event's line in both formats, so `journalctl -u pantau`
and `docker logs` show one event per line and a log collector never splits one.

Never a reporter's identity: Pantau's own messages name cases, chats and update ids, not people. Below INFO,
python-telegram-bot logs whole updates and API parameters (names, phone numbers, texts) and aiosqlite every SQL
statement with its parameters (an identity's insert included), so the libraries' loggers stay at INFO or above
whatever `--log-level` says; DEBUG is for Pantau's own loggers."""

from __future__ import annotations

import enum
import logging
import sys
from typing import TextIO

import structlog

# The libraries whose DEBUG records carry update contents or request parameters, kept at INFO at least.
LIBRARY_LOGGERS = ("telegram", "tornado", "aiohttp", "httpx", "httpcore", "apscheduler", "asyncio", "aiosqlite",
                   "asyncpg")
QUIET_LOGGERS = ("httpx", "apscheduler")  # a line per HTTP request, per job run: WARNING unless something goes wrong


_MARK = "pantau_handler"  # on the handler configure_logging installs, to replace it when called again


class LogFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


class OneLineFormatter(logging.Formatter):
    """The text format: `time LEVEL logger: message`, with a traceback folded onto the same line."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", " | ")


def json_formatter() -> logging.Formatter:
    """One JSON object a line: time (UTC, ISO 8601), level, logger, event, and the exception if any."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )


def configure_logging(level: int, log_format: LogFormat = LogFormat.TEXT, stream: TextIO | None = None) -> None:
    """Give the root logger one handler writing `log_format` lines to `stream` (stderr) at `level`. As with
    `logging.basicConfig`, a root logger someone else configured (pytest, an embedding program) is left alone,
    but for the libraries' levels."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, _MARK, False)]
    if len(ours) == len(root.handlers):
        for old in ours:
            root.removeHandler(old)
        handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
        setattr(handler, _MARK, True)
        if log_format is LogFormat.JSON:
            handler.setFormatter(json_formatter())
        else:
            handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
