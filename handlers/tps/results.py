"""/hasil (/results): a TPS watcher sends the results form photo (C.Hasil) of each contest: a button names the
contest, the next photo is its form. A second, different photo of the same TPS and contest is kept too, and the
kecamatan's supervisors are told of the conflict."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.kernel.context import PantauContext
from bot.tps.actions import TpsAction
from bot.tps.checklist import Contest
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.files import download
from handlers.kernel.replies import answer_query, edit_text
from handlers.tps.kit import refusing
from locales import t


@refusing
async def results(update: Update, context: PantauContext) -> None:
    """/hasil: a button per contest of each TPS the volunteer watches."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    tps = context.services.tps
    await tps.volunteer(user.id)
    locale = await context.services.users.locale(user.id)
    watched = await tps.watched_by(user.id)
    if not watched:
        await message.reply_text(t(locale, "tps.result.none"))
        return
    rows = [[button(f"📸 {t(locale, f'tps.contest.{contest.value}')} · TPS {station.number:03d}", TpsAction.RESULT,
                    f"{station.id}:{contest.value}")] for station, _ in watched for contest in tps.contests()]
    await message.reply_text(t(locale, "tps.result.pick"), reply_markup=InlineKeyboardMarkup(rows))


@refusing
async def on_contest(update: Update, context: PantauContext) -> None:
    """A contest pressed: the next photo is its results form."""
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None
    tps_id, _, contest = callback_arg(update).partition(":")
    station = await context.services.tps.ask_result(user.id, int(tps_id), Contest(contest))
    locale = await context.services.users.locale(user.id)
    await answer_query(update)
    if isinstance(query.message, Message):
        await edit_text(query.message, t(locale, "tps.result.send", contest=t(locale, f"tps.contest.{contest}"),
                                         station=escape(context.services.tps.name(station))))


@refusing
async def on_photo(update: Update, context: PantauContext) -> None:
    """A photo from a watcher who asked to send a results form: kept (SHA-256), answered, the request done. Any
    other photo goes on to whoever takes it (a report's evidence)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.photo:
        return
    tps = context.services.tps
    request = await tps.result_request(user.id)
    if request is None:
        return
    station, contest = request
    locale = await context.services.users.locale(user.id)
    largest = message.photo[-1]
    content, _ = await download(context.bot, largest.file_id, "results form")
    if content is None:
        await message.reply_text(t(locale, "tps.result.failed"))
        raise ApplicationHandlerStop
    added = await tps.add_result(user.id, station, contest, content, largest.file_id,
                                 context.services.settings.default_locale)
    name, contest_name = escape(tps.name(station)), t(locale, f"tps.contest.{contest.value}")
    if not added.new:
        text = t(locale, "tps.result.again", contest=contest_name, station=name)
    elif added.conflict:
        text = t(locale, "tps.result.conflict_told", contest=contest_name, station=name)
        if context.services.outbox_worker is not None:
            context.services.outbox_worker.notify()
    else:
        text = t(locale, "tps.result.received", contest=contest_name, station=name)
    await message.reply_text(text)
    raise ApplicationHandlerStop
