"""The volunteer registration conversation (/relawan, /volunteer, `/start rel_…` from a recruitment link).

Not a PTB ConversationHandler: the state is the registration's draft (bot/volunteers/registration.py), and
which messages it takes is decided by its *focus*. While a person's registration has the focus, their private
messages go to it (this module's message handler sits in Stage.CONVERSATION, before the report conversation);
buttons are told apart by their own callback data at any time. Starting a report (/lapor, /report,
`/start lapor`, the menu's report buttons) takes the focus away first (a handler in group -1 that lets the
update go on), so the report's answers go to the report; /relawan in the middle of a report takes the focus
back for the registration, and the report waits with its draft (it continues with /lapor).
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.kernel.callbacks import matches, parse
from bot.kernel.context import SERVICES_KEY, PantauContext
from bot.kernel.refusal import Refusal
from bot.kernel.services import Services
from bot.kernel.stages import HandlerStages, Stage
from bot.regions.directory import Level, fold
from bot.reporting.actions import ReportAction
from bot.tasks.actions import VolunteerTaskAction
from bot.tasks.answer_actions import TaskAnswerAction
from bot.volunteers.recruitment import PAYLOAD, LinkTarget
from bot.volunteers.registration import Redelivered, Registration
from bot.volunteers.registration_actions import RegistrationAction as A
from bot.volunteers.registration_steps import Step, clean_search, numbered
from bot.volunteers.status import VolunteerStatus
from handlers.kernel.buttons import StaleButton, callback_arg
from handlers.kernel.deep_links import REPORT_LINK, VOLUNTEER_LINK
from handlers.kernel.language import after_language_change
from handlers.kernel.replies import answer_query
from handlers.volunteers import my_registration
from handlers.volunteers.registration_prompts import (
    Prompt,
    location_keyboard,
    organisations_markup,
    picker,
    prompt,
    region_choices,
    region_path,
    villages_markup,
)
from locales import LOCALES, t

log = logging.getLogger(__name__)

NEW = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE
REPORT_COMMAND = filters.Regex(re.compile(r"^/(?:lapor|report)(?:@\w+)?(?:\s|$)", re.IGNORECASE))
_TAGS = re.compile(r"<[^>]+>")

StepCallback = Callable[[Update, PantauContext, Registration, str], Coroutine[Any, Any, None]]


class InRegistration(filters.UpdateFilter):
    """The sender's registration has the focus (bot/volunteers/registration.py `in_focus`)."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(name="InRegistration")
        self.application = application

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        services: Services | None = self.application.bot_data.get(SERVICES_KEY)
        return user is not None and services is not None and services.registration.in_focus(user.id)


# ---- sending ----


async def send(context: PantauContext, chat_id: int, shown: Prompt) -> None:
    await context.bot.send_message(chat_id, shown.text, reply_markup=shown.markup)


async def ask(context: PantauContext, registration: Registration, locale: str, note: str | None = None) -> None:
    """The current step's question, with a note on top."""
    shown = await prompt(context.services, registration, locale)
    text = f"{note}\n\n{shown.text}" if note else shown.text
    await send(context, registration.chat_id, Prompt(text, shown.markup))


async def close_buttons(update: Update) -> None:
    """Remove the pressed message's buttons: an answered question cannot be answered again."""
    query = update.callback_query
    await answer_query(update)
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as exc:
        log.debug("could not remove buttons: %s", exc)


async def edit_buttons(update: Update, markup: InlineKeyboardMarkup) -> None:
    """Replace the pressed message's buttons (the picker's and the lists' navigation); its text stays."""
    query = update.callback_query
    assert query is not None
    await answer_query(update)
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def hint(update: Update, context: PantauContext, text: str) -> None:
    """A short answer to input the step cannot take; the question on screen stays usable."""
    if update.callback_query is not None:
        await answer_query(update, html.unescape(_TAGS.sub("", text))[:200], alert=True)
        return
    message, chat = update.effective_message, update.effective_chat
    if chat is None:
        return
    reply = ReplyParameters(message.message_id, allow_sending_without_reply=True) if message is not None else None
    await context.bot.send_message(chat.id, text, reply_parameters=reply)


async def advance(update: Update, context: PantauContext, registration: Registration, locale: str,
                  note: str | None = None, *, remove_keyboard: bool = False) -> None:
    """After an answer: the pressed message loses its buttons, and the next question follows. A reply keyboard
    on screen (location, contact) goes with a message of its own, the note."""
    if update.callback_query is not None:
        await close_buttons(update)
    if remove_keyboard:
        await context.bot.send_message(registration.chat_id, note or "✓", reply_markup=ReplyKeyboardRemove())
        note = None
    await ask(context, registration, locale, note)


