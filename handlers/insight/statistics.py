"""/statistik (/stats) in a supervisors' group: its region's cases over a period (buttons: today, 7 days, the
whole election) as a message, then as two charts (by category, by day and status) in one album."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.insight.actions import InsightAction
from bot.insight.delivery_policy import charts_message
from bot.insight.stats import Period
from bot.kernel.context import PantauContext
from handlers.insight.kit import asker, notify
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.replies import answer_query, edit_text
from locales import t


def _periods(locale: str, current: Period) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        button(("• " if p is current else "") + t(locale, f"insight.period.{p.value}"), InsightAction.PERIOD, p.value)
        for p in Period]])


async def statistics(update: Update, context: PantauContext) -> None:
    """/statistik: the group's region's figures for the whole election (the buttons change the period)."""
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    who = await asker(update, context, "statistik")
    if not who.allowed:
        return
    await _answer(update, context, who.region, Period.ALL, None, str(update.update_id))


async def on_period(update: Update, context: PantauContext) -> None:
    """A period pressed: the message shows that period's figures, and its charts follow."""
    query = update.callback_query
    assert query is not None
    period = Period(callback_arg(update))
    who = await asker(update, context, "statistik")
    if not who.allowed:
        return
    await answer_query(update)
    if not isinstance(query.message, Message):
        return
    await _answer(update, context, who.region, period, query.message, f"{query.message.message_id}:{period.value}")


async def _answer(update: Update, context: PantauContext, region: str | None, period: Period,
                  editing: Message | None, answering: str) -> None:
    services = context.services
    locale = services.settings.default_locale
    chat = update.effective_chat
    assert chat is not None
    text, stats, now = await services.insight.statistics_text(locale, region, period)
    markup = _periods(locale, period)
    if editing is not None:
        await edit_text(editing, text, markup)
    else:
        await services.group_replies.queue(update, text, markup=markup)
    if stats.total:  # no empty chart: the message said "nothing yet"
        await services.outbox.add_all([charts_message(chat.id, answering, region, period, locale, now)])
    notify(context)
