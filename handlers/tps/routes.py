"""Voting day's handlers and where each sits in the order (bot/kernel/stages.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.stages import HandlerStages, Stage
from bot.tps.actions import TpsAction
from handlers.kernel.report_entries import offer_report_entry
from handlers.tps import adopt, checklist, coverage, results
from handlers.tps.kit import refusing


def register(stages: HandlerStages) -> None:
    """/jagatps and /hasil at any moment (also in the middle of a report); their buttons and the checklists' with
    the menus'; a results photo and a location for the nearest TPS before anybody else takes them (each goes on
    when it is not one); /cakupan with the groups' commands; 📝 Laporkan as an entry of the report conversation."""
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["jagatps", "watchtps"], refusing(adopt.watch_tps), filters=private))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["hasil", "results"], results.results, filters=private))
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["cakupan", "coverage"], coverage.coverage, filters=groups))
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["jagakan", "assigntps"], coverage.assign, filters=groups))
    for action, handler in ((TpsAction.DESA, adopt.on_desa), (TpsAction.PICK, adopt.on_pick),
                            (TpsAction.ROLE, adopt.on_role), (TpsAction.RELEASE, adopt.on_release)):
        stages.add(Stage.ANYTIME_COMMANDS, CallbackQueryHandler(refusing(handler), pattern=matches(action)))
    stages.add(Stage.ANYTIME_COMMANDS, CallbackQueryHandler(checklist.on_answer, pattern=matches(TpsAction.ANSWER)))
    stages.add(Stage.ANYTIME_COMMANDS, CallbackQueryHandler(results.on_contest, pattern=matches(TpsAction.RESULT)))
    stages.add(Stage.PROMPT_REPLIES, MessageHandler(private & filters.PHOTO & filters.UpdateType.MESSAGE, results.on_photo))
    stages.add(Stage.PROMPT_REPLIES, MessageHandler(private & filters.LOCATION & filters.UpdateType.MESSAGE,
                                                    refusing(adopt.on_location)))
    offer_report_entry("tps", matches(TpsAction.REPORT), checklist.prepare_report)