# ---- the step wrapper ----


def step_handler(fn: StepCallback) -> Callable[[Update, PantauContext], Coroutine[Any, Any, None]]:
    """Load the registration and the locale; a re-delivered update asks the current step again; a Refusal is
    said as a short hint; anything else gets an apology and the current step again."""

    @functools.wraps(fn)
    async def wrapper(update: Update, context: PantauContext) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        services = context.services
        locale = await services.users.locale(user.id)
        registration = await services.registration.get(user.id)
        if registration is None:
            await _no_registration(update, context, locale)
            return
        if registration.is_redelivery(update.update_id):
            await answer_query(update)
            await ask(context, registration, locale)
            return
        if not services.registration.in_focus(user.id):  # a button of a waiting registration: back to it
            registration = await services.registration.resume(registration)
        try:
            await fn(update, context, registration, locale)
        except Redelivered:
            fresh = await services.registration.get(user.id)
            await answer_query(update)
            if fresh is not None:
                await ask(context, fresh, locale)
        except Refusal as exc:
            await hint(update, context, t(locale, exc.key, **exc.params))
        except StaleButton:
            await answer_query(update, t(locale, "registration.stale"), alert=True)
        except Exception:
            log.exception("volunteer registration step %s failed", registration.step)
            await answer_query(update)
            await context.bot.send_message(chat.id, t(locale, "registration.error"))
            fresh = await services.registration.get(user.id)
            if fresh is not None:
                await ask(context, fresh, locale)

    return wrapper


async def _no_registration(update: Update, context: PantauContext, locale: str) -> None:
    """A registration button when none is in progress: sent already (a double tap on Submit), or old."""
    user = update.effective_user
    if update.callback_query is None:
        if user is not None:  # the focus outlived its draft (deleted meanwhile): the messages go elsewhere again
            await context.services.registration.cancel(user.id)
        return
    parsed = parse(update.callback_query.data)
    assert user is not None
    if parsed is not None and parsed.action is A.SUBMIT:
        volunteer = await context.services.volunteers.get(user.id)
        if volunteer is not None and volunteer.status == VolunteerStatus.PENDING:
            await answer_query(update, t(locale, "registration.already_submitted"), alert=True)
            return
    await answer_query(update, t(locale, "registration.stale"), alert=True)


# ---- entry ----


def _intro(n: int, locale: str, link: LinkTarget | None) -> str:
    if link is not None:
        return t(locale, "registration.intro_link", organisation=html.escape(link.organisation_name), count=n)
    return t(locale, "registration.intro", count=n)


async def _begin(update: Update, context: PantauContext, link: LinkTarget | None, notes: list[str]) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = context.services
    locale = await services.users.locale(user.id)
    registrations = services.registration
    report = await services.intake.get(user.id)
    if report is not None and report.active:
        notes.append(t(locale, "registration.report_kept"))
    existing = await registrations.get(user.id)
    if existing is not None and existing.is_redelivery(update.update_id):
        await ask(context, existing, locale)
        return
    if existing is not None and link is None:
        existing = await registrations.resume(existing)
        await ask(context, existing, locale, "\n\n".join([t(locale, "registration.resumed"), *notes]))
        return
    earlier = await services.volunteers.get(user.id)
    if earlier is not None and await services.volunteers.suspended(earlier):  # registering again must not lift it
        await context.bot.send_message(chat.id, t(locale, "registration.suspended"))
        return
    registration = await registrations.start(user.id, chat.id, update.update_id, link=link, earlier=earlier)
    first = _intro(len(numbered(registration.answers)), locale, link)
    if earlier is not None and earlier.status not in (VolunteerStatus.LEFT, VolunteerStatus.REJECTED):
        first += "\n\n" + t(locale, "registration.again",
                            status=t(locale, f"my_volunteer.status.{earlier.status}"))
    await ask(context, registration, locale, "\n\n".join([*notes, first]))


async def start_registration(update: Update, context: PantauContext) -> None:
    """/relawan, /volunteer: start (or continue) the volunteer registration, in a private chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if chat.type != chat.PRIVATE:
        locale = await context.services.users.locale(user.id)
        await context.bot.send_message(chat.id, t(locale, "registration.private_only"))
        return
    await _begin(update, context, None, [])


async def start_from_link(update: Update, context: PantauContext) -> None:
    """/start rel_…: a recruitment link; its organisation is then set. An unknown or revoked link is said so,
    and the registration goes on without an organisation."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    parts = (message.text or "").split()
    payload = parts[1] if len(parts) > 1 else ""
    target = await context.services.recruitment.resolve(payload) if PAYLOAD.fullmatch(payload) else None
    notes = []
    if target is None:
        locale = await context.services.users.locale(user.id)
        notes.append(t(locale, "registration.link_unknown"))
    await _begin(update, context, target, notes)


