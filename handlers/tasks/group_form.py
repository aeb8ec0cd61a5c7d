"""In a supervisors group: /tugas (/task) lists the group's open tasks, /tugas <what to do> (or ➕ Tugas baru)
opens the form that composes a task; the form's buttons and the replies to its prompts move it along
(bot/tasks/forms.py). Only current members of the group may use it."""

from __future__ import annotations

import re
from html import escape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import filters

from bot.kernel.callbacks import parse
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.kernel.services import Services
from bot.supervision.membership import Attempt, MemberStatus
from bot.tasks.card_actions import TaskGroupAction
from bot.tasks.forms import Answer, Supervisor, TaskForms, Where
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.replies import answer_query
from locales import t

LIST_TEXT = 60  # characters of each task's text in the list


def forms_of(services: Services) -> TaskForms:
    forms = services.tasks.forms
    assert forms is not None, "tasks' forms are built by bot/tasks/wiring.py"
    return forms


class OpenForm(filters.MessageFilter):
    """Messages from a supervisor who has a /tugas form open in that group (a filter cannot ask the database:
    the forms keep the open ones in memory, loaded at start)."""

    def __init__(self, forms: TaskForms) -> None:
        super().__init__(name="OpenForm")
        self.forms = forms

    def filter(self, message: Message) -> bool:
        return message.from_user is not None and self.forms.is_open(message.chat.id, message.from_user.id)


async def admitted(update: Update, services: Services, attempt: Attempt) -> bool:
    """Whether the sender is a current member of the group; if not, they are told (a press on its spinner)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    admission = await services.membership.admit(chat.id, user.id, attempt, action="tugas")
    if admission.allowed:
        return True
    locale = services.settings.default_locale
    unknown = admission.membership.status is MemberStatus.UNKNOWN
    text = t(locale, "triage.member_check_failed" if unknown else "task_form.members_only")
    if update.callback_query is not None:
        await answer_query(update, text, alert=True)
    else:
        await services.group_replies.refuse(update, text)
    return False


def _notify(services: Services) -> None:
    if services.outbox_worker is not None:
        services.outbox_worker.notify()


# /tugas or /task (optionally @the_bot) at the start of a photo's or a document's caption.
TUGAS_CAPTION = re.compile(r"^/(?:tugas|task)(?:@(\w+))?(?:\s|$)", re.IGNORECASE)


async def tugas(update: Update, context: PantauContext) -> None:
    """/tugas: the group's open tasks; /tugas <what to do>: a new task's form (also as a photo's or a document's
    caption: the file is the task's attachment)."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or message is None or user is None:
        return
    services = context.services
    locale = services.settings.default_locale
    if message.text is None and message.caption is not None:  # a captioned file: a command for this bot only
        named = TUGAS_CAPTION.match(message.caption)
        if named is not None and named.group(1) and named.group(1).casefold() != (context.bot.username or "").casefold():
            return
    if not await admitted(update, services, Attempt.COMMAND):
        return
    forms = forms_of(services)
    parts = (message.text or message.caption or "").split(None, 1)
    attachment = None
    if message.photo:
        attachment = ("photo", message.photo[-1].file_id)
    elif message.document is not None:
        attachment = ("document", message.document.file_id)
    try:
        await forms.group(chat.id)
        if len(parts) < 2:
            if attachment is not None:  # a photo captioned "/tugas" alone: the text goes in the caption
                raise Refusal("task_form.caption_needs_text")
            await _list(update, services)
            return
        await forms.start(Where(chat.id, update.update_id, message.message_id), Supervisor(user.id, user.first_name),
                          parts[1], attachment)
    except Refusal as exc:
        await services.group_replies.refuse(update, t(locale, exc.key, **exc.params))
        return
    _notify(services)


async def _list(update: Update, services: Services) -> None:
    chat = update.effective_chat
    assert chat is not None
    locale = services.settings.default_locale
    cards = services.tasks.cards
    tasks = await forms_of(services).open_tasks(chat.id)
    lines = [t(locale, "task_list.title", count=len(tasks)) if tasks else t(locale, "task_list.empty")]
    for task in tasks:
        text = task.text if len(task.text) <= LIST_TEXT else task.text[: LIST_TEXT - 1].rstrip() + "…"
        if cards is None:
            continue
        counts = await cards.counts(task)
        lines.append(t(locale, "task_list.line", id=task.id, text=escape(text), sent=counts.sent,
                       total=counts.recipients, accepted=counts.accepted, declined=counts.declined,
                       reported=counts.reported))
    markup = InlineKeyboardMarkup([[button(t(locale, "task_list.new"), TaskGroupAction.NEW)]])
    await services.group_replies.queue(update, "\n".join(lines), markup=markup)


FORM_ACTIONS = (TaskGroupAction.NEW, TaskGroupAction.AREA, TaskGroupAction.AREA_OPEN, TaskGroupAction.WHO,
                TaskGroupAction.SKIP, TaskGroupAction.REPORT_BACK, TaskGroupAction.SEND, TaskGroupAction.CANCEL)


async def on_form_button(update: Update, context: PantauContext) -> None:
    """A button of a /tugas form (where, who, skip, report-back, send, cancel), or ➕ Tugas baru."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    arg = callback_arg(update)
    parsed = parse(query.data)
    assert parsed is not None
    action = TaskGroupAction(parsed.action)
    services = context.services
    locale = services.settings.default_locale
    if not await admitted(update, services, Attempt.PRESS):
        return
    forms = forms_of(services)
    chat_id = query.message.chat.id
    who = Supervisor(user.id, user.first_name)
    try:
        if action is TaskGroupAction.NEW:
            await forms.start(Where(chat_id, update.update_id), who, None)
            await answer_query(update)
        else:
            pressed = await forms.press(Where(chat_id, update.update_id, query.message.message_id), who, action, arg)
            await answer_query(update, pressed.text, alert=pressed.alert)
    except Refusal as exc:
        await answer_query(update, t(locale, exc.key, **exc.params), alert=True)
        return
    _notify(services)


def _answer_of(message: Message) -> Answer:
    text = message.text or message.caption
    location = message.location
    if message.photo:
        return Answer(text, "photo", message.photo[-1].file_id)
    if message.document is not None:
        return Answer(text, "document", message.document.file_id)
    if location is not None:
        return Answer(None, latitude=location.latitude, longitude=location.longitude)
    return Answer(text)


async def on_reply(update: Update, context: PantauContext) -> None:
    """A supervisor's reply to their /tugas form's prompt: the answer of the step it asks (a reply to anything
    else is left alone)."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or message is None or user is None or message.reply_to_message is None:
        return
    services = context.services
    forms = forms_of(services)
    replied = message.reply_to_message
    from_bot = replied.from_user is not None and replied.from_user.id == context.bot.id
    draft = await forms.awaits(chat.id, user.id, replied.message_id, from_bot)
    if draft is None or not await admitted(update, services, Attempt.REPLY):
        return
    try:
        await forms.answer(Where(chat.id, update.update_id, message.message_id), Supervisor(user.id, user.first_name),
                           draft, _answer_of(message))
    except Refusal as exc:
        await services.group_replies.refuse(update, t(services.settings.default_locale, exc.key, **exc.params))
        return
    _notify(services)
