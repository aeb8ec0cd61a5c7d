"""Report intake: the rules of the report conversation, independent of Telegram.

Handlers call this service with what the reporter sent; it validates, writes the draft (whose step is the
conversation's state) before anything is answered, and turns a finished draft into a report exactly once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lokal import normalize_phone

from bot.kernel import case_code
from bot.kernel.metadata import NO_FACTS, read_facts
from bot.kernel.photo_hash import photo_hash
from bot.kernel.refusal import Refusal
from bot.legal.kinds import Standing
from bot.legal.rules import LegalRules
from bot.legal.texts import LegalTexts
from bot.regions.directory import TIMEZONE_NAMES, RegionDirectory
from bot.reporting.assessment import Assessment, assess
from bot.reporting.categories import is_category
from bot.reporting.draft import EDIT_ENTRY, Answers, Step, next_step, online_content
from bot.reporting.evidence_store import TELEGRAM_DOWNLOAD_LIMIT, EvidenceStore
from bot.reporting.form_actions import form_markup
from bot.reporting.incident_time import (
    IncidentTime,
    IncidentTimeError,
    parse_incident_time,
    today,
    yesterday,
)
from bot.reporting.link_titles import TitleFetcher
from bot.reporting.links import MAX_LINK, MAX_LINKS, Platform, account_of, find_links
from bot.reporting.ports import AlertPlanner, AlertRoute, JoinedCase
from locales import t
from storage.database import iso, utcnow
from storage.delivery.outbox import REPLY, OutboxMessage
from storage.report_records import ReportRecord
from storage.reporting.drafts import DraftRepository, DraftRow, EvidenceRow
from storage.reporting.reports import CaseCodeTaken, Identity, NewReport, ReportRepository, SubmitResult
from storage.supervision.cases import EvidenceRef

CONVERSATION_NAME = "report"
# The zone furthest east: with no region known yet, a time is only "in the future" if it is so everywhere.
_EASTERNMOST = ZoneInfo("Asia/Jayapura")

# (minimum, maximum) characters of each free-text answer.
TEXT_LIMITS: dict[str, tuple[int, int]] = {
    "chronology": (20, 3500),
    "place": (3, 300),
    "party": (2, 500),
    "account": (2, 200),
    "witnesses": (2, 1000),
    "name": (2, 120),
    "address": (5, 300),
    "search": (2, 60),
}
_SPACES = re.compile(r"[ \t]+")
# The evidence step's status message is edited while it is this recent; after that a new one is sent, lower down.
STATUS_FRESH = timedelta(minutes=10)
# A submitted report as its reporter may see it (never the identity).
Report = ReportRecord
# Free-text answers a reporter can correct by editing the message that gave them ("incident": a typed time).
EDITABLE_FIELDS = ("chronology", "incident", "known", "place", "party", "witnesses", "name", "address", "phone")


def clean_text(text: str, field: str) -> str:
    """Trim and check the length of a free-text answer."""
    value = "\n".join(_SPACES.sub(" ", line).strip() for line in text.strip().splitlines()).strip()
    low, high = TEXT_LIMITS[field]
    if len(value) < low:
        raise Refusal("invalid.too_short", minimum=low, length=len(value))
    if len(value) > high:
        raise Refusal("invalid.too_long", maximum=high, length=len(value))
    return value


def _origin_account(origin: dict[str, Any] | None) -> str | None:
    """A forwarded post's account, as Telegram named its origin: "Title (@username)"."""
    if not origin or not origin.get("chat"):
        return None
    return f"{origin['chat']} (@{origin['username']})" if origin.get("username") else str(origin["chat"])


def is_picture(kind: str, mime_type: str | None) -> bool:
    """Whether an evidence file is a picture whose perceptual hash is kept: a photo, or a picture sent as a file."""
    return kind == "photo" or (kind == "document" and (mime_type or "").startswith("image/"))


def clean_phone(text: str) -> str:
    phone = normalize_phone(text.strip())
    if phone is None:
        raise Refusal("invalid.phone")
    return phone


@dataclass(slots=True)
class Draft:
    row: DraftRow
    answers: Answers

    @property
    def step(self) -> Step:
        return Step(self.row.step)

    @property
    def user_id(self) -> int:
        return self.row.user_id

    @property
    def active(self) -> bool:
        return self.row.status == "active"

    @property
    def token(self) -> str:
        """Names this draft (not the reporter's earlier or later ones) in its review's buttons: drawn at the start
        (a draft begun before there were tokens gets one from its start time)."""
        if self.answers.token:
            return self.answers.token
        return hashlib.sha256(f"{self.row.user_id}:{self.row.created_at}".encode()).hexdigest()[:8]

    def is_redelivery(self, update_id: int) -> bool:
        """True when this update was already applied to the draft (Telegram delivered it again)."""
        return update_id <= self.row.last_update_id


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    result: SubmitResult
    assessment: Assessment