async def pause_for_report(update: Update, context: PantauContext) -> None:
    """A report or a task's report-back is being started: the registration in progress waits (group -1; the update
    goes on to the conversation it starts)."""
    user = update.effective_user
    if user is None or not context.services.registration.in_focus(user.id):
        return
    await context.services.registration.pause(user.id)
    locale = await context.services.users.locale(user.id)
    await context.bot.send_message(user.id, t(locale, "registration.paused"))


async def ask_again_in(context: PantauContext, user_id: int, locale: str) -> None:
    """After a language switch: the registration in progress asks its step again, in the new language."""
    if not context.services.registration.in_focus(user_id):
        return
    registration = await context.services.registration.get(user_id)
    if registration is not None:
        await ask(context, registration, locale)


# ---- messages ----


def _is_back_word(text: str) -> bool:
    return text.strip() in {t(code, "registration.button.back") for code in LOCALES}


_EXPECTED = {
    Step.NAME: "registration.expected_text",
    Step.REGION: "registration.expected_region",
    Step.VILLAGE: "registration.expected_button",
    Step.ORGANISATION: "registration.expected_button",
    Step.KIND: "registration.expected_button",
    Step.PHONE: "registration.expected_phone",
    Step.DECLARATION: "registration.expected_button",
    Step.CONSENT: "registration.expected_button",
    Step.REVIEW: "registration.expected_button",
}


@step_handler
async def on_message(update: Update, context: PantauContext, registration: Registration, locale: str) -> None:
    """Any private message while the registration has the focus: the answer to its current step, or a hint."""
    message = update.effective_message
    assert message is not None
    services = context.services
    text = message.text
    step = registration.step
    if text is not None and text.startswith("/"):
        command = text.split(maxsplit=1)[0].split("@", 1)[0].lower()
        if command in ("/batal", "/cancel"):
            await services.registration.cancel(registration.user_id)
            await context.bot.send_message(registration.chat_id, t(locale, "registration.cancelled"),
                                           reply_markup=ReplyKeyboardRemove())
            return
        raise Refusal("registration.unknown_command", command=html.escape(command[:33]))
    if step is Step.NAME and text is not None:
        registration = await services.registration.set_name(registration, update.update_id, text)
        await advance(update, context, registration, locale, "✓ " + html.escape(registration.answers.full_name or ""))
    elif step is Step.REGION and message.location is not None:
        await _on_location(update, context, registration, locale)
    elif step is Step.REGION and text is not None:
        await _on_region_search(update, context, registration, locale, text)
    elif step is Step.VILLAGE and text is not None:
        await _on_village_search(update, context, registration, locale, text)
    elif step is Step.PHONE and message.contact is not None:
        own = message.contact.user_id is not None and message.contact.user_id == registration.user_id
        registration = await services.registration.set_contact(
            registration, update.update_id, message.contact.phone_number, own)
        await advance(update, context, registration, locale, "✓ " + html.escape(registration.answers.phone or ""),
                      remove_keyboard=True)
    elif step is Step.PHONE and text is not None:
        if _is_back_word(text):
            registration = await services.registration.back(registration, update.update_id, Step.PHONE)
            await advance(update, context, registration, locale, "⬅️", remove_keyboard=True)
            return
        registration = await services.registration.set_phone(registration, update.update_id, text)
        await advance(update, context, registration, locale, "✓ " + html.escape(registration.answers.phone or ""),
                      remove_keyboard=True)
    elif step is Step.PHONE and message.contact is None and text is None:
        raise Refusal("registration.expected_phone")
    else:
        raise Refusal(_EXPECTED[step])


async def _on_location(update: Update, context: PantauContext, registration: Registration, locale: str) -> None:
    """A shared location at the region step: the kecamatan it falls in, if the boundaries are configured."""
    message = update.effective_message
    assert message is not None and message.location is not None
    services = context.services
    boundaries = services.boundaries
    if boundaries is None:
        await services.registration.touch(registration, update.update_id)
        await context.bot.send_message(registration.chat_id, t(locale, "registration.region.gps_unavailable"),
                                       reply_markup=ReplyKeyboardRemove())
        return
    code = boundaries.locate(message.location.latitude, message.location.longitude)
    if code is None or not services.regions.in_scope(code):
        await services.registration.touch(registration, update.update_id)
        await context.bot.send_message(registration.chat_id, t(locale, "registration.region.gps_none"),
                                       reply_markup=ReplyKeyboardRemove())
        return
    await _region_chosen(update, context, registration, locale, code, "gps")


