"""Supervisors triage a case with the buttons of its alert card, and answer the bot's prompts by replying."""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, ChatMigrated
from telegram.ext import ApplicationHandlerStop

from bot.kernel.case_code import normalize_case_code
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.kernel.services import Services
from bot.supervision.actions import TriageVerb, duplicate_of_parts, triage_parts
from bot.supervision.alert_card import choice_keyboard, reject_confirm_keyboard
from bot.supervision.case_status import CaseAction, ForwardTarget, StatusRefusal, next_status
from bot.supervision.membership import Attempt
from bot.supervision.service import Actor, Case, CaseChanged, PromptPurpose
from handlers.kernel.buttons import callback_arg
from handlers.kernel.replies import answer_query
from locales import t

log = logging.getLogger(__name__)
QUESTION_LIMIT = 1000
_ACTIONS = {TriageVerb.CLAIM: CaseAction.CLAIM, TriageVerb.REGISTER: CaseAction.REGISTER, TriageVerb.DONE: CaseAction.DONE,
            TriageVerb.FORWARD_TO: CaseAction.FORWARD, TriageVerb.REJECT_CONFIRM: CaseAction.REJECT}
# Verbs that open a menu, a confirmation or a prompt: the action they lead to must be possible first.
_LEADS_TO = {TriageVerb.FORWARD: CaseAction.FORWARD, TriageVerb.REJECT: CaseAction.REJECT,
             TriageVerb.REJECT_WHY: CaseAction.REJECT, TriageVerb.ASK: CaseAction.ASK,
             TriageVerb.DUPLICATE: CaseAction.DUPLICATE}


def _actor(user: User, chat_id: int) -> Actor:
    return Actor(user.id, user.full_name, chat_id)


def _refusal_text(locale: str, refusal: StatusRefusal) -> str:
    allowed = ", ".join(t(locale, f"status.{s}") for s in refusal.allowed_from)
    return t(locale, "triage.refused", action=t(locale, f"triage.{refusal.action}"),
             status=t(locale, f"status.{refusal.status}"), allowed=allowed)


