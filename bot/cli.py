"""Command line: `python -m bot` runs the bot (long polling); `identity` and `export` are operators' tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.operator_tools import OperatorError, export_reports, group_code, show_identity
from bot.settings import SettingsError, load_settings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Pantau: election violation reports bot")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING… (default INFO)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot with long polling (the default)")
    identity = sub.add_parser("identity", help="show the reporter's identity behind a case code (logged)")
    identity.add_argument("code", help="case code, e.g. PTU-7KQ2-M9XD")
    identity.add_argument("--purpose", required=True, help="why you need it; written to the access log")
    identity.add_argument("--operator", help="your name for the access log (default: your login)")
    code = sub.add_parser("group-code", help="print a one-time code to register a supervisors' Telegram group")
    code.add_argument("--region", required=True, help="Kemendagri code the group serves, e.g. 15 or 15.71.04")
    code.add_argument("--role", choices=("supervisors", "gakkumdu"), default="supervisors")
    export = sub.add_parser("export", help="export all reports to CSV (without reporters' identities)")
    export.add_argument("--output", type=Path, default=Path("data/reports.csv"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "identity":
        return _operator(show_identity(settings, args.code, args.purpose, sys.stdout, args.operator))
    if args.command == "group-code":
        return _operator(group_code(settings, args.region, args.role, sys.stdout))
    if args.command == "export":
        count = asyncio.run(export_reports(settings, args.output))
        print(f"exported {count} reports to {args.output}")
        return 0
    from bot.app import run_polling  # imported late: a settings error needs none of the bot's machinery

    asyncio.run(run_polling(settings))
    return 0


def _operator(task: Coroutine[Any, Any, None]) -> int:
    try:
        asyncio.run(task)
    except OperatorError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0