async def _region_chosen(update: Update, context: PantauContext, registration: Registration, locale: str, code: str,
                         source: str) -> None:
    registration = await context.services.registration.set_region(registration, update.update_id, code, source)
    chosen = t(locale, "registration.region.chosen", region=region_path(context.services, registration.answers))
    await advance(update, context, registration, locale, chosen, remove_keyboard=True)


async def _on_region_search(update: Update, context: PantauContext, registration: Registration, locale: str,
                            text: str) -> None:
    query = clean_search(text)
    services = context.services
    found = services.regions.search(query, level=Level.KECAMATAN, limit=8)
    await services.registration.touch(registration, update.update_id)
    if not found:
        raise Refusal("registration.region.search_none", query=html.escape(query))
    await send(context, registration.chat_id, region_choices(locale, found, t(locale, "registration.region.search_results")))


async def _on_village_search(update: Update, context: PantauContext, registration: Registration, locale: str,
                             text: str) -> None:
    query = fold(clean_search(text))
    services = context.services
    villages = services.regions.villages(registration.answers.region_code or "")
    found = [v for v in villages if query in fold(v[1])][:10]
    await services.registration.touch(registration, update.update_id)
    kecamatan = services.regions.get(registration.answers.region_code or "")
    if not found:
        raise Refusal("registration.village.none", query=html.escape(text.strip()[:60]),
                      kecamatan=html.escape(kecamatan.name if kecamatan else ""))
    markup = villages_markup(services, locale, registration, only=found)
    await send(context, registration.chat_id, Prompt(t(locale, "registration.village.results"), markup))


# ---- buttons ----


@step_handler
async def on_button(update: Update, context: PantauContext, registration: Registration, locale: str) -> None:
    """Every registration button: checked against the current step, then applied."""
    arg = callback_arg(update)
    query = update.callback_query
    assert query is not None
    parsed = parse(query.data)
    assert parsed is not None
    action = parsed.action
    services = context.services
    registrations = services.registration
    uid = update.update_id
    step = registration.step
    if action is A.REGION or action is A.REGION_PAGE:
        if step is not Step.REGION:
            raise Refusal("registration.stale")
        if action is A.REGION_PAGE:
            key, page = arg.split(":")
            parent = None if key == "-" else key
            if parent is not None and not services.regions.children(parent):
                raise Refusal("registration.region_invalid")
            await edit_buttons(update, picker(services, locale, parent, int(page)))
            return
        region = services.regions.get(arg)
        if region is None:
            raise Refusal("registration.region_invalid")
        if region.level < Level.KECAMATAN:
            if not services.regions.children(region.code):
                raise Refusal("registration.region_invalid")
            await edit_buttons(update, picker(services, locale, region.code))
            return
        await _region_chosen(update, context, registration, locale, region.code, "picker")
    elif action is A.SHARE_LOCATION:
        if step is not Step.REGION:
            raise Refusal("registration.stale")
        await answer_query(update)
        await send(context, registration.chat_id, location_keyboard(locale))
    elif action is A.VILLAGE_PAGE:
        if step is not Step.VILLAGE:
            raise Refusal("registration.stale")
        await edit_buttons(update, villages_markup(services, locale, registration, int(arg)))
    elif action is A.VILLAGE or action is A.SKIP_VILLAGE:
        code = arg if action is A.VILLAGE else None
        registration = await registrations.set_village(registration, uid, code)
        note = "✓ " + (region_path(services, registration.answers) if code else t(locale, "registration.skipped"))
        await advance(update, context, registration, locale, note)
    elif action is A.ORGANISATION_PAGE:
        if step is not Step.ORGANISATION:
            raise Refusal("registration.stale")
        markup, _ = await organisations_markup(services, locale, registration, int(arg))
        await edit_buttons(update, markup)
    elif action is A.ORGANISATION:
        organisation_id = int(arg) or None
        registration = await registrations.set_organisation(registration, uid, organisation_id)
        a = registration.answers
        label = html.escape(a.organisation_name or "") if organisation_id else t(locale, "registration.review.individual")
        await advance(update, context, registration, locale, "✓ " + label)
    elif action is A.KIND:
        registration = await registrations.set_kind(registration, uid, arg)
        await advance(update, context, registration, locale, "✓ " + t(locale, f"organisations.kind.{arg}"))
    elif action is A.DECLARE:
        if arg == "no":
            await _decline(update, context, registration, step is Step.DECLARATION,
                           t(locale, "registration.declaration.cannot"))
            return
        registration = await registrations.declare(registration, uid)
        await advance(update, context, registration, locale, "✓ " + t(locale, "registration.button.declare"))
    elif action is A.CONSENT:
        if arg == "no":
            await _decline(update, context, registration, step is Step.CONSENT, t(locale, "registration.consent.declined"))
            return
        registration = await registrations.consent(registration, uid)
        await advance(update, context, registration, locale, "✓ " + t(locale, "registration.button.agree"))
    elif action is A.BACK:
        registration = await registrations.back(registration, uid, Step(arg))
        await advance(update, context, registration, locale)
    elif action is A.EDIT:
        field, _, token = arg.partition(":")
        registration = await registrations.edit(registration, uid, field, token)
        await advance(update, context, registration, locale)
    elif action is A.SUBMIT:
        await _submit(update, context, registration, locale, arg)
    elif action is A.CANCEL:
        if arg != registration.token:
            raise Refusal("registration.stale")
        await close_buttons(update)
        await registrations.cancel(registration.user_id)
        await context.bot.send_message(registration.chat_id, t(locale, "registration.cancelled"))


