"""/tugassaya (/mytasks): the tasks a volunteer accepted, newest first, each with its 📝 Lapor hasil."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.context import PantauContext
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.answers import SENDING
from handlers.kernel.buttons import button
from locales import t

PREVIEW = 160  # characters of each task's text in the list


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…")


async def my_tasks(update: Update, context: PantauContext) -> None:
    """/tugassaya: accepted tasks with their due time (in the region's zone) and whether reported back."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = context.services
    locale = await services.users.locale(user.id)
    accepted = await services.task_answers.accepted(user.id)
    if not accepted:
        await context.bot.send_message(chat.id, t(locale, "my_tasks.none"))
        return
    blocks, rows = [t(locale, "my_tasks.title")], []
    for item in accepted:
        task = item.task
        lines = [t(locale, "my_tasks.item", id=task.id, text=_preview(task.text))]
        if task.due_at:
            due = services.task_answers.local_time(task, task.due_at)
            label = services.regions.tz_label(task.region_code)
            lines.append(t(locale, "my_tasks.due", due=f"{due:%d-%m-%Y %H:%M} {label}"))
        else:
            lines.append(t(locale, "my_tasks.no_due"))
        if task.report_back:  # a task that asks for no report-back offers none
            lines.append(t(locale, "my_tasks.reported" if item.reported_at else "my_tasks.not_reported"))
        if task.status != SENDING:
            lines.append(t(locale, "my_tasks.stopped"))
        blocks.append("\n".join(lines))
        if task.report_back:
            rows.append([button(t(locale, "my_tasks.button", id=task.id), VolunteerTaskAction.REPORT_BACK,
                                str(task.id))])
    await context.bot.send_message(chat.id, "\n\n".join(blocks),
                                   reply_markup=InlineKeyboardMarkup(rows) if rows else None)
