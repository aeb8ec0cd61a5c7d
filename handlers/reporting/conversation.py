"""The report conversation (/lapor, /report): category, chronology, time and when it became known (and, known
too long ago where the law allows it, whether it is a TSM violation), place, party, evidence, witnesses,
identity and standing, review and submit. See docs/conversation.md for the diagram."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine
from html import escape
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.kernel.callbacks import matches, parse
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.reporting.actions import ReportAction
from bot.reporting.draft import Step
from bot.reporting.intake import CONVERSATION_NAME, Draft
from handlers.kernel.deep_links import REPORT_LINK
from handlers.kernel.report_entries import Prepare, report_entries
from handlers.reporting import edits, evidence, where
from handlers.reporting.kit import (
    advance,
    answer_query,
    ask,
    callback_arg,
    check_draft_token,
    close_choice,
    is_skip_word,
    may_show_reply_keyboard,
    step_handler,
    text_of,
)
from handlers.reporting.prompts import answered_line, button
from locales import t

log = logging.getLogger(__name__)
# New messages only: an edited message is never an answer to the step (see handlers/reporting/edits.py).
NEW = filters.UpdateType.MESSAGE


class _AlbumPart(filters.MessageFilter):
    """A photo, video or document of an album (the parts after the first arrive as updates of their own)."""

    def filter(self, message: Message) -> bool:
        return message.media_group_id is not None and bool(message.photo or message.video or message.document)


ALBUM_PART = _AlbumPart()
TEXT = NEW & filters.TEXT & ~filters.COMMAND


# ---- entry ------------------------------------------------------------------------------------------


async def start_report(update: Update, context: PantauContext) -> object:
    """/lapor: start a report, or offer to continue an unfinished one."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    await answer_query(update)
    services = context.services
    locale = await services.users.locale(user.id)
    if chat.type != chat.PRIVATE:
        await context.bot.send_message(chat.id, t(locale, "report.private_only"))
        return None
    draft = await services.intake.get(user.id)
    if draft is not None and draft.is_redelivery(update.update_id):
        return draft.step if draft.active else None
    if draft is not None and draft.row.status in ("active", "idle_closed") and draft.row.step != Step.CATEGORY:
        started = draft.row.created_at[:10]
        rows = [[button(t(locale, "button.resume"), ReportAction.RESUME_DRAFT)],
                [button(t(locale, "button.fresh"), ReportAction.DISCARD_DRAFT)]]
        await context.bot.send_message(
            chat.id, t(locale, "report.unfinished", started=started), reply_markup=InlineKeyboardMarkup(rows)
        )
        return None
    return await _fresh(update, context, locale, draft)


