"""In a registered supervisors group (members only): /undang (/invite) registers an organisation for the group's
region and posts its recruitment link with a QR code; /organisasi (/organisations) lists the organisations of
the region and below with their volunteers (verified, pending) and each link's sign-ups, with buttons for a new
link and to revoke one (chosen, then confirmed)."""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, ChatMigrated
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.kernel.callbacks import matches, parse
from bot.kernel.context import PantauContext
from bot.kernel.refusal import Refusal
from bot.kernel.stages import HandlerStages, Stage
from bot.supervision.membership import Attempt, MemberStatus
from bot.volunteers.kinds import OrganisationKind
from bot.volunteers.recruitment import LinkRow, OrganisationRow, Overview, link_url
from bot.volunteers.recruitment_actions import RecruitmentAction
from handlers.kernel.buttons import button, callback_arg
from handlers.kernel.replies import answer_query
from locales import t

log = logging.getLogger(__name__)

LISTED = 20  # organisations with buttons on /organisasi (the text lists more, within Telegram's 4,096)
TEXT_LIMIT = 3800
LABEL_NAME = 24  # characters of an organisation's name on a button

# Words accepted for a kind in `/undang <type> <name>`, besides the kinds' own values.
KIND_WORDS = {
    "mahasiswa": OrganisationKind.STUDENTS, "bem": OrganisationKind.STUDENTS, "kampus": OrganisationKind.STUDENTS,
    "pemuda": OrganisationKind.OKP, "media": OrganisationKind.CYBER_MEDIA, "siber": OrganisationKind.CYBER_MEDIA,
    "pemantau": OrganisationKind.OBSERVER, "skpp": OrganisationKind.SKPP_ALUMNI, "alumni": OrganisationKind.SKPP_ALUMNI,
    "lainnya": OrganisationKind.OTHER, "lain": OrganisationKind.OTHER,
}


def register(stages: HandlerStages) -> None:
    """/undang, /organisasi and the listing's buttons, in groups."""
    groups = filters.ChatType.GROUPS
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["undang", "invite"], invite, filters=groups))
    stages.add(Stage.SUPERVISOR_GROUPS, CommandHandler(["organisasi", "organisations"], organisations, filters=groups))
    stages.add(Stage.SUPERVISOR_GROUPS, CallbackQueryHandler(on_button, pattern=matches(*RecruitmentAction)))


def _kind(word: str) -> str:
    folded = word.strip().casefold()
    return KIND_WORDS.get(folded, folded)


def _covers(region_code: str, organisation: OrganisationRow) -> bool:
    return organisation.region_code == region_code or organisation.region_code.startswith(region_code + ".")


async def _group_region(update: Update, context: PantauContext, action: str) -> str | None:
    """The region of the supervisors group a command came from, if its sender is a member (refused otherwise)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    services = context.services
    locale = services.settings.default_locale
    admission = await services.membership.admit(chat.id, user.id, Attempt.COMMAND, action=action)
    if not admission.allowed:
        await services.group_replies.refuse(update, t(locale, "org_group.members_only"))
        return None
    region = await services.verification.groups.region_of(chat.id)
    if region is None:
        await services.group_replies.refuse(update, t(locale, "org_group.not_registered"))
    return region


async def invite(update: Update, context: PantauContext) -> None:
    """/undang <type> <name>: register an organisation for the group's region and post its link and QR code."""
    region_code = await _group_region(update, context, "undang")
    if region_code is None:
        return
    services = context.services
    locale = services.settings.default_locale
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    args = context.args or []
    if len(args) < 2:
        kinds = "\n".join(f"• <code>{k.value}</code>: {t(locale, f'organisations.kind.{k.value}')}"
                          for k in OrganisationKind)
        await services.group_replies.queue(update, t(locale, "org_group.invite_usage", kinds=kinds))
        return
    creator = f"group:{chat.id}:{user.id}"
    try:
        organisation, region = await services.organisations.add(" ".join(args[1:]), _kind(args[0]), region_code,
                                                                creator)
    except Refusal as exc:
        markup = None
        if exc.key == "organisations.duplicate":
            markup = InlineKeyboardMarkup([[button(t(locale, "org_group.button.new_link_existing"),
                                                   RecruitmentAction.NEW_LINK, str(exc.params["id"]))]])
        await services.group_replies.queue(update, t(locale, exc.key, **exc.params), markup=markup)
        return
    link = await services.recruitment.create(organisation.id, f"{creator}:u{update.update_id}", once=True)
    await services.group_replies.queue(update, t(locale, "org_group.invited", name=escape(organisation.name),
                                                 region=escape(region.path), id=organisation.id))
    await services.recruitment.post_qr(chat.id, link, f"reply:{chat.id}:{update.update_id}:qr", locale)


async def organisations(update: Update, context: PantauContext) -> None:
    """/organisasi: the organisations of the group's region and below, their volunteers and links."""
    region_code = await _group_region(update, context, "organisasi")
    if region_code is None:
        return
    services = context.services
    locale = services.settings.default_locale
    overview = await services.recruitment.overview(region_code)
    text, markup = _listing(overview, region_code, context, locale)
    await services.group_replies.queue(update, text, markup=markup)


def _region_name(context: PantauContext, code: str) -> str:
    region = context.services.regions.get(code)
    return region.path if region is not None else code


