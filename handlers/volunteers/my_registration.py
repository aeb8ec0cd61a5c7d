"""/relawansaya (/myvolunteer): one's own registration; /berhenti (/stop): leaving, confirmed with buttons."""

from __future__ import annotations

import contextlib
from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.context import PantauContext
from bot.kernel.stages import HandlerStages, Stage
from bot.volunteers.registration_actions import RegistrationAction
from bot.volunteers.status import VolunteerStatus
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.replies import answer_query
from locales import t

PRIVATE = filters.ChatType.PRIVATE
# Statuses one can leave from (a volunteer who left has nothing more to leave).
_LEAVABLE = (VolunteerStatus.PENDING, VolunteerStatus.VERIFIED, VolunteerStatus.SUSPENDED, VolunteerStatus.REJECTED)


async def _private_locale(update: Update, context: PantauContext) -> str | None:
    """The sender's locale in a private chat; in a group, a pointer to the private chat and None."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    locale = await context.services.users.locale(user.id)
    if chat.type != chat.PRIVATE:
        await context.bot.send_message(chat.id, t(locale, "my_volunteer.private_only"))
        return None
    return locale


async def my_volunteer(update: Update, context: PantauContext) -> None:
    """/relawansaya, /myvolunteer: the person's registration, status in their language."""
    locale = await _private_locale(update, context)
    user = update.effective_user
    if locale is None or user is None:
        return
    services = context.services
    volunteer = await services.volunteers.get(user.id)
    if volunteer is None:
        await context.bot.send_message(user.id, t(locale, "my_volunteer.none"))
        return
    if volunteer.organisation_id is None:
        organisation = t(locale, "registration.review.individual")
    else:
        org = await services.registration.organisation(volunteer.organisation_id)
        organisation = escape(org.name) if org else "—"
    kecamatan = services.regions.get(volunteer.region_code[:8])
    path = kecamatan.path if kecamatan else volunteer.region_code
    if len(volunteer.region_code) > 8:
        village = services.registration.village_name(volunteer.region_code)
        if village:
            path = f"{village}, {path}"
    zone = services.regions.timezone(volunteer.region_code[:2])
    since = datetime.fromisoformat(volunteer.created_at).astimezone(zone).strftime("%d-%m-%Y")
    phone = escape(volunteer.phone)
    if volunteer.phone_checked:
        phone += " " + t(locale, "registration.review.phone_checked")
    lines = [
        t(locale, "my_volunteer.title"),
        "",
        f"{t(locale, 'my_volunteer.status_label')}: <b>{t(locale, f'my_volunteer.status.{volunteer.status}')}</b>",
        f"{t(locale, 'registration.review.name')}: {escape(volunteer.full_name)}",
        f"{t(locale, 'registration.review.organisation')}: {organisation}"
        f" ({t(locale, f'organisations.kind.{volunteer.organisation_kind}')})",
        f"{t(locale, 'registration.review.region')}: {escape(path)}",
        f"{t(locale, 'registration.review.phone')}: {phone}",
        f"{t(locale, 'my_volunteer.since')}: {since}",
    ]
    if volunteer.status in (VolunteerStatus.LEFT, VolunteerStatus.REJECTED):
        until = datetime.fromisoformat(services.registration.deleted_after(volunteer)).astimezone(zone)
        lines += ["", t(locale, "my_volunteer.deleted_on", date=until.strftime("%d-%m-%Y"))]
    else:
        lines += ["", t(locale, "my_volunteer.rights")]
    await context.bot.send_message(user.id, "\n".join(lines))


async def stop(update: Update, context: PantauContext) -> None:
    """/berhenti, /stop: leave (after a confirmation); an unfinished registration is simply deleted."""
    locale = await _private_locale(update, context)
    user = update.effective_user
    if locale is None or user is None:
        return
    services = context.services
    draft_deleted = await services.registration.cancel(user.id)
    if draft_deleted:
        await context.bot.send_message(user.id, t(locale, "leaving.draft_deleted"))
    volunteer = await services.volunteers.get(user.id)
    if volunteer is None:
        if not draft_deleted:
            await context.bot.send_message(user.id, t(locale, "leaving.not_registered"))
        return
    if volunteer.status not in _LEAVABLE:
        await context.bot.send_message(user.id, t(locale, "leaving.already_left"))
        return
    rows = [[button(t(locale, "leaving.yes"), RegistrationAction.LEAVE, "yes")],
            [button(t(locale, "leaving.no"), RegistrationAction.LEAVE, "no")]]
    await context.bot.send_message(
        user.id, t(locale, "leaving.confirm", days=services.settings.volunteer_retention_days),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def on_leave(update: Update, context: PantauContext) -> None:
    """/berhenti's buttons: leave (status left, by the volunteer; told through the outbox), or stay."""
    user, query = update.effective_user, update.callback_query
    if user is None or query is None:
        return
    services = context.services
    locale = await services.users.locale(user.id)
    choice = callback_arg(update)
    await answer_query(update)
    if query.message is not None:
        with contextlib.suppress(TelegramError):  # an old message may not be editable; the choice still counts
            await query.edit_message_reply_markup(None)
    if choice == "no":
        await context.bot.send_message(user.id, t(locale, "leaving.stayed"))
        return
    current = await services.volunteers.get(user.id)
    zone = services.regions.timezone(current.region_code[:2]) if current is not None else None
    days = services.settings.volunteer_retention_days

    def confirmation(deleted: datetime) -> str:
        return t(locale, "leaving.done", days=days, date=deleted.astimezone(zone).strftime("%d-%m-%Y"))

    volunteer = await services.registration.leave(user.id, user.id, f"volunteer.left:{user.id}:{update.update_id}",
                                                  confirmation)
    if volunteer is None:
        await context.bot.send_message(user.id, t(locale, "leaving.already_left"))
        return
    if services.outbox_worker is not None:
        services.outbox_worker.notify()


def register(stages: HandlerStages) -> None:
    """/relawansaya and /berhenti work at any moment (also in the middle of a report or a registration)."""
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["relawansaya", "myvolunteer"], my_volunteer))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["berhenti"], stop))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["stop"], stop, filters=PRIVATE))
    stages.add(Stage.MENU_BUTTONS, CallbackQueryHandler(on_leave, pattern=matches(RegistrationAction.LEAVE)))
