"""Supervision's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.context import SERVICES_KEY
from bot.kernel.stages import HandlerStages, Stage
from bot.supervision.actions import SupervisionAction
from handlers.supervision import cases, group_admin, relay, triage


def register(stages: HandlerStages) -> None:
    """Replies to the bot's prompts, group registration and membership, triage buttons, /kasus and /antrian."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    # Before everything else: replies to the bot's own prompts, in groups (a question for a reporter, a
    # duplicate's original code) and in private chats (a reporter answering a question). They stop the update
    # when they took it, and let it through to group 0 otherwise.
    stages.add(Stage.PROMPT_REPLIES, MessageHandler(groups & filters.REPLY, triage.on_group_reply))
    stages.add(Stage.PROMPT_REPLIES, MessageHandler(private & filters.REPLY, relay.on_reporter_reply))
    # Supervisor groups: registration, the bot joining or leaving, someone joining or leaving, supergroup
    # migration, triage buttons, and the case commands. None takes a reporter's private messages.
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["daftar", "register"], group_admin.register_group, filters=groups))
    stages.add(
        Stage.SUPERVISOR_GROUPS, ChatMemberHandler(group_admin.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    stages.add(Stage.SUPERVISOR_GROUPS, ChatMemberHandler(group_admin.member_changed, ChatMemberHandler.CHAT_MEMBER))
    stages.add(Stage.SUPERVISOR_GROUPS, MessageHandler(filters.StatusUpdate.MIGRATE, group_admin.group_migrated))
    stages.add(Stage.SUPERVISOR_GROUPS, CallbackQueryHandler(triage.on_button, pattern=matches(SupervisionAction.TRIAGE)))
    stages.add(Stage.SUPERVISOR_GROUPS, CallbackQueryHandler(triage.on_duplicate_hint,
                                                             pattern=matches(SupervisionAction.DUPLICATE_OF)))
    supervisors: filters.BaseFilter = groups
    admin_chat = stages.application.bot_data[SERVICES_KEY].settings.admin_chat_id
    if admin_chat is not None:  # the admin chat may be a private chat with an operator
        supervisors = groups | filters.Chat(chat_id=admin_chat)
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["kasus", "case"], cases.show_case, filters=supervisors))
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["antrian", "queue"], cases.show_queue, filters=supervisors))
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["takedown", "turunkan"], cases.request_takedown,
                                                       filters=supervisors))
