"""What supervisors see: the alert card of a case, its buttons, the digest and the case history.

Nothing here can show a reporter's identity: CaseRow does not carry it, only whether it exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kernel.callbacks import encode
from bot.kernel.metadata import PhotoFacts
from bot.legal.rules import LegalRules
from bot.regions.directory import RegionDirectory
from bot.reporting.incident_time import IncidentTime
from bot.supervision.actions import SupervisionAction, TriageVerb, duplicate_of_data
from bot.supervision.case_status import (
    OPEN_STATUSES,
    REJECT_REASONS,
    SUGGESTED_TARGET,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
)
from bot.supervision.cyber import forward_targets
from locales import t
from storage.supervision.cases import CaseRow, EventRow

CHRONOLOGY_ON_CARD = 1500
DATE = "%d-%m-%Y"
EXIF_ON_CARD = 3  # evidence files whose EXIF time and place the card shows (the rest are counted)
EXIF_FAR_KM = 10  # a photo taken farther than this from the reported place is said to be far from it


def triage_data(verb: str, report_id: int, detail: str = "") -> str:
    return encode(SupervisionAction.TRIAGE, f"{verb}:{detail}:{report_id}")


def _local(moment_iso: str, regions: RegionDirectory, region_code: str) -> str:
    moment = datetime.fromisoformat(moment_iso).astimezone(regions.timezone(region_code))
    return f"{moment:%d-%m-%Y %H:%M} {regions.tz_label(region_code)}"


def incident_text(case: CaseRow, regions: RegionDirectory) -> str:
    incident = IncidentTime.from_iso(case.incident_local)
    text = incident.date.strftime("%d-%m-%Y")
    if incident.time is not None:
        text += f" {incident.time:%H:%M} {regions.tz_label(case.region_code)}"
    return text


def place_text(case: CaseRow, regions: RegionDirectory) -> str:
    region = regions.get(case.region_code)
    text = escape(region.path if region else case.region_code)
    if case.place_description:
        text += f" — {escape(case.place_description)}"
    return text


def witness_count(case: CaseRow) -> int:
    if not case.witnesses:
        return 0
    return max(1, len([line for line in case.witnesses.splitlines() if line.strip()]))


def _local_date(moment_iso: str, regions: RegionDirectory, region_code: str) -> date:
    return datetime.fromisoformat(moment_iso).astimezone(regions.timezone(region_code)).date()


def deadlines_text(case: CaseRow, regions: RegionDirectory, locale: str, rules: LegalRules) -> str:
    """The case's deadlines under the deployment's election: filing (since it became known), kajian awal and the
    decision (since receipt for Pilkada; since registration for Pemilu), each as the law counts it."""
    known = date.fromisoformat(case.known_local) if case.known_local else IncidentTime.from_iso(case.incident_local).date
    filing = rules.reporting_deadline(known, tsm=case.tsm)
    report = t(locale, "card.until_voting_day") if filing is None else filing.day.strftime(DATE)
    received = _local_date(case.submitted_at, regions, case.region_code)
    if rules.kind.value == "pemilu":  # counted from registration
        if case.status == CaseStatus.REGISTERED and case.status_changed_at:
            registered = _local_date(case.status_changed_at, regions, case.region_code)
            handling = t(locale, "card.handling_until", date=rules.handling(registered).day.strftime(DATE),
                         extended=rules.handling_extended(registered).day.strftime(DATE))
        else:
            period = rules.profile.handling
            handling = t(locale, "card.handling_after_registration",
                         period=t(locale, "legal.working_days", count=period.days))
    else:
        handling = t(locale, "card.handling_until", date=rules.handling(received).day.strftime(DATE),
                     extended=rules.handling_extended(received).day.strftime(DATE))
    return t(locale, "card.deadline_values", report=report, review=review_text(case, regions, locale, rules),
             handling=handling)


def reporter_key(case: CaseRow) -> str:
    """Anonymous, identified, or identified but its identity since erased (on request, or past retention)."""
    if case.anonymous:
        return "card.anonymous"
    return "card.identity_erased" if case.identity_erased else "card.identified"


def next_deadline_text(case: CaseRow, regions: RegionDirectory, locale: str, rules: LegalRules) -> str:
    """The queue's deadline of a case: once registered, the decision's (Pemilu counts it from registration);
    before, its kajian awal where the profile has one, else the decision's."""
    received = _local_date(case.submitted_at, regions, case.region_code)
    if case.status == CaseStatus.REGISTERED and rules.kind.value == "pemilu" and case.status_changed_at:
        registered = _local_date(case.status_changed_at, regions, case.region_code)
        return t(locale, "card.decision_by", date=rules.handling(registered).day.strftime(DATE))
    review = rules.initial_review(received) if case.status != CaseStatus.REGISTERED else None
    if review is not None:
        return t(locale, "card.review_by", date=review.day.strftime(DATE))
    return t(locale, "card.decision_by", date=rules.handling(received).day.strftime(DATE))


