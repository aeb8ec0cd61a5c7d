"""In a supervisors' group: /kasus (/case) CODE shows one case with its history, /antrian (/queue) the
region's open cases, oldest first, with their deadlines."""

from __future__ import annotations

from telegram import Chat, Update

from bot.kernel.case_code import normalize_case_code
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.supervision.alert_card import digest_keyboard, history_text, next_deadline_text, place_text
from bot.supervision.membership import Attempt
from bot.supervision.takedown import MAX_CASES
from locales import t

QUEUE_LENGTH = 30


async def _admitted(update: Update, context: PantauContext, action: str) -> Chat | None:
    """The chat of a case command from a current member of it; None (refused once a minute) otherwise."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or message is None or user is None:
        return None
    services = context.services
    admission = await services.membership.admit(chat.id, user.id, Attempt.COMMAND, action=action)
    if not admission.allowed:
        await services.group_replies.refuse(update, t(services.settings.default_locale, admission.refusal_key))
        return None
    return chat


async def show_case(update: Update, context: PantauContext) -> None:
    """/kasus CODE: the case's card (with its buttons, where this group may act) and its history."""
    chat = await _admitted(update, context, "kasus")
    if chat is None:
        return
    services = context.services
    locale = services.settings.default_locale
    code = normalize_case_code(" ".join(context.args or []))
    case = await services.supervision.case_by_code(code) if code else None
    if case is None or not await services.supervision.may_view(chat.id, case):
        await services.group_replies.refuse(update, t(locale, "cases.unknown"))
        return
    events = await services.supervision.history(case)
    await services.group_replies.show_case(update, case, history_text(case, events, services.regions, locale))


async def show_queue(update: Update, context: PantauContext) -> None:
    """/antrian: the open cases of this group's region, oldest first."""
    chat = await _admitted(update, context, "antrian")
    if chat is None:
        return
    services = context.services
    locale = services.settings.default_locale
    try:
        cases = await services.supervision.open_cases_for(chat.id, limit=QUEUE_LENGTH)
    except Refusal as exc:
        await services.group_replies.refuse(update, t(locale, exc.key))
        return
    if not cases:
        await services.group_replies.queue(update, t(locale, "cases.queue_empty"))
        return
    lines = [t(locale, "cases.queue_title", count=len(cases))]
    regions = services.regions
    for case in cases:
        lines.append(
            t(locale, "cases.queue_line", code=case.case_code, category=t(locale, f"category.{case.category}.name"),
              place=place_text(case, regions), status=t(locale, f"status.{case.status}"),
              deadline=next_deadline_text(case, regions, locale, services.intake.rules))
        )
    await services.group_replies.queue(update, "\n".join(lines), markup=digest_keyboard(cases, locale))


async def request_takedown(update: Update, context: PantauContext) -> None:
    """/takedown CODE…: a takedown request document for these cases of online content (their links, platforms,
    origins, dates and the evidence's SHA-256), for the platform, Komdigi or the police."""
    chat = await _admitted(update, context, "takedown")
    if chat is None:
        return
    services = context.services
    locale = services.settings.default_locale
    codes = list(dict.fromkeys(c for c in (normalize_case_code(arg) for arg in context.args or []) if c))
    if not codes or len(codes) > MAX_CASES:
        await services.group_replies.refuse(update, t(locale, "takedown.usage", maximum=MAX_CASES))
        return
    chosen, unknown, offline = [], [], []
    for code in codes:
        case = await services.supervision.case_by_code(code)
        if case is None or not await services.supervision.may_view(chat.id, case):
            unknown.append(code)
        elif not await services.supervision.has_links(case):
            offline.append(code)
        else:
            chosen.append(case.id)
    notes = []
    if unknown:
        notes.append(t(locale, "takedown.unknown", codes=", ".join(unknown)))
    if offline:
        notes.append(t(locale, "takedown.no_links", codes=", ".join(offline)))
    if not chosen:
        await services.group_replies.refuse(update, "\n".join(notes))
        return
    await services.group_replies.takedown(update, chosen)
    if notes:
        await services.group_replies.queue(update, "\n".join(notes), part="takedown_note")
