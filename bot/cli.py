"""Command line: `./scripts/run` (or `python -m bot`) runs the bot (long polling, or by webhook with
WEBHOOK_URL); `group-code`, `identity`, `evidence`, `export`, `org-add`, `org-list`, `org-link` and
`link-revoke` are operators' tools, which never talk to Telegram and need no token. So are the operations
tools: `backup` (a consistent copy of the database while the bot runs, with a manifest of the evidence
files), `restore` (only while no bot runs), `verify-evidence` (exit 1 if a file is missing or corrupted) and
`health` (exit 0 healthy, 1 not: a health check's command)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.logs import configure_logging
from bot.operators.backup import backup, restore, verify_evidence
from bot.operators.bans import ban, flags, unban
from bot.operators.health import DEFAULT_LIMITS, HealthLimits, health_report
from bot.operators.tools import (
    OperatorError,
    export_evidence,
    export_reports,
    group_code,
    link_revoke,
    org_add,
    org_link,
    org_list,
    show_identity,
)
from bot.operators.tps_import import tps_import
from bot.settings import OperatorSettings, SettingsError, load_logging_settings, load_operator_settings, load_settings
from bot.volunteers.kinds import OrganisationKind

PROG = "./scripts/run"  # how the README runs it; `python -m bot` takes the same arguments
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
OPERATOR_COMMANDS = ("group-code", "identity", "evidence", "export", "org-add", "org-list", "org-link", "link-revoke",
                     "backup", "restore", "verify-evidence", "health", "ban", "unban", "flags", "tps-import")


def build_parser() -> argparse.ArgumentParser:
    # --log-level is accepted before or after the command; SUPPRESS keeps a command's parser from
    # overwriting a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--log-level", default=argparse.SUPPRESS, metavar="LEVEL",
                        help=f"how much to log: {', '.join(LOG_LEVELS)} (default INFO)")
    parser = argparse.ArgumentParser(
        prog=PROG, parents=[common], description="Pantau: the election violation reports bot.",
        epilog="Settings come from the environment or .env (see .env.example). With no command, the bot runs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help="what to do (default: run)")
    sub.add_parser("run", parents=[common], help="run the bot (the default)",
                   description="Run the bot until SIGINT or SIGTERM: long polling, or a webhook server when "
                   "WEBHOOK_URL is set. Needs TELEGRAM_BOT_TOKEN.")
    code = sub.add_parser("group-code", parents=[common], help="print a one-time code to register a supervisors' group",
                          description="Print a one-time code (valid 24 hours) that registers a Telegram group "
                          "for a region, with /daftar CODE in the group.")
    code.add_argument("--region", required=True, metavar="CODE",
                      help="Kemendagri code of the region the group serves, e.g. 15, 15.71 or 15.71.04")
    code.add_argument("--role", choices=("supervisors", "gakkumdu", "cyber"), default="supervisors",
                      help="supervisors (the default); gakkumdu: a Sentra Gakkumdu group, which gets only "
                      "the cases forwarded to it; cyber: a cyber task force, which gets the online-content cases "
                      "of its region and below (CYBER_ROUTING)")
    identity = sub.add_parser("identity", parents=[common], help="show the reporter's identity behind a case code (logged)",
                              description="Print the name, address and phone behind a case code. The access "
                              "(who, why, when) is logged first.")
    identity.add_argument("code", help="case code, e.g. PTU-7KQ2-M9XD")
    identity.add_argument("--purpose", required=True,
                          help="why you need it (at least 5 characters); written to the access log")
    identity.add_argument("--operator", metavar="NAME", help="your name for the access log (default: your login name)")
    evidence = sub.add_parser("evidence", parents=[common], help="copy a case's original evidence files (logged)",
                              description="Copy the evidence files of a case as the bot stored them (metadata and "
                              "all) into a folder, named after the case (CASE-CODE-1.jpg, …), with manifest.json "
                              "giving each file's original name, SHA-256, size, kind, MIME type and time. The access "
                              "is logged first.")
    evidence.add_argument("code", help="case code, e.g. PTU-7KQ2-M9XD")
    evidence.add_argument("--out", required=True, type=Path, metavar="DIR",
                          help="the folder to copy them into (created if need be; no file there is overwritten)")
    evidence.add_argument("--operator", metavar="NAME", help="your name for the access log (default: your login name)")
    export = sub.add_parser("export", parents=[common], help="export the cases to CSV, XLSX or GeoJSON",
                            description="Write the cases, one row per case (code, category, status, kind, times in "
                            "the zone of the case's region, region codes and names, place, reported party, evidence "
                            "count and hashes, deadlines), never with identities unless --with-identity --purpose.")
    export.add_argument("--output", type=Path, default=Path("data/reports.csv"), metavar="PATH",
                        help="the file to write (default data/reports.csv); its suffix picks the format")
    export.add_argument("--format", dest="fmt", choices=["csv", "xlsx", "geojson"],
                        help="csv, xlsx or geojson (default: the output's suffix, else csv)")
    export.add_argument("--region", metavar="CODE", help="only the cases of this region, e.g. 15.71 (default: all)")
    export.add_argument("--with-identity", action="store_true",
                        help="include the reporters' names, addresses and phones (logged in the access log)")
    export.add_argument("--purpose", help="why the identities are exported (required with --with-identity; logged)")
    export.add_argument("--operator", metavar="NAME", help="your name for the access log (default: your login name)")
    org = sub.add_parser("org-add", parents=[common], help="register an organisation that recruits volunteers",
                         description="Register an organisation that signed an agreement with Bawaslu (students, "
                         "OKP, ormas, cyber media, observers, SKPP alumni…) for a region of any level.")
    org.add_argument("--name", required=True, help='its name, e.g. "BEM Universitas Jambi"')
    org.add_argument("--type", dest="kind", required=True, metavar="TYPE",
                     choices=[k.value for k in OrganisationKind],
                     help="students, okp, ormas, cyber_media, observer, skpp_alumni or other")
    org.add_argument("--region", required=True, metavar="CODE", help="Kemendagri code of its region, e.g. 15.71")
    org.add_argument("--operator", metavar="NAME", help="your name, recorded with it (default: your login name)")
    orgs = sub.add_parser("org-list", parents=[common], help="list the registered organisations",
                          description="List the active organisations of a region and the regions under it.")
    orgs.add_argument("--region", metavar="CODE", help="only this region and the regions under it")
    link = sub.add_parser("org-link", parents=[common], help="print a new recruitment link of an organisation",
                          description="Print a new recruitment link https://t.me/<bot>?start=<payload> of an "
                          "organisation, optionally naming a coordinator, and write its QR code. The bot's username "
                          "comes from --bot-username or TELEGRAM_BOT_USERNAME: this command does not ask Telegram.")
    link.add_argument("--org", dest="organisation", required=True, type=int, metavar="ID",
                      help="the organisation's number (see org-list)")
    link.add_argument("--coordinator", type=int, metavar="USER_ID",
                      help="a verified volunteer of the organisation who also verifies those registering by it")
    link.add_argument("--qr", type=Path, metavar="FILE.png", help="write the link's QR code (PNG) there")
    link.add_argument("--bot-username", metavar="NAME", help="the bot's username (default TELEGRAM_BOT_USERNAME)")
    link.add_argument("--operator", metavar="NAME", help="your name, recorded with it (default: your login name)")
    revoke = sub.add_parser("link-revoke", parents=[common], help="revoke a recruitment link",
                            description="Revoke a recruitment link: it registers nobody from then on.")
    revoke.add_argument("payload", help="the link's payload (rel_…, the part after ?start=) or the whole link")
    _operations_commands(sub, common)
    return parser


def _operations_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    backup = sub.add_parser("backup", parents=[common], help="back up the database (while the bot runs) and evidence",
                            description="Copy the database as one consistent snapshot (SQLite's online backup, safe "
                            "while the bot runs) into DEST, a new or empty folder, with manifest.json listing every "
                            "evidence file it refers to (SHA-256 and size, no reporter's file name).")
    backup.add_argument("dest", type=Path, metavar="DEST", help="the folder to write the backup into (created)")
    backup.add_argument("--with-evidence", action="store_true",
                        help="copy the evidence files too (byte for byte, each checked against its SHA-256)")
    restore = sub.add_parser("restore", parents=[common], help="restore a backup (the bot must be stopped)",
                             description="Put a backup folder back as DATABASE_PATH (and its evidence files into "
                             "EVIDENCE_DIR). Refused while the bot runs. The backup's integrity and every SHA-256 "
                             "are checked before anything is replaced.")
    restore.add_argument("src", type=Path, metavar="SRC", help="the folder `backup` wrote")
    restore.add_argument("--force", action="store_true",
                         help="replace an existing database (kept as <db>.before-restore-<time>.bak)")
    sub.add_parser("verify-evidence", parents=[common], help="check every evidence file against its SHA-256",
                   description="Check every evidence file the database refers to against its SHA-256. Exit 1 if one "
                   "is missing or corrupted; files the database does not refer to are counted, not an error.")
    health = sub.add_parser("health", parents=[common], help="exit 0 if the running bot is healthy, 1 if not",
                            description="Say whether the bot is running and polling and its outbox draining, one "
                            "line each, from the heartbeat the running bot writes. Exit 0 healthy, 1 not.")
    health.add_argument("--max-heartbeat-age", type=_seconds, default=DEFAULT_LIMITS.heartbeat, metavar="SECONDS",
                        help=f"older heartbeat: not running (default {DEFAULT_LIMITS.heartbeat:g})")
    health.add_argument("--max-poll-age", type=_seconds, default=DEFAULT_LIMITS.polled, metavar="SECONDS",
                        help=f"older last getUpdates answer: not polling (default {DEFAULT_LIMITS.polled:g})")
    health.add_argument("--max-unsent-age", type=_seconds, default=DEFAULT_LIMITS.unsent, metavar="SECONDS",
                        help=f"older oldest unsent message: outbox not draining (default {DEFAULT_LIMITS.unsent:g})")
    health.add_argument("--webhook", action="store_true", help="the bot runs by webhook: no getUpdates to check")
    banned = sub.add_parser("ban", parents=[common], help="ban a person who misuses the bot (logged)",
                            description="Ban a person: the running bot refuses their messages within seconds, tells "
                            "them once, and keeps nothing of them but a count. Logged with your name and the reason.")
    banned.add_argument("person", metavar="USER_ID|CASE_CODE",
                        help="their Telegram user id, or a case code of one of their reports")
    banned.add_argument("--reason", required=True, help="why (at least 5 characters); written to the log")
    banned.add_argument("--operator", metavar="NAME", help="your name for the log (default: your login name)")
    lifted = sub.add_parser("unban", parents=[common], help="lift a ban (logged)",
                            description="Lift a ban: the person's messages are handled again. Exit 1 if they were "
                            "not banned.")
    lifted.add_argument("person", metavar="USER_ID|CASE_CODE",
                        help="their Telegram user id, or a case code of one of their reports")
    lifted.add_argument("--operator", metavar="NAME", help="your name for the log (default: your login name)")
    tps = sub.add_parser("tps-import", parents=[common], help="load or update the TPS list from KPU's CSV",
                         description="Load the polling stations (TPS) of the deployment's region from a CSV file "
                         "(columns kode_desa, nama_desa, tps, alamat, lintang, bujur, pemilih, ikp; see "
                         "docs/voting-day.md). A file with any bad row imports nothing: each is printed with its "
                         "line number (exit 1). Importing again updates what changed.")
    tps.add_argument("file", type=Path, metavar="FILE", help="the CSV file (UTF-8, , or ; between fields)")
    sub.add_parser("flags", parents=[common], help="list the reports supervisors flagged as abusive",
                   description="List the reports supervisors marked with ⛔ on their cards, the latest first, and "
                   "whether their reporter is banned. The operator decides (ban).")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {value!r}") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, not {value!r}")
    return seconds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    level = str(getattr(args, "log_level", "INFO")).upper()
    if level not in LOG_LEVELS:
        print(f"{PROG}: --log-level must be one of {', '.join(LOG_LEVELS)}, not {args.log_level!r}", file=sys.stderr)
        return 2
    try:
        log_format = load_logging_settings().log_format
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(getattr(logging, level), log_format)
    logging.getLogger(__name__).debug("logging at %s, as %s", level, log_format.value)
    if args.command in OPERATOR_COMMANDS:
        return _operator_command(args)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.app import run_bot  # imported late: a settings error needs none of the bot's machinery
    from bot.operators.instance_lock import AlreadyRunning

    try:
        asyncio.run(run_bot(settings))
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _operator_command(args: argparse.Namespace) -> int:
    try:
        settings = load_operator_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "identity":
        return _run(show_identity(settings, args.code, args.purpose, sys.stdout, args.operator))
    if args.command == "evidence":
        return _run(export_evidence(settings, args.code, args.out, sys.stdout, args.operator))
    if args.command == "group-code":
        return _run(group_code(settings, args.region, args.role, sys.stdout))
    if args.command == "org-add":
        return _run(org_add(settings, args.name, args.kind, args.region, sys.stdout, operator=args.operator))
    if args.command == "org-list":
        return _run(org_list(settings, args.region, sys.stdout))
    if args.command == "org-link":
        return _run(org_link(settings, args.organisation, sys.stdout, coordinator=args.coordinator, qr=args.qr,
                             bot_username=args.bot_username, operator=args.operator))
    if args.command == "link-revoke":
        return _run(link_revoke(settings, args.payload, sys.stdout))
    if args.command == "backup":
        return _run(backup(settings, args.dest, sys.stdout, with_evidence=args.with_evidence))
    if args.command == "restore":
        return _run(restore(settings, args.src, sys.stdout, force=args.force))
    if args.command == "verify-evidence":
        return _run(verify_evidence(settings, sys.stdout))
    if args.command == "health":
        return _run(_health(settings, args))
    if args.command == "ban":
        return _run(ban(settings, args.person, args.reason, sys.stdout, args.operator))
    if args.command == "unban":
        return _run(unban(settings, args.person, sys.stdout, args.operator))
    if args.command == "flags":
        return _run(flags(settings, sys.stdout))
    if args.command == "tps-import":
        return _run(tps_import(settings, args.file, sys.stdout))
    if args.purpose and not args.with_identity:
        print("--purpose goes with --with-identity (an export without identities needs none)", file=sys.stderr)
        return 2
    return _run(_export(settings, args))


async def _export(settings: OperatorSettings, args: argparse.Namespace) -> None:
    count = await export_reports(settings, args.output, fmt=args.fmt, region=args.region,
                                 with_identity=args.with_identity, purpose=args.purpose, operator=args.operator)
    print(f"exported {count} cases to {args.output}" + (" WITH reporters' identities (access logged)"
                                                      if args.with_identity else ""))


async def _health(settings: OperatorSettings, args: argparse.Namespace) -> int:
    limits = HealthLimits(heartbeat=args.max_heartbeat_age, polled=args.max_poll_age, unsent=args.max_unsent_age)
    ok, lines = await health_report(settings, limits=limits, polling=not args.webhook)
    for line in lines:
        print(line)
    return 0 if ok else 1


def _run(task: Coroutine[Any, Any, int | None]) -> int:
    """Run an operator's task: its exit code (0 if it gives none), or 2 with its one line if it was refused."""
    try:
        code = asyncio.run(task)
    except OperatorError as exc:
        print(exc, file=sys.stderr)
        return 2
    return code or 0
