"""⏹ Stop on a task's card in its supervisors group: what has not been sent yet is cancelled."""

from __future__ import annotations

from telegram import Message, Update

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.supervision.membership import Attempt
from handlers.kernel.buttons import callback_arg
from handlers.kernel.replies import answer_query
from handlers.tasks.group_form import admitted
from locales import t


async def on_stop(update: Update, context: PantauContext) -> None:
    """⏹ Stop, pressed by a current member of the group on the task's card there."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    task_id = int(callback_arg(update))
    services = context.services
    locale = services.settings.default_locale
    if not await admitted(update, services, Attempt.PRESS):
        return
    cards = services.tasks.cards
    assert cards is not None
    try:
        stopped = await cards.stop(task_id, query.message.chat.id)
    except Refusal as exc:
        await answer_query(update, t(locale, exc.key, **exc.params), alert=True)
        return
    await answer_query(update, t(locale, "task_card.stopped", id=task_id, count=stopped.cancelled), alert=True)
    if services.outbox_worker is not None:
        services.outbox_worker.notify()
