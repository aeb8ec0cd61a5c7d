"""/status CODE and "my reports": a reporter sees their own reports' status, and nobody else's."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.case_code import normalize_case_code
from bot.kernel.context import PantauContext
from bot.privacy.report_kind import kind_key
from bot.reporting.actions import ReportAction
from bot.reporting.intake import Report
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.replies import answer_query
from handlers.reporting.form import form_keyboard
from locales import t


def _line(locale: str, report: Report) -> str:
    return t(
        locale,
        "status.line",
        code=report.case_code,
        category=t(locale, f"category.{report.category}.name"),
        date=report.submitted_at[:10],
        status=t(locale, f"status.{report.status}"),
    )


def _details(context: PantauContext, locale: str, report: Report) -> str:
    region = context.services.regions.get(report.region_code)
    lines = [
        t(locale, "status.title", code=report.case_code),
        t(locale, "status.current", status=t(locale, f"status.{report.status}")),
        t(locale, kind_key(report)),  # an identity erased since: informasi awal now
        t(locale, "status.category", category=t(locale, f"category.{report.category}.name")),
        t(locale, "status.region", region=region.path if region else report.region_code),
        t(locale, "status.evidence", count=report.evidence_count),
    ]
    if report.joined_code:  # the same online content, reported before: handled as that one case
        lines.append(t(locale, "status.joined", case=report.joined_code))
    return "\n".join(lines)


async def status(update: Update, context: PantauContext) -> None:
    """/status CODE: one of the reporter's own reports; any other code reads as unknown."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = context.services
    locale = await services.users.locale(user.id)
    raw = " ".join(context.args or [])
    if update.callback_query is not None:
        await answer_query(update)
        raw = callback_arg(update)
    if not raw:
        await my_reports(update, context)
        return
    code = normalize_case_code(raw)
    report = await services.intake.own_report(user.id, code) if code else None
    if report is None:
        await context.bot.send_message(chat.id, t(locale, "status.unknown"))
        return
    await context.bot.send_message(chat.id, _details(context, locale, report),
                                   reply_markup=form_keyboard(locale, report.case_code))  # 📄 the report form


async def my_reports(update: Update, context: PantauContext) -> None:
    """/laporansaya, /myreports or the menu button: the reporter's latest reports."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    await answer_query(update)
    services = context.services
    locale = await services.users.locale(user.id)
    reports = await services.intake.reports_of(user.id, limit=10)
    if not reports:
        await context.bot.send_message(chat.id, t(locale, "status.none"))
        return
    text = "\n".join([t(locale, "status.mine_title"), *(_line(locale, r) for r in reports)])
    rows = [[button(r.case_code, ReportAction.STATUS, r.case_code)] for r in reports]
    await context.bot.send_message(chat.id, text, reply_markup=InlineKeyboardMarkup(rows))
