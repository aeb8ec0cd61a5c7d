"""The operator's abuse tools: `ban` and `unban` a person (by their Telegram id, or by a case code of theirs,
so that the operator need not look the person up) and `flags`, the reports supervisors marked ⛔. Every ban and
unban is logged (abuse_log) with the operator's name and the reason."""

from __future__ import annotations

import getpass
from typing import TextIO

from bot.kernel.case_code import normalize_case_code
from bot.operators.tools import OperatorError
from bot.settings import OperatorSettings
from storage.abuse.bans import BanRepository
from storage.database import Database
from storage.reporting.reports import ReportRepository


async def _person(db: Database, target: str) -> tuple[int, str]:
    """(Telegram user id, how to name them in the output) for a user id or a case code."""
    if target.strip().isascii() and target.strip().isdigit():
        return int(target.strip()), f"user {target.strip()}"
    code = normalize_case_code(target)
    if code is None:
        raise OperatorError(f"{target!r} is neither a Telegram user id nor a case code (e.g. PTU-7KQ2-M9XD)")
    report = await ReportRepository(db).by_code(code)
    if report is None:
        raise OperatorError(f"no report {code}")
    if not report.reporter_user_id:
        raise OperatorError(f"{code}: its reporter asked for their data to be erased; the report names nobody now")
    return int(report.reporter_user_id), f"the reporter of {code}"


async def ban(settings: OperatorSettings, target: str, reason: str, out: TextIO, operator: str | None = None) -> None:
    """Ban a person: a running bot refuses their updates within seconds, telling them once."""
    if len(reason.strip()) < 5:
        raise OperatorError("give the reason with --reason (at least 5 characters); it is logged")
    async with Database(settings.database) as db:
        user_id, who = await _person(db, target)
        if user_id in settings.admin_user_ids:
            raise OperatorError(f"{who} is an operator (ADMIN_USER_IDS): not banned")
        new = await BanRepository(db).ban(user_id, reason.strip(), operator or getpass.getuser())
    if new:
        print(f"banned {who} ({reason.strip()}); logged", file=out)
    else:
        print(f"{who} was banned already; the reason is now: {reason.strip()} (logged)", file=out)


async def unban(settings: OperatorSettings, target: str, out: TextIO, operator: str | None = None) -> int:
    async with Database(settings.database) as db:
        user_id, who = await _person(db, target)
        lifted = await BanRepository(db).unban(user_id, operator or getpass.getuser())
    print(f"ban lifted: {who}; logged" if lifted else f"{who} was not banned", file=out)
    return 0 if lifted else 1


async def flags(settings: OperatorSettings, out: TextIO) -> None:
    """The reports supervisors flagged ⛔, the latest first: case code, how many flags, banned or not."""
    async with Database(settings.database) as db:
        flagged = await BanRepository(db).flagged()
    if not flagged:
        print("no report is flagged", file=out)
        return
    for f in flagged:
        flags_text = f"{f.case_code}  {f.flags} flag{'s' if f.flags != 1 else ''}, last {f.last_at[:16]} UTC"
        if not f.reporter_user_id:
            print(f"{flags_text}, reporter erased (their data was erased at their request: nobody to ban)", file=out)
        elif f.banned:
            print(f"{flags_text}, reporter banned", file=out)
        else:
            print(f"{flags_text}, reporter not banned  (python -m bot ban {f.case_code} --reason …)", file=out)