class IntakeService:
    def __init__(
        self,
        drafts: DraftRepository,
        reports: ReportRepository,
        regions: RegionDirectory,
        evidence: EvidenceStore,
        alerts: AlertPlanner[Any] | None = None,
        rules: LegalRules | None = None,
        reports_per_hour: int | None = None,
        titles: TitleFetcher | None = None,
    ) -> None:
        self.drafts = drafts
        self.titles = titles  # None (the default, LINK_TITLES=false): the bot never opens a link
        self.reports_per_hour = reports_per_hour  # a person's submissions an hour (None: no limit)
        self.reports = reports
        self.regions = regions
        self.files = evidence
        self.alerts = alerts  # None: nobody is alerted (unit tests of intake alone)
        self.rules = rules or LegalRules()  # the deployment's election (default: Pilkada)
        self.texts = LegalTexts(self.rules, regions)

    # ---- drafts -------------------------------------------------------------------------------

    async def conversation_states(self) -> dict[tuple[int, int], str]:
        """The report conversation's state per (chat id, user id): the step of the reporter's active draft.
        It is stored once, with each answer; python-telegram-bot's persistence loads it from here."""
        return await self.drafts.active_steps()

    async def get(self, user_id: int) -> Draft | None:
        row = await self.drafts.get(user_id)
        return Draft(row, Answers.model_validate(row.answers)) if row else None

    async def start(self, user_id: int, chat_id: int, update_id: int) -> Draft:
        """A fresh draft at the first step, replacing any earlier one."""
        answers = Answers(token=secrets.token_hex(4))
        row = DraftRow(
            user_id=user_id, chat_id=chat_id, step=Step.CATEGORY, answers=answers.model_dump(exclude_none=True),
            last_update_id=update_id,
        )
        draft = Draft(row, answers)
        await self.drafts.save(row, new=True)
        return draft

    async def resume(self, draft: Draft, update_id: int) -> Draft:
        """Re-open a draft closed for inactivity, at the step where it stopped."""
        draft.row.status = "active"
        return await self._save(draft, update_id)

    async def _save(self, draft: Draft, update_id: int) -> Draft:
        draft.row.answers = draft.answers.model_dump(exclude_none=True)
        draft.row.last_update_id = max(draft.row.last_update_id, update_id)
        await self.drafts.save(draft.row)
        return draft

    async def answer(self, draft: Draft, update_id: int, **changes: Any) -> Draft:
        """Record answers for the current step and move to the next one."""
        draft.answers = draft.answers.model_copy(update=changes)
        step = next_step(draft.step, draft.answers, editing=draft.row.editing, ask_tsm=self.asks_tsm(draft.answers))
        return await self.goto(draft, update_id, step)

    async def goto(self, draft: Draft, update_id: int, step: Step, *, editing: bool | None = None) -> Draft:
        if step != draft.row.step and Step.EVIDENCE in (step, draft.row.step):
            # each visit to the evidence step has its own status message
            draft.answers = draft.answers.model_copy(update={"status_message_id": None, "status_message_at": None})
        if step is Step.REVIEW and self.needs_tsm(draft.answers):
            step, editing = Step.TSM, True  # a date corrected on the way made it asked: first it, then the review
        draft.row.step = step
        if editing is not None:
            draft.row.editing = editing
        if step is Step.REVIEW:
            draft.row.editing = False
        return await self._save(draft, update_id)

    async def edit(self, draft: Draft, update_id: int, field: str) -> Draft:
        """From the review, go back to the step that asks `field`; its answer leads back to the review."""
        if field == "where":  # a new place: an earlier shared location no longer describes it
            draft.answers = draft.answers.model_copy(
                update={"latitude": None, "longitude": None, "suggested_region": None}
            )
        return await self.goto(draft, update_id, EDIT_ENTRY[field], editing=True)

    async def touch(self, draft: Draft, update_id: int) -> Draft:
        """Remember an update as handled without changing any answer (e.g. a picker page turned)."""
        return await self._save(draft, update_id)

    async def cancel(self, user_id: int) -> None:
        await self.drafts.delete(user_id)

    # ---- step rules ---------------------------------------------------------------------------

    async def set_category(self, draft: Draft, update_id: int, key: str) -> Draft:
        if not is_category(key):
            raise Refusal("invalid.choice")
        return await self.answer(draft, update_id, category=key)

    @staticmethod
    def _sourced(draft: Draft, field: str, message_id: int | None) -> dict[str, Any]:
        """`answered_by` with `field` answered by `message_id` (None: by no message, e.g. a button)."""
        sources = draft.answers.forget_sources(field)
        if message_id is not None:
            sources[field] = message_id
        return {"answered_by": sources}

    async def set_chronology(self, draft: Draft, update_id: int, text: str, message_id: int | None = None) -> Draft:
        return await self.answer(
            draft, update_id, chronology=clean_text(text, "chronology"), **self._sourced(draft, "chronology", message_id)
        )

    def timezone_for(self, answers: Answers) -> ZoneInfo:
        """The zone incident times are read in: the region's, else the deployment scope's, else WIT."""
        if answers.region_code:
            return self.regions.timezone(answers.region_code)
        return self.regions.scope_timezone() or _EASTERNMOST

    def now_for(self, answers: Answers) -> datetime:
        return utcnow().astimezone(self.timezone_for(answers))

    def parse_when(self, answers: Answers, text: str) -> IncidentTime:
        try:
            return parse_incident_time(text, self.now_for(answers))
        except IncidentTimeError as exc:
            raise Refusal(f"invalid.when_{exc.code}") from None

    async def set_when(
        self, draft: Draft, update_id: int, incident: IncidentTime, message_id: int | None = None
    ) -> Draft:
        """A typed date and time: read as local time of the place where it happened."""
        return await self.answer(
            draft, update_id, incident=incident.isoformat(), incident_button=None, incident_pressed_at=None,
            **self._known_kept(draft.answers, incident.date), **self._sourced(draft, "incident", message_id),
        )

    def _known_kept(self, answers: Answers, incident: date) -> dict[str, Any]:
        """A new incident date: a day of learning of it before that no longer holds (the question is asked next)."""
        if answers.known and date.fromisoformat(answers.known) < incident:
            return {"known": None, "tsm": None}
        return {}

    async def set_when_button(self, draft: Draft, update_id: int, which: str) -> Draft:
        """"Today" or "yesterday": the date in the region's zone (again, if the region is only known later)."""
        pressed = utcnow()
        day = self._relative_day(which, pressed, draft.answers)
        return await self.answer(
            draft, update_id, incident=day.isoformat(), incident_button=which, incident_pressed_at=pressed.isoformat(),
            **self._known_kept(draft.answers, day.date), **self._sourced(draft, "incident", None),
        )

    def _relative_day(self, which: str, pressed: datetime, answers: Answers) -> IncidentTime:
        local = pressed.astimezone(self.timezone_for(answers))
        return today(local) if which == "today" else yesterday(local)

    def incident(self, answers: Answers) -> IncidentTime | None:
        return IncidentTime.from_iso(answers.incident) if answers.incident else None

    def known_date(self, answers: Answers) -> date | None:
        """The day the reporter learned of it: their answer, else the incident's date (the question's default)."""
        if answers.known:
            return date.fromisoformat(answers.known)
        incident = self.incident(answers)
        return incident.date if incident is not None else None

    def is_stale(self, answers: Answers, *, tsm: bool | None = None) -> bool:
        """Known too long ago for the election's reporting window (a TSM violation where the law lets it be
        reported until voting day is not): it can only be handled as informasi awal."""
        known = self.known_date(answers)
        if known is None:
            return False
        return self.rules.is_stale(known, self.now_for(answers).date(), tsm=bool(answers.tsm if tsm is None else tsm))

    def asks_tsm(self, answers: Answers) -> bool:
        """Whether the TSM question is asked: known too long ago, and the law has a later window for TSM."""
        return self.rules.profile.tsm_until_voting_day is not None and self.is_stale(answers, tsm=False)

    def needs_tsm(self, answers: Answers) -> bool:
        """The TSM question is asked and has no answer (a date corrected after it, away from the review)."""
        return answers.tsm is None and self.asks_tsm(answers)

    async def set_known_same(self, draft: Draft, update_id: int) -> Draft:
        """"On that day": the reporter learned of it when it happened."""
        return await self.answer(draft, update_id, known=None, tsm=None, known_pressed_at=None,
                                 **self._sourced(draft, "known", None))

    def parse_known(self, answers: Answers, text: str) -> date:
        """A typed day of learning of it: read like the incident time; not before the incident, not in the future."""
        try:
            known = parse_incident_time(text, self.now_for(answers)).date
        except IncidentTimeError as exc:
            raise Refusal(f"invalid.when_{exc.code}") from None
        incident = self.incident(answers)
        if incident is not None and known < incident.date:
            raise Refusal("invalid.known_before_incident", date=incident.date.strftime("%d-%m-%Y"))
        return known

    async def set_known(self, draft: Draft, update_id: int, known: date, message_id: int | None = None) -> Draft:
        return await self.answer(draft, update_id, known=self._known_value(draft.answers, known), tsm=None,
                                 known_pressed_at=None, **self._sourced(draft, "known", message_id))

    async def set_known_today(self, draft: Draft, update_id: int) -> Draft:
        """"Today": the date in the region's zone (again, if the region is only known later)."""
        pressed = utcnow()
        known = pressed.astimezone(self.timezone_for(draft.answers)).date()
        return await self.answer(draft, update_id, known=self._known_value(draft.answers, known), tsm=None,
                                 known_pressed_at=pressed.isoformat(), **self._sourced(draft, "known", None))

    def _known_value(self, answers: Answers, known: date) -> str | None:
        """The stored answer: None when it is the incident's day (the default)."""
        incident = self.incident(answers)
        return None if incident is not None and known == incident.date else known.isoformat()

    async def set_tsm(self, draft: Draft, update_id: int, tsm: bool) -> Draft:
        return await self.answer(draft, update_id, tsm=tsm)

    async def set_standing(self, draft: Draft, update_id: int, standing: str) -> Draft:
        try:
            value = Standing(standing)
        except ValueError:
            raise Refusal("invalid.choice") from None
        return await self.answer(draft, update_id, standing=value.value)

    async def set_region(self, draft: Draft, update_id: int, code: str, source: str) -> Draft:
        region = self.regions.get(code)
        # A kecamatan; online content that targets no local race may name a whole kabupaten/kota or province.
        wide_allowed = online_content(draft.answers) and region is not None and region.level in (1, 2)
        if region is None or (region.level != 3 and not wide_allowed) or not self.regions.in_scope(code):
            raise Refusal("invalid.region")
        # the step ends: its location keyboard, if shown, is removed with the answer (handlers/reporting/where.py)
        changes: dict[str, Any] = {
            "region_code": code, "location_source": source, "suggested_region": None, "location_keyboard": None
        }
        draft.answers = draft.answers.model_copy(update=changes)
        a = draft.answers
        if a.incident_button is not None and a.incident_pressed_at is not None:
            pressed = datetime.fromisoformat(a.incident_pressed_at)
            incident = self._relative_day(a.incident_button, pressed, a)
            draft.answers = a.model_copy(update={"incident": incident.isoformat()})
        a = draft.answers
        if a.known_pressed_at is not None:  # "today" for when it became known, in the region's zone too
            known = datetime.fromisoformat(a.known_pressed_at).astimezone(self.timezone_for(a)).date()
            draft.answers = a.model_copy(update={"known": self._known_value(a, known)})
        # a venue already named the place (unless the reporter came to change the place from the review)
        named = a.location_source == "venue" and bool(a.place) and not draft.row.editing
        return await self.goto(draft, update_id, Step.PARTY if named else Step.PLACE)

    async def show_location_keyboard(self, draft: Draft, update_id: int) -> Draft:
        """The reporter asked for the button that sends their location: remembered, so that choosing the
        region removes that keyboard again, and so does a new report."""
        draft.answers = draft.answers.model_copy(update={"location_keyboard": True})
        return await self._save(draft, update_id)

    async def set_location(
        self, draft: Draft, update_id: int, latitude: float, longitude: float, *, venue: str | None,
        located: str | None,
    ) -> Draft:
        """A shared location, or a venue (`venue`: its title and address, which also name the place). The
        kecamatan the boundaries put it in (`located`) is suggested for confirmation if it is one of ours;
        otherwise the reporter picks one."""
        if not (math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180):
            raise Refusal("invalid.location")
        changes: dict[str, Any] = {"latitude": latitude, "longitude": longitude, "suggested_region": None}
        changes["location_source"] = "venue" if venue is not None else "gps"
        if venue is not None:
            changes["place"] = venue.strip(", ")[:300]
            changes["answered_by"] = draft.answers.forget_sources("place")  # no longer a typed answer
        if located is not None and self.regions.in_scope(located) and self.regions.get(located) is not None:
            changes["suggested_region"] = located
        draft.answers = draft.answers.model_copy(update=changes)
        return await self.goto(draft, update_id, Step.WHERE_CONFIRM if changes["suggested_region"] else Step.WHERE)

    async def set_place(self, draft: Draft, update_id: int, text: str | None, message_id: int | None = None) -> Draft:
        """The place description; skipping it while editing from the review keeps the earlier one."""
        if text is None and draft.row.editing:
            return await self.answer(draft, update_id)
        return await self.answer(
            draft, update_id, place=None if text is None else clean_text(text, "place"),
            **self._sourced(draft, "place", message_id),
        )

    async def set_party(self, draft: Draft, update_id: int, text: str | None, message_id: int | None = None) -> Draft:
        return await self.answer(
            draft, update_id, party=None if text is None else clean_text(text, "party"),
            **self._sourced(draft, "party", message_id),
        )

    async def set_account(self, draft: Draft, update_id: int, text: str | None, message_id: int | None = None) -> Draft:
        """Online content: the account or channel that posted it (None: not known)."""
        return await self.answer(draft, update_id, account=None if text is None else clean_text(text, "account"))

    @staticmethod
    def account_in_links(answers: Answers) -> str | None:
        """The account the first link that names one names (x.com/akun/…, t.me/kanal/…), offered as the answer."""
        return next((found for entry in answers.links or [] if (found := account_of(entry["normalized"]))), None)

    async def set_account_from_links(self, draft: Draft, update_id: int) -> Draft:
        """The account offered from the links, pressed (refused if the links name none)."""
        account = self.account_in_links(draft.answers)
        if account is None:
            raise Refusal("button.stale")
        return await self.answer(draft, update_id, account=account)

    async def set_links(
        self, draft: Draft, update_id: int, text: str | None, entity_urls: Sequence[str] = (),
        origin: dict[str, Any] | None = None,
    ) -> Draft:
        """Online content: the links in the reporter's message (its text, Telegram's url and text_link entities)
        and, for a forwarded Telegram post, its origin, whose public address comes first. None of them: refused.
        The bot never opens a link."""
        found = list(entity_urls)
        if origin is not None and origin.get("username") and origin.get("message_id"):
            found.insert(0, f"https://t.me/{origin['username']}/{origin['message_id']}")
        links = find_links(text, found)
        if not links and origin is None:
            raise Refusal("invalid.no_links")
        given = [{"original": link.original[:MAX_LINK], "normalized": link.normalized, "platform": link.platform.value}
                 for link in links[:MAX_LINKS]]
        if self.titles is not None:  # an operator allowed reading the pages' titles (LINK_TITLES=true)
            await self._add_titles(given)
        return await self.answer(draft, update_id, links=given, forwarded_from=origin)

    async def _add_titles(self, links: list[dict[str, str]]) -> None:
        """Each page's title, where one could be read (not of Telegram's own links: a forwarded post is here)."""
        assert self.titles is not None
        asked = [entry for entry in links if entry["platform"] != Platform.TELEGRAM]
        urls = [e["original"] if "://" in e["original"] else "https://" + e["original"] for e in asked]
        for entry, title in zip(asked, await self.titles.titles(urls), strict=True):
            if title:
                entry["title"] = title

    async def happened_online(self, draft: Draft, update_id: int) -> Draft:
        """At step 4 the reporter says it happened online (a post, a video, a message): its links are asked first,
        then where (the region whose race it concerns), as for the categories about social media."""
        if online_content(draft.answers):
            return draft
        draft.answers = draft.answers.model_copy(update={"online": True})
        return await self.goto(draft, update_id, Step.LINKS)

    async def skip_links(self, draft: Draft, update_id: int) -> Draft:
        """No link to give (the post was deleted, it was seen offline): asked, none given."""
        return await self.answer(draft, update_id, links=[], forwarded_from=None)

    async def set_witnesses(
        self, draft: Draft, update_id: int, text: str | None, message_id: int | None = None
    ) -> Draft:
        value = None if text is None else clean_text(text, "witnesses")
        return await self.answer(draft, update_id, witnesses=value, **self._sourced(draft, "witnesses", message_id))

    async def set_identity(self, draft: Draft, update_id: int, anonymous: bool) -> Draft:
        changes: dict[str, Any] = {"anonymous": anonymous}
        if anonymous:
            changes.update(name=None, address=None, phone=None, phone_source=None, standing=None)
            changes["answered_by"] = draft.answers.forget_sources("name", "address", "phone")
        return await self.answer(draft, update_id, **changes)

    async def set_name(self, draft: Draft, update_id: int, text: str, message_id: int | None = None) -> Draft:
        return await self.answer(
            draft, update_id, name=clean_text(text, "name"), **self._sourced(draft, "name", message_id)
        )

    async def set_address(self, draft: Draft, update_id: int, text: str, message_id: int | None = None) -> Draft:
        return await self.answer(
            draft, update_id, address=clean_text(text, "address"), **self._sourced(draft, "address", message_id)
        )

    async def set_phone(
        self, draft: Draft, update_id: int, text: str | None, source: str | None, message_id: int | None = None
    ) -> Draft:
        """A phone number; only a typed one can be corrected later by editing its message."""
        phone = None if text is None else clean_phone(text)
        typed = message_id if phone and source == "typed" else None
        return await self.answer(
            draft, update_id, phone=phone, phone_source=source if phone else None,
            **self._sourced(draft, "phone", typed),
        )

    # ---- corrections by editing a message -----------------------------------------------------

    @staticmethod
    def answered_field(draft: Draft, message_id: int) -> str | None:
        """The text answer of this draft that `message_id` gave, if any."""
        for field, source in draft.answers.answered_by.items():
            if source == message_id and field in EDITABLE_FIELDS:
                return field
        return None

    def _text_changes(self, answers: Answers, field: str, text: str) -> dict[str, Any]:
        """The answers `text` gives for `field`, checked as when it was first answered."""
        if field == "incident":
            incident = self.parse_when(answers, text)
            return {"incident": incident.isoformat(), "incident_button": None, "incident_pressed_at": None,
                    "tsm": None, **self._known_kept(answers, incident.date)}
        if field == "known":
            known = self.parse_known(answers, text)
            happened = self.incident(answers)
            return {"known": None if happened is not None and known == happened.date else known.isoformat(),
                    "tsm": None, "known_pressed_at": None}
        if field == "phone":
            return {"phone": clean_phone(text), "phone_source": "typed"}
        return {field: clean_text(text, field)}

    async def amend(self, draft: Draft, update_id: int, message_id: int, text: str) -> str | None:
        """The reporter edited message `message_id`: if it gave one of this draft's text answers, its new
        text replaces that answer (checked like a first answer; the current step does not move, but for the TSM
        question: asked at the review if a date now needs it, left if a date no longer does), and the field is
        returned. None if the message answered nothing (the draft is then unchanged)."""
        field = self.answered_field(draft, message_id)
        if field is None:
            return None
        draft.answers = draft.answers.model_copy(update=self._text_changes(draft.answers, field, text))
        step = draft.step
        if step is Step.TSM and field in ("incident", "known") and not self.asks_tsm(draft.answers):
            step = next_step(step, draft.answers, editing=draft.row.editing)  # the question no longer applies
        await self.goto(draft, update_id, step)  # at the review, a date that now needs the TSM answer asks it
        return field

    # ---- evidence -----------------------------------------------------------------------------

    async def remember_status_message(self, user_id: int, message_id: int) -> None:
        """The evidence step's "received N files" message, to be edited as more files arrive."""
        await self.drafts.set_status_message(user_id, message_id, utcnow())

    @staticmethod
    def status_message_fresh(answers: Answers) -> bool:
        """Whether the evidence step's status message is recent enough to be edited rather than sent anew."""
        sent_at = answers.status_message_at
        return sent_at is not None and utcnow() - datetime.fromisoformat(sent_at) < STATUS_FRESH

    @staticmethod
    def too_big_to_download(size: int | None) -> bool:
        return size is not None and size > TELEGRAM_DOWNLOAD_LIMIT

    async def add_evidence(
        self,
        draft: Draft,
        update_id: int,
        *,
        kind: str,
        file_id: str,
        unique_id: str,
        size: int | None,
        mime_type: str | None,
        file_name: str | None,
        media_group_id: str | None,
        content: bytes | None,
        stored: str,
    ) -> bool:
        """Keep one file (its bytes content-addressed when we have them). False if already recorded."""
        sha256, facts, phash = None, NO_FACTS, None
        if content is not None:
            saved = await self.files.put(content)
            sha256, size = saved.sha256, saved.size
            facts = await asyncio.to_thread(read_facts, content)  # a picture's EXIF time and place, for the card
            if is_picture(kind, mime_type):  # its perceptual hash: possible duplicates (None if it does not decode)
                phash = await asyncio.to_thread(photo_hash, content)
        row = EvidenceRow(
            kind=kind,
            telegram_file_id=file_id,
            telegram_unique_id=unique_id,
            stored=stored if content is None else "stored",
            sha256=sha256,
            size=size,
            mime_type=mime_type,
            file_name=file_name,
            media_group_id=media_group_id,
            exif_taken_at=facts.taken_at, exif_latitude=facts.latitude, exif_longitude=facts.longitude,
            phash=phash,
        )
        added = await self.drafts.add_evidence(draft.user_id, row, update_id)
        draft.row.last_update_id = max(draft.row.last_update_id, update_id)
        return added

    async def album_begun(self, draft: Draft, media_group_id: str) -> bool:
        """Whether an album's first part was kept (a forwarded post's, at step 4): its other parts are evidence too."""
        return await self.drafts.has_album(draft.user_id, media_group_id)

    async def evidence(self, user_id: int) -> list[EvidenceRow]:
        return await self.drafts.evidence(user_id)

    # ---- review and submission ----------------------------------------------------------------

    async def evidence_counts(self, user_id: int) -> tuple[int, int]:
        """(files that count as evidence, files over the download limit: recorded, but the bot never had
        them, so they do not count and the reporter must bring them in person)."""
        return await self.drafts.evidence_count(user_id), await self.drafts.oversized_count(user_id)

    def assess(self, answers: Answers, evidence_files: int, oversized_files: int = 0) -> Assessment:
        return assess(
            anonymous=bool(answers.anonymous),
            has_name_and_address=bool(answers.name and answers.address),
            # a named draft that reached its review before the question existed has no standing yet: not a laporan
            may_file=answers.standing is not None and Standing(answers.standing).may_file_laporan,
            has_reported_party=bool(answers.party),
            within_deadline=not self.is_stale(answers),
            has_time_and_place=bool(answers.incident and answers.region_code),
            has_chronology=bool(answers.chronology),
            evidence_files=evidence_files,
            has_witnesses=bool(answers.witnesses),
            oversized_files=oversized_files,
        )

    def missing_answer(self, answers: Answers) -> str | None:
        """The first required field still unanswered (a draft edited into an incomplete state), if any."""
        for field in ("category", "chronology", "incident", "region_code"):
            if not getattr(answers, field):
                return field
        if answers.anonymous is None or (answers.anonymous is False and not (answers.name and answers.address)):
            return "identity"
        if answers.anonymous is False and answers.standing is None:
            return "standing"
        if self.needs_tsm(answers):
            return "tsm"
        return None

    async def submitted(self, user_id: int) -> SubmitResult | None:
        """The report the reporter's draft became, if it was submitted."""
        return await self.reports.submitted_from_draft(user_id)

    async def own_report(self, user_id: int, case_code: str) -> Report | None:
        """The reporter's report with that code; None for anybody else's (it reads as unknown)."""
        report = await self.reports.by_code(case_code)
        return report if report is not None and report.reporter_user_id == user_id else None

    async def reports_of(self, user_id: int, limit: int = 10) -> list[Report]:
        """The reporter's latest reports, newest first."""
        return await self.reports.for_reporter(user_id, limit=limit)

    async def submit(self, draft: Draft, update_id: int, locale: str) -> SubmitOutcome:
        """Create the report and queue the reporter's confirmation, once, whatever is pressed twice."""
        answers = draft.answers
        if draft.row.status == "submitted":
            earlier = await self.reports.submitted_from_draft(draft.user_id)
            if earlier is not None:
                return SubmitOutcome(earlier, self.assess(answers, 0))
        if self.reports_per_hour is not None:  # LIMIT_REPORTS_PER_HOUR: the draft waits, nothing is lost
            since = iso(utcnow() - timedelta(hours=1))
            count, first = await self.reports.submitted_since(draft.user_id, since)
            if count >= self.reports_per_hour:
                # Sendable again once the first of them is an hour old: said in the region's own time.
                zone = self.timezone_for(answers)
                free = datetime.fromisoformat(first or since) + timedelta(hours=1, minutes=1)
                label = next((name for name, key in TIMEZONE_NAMES.items() if key == zone.key), zone.key)
                raise Refusal("invalid.too_many_reports", limit=self.reports_per_hour,
                              at=free.astimezone(zone).strftime("%H:%M"), tz=label)
        if self.missing_answer(answers) is not None:
            raise Refusal("invalid.incomplete")
        incident = self.incident(answers)
        assert incident is not None and answers.region_code is not None
        if incident.to_local_naive() > self.now_for(answers).replace(tzinfo=None):
            raise Refusal("invalid.when_future")
        assessment = self.assess(answers, *await self.evidence_counts(draft.user_id))
        identity = None
        if not answers.anonymous and answers.name and answers.address:
            identity = Identity(answers.name, answers.address, answers.phone, answers.phone_source)
        route: AlertRoute | None = None
        joined: JoinedCase | None = None
        refs: list[EvidenceRef] = []
        location = None
        if answers.latitude is not None and answers.longitude is not None:
            location = (answers.latitude, answers.longitude)
        if self.alerts is not None:
            # Routed now, alerted in the same transaction as the report: no report without its alerts.
            route = await self.alerts.route(answers.region_code, online=online_content(answers))  # cyber groups too
            refs = [EvidenceRef(e.kind, e.telegram_file_id) for e in await self.drafts.evidence(draft.user_id)]
            if answers.links:  # online content reported before, in a case still open: one case, not another card
                joined = await self.alerts.joinable([entry["normalized"] for entry in answers.links])
        for _attempt in range(5):
            code = case_code.new_case_code()
            report = self._new_report(draft, locale, code, assessment, joined)
            notice = OutboxMessage(
                # Once per report: a double tap finds the draft submitted and queues nothing (tx.earlier). Not the
                # draft's start time, which is to the second: two drafts begun within a second shared it, and the
                # second report's confirmation was dropped as a duplicate of the first.
                dedup_key=f"report-received:{code}",
                chat_id=draft.row.chat_id,
                method="sendMessage",
                payload={"text": self.confirmation_text(locale, code, assessment, answers, joined), "parse_mode": "HTML",
                         "reply_markup": form_markup(locale, code)},  # 📄 the pre-filled report form (PDF)
                priority=REPLY,  # the answer to the reporter's press: before alerts in the 30 messages a second
            )
            scrubbed = answers.model_copy(update={"name": None, "address": None, "phone": None})
            try:
                async with self.reports.submission(draft.user_id) as tx:
                    if tx.earlier is not None:  # submitted meanwhile (a concurrent double tap)
                        result = tx.earlier
                    else:
                        result = await tx.insert(
                            report,
                            identity,
                            update_id=update_id,
                            draft_answers=scrubbed.model_dump(exclude_none=True),
                            route=None if route is None else (route.level, route.region),
                        )
                        await tx.enqueue([notice, *self._alerts(result.report_id, route, refs, location, joined)])
            except CaseCodeTaken:
                continue
            draft.row.status = "submitted"
            draft.row.report_id = result.report_id
            return SubmitOutcome(result, assessment)
        raise RuntimeError("could not find a free case code")

    def _alerts(
        self, report_id: int, route: AlertRoute | None, evidence: list[EvidenceRef], location: tuple[float, float] | None,
        joined: JoinedCase | None = None,
    ) -> list[OutboxMessage]:
        """The alert plan of a new report: supervision's messages to the groups routing chose, or, when it joins a
        case of the same online content, to that case's groups."""
        if self.alerts is None:
            return []
        if joined is not None:
            return self.alerts.join_messages(joined, report_id, evidence)
        if route is None:
            return []
        return self.alerts.alert_messages(report_id, route.chat_ids, evidence, location)

    def _new_report(
        self, draft: Draft, locale: str, code: str, assessment: Assessment, joined: JoinedCase | None = None
    ) -> NewReport:
        a = draft.answers
        return NewReport(
            case_code=code,
            reporter_user_id=draft.row.user_id,
            reporter_chat_id=draft.row.chat_id,
            locale=locale,
            category=a.category or "other",
            chronology=a.chronology or "",
            incident_local=a.incident or "",
            timezone=self.timezone_for(a).key,
            region_code=a.region_code or "",
            location_source=a.location_source or "picker",
            latitude=a.latitude,
            longitude=a.longitude,
            place_description=a.place,
            reported_party=a.party,
            witnesses=a.witnesses,
            anonymous=bool(a.anonymous),
            kind=assessment.kind,
            missing=list(assessment.missing),
            known_local=a.known,
            reporter_standing=None if a.anonymous else a.standing,
            tsm=bool(a.tsm),
            links=[(entry["original"], entry["normalized"], entry["platform"], entry.get("title"))
                   for entry in a.links or []],
            forwarded_from=json.dumps(a.forwarded_from, ensure_ascii=False) if a.forwarded_from else None,
            joined_to=None if joined is None else joined.report_id,
            online=online_content(a),
            online_account=a.account or _origin_account(a.forwarded_from),
        )

    def confirmation_text(
        self, locale: str, code: str, assessment: Assessment, answers: Answers, joined: JoinedCase | None = None
    ) -> str:
        """The reporter's confirmation: what the report is, honestly. A complete report is complete enough to be
        *filed* as a laporan; what the reporter must still bring in person, where and by when, is spelled out.
        `joined`: the case of the same online content it joined."""
        texts = self.texts
        lines = [t(locale, "submitted.title", code=code), ""]
        if joined is not None:
            lines += [t(locale, "submitted.joined", case=joined.case_code, count=joined.reporters + 1, code=code), ""]
        received = self.now_for(answers).date()
        if assessment.kind == "laporan":
            lines.append(t(locale, "submitted.kind_laporan"))
            learned = self.known_date(answers) or received
            lines.append(texts.in_person(locale, received, answers.region_code or "", learned, tsm=bool(answers.tsm)))
        else:
            lines.append(t(locale, "submitted.kind_informasi_awal"))
        if assessment.missing:
            lines.append("")
            lines.append(t(locale, "submitted.missing_intro"))
            lines.extend(f"• {self.missing_text(locale, key)}" for key in assessment.missing)
        if assessment.in_person:
            lines.extend(["", "⚠️ " + t(locale, "missing.in_person", count=assessment.in_person)])
        known = self.known_date(answers)
        if known is not None and "deadline" not in assessment.missing:
            deadline = texts.reporting_deadline(locale, known, tsm=bool(answers.tsm))
            lines.extend(["", t(locale, "submitted.deadline", deadline=deadline)])
        if assessment.kind == "laporan":
            lines.extend(["", texts.handling(locale)])
        lines.extend(["", t(locale, "submitted.next", code=code)])
        return "\n".join(lines)

    def missing_text(self, locale: str, key: str) -> str:
        """Why a requirement is not met, in the election's own terms (its window for "deadline")."""
        if key == "deadline":
            return t(locale, "missing.deadline", period=self.texts.reporting_period(locale),
                     source=self.rules.profile.reporting.source)
        return t(locale, f"missing.{key}")

    # ---- housekeeping -------------------------------------------------------------------------

    async def close_idle(
        self, idle_before: datetime, locale_for: Callable[[int], Awaitable[str]], *, hours: float, keep_days: float
    ) -> int:
        """Close conversations idle since `idle_before`, telling each reporter; drafts are kept."""
        closed = 0
        for row in await self.drafts.idle(idle_before):
            locale = await locale_for(row.user_id)
            notice = OutboxMessage(
                dedup_key=f"idle-closed:{row.user_id}:{row.updated_at}",
                chat_id=row.chat_id,
                method="sendMessage",
                payload={"text": t(locale, "idle.closed", hours=f"{hours:g}", days=f"{keep_days:g}")},
            )
            if await self.drafts.close_idle(row, notice):
                closed += 1
        return closed

    async def purge(self, untouched_before: datetime) -> tuple[int, int]:
        """Forget drafts untouched since then, and evidence files nothing refers to any more."""
        drafts = await self.drafts.purge(untouched_before)
        referenced = await self.drafts.referenced_hashes()
        files = self.files.remove_unreferenced(referenced, older_than=untouched_before.timestamp())
        return drafts, files