def review_text(case: CaseRow, regions: RegionDirectory, locale: str, rules: LegalRules) -> str:
    """The kajian awal's last day, or that the deployment's profile has none."""
    review = rules.initial_review(_local_date(case.submitted_at, regions, case.region_code))
    return review.day.strftime(DATE) if review is not None else t(locale, "card.not_set")


JOINED_ON_CARD = 10  # codes of the reports that joined a case, on its card (4,096 characters a message)


@dataclass(frozen=True, slots=True)
class OnlineContent:
    """A report's links (as given, platform), and the other reports of the same content: how many, some codes."""

    links: Sequence[tuple[str, str, str | None]] = ()  # (as given, platform, the page's title if it was read)
    others: int = 0
    other_codes: Sequence[str] = ()
    joined: Sequence[str] = ()  # the codes of the reports that joined this case: the same content, reported later
    account: str | None = None  # the account or channel that posted it


def online_lines(online: OnlineContent, locale: str) -> list[str]:
    lines = []
    if online.links:
        listed = "".join(f"\n• {escape(url)} ({t(locale, f'platform.{platform}')})"
                         + (f" — “{escape(title)}”" if title else "") for url, platform, title in online.links)
        lines.append(f"<b>{t(locale, 'card.links')}</b>:{listed}")
    if online.account:
        lines.append(f"<b>{t(locale, 'card.account')}</b>: {escape(online.account)}")
    if online.joined:
        codes = ", ".join(f"<code>{code}</code>" for code in online.joined[:JOINED_ON_CARD])
        more = len(online.joined) - JOINED_ON_CARD
        if more > 0:
            codes += " " + t(locale, "card.joined_more", count=more)
        lines.append(t(locale, "card.joined", count=len(online.joined) + 1, codes=codes))
    if online.others:
        codes = ", ".join(f"<code>{code}</code>" for code in online.other_codes)
        lines.append(t(locale, "card.same_content", count=online.others, codes=codes))
    return lines


def card_text(
    case: CaseRow, regions: RegionDirectory, locale: str, *, kind: str, evidence_count: int,
    photos: Sequence[PhotoFacts] = (), locate: Callable[[float, float], str | None] | None = None,
    rules: LegalRules | None = None, online: OnlineContent | None = None, possible_duplicates: Sequence[str] = (),
) -> str:
    """The card; `photos`: what the evidence files' EXIF says (one per file), `locate`: GPS -> kecamatan, `rules`:
    the deployment's election (default Pilkada), `possible_duplicates`: the codes of the earlier cases it may be the
    same as (bot/supervision/duplicates.py), newest first."""
    chronology = case.chronology
    if len(chronology) > CHRONOLOGY_ON_CARD:
        chronology = chronology[:CHRONOLOGY_ON_CARD] + "…"
    missing = list(case.missing)
    # Erased since, while the case is open: informasi awal from then on. A case already closed was handled as what it
    # was; the reporter line says the identity is gone.
    if case.identity_erased and case.status in OPEN_STATUSES and "identity" not in missing:
        missing.insert(0, "identity")
    nature = t(locale, f"card.kind_{'informasi_awal' if missing else case.kind}")
    if missing:
        nature += " " + t(locale, "card.missing", items=", ".join(t(locale, f"card.req_{m}") for m in missing))
    status = status_text(case, regions, locale)
    header = t(locale, f"card.header_{kind}") if kind != "view" else "📂"
    lines = [
        f"{header} · <code>{case.case_code}</code>",
        f"<b>{t(locale, 'card.category')}</b>: {t(locale, f'category.{case.category}.name')}",
        f"<b>{t(locale, 'card.nature')}</b>: {nature}",
        f"<b>{t(locale, 'card.when')}</b>: {incident_text(case, regions)}",
        *online_lines(online or OnlineContent(), locale),
        f"<b>{t(locale, 'card.where')}</b>: {place_text(case, regions)}",
        f"<b>{t(locale, 'card.chronology')}</b>: {escape(chronology)}",
        f"<b>{t(locale, 'card.party')}</b>: {escape(case.reported_party) if case.reported_party else '—'}",
        f"<b>{t(locale, 'card.witnesses')}</b>: "
        + (t(locale, "card.witness_count", count=witness_count(case)) if case.witnesses else t(locale, "card.none")),
        f"<b>{t(locale, 'card.evidence')}</b>: {t(locale, 'card.evidence_count', count=evidence_count)}",
        *exif_lines(case, photos, regions, locale, locate),
        f"<b>{t(locale, 'card.reporter')}</b>: {t(locale, reporter_key(case))}",
        f"<b>{t(locale, 'card.deadlines')}</b>: {deadlines_text(case, regions, locale, rules or LegalRules())}",
        f"<b>{t(locale, 'card.status')}</b>: {status}",
    ]
    if case.forwarded_to:
        lines.append(f"<b>{t(locale, 'card.forwarded')}</b>: {t(locale, f'forward.{case.forwarded_to}')}")
    elif (suggested := SUGGESTED_TARGET.get(case.category)) is not None:
        lines.append(f"<b>{t(locale, 'card.suggested')}</b>: ➡️ {t(locale, f'forward.{suggested.value}')}")
    if case.duplicate_of:
        lines.append(f"<b>{t(locale, 'card.duplicate_of')}</b>: <code>{escape(case.duplicate_of)}</code>")
    if possible_duplicates:  # case codes only: never who reported them
        codes = ", ".join(f"<code>{escape(code)}</code>" for code in possible_duplicates)
        lines.append(t(locale, "card.possible_duplicates", codes=codes))
    return "\n".join(lines)


