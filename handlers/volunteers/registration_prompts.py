"""What each step of the volunteer registration shows: its text ("Langkah k dari n" first) and its buttons."""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.kernel.services import Services
from bot.privacy.texts import controller, years_text
from bot.regions.directory import Region
from bot.volunteers.kinds import OrganisationKind
from bot.volunteers.registration import ORGANISATIONS_PER_PAGE, Registration
from bot.volunteers.registration_actions import RegistrationAction as A
from bot.volunteers.registration_steps import CONSENT_VERSION, Answers, Step, position
from handlers.kernel.buttons import button
from locales import t

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None
PICKER_PAGE = 10
VILLAGES_PAGE = 10


class Prompt(NamedTuple):
    text: str
    markup: Markup = None


def _rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def header(locale: str, answers: Answers, step: Step) -> str:
    k, n = position(answers, step)
    return t(locale, "registration.step_header", k=k, n=n)


def back_button(locale: str, step: Step) -> InlineKeyboardButton:
    return button(t(locale, "registration.button.back"), A.BACK, step.value)


def holder(services: Services, locale: str) -> str:
    """Who holds the volunteers' data: the Bawaslu of the deployment's region (bot/privacy/texts.py)."""
    return controller(services.regions, locale)


def region_path(services: Services, answers: Answers) -> str:
    """The volunteer's desa/kelurahan (if named) and kecamatan, with the regions above."""
    if answers.region_code is None:
        return "—"
    region = services.regions.get(answers.region_code)
    path = region.path if region else answers.region_code
    if answers.village_code:
        village = services.registration.village_name(answers.village_code)
        if village:
            path = f"{village}, {path}"
    return escape(path)


def organisation_line(locale: str, answers: Answers) -> str:
    kind = t(locale, f"organisations.kind.{answers.organisation_kind}") if answers.organisation_kind else "—"
    if answers.organisation_id is None:
        return f"{t(locale, 'registration.review.individual')} ({kind})"
    return f"{escape(answers.organisation_name or '')} ({kind})"


# ---- the region picker ----


def picker(services: Services, locale: str, parent: str | None, page: int = 0) -> InlineKeyboardMarkup:
    """Regions under `parent` (the deployment's root for None), a page at a time, then the location and back
    buttons."""
    regions = services.regions
    root, _ = regions.picker_root()
    key = parent if parent is not None else root
    children = regions.children(key)
    pages = max(1, (len(children) + PICKER_PAGE - 1) // PICKER_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = children[page * PICKER_PAGE : (page + 1) * PICKER_PAGE]
    rows = _rows([button(r.name[:60], A.REGION, r.code) for r in shown])
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button(t(locale, "registration.button.previous"), A.REGION_PAGE, f"{key or '-'}:{page - 1}"))
    if page + 1 < pages:
        nav.append(button(t(locale, "registration.button.more"), A.REGION_PAGE, f"{key or '-'}:{page + 1}"))
    if nav:
        rows.append(nav)
    if key != root and key is not None:
        up = key.rpartition(".")[0] or None
        rows.append([button(t(locale, "registration.button.up"), A.REGION, up) if up
                     else button(t(locale, "registration.button.up"), A.REGION_PAGE, "-:0")])
    rows.append([button(t(locale, "registration.button.share_location"), A.SHARE_LOCATION)])
    rows.append([back_button(locale, Step.REGION)])
    return InlineKeyboardMarkup(rows)


def region_choices(locale: str, found: list[Region], intro: str) -> Prompt:
    rows = [[button(r.path[:60], A.REGION, r.code)] for r in found]
    return Prompt(intro, InlineKeyboardMarkup(rows))


def location_keyboard(locale: str) -> Prompt:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(t(locale, "registration.button.send_location"), request_location=True)]],
        resize_keyboard=True, one_time_keyboard=True,
    )
    return Prompt(t(locale, "registration.region.location_keyboard"), keyboard)


# ---- villages, organisations ----