async def _edit_card(services: Services, message: Message, case: Case, markup: InlineKeyboardMarkup | None = None,
                     *, keep: bool = False) -> None:
    """Show the case as it is now on the card that was pressed (or only change its buttons). Edits are not
    paced, so this does not wait behind the group's minute. If the group just became a supergroup, the card
    is shown again there, through the outbox."""
    assert services.alerts is not None
    text, default_markup = await services.alerts.render(case, message.chat.id, "alert")
    try:
        if keep:  # only the buttons: these, or the card's own
            await message.edit_reply_markup(markup if markup is not None else default_markup)
        else:
            await message.edit_text(text, reply_markup=markup if markup is not None else default_markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
    except ChatMigrated as exc:
        log.info("card %s in %s not edited: the group is now %s", message.message_id, message.chat.id, exc.new_chat_id)
        await services.group_replies.refresh(message.chat.id, message.message_id, case)


async def on_button(update: Update, context: PantauContext) -> None:
    """A triage button on an alert card (or "open" on a digest)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    services = context.services
    locale = services.settings.default_locale
    verb, detail, report_id = triage_parts(callback_arg(update))
    case = await _viewable(update, services, report_id, verb)
    if case is None:
        return
    if verb is TriageVerb.OPEN:
        if await _stranger(update, services, verb, report_id, locale):
            return
        await answer_query(update)
        await services.group_replies.open_case(update, case, reply_to=query.message.message_id)
        return
    if not await _admitted(update, services, case, verb):
        return
    action = _LEADS_TO.get(verb)
    refusal = next_status(action, case.status) if action else None
    if isinstance(refusal, StatusRefusal):  # a stale card: say why before opening a menu or a prompt
        await answer_query(update, _refusal_text(locale, refusal), alert=True)
        await _edit_card(services, query.message, case)
        return
    if verb in (TriageVerb.FORWARD, TriageVerb.REJECT):
        await answer_query(update)
        await _edit_card(services, query.message, case, choice_keyboard(case, locale, verb), keep=True)
        return
    if verb is TriageVerb.REJECT_WHY:  # a reason was tapped: ask once before rejecting
        await answer_query(update, t(locale, "triage.reject_ask", reason=t(locale, f"reject.{detail}")))
        await _edit_card(services, query.message, case, reject_confirm_keyboard(case, locale, detail), keep=True)
        return
    if verb is TriageVerb.FLAG:  # the reporter may be abusive: the operator decides (python -m bot flags)
        first = await services.abuse.flag(report_id, user.id)
        if first:
            log.info("report %s flagged as abusive by user %s in chat %s", report_id, user.id, query.message.chat.id)
        await answer_query(update, t(locale, "triage.flagged" if first else "triage.flagged_before"), alert=True)
        await _edit_card(services, query.message, case, keep=True)  # the card's own buttons
        return
    if verb is TriageVerb.BACK:
        await answer_query(update)
        await _edit_card(services, query.message, case, keep=True)  # the card's own buttons
        return
    if verb in (TriageVerb.ASK, TriageVerb.DUPLICATE):
        await _prompt(update, context, case, verb, locale)
        return
    await _act(update, context, case, _ACTIONS[verb], detail or None, verb)


async def on_duplicate_hint(update: Update, context: PantauContext) -> None:
    """♻️ Duplikat dari PTU-… under a card that names a possible duplicate (bot/supervision/duplicates.py): the
    case is marked a duplicate of that one in one tap, as ♻️ Duplikat and a reply with its code would."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    services = context.services
    locale = services.settings.default_locale
    report_id, original_id = duplicate_of_parts(callback_arg(update))
    case = await _viewable(update, services, report_id, TriageVerb.DUPLICATE)
    if case is None or not await _admitted(update, services, case, TriageVerb.DUPLICATE):
        return
    refusal = next_status(CaseAction.DUPLICATE, case.status)
    if isinstance(refusal, StatusRefusal):  # a stale card: say why, and show the case as it is
        await answer_query(update, _refusal_text(locale, refusal), alert=True)
        await _edit_card(services, query.message, case)
        return
    original = await services.supervision.duplicate_original(query.message.chat.id, case, report_id=original_id)
    if original is None:
        await answer_query(update, t(locale, "triage.duplicate_unknown"), alert=True)
        return
    await _act(update, context, case, CaseAction.DUPLICATE, original.case_code, TriageVerb.DUPLICATE)


async def _viewable(update: Update, services: Services, report_id: int, verb: TriageVerb) -> Case | None:
    """The pressed button's case, if the chat may view it; otherwise the press is answered and None returned."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    chat_id = query.message.chat.id
    case = await services.supervision.case(report_id)
    if case is None or not await services.supervision.may_view(chat_id, case):
        log.warning("triage press refused: user %s in chat %s, %s on report %s", user.id, chat_id, verb, report_id)
        await answer_query(update, t(services.settings.default_locale, "triage.not_allowed"), alert=True)
        return None
    return case


async def _admitted(update: Update, services: Services, case: Case, verb: TriageVerb) -> bool:
    """Who may press an action's button: a chat that may act on the case (❓: may ask), on a card recorded for it
    there, by a member of the chat now. Otherwise the press is answered and changes nothing."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    chat_id = query.message.chat.id
    supervision = services.supervision
    allowed = supervision.may_ask if verb is TriageVerb.ASK else supervision.may_act
    if not await allowed(chat_id, case) or not await supervision.is_card_of(chat_id, query.message.message_id, case):
        log.warning("triage action refused: user %s in chat %s, %s on report %s", user.id, chat_id, verb, case.id)
        await answer_query(update, t(services.settings.default_locale, "triage.not_allowed"), alert=True)
        return False
    return not await _stranger(update, services, verb, case.id, services.settings.default_locale)


async def _act(update: Update, context: PantauContext, case: Case, action: CaseAction, detail: str | None,
               verb: TriageVerb) -> None:
    """Apply a triage action pressed on a card: the pressed card is edited at once, the others through the outbox."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and isinstance(query.message, Message)
    services = context.services
    supervision = services.supervision
    locale = services.settings.default_locale
    chat_id = query.message.chat.id
    try:
        result = await supervision.act(case, action, _actor(user, chat_id), detail=detail,
                                       pressed=(chat_id, query.message.message_id))
    except CaseChanged as exc:
        fresh = await supervision.case(case.id)
        await answer_query(update, t(locale, exc.key), alert=True)
        if fresh is not None:
            await _edit_card(services, query.message, fresh)
        return
    except Refusal as exc:
        await answer_query(update, t(locale, exc.key), alert=True)
        return
    if isinstance(result, StatusRefusal):
        await answer_query(update, _refusal_text(locale, result), alert=True)
        await _edit_card(services, query.message, case)
        return
    answer = t(locale, "triage.done_ok", status=t(locale, f"status.{result.status}"))
    if verb is TriageVerb.FORWARD_TO and detail == ForwardTarget.GAKKUMDU and not await supervision.gakkumdu_groups(
        case.region_code
    ):
        answer += " " + t(locale, "triage.no_gakkumdu_group")
    await answer_query(update, answer, alert=verb is TriageVerb.FORWARD_TO)
    await _edit_card(services, query.message, result)
    if services.outbox_worker is not None:
        services.outbox_worker.notify()


async def _stranger(update: Update, services: Services, verb: TriageVerb, report_id: int, locale: str) -> bool:
    """Whoever presses must be a member of the chat now; if not, the press is answered and changes nothing."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    admission = await services.membership.admit(query.message.chat.id, user.id, Attempt.PRESS, action=verb,
                                                report_id=report_id)
    if admission.allowed:
        return False
    await answer_query(update, t(locale, admission.refusal_key), alert=True)
    return True


