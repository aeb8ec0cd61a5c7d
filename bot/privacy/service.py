"""The reporter's and the volunteer's data rights (UU 27/2022): a copy of everything stored (/datasaya), the erasure
of their identity and contact data (/hapusdata), and the retention of reporters' identities (housekeeping).

The rule of /hapusdata, one for everyone: the reports stay, with their case code, answers and evidence, as
informasi awal for the supervisors, but without the reporter's identity; the Telegram account id stays only on
the reports still open, so that their status updates (and the supervisors' questions) still reach the reporter,
and is taken off the closed ones (and off the open ones when they close). A case in legal process keeps its
identity as the law requires (bot/privacy/retention.py), and the reporter is told which and until when. The
volunteer registration is deleted everywhere, as the volunteers' retention deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.privacy.outbox_kinds import METHOD_MYDATA_DOCUMENT, METHOD_MYDATA_SUMMARY
from bot.privacy.ports import CaseCards
from bot.privacy.retention import CLOSED, CaseFacts, Hold, due_for_erasure, hold
from bot.privacy.texts import WIB, erased
from bot.regions.directory import RegionDirectory
from bot.volunteers.registration import RegistrationService
from storage.database import Tx, iso, utcnow
from storage.delivery.outbox import REPLY, OutboxMessage
from storage.privacy.personal_data import CaseRow, Erased, ErasurePlan, PersonalData, PersonalDataRepository


def facts(case: CaseRow) -> CaseFacts:
    """A report as the retention rules see it; a closed case's last status change is when it was closed."""
    closed = case.status in CLOSED and case.status_changed_at is not None
    return CaseFacts(
        case.report_id, case.case_code, case.status, datetime.fromisoformat(case.submitted_at),
        datetime.fromisoformat(case.status_changed_at) if closed and case.status_changed_at else None,
        case.legal, case.forwarded_to,
    )


def holds(cases: list[CaseRow], now: datetime, days: int) -> list[Hold]:
    """The cases whose identity the law keeps, of those that have one."""
    found = [hold(facts(case), now, days) for case in cases if case.has_identity]
    return [h for h in found if h is not None]


def erasure_plan(cases: list[CaseRow], now: datetime, days: int) -> ErasurePlan:
    """Every identity but the ones the law keeps; the Telegram id off every closed report the law does not keep (an
    open one keeps it, for its status updates)."""
    held = {h.case_code for h in holds(cases, now, days)}
    free = [case for case in cases if case.case_code not in held]
    return ErasurePlan(identities=[case.report_id for case in free],
                       unlink=[case.report_id for case in free if not facts(case).is_open])


@dataclass(frozen=True, slots=True)
class ErasurePreview:
    """What /hapusdata would do now: shown before the person confirms."""

    identities: int
    unlink: int
    draft: bool
    volunteer: bool
    holds: list[Hold] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.identities or self.unlink or self.draft or self.volunteer)


class PrivacyService:
    def __init__(self, repo: PersonalDataRepository, regions: RegionDirectory, registration: RegistrationService, *,
                 retention_days: int, cards: CaseCards | None = None) -> None:
        self.repo = repo
        self.regions = regions
        self.registration = registration  # its in-memory focus, after a registration in progress is erased
        self.retention_days = retention_days
        self.cards = cards  # the cases' cards in the groups, refreshed when an open case's identity is erased

    async def _refreshes(self, tx: Tx, gone: list[CaseRow]) -> list[OutboxMessage]:
        """The refreshes of the cards of the open cases among those whose identity was just erased: the groups
        read "identity erased" instead of "identified" (a closed case's card is left as it was)."""
        still_open = [case.report_id for case in gone if facts(case).is_open]
        return await self.cards.identity_erased(tx, still_open) if self.cards is not None and still_open else []

    @property
    def zone(self) -> ZoneInfo:
        """Dates of holds are shown in the deployment's zone (WIB for the whole country)."""
        return self.regions.scope_timezone() or WIB

    async def collect(self, user_id: int) -> PersonalData:
        return await self.repo.collect(user_id)

    # ---- /datasaya ----

    async def request_copy(self, user_id: int, chat_id: int, locale: str, update_id: int) -> bool:
        """Queue the summary and the JSON document, both rendered when they are sent (the outbox keeps no copy of
        the data), and log the access. False for a re-delivered command (nothing twice)."""
        payload = {"user_id": user_id, "locale": locale}
        messages = [
            OutboxMessage(f"privacy.mydata:{user_id}:{update_id}:{part}", chat_id, method, payload, priority=REPLY)
            for part, method in (("summary", METHOD_MYDATA_SUMMARY), ("document", METHOD_MYDATA_DOCUMENT))
        ]
        return await self.repo.request_copy(user_id, messages, "/datasaya")

    # ---- /hapusdata ----

    async def preview(self, user_id: int) -> ErasurePreview:
        now = utcnow()
        cases = await self.repo.cases(user_id)
        data = await self.repo.collect(user_id)
        plan = erasure_plan(cases, now, self.retention_days)
        identities = sum(1 for case in cases if case.has_identity and case.report_id in plan.identities)
        draft = data.draft is not None
        volunteer = data.volunteer is not None or data.volunteer_draft is not None
        return ErasurePreview(identities, len(plan.unlink), draft, volunteer, holds(cases, now, self.retention_days))

    async def erase(self, user_id: int, chat_id: int, locale: str, prompt_id: int) -> Erased | None:
        """Erase now, once per confirmation message (`prompt_id`): a double tap or a re-delivered press does
        nothing and returns None. The answer goes through the outbox, in the same transaction."""
        now = utcnow()
        dedup_key = f"privacy.erased:{user_id}:{prompt_id}"

        def answer(result: Erased) -> OutboxMessage:
            text = erased(result, holds(result.kept, now, self.retention_days), locale, self.retention_days, self.zone)
            return OutboxMessage(dedup_key, chat_id, "sendMessage", {"text": text, "parse_mode": "HTML"},
                                 priority=REPLY)

        result = await self.repo.erase(user_id, dedup_key, lambda cases: erasure_plan(cases, now, self.retention_days),
                                      answer, self._refreshes)
        if result is not None and result.volunteer:
            await self.registration.load()  # a registration in progress no longer takes their messages
        return result

    # ---- housekeeping ----

    async def purge(self, now: datetime | None = None) -> tuple[int, int]:
        """Erase the identities past their retention (not in legal process), and take the Telegram id off the
        reports that closed since their reporter asked for erasure. (identities erased, reports unlinked)."""
        now = now or utcnow()
        days = self.retention_days
        cutoff = iso(now - timedelta(days=days))
        gone = await self.repo.purge_identities(cutoff, lambda case: due_for_erasure(facts(case), now, days),
                                                self._refreshes)
        unlinked = await self.repo.unlink_after_erasure(
            lambda case: not facts(case).is_open and hold(facts(case), now, days) is None)
        return len(gone), unlinked