def exif_lines(
    case: CaseRow, photos: Sequence[PhotoFacts], regions: RegionDirectory, locale: str,
    locate: Callable[[float, float], str | None] | None = None,
) -> list[str]:
    """Corroboration from the evidence files' EXIF: when each photo was taken (in the region's time) and where,
    relative to the reported place (never the exact coordinates when a distance or a kecamatan can say it)."""
    described = [p for p in photos if not p.empty]
    lines = []
    for photo in described[:EXIF_ON_CARD]:
        facts = []
        if photo.taken_at is not None:
            facts.append(t(locale, "card.exif.taken", at=_exif_time(photo.taken_at, regions, case.region_code, locale)))
        if photo.place is not None:
            facts.append(_exif_place(case, photo.place, regions, locale, locate))
        lines.append(t(locale, "card.exif.line", facts=" · ".join(facts)))
    if len(described) > EXIF_ON_CARD:
        lines.append(t(locale, "card.exif.more", count=len(described) - EXIF_ON_CARD))
    return lines


def _exif_time(taken_at: str, regions: RegionDirectory, region_code: str, locale: str) -> str:
    moment = datetime.fromisoformat(taken_at)
    if moment.tzinfo is None:  # the camera's clock, in whatever zone it was set to
        return f"{moment:%d-%m-%Y %H:%M} {t(locale, 'card.exif.camera_clock')}"
    return f"{moment.astimezone(regions.timezone(region_code)):%d-%m-%Y %H:%M} {regions.tz_label(region_code)}"


def _exif_place(case: CaseRow, place: tuple[float, float], regions: RegionDirectory, locale: str,
                locate: Callable[[float, float], str | None] | None) -> str:
    if case.latitude is not None and case.longitude is not None:
        km = _km(place, (case.latitude, case.longitude))
        if km < 1:
            return t(locale, "card.exif.near")
        return t(locale, "card.exif.far" if km > EXIF_FAR_KM else "card.exif.distance", km=f"{km:.0f}")
    code = locate(*place) if locate is not None else None
    region = regions.get(code) if code is not None else None
    if code is None or region is None:
        return t(locale, "card.exif.at", latitude=f"{place[0]:.2f}", longitude=f"{place[1]:.2f}")
    inside = code == case.region_code or code.startswith(case.region_code + ".")
    return t(locale, "card.exif.in_region" if inside else "card.exif.other_region", region=escape(region.path))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def status_text(case: CaseRow, regions: RegionDirectory, locale: str) -> str:
    """The status, who changed it and when, and who handles the case: each name once."""
    status = t(locale, f"status.{case.status}")
    handler = case.handler_name
    if case.status_changed_at:
        by_handler = handler is not None and handler == case.last_actor_name
        key = "card.changed_by_handler" if by_handler and case.status != CaseStatus.CLAIMED else "card.changed_by"
        status += " · " + t(locale, key, name=escape(case.last_actor_name or "—"),
                            at=_local(case.status_changed_at, regions, case.region_code))
        if by_handler:
            handler = None
    if handler:
        status += " · " + t(locale, "card.handled_by", name=escape(handler))
    return status


_BUTTONS = (  # (verb, label key), in the order shown; a verb shows when the status allows it
    (CaseAction.CLAIM, "triage.claim"),
    (CaseAction.ASK, "triage.ask"),
    (CaseAction.REGISTER, "triage.register"),
    (CaseAction.FORWARD, "triage.forward"),
    (CaseAction.DONE, "triage.done"),
    (CaseAction.REJECT, "triage.reject"),
    (CaseAction.DUPLICATE, "triage.duplicate"),
)


