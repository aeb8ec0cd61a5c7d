"""The buttons of a volunteer's verification card: ✅ Verifikasi / ❌ Tolak (a supervisors group's members, or
the coordinator in their private chat), ⏸ Tangguhkan / ▶️ Aktifkan lagi (group members), 🔎 Identitas (the
name and phone to the presser's private chat, logged)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden
from telegram.ext import CallbackQueryHandler

from bot.kernel.callbacks import matches, parse
from bot.kernel.context import PantauContext
from bot.kernel.stages import HandlerStages, Stage
from bot.supervision.membership import Attempt, MemberStatus
from bot.volunteers.verification import Decider, Outcome, Verdict
from bot.volunteers.verification_actions import VerificationAction
from bot.volunteers.verification_card import Audience, CardView, decided_by, reference
from handlers.kernel.buttons import callback_arg
from handlers.kernel.replies import answer_query
from locales import t

log = logging.getLogger(__name__)

_VERDICTS = {VerificationAction.VERIFY: Verdict.VERIFY, VerificationAction.REJECT: Verdict.REJECT,
             VerificationAction.SUSPEND: Verdict.SUSPEND, VerificationAction.REACTIVATE: Verdict.REACTIVATE}


def register(stages: HandlerStages) -> None:
    """The card's buttons, in groups and in coordinators' private chats."""
    stages.add(Stage.SUPERVISOR_GROUPS, CallbackQueryHandler(on_card_button, pattern=matches(*VerificationAction)))


def _markup(view: CardView) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in view.buttons])


async def _show(context: PantauContext, message: Message, ref: int, audience: Audience, locale: str) -> None:
    """The pressed card edited to the volunteer's status now (edits are not paced)."""
    view = await context.services.verification.card(ref, audience, locale)
    if view is None:
        return
    try:
        await message.edit_text(view.text, reply_markup=_markup(view))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.info("verification card %s in %s not edited: %s", message.message_id, message.chat.id, exc.message)
    except ChatMigrated as exc:
        log.info("verification card %s not edited: the group is now %s", message.message_id, exc.new_chat_id)


async def on_card_button(update: Update, context: PantauContext) -> None:
    """A button of a verification card."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    services = context.services
    ref = int(callback_arg(update))
    parsed = parse(query.data)
    assert parsed is not None
    chat = query.message.chat
    private = chat.type == ChatType.PRIVATE and chat.id != services.settings.admin_chat_id  # a coordinator
    locale = await services.users.locale(user.id) if private else services.settings.default_locale
    if not private:
        admission = await services.membership.admit(chat.id, user.id, Attempt.PRESS, action=parsed.action.value)
        if not admission.allowed:
            key = ("verification.member_check_failed" if admission.membership.status is MemberStatus.UNKNOWN
                   else "verification.members_only")
            await answer_query(update, t(locale, key), alert=True)
            return
    decider = Decider(user.id, user.first_name, chat.id, as_coordinator=private)
    if parsed.action is VerificationAction.IDENTITY:
        await _identity(update, context, ref, decider, locale)
        return
    outcome = await services.verification.decide(ref, _VERDICTS[VerificationAction(parsed.action)], decider)
    audience = Audience.COORDINATOR if private else Audience.GROUP
    if outcome.refusal is not None:
        log.warning("verification press refused: user %s in %s on REL-%s (%s)", user.id, chat.id, ref, outcome.refusal)
        await answer_query(update, t(locale, outcome.refusal), alert=True)
        return
    await answer_query(update, _answer(outcome, ref, locale), alert=not outcome.changed)
    await _show(context, query.message, ref, audience, locale)


def _answer(outcome: Outcome, ref: int, locale: str) -> str:
    volunteer = outcome.volunteer
    status = volunteer.status if volunteer is not None else "pending"
    if outcome.changed:
        return t(locale, f"verification.done.{status}", ref=reference(ref))
    return t(locale, f"verification.already.{status}", ref=reference(ref), by=decided_by(outcome.decision, locale))


async def _identity(update: Update, context: PantauContext, ref: int, viewer: Decider, locale: str) -> None:
    """🔎 Identitas: the name and phone, in the presser's private chat; the look logged first."""
    services = context.services
    volunteer, log_id, refusal = await services.verification.identity(ref, viewer)
    if refusal is not None or volunteer is None or log_id is None:
        await answer_query(update, t(locale, refusal or "verification.unknown"), alert=True)
        return
    viewer_locale = await services.users.locale(viewer.user_id)
    text = await services.verification.identity_text(volunteer, ref, viewer_locale)
    try:
        await context.bot.send_message(viewer.user_id, text)
    except (Forbidden, BadRequest) as exc:
        log.info("identity of REL-%s not sent to %s: %s", ref, viewer.user_id, exc.message)
        await services.verification.identity_shown(log_id, False)
        await answer_query(update, t(locale, "verification.identity_start_first"), alert=True)
        return
    await services.verification.identity_shown(log_id, True)
    await answer_query(update, t(locale, "verification.identity_sent"))