def _listing(overview: Overview, region_code: str, context: PantauContext, locale: str
             ) -> tuple[str, InlineKeyboardMarkup | None]:
    region = escape(_region_name(context, region_code))
    if not overview.organisations:
        text = t(locale, "org_group.list_empty", region=region)
    else:
        lines = [t(locale, "org_group.list_title", region=region, count=len(overview.organisations))]
        shown = 0
        for summary in overview.organisations:
            block = [t(locale, "org_group.list_line", name=escape(summary.organisation.name), id=summary.organisation.id,
                       kind=t(locale, f"organisations.kind.{summary.organisation.kind}"),
                       verified=summary.verified, pending=summary.pending)]
            block += [_link_line(link, context, locale) for link in summary.links]
            if sum(len(line) + 1 for line in lines + block) > TEXT_LIMIT:
                break
            lines += block
            shown += 1
        if shown < len(overview.organisations):
            lines.append(t(locale, "org_group.list_more", count=len(overview.organisations) - shown))
        lines.append(t(locale, "org_group.list_individuals", verified=overview.individuals_verified,
                       pending=overview.individuals_pending))
        text = "\n".join(lines)
    rows = []
    for summary in overview.organisations[:LISTED]:
        name = summary.organisation.name
        short = name if len(name) <= LABEL_NAME else name[: LABEL_NAME - 1] + "…"
        row = [button(t(locale, "org_group.button.new_link", name=short), RecruitmentAction.NEW_LINK,
                      str(summary.organisation.id))]
        if any(link.revoked_at is None for link in summary.links):
            row.append(button(t(locale, "org_group.button.revoke", name=short), RecruitmentAction.REVOKE_CHOOSE,
                              str(summary.organisation.id)))
        rows.append(row)
    return text, InlineKeyboardMarkup(rows) if rows else None


def _link_line(link: LinkRow, context: PantauContext, locale: str) -> str:
    if link.revoked_at is not None:
        return t(locale, "org_group.link_revoked", code=_short(link), count=link.signups)
    return t(locale, "org_group.link_active", url=link_url(context.bot.username, link.payload), count=link.signups)


def _short(link: LinkRow) -> str:
    """A link told apart on buttons and in lines: rel_…XyZ12."""
    return f"rel_…{link.payload[-5:]}"


async def _edit(message: Message, text: str | None, markup: InlineKeyboardMarkup | None) -> None:
    try:
        if text is None:
            await message.edit_reply_markup(markup)
        else:
            await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.info("organisations listing %s not edited: %s", message.message_id, exc.message)
    except ChatMigrated as exc:
        log.info("organisations listing not edited: the group is now %s", exc.new_chat_id)


async def on_button(update: Update, context: PantauContext) -> None:
    """A button of /organisasi (or of /undang's "already registered"): a new link, or revoking one."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    services = context.services
    locale = services.settings.default_locale
    arg = int(callback_arg(update))
    parsed = parse(query.data)
    assert parsed is not None
    action = RecruitmentAction(parsed.action)
    chat = query.message.chat
    admission = await services.membership.admit(chat.id, user.id, Attempt.PRESS, action=action.value)
    if not admission.allowed:
        key = ("verification.member_check_failed" if admission.membership.status is MemberStatus.UNKNOWN
               else "org_group.members_only")
        await answer_query(update, t(locale, key), alert=True)
        return
    region_code = await services.verification.groups.region_of(chat.id)
    link = await services.recruitment.link(arg) if action in (RecruitmentAction.REVOKE_ASK,
                                                               RecruitmentAction.REVOKE_CONFIRM) else None
    organisation = await services.recruitment.organisation(link.organisation_id if link is not None else arg)
    if region_code is None or organisation is None or not _covers(region_code, organisation):
        log.warning("recruitment press refused: user %s in %s, %s %s", user.id, chat.id, action, arg)
        await answer_query(update, t(locale, "org_group.not_here"), alert=True)
        return
    if action is RecruitmentAction.NEW_LINK:
        try:
            made = await services.recruitment.create(organisation.id, f"group:{chat.id}:{user.id}:u{update.update_id}",
                                                     once=True)
        except Refusal as exc:
            await answer_query(update, t(locale, exc.key, **exc.params), alert=True)
            return
        await services.recruitment.post_qr(chat.id, made, f"reply:{chat.id}:{update.update_id}:qr", locale)
        await answer_query(update, t(locale, "org_group.link_made", name=organisation.name))
        return
    if action is RecruitmentAction.REVOKE_CHOOSE:
        links = await services.recruitment.links_of([organisation.id], active_only=True)
        rows = [[button(t(locale, "org_group.button.revoke_link", code=_short(each), count=each.signups),
                        RecruitmentAction.REVOKE_ASK, str(each.id))] for each in links[:LISTED]]
        rows.append([button(t(locale, "org_group.button.back"), RecruitmentAction.REVOKE_CANCEL, str(organisation.id))])
        await answer_query(update, t(locale, "org_group.revoke_choose", name=organisation.name))
        await _edit(query.message, None, InlineKeyboardMarkup(rows))
        return
    if action is RecruitmentAction.REVOKE_ASK and link is not None:
        rows = [[button(t(locale, "org_group.button.revoke_yes"), RecruitmentAction.REVOKE_CONFIRM, str(link.id)),
                 button(t(locale, "org_group.button.back"), RecruitmentAction.REVOKE_CANCEL, str(organisation.id))]]
        await answer_query(update, t(locale, "org_group.revoke_ask", code=_short(link), name=organisation.name))
        await _edit(query.message, None, InlineKeyboardMarkup(rows))
        return
    if action is RecruitmentAction.REVOKE_CONFIRM and link is not None:
        try:
            await services.recruitment.revoke(link.id)
        except Refusal as exc:
            await answer_query(update, t(locale, exc.key), alert=True)
        else:
            log.info("recruitment link %s revoked by %s in %s", link.id, user.id, chat.id)
            await answer_query(update, t(locale, "org_group.revoked", code=_short(link), name=organisation.name),
                               alert=True)
    else:
        await answer_query(update)
    text, markup = _listing(await services.recruitment.overview(region_code), region_code, context, locale)
    await _edit(query.message, text, markup)
