"""The volunteer registration (/relawan, recruitment links): its drafts, the rules of each answer, and the
submission (the volunteer, the verification's part and the confirmation, in one transaction).

A registration in progress is a row of `volunteer_drafts` (storage/volunteers/registration_drafts.py): the
current step and the answers, written with each answer and with the update that gave it, so that a restart
resumes it and a re-delivered update is not applied twice. It has the person's *focus* while they answer it; a
report started in the middle (/lapor) takes the focus, and the registration waits until they come back to it.
Which users' registrations have the focus is also kept in memory (`in_focus`), for the handlers' filters.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.kernel.refusal import Refusal
from bot.regions.directory import Level, RegionDirectory
from bot.volunteers.kinds import OrganisationKind
from bot.volunteers.organisations import OrganisationService
from bot.volunteers.recruitment import LinkTarget
from bot.volunteers.registration_steps import (
    CONSENT_VERSION,
    EDITABLE,
    Answers,
    Step,
    clean_name,
    contact_phone,
    indonesian_phone,
    next_step,
    previous_step,
)
from bot.volunteers.service import VolunteerService
from bot.volunteers.status import VolunteerStatus
from bot.volunteers.verification import VerificationService
from storage.database import Database, iso, utcnow
from storage.delivery.outbox import REPLY, OutboxMessage, enqueue
from storage.volunteers.organisations import OrganisationRow
from storage.volunteers.registration_drafts import DraftRow, OrganisationName, RegistrationDraftRepository
from storage.volunteers.volunteers import NewVolunteer, VolunteerRow

ORGANISATIONS_PER_PAGE = 8


@dataclass(frozen=True, slots=True)
class Registration:
    """A registration in progress, as the handlers see it."""

    row: DraftRow
    answers: Answers

    @property
    def user_id(self) -> int:
        return self.row.user_id

    @property
    def chat_id(self) -> int:
        return self.row.chat_id

    @property
    def step(self) -> Step:
        return Step(self.row.step)

    @property
    def token(self) -> str:
        return self.row.token

    def is_redelivery(self, update_id: int) -> bool:
        return update_id <= self.row.last_update_id


class Redelivered(Exception):
    """The update was applied already (re-delivered after a restart): ask the current step again."""


def _registration(row: DraftRow) -> Registration:
    return Registration(row, Answers.from_json(row.answers))


class RegistrationService:
    def __init__(self, db: Database, drafts: RegistrationDraftRepository, volunteers: VolunteerService,
                 organisations: OrganisationService, regions: RegionDirectory, *, retention_days: int,
                 draft_keep_days: float) -> None:
        self.db = db
        self.drafts = drafts
        self.volunteers = volunteers
        self.organisations = organisations
        self.regions = regions
        self.retention_days = retention_days
        self.draft_keep_days = draft_keep_days
        self._focus: set[int] = set()

    async def load(self) -> None:
        """At start: who is in the middle of a registration."""
        self._focus = set(await self.drafts.focused())

    def in_focus(self, user_id: int) -> bool:
        """Whether this person's messages are answers to their registration (no report was started since)."""
        return user_id in self._focus

    async def get(self, user_id: int) -> Registration | None:
        row = await self.drafts.get(user_id)
        return _registration(row) if row else None

    # ---- starting, pausing ----

    async def start(self, user_id: int, chat_id: int, update_id: int, *, link: LinkTarget | None = None,
                    earlier: VolunteerRow | None = None) -> Registration:
        """A new registration: with the organisation of a recruitment link, and the answers of an earlier
        registration of the same person (registering again corrects them; the declaration and the consent
        are asked again)."""
        answers = Answers()
        if earlier is not None and earlier.status not in (VolunteerStatus.LEFT, VolunteerStatus.REJECTED):
            kecamatan = ".".join(earlier.region_code.split(".")[:3])
            village = earlier.region_code if earlier.region_code != kecamatan else None
            answers = Answers(full_name=earlier.full_name, region_code=kecamatan, region_source="earlier",
                              village_code=village, village_done=True, phone=earlier.phone,
                              phone_checked=earlier.phone_checked, organisation_kind=earlier.organisation_kind,
                              organisation_done=True)
            if earlier.organisation_id is not None:
                org = await self.drafts.organisation(earlier.organisation_id)
                if org is not None:
                    answers = answers.with_(organisation_id=org.id, organisation_name=org.name,
                                            organisation_region=org.region_code, organisation_kind=org.kind)
                else:
                    answers = answers.with_(organisation_done=False, organisation_kind=None)
        if link is not None:
            answers = answers.with_(organisation_id=link.organisation_id, organisation_name=link.organisation_name,
                                    organisation_region=link.region_code, organisation_kind=link.organisation_kind,
                                    organisation_done=True, preset=True, link_id=link.link_id)
        step = next_step(answers)
        row = await self.drafts.start(user_id, chat_id, secrets.token_hex(4), step.value, answers.to_json(), update_id)
        self._focus.add(user_id)
        return _registration(row)

    async def resume(self, registration: Registration) -> Registration:
        """Back to a registration in progress: it takes the person's messages again."""
        if not registration.row.focus:
            await self.drafts.set_focus(registration.user_id, True)
        self._focus.add(registration.user_id)
        fresh = await self.get(registration.user_id)
        return fresh or registration

    async def pause(self, user_id: int) -> bool:
        """A report was started: the registration waits (its answers are kept). True if one was in focus."""
        if user_id not in self._focus:
            return False
        self._focus.discard(user_id)
        await self.drafts.set_focus(user_id, False)
        return True

    async def cancel(self, user_id: int) -> bool:
        """Forget the registration in progress. True if there was one."""
        self._focus.discard(user_id)
        return await self.drafts.delete(user_id)

    # ---- answers ----

    async def _save(self, registration: Registration, update_id: int, answers: Answers,
                    step: Step | None = None) -> Registration:
        target = step or next_step(answers)
        row = await self.drafts.save(registration.user_id, registration.token, target.value, answers.to_json(),
                                     update_id)
        if row is None:
            raise Redelivered()
        self._focus.add(registration.user_id)
        return _registration(row)

    def _expect(self, registration: Registration, *steps: Step) -> None:
        if registration.step not in steps:
            raise Refusal("registration.stale")

    async def set_name(self, registration: Registration, update_id: int, text: str) -> Registration:
        self._expect(registration, Step.NAME)
        return await self._save(registration, update_id, registration.answers.with_(full_name=clean_name(text)))

    async def set_region(self, registration: Registration, update_id: int, code: str, source: str) -> Registration:
        """The kecamatan (from GPS, the picker or a search). A different one forgets the desa/kelurahan, and an
        organisation chosen from the old region's list if the new region does not have it."""
        self._expect(registration, Step.REGION)
        region = self.regions.get(code)
        if region is None or region.level != Level.KECAMATAN or not self.regions.in_scope(region.code):
            raise Refusal("registration.region_invalid")
        a = registration.answers
        if a.region_code != region.code:
            a = a.with_(village_code=None, village_done=False)
            if (not a.preset and a.organisation_id is not None and a.organisation_region is not None
                    and not _covers(a.organisation_region, region.code)):
                a = a.with_(organisation_id=None, organisation_name=None, organisation_region=None,
                            organisation_kind=None, organisation_done=False)
        a = a.with_(region_code=region.code, region_source=source)
        if not a.village_done and not self.regions.villages(region.code):
            a = a.with_(village_done=True)
        return await self._save(registration, update_id, a)

    async def set_village(self, registration: Registration, update_id: int, code: str | None) -> Registration:
        """The desa/kelurahan, or None to skip it."""
        self._expect(registration, Step.VILLAGE)
        a = registration.answers
        if code is not None and (a.region_code is None or code not in dict(self.regions.villages(a.region_code))):
            raise Refusal("registration.village_invalid")
        return await self._save(registration, update_id, a.with_(village_code=code, village_done=True))

    def village_name(self, code: str) -> str | None:
        return dict(self.regions.villages(code[:8])).get(code)

    async def organisation_choices(self, region_code: str) -> list[OrganisationRow]:
        """The active organisations registered for the kecamatan or a region above it (kabupaten/kota,
        province), nearest region first, then by name."""
        found = [o for o in await self.organisations.in_region(region_code[:2]) if _covers(o.region_code, region_code)]
        return sorted(found, key=lambda o: (-len(o.region_code), o.name.casefold()))

    async def set_organisation(self, registration: Registration, update_id: int,
                               organisation_id: int | None) -> Registration:
        """An organisation of the region's list, or None: an individual volunteer (the type is asked next)."""
        self._expect(registration, Step.ORGANISATION)
        a = registration.answers
        if organisation_id is None:
            a = a.with_(organisation_id=None, organisation_name=None, organisation_region=None,
                        organisation_kind=None, organisation_done=True)
        else:
            choices = {o.id: o for o in await self.organisation_choices(a.region_code or "")}
            org = choices.get(organisation_id)
            if org is None:
                raise Refusal("registration.organisation_invalid")
            a = a.with_(organisation_id=org.id, organisation_name=org.name, organisation_region=org.region_code,
                        organisation_kind=org.kind, organisation_done=True)
        return await self._save(registration, update_id, a)

    async def set_kind(self, registration: Registration, update_id: int, kind: str) -> Registration:
        self._expect(registration, Step.KIND)
        try:
            value = OrganisationKind(kind).value
        except ValueError:
            raise Refusal("registration.stale") from None
        return await self._save(registration, update_id, registration.answers.with_(organisation_kind=value))

    async def set_phone(self, registration: Registration, update_id: int, text: str) -> Registration:
        """A typed phone number (Indonesian, normalised to +62…)."""
        self._expect(registration, Step.PHONE)
        phone = indonesian_phone(text)
        return await self._save(registration, update_id,
                                registration.answers.with_(phone=phone, phone_checked=False))

    async def set_contact(self, registration: Registration, update_id: int, number: str, own: bool) -> Registration:
        """A contact shared with Telegram's button: only the person's own counts (and is then checked)."""
        self._expect(registration, Step.PHONE)
        if not own:
            raise Refusal("registration.contact_not_own")
        return await self._save(registration, update_id,
                                registration.answers.with_(phone=contact_phone(number), phone_checked=True))

    async def declare(self, registration: Registration, update_id: int) -> Registration:
        """"I declare" that I am a member of no political party nor campaign team."""
        self._expect(registration, Step.DECLARATION)
        return await self._save(registration, update_id,
                                registration.answers.with_(nonpartisan_at=iso(utcnow())))

    async def consent(self, registration: Registration, update_id: int) -> Registration:
        self._expect(registration, Step.CONSENT)
        return await self._save(registration, update_id, registration.answers.with_(consent_at=iso(utcnow())))

    async def back(self, registration: Registration, update_id: int, shown_on: Step) -> Registration:
        """The back button of the step it was shown on: the step before (its answer kept until changed)."""
        self._expect(registration, shown_on)
        before = previous_step(registration.answers, shown_on)
        if before is None:
            raise Refusal("registration.stale")
        return await self._save(registration, update_id, registration.answers, before)

    async def edit(self, registration: Registration, update_id: int, field: str, token: str) -> Registration:
        """An edit button of the review: that step again, then back to the review."""
        self._expect(registration, Step.REVIEW)
        if token != registration.token or field not in EDITABLE:
            raise Refusal("registration.stale")
        step = EDITABLE[field]
        if step is Step.ORGANISATION and registration.answers.preset:
            raise Refusal("registration.organisation_preset")
        return await self._save(registration, update_id, registration.answers, step)

    async def touch(self, registration: Registration, update_id: int) -> Registration:
        """An update that changes no answer (a search, a hint) is still applied once."""
        return await self._save(registration, update_id, registration.answers, registration.step)

    # ---- the end ----

    async def submit(self, registration: Registration, confirmation: str,
                     verification: VerificationService) -> VolunteerRow | None:
        """Register the volunteer (pending), let verification queue its part, and queue the confirmation,
        all in one transaction that also deletes the draft. None if it was submitted already (a double tap,
        a re-delivered press): nothing happens then."""
        self._expect(registration, Step.REVIEW)
        a = registration.answers
        if next_step(a) is not Step.REVIEW:
            raise Refusal("registration.incomplete")
        assert a.full_name and a.home_code and a.organisation_kind and a.phone
        new = NewVolunteer(
            user_id=registration.user_id, chat_id=registration.chat_id, full_name=a.full_name,
            organisation_id=a.organisation_id, organisation_kind=a.organisation_kind, region_code=a.home_code,
            phone=a.phone, phone_checked=a.phone_checked, consent_version=CONSENT_VERSION, link_id=a.link_id,
        )
        current = await self.volunteers.get(registration.user_id)
        if current is not None and await self.volunteers.suspended(current):  # suspended while registering
            raise Refusal("registration.suspended")
        async with self.db.transaction() as tx:
            if not await self.drafts.claim(tx, registration.user_id, registration.token):
                return None
            row = await self.volunteers.register(new, tx)
            await verification.registered(tx, row)
            await enqueue(tx, OutboxMessage(
                dedup_key=f"volunteer.registered:{registration.user_id}:{registration.token}",
                chat_id=registration.chat_id, method="sendMessage",
                payload={"text": confirmation, "parse_mode": "HTML"}, priority=REPLY,
            ))
        self._focus.discard(registration.user_id)
        return row

    async def organisation(self, organisation_id: int) -> OrganisationName | None:
        return await self.drafts.organisation(organisation_id)

    async def leave(self, user_id: int, chat_id: int, dedup_key: str,
                    confirmation: Callable[[datetime], str]) -> VolunteerRow | None:
        """/berhenti: the volunteer leaves (no more tasks), and is told when their data is deleted (the text
        `confirmation` makes of that moment) through the outbox, in the same transaction. The row as it is now,
        or None if nothing changed (left already)."""
        async with self.db.transaction() as tx:
            if not await self.volunteers.set_status(user_id, VolunteerStatus.LEFT, "self", tx=tx):
                return None
            deleted = utcnow() + timedelta(days=self.retention_days)
            await enqueue(tx, OutboxMessage(dedup_key, chat_id, "sendMessage",
                                            {"text": confirmation(deleted), "parse_mode": "HTML"}, priority=REPLY))
        return await self.volunteers.get(user_id)

    def deleted_after(self, volunteer: VolunteerRow) -> str:
        """When a volunteer who left (or was rejected) is deleted: their status time plus the retention (ISO)."""
        return iso(datetime.fromisoformat(volunteer.status_at) + timedelta(days=self.retention_days))

    async def purge(self) -> tuple[int, int]:
        """Delete volunteers who left or were rejected more than the retention ago, and registrations in progress
        untouched for DRAFT_KEEP_DAYS. (volunteers deleted, drafts deleted)."""
        now = utcnow()
        volunteers = await self.drafts.purge_volunteers(iso(now - timedelta(days=self.retention_days)))
        drafts = await self.drafts.purge_drafts(iso(now - timedelta(days=self.draft_keep_days)))
        if drafts:
            self._focus = set(await self.drafts.focused())
        return len(volunteers), drafts


def _covers(parent: str, code: str) -> bool:
    return code == parent or code.startswith(parent + ".")
