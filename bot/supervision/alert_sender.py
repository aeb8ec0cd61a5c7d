"""How the outbox delivers what supervision queues: alert cards (rendered when sent, so they show the case
as it is then), evidence albums and map pins threaded under the card, card refreshes, digests, the
questions relayed to reporters, and the prompts groups answer by replying.

A row whose payload has `reply_to` (set by the outbox worker from `reply_to_key`) is sent as a reply to that
message (None: to nothing); without it, evidence and pins find their group's alert card."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.kernel.metadata import PhotoFacts
from bot.legal.rules import LegalRules
from bot.regions.directory import RegionDirectory
from bot.supervision.alert_card import OnlineContent, card_keyboard, card_text, digest_keyboard, digest_text
from bot.supervision.case_status import CaseStatus
from bot.supervision.evidence_copies import EvidenceCopies, GroupCopy
from bot.supervision.service import PromptPurpose, SupervisionService
from bot.supervision.takedown import TakedownCase, takedown_csv
from locales import t
from storage.database import utcnow
from storage.delivery.outbox import OutboxItem
from storage.supervision.cases import CaseRow
from storage.supervision.repository import SupervisionRepository

log = logging.getLogger(__name__)
_MEDIA = {"photo": InputMediaPhoto, "video": InputMediaVideo, "document": InputMediaDocument}


@dataclass(frozen=True, slots=True)
class _Part:
    """One item of an evidence message as it is sent: a file id, or a copy without metadata (a document's, a
    video's)."""

    kind: str
    file_id: str | None
    copy: GroupCopy | None = None  # a copy to upload (its file id is then remembered)

    def media(self, *, in_album: bool) -> str | InputFile:
        if self.copy is None or self.copy.content is None:
            assert self.file_id is not None
            return self.file_id
        return InputFile(self.copy.content, filename=self.copy.file_name, attach=in_album)


class AlertSender:
    def __init__(
        self,
        supervision: SupervisionService,
        regions: RegionDirectory,
        bot: Bot,
        locale: str,
        *,
        rules: LegalRules | None = None,
        copies: EvidenceCopies | None = None,
        locate: Callable[[float, float], str | None] | None = None,
    ) -> None:
        self.rules = rules or LegalRules()  # the deployment's election: the card's deadlines
        self.supervision = supervision
        self.repo: SupervisionRepository = supervision.repo
        self.regions = regions
        self.bot = bot
        self.locale = locale
        self.copies = copies or EvidenceCopies(None)  # documents reach groups only as copies without metadata
        self.locate = locate  # GPS -> kecamatan, for where a photo's EXIF says it was taken

    def methods(self) -> dict[str, Any]:
        return {
            "pantau.card": self.card,
            "pantau.evidence": self.evidence,
            "pantau.location": self.location,
            "pantau.refresh": self.refresh,
            "pantau.question": self.question,
            "pantau.prompt": self.prompt,
            "pantau.takedown": self.takedown,
        }

    @staticmethod
    def cost(item: OutboxItem) -> int:
        """Messages an item puts into its chat (an album counts each of its items)."""
        if item.method == "pantau.evidence":
            return len(item.payload.get("media", [])) or 1
        if item.method == "pantau.refresh":
            return 0
        return 1

    async def render(self, case: CaseRow, chat_id: int, kind: str) -> tuple[str, InlineKeyboardMarkup | None]:
        evidence = await self.repo.evidence_count(case.id)  # a file over 20 MB was never received
        photos = [PhotoFacts(f.exif_taken_at, f.exif_latitude, f.exif_longitude)
                  for f in await self.repo.evidence_files(case.id)]
        online = OnlineContent(await self.repo.links(case.id), *await self.repo.same_content(case.id),
                               joined=[j.case_code for j in await self.repo.joined(case.id)], account=case.online_account)
        alike = await self.supervision.possible_duplicates(case, chat_id)  # only cases this chat may view
        text = card_text(case, self.regions, self.locale, kind=kind, evidence_count=evidence, photos=photos,
                         locate=self.locate, rules=self.rules, online=online,
                         possible_duplicates=[other.case_code for other in alike])
        if kind != "gakkumdu" and await self.supervision.may_act(chat_id, case):
            return text, card_keyboard(case, self.locale, can_act=True, possible_duplicate=alike[0] if alike else None)
        can_ask = await self.supervision.may_ask(chat_id, case)  # a Gakkumdu group: only ❓ Minta info
        return text, card_keyboard(case, self.locale, can_act=can_ask, only=("ask",))

    async def send_card(
        self, case: CaseRow, chat_id: int, kind: str, *, reply_to: int | None = None, alert: bool = False
    ) -> Message:
        """Post a case's card in a chat and remember it, so that presses on its buttons can be checked.
        `alert`: this is the group's alert of the case (not a card shown on request)."""
        text, markup = await self.render(case, chat_id, kind)
        message = await self.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, reply_parameters=_reply(reply_to)
        )
        await self.repo.record_card(case.id, chat_id, message.message_id, kind, alert=alert)
        return message

    async def card(self, item: OutboxItem) -> int | None:
        """An alert, reminder, escalation or Gakkumdu card, or a card shown on request (kind "view": /kasus,
        a digest's 📂 button)."""
        case = await self.repo.case(item.payload["report_id"])
        if case is None:
            return None
        kind = str(item.payload.get("kind", "alert"))
        if kind == "reminder" and case.status != CaseStatus.RECEIVED:
            return None  # claimed meanwhile: nothing to remind of
        card = await self.send_card(case, item.chat_id, kind, reply_to=item.payload.get("reply_to"),
                                    alert=kind not in ("reminder", "view"))
        return card.message_id

    async def _card_message(self, report_id: int, chat_id: int) -> int | bool | None:
        """The message id of the group's alert card; False if the alert went out as a digest line (its
        evidence and pin are then shown only when the case is opened)."""
        for chat, message_id, _ in await self.repo.alerts_of(report_id):
            if chat == chat_id:
                return message_id if message_id is not None else False
        return None

    async def evidence(self, item: OutboxItem) -> int | None:
        if "reply_to" in item.payload:
            return await self._evidence(item, item.payload["reply_to"])
        # A report that joined a case (the same online content) has no card: its evidence replies to the case's.
        card = await self._card_message(item.payload.get("card_of", item.payload["report_id"]), item.chat_id)
        if card is False:
            return None
        return await self._evidence(item, card or None)

    async def _evidence(self, item: OutboxItem, card_message_id: int | None) -> int | None:
        """An album (or a single file) of a report's evidence. Documents, and videos that carry metadata, go as
        copies without it; those no copy can be made of are kept from the group, which is told how many. One case's
        files go to one group at a time (chats are sent to in parallel), so a copy is uploaded once."""
        async with self.copies.one_at_a_time(item.payload["report_id"]):
            return await self._send_evidence(item, card_message_id)

    async def _send_evidence(self, item: OutboxItem, card_message_id: int | None) -> int | None:
        media: list[dict[str, str]] = item.payload["media"]
        reply = _reply(card_message_id)
        parts, kept, unavailable = await self._parts(item.payload["report_id"], media)
        notes = [t(self.locale, "card.exif.kept", count=kept)] if kept else []
        notes += [t(self.locale, "card.exif.unavailable", count=unavailable)] if unavailable else []
        note = "\n".join(notes) or None
        if not parts:
            assert note is not None
            message = await self.bot.send_message(item.chat_id, note, parse_mode=ParseMode.HTML, reply_parameters=reply)
            return message.message_id
        caption: dict[str, Any] = {"caption": note, "parse_mode": ParseMode.HTML} if note else {}
        if len(parts) == 1:
            part = parts[0]
            file = part.media(in_album=False)
            if part.kind == "photo":
                message = await self.bot.send_photo(item.chat_id, file, reply_parameters=reply, **caption)
            elif part.kind == "video":
                message = await self.bot.send_video(item.chat_id, file, reply_parameters=reply, **caption)
            else:
                message = await self.bot.send_document(item.chat_id, file, reply_parameters=reply, **caption)
            self._remember(part, message)
            return message.message_id
        inputs: list[Any] = [_MEDIA[p.kind](p.media(in_album=True)) for p in parts]
        if caption:
            inputs[-1] = _MEDIA[parts[-1].kind](parts[-1].media(in_album=True), **caption)
        messages = await self.bot.send_media_group(item.chat_id, inputs, reply_parameters=reply)
        for part, message in zip(parts, messages, strict=False):
            self._remember(part, message)
        return messages[0].message_id if messages else None

    async def _parts(self, report_id: int, media: list[dict[str, str]]) -> tuple[list[_Part], int, int]:
        """What is sent of the items of an evidence row (photos by file id; videos by file id or, when they carry
        metadata, as copies; documents as copies), and how many documents and videos are not: kept for the operator
        (no copy without metadata can be made of them), and documents never stored (too big for the bot to
        download, or the download failed)."""
        if all(m["type"] == "photo" for m in media):
            return [_Part(m["type"], m["media"]) for m in media], 0, 0
        files = await self.repo.evidence_files(report_id)
        case = await self.repo.case(report_id)
        numbered = {f.telegram_file_id: (n, f) for n, f in enumerate(files, start=1)}
        parts, kept, unavailable = [], 0, 0
        for m in media:
            if m["type"] == "photo":
                parts.append(_Part("photo", m["media"]))
                continue
            found = numbered.get(m["media"])
            copy = None
            if found is not None and case is not None:
                name = f"{case.case_code}-{found[0]}"
                copy = await (self.copies.video if m["type"] == "video" else self.copies.copy)(found[1], name)
            if copy is not None:
                parts.append(_Part(copy.kind, copy.file_id, copy))
            elif found is not None and found[1].stored != "stored":
                unavailable += 1
            else:
                kept += 1
        return parts, kept, unavailable

    def _remember(self, part: _Part, message: Message) -> None:
        if part.copy is None or part.copy.content is None:
            return
        sent = message.video if part.copy.kind == "video" else message.document
        if sent is not None:
            self.copies.uploaded(part.copy, sent.file_id)

    async def location(self, item: OutboxItem) -> int | None:
        if "reply_to" in item.payload:
            return await self._location(item, item.payload["reply_to"])
        # A report that joined a case (the same online content) has no card: its evidence replies to the case's.
        card = await self._card_message(item.payload.get("card_of", item.payload["report_id"]), item.chat_id)
        if card is False:
            return None
        return await self._location(item, card or None)

    async def _location(self, item: OutboxItem, card_message_id: int | None) -> int | None:
        reply = _reply(card_message_id)
        message = await self.bot.send_location(
            item.chat_id, item.payload["latitude"], item.payload["longitude"], reply_parameters=reply
        )
        return message.message_id

    async def refresh(self, item: OutboxItem) -> int | None:
        """Show a case's new status on a card posted earlier. If the group became a supergroup meanwhile, the
        card is posted again there: message ids of the old group do not carry over to the new chat."""
        case = await self.repo.case(item.payload["report_id"])
        message_id = item.payload["message_id"]
        if case is None:
            return None
        kind = str(item.payload.get("kind", "alert"))
        if item.payload.get("migrated_from") is not None:
            return (await self.send_card(case, item.chat_id, kind, alert=False)).message_id
        text, markup = await self.render(case, item.chat_id, kind)
        try:
            await self.bot.edit_message_text(
                text, chat_id=item.chat_id, message_id=message_id, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower() and "not found" not in exc.message.lower():
                raise
        return message_id

    async def question(self, item: OutboxItem) -> int | None:
        """A supervisor's question, to the reporter, as a message they answer by replying to it."""
        locale = await self.supervision.reporter_locale(item.chat_id)
        message = await self.bot.send_message(
            item.chat_id,
            item.payload["text"],
            parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(input_field_placeholder=t(locale, "relay.placeholder")),
        )
        await self.repo.expect_reply(
            item.chat_id, message.message_id, PromptPurpose.ANSWER, item.payload["report_id"],
            request_id=item.payload["request_id"],
        )
        return message.message_id

    async def takedown(self, item: OutboxItem) -> int | None:
        """A takedown request for the chosen cases of online content, as a CSV document (bot/supervision/takedown.py),
        made from the database when it is sent."""
        locale = self.locale
        cases: list[TakedownCase] = []
        for report_id in item.payload["report_ids"]:
            case = await self.repo.case(int(report_id))
            if case is None:
                continue
            links, origin, hashes = await self.repo.takedown_facts(case.id)
            region = self.regions.get(case.region_code)
            accounts = [a for a in dict.fromkeys(r.online_account for r in [case, *await self.repo.joined(case.id)]) if a]
            cases.append(TakedownCase(
                case.case_code, t(locale, f"category.{case.category}.name"), region.path if region else case.region_code,
                t(locale, f"status.{case.status}"), case.submitted_at, case.timezone,
                [(original, normalized, t(locale, f"platform.{platform}")) for original, normalized, platform in links],
                origin, hashes, accounts=accounts, incident_local=case.incident_local,
            ))
        if not cases:
            return None
        day = utcnow().strftime("%Y-%m-%d")
        message = await self.bot.send_document(
            item.chat_id, InputFile(takedown_csv(cases), filename=t(locale, "takedown.filename", date=day)),
            caption=t(locale, "takedown.caption", count=len(cases)),
            reply_parameters=_reply(item.payload.get("reply_to")),
        )
        return message.message_id

    async def prompt(self, item: OutboxItem) -> int | None:
        """A prompt in a group that the supervisor who pressed answers by replying (a question for the
        reporter, a duplicate's original code), recorded so that the reply can be matched to it."""
        payload = item.payload
        message = await self.bot.send_message(
            item.chat_id,
            payload["text"],
            parse_mode=ParseMode.HTML,
            # With selective=True, Telegram opens the reply box for the user mentioned in the text.
            reply_markup=ForceReply(selective=True, input_field_placeholder=payload.get("placeholder")),
            reply_parameters=_reply(payload.get("reply_to")),
        )
        await self.repo.expect_reply(
            item.chat_id, message.message_id, payload["purpose"], payload["report_id"], user_id=payload.get("user_id")
        )
        return message.message_id

    async def digest(self, chat_id: int, report_ids: list[int]) -> int | None:
        """Several waiting alerts as one message with a button to open each."""
        cases = [case for rid in report_ids if (case := await self.repo.case(rid)) is not None]
        if not cases:
            return None
        message = await self.bot.send_message(
            chat_id,
            digest_text(cases, self.regions, self.locale),
            parse_mode=ParseMode.HTML,
            reply_markup=digest_keyboard(cases, self.locale),
        )
        await self.repo.record_digest([case.id for case in cases], chat_id)
        return message.message_id


def _reply(message_id: int | None) -> ReplyParameters | None:
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None