def villages_markup(services: Services, locale: str, registration: Registration, page: int = 0,
                    only: list[tuple[str, str]] | None = None) -> InlineKeyboardMarkup:
    code = registration.answers.region_code or ""
    villages = only if only is not None else services.regions.villages(code)
    pages = max(1, (len(villages) + VILLAGES_PAGE - 1) // VILLAGES_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = villages[page * VILLAGES_PAGE : (page + 1) * VILLAGES_PAGE]
    rows = _rows([button(name[:60], A.VILLAGE, vcode) for vcode, name in shown])
    nav: list[InlineKeyboardButton] = []
    if only is None and page > 0:
        nav.append(button(t(locale, "registration.button.previous"), A.VILLAGE_PAGE, str(page - 1)))
    if only is None and page + 1 < pages:
        nav.append(button(t(locale, "registration.button.more"), A.VILLAGE_PAGE, str(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button(t(locale, "registration.button.skip"), A.SKIP_VILLAGE)])
    rows.append([back_button(locale, Step.VILLAGE)])
    return InlineKeyboardMarkup(rows)


async def organisations_markup(services: Services, locale: str, registration: Registration,
                               page: int = 0) -> tuple[InlineKeyboardMarkup, bool]:
    """The organisations of the volunteer's region, a page at a time, and "individual". True if there are any."""
    choices = await services.registration.organisation_choices(registration.answers.region_code or "")
    per = ORGANISATIONS_PER_PAGE
    pages = max(1, (len(choices) + per - 1) // per)
    page = min(max(page, 0), pages - 1)
    rows = [[button(o.name[:60], A.ORGANISATION, str(o.id))] for o in choices[page * per : (page + 1) * per]]
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(button(t(locale, "registration.button.previous"), A.ORGANISATION_PAGE, str(page - 1)))
    if page + 1 < pages:
        nav.append(button(t(locale, "registration.button.more"), A.ORGANISATION_PAGE, str(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button(t(locale, "registration.button.individual"), A.ORGANISATION, "0")])
    rows.append([back_button(locale, Step.ORGANISATION)])
    return InlineKeyboardMarkup(rows), bool(choices)


# ---- every step ----


async def prompt(services: Services, registration: Registration, locale: str) -> Prompt:
    """The current step's question and buttons."""
    a, step = registration.answers, registration.step
    top = header(locale, a, step)
    if step is Step.NAME:
        return Prompt(f"{top}\n{t(locale, 'registration.name.prompt')}")
    if step is Step.REGION:
        return Prompt(f"{top}\n{t(locale, 'registration.region.prompt')}", picker(services, locale, None))
    if step is Step.VILLAGE:
        kecamatan = services.regions.get(a.region_code or "")
        text = t(locale, "registration.village.prompt", kecamatan=escape(kecamatan.name if kecamatan else "—"))
        return Prompt(f"{top}\n{text}", villages_markup(services, locale, registration))
    if step is Step.ORGANISATION:
        markup, any_here = await organisations_markup(services, locale, registration)
        text = t(locale, "registration.organisation.prompt" if any_here else "registration.organisation.none_here")
        return Prompt(f"{top}\n{text}", markup)
    if step is Step.KIND:
        rows = [[button(t(locale, f"organisations.kind.{kind.value}"), A.KIND, kind.value)] for kind in OrganisationKind]
        rows.append([back_button(locale, Step.KIND)])
        return Prompt(f"{top}\n{t(locale, 'registration.kind.prompt')}", InlineKeyboardMarkup(rows))
    if step is Step.PHONE:
        share = t(locale, "registration.button.share_phone")
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(share, request_contact=True)], [KeyboardButton(t(locale, "registration.button.back"))]],
            resize_keyboard=True, one_time_keyboard=True,
        )
        return Prompt(f"{top}\n{t(locale, 'registration.phone.prompt', share=share)}", keyboard)
    if step is Step.DECLARATION:
        rows = [[button(t(locale, "registration.button.declare"), A.DECLARE, "yes")],
                [button(t(locale, "registration.button.cannot"), A.DECLARE, "no")],
                [back_button(locale, Step.DECLARATION)]]
        return Prompt(f"{top}\n{t(locale, 'registration.declaration.prompt')}", InlineKeyboardMarkup(rows))
    if step is Step.CONSENT:
        agree = t(locale, "registration.button.agree")
        days = services.settings.volunteer_retention_days
        text = t(locale, "registration.consent.prompt", holder=holder(services, locale), days=days,
                 years=years_text(days, locale), agree=agree)
        rows = [[button(agree, A.CONSENT, "yes")], [button(t(locale, "registration.button.disagree"), A.CONSENT, "no")],
                [back_button(locale, Step.CONSENT)]]
        return Prompt(f"{top}\n{text}", InlineKeyboardMarkup(rows))
    return review(services, registration, locale)


def review(services: Services, registration: Registration, locale: str) -> Prompt:
    a = registration.answers
    token = registration.token
    phone = escape(a.phone or "—")
    if a.phone_checked:
        phone += " " + t(locale, "registration.review.phone_checked")
    submit = t(locale, "registration.button.submit")
    lines = [
        header(locale, a, Step.REVIEW),
        t(locale, "registration.review.title"),
        "",
        f"{t(locale, 'registration.review.name')}: <b>{escape(a.full_name or '—')}</b>",
        f"{t(locale, 'registration.review.region')}: {region_path(services, a)}",
        f"{t(locale, 'registration.review.organisation')}: {organisation_line(locale, a)}",
        f"{t(locale, 'registration.review.phone')}: {phone}",
        f"{t(locale, 'registration.review.declaration')}: {t(locale, 'registration.review.declared')}",
        f"{t(locale, 'registration.review.consent')}: {t(locale, 'registration.review.consented', version=CONSENT_VERSION)}",
        "",
        t(locale, "registration.review.footer", submit=submit),
    ]
    edits = [button(t(locale, "registration.button.edit_name"), A.EDIT, f"name:{token}"),
             button(t(locale, "registration.button.edit_region"), A.EDIT, f"region:{token}")]
    if not a.preset:
        edits.append(button(t(locale, "registration.button.edit_organisation"), A.EDIT, f"organisation:{token}"))
    edits.append(button(t(locale, "registration.button.edit_phone"), A.EDIT, f"phone:{token}"))
    rows = [[button(submit, A.SUBMIT, token)], *_rows(edits),
            [button(t(locale, "registration.button.cancel"), A.CANCEL, token)]]
    return Prompt("\n".join(lines), InlineKeyboardMarkup(rows))