def card_keyboard(
    case: CaseRow, locale: str, *, can_act: bool, only: tuple[str, ...] | None = None,
    possible_duplicate: CaseRow | None = None,
) -> InlineKeyboardMarkup | None:
    """The buttons the case's status allows; with `only`, just those verbs (a Gakkumdu group: Minta info). With a
    `possible_duplicate` (the newest case it may be the same as), a last row marks it a duplicate of that in one tap,
    where ♻️ Duplikat is allowed."""
    if not can_act:
        return None
    buttons = [
        InlineKeyboardButton(t(locale, label), callback_data=triage_data(verb, case.id))
        for verb, label in _BUTTONS
        if case.status in TRANSITIONS[verb][0] and (only is None or verb in only)
    ]
    if case.status == CaseStatus.REJECTED and only is None:  # rejected, and then seen to be abuse: still flaggable
        buttons.append(InlineKeyboardButton(t(locale, "triage.flag"), callback_data=triage_data(TriageVerb.FLAG, case.id)))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if possible_duplicate is not None and only is None and case.status in TRANSITIONS[CaseAction.DUPLICATE][0]:
        rows.append([InlineKeyboardButton(t(locale, "triage.duplicate_of", code=possible_duplicate.case_code),
                                          callback_data=duplicate_of_data(case.id, possible_duplicate.id))])
    if not rows:
        return None
    return InlineKeyboardMarkup(rows)


def choice_keyboard(case: CaseRow, locale: str, verb: str) -> InlineKeyboardMarkup:
    """The second level of Teruskan (where to) and Tolak (why)."""
    options: list[tuple[str, str, str]]
    if verb == CaseAction.FORWARD:
        options = [(f"forward.{target}", "fwd", target) for target in forward_targets(case.category)]
    else:
        options = [(f"reject.{reason}", "rej", reason) for reason in REJECT_REASONS]
    rows = [[InlineKeyboardButton(t(locale, key), callback_data=triage_data(v, case.id, d))] for key, v, d in options]
    if verb == CaseAction.REJECT:  # a reporter who misuses the bot: flagged for the operator, who decides
        rows.append([InlineKeyboardButton(t(locale, "triage.flag"), callback_data=triage_data(TriageVerb.FLAG, case.id))])
    rows.append([InlineKeyboardButton(t(locale, "button.up"), callback_data=triage_data("back", case.id))])
    return InlineKeyboardMarkup(rows)


def reject_confirm_keyboard(case: CaseRow, locale: str, reason: str) -> InlineKeyboardMarkup:
    """Tolak, once a reason was chosen: confirm it, or go back to the card's buttons."""
    confirm = t(locale, "triage.reject_confirm", reason=t(locale, f"reject.{reason}"))
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(confirm, callback_data=triage_data(TriageVerb.REJECT_CONFIRM, case.id, reason))],
        [InlineKeyboardButton(t(locale, "triage.reject_cancel"), callback_data=triage_data(TriageVerb.BACK, case.id))],
    ])


def digest_text(cases: list[CaseRow], regions: RegionDirectory, locale: str) -> str:
    lines = [t(locale, "card.digest_title", count=len(cases))]
    for case in cases:
        region = regions.get(case.region_code)
        lines.append(
            f"• <code>{case.case_code}</code> · {t(locale, f'category.{case.category}.name')} · "
            f"{escape(region.name if region else case.region_code)} · {incident_text(case, regions)}"
        )
    return "\n".join(lines)


def digest_keyboard(cases: list[CaseRow], locale: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(f"📂 {case.case_code}", callback_data=triage_data("open", case.id)) for case in cases
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def history_text(case: CaseRow, events: list[EventRow], regions: RegionDirectory, locale: str) -> str:
    lines = [t(locale, "card.history")]
    lines.append(f"• {_local(case.submitted_at, regions, case.region_code)} — {t(locale, 'status.received')}")
    for event in events:
        who = escape(event.actor_name) if event.actor_name else "—"
        change = t(locale, f"status.{event.to_status}") if event.to_status else t(locale, f"event.{event.action}")
        note = ""
        if event.note and event.action in ("reject", "forward"):
            note = f" ({t(locale, f'{event.action}.{event.note}')})"
        elif event.note and event.action in (CaseAction.DUPLICATE, CaseAction.ASK):
            note = f" ({escape(event.note[:80])})"
        lines.append(f"• {_local(event.at, regions, case.region_code)} — {change} · {who}{note}")
    return "\n".join(lines)
