"""Supervisor groups: /daftar (/register) with a one-time code, and following the group when the bot is
removed or the group becomes a supergroup."""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.error import TelegramError

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from locales import t

log = logging.getLogger(__name__)
_ADMINS = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def register_group(update: Update, context: PantauContext) -> None:
    """/daftar CODE in a group: bind it to the code's region; only the group's administrators may."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    services = context.services
    locale = services.settings.default_locale
    if chat.type not in (chat.GROUP, chat.SUPERGROUP):
        await message.reply_text(t(locale, "group.only_in_groups"))
        return
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("could not check admin status in %s: %s", chat.id, exc)
        member = None
    if member is None or member.status not in _ADMINS:
        log.warning("registration refused in %s: user %s is not an administrator", chat.id, user.id)
        await services.supervision.refuse_registration(chat.id, user.id)
        await services.group_replies.refuse(update, t(locale, "group.admins_only"))
        return
    code = " ".join(context.args or []).strip()
    if not code:
        await services.group_replies.queue(update, t(locale, "group.usage"))
        return
    try:
        group = await services.supervision.register(code, chat_id=chat.id, user_id=user.id, title=chat.title)
    except Refusal as exc:
        log.warning("registration refused in %s by %s: %s", chat.id, user.id, exc.key)
        await services.group_replies.queue(update, t(locale, exc.key))
        return
    log.info("group %s registered for %s as %s by %s", chat.id, group.region_code, group.role, user.id)
    await services.group_replies.queue(update, services.supervision.describe(group, locale))


async def membership_changed(update: Update, context: PantauContext) -> None:
    """The bot was added to, or removed from, a group."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    services = context.services
    status = change.new_chat_member.status
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        services.membership.forget_chat(change.chat.id)
        if await services.supervision.deactivate_group(change.chat.id, f"bot {status}"):
            log.warning("bot removed from supervisor group %s: marked inactive", change.chat.id)
    elif (status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR) and change.chat.type != change.chat.PRIVATE
          and not await services.supervision.is_registered(change.chat.id)):
        await services.group_replies.queue(update, t(services.settings.default_locale, "group.welcome"), quote=False)


async def member_changed(update: Update, context: PantauContext) -> None:
    """Somebody joined, left, was promoted or restricted in a group: ask Telegram about them again next time."""
    change: ChatMemberUpdated | None = update.chat_member
    if change is None:
        return
    context.services.membership.forget(change.chat.id, change.new_chat_member.user.id)


async def group_migrated(update: Update, context: PantauContext) -> None:
    """A group became a supergroup: its registration moves to the new chat id."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    context.services.membership.forget_chat(message.chat.id)
    if await context.services.supervision.migrate_group(message.chat.id, message.migrate_to_chat_id):
        log.info("supervisor group %s migrated to %s", message.chat.id, message.migrate_to_chat_id)
