"""Supervision: which group receives a report, who may act on it, and what each triage action does.

Every change is written with the messages it causes (reporter notices, alerts, card refreshes) in one
transaction; the outbox delivers them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from html import escape
from typing import Any, TypeAlias

from bot.kernel.case_code import ALPHABET
from bot.kernel.refusal import Refusal
from bot.legal.rules import LegalRules
from bot.legal.texts import LegalTexts
from bot.regions.directory import Level, RegionDirectory
from bot.supervision.case_status import (
    FORWARD_TARGETS,
    REJECT_REASONS,
    CaseAction,
    CaseStatus,
    ForwardTarget,
    StatusRefusal,
    next_status,
)
from bot.supervision.cyber import CyberRouting
from bot.supervision.duplicates import (
    HINTS_ON_CARD,
    PHOTO_WITHIN,
    SAME_PLACE_WITHIN,
    kabupaten_of,
    matching,
    newest_cases,
)
from locales import t
from storage.database import Tx, iso, utcnow
from storage.delivery.outbox import BULK, OutboxMessage
from storage.supervision.alerts import CardRef, PendingReply
from storage.supervision.cases import CaseRow, EventRow, EvidenceRef, TransitionConflict
from storage.supervision.groups import GroupRow
from storage.supervision.repository import SupervisionRepository

log = logging.getLogger(__name__)

IDENTITY_ERASED = "identity_erased"  # why a card is refreshed when no triage action changed it (its dedup key)

# The case record supervision hands out: a report as supervisors may see it, without the reporter's identity.
Case: TypeAlias = CaseRow


class GroupRole(StrEnum):
    """What a registered group is (`supervisor_groups.role`, and the `group.registered_<role>` text)."""

    SUPERVISORS = "supervisors"
    GAKKUMDU = "gakkumdu"
    CYBER = "cyber"  # a cyber task force: the online-content cases of its region and below (bot/supervision/cyber.py)


class RouteLevel(StrEnum):
    """Where routing found a report's recipients (`reports.route_level`)."""

    KECAMATAN = "kecamatan"
    KABUPATEN = "kabupaten"
    PROVINSI = "provinsi"
    ADMIN = "admin"
    NONE = "none"


class PromptPurpose(StrEnum):
    """What a reply to one of the bot's messages answers (`tracked_messages.purpose`, but `card`)."""

    QUESTION = "question"  # a supervisor's question for the reporter ("Minta info")
    DUPLICATE = "duplicate"  # the code of the case this one duplicates
    ANSWER = "answer"  # the reporter's answer to a relayed question


class CaseChanged(Refusal):
    """The case's status changed meanwhile (another supervisor acted first)."""

    def __init__(self) -> None:
        super().__init__("triage.conflict")


SUPERVISORS = GroupRole.SUPERVISORS
GAKKUMDU = GroupRole.GAKKUMDU
CYBER = GroupRole.CYBER
ROLES = tuple(GroupRole)
CODE_VALID_FOR = timedelta(hours=24)
_ROUTE_LEVEL = {Level.KECAMATAN: RouteLevel.KECAMATAN, Level.KABUPATEN: RouteLevel.KABUPATEN,
                Level.PROVINSI: RouteLevel.PROVINSI}
MEDIA_PER_ALBUM = 10


