"""/jagatps (/watchtps): a verified volunteer adopts a TPS of their kecamatan (by desa and number, or the nearest
to a shared location), as its primary watcher or a backup, and can let go of it."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ApplicationHandlerStop

from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.tps.actions import TpsAction
from bot.tps.service import Adopted, Station, TpsService
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.replies import answer_query, edit_text
from locales import t

DESA_PER_ROW = 2
TPS_PER_ROW = 4


async def _locale(update: Update, context: PantauContext) -> str:
    user = update.effective_user
    return await context.services.users.locale(user.id) if user else context.services.settings.default_locale


async def _overview(context: PantauContext, user_id: int, locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the volunteer watches (each with 🔓 to let go), and the desa to pick a TPS in while they may watch more."""
    tps = context.services.tps
    volunteer = await tps.volunteer(user_id)
    watched = await tps.watched_by(user_id)
    lines = [t(locale, "tps.adopt.title")]
    rows: list[list[InlineKeyboardButton]] = []
    for station, role in watched:
        lines.append(t(locale, "tps.adopt.watching", station=escape(tps.name(station)),
                       role=t(locale, f"tps.role.{role}")))
        rows.append([button(t(locale, "tps.button.release", number=f"{station.number:03d}"), TpsAction.RELEASE,
                            str(station.id))])
    if len(watched) < tps.limits.per_person:
        desas = await tps.desas(volunteer)
        if not desas:
            lines.append(t(locale, "tps.adopt.no_tps"))
        else:
            lines.append(t(locale, "tps.adopt.pick_desa"))
            choices = [button(f"{name or code} ({count})", TpsAction.DESA, code) for code, name, count in desas]
            rows += [choices[i: i + DESA_PER_ROW] for i in range(0, len(choices), DESA_PER_ROW)]
    else:
        lines.append(t(locale, "tps.adopt.full", count=tps.limits.per_person))
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


async def watch_tps(update: Update, context: PantauContext) -> None:
    """/jagatps: the TPS this volunteer watches, and the desa to pick one in."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    locale = await _locale(update, context)
    try:
        text, markup = await _overview(context, user.id, locale)
    except Refusal as exc:
        await message.reply_text(t(locale, exc.key, **exc.params))
        return
    await message.reply_text(text, reply_markup=markup)


def _station_buttons(tps: TpsService, stations: list[Station], watchers: dict[int, int]) -> list[list[InlineKeyboardButton]]:
    full = tps.limits.per_tps
    choices = [button(f"TPS {s.number:03d}" + (" 👥" if watchers.get(s.id, 0) >= full else "")
                      + (" ⚠️" if s.vulnerabilities else ""), TpsAction.PICK, str(s.id)) for s in stations]
    return [choices[i: i + TPS_PER_ROW] for i in range(0, len(choices), TPS_PER_ROW)]


async def on_desa(update: Update, context: PantauContext) -> None:
    """A desa pressed: its TPS (👥 full, ⚠️ vulnerable)."""
    locale = await _locale(update, context)
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None and isinstance(query.message, Message)
    tps = context.services.tps
    volunteer = await tps.volunteer(user.id)
    stations = await tps.stations(volunteer, callback_arg(update))
    watchers = await tps.watcher_counts(stations)
    await answer_query(update)
    await edit_text(query.message, t(locale, "tps.adopt.pick_tps"),
                    InlineKeyboardMarkup(_station_buttons(tps, stations, watchers)))


async def on_pick(update: Update, context: PantauContext) -> None:
    """A TPS pressed: as its primary watcher, or a backup?"""
    locale = await _locale(update, context)
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None and isinstance(query.message, Message)
    tps = context.services.tps
    station = await tps.station_for(await tps.volunteer(user.id), int(callback_arg(update)))
    address = f"\n{escape(station.address)}" if station.address else ""
    await answer_query(update)
    await edit_text(
        query.message, t(locale, "tps.adopt.role", station=escape(tps.name(station))) + address,
        InlineKeyboardMarkup([[
            button(t(locale, "tps.role.primary"), TpsAction.ROLE, f"{station.id}:primary"),
            button(t(locale, "tps.role.backup"), TpsAction.ROLE, f"{station.id}:backup"),
        ]]))


async def on_role(update: Update, context: PantauContext) -> None:
    """Primary or backup pressed: the volunteer watches the TPS, unless a limit says no."""
    locale = await _locale(update, context)
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None and isinstance(query.message, Message)
    tps_id, _, role = callback_arg(update).partition(":")
    done = await context.services.tps.adopt(user.id, int(tps_id), role)
    name = escape(context.services.tps.name(done.station))
    if done.result not in (Adopted.DONE, Adopted.ALREADY) or done.role is None:
        await answer_query(update, t(locale, f"tps.adopt.{done.result.value}", station=name,
                                     count=context.services.tps.limits.per_tps), alert=True)
        return
    await answer_query(update, t(locale, "tps.adopt.done_short"))
    await edit_text(query.message, t(locale, "tps.adopt.done", station=name, role=t(locale, f"tps.role.{done.role}")))


async def on_release(update: Update, context: PantauContext) -> None:
    """🔓 pressed: the volunteer no longer watches that TPS."""
    locale = await _locale(update, context)
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None and isinstance(query.message, Message)
    released = await context.services.tps.release(user.id, int(callback_arg(update)))
    await answer_query(update, t(locale, "tps.adopt.released" if released else "tps.stale"))
    text, markup = await _overview(context, user.id, locale)
    await edit_text(query.message, text, markup)


async def on_location(update: Update, context: PantauContext) -> None:
    """A location from a volunteer who is choosing a TPS (their kecamatan has TPS with coordinates): the nearest."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.location is None:
        return
    tps = context.services.tps
    draft = await context.services.intake.get(user.id)
    if draft is not None and draft.active:
        return  # a report's "where": the report conversation's
    try:
        volunteer = await tps.volunteer(user.id)
    except Refusal:
        return  # not a verified volunteer: the location is somebody else's business
    if len(await tps.watched_by(user.id)) >= tps.limits.per_person:
        return
    nearest = await tps.nearest(volunteer, message.location.latitude, message.location.longitude)
    if not nearest:
        return
    locale = await _locale(update, context)
    watchers = await tps.watcher_counts(nearest)
    lines = [t(locale, "tps.adopt.nearest")]
    lines += [f"• {escape(tps.name(s))}" + (f" — {escape(s.address)}" if s.address else "") for s in nearest]
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(_station_buttons(tps, nearest, watchers)))
    raise ApplicationHandlerStop
