"""The supervisors group's side of tasks, and where each handler sits (bot/kernel/stages.py): /tugas, the form's
buttons and the replies to its prompts, ⏹ Stop on the card. All in supervisor groups; none takes a private
message."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.context import SERVICES_KEY
from bot.kernel.stages import HandlerStages, Stage
from bot.tasks.card_actions import TaskGroupAction
from handlers.tasks import group_card, group_form


def register(stages: HandlerStages) -> None:
    """/tugas /task, the form's buttons, replies to its prompts (only from a supervisor with a form open in that
    group: other replies go on to other handlers), ⏹ Stop."""
    groups = filters.ChatType.GROUPS
    forms = group_form.forms_of(stages.application.bot_data[SERVICES_KEY])
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["tugas", "task"], group_form.tugas, filters=groups))
    # A photo or document captioned "/tugas <what to do>": the same, with the file as the task's attachment.
    stages.add(Stage.SUPERVISOR_GROUPS, MessageHandler(
        groups & (filters.PHOTO | filters.Document.ALL) & ~filters.REPLY & filters.CaptionRegex(group_form.TUGAS_CAPTION),
        group_form.tugas))
    stages.add(Stage.SUPERVISOR_GROUPS,
               CallbackQueryHandler(group_form.on_form_button, pattern=matches(*group_form.FORM_ACTIONS)))
    stages.add(Stage.SUPERVISOR_GROUPS, CallbackQueryHandler(group_card.on_stop, pattern=matches(TaskGroupAction.STOP)))
    stages.add(Stage.SUPERVISOR_GROUPS, MessageHandler(
        groups & filters.REPLY & ~filters.COMMAND & group_form.OpenForm(forms), group_form.on_reply
    ))
