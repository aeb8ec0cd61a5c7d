"""The volunteer's side of tasks and where each handler sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.stages import HandlerStages, Stage
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.answer_actions import TaskAnswerAction
from handlers.kernel.report_entries import offer_report_entry
from handlers.tasks import volunteer_answers, volunteer_list, volunteer_report


def register(stages: HandlerStages) -> None:
    """✅ / ❌ and /tugassaya at any moment (also in the middle of a report); the report-back conversation
    before the report conversation (it takes a volunteer's messages only while a report-back is open); and
    ⚠️ Jadikan laporan as an entry of the report conversation."""
    private = filters.ChatType.PRIVATE
    stages.add(Stage.ANYTIME_COMMANDS, CallbackQueryHandler(
        volunteer_answers.on_answer, pattern=matches(VolunteerTaskAction.ACCEPT, VolunteerTaskAction.DECLINE)
    ))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["tugassaya", "mytasks"], volunteer_list.my_tasks, filters=private))
    stages.add(Stage.CONVERSATION, volunteer_report.build_report_back_conversation())
    offer_report_entry("tasks", matches(TaskAnswerAction.MAKE_REPORT), volunteer_report.prepare_report)
