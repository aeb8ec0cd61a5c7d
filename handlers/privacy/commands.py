"""/datasaya (/mydata): everything stored about the person, as a message and a JSON document; /hapusdata
(/erasemydata): the erasure of their identity and contact data, after a confirmation. Private chats only: in a
group both are refused (nothing about anyone is ever said there)."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.kernel.callbacks import parse
from bot.kernel.context import PantauContext
from bot.privacy.actions import PrivacyAction
from bot.privacy.texts import erase_items, erase_prompt, only_kept
from handlers.kernel.buttons import button
from handlers.kernel.replies import answer_query
from locales import t


async def _private(update: Update, context: PantauContext) -> tuple[int, int, str] | None:
    """(user id, chat id, locale) in a private chat; in a group, a refusal (queued, paced, once a minute) and None."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    services = context.services
    locale = await services.users.locale(user.id)
    if chat.type != chat.PRIVATE:
        if update.callback_query is not None:
            await answer_query(update, t(locale, "privacy.private_only"), alert=True)
        else:
            await services.group_replies.refuse(update, t(locale, "privacy.private_only"))
        return None
    return user.id, chat.id, locale


async def my_data(update: Update, context: PantauContext) -> None:
    """/datasaya, /mydata: queue the summary and the JSON document of everything stored about the person."""
    found = await _private(update, context)
    if found is None:
        return
    user_id, chat_id, locale = found
    services = context.services
    if await services.privacy.request_copy(user_id, chat_id, locale, update.update_id) and services.outbox_worker:
        services.outbox_worker.notify()


async def erase_data(update: Update, context: PantauContext) -> None:
    """/hapusdata, /erasemydata: what would be erased and what the law keeps, with ✅ erase / ✖️ cancel."""
    found = await _private(update, context)
    if found is None:
        return
    user_id, chat_id, locale = found
    services = context.services
    privacy = services.privacy
    preview = await privacy.preview(user_id)
    days, zone = privacy.retention_days, privacy.zone
    if not preview.anything:
        text = only_kept(locale, preview.holds, days, zone) if preview.holds else t(locale, "privacy.erase.nothing")
        await context.bot.send_message(chat_id, text)
        return
    items = erase_items(locale, identities=preview.identities, unlink=preview.unlink, draft=preview.draft,
                        volunteer=preview.volunteer)
    rows = [[button(t(locale, "privacy.erase.button_erase"), PrivacyAction.ERASE)],
            [button(t(locale, "privacy.erase.button_keep"), PrivacyAction.KEEP)]]
    await context.bot.send_message(chat_id, erase_prompt(locale, items, preview.holds, days, zone),
                                   reply_markup=InlineKeyboardMarkup(rows))


async def on_button(update: Update, context: PantauContext) -> None:
    """/hapusdata's buttons: erase (once per confirmation message: a second tap is only answered), or keep all."""
    query = update.callback_query
    parsed = parse(query.data) if query is not None else None
    if query is None or parsed is None:
        return
    found = await _private(update, context)
    if found is None:
        return
    user_id, chat_id, locale = found
    if query.message is None:  # a press on a message too old for Telegram to say which
        await answer_query(update, t(locale, "button.stale"), alert=True)
        return
    if parsed.action is PrivacyAction.KEEP:
        await answer_query(update)
        with contextlib.suppress(TelegramError):  # a second tap edits to the same text: "not modified"
            await query.edit_message_text(t(locale, "privacy.erase.cancelled"))
        return
    services = context.services
    result = await services.privacy.erase(user_id, chat_id, locale, query.message.message_id)
    if result is None:
        await answer_query(update, t(locale, "privacy.erase.already"))
        return
    await answer_query(update)
    with contextlib.suppress(TelegramError):  # an old message may not be editable; the erasure is done
        await query.edit_message_reply_markup(None)
    if services.outbox_worker is not None:
        services.outbox_worker.notify()
