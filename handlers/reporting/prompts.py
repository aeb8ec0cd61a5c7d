"""What the reporter is shown at each step of the report conversation: text and keyboards, by locale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.kernel.services import Services
from bot.privacy.texts import identity_prompt
from bot.regions.directory import Region
from bot.reporting.actions import ReportAction
from bot.reporting.categories import CATEGORIES
from bot.reporting.draft import STEP_NUMBER, TOTAL_STEPS, Step, online_content, origin_named
from bot.reporting.intake import Draft
from handlers.kernel.buttons import button
from locales import t

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
PICKER_PAGE = 20  # regions per picker page (2 columns × 10 rows)
CHRONOLOGY_IN_REVIEW = 1200  # characters of the chronology shown back in the review


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str
    markup: Markup | None = None


def header(locale: str, step: Step) -> str:
    return t(locale, "step.header", number=STEP_NUMBER[step], total=TOTAL_STEPS)


def skip_row(locale: str, what: str) -> list[InlineKeyboardButton]:
    return [button(t(locale, "button.skip"), ReportAction.SKIP, what)]


def region_label(region: Region) -> str:
    return region.name


def picker(services: Services, locale: str, parent: str | None, page: int = 0, *, whole: bool = False) -> Prompt:
    """The region picker: the children of `parent` (top = the deployment's root), page by page. With `whole`
    (online content, which need not be about one kecamatan), a button for all of `parent` too."""
    regions = services.regions
    root_parent, _ = regions.picker_root()
    children = regions.children(parent)
    pages = max(1, (len(children) + PICKER_PAGE - 1) // PICKER_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = children[page * PICKER_PAGE : (page + 1) * PICKER_PAGE]
    rows = [
        [button(region_label(r), ReportAction.REGION, r.code) for r in shown[i : i + 2]] for i in range(0, len(shown), 2)
    ]
    nav: list[InlineKeyboardButton] = []
    if parent is not None and parent != root_parent:
        nav.append(button(t(locale, "button.up"), ReportAction.REGION_UP, parent))
    key = parent or "-"
    if page > 0:
        nav.append(button("◀", ReportAction.REGION_PAGE, f"{key}:{page - 1}"))
    if page < pages - 1:
        nav.append(button("▶", ReportAction.REGION_PAGE, f"{key}:{page + 1}"))
    if nav:
        rows.append(nav)
    here_region = regions.get(parent) if parent is not None else None
    if whole and here_region is not None and here_region.level < 3:
        rows.insert(0, [button(t(locale, "where.whole", region=here_region.name), ReportAction.REGION_WHOLE,
                               here_region.code)])
    if parent is None:
        title = t(locale, "where.picker_provinces")
    else:
        here = regions.get(parent)
        title = t(locale, "where.picker_within", region=escape(here.path if here else parent))
    if pages > 1:
        title += " " + t(locale, "where.picker_page", page=page + 1, pages=pages)
    return Prompt(title + "\n" + t(locale, "where.picker_search_hint"), InlineKeyboardMarkup(rows))


def region_choices(locale: str, regions: list[Region], intro: str) -> Prompt:
    rows = [[button(r.path, ReportAction.REGION, r.code)] for r in regions]
    return Prompt(intro, InlineKeyboardMarkup(rows) if rows else None)


def where_prompt(services: Services, draft: Draft, locale: str, chooser: Prompt | None = None) -> Prompt:
    """Step 4 in one message: the time just answered (so that it stays on screen while the picker is used), the
    question, an inline "share my location" button (the reply keyboard that sends it is shown only when asked
    for, see `location_request`) and the region picker (`chooser`, a `picker`; default: at the top)."""
    if chooser is None:
        chooser = picker(services, locale, services.regions.picker_root()[0], whole=online_content(draft.answers))
    intro = t(locale, "step.where.prompt")
    if services.boundaries is None:
        intro += "\n" + t(locale, "step.where.no_gps_matching")
    text = f"{header(locale, Step.WHERE)}\n{intro}\n\n{chooser.text}"
    if not draft.row.editing and draft.answers.incident:
        text = answered_line(locale, t(locale, "review.when"), when_text(services, draft, locale)) + "\n\n" + text
    assert isinstance(chooser.markup, InlineKeyboardMarkup)
    rows: list[Sequence[InlineKeyboardButton]] = [[button(t(locale, "button.share_location"), ReportAction.SHARE_LOCATION)]]
    if not online_content(draft.answers):  # a post or a video, not a place: its links first
        rows.append([button(t(locale, "button.happened_online"), ReportAction.ONLINE)])
    rows += list(chooser.markup.inline_keyboard)
    return Prompt(text, InlineKeyboardMarkup(rows))


def location_request(locale: str) -> Prompt:
    """The reply keyboard whose button sends the reporter's location (sent when "share my location" is pressed)."""
    return Prompt(t(locale, "where.share_hint"), location_keyboard(locale))


def answered_line(locale: str, field: str, value: str) -> str:
    """"✓ field: value", the answer of a question whose message became the next question."""
    return t(locale, "answered.line", field=field, value=value)


def location_keyboard(locale: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t(locale, "button.share_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t(locale, "where.placeholder"),
    )


def contact_keyboard(locale: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t(locale, "button.share_contact"), request_contact=True)], [t(locale, "button.skip")]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def known_prompt(services: Services, draft: Draft, locale: str) -> Prompt:
    """Step 3, second question: when the reporter learned of it (default: the incident's day)."""
    intake = services.intake
    incident = intake.incident(draft.answers)
    day = incident.date.strftime("%d-%m-%Y") if incident is not None else "—"
    rows = [[button(t(locale, "button.known_same", date=day), ReportAction.KNOWN, "same")],
            [button(t(locale, "button.today"), ReportAction.KNOWN, "today")]]
    text = f"{header(locale, Step.KNOWN)}\n" + t(locale, "step.known.prompt", window=intake.texts.window(locale))
    if not draft.row.editing:
        text = answered_line(locale, t(locale, "review.when"), when_text(services, draft, locale)) + "\n\n" + text
    return Prompt(text, InlineKeyboardMarkup(rows))


STANDINGS = ("voter", "observer", "participant", "other")  # bot/legal/kinds.py Standing, in the order shown


def standing_prompt(services: Services, locale: str) -> Prompt:
    """Step 8, last question of a named report: who the reporter is (only three may file a laporan)."""
    rules = services.intake.rules
    kind = rules.kind.value
    rows = [[button(t(locale, f"standing.{kind}.{key}"), ReportAction.STANDING, key)] for key in STANDINGS]
    text = t(locale, f"step.standing.prompt_{kind}", source=rules.profile.who_may_report)
    return Prompt(f"{header(locale, Step.STANDING)}\n{text}", InlineKeyboardMarkup(rows))


def known_text(services: Services, draft: Draft, locale: str) -> str:
    """The day the reporter learned of it, as the review shows it."""
    known = services.intake.known_date(draft.answers)
    if known is None:
        return "—"
    text = known.strftime("%d-%m-%Y")
    if draft.answers.tsm:
        text += " · " + t(locale, "review.tsm")
    return text


def when_text(services: Services, draft: Draft, locale: str) -> str:
    incident = services.intake.incident(draft.answers)
    if incident is None:
        return "—"
    label = services.regions.tz_label(draft.answers.region_code) if draft.answers.region_code else ""
    text = incident.date.strftime("%d-%m-%Y")
    if incident.time is not None:
        text += " " + incident.time.strftime("%H:%M") + (f" {label}" if label else "")
    return text


def where_text(services: Services, draft: Draft, locale: str) -> str:
    a = draft.answers
    region = services.regions.get(a.region_code) if a.region_code else None
    parts = [escape(region.path) if region else "—"]
    if a.place:
        parts.append(escape(a.place))
    if a.latitude is not None and a.longitude is not None:
        parts.append(t(locale, "review.gps", lat=f"{a.latitude:.5f}", lon=f"{a.longitude:.5f}"))
    return "\n".join(parts)


def links_text(draft: Draft, locale: str) -> str:
    """Online content's links, each with its platform, and a forwarded post's origin; or none."""
    a = draft.answers
    parts = []
    for entry in a.links or []:
        platform = t(locale, f"platform.{entry['platform']}")
        title = f" — “{escape(entry['title'])}”" if entry.get("title") else ""  # read only if allowed (LINK_TITLES)
        parts.append(f"\n• {escape(entry['original'])} ({platform}){title}")
    origin = a.forwarded_from or {}
    if origin.get("chat"):
        parts.append("\n• " + t(locale, "review.forwarded", origin=escape(str(origin["chat"]))))
    return "".join(parts) if parts else t(locale, "review.none")


def review(services: Services, draft: Draft, locale: str, evidence_count: int, oversized: int = 0) -> Prompt:
    a = draft.answers
    chronology = a.chronology or "—"
    if len(chronology) > CHRONOLOGY_IN_REVIEW:
        chronology = chronology[:CHRONOLOGY_IN_REVIEW] + "…"
    if a.anonymous:
        identity = t(locale, "review.anonymous")
    else:
        identity = "\n".join(
            escape(v) for v in (a.name or "—", a.address or "—", a.phone or t(locale, "review.no_phone"))
        )
        if a.standing:
            identity += "\n" + t(locale, f"standing.{services.intake.rules.kind.value}.{a.standing}")
    none = t(locale, "review.none")
    online = a.links is not None or online_content(a)
    assessment = services.intake.assess(a, evidence_count, oversized)
    lines = [
        header(locale, Step.REVIEW),
        t(locale, "review.title"),
        "",
        f"<b>{t(locale, 'review.category')}</b>: {t(locale, f'category.{a.category}.name') if a.category else '—'}",
        f"<b>{t(locale, 'review.chronology')}</b>:\n{escape(chronology)}",
        f"<b>{t(locale, 'review.when')}</b>: {when_text(services, draft, locale)}",
        f"<b>{t(locale, 'review.known')}</b>: {known_text(services, draft, locale)}",
        *([f"<b>{t(locale, 'review.links')}</b>: {links_text(draft, locale)}"] if online else []),
        *([f"<b>{t(locale, 'review.account')}</b>: {escape(a.account) if a.account else none}"]
          if online and not origin_named(a) else []),
        f"<b>{t(locale, 'review.where')}</b>: {where_text(services, draft, locale)}",
        f"<b>{t(locale, 'review.party')}</b>: {escape(a.party) if a.party else none}",
        f"<b>{t(locale, 'review.evidence')}</b>: {t(locale, 'review.files', count=evidence_count)}",
        f"<b>{t(locale, 'review.witnesses')}</b>: {escape(a.witnesses) if a.witnesses else none}",
        f"<b>{t(locale, 'review.identity')}</b>: {identity}",
        "",
    ]
    if assessment.kind == "laporan":
        lines.append(t(locale, "review.will_be_laporan"))
    else:
        lines.append(t(locale, "review.will_be_informasi_awal"))
        lines.extend(f"• {services.intake.missing_text(locale, key)}" for key in assessment.missing)
    if assessment.in_person:
        lines.extend(["", "⚠️ " + t(locale, "missing.in_person", count=assessment.in_person)])
    edit = [
        ("category", "review.category"),
        ("chronology", "review.chronology"),
        ("when", "review.when"),
        *([("links", "review.links")] if online else []),
        ("where", "review.where"),
        ("party", "review.party"),
        ("evidence", "review.evidence"),
        ("witnesses", "review.witnesses"),
        ("identity", "review.identity"),
    ]
    # The review's buttons name their draft: a press on an earlier draft's review is refused (handlers/reporting/kit.py).
    token = draft.token
    buttons = [button("✏️ " + t(locale, label), ReportAction.EDIT, f"{field}:{token}") for field, label in edit]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(t(locale, "button.submit"), ReportAction.SUBMIT, token)])
    rows.append([button(t(locale, "button.cancel"), ReportAction.CANCEL, token)])
    return Prompt("\n".join(lines), InlineKeyboardMarkup(rows))


