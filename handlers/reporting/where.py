"""Step 4 of the report conversation: where it happened, from a shared location or the region picker."""

from __future__ import annotations

from html import escape

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.kernel.callbacks import matches
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.reporting.actions import ReportAction
from bot.reporting.draft import Step, online_content
from bot.reporting.intake import Draft, clean_text
from handlers.reporting.kit import (
    advance,
    answer_query,
    ask,
    callback_arg,
    edit_in_place,
    send,
    step_handler,
    text_of,
)
from handlers.reporting.prompts import Prompt, location_request, picker, region_choices, where_prompt
from locales import t


@step_handler()
async def on_location(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """A shared location or venue: match it to a kecamatan and ask the reporter to confirm."""
    message = update.effective_message
    assert message is not None and message.location is not None
    services = context.services
    lat, lon = message.location.latitude, message.location.longitude
    boundaries = services.boundaries
    regions = services.regions
    located = boundaries.locate(lat, lon) if boundaries is not None else None
    venue = f"{message.venue.title}, {message.venue.address}" if message.venue else None
    draft = await services.intake.set_location(draft, update.update_id, lat, lon, venue=venue, located=located)
    top = picker(services, locale, regions.picker_root()[0])
    if boundaries is None:  # a location keyboard on screen goes once the kecamatan is chosen
        await send(context, draft.row.chat_id, Prompt(f"{t(locale, 'where.gps_saved_pick')}\n\n{top.text}", top.markup))
        return draft.step
    if draft.step is Step.WHERE_CONFIRM:
        await ask(context, draft, locale)
        return draft.step
    scope = regions.scope.code if regions.scope else None
    nearby = [regions.get(n.code) for n in boundaries.nearest(lat, lon, k=3, within=scope)]
    intro = t(locale, "where.gps_outside" if located is not None else "where.gps_no_match")
    await send(context, draft.row.chat_id, region_choices(locale, [r for r in nearby if r is not None], intro))
    await send(context, draft.row.chat_id, top)
    return draft.step


async def _region_chosen(update: Update, context: PantauContext, draft: Draft, locale: str, code: str,
                         source: str) -> object:
    """The kecamatan is known: the pressed message becomes the region chosen and the next question (one call). If
    the location keyboard was asked for, a message of its own removes it (a keyboard cannot go with an edit)."""
    services = context.services
    keyboard = bool(draft.answers.location_keyboard)
    draft = await services.intake.set_region(draft, update.update_id, code, source)
    region = services.regions.get(code)
    chosen = t(locale, "where.chosen", region=escape(region.path if region else code), tz=services.regions.tz_label(code))
    if keyboard:
        await answer_query(update)
        await context.bot.send_message(draft.row.chat_id, chosen, reply_markup=ReplyKeyboardRemove())
        await ask(context, draft, locale)
    else:
        await advance(update, context, draft, locale, note=chosen)
    return draft.step


@step_handler()
async def on_gps_confirm(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """The reporter confirms (or rejects) the kecamatan matched from their location."""
    if callback_arg(update) == "yes" and draft.answers.suggested_region:
        source = draft.answers.location_source or "gps"
        return await _region_chosen(update, context, draft, locale, draft.answers.suggested_region, source)
    draft = await context.services.intake.goto(draft, update.update_id, Step.WHERE)
    await advance(update, context, draft, locale)
    return draft.step


@step_handler()
async def on_share_location(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """The inline "share my location" button: the reply keyboard whose button sends the location (a reply
    keyboard cannot come with an inline one, so it is sent only to those who want it)."""
    await answer_query(update)
    draft = await context.services.intake.show_location_keyboard(draft, update.update_id)
    await send(context, draft.row.chat_id, location_request(locale))
    return draft.step


@step_handler()
async def on_online(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """"It happened online": the links of the post or video come first, then where."""
    draft = await context.services.intake.happened_online(draft, update.update_id)
    await advance(update, context, draft, locale)
    return draft.step


@step_handler(reask_on_redelivery=False)
async def on_region(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """A region button: open a province or kabupaten/kota, or choose a kecamatan."""
    code = callback_arg(update)
    services = context.services
    region = services.regions.get(code)
    if region is None or not services.regions.in_scope(code):
        raise Refusal("invalid.region")
    if region.level < 3:
        await answer_query(update)
        await edit_in_place(update, where_prompt(services, draft, locale,
                                                 picker(services, locale, code, whole=online_content(draft.answers))))
        return draft.step
    if draft.is_redelivery(update.update_id):
        await answer_query(update)
        return draft.step
    return await _region_chosen(update, context, draft, locale, code, "picker")


@step_handler(reask_on_redelivery=False)
async def on_region_whole(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """🌐 All of a province or kabupaten/kota: online content that is about no one kecamatan (not a local race)."""
    code = callback_arg(update)
    if draft.is_redelivery(update.update_id):
        await answer_query(update)
        return draft.step
    return await _region_chosen(update, context, draft, locale, code, "picker")


@step_handler(reask_on_redelivery=False)
async def on_region_up(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Back to the level above in the picker."""
    services = context.services
    current = services.regions.get(callback_arg(update))
    parent = current.parent_code if current else None
    root, _ = services.regions.picker_root()
    if parent is not None and not services.regions.in_scope(parent):
        parent = root
    await answer_query(update)
    await edit_in_place(update, where_prompt(services, draft, locale,
                                             picker(services, locale, parent, whole=online_content(draft.answers))))
    return draft.step


@step_handler(reask_on_redelivery=False)
async def on_region_page(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Another page of a long list (a kabupaten's kecamatan)."""
    key, page = callback_arg(update).split(":")
    parent = None if key == "-" else key
    services = context.services
    if parent is not None and not services.regions.in_scope(parent) and parent != services.regions.picker_root()[0]:
        raise Refusal("invalid.region")
    await answer_query(update)
    await edit_in_place(update, where_prompt(services, draft, locale, picker(
        services, locale, parent, int(page), whole=online_content(draft.answers))))
    return draft.step


@step_handler()
async def on_search(update: Update, context: PantauContext, draft: Draft, locale: str) -> object:
    """Typed text at the location step: search regions by name."""
    query = clean_text(text_of(update), "search")
    services = context.services
    found = services.regions.search(query, limit=8)
    draft = await services.intake.touch(draft, update.update_id)
    if not found:
        raise Refusal("where.search_none", query=escape(query))
    await send(context, draft.row.chat_id, region_choices(locale, found, t(locale, "where.search_results")))
    return draft.step


def handlers() -> list[BaseHandler[Update, PantauContext, object]]:
    """The handlers shared by the location step and its confirmation (new messages only: a live location
    moving arrives as an edit, and is not a new answer)."""
    return [
        MessageHandler(filters.UpdateType.MESSAGE & filters.LOCATION, on_location),
        CallbackQueryHandler(on_region, pattern=matches(ReportAction.REGION)),
        CallbackQueryHandler(on_region_whole, pattern=matches(ReportAction.REGION_WHOLE)),
        CallbackQueryHandler(on_region_up, pattern=matches(ReportAction.REGION_UP)),
        CallbackQueryHandler(on_region_page, pattern=matches(ReportAction.REGION_PAGE)),
        CallbackQueryHandler(on_share_location, pattern=matches(ReportAction.SHARE_LOCATION)),
        CallbackQueryHandler(on_online, pattern=matches(ReportAction.ONLINE)),
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_search),
    ]
