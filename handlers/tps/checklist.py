"""Voting day's checklists: a watcher's answer to one question (the message becomes the next one), and "something
wrong" offering a report of the TPS, prefilled with its place (handlers/kernel/report_entries.py)."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Message, Update

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.tps.actions import TpsAction
from bot.tps.checklist import Checkpoint
from bot.tps.texts import checklist_text
from handlers.kernel.buttons import StaleButton, button, callback_arg
from handlers.kernel.replies import answer_query, edit_text
from handlers.tps.kit import refusing
from locales import t


@refusing
async def on_answer(update: Update, context: PantauContext) -> None:
    """Ya / Tidak on a checklist: stored, then the next question in the same message (a Ya to "anything wrong?"
    offers a report of the TPS)."""
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None
    tps_id, checkpoint_value, index_text, choice = callback_arg(update).split(":")
    checkpoint, index, yes = Checkpoint(checkpoint_value), int(index_text), choice == "y"
    tps = context.services.tps
    following = await tps.answer(user.id, int(tps_id), checkpoint, index, yes)
    locale = await context.services.users.locale(user.id)
    await answer_query(update, t(locale, "tps.check.saved"))
    station = await tps.station(int(tps_id))
    if station is None or not isinstance(query.message, Message):
        return
    text = checklist_text(locale, tps.name(station), checkpoint, tps.local_time(station, checkpoint), following,
                          await tps.answers(user.id, station.id, checkpoint))
    rows = []
    if following is not None:
        arg = f"{station.id}:{checkpoint.value}:{following}"
        rows.append([button(t(locale, "tps.button.yes"), TpsAction.ANSWER, f"{arg}:y"),
                     button(t(locale, "tps.button.no"), TpsAction.ANSWER, f"{arg}:n")])
    elif tps.is_problem(checkpoint, index) and yes:
        text += "\n\n" + t(locale, "tps.check.report_offer")
        rows.append([button(t(locale, "tps.button.report"), TpsAction.REPORT, f"{station.id}:{checkpoint.value}")])
    if checkpoint is Checkpoint.COUNT and following is None:
        text += "\n\n" + t(locale, "tps.result.offer")
    await edit_text(query.message, text, InlineKeyboardMarkup(rows) if rows else None)


async def prepare_report(update: Update, context: PantauContext) -> str | None:
    """📝 Laporkan on a checklist: the watcher's report draft, prefilled with the TPS's place and the time now (the
    report conversation then asks what is still missing); the note above its first question."""
    user, query = update.effective_user, update.callback_query
    if user is None or query is None or query.message is None:
        return None
    locale = await context.services.users.locale(user.id)
    try:
        tps_id, _, checkpoint = callback_arg(update).partition(":")
    except StaleButton:
        await answer_query(update, t(locale, "button.stale"), alert=True)
        return None
    tps = context.services.tps
    station = next((s for s, _ in await tps.watched_by(user.id) if s.id == int(tps_id)), None)
    if station is None:
        await answer_query(update, t(locale, "tps.not_watching"), alert=True)
        return None
    try:
        await tps.start_report(user.id, query.message.chat.id, update.update_id, station, Checkpoint(checkpoint))
    except Refusal as exc:  # e.g. a report of theirs is still being written
        await answer_query(update, t(locale, exc.key, **exc.params), alert=True)
        return None
    return t(locale, "tps.check.report_note", station=escape(tps.name(station)))