@dataclass(frozen=True, slots=True)
class Route:
    level: RouteLevel
    region: str | None
    chat_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class JoinedCase:
    """An open case of online content that a new report of the same content joins (bot/reporting/ports.py)."""

    report_id: int
    case_code: str
    reporters: int  # who reported it so far: its own reporter and those who joined it
    cards: tuple[CardRef, ...] = ()  # its cards posted so far, refreshed when a report joins
    chats: tuple[int, ...] = ()  # the groups it was alerted to, where a joining report's evidence goes


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    name: str
    chat_id: int


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_group_code() -> str:
    """A one-time registration code, e.g. PTG-7KQ2-M9XD-4HJP (60 random bits)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"PTG-{body[:4]}-{body[4:8]}-{body[8:]}"


class SupervisionService:
    def __init__(
        self,
        repo: SupervisionRepository,
        regions: RegionDirectory,
        *,
        admin_chat_id: int | None,
        group_locale: str,
        reporter_locale: Callable[[int], Awaitable[str]],
        rules: LegalRules | None = None,
        cyber_routing: CyberRouting = CyberRouting.ALONGSIDE,
    ) -> None:
        self.repo = repo
        self.regions = regions
        self.cyber_routing = cyber_routing  # CYBER_ROUTING: online content to cyber groups alongside or instead
        self.legal = LegalTexts(rules or LegalRules(), regions)  # the deployment's election: the decision's deadline
        self.admin_chat_id = admin_chat_id
        self.group_locale = group_locale
        self.reporter_locale = reporter_locale

    # ---- registration -------------------------------------------------------------------------

    async def new_code(self, region_code: str, role: str) -> tuple[str, datetime]:
        region = self.regions.get(region_code)
        if region is None:
            raise Refusal("group.unknown_region", region=region_code)
        if role not in ROLES:
            raise Refusal("group.unknown_role", role=role)
        code = new_group_code()
        expires = utcnow() + CODE_VALID_FOR
        await self.repo.add_code(hash_code(code), region.code, role, expires)
        return code, expires

    async def register(self, code: str, *, chat_id: int, user_id: int, title: str | None) -> GroupRow:
        outcome, group = await self.repo.redeem_code(
            hash_code(code), chat_id=chat_id, user_id=user_id, title=title, now=utcnow()
        )
        if group is None:
            raise Refusal(f"group.code_{outcome}")
        return group

    async def refuse_registration(self, chat_id: int, user_id: int) -> None:
        """Somebody who is not the group's administrator tried /daftar: noted with the attempts."""
        await self.repo.log_attempt(chat_id, user_id, "not_admin")

    async def is_registered(self, chat_id: int) -> bool:
        """Whether the chat was ever registered, active or not."""
        return await self.repo.group(chat_id) is not None

    async def deactivate_group(self, chat_id: int, why: str) -> bool:
        """The bot can no longer post to the group (removed, banned): it receives nothing until registered
        again. True if it was active."""
        return await self.repo.deactivate(chat_id, why)

    async def migrate_group(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: its registration, cards, queued messages and questions follow it."""
        return await self.repo.migrate_chat(old_chat_id, new_chat_id)

    def describe(self, group: GroupRow, locale: str) -> str:
        region = self.regions.get(group.region_code)
        level = _ROUTE_LEVEL[region.level if region else Level.KECAMATAN]
        return t(
            locale,
            f"group.registered_{group.role}",
            region=escape(region.path if region else group.region_code),
            level=t(locale, f"group.level_{level}"),
        )

    # ---- routing ------------------------------------------------------------------------------

    async def route(self, region_code: str, *, above: str | None = None, online: bool = False) -> Route:
        """The active supervisor groups of the kecamatan, else of its kabupaten/kota, else of its province,
        else the admin chat. With `above`, start one level above that region (escalation). A case of online
        content (`online`) goes to the cyber groups of its region and above too, or only to them
        (CYBER_ROUTING=instead) when there are any."""
        route = await self._supervisors_route(region_code, above=above)
        if not online or above is not None:
            return route
        cyber = await self.cyber_groups(region_code)
        if not cyber:
            return route
        if self.cyber_routing is CyberRouting.INSTEAD:
            return Route(route.level, route.region, cyber)
        return Route(route.level, route.region, route.chat_ids + tuple(c for c in cyber if c not in route.chat_ids))

    async def cyber_groups(self, region_code: str) -> tuple[int, ...]:
        """The active cyber groups of the region and of every region above it, the nearest first."""
        chats: list[int] = []
        for region in reversed(self.regions.ancestors(region_code)):
            chats += [g.chat_id for g in await self.repo.active_groups(region.code, CYBER) if g.chat_id not in chats]
        return tuple(chats)

    async def _supervisors_route(self, region_code: str, *, above: str | None) -> Route:
        """The supervisors' groups nearest the region (see `route`), else the admin chat."""
        levels = [r.code for r in reversed(self.regions.ancestors(region_code))]  # kecamatan first
        if above is not None:
            levels = levels[levels.index(above) + 1 :] if above in levels else []
        for code in levels:
            groups = await self.repo.active_groups(code, SUPERVISORS)
            if groups:
                region = self.regions.get(code)
                return Route(_ROUTE_LEVEL[region.level if region else Level.KECAMATAN], code,
                             tuple(g.chat_id for g in groups))
        if self.admin_chat_id is not None:
            return Route(RouteLevel.ADMIN, None, (self.admin_chat_id,))
        return Route(RouteLevel.NONE, None, ())

    async def gakkumdu_groups(self, region_code: str) -> tuple[int, ...]:
        for region in reversed(self.regions.ancestors(region_code)):
            groups = await self.repo.active_groups(region.code, GAKKUMDU)
            if groups:
                return tuple(g.chat_id for g in groups)
        return ()

    @staticmethod
    def alert_messages(
        report_id: int,
        chat_ids: tuple[int, ...],
        evidence: list[EvidenceRef],
        location: tuple[float, float] | None,
        *,
        kind: str = "alert",
    ) -> list[OutboxMessage]:
        """The outbox items of an alert in each group: the card, the evidence albums, the map pin."""
        visual = [{"type": e.kind, "media": e.telegram_file_id} for e in evidence if e.kind in ("photo", "video")]
        documents = [{"type": "document", "media": e.telegram_file_id} for e in evidence if e.kind == "document"]
        chunks = [visual[i : i + MEDIA_PER_ALBUM] for i in range(0, len(visual), MEDIA_PER_ALBUM)]
        chunks += [documents[i : i + MEDIA_PER_ALBUM] for i in range(0, len(documents), MEDIA_PER_ALBUM)]
        messages = []
        for chat_id in chat_ids:
            key = f"{kind}:{report_id}:{chat_id}"
            messages.append(
                OutboxMessage(f"{key}:card", chat_id, "pantau.card", {"report_id": report_id, "kind": kind},
                              kind="alert", report_id=report_id)
            )
            for index, chunk in enumerate(chunks):
                messages.append(
                    OutboxMessage(f"{key}:evidence:{index}", chat_id, "pantau.evidence",
                                  {"report_id": report_id, "media": chunk}, kind="alert_part", report_id=report_id)
                )
            if location is not None:
                messages.append(
                    OutboxMessage(f"{key}:location", chat_id, "pantau.location",
                                  {"report_id": report_id, "latitude": location[0], "longitude": location[1]},
                                  kind="alert_part", report_id=report_id)
                )
        return messages

    # ---- one case for one piece of online content ---------------------------------------------

    async def joinable(self, normalized_links: Sequence[str]) -> JoinedCase | None:
        """The oldest open case with one of these links (normalised): a new report of the same content joins it,
        and its groups handle one case "reported by N people" instead of N cards. Read before the new report's
        transaction, like its route."""
        case = await self.repo.open_case_sharing(normalized_links)
        if case is None:
            return None
        chats = tuple(dict.fromkeys(chat for chat, _, _ in await self.repo.alerts_of(case.id)))
        if not chats:  # its alert is still on its way: where routing sends it
            chats = (await self.route(case.region_code, online=case.online)).chat_ids
        return JoinedCase(case.id, case.case_code, 1 + len(await self.repo.joined(case.id)),
                          tuple(await self.repo.cards_of(case.id)), chats)

    def join_messages(self, case: JoinedCase, report_id: int, evidence: list[EvidenceRef]) -> list[OutboxMessage]:
        """Report `report_id` joined `case`: each of the case's cards is refreshed (one more reporter), and the new
        report's evidence goes under the case's alert card in each of its groups."""
        messages = [_refresh(case.report_id, card, f"joined-{report_id}") for card in case.cards]
        for message in self.alert_messages(report_id, case.chats, evidence, None, kind="joined"):
            if message.method == "pantau.evidence":  # the card is the case's: the evidence replies to it
                messages.append(replace(message, payload={**message.payload, "card_of": case.report_id}))
        return messages

    async def reroute(self, report_id: int, *, away_from: int) -> Route | None:
        """A group can no longer be posted to: send the report's alert to whoever routing picks now."""
        case = await self.repo.case(report_id)
        if case is None:
            return None
        route = await self.route(case.region_code)
        chats = tuple(c for c in route.chat_ids if c != away_from)
        if not chats and route.region is not None:  # that group was the level's only one: go one level up
            route = await self.route(case.region_code, above=route.region)
            chats = tuple(c for c in route.chat_ids if c != away_from)
        if not chats and self.admin_chat_id is not None and self.admin_chat_id != away_from:
            route = Route(RouteLevel.ADMIN, None, (self.admin_chat_id,))
            chats = route.chat_ids
        if not chats:
            log.error("report %s has no recipient left after %s refused its alert", report_id, away_from)
        evidence = await self.repo.evidence(report_id)
        await self.repo.set_route(
            report_id, route.level, route.region,
            self.alert_messages(report_id, chats, evidence, _location(case), kind="alert"),
        )
        return route

    # ---- cases as supervisors see them --------------------------------------------------------

    async def case(self, report_id: int) -> Case | None:
        return await self.repo.case(report_id)

    async def case_by_code(self, case_code: str) -> Case | None:
        """The case of a normalised case code (see bot/kernel/case_code.py), if there is one. The code of a report
        that joined a case (the same online content) is that case: /kasus, /takedown and ♻️ name the one case."""
        case = await self.repo.case_by_code(case_code)
        if case is not None and case.joined_to is not None:
            return await self.repo.case(case.joined_to)
        return case

    async def possible_duplicates(self, case: Case, chat_id: int) -> list[Case]:
        """The earlier cases this one may be the same as (bot/supervision/duplicates.py), newest first, at most
        HINTS_ON_CARD, among those the chat may view: named on its card, the first offered as ♻️ in one tap."""
        submitted = datetime.fromisoformat(case.submitted_at)
        found = [(r.report_id, r.case_id) for r in await self.repo.earlier_alike(
            case.id, case.region_code, case.category, iso(submitted - SAME_PLACE_WITHIN))]
        mine = await self.repo.photo_hashes(case.id)
        if mine:
            photos = await self.repo.earlier_photos(case.id, kabupaten_of(case.region_code), iso(submitted - PHOTO_WITHIN))
            found += await asyncio.to_thread(matching, mine, [(r.report_id, r.case_id, r.phash) for r in photos])
        excluded = [case.id] + ([case.joined_to] if case.joined_to is not None else [])
        hints: list[Case] = []
        for case_id in newest_cases(found, excluded=excluded):
            other = await self.repo.case(case_id)
            if other is not None and other.status != CaseStatus.REJECTED and await self.may_view(chat_id, other):
                hints.append(other)
                if len(hints) == HINTS_ON_CARD:
                    break
        return hints

    async def duplicate_original(self, chat_id: int, case: Case, *, code: str | None = None,
                                 report_id: int | None = None) -> Case | None:
        """The case that `case` would be marked a duplicate of, named by its code (a reply to the ♻️ prompt) or its
        report id (the card's one-tap ♻️ of a possible duplicate): a case (the code of a report that joined one: that
        case), not this one, that the chat may view. None otherwise."""
        if code is not None:
            original = await self.case_by_code(code)
        elif report_id is not None:
            original = await self.repo.case(report_id)
            if original is not None and original.joined_to is not None:
                original = await self.repo.case(original.joined_to)
        else:
            original = None
        if original is None or original.id == case.id or not await self.may_view(chat_id, original):
            return None
        if report_id is not None and original.status == CaseStatus.REJECTED:
            return None  # a card drawn before the other case was rejected: it is no longer a candidate
        return original

    async def history(self, case: Case) -> list[EventRow]:
        """The case's audit log, oldest first."""
        return await self.repo.events(case.id)

    async def open_cases_for(self, chat_id: int, *, limit: int) -> list[Case]:
        """The open cases a chat sees in its queue, oldest first: those of its region (a Gakkumdu group: only
        those forwarded to Gakkumdu), everywhere for the admin chat. Refused for a chat not registered."""
        group = await self.group_of(chat_id)
        if group is None and chat_id != self.admin_chat_id:
            raise Refusal("cases.not_registered")
        forwarded_only = ForwardTarget.GAKKUMDU if group is not None and group.role == GAKKUMDU else None
        return await self.repo.open_cases(group.region_code if group else None, limit=limit, forwarded_to=forwarded_only,
                                          online_only=group is not None and group.role == CYBER)

    async def has_links(self, case: Case) -> bool:
        """Whether the case is of online content with links to name in a takedown request."""
        return bool(await self.repo.links(case.id))

    async def is_card_of(self, chat_id: int, message_id: int, case: Case) -> bool:
        """Whether that message is a card recorded for the case (a press is only acted on from one)."""
        return await self.repo.card_report(chat_id, message_id) == case.id

    # ---- permissions --------------------------------------------------------------------------

    async def group_of(self, chat_id: int) -> GroupRow | None:
        group = await self.repo.group(chat_id)
        return group if group is not None and group.active else None

    def _covers(self, group: GroupRow, region_code: str) -> bool:
        return region_code == group.region_code or region_code.startswith(group.region_code + ".")

    async def may_act(self, chat_id: int, case: Case) -> bool:
        """Supervisors of the report's region or a region above it (a cyber group: on online content), and the
        admin chat."""
        if self.admin_chat_id is not None and chat_id == self.admin_chat_id:
            return True
        group = await self.group_of(chat_id)
        if group is None or not self._covers(group, case.region_code):
            return False
        return group.role == SUPERVISORS or (group.role == CYBER and case.online)

    async def may_ask(self, chat_id: int, case: Case) -> bool:
        """Who may relay a question to the reporter: whoever may act, and a Gakkumdu group on a case forwarded
        to Gakkumdu in its region (it may need more from the reporter too). Nothing else is open to it."""
        if await self.may_act(chat_id, case):
            return True
        group = await self.group_of(chat_id)
        return (group is not None and group.role == GAKKUMDU and case.forwarded_to == ForwardTarget.GAKKUMDU
                and self._covers(group, case.region_code))

    async def may_view(self, chat_id: int, case: Case) -> bool:
        """Supervisors of the region or above; a Gakkumdu group only what was forwarded to Gakkumdu; a cyber group
        only online content."""
        if self.admin_chat_id is not None and chat_id == self.admin_chat_id:
            return True
        group = await self.group_of(chat_id)
        if group is None or not self._covers(group, case.region_code):
            return False
        if group.role == CYBER:
            return case.online
        return group.role == SUPERVISORS or case.forwarded_to == ForwardTarget.GAKKUMDU

    # ---- triage -------------------------------------------------------------------------------

    async def act(
        self, case: Case, action: CaseAction, actor: Actor, *, detail: str | None = None,
        pressed: tuple[int, int] | None = None,
    ) -> Case | StatusRefusal:
        """Apply a triage action (claim, register, forward, reject, duplicate, done) as `actor`. Every card of
        the case is refreshed through the outbox, except `pressed` (chat, message), which the caller edits.
        A bad choice is a Refusal; CaseChanged if somebody else changed the case first."""
        target = next_status(action, case.status)
        if isinstance(target, StatusRefusal):
            return target
        changes: dict[str, Any] = {}
        note = detail
        if action == CaseAction.CLAIM:
            changes.update(handler_user_id=actor.user_id, handler_name=actor.name)
        elif action == CaseAction.FORWARD:
            if detail not in FORWARD_TARGETS:
                raise Refusal("triage.bad_choice")
            changes["forwarded_to"] = detail
        elif action == CaseAction.REJECT and detail not in REJECT_REASONS:
            raise Refusal("triage.bad_choice")
        elif action == CaseAction.DUPLICATE:
            changes["duplicate_of"] = detail
        # Everybody who reported it is told, each under their own code: the reports that joined the case follow it.
        notices = [await self._reporter_notice(reported, target, action, detail)
                   for reported in [case, *await self.repo.joined(case.id)]]
        notices += [_refresh(case.id, card, action) for card in await self.repo.cards_of(case.id)
                    if (card.chat_id, card.message_id) != pressed]
        if action == CaseAction.FORWARD and detail == ForwardTarget.GAKKUMDU:
            chats = await self.gakkumdu_groups(case.region_code)
            evidence = await self.repo.evidence(case.id)
            notices += self.alert_messages(case.id, chats, evidence, _location(case), kind="gakkumdu")
        try:
            await self.repo.transition(
                case.id, action=action, from_status=case.status, to_status=target, actor_id=actor.user_id,
                actor_name=actor.name, chat_id=actor.chat_id, note=note, changes=changes, notices=notices,
            )
        except TransitionConflict:
            raise CaseChanged() from None
        updated = await self.repo.case(case.id)
        assert updated is not None
        return updated

    async def identity_erased(self, tx: Tx, report_ids: Collection[int]) -> list[OutboxMessage]:
        """The refreshes of every card of these cases, whose reporter's identity was just erased (bot/privacy, in
        its transaction: `tx`), so that the groups read "identity erased" where the card said "identified"."""
        return [_refresh(report_id, card, IDENTITY_ERASED) for report_id, card in await self.repo.cards_in(tx, report_ids)]

    async def _reporter_notice(self, case: Case, status: str, action: CaseAction, detail: str | None) -> OutboxMessage:
        locale = await self.reporter_locale(case.reporter_chat_id)
        lines = [t(locale, "notify.status", code=case.case_code, status=t(locale, f"status.{status}"))]
        if action == CaseAction.REJECT and detail:
            lines.append(t(locale, "notify.reason", reason=t(locale, f"reject.{detail}")))
        if action == CaseAction.FORWARD and detail:
            lines.append(t(locale, "notify.forwarded", target=t(locale, f"forward.{detail}")))
        if action == CaseAction.DUPLICATE and detail:
            lines.append(t(locale, "notify.duplicate", code=detail))
        if action == CaseAction.REGISTER:  # the decision's deadline, counted as the election counts
            received = datetime.fromisoformat(case.submitted_at).astimezone(self.regions.timezone(case.region_code))
            today = utcnow().astimezone(self.regions.timezone(case.region_code)).date()
            lines.append(self.legal.decision(locale, received.date(), today))
        return OutboxMessage(
            f"notify:{case.id}:{action}:{status}", case.reporter_chat_id, "sendMessage", {"text": "\n".join(lines)}
        )

    # ---- questions to the reporter ------------------------------------------------------------

    async def ask(self, case: Case, actor: Actor, question: str, prompt: PendingReply | None) -> int:
        """Relay a supervisor's question to the reporter, without revealing either side."""
        target = next_status(CaseAction.ASK, case.status)
        if isinstance(target, StatusRefusal):
            raise Refusal("triage.cannot_ask")
        locale = await self.reporter_locale(case.reporter_chat_id)
        text = t(locale, "relay.question", code=case.case_code, question=escape(question))
        # The request's id is only known inside the storage transaction, which fills both placeholders.
        notice = OutboxMessage(
            "question:{request_id}", case.reporter_chat_id, "pantau.question",
            {"text": text, "request_id": None, "report_id": case.id}, kind="question", report_id=case.id,
        )
        return await self.repo.ask(case.id, actor.chat_id, actor.user_id, question, prompt, notice, actor.name)

    async def awaited_answer(self, chat_id: int, message_id: int) -> int | None:
        """The question (its request id) a reporter's reply to that message answers, if it is one."""
        prompt = await self.repo.pending_reply(chat_id, message_id)
        if prompt is None or prompt.purpose != PromptPurpose.ANSWER:
            return None
        return prompt.request_id

    async def forget_prompt(self, prompt: PendingReply) -> None:
        """A prompt was answered: later replies to it are no longer taken."""
        await self.repo.forget_prompt(prompt.chat_id, prompt.message_id)

    async def answer(self, request_id: int, answer: str) -> bool:
        """Relay the reporter's answer to the group that asked, threaded under the alert card."""
        request = await self.repo.request(request_id)
        if request is None:
            return False
        case = await self.repo.case(request["report_id"])
        assert case is not None
        card = next((m for c, m, _ in await self.repo.alerts_of(case.id) if c == request["group_chat_id"]), None)
        payload: dict[str, Any] = {
            "text": t(self.group_locale, "relay.answer", code=case.case_code, question=escape(request["question"]),
                      answer=escape(answer))
        }
        if card is not None:
            payload["reply_parameters"] = {"message_id": card, "allow_sending_without_reply": True}
        relay = OutboxMessage(f"answer:{request_id}", request["group_chat_id"], "sendMessage", payload, report_id=case.id)
        return await self.repo.answer(request_id, answer, relay)

    # ---- reminders and escalation -------------------------------------------------------------

    async def remind_and_escalate(self, remind_after: timedelta) -> tuple[int, int]:
        """Re-announce alerts nobody claimed after `remind_after`; after twice that, alert one level up."""
        now = utcnow()
        reminded = escalated = 0
        by_report: dict[int, list[int]] = {}
        flags: dict[int, tuple[str | None, str | None]] = {}
        for report_id, chat_id, kind, reminded_at, escalated_at in await self.repo.unclaimed_alerts(now - remind_after):
            if kind in ("alert", "escalation"):
                by_report.setdefault(report_id, []).append(chat_id)
                flags[report_id] = (reminded_at, escalated_at)
        old = {r for r, *_ in await self.repo.unclaimed_alerts(now - 2 * remind_after)}
        for report_id, chats in by_report.items():
            reminded_at, escalated_at = flags[report_id]
            if reminded_at is None:
                notices = [
                    OutboxMessage(f"remind:{report_id}:{chat_id}", chat_id, "pantau.card",
                                  {"report_id": report_id, "kind": "reminder"}, kind="alert", report_id=report_id,
                                  priority=BULK)
                    for chat_id in chats
                ]
                reminded += await self.repo.mark(report_id, "reminded_at", notices)
            if report_id in old and escalated_at is None:
                escalated += await self._escalate(report_id, chats)
        return reminded, escalated

    async def _escalate(self, report_id: int, current_chats: list[int]) -> bool:
        case = await self.repo.case(report_id)
        if case is None:
            return False
        current = (await self.route(case.region_code)).region
        route = await self.route(case.region_code, above=current) if current else Route(RouteLevel.NONE, None, ())
        chats = tuple(c for c in route.chat_ids if c not in current_chats)
        if not chats and self.admin_chat_id is not None and self.admin_chat_id not in current_chats:
            chats = (self.admin_chat_id,)
        evidence = await self.repo.evidence(report_id)
        messages = self.alert_messages(report_id, chats, evidence, _location(case), kind="escalation")
        return await self.repo.mark(report_id, "escalated_at", messages)


def _refresh(report_id: int, card: CardRef, why: str) -> OutboxMessage:
    """An edit of a posted card to the case as it is when the row is sent; `why` (the action, or IDENTITY_ERASED)
    makes its dedup key."""
    return OutboxMessage(f"refresh:{report_id}:{card.chat_id}:{card.message_id}:{why}", card.chat_id, "pantau.refresh",
                         {"report_id": report_id, "message_id": card.message_id, "kind": card.kind}, kind="refresh",
                         report_id=report_id)


def _location(case: Case) -> tuple[float, float] | None:
    if case.latitude is None or case.longitude is None:
        return None
    return case.latitude, case.longitude