async def _fresh(update: Update, context: PantauContext, locale: str, previous: Draft | None) -> object:
    """A new draft: the introduction and the first question in one message, unless a reply keyboard of the
    `previous` draft may still be on screen (then the introduction removes it, and the question follows)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    draft = await context.services.intake.start(user.id, chat.id, update.update_id)
    if may_show_reply_keyboard(previous):
        await context.bot.send_message(chat.id, t(locale, "report.intro"), reply_markup=ReplyKeyboardRemove())
        await ask(context, draft, locale)
    else:
        await ask(context, draft, locale, note=t(locale, "report.intro"))
    return draft.step


async def fresh_draft(update: Update, context: PantauContext) -> object:
    """"Start over": discard the unfinished draft and begin again."""
    user = update.effective_user
    assert user is not None
    await answer_query(update)
    locale = await context.services.users.locale(user.id)
    return await _fresh(update, context, locale, await context.services.intake.get(user.id))


async def resume_draft(update: Update, context: PantauContext) -> object:
    """"Continue": go back to the step where the unfinished draft stopped."""
    user = update.effective_user
    assert user is not None
    await answer_query(update)
    services = context.services
    locale = await services.users.locale(user.id)
    draft = await services.intake.get(user.id)
    if draft is None or draft.row.status == "submitted":
        return await _fresh(update, context, locale, draft)
    draft = await services.intake.resume(draft, update.update_id)
    await ask(context, draft, locale)
    return draft.step


def prefilled_entry(prepare: Prepare) -> Callable[[Update, PantauContext], Coroutine[Any, Any, object]]:
    """An entry another feature offers (handlers/kernel/report_entries.py): its `prepare` writes the draft, then
    the draft's first unanswered step is asked, with the feature's note above it."""

    async def start_prefilled(update: Update, context: PantauContext) -> object:
        """A report prefilled by another feature (a task's report-back): ask its first unanswered step."""
        user = update.effective_user
        note = await prepare(update, context) if user is not None else None
        if user is None or note is None:
            return None
        draft = await context.services.intake.get(user.id)
        if draft is None or not draft.active:
            return None
        await answer_query(update)
        await ask(context, draft, await context.services.users.locale(user.id), note=note)
        return draft.step

    return start_prefilled


# ---- steps ------------------------------------------------------------------------------------------


@step_handler()
async def on_category(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 1: the category button."""
    key = callback_arg(update)
    draft = await context.services.intake.set_category(draft, update.update_id, key)
    await advance(update, context, draft, locale, note="✓ " + t(locale, f"category.{key}.name"))
    return draft.step


# Steps answered with free text, and the intake rule that takes each answer.
_TEXT_ANSWERS = {
    Step.CHRONOLOGY: "set_chronology",
    Step.PLACE: "set_place",
    Step.PARTY: "set_party",
    Step.ACCOUNT: "set_account",
    Step.WITNESSES: "set_witnesses",
    Step.ID_NAME: "set_name",
    Step.ID_ADDRESS: "set_address",
}
# Optional steps with a skip button, and the step each skip belongs to.
_SKIPPABLE = {"links": Step.LINKS, "account": Step.ACCOUNT, "place": Step.PLACE, "party": Step.PARTY,
              "witnesses": Step.WITNESSES, "evidence": Step.EVIDENCE}
# What a skip leaves unanswered, as the next question's message says it.
_SKIPPED_FIELD = {
    "links": "review.links",
    "account": "review.account",
    "place": "conversation.field_place",
    "party": "conversation.field_party",
    "witnesses": "conversation.field_witnesses",
    "evidence": "review.evidence",
}


def _message_id(update: Update) -> int | None:
    """The message that answers, remembered so that editing it later corrects the answer."""
    message = update.effective_message
    return message.message_id if message is not None else None


@step_handler()
async def on_text_answer(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Steps 2, 4 (place), 5, 7 and 8 (name, address): a text answer, checked and stored."""
    setter = getattr(context.services.intake, _TEXT_ANSWERS[draft.step])
    draft = await setter(draft, update.update_id, text_of(update), _message_id(update))
    await ask(context, draft, locale)
    return draft.step


def _origin(message: Message) -> dict[str, Any] | None:
    """A forwarded message's origin, as Telegram reports it: the channel or group (its title, its public username)
    and the post's number, or the person it came from (unless it is the reporter: a group's takedown request
    lists the origin, and must never name the reporter); and when it was first sent."""
    origin = message.forward_origin
    if origin is None:
        return None
    found: dict[str, Any] = {"kind": origin.type, "date": origin.date.isoformat()}
    if isinstance(origin, MessageOriginChannel):
        found.update(chat=origin.chat.title, username=origin.chat.username, message_id=origin.message_id)
    elif isinstance(origin, MessageOriginChat):
        found.update(chat=origin.sender_chat.title, username=origin.sender_chat.username)
    reporter = message.from_user
    if isinstance(origin, MessageOriginUser) and (reporter is None or origin.sender_user.id != reporter.id):
        found.update(chat=origin.sender_user.full_name, username=origin.sender_user.username)
    elif isinstance(origin, MessageOriginHiddenUser) and (reporter is None or origin.sender_user_name != reporter.full_name):
        found.update(chat=origin.sender_user_name)
    return found


@step_handler()
async def on_links(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 4, online content: the links in a message (its text or caption and their url and text_link
    entities), or a forwarded Telegram post, whose origin is kept."""
    message = update.effective_message
    assert message is not None
    kinds: list[str | None] = [MessageEntity.URL, MessageEntity.TEXT_LINK]
    entities = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    urls = [entity.url if entity.type == MessageEntity.TEXT_LINK and entity.url else text
            for entity, text in entities.items()]
    # A forwarded post's photo or video (or a screenshot sent with the link in its caption) is evidence itself: kept
    # first, so that a crash before the links are saved asks for them again and keeps the file once.
    await evidence.keep_file(context, draft, update, message)
    draft = await context.services.intake.set_links(
        draft, update.update_id, message.text or message.caption, urls, _origin(message))
    await ask(context, draft, locale)
    return draft.step


@step_handler(reask_on_redelivery=False)
async def on_album_part(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """The rest of a forwarded album whose first part answered step 4's links: kept as evidence, quietly (the
    album's first part was answered). Any other album here is what the step does not take."""
    message = update.effective_message
    assert message is not None and message.media_group_id is not None
    if not await context.services.intake.album_begun(draft, message.media_group_id):
        raise Refusal(_EXPECTED[draft.step])
    await evidence.keep_file(context, draft, update, message)
    return draft.step


@step_handler()
async def on_account_button(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 4, online content: the account the links name is the one that posted it."""
    draft = await context.services.intake.set_account_from_links(draft, update.update_id)
    await advance(update, context, draft, locale,
                  note=answered_line(locale, t(locale, "review.account"), escape(draft.answers.account or "")))
    return draft.step


async def _after_when(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """The next question (when it became known, which shows the time read): edited in after a press, else sent."""
    await advance(update, context, draft, locale)
    return draft.step


async def _after_known(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """The next question; known too long ago (and not asked about TSM), the reporter is told what that means."""
    intake = context.services.intake
    note = None
    if draft.step is not Step.TSM and intake.is_stale(draft.answers):
        note = "⚠️ " + t(locale, "when.stale_warning", period=intake.texts.reporting_period(locale))
    await advance(update, context, draft, locale, note=note)
    return draft.step


@step_handler()
async def on_known_button(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 3: learned of it on the incident's day, or today."""
    intake = context.services.intake
    if callback_arg(update) == "same":
        draft = await intake.set_known_same(draft, update.update_id)
    else:
        draft = await intake.set_known_today(draft, update.update_id)
    return await _after_known(update, context, draft, locale)


@step_handler()
async def on_known_text(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 3: the typed day the reporter learned of it."""
    intake = context.services.intake
    known = intake.parse_known(draft.answers, text_of(update))
    draft = await intake.set_known(draft, update.update_id, known, _message_id(update))
    return await _after_known(update, context, draft, locale)


@step_handler()
async def on_tsm(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 3: a structured, systematic and massive violation (reportable later), or not."""
    tsm = callback_arg(update) == "yes"
    draft = await context.services.intake.set_tsm(draft, update.update_id, tsm)
    intake = context.services.intake
    note = "✓ " + t(locale, "button.tsm_yes" if tsm else "button.tsm_no")
    if not tsm:
        note += "\n⚠️ " + t(locale, "when.stale_warning", period=intake.texts.reporting_period(locale))
    await advance(update, context, draft, locale, note=note)
    return draft.step


@step_handler()
async def on_standing(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 8: who the reporter is (a voter, an observer, a participant, or someone else)."""
    key = callback_arg(update)
    services = context.services
    draft = await services.intake.set_standing(draft, update.update_id, key)
    await advance(update, context, draft, locale,
                  note="✓ " + t(locale, f"standing.{services.intake.rules.kind.value}.{key}"))
    return draft.step


@step_handler()
async def on_when_button(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 3: "today" or "yesterday"."""
    draft = await context.services.intake.set_when_button(draft, update.update_id, callback_arg(update))
    return await _after_when(update, context, draft, locale)


@step_handler()
async def on_when_text(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 3: a typed date and time, read in the region's time zone."""
    intake = context.services.intake
    incident = intake.parse_when(draft.answers, text_of(update))
    draft = await intake.set_when(draft, update.update_id, incident, _message_id(update))
    return await _after_when(update, context, draft, locale)


@step_handler()
async def on_skip(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """The "skip" button of an optional step."""
    what = callback_arg(update)
    intake = context.services.intake
    if _SKIPPABLE.get(what) is not draft.step:
        await answer_query(update, t(locale, "button.stale"), alert=True)
        return draft.step
    value = t(locale, "answered.skipped")
    if draft.step is Step.EVIDENCE and (count := (await intake.evidence_counts(draft.user_id))[0]):
        value = t(locale, "review.files", count=count)  # files came, then the prompt's skip: they still count
    if draft.step in _TEXT_ANSWERS:
        draft = await getattr(intake, _TEXT_ANSWERS[draft.step])(draft, update.update_id, None)
    elif draft.step is Step.LINKS:
        draft = await intake.skip_links(draft, update.update_id)
    else:
        draft = await intake.answer(draft, update.update_id)
    await advance(update, context, draft, locale, note=answered_line(locale, t(locale, _SKIPPED_FIELD[what]), value))
    return draft.step


@step_handler()
async def on_identity(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 8: anonymous, or identified."""
    anonymous = callback_arg(update) == "anon"
    draft = await context.services.intake.set_identity(draft, update.update_id, anonymous)
    label = t(locale, "button.anonymous" if anonymous else "button.identified")
    await advance(update, context, draft, locale, note="✓ " + label)
    return draft.step


async def _after_phone(context: PantauContext, draft: Draft, locale: str) -> object:
    await context.bot.send_message(draft.row.chat_id, "✓", reply_markup=ReplyKeyboardRemove())
    await ask(context, draft, locale)
    return draft.step


@step_handler()
async def on_phone_text(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 8: a typed phone number, or the skip button of the reply keyboard."""
    text = text_of(update)
    intake = context.services.intake
    if is_skip_word(locale, text):
        draft = await intake.set_phone(draft, update.update_id, None, None)
    else:
        draft = await intake.set_phone(draft, update.update_id, text, "typed", _message_id(update))
    return await _after_phone(context, draft, locale)


@step_handler()
async def on_contact(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Step 8: the phone number shared with Telegram's contact button."""
    message = update.effective_message
    assert message is not None and message.contact is not None and update.effective_user is not None
    own = message.contact.user_id == update.effective_user.id
    draft = await context.services.intake.set_phone(
        draft, update.update_id, message.contact.phone_number, "contact" if own else "typed"
    )
    return await _after_phone(context, draft, locale)


async def _not_at_review(update: Update, draft: Draft, locale: str) -> bool:
    """A review button while the draft is at another step (a failure after a correction moved it): refused,
    and the conversation follows the draft to that step."""
    if draft.step is Step.REVIEW:
        return False
    await answer_query(update, t(locale, "conversation.not_at_review"), alert=True)
    return True


# Questions a draft at its review may still lack, asked on their own (and then back to the review).
_ASKED_AGAIN = {"standing": Step.STANDING, "tsm": Step.TSM}


@step_handler()
async def on_edit(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Review: edit one answer, then come back to the review (the review keeps its text, without buttons)."""
    field, _, token = callback_arg(update).partition(":")
    check_draft_token(draft, token)
    if await _not_at_review(update, draft, locale):
        return draft.step
    await close_choice(update)
    draft = await context.services.intake.edit(draft, update.update_id, field)
    await ask(context, draft, locale)
    return draft.step


@step_handler(reask_on_redelivery=False)
async def on_submit(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Review: submit. Creates the report once; the confirmation, which goes out through the outbox, is the only
    message: the review keeps its buttons, and a press on them finds the draft submitted (answered with its code)."""
    check_draft_token(draft, callback_arg(update))
    if await _not_at_review(update, draft, locale):
        return draft.step
    services = context.services
    try:
        outcome = await services.intake.submit(draft, update.update_id, locale)
    except Refusal as exc:
        if exc.key == "invalid.when_future":
            draft = await services.intake.edit(draft, update.update_id, "when")
        elif exc.key == "invalid.incomplete":
            missing = services.intake.missing_answer(draft.answers)
            if missing in _ASKED_AGAIN:  # a draft at its review before the question existed, or before it applied
                draft = await services.intake.goto(draft, update.update_id, _ASKED_AGAIN[missing], editing=True)
            else:
                field = {"incident": "when", "region_code": "where"}.get(missing or "", missing or "identity")
                draft = await services.intake.edit(draft, update.update_id, field)
        raise
    code = outcome.result.case_code
    if outcome.result.created:
        await answer_query(update)
        if services.outbox_worker is not None:
            services.outbox_worker.notify()
    else:
        await answer_query(update, t(locale, "submitted.already", code=code), alert=True)
    return ConversationHandler.END


async def cancel(update: Update, context: PantauContext) -> object:
    """/batal, /cancel or the cancel button: leave the report; the draft is discarded."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return ConversationHandler.END
    services = context.services
    locale = await services.users.locale(user.id)
    if update.callback_query is not None:  # the review's button: only its own draft's
        draft = await services.intake.get(user.id)
        parsed = parse(update.callback_query.data)
        if draft is not None and parsed is not None and parsed.arg and parsed.arg != draft.token:
            await answer_query(update, t(locale, "button.stale"), alert=True)
            return None
    await answer_query(update)
    await services.intake.cancel(user.id)
    await context.bot.send_message(chat.id, t(locale, "report.cancelled"), reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


async def cancel_outside(update: Update, context: PantauContext) -> None:
    """/batal when no report is in progress: discard a draft kept after an idle close, if any."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = context.services
    locale = await services.users.locale(user.id)
    draft = await services.intake.get(user.id)
    if draft is not None and draft.row.status != "submitted":
        await services.intake.cancel(user.id)
        await context.bot.send_message(chat.id, t(locale, "report.cancelled"), reply_markup=ReplyKeyboardRemove())
    else:
        await context.bot.send_message(chat.id, t(locale, "report.nothing_to_cancel"))


_EXPECTED = {
    Step.CATEGORY: "invalid.expected_button",
    Step.CHRONOLOGY: "invalid.expected_text",
    Step.WHEN: "invalid.expected_when",
    Step.KNOWN: "invalid.expected_when",
    Step.TSM: "invalid.expected_button",
    Step.LINKS: "invalid.no_links",
    Step.ACCOUNT: "invalid.expected_text",
    Step.WHERE: "invalid.expected_location",
    Step.WHERE_CONFIRM: "invalid.expected_button",
    Step.PLACE: "invalid.expected_text",
    Step.PARTY: "invalid.expected_text",
    Step.EVIDENCE: "invalid.expected_media",
    Step.WITNESSES: "invalid.expected_text",
    Step.IDENTITY: "invalid.expected_button",
    Step.ID_NAME: "invalid.expected_text",
    Step.ID_ADDRESS: "invalid.expected_text",
    Step.ID_PHONE: "invalid.expected_phone",
    Step.STANDING: "invalid.expected_button",
    Step.REVIEW: "invalid.expected_button",
}


@step_handler()
async def wrong_input(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Anything a step does not accept (a sticker, a voice note, a photo where text is asked, a command
    that means nothing here…): a short hint, the step's buttons on screen stay usable."""
    text = text_of(update)
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0].split("@", 1)[0][:33]
        raise Refusal("invalid.unknown_command", command=escape(command))
    raise Refusal(_EXPECTED[draft.step])


async def stale_button(update: Update, context: PantauContext) -> object:
    """A button from an earlier step, or data that is not ours: refuse it, keep the step."""
    user = update.effective_user
    locale = await context.services.users.locale(user.id if user else None)
    await answer_query(update, t(locale, "button.stale"), alert=True)
    return None


def build_report_conversation() -> ConversationHandler[PantauContext]:
    """The report conversation. Persistent: its state is in SQLite and survives restarts."""
    region_handlers = where.handlers()
    with warnings.catch_warnings():
        # per_message=False is deliberate: the conversation is per reporter, and buttons of earlier steps
        # are refused by the states themselves. PTB warns about that combination at construction.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return _conversation(region_handlers)


def _conversation(region_handlers: list[BaseHandler[Update, PantauContext, object]]) -> ConversationHandler[PantauContext]:
    return ConversationHandler(
        name=CONVERSATION_NAME,
        persistent=True,
        allow_reentry=True,
        entry_points=[
            edits.handler(),
            CommandHandler(["lapor", "report"], start_report),
            CommandHandler("start", start_report, filters=filters.ChatType.PRIVATE & REPORT_LINK),
            CallbackQueryHandler(start_report, pattern=matches(ReportAction.START_REPORT)),
            CallbackQueryHandler(resume_draft, pattern=matches(ReportAction.RESUME_DRAFT)),
            CallbackQueryHandler(fresh_draft, pattern=matches(ReportAction.DISCARD_DRAFT)),
            *(CallbackQueryHandler(prefilled_entry(prepare), pattern=pattern) for pattern, prepare in report_entries()),
        ],
        states={
            Step.CATEGORY: [CallbackQueryHandler(on_category, pattern=matches(ReportAction.CATEGORY))],
            Step.CHRONOLOGY: [MessageHandler(TEXT, on_text_answer)],
            Step.WHEN: [
                CallbackQueryHandler(on_when_button, pattern=matches(ReportAction.WHEN)),
                MessageHandler(TEXT, on_when_text),
            ],
            Step.KNOWN: [
                CallbackQueryHandler(on_known_button, pattern=matches(ReportAction.KNOWN)),
                MessageHandler(TEXT, on_known_text),
            ],
            Step.TSM: [CallbackQueryHandler(on_tsm, pattern=matches(ReportAction.TSM))],
            Step.LINKS: [
                MessageHandler(NEW & (filters.TEXT | filters.CAPTION | filters.FORWARDED) & ~filters.COMMAND, on_links),
                CallbackQueryHandler(on_skip, pattern=matches(ReportAction.SKIP)),
            ],
            Step.ACCOUNT: [
                MessageHandler(NEW & ALBUM_PART, on_album_part),
                MessageHandler(TEXT, on_text_answer),
                CallbackQueryHandler(on_account_button, pattern=matches(ReportAction.ACCOUNT)),
                CallbackQueryHandler(on_skip, pattern=matches(ReportAction.SKIP)),
            ],
            Step.WHERE: [MessageHandler(NEW & ALBUM_PART, on_album_part), *region_handlers],
            Step.WHERE_CONFIRM: [
                CallbackQueryHandler(where.on_gps_confirm, pattern=matches(ReportAction.GPS_CONFIRM)),
                *region_handlers,
            ],
            Step.PLACE: [
                MessageHandler(TEXT, on_text_answer),
                CallbackQueryHandler(on_skip, pattern=matches(ReportAction.SKIP)),
            ],
            Step.PARTY: [
                MessageHandler(TEXT, on_text_answer),
                CallbackQueryHandler(on_skip, pattern=matches(ReportAction.SKIP)),
            ],
            Step.EVIDENCE: [
                MessageHandler(NEW & (filters.PHOTO | filters.VIDEO | filters.Document.ALL), evidence.on_evidence),
                CallbackQueryHandler(evidence.on_done, pattern=matches(ReportAction.EVIDENCE_DONE)),
                CallbackQueryHandler(on_skip, pattern=matches(ReportAction.SKIP)),
            ],
            Step.WITNESSES: [
                MessageHandler(TEXT, on_text_answer),
                CallbackQueryHandler(on_skip, pattern=matches(ReportAction.SKIP)),
            ],
            Step.IDENTITY: [CallbackQueryHandler(on_identity, pattern=matches(ReportAction.IDENTITY))],
            Step.ID_NAME: [MessageHandler(TEXT, on_text_answer)],
            Step.ID_ADDRESS: [MessageHandler(TEXT, on_text_answer)],
            Step.ID_PHONE: [MessageHandler(NEW & filters.CONTACT, on_contact), MessageHandler(TEXT, on_phone_text)],
            Step.STANDING: [CallbackQueryHandler(on_standing, pattern=matches(ReportAction.STANDING))],
            Step.REVIEW: [
                CallbackQueryHandler(on_edit, pattern=matches(ReportAction.EDIT)),
                CallbackQueryHandler(on_submit, pattern=matches(ReportAction.SUBMIT)),
            ],
        },
        fallbacks=[
            CommandHandler(["batal", "cancel"], cancel),
            CallbackQueryHandler(cancel, pattern=matches(ReportAction.CANCEL)),
            CallbackQueryHandler(stale_button),
            MessageHandler(NEW, wrong_input),
        ],
    )

