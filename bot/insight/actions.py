"""Insight's buttons (issue 14): /statistik's period and /ekspor's format.

Registered with the kernel's callback codec (bot/kernel/callbacks.py); the values are the wire names and must
not change (buttons in messages already sent carry them).
"""

from __future__ import annotations

from bot.insight.exports import ExportFormat
from bot.insight.stats import Period
from bot.kernel.callbacks import Action, register


class InsightAction(Action):
    PERIOD = "ins"  # arg: a Period value: the statistics of that period
    EXPORT = "inx"  # arg: an ExportFormat value: the region's cases in that format


register(InsightAction, {
    InsightAction.PERIOD: lambda a: a in {p.value for p in Period},
    InsightAction.EXPORT: lambda a: a in {f.value for f in ExportFormat},
})