async def _decline(update: Update, context: PantauContext, registration: Registration, current: bool, text: str
                   ) -> None:
    """"I cannot" to the declaration, or "no" to the consent, on its own step: the registration is discarded."""
    if not current:
        raise Refusal("registration.stale")
    await close_buttons(update)
    await context.services.registration.cancel(registration.user_id)
    await context.bot.send_message(registration.chat_id, text)


async def _submit(update: Update, context: PantauContext, registration: Registration, locale: str, token: str) -> None:
    """Submit: the volunteer registered once, with the confirmation through the outbox (the only message)."""
    if token != registration.token:
        raise Refusal("registration.stale")
    services = context.services
    a = registration.answers
    confirmation = t(locale, "registration.submitted", name=html.escape(a.full_name or ""))
    report = await services.intake.get(registration.user_id)
    if report is not None and report.active:
        confirmation += "\n\n" + t(locale, "registration.report_waiting")
    row = await services.registration.submit(registration, confirmation, services.verification)
    if row is None:
        await answer_query(update, t(locale, "registration.already_submitted"), alert=True)
        return
    await close_buttons(update)
    if services.outbox_worker is not None:
        services.outbox_worker.notify()


# ---- routes ----


def register(stages: HandlerStages) -> None:
    """The registration's handlers, each where it must sit (bot/kernel/stages.py)."""
    application = stages.application
    # After a language switch, the registration in progress asks its step again.
    after_language_change("volunteer_registration", ask_again_in)
    # Group -1, before the report conversation sees it: starting a report makes the registration wait. The update
    # is not stopped: the report conversation (group 0) starts the report.
    report_entry = PRIVATE & NEW & (REPORT_COMMAND | REPORT_LINK)
    stages.add(Stage.PROMPT_REPLIES, MessageHandler(report_entry, pause_for_report))
    stages.add(Stage.PROMPT_REPLIES, CallbackQueryHandler(pause_for_report, pattern=matches(
        ReportAction.START_REPORT, ReportAction.RESUME_DRAFT, ReportAction.DISCARD_DRAFT,
        # a task's report-back, and a report made from one, take the person's messages too
        VolunteerTaskAction.REPORT_BACK, TaskAnswerAction.MAKE_REPORT)))
    # Commands that work at any moment, also in the middle of a report.
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler("start", start_from_link, filters=PRIVATE & VOLUNTEER_LINK))
    stages.add(Stage.ANYTIME_COMMANDS, CommandHandler(["relawan", "volunteer"], start_registration))
    my_registration.register(stages)
    # The registration's buttons (any time: their data says what they are), then its messages while it has the
    # focus; both before the report conversation, which would take them as wrong answers to a report.
    actions = [action for action in A if action is not A.LEAVE]
    stages.add(Stage.CONVERSATION, CallbackQueryHandler(on_button, pattern=matches(*actions)))
    focus = PRIVATE & NEW & InRegistration(application) & ~REPORT_COMMAND & ~REPORT_LINK
    stages.add(Stage.CONVERSATION, MessageHandler(focus, on_message))