def prompts(
    services: Services, draft: Draft, locale: str, evidence_count: int = 0, oversized: int = 0
) -> list[Prompt]:
    """The message(s) that ask the draft's current step (`evidence_count`: files that count as evidence;
    `oversized`: files recorded but too big for the bot to receive)."""
    step = draft.step
    head = header(locale, step)
    a = draft.answers
    if step is Step.CATEGORY:
        lines = [head, t(locale, "step.category.prompt"), ""]
        lines += [
            f"• <b>{t(locale, f'category.{key}.name')}</b> — {t(locale, f'category.{key}.description')}"
            for key in CATEGORIES
        ]
        rows = [[button(t(locale, f"category.{key}.name"), ReportAction.CATEGORY, key)] for key in CATEGORIES]
        return [Prompt("\n".join(lines), InlineKeyboardMarkup(rows))]
    if step is Step.CHRONOLOGY:
        return [Prompt(f"{head}\n{t(locale, 'step.chronology.prompt')}")]
    if step is Step.WHEN:
        rows = [[button(t(locale, "button.today"), ReportAction.WHEN, "today"),
                 button(t(locale, "button.yesterday"), ReportAction.WHEN, "yesterday")]]
        text = t(locale, "step.when.prompt")
        if online_content(a):  # a post: when it was posted (or first seen), which a takedown request names
            text += "\n" + t(locale, "step.when.online_hint")
        return [Prompt(f"{head}\n{text}", InlineKeyboardMarkup(rows))]
    if step is Step.KNOWN:
        return [known_prompt(services, draft, locale)]
    if step is Step.TSM:
        texts = services.intake.texts
        rows = [[button(t(locale, "button.tsm_yes"), ReportAction.TSM, "yes"),
                 button(t(locale, "button.tsm_no"), ReportAction.TSM, "no")]]
        text = t(locale, "step.tsm.prompt", period=texts.reporting_period(locale),
                 source=services.intake.rules.profile.tsm_until_voting_day or "")
        return [Prompt(f"{head}\n{text}", InlineKeyboardMarkup(rows))]
    if step is Step.STANDING:
        return [standing_prompt(services, locale)]
    if step is Step.WHERE:
        return [where_prompt(services, draft, locale)]
    if step is Step.WHERE_CONFIRM:
        region = services.regions.get(a.suggested_region or "")
        rows = [[button(t(locale, "button.yes_correct"), ReportAction.GPS_CONFIRM, "yes"),
                 button(t(locale, "button.no_pick"), ReportAction.GPS_CONFIRM, "no")]]
        text = t(locale, "step.where.confirm", region=escape(region.path if region else "?"))
        return [Prompt(f"{head}\n{text}", InlineKeyboardMarkup(rows))]
    if step is Step.LINKS:
        return [Prompt(f"{head}\n{t(locale, 'step.links.prompt')}", InlineKeyboardMarkup([skip_row(locale, "links")]))]
    if step is Step.ACCOUNT:
        rows = [skip_row(locale, "account")]
        offered = services.intake.account_in_links(a)
        if offered is not None:  # named by the link itself: one press
            rows.insert(0, [button(t(locale, "button.account_is", account=offered), ReportAction.ACCOUNT)])
        return [Prompt(f"{head}\n{t(locale, 'step.account.prompt')}", InlineKeyboardMarkup(rows))]
    if step is Step.PLACE:
        return [Prompt(f"{head}\n{t(locale, 'step.place.prompt')}", InlineKeyboardMarkup([skip_row(locale, "place")]))]
    if step is Step.PARTY:
        return [Prompt(f"{head}\n{t(locale, 'step.party.prompt')}", InlineKeyboardMarkup([skip_row(locale, "party")]))]
    if step is Step.EVIDENCE:
        rows = [[button(t(locale, "button.done"), ReportAction.EVIDENCE_DONE)]] if evidence_count else [
            skip_row(locale, "evidence")
        ]
        text = t(locale, "step.evidence.prompt")
        if evidence_count:
            text += "\n" + t(locale, "evidence.so_far", count=evidence_count)
        return [Prompt(f"{head}\n{text}", InlineKeyboardMarkup(rows))]
    if step is Step.WITNESSES:
        return [
            Prompt(f"{head}\n{t(locale, 'step.witnesses.prompt')}", InlineKeyboardMarkup([skip_row(locale, "witnesses")]))
        ]
    if step is Step.IDENTITY:
        rows = [[button(t(locale, "button.anonymous"), ReportAction.IDENTITY, "anon")],
                [button(t(locale, "button.identified"), ReportAction.IDENTITY, "named")]]
        text = identity_prompt(services, locale)
        if a.prefilled_from:  # made of a task report-back its group already saw: anonymity cannot hide that
            text += "\n\n⚠️ " + t(locale, "step.identity.prefilled_note")
        return [Prompt(f"{head}\n{text}", InlineKeyboardMarkup(rows))]
    if step is Step.ID_NAME:
        return [Prompt(f"{head}\n{t(locale, 'step.identity.name')}")]
    if step is Step.ID_ADDRESS:
        return [Prompt(f"{head}\n{t(locale, 'step.identity.address')}")]
    if step is Step.ID_PHONE:
        return [Prompt(f"{head}\n{t(locale, 'step.identity.phone')}", contact_keyboard(locale))]
    return [review(services, draft, locale, evidence_count, oversized)]
