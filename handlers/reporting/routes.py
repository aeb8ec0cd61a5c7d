"""Reporting's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.stages import HandlerStages, Stage
from bot.reporting.actions import ReportAction
from bot.reporting.form_actions import FormAction
from handlers.kernel.language import after_language_change
from handlers.reporting import conversation, form, kit, my_reports


def register(stages: HandlerStages) -> None:
    """/status and /laporansaya, the report conversation, and /batal with no report in progress."""
    private = filters.ChatType.PRIVATE
    # After a language switch (people's button), a report in progress asks its current step again.
    after_language_change("reporting", kit.ask_again_in)
    # Before the conversation, so that it does not take them for a wrong answer in the middle of a report.
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler("status", my_reports.status, filters=private))
    stages.add(
        Stage.ANYTIME_COMMANDS, CommandHandler(["laporansaya", "myreports"], my_reports.my_reports, filters=private)
    )
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(my_reports.my_reports, pattern=matches(ReportAction.MY_REPORTS)))
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(my_reports.status, pattern=matches(ReportAction.STATUS)))
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(form.on_form, pattern=matches(FormAction.FORM)))  # 📄 the form
    # The report conversation (entry: /lapor, /report, /start lapor, the menu's buttons).
    stages.add(Stage.CONVERSATION, conversation.build_report_conversation())
    # /batal with no report running: it may still discard a kept draft.
    stages.add(Stage.LEFTOVER_COMMANDS, CommandHandler(["batal", "cancel"], conversation.cancel_outside, filters=private))
