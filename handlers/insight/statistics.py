"""/statistik (/stats) in a supervisors' group: its region's cases over a period (buttons: today, 7 days, the
whole election) as a message, then as two charts (by category, by day and status) in one album. Both are counted
and drawn when their outbox rows are sent (bot/insight/delivery_policy.py): a province takes seconds, which the
group's other updates need not wait for."""

from __future__ import annotations

from telegram import Update

from bot.insight.delivery_policy import statistics_messages
from bot.insight.stats import Period
from bot.kernel.context import PantauContext
from handlers.insight.kit import asker, notify
from handlers.kernel.buttons import callback_arg
from handlers.kernel.replies import answer_query


async def statistics(update: Update, context: PantauContext) -> None:
    """/statistik: the group's region's figures for the whole election (the buttons change the period)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    who = await asker(update, context, "statistik")
    if not who.allowed:
        return
    services = context.services
    await services.outbox.add_all(statistics_messages(chat.id, who.region, Period.ALL, services.settings.default_locale,
                                                      update_id=update.update_id, reply_to=message.message_id))
    notify(context)


async def on_period(update: Update, context: PantauContext) -> None:
    """A period pressed by a member: the message is edited to that period's figures, and its charts follow."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    period = Period(callback_arg(update))
    who = await asker(update, context, "statistik")
    if not who.allowed or query.message is None:
        return
    await answer_query(update)
    services = context.services
    await services.outbox.add_all(statistics_messages(chat.id, who.region, period, services.settings.default_locale,
                                                      update_id=update.update_id, editing=query.message.message_id))
    notify(context)
