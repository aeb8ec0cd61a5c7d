"""Insight's handlers and where each sits in the order (bot/kernel/stages.py): with the supervisors' groups'."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.insight.actions import InsightAction
from bot.kernel.callbacks import matches
from bot.kernel.stages import HandlerStages, Stage
from handlers.insight import digest, export, reports_map, statistics


def register(stages: HandlerStages) -> None:
    """/statistik, /peta, /ekspor and /ringkasan in groups, and their buttons (each checks who pressed)."""
    groups = filters.ChatType.GROUPS
    for names, handler in ((["statistik", "stats"], statistics.statistics), (["peta", "map"], reports_map.reports_map),
                           (["ekspor", "export"], export.export), (["ringkasan", "digest"], digest.digest)):
        stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(names, handler, filters=groups))
    stages.add(Stage.SUPERVISOR_GROUPS, CallbackQueryHandler(statistics.on_period, pattern=matches(InsightAction.PERIOD)))
    stages.add(Stage.SUPERVISOR_GROUPS, CallbackQueryHandler(export.on_format, pattern=matches(InsightAction.EXPORT)))