async def _prompt(update: Update, context: PantauContext, case: Case, verb: str, locale: str) -> None:
    """Ask the supervisor to reply with a question for the reporter, or with the original case's code."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and isinstance(query.message, Message)
    await answer_query(update)
    await context.services.group_replies.prompt(
        update, case,
        # A mention: the prompt's ForceReply is selective, so Telegram opens the reply box for the one who pressed.
        t(locale, f"triage.prompt_{verb}", name=f'<a href="tg://user?id={user.id}">{escape(user.first_name)}</a>',
          code=case.case_code),
        purpose=PromptPurpose.QUESTION if verb == TriageVerb.ASK else PromptPurpose.DUPLICATE,
        placeholder=t(locale, f"triage.placeholder_{verb}"),
        reply_to=query.message.message_id,
    )


async def on_group_reply(update: Update, context: PantauContext) -> None:
    """A reply in a group to one of the bot's prompts: a question to relay, or a duplicate's original code.
    Replies to anything else are left alone (the update goes on to the other handlers)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.reply_to_message is None:
        return
    services = context.services
    prompt = await services.group_replies.pending_reply(message.chat.id, message.reply_to_message.message_id)
    if prompt is None or prompt.purpose not in (PromptPurpose.QUESTION, PromptPurpose.DUPLICATE):
        return
    locale = services.settings.default_locale
    case = await services.supervision.case(prompt.report_id)
    allowed = services.supervision.may_ask if prompt.purpose == PromptPurpose.QUESTION else services.supervision.may_act
    if case is None or not await allowed(message.chat.id, case):
        raise ApplicationHandlerStop
    admission = await services.membership.admit(message.chat.id, user.id, Attempt.REPLY, action=prompt.purpose,
                                                report_id=case.id)
    if not admission.allowed:
        await services.group_replies.refuse(update, t(locale, admission.refusal_key))
        raise ApplicationHandlerStop
    text = (message.text or message.caption or "").strip()
    actor = _actor(user, message.chat.id)
    if prompt.purpose == PromptPurpose.QUESTION:
        if not text or len(text) > QUESTION_LIMIT:
            await services.group_replies.queue(update, t(locale, "triage.question_length", maximum=QUESTION_LIMIT))
            raise ApplicationHandlerStop
        try:
            await services.supervision.ask(case, actor, text, prompt)
        except Refusal as exc:
            await services.group_replies.queue(update, t(locale, exc.key))
            raise ApplicationHandlerStop from None
        await services.group_replies.queue(update, t(locale, "triage.question_sent", code=case.case_code))
    else:
        code = normalize_case_code(text)
        original = await services.supervision.duplicate_original(message.chat.id, case, code=code) if code else None
        if original is None:
            await services.group_replies.queue(update, t(locale, "triage.duplicate_unknown"))
            raise ApplicationHandlerStop
        try:
            result = await services.supervision.act(case, CaseAction.DUPLICATE, actor, detail=original.case_code)
        except CaseChanged as exc:
            await services.group_replies.queue(update, t(locale, exc.key))
            raise ApplicationHandlerStop from None
        if isinstance(result, StatusRefusal):
            await services.group_replies.queue(update, _refusal_text(locale, result))
            raise ApplicationHandlerStop
        await services.supervision.forget_prompt(prompt)
        await services.group_replies.queue(update, t(locale, "triage.done_ok", status=t(locale, "status.duplicate")))
    if services.outbox_worker is not None:
        services.outbox_worker.notify()
    raise ApplicationHandlerStop

