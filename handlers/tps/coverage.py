"""/cakupan (/coverage) in a supervisors' group: how many TPS of the group's region have a watcher, per kecamatan
(or per desa in a kecamatan's group), the vulnerable TPS nobody watches first, and how many sent results; then
the same as a chart (made and sent through the outbox)."""

from __future__ import annotations

import re
from html import escape

from telegram import Update

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.supervision.membership import Attempt
from bot.tps.delivery_policy import coverage_chart_message
from bot.tps.service import Adopted, CoverageReport
from locales import t

_REF = re.compile(r"REL-?([0-9]{1,9})")
_NUMBER = re.compile(r"[0-9]{1,3}")  # ASCII digits only: str.isdigit() takes "²" too
MAX_LINES = 40  # a message's 4,096 characters
BARE_LISTED = 10


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def coverage_text(context: PantauContext, region: str | None, report: CoverageReport, locale: str) -> str:
    regions, tps = context.services.regions, context.services.tps
    found = regions.get(region) if region else None
    name = found.path if found is not None else t(locale, "tps.coverage.everywhere")
    lines = [t(locale, "tps.coverage.title", region=escape(name)),
             t(locale, "tps.coverage.summary", watched=report.watched, total=report.total,
               percent=_percent(report.watched, report.total), results=report.with_results)]
    if report.bare:  # the first BARE_LISTED of them; the count is all of them
        bare = sum(r.vulnerable_unwatched for r in report.rows)
        lines += ["", t(locale, "tps.coverage.bare_title", count=bare)]
        lines += [f"⚠️ {escape(tps.name(s))}" for s in report.bare[:BARE_LISTED]]
    lines.append("")
    kecamatan = regions.get(region) if region else None
    if kecamatan is not None and kecamatan.level >= 3:  # a kecamatan's group: per desa
        for row in report.rows[:MAX_LINES]:
            lines.append(t(locale, "tps.coverage.line", name=escape(row.desa_name or row.desa_code), watched=row.watched,
                           total=row.total, percent=_percent(row.watched, row.total), results=row.with_results))
    else:
        for code, total, watched, _bare, with_results in report.by_kecamatan()[:MAX_LINES]:
            found = regions.get(code)
            lines.append(t(locale, "tps.coverage.line", name=escape(found.name if found else code), watched=watched,
                           total=total, percent=_percent(watched, total), results=with_results))
    return "\n".join(lines)


async def _group_region(update: Update, context: PantauContext, action: str) -> tuple[bool, str | None]:
    """Whether a member of a registered group (or the admin chat) sent the command, and the group's region (None:
    the admin chat, everywhere); a refusal is answered here."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or update.effective_message is None:
        return False, None
    services = context.services
    locale = services.settings.default_locale
    admission = await services.membership.admit(chat.id, user.id, Attempt.COMMAND, action=action)
    if not admission.allowed:
        await services.group_replies.refuse(update, t(locale, admission.refusal_key))
        return False, None
    group = await services.supervision.group_of(chat.id)
    if group is None and chat.id != services.settings.admin_chat_id:
        await services.group_replies.refuse(update, t(locale, "cases.not_registered"))
        return False, None
    return True, group.region_code if group is not None else None


async def coverage(update: Update, context: PantauContext) -> None:
    """/cakupan: the group's region's TPS coverage, as a message and as a chart."""
    chat = update.effective_chat
    allowed, region = await _group_region(update, context, "cakupan")
    if chat is None or not allowed:
        return
    services = context.services
    locale = services.settings.default_locale
    report = await services.tps.coverage(region)
    if not report.total:
        await services.group_replies.queue(update, t(locale, "tps.coverage.empty"))
        return
    await services.group_replies.queue(update, coverage_text(context, region, report, locale))
    await services.outbox.add_all([coverage_chart_message(chat.id, update.update_id, region, locale)])
    if services.outbox_worker is not None:
        services.outbox_worker.notify()


async def assign(update: Update, context: PantauContext) -> None:
    """/jagakan REL-0042 KODE_DESA NOMOR: the group assigns a TPS of its region to a verified volunteer, known by
    their reference (the group never learns who): primary if the TPS has none, else a backup."""
    allowed, region = await _group_region(update, context, "jagakan")
    if not allowed:
        return
    services = context.services
    locale = services.settings.default_locale
    args = context.args or []
    match = _REF.fullmatch(args[0].upper()) if len(args) == 3 else None
    if match is None or _NUMBER.fullmatch(args[2]) is None or not 1 <= int(args[2]) <= 999:
        await services.group_replies.queue(update, t(locale, "tps.assign.usage"))
        return
    try:
        done = await services.tps.assign(int(match.group(1)), args[1], int(args[2]),
                                         region)
    except Refusal as exc:
        await services.group_replies.queue(update, t(locale, exc.key, **exc.params))
        return
    name = escape(services.tps.name(done.station))
    ref = f"REL-{int(match.group(1)):04d}"
    if done.result in (Adopted.DONE, Adopted.ALREADY) and done.role is not None:
        text = t(locale, "tps.assign.done", ref=ref, station=name, role=t(locale, f"tps.role.{done.role}"))
    else:
        text = t(locale, f"tps.assign.{done.result.value}", ref=ref, station=name, count=services.tps.limits.per_tps)
    await services.group_replies.queue(update, text)
    if services.outbox_worker is not None:
        services.outbox_worker.notify()
