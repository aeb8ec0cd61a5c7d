"""The /tugas form: a supervisor in a supervisors group composes a task, step by step, then sends it.

Steps: what to do (text, or a photo or document with the text as its caption), an optional attachment, where
(the group's region or a kecamatan or desa under it, by buttons), who (every verified volunteer there, an
organisation type, or one organisation of the group's region), an optional due time (typed in the region's
zone), an optional place (a location), whether a report-back is asked for, then "this goes to N volunteers.
Send?" with N counted then.

The form lives in the database (`task_drafts`, one per group and supervisor), so several supervisors may each
have one open in the same group and a restart loses nothing. Each step's prompt is an outbox row queued in the
transaction that moves the form, keyed by the update that moved it: a re-delivered update queues nothing twice
(and no longer matches the form's step). In a group with privacy mode the bot sees only commands, replies to
its messages and button presses, so typed answers are replies to the step's prompt (`prompt_key`). The form's
buttons carry its token: an older form's buttons change nothing, and 📤 Kirim closes the form in the task's
own transaction, so a double tap sends once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.kernel.callbacks import encode
from bot.kernel.refusal import Refusal
from bot.regions.directory import RegionDirectory
from bot.supervision.service import GroupRole, SupervisionService
from bot.tasks.areas import Area, Areas
from bot.tasks.card_actions import TaskGroupAction
from bot.tasks.due import parse_due, shown
from bot.tasks.group_outbox import TaskGroupKind
from bot.tasks.messages import maps_link, zone_label
from bot.tasks.service import TaskService, TaskTaken
from bot.volunteers.kinds import OrganisationKind
from bot.volunteers.organisations import OrganisationService
from locales import t
from storage.database import Database, Tx, iso, utcnow
from storage.delivery.outbox import REPLY, OutboxMessage, OutboxRepository, enqueue
from storage.supervision.groups import GroupRow
from storage.tasks.drafts import DraftRow, TaskDraftRepository
from storage.tasks.tasks import NewTask, TaskRow

TEXT_MAX = 3000  # characters of a task's text (its message stays under Telegram's 4,096)
PAGE = 16  # areas per page of the picker
ORGANISATIONS_SHOWN = 30
TOKEN_BYTES = 6  # 8 characters of URL-safe base64


class TaskStep(StrEnum):
    WHAT = "what"
    ATTACH = "attach"
    AREA = "area"
    WHO = "who"
    DUE = "due"
    PLACE = "place"
    REPORT_BACK = "report_back"
    CONFIRM = "confirm"


TYPED = (TaskStep.WHAT, TaskStep.ATTACH, TaskStep.DUE, TaskStep.PLACE)  # steps answered by a reply
SKIPPABLE = {"attach": TaskStep.ATTACH, "due": TaskStep.DUE, "place": TaskStep.PLACE}


@dataclass(frozen=True, slots=True)
class Supervisor:
    user_id: int
    first_name: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What a supervisor's reply carried."""

    text: str | None = None
    attachment_kind: str | None = None  # 'photo' | 'document'
    attachment_file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Where:
    """Where an update happened and how to answer it: the group, the update (for dedup keys), the message."""

    chat_id: int
    update_id: int
    message_id: int | None = None  # the supervisor's message (a reply quotes it), or the pressed one


@dataclass(frozen=True, slots=True)
class Pressed:
    """The answer to a press: shown on the button's spinner (`alert`: as a pop-up)."""

    text: str | None = None
    alert: bool = False


class TaskForms:
    def __init__(self, db: Database, drafts: TaskDraftRepository, tasks: TaskService, supervision: SupervisionService,
                 regions: RegionDirectory, areas: Areas, organisations: OrganisationService, outbox: OutboxRepository,
                 locale: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.drafts = drafts
        self.tasks = tasks
        self.supervision = supervision
        self.regions = regions
        self.areas = areas
        self.organisations = organisations
        self.outbox = outbox
        self.locale = locale
        self.clock = clock
        # (group, supervisor) of the open forms, for the reply handler's filter (filters cannot ask the database).
        self.open: set[tuple[int, int]] = set()

    async def load(self) -> None:
        """Know the forms left open before a restart."""
        self.open = set(await self.drafts.open_forms())

    def is_open(self, chat_id: int, user_id: int) -> bool:
        return (chat_id, user_id) in self.open

    # ---- the group ------------------------------------------------------------------------------

    async def group(self, chat_id: int) -> GroupRow:
        """The registered supervisors group tasks are sent from; Refusal otherwise."""
        group = await self.supervision.group_of(chat_id)
        if group is None or group.role != GroupRole.SUPERVISORS:
            raise Refusal("task_form.not_registered")
        return group

    async def open_tasks(self, chat_id: int, limit: int = 10) -> list[TaskRow]:
        return await self.tasks.repo.open_in_group(chat_id, limit)

    async def has_open_form(self, chat_id: int, user_id: int) -> bool:
        draft = await self.drafts.get(chat_id, user_id)
        return draft is not None and draft.status == "open"

    # ---- starting, answering, pressing ----------------------------------------------------------

    async def start(self, where: Where, who: Supervisor, text: str | None,
                    attachment: tuple[str, str] | None = None) -> None:
        """/tugas [text] or ➕ Tugas baru: a new form (replacing the supervisor's earlier one in the group). A photo
        or document captioned /tugas <text> is the task's `attachment` (kind, file id): its step is done."""
        group = await self.group(where.chat_id)
        answers: dict[str, Any] = {}
        step = TaskStep.WHAT
        if text is not None and text.strip():
            answers["text"] = self._task_text(text)
            step = TaskStep.ATTACH
            if attachment is not None:
                answers["attachment_kind"], answers["attachment_file_id"] = attachment
                step = TaskStep.AREA
        token = secrets.token_urlsafe(TOKEN_BYTES)
        draft = DraftRow(where.chat_id, who.user_id, token, step, answers, None, "open", None)
        message = self._prompt(where, who, group, draft, reply_to=where.message_id)
        async with self.db.transaction() as tx:
            await self.drafts.start(tx, where.chat_id, who.user_id, token, step, answers, message.dedup_key)
            await enqueue(tx, message)
        self.open.add((where.chat_id, who.user_id))

    async def awaits(self, chat_id: int, user_id: int, replied_to: int, replied_to_bot: bool) -> DraftRow | None:
        """The supervisor's open form, if a reply to message `replied_to` answers its current prompt."""
        draft = await self.drafts.get(chat_id, user_id)
        if draft is None or draft.status != "open" or draft.prompt_key is None:
            return None
        prompt = await self.outbox.by_key(draft.prompt_key)
        if prompt is None:
            return None
        if prompt.get("telegram_message_id") is not None:
            return draft if prompt["telegram_message_id"] == replied_to else None
        # The prompt is still being sent (its message id is not recorded yet): a quick reply to the bot is to it.
        return draft if replied_to_bot and prompt.get("status") == "pending" else None

    async def answer(self, where: Where, who: Supervisor, draft: DraftRow, answer: Answer) -> None:
        """A reply to the form's prompt: the answer of a typed step, or a refusal saying what the step takes."""
        group = await self.group(where.chat_id)
        answers = dict(draft.answers)
        step = TaskStep(draft.step)
        try:
            if step is TaskStep.WHAT:
                if answer.text is None:
                    raise Refusal("task_form.what_wrong")
                answers["text"] = self._task_text(answer.text)
                if answer.attachment_file_id is not None:
                    answers["attachment_kind"], answers["attachment_file_id"] = (answer.attachment_kind,
                                                                                 answer.attachment_file_id)
            elif step is TaskStep.ATTACH:
                if answer.attachment_file_id is None:
                    raise Refusal("task_form.attach_wrong")
                answers["attachment_kind"], answers["attachment_file_id"] = (answer.attachment_kind,
                                                                             answer.attachment_file_id)
            elif step is TaskStep.DUE:
                if answer.text is None:
                    raise Refusal("task_form.due_format", format="DD-MM-YYYY HH:MM")
                answers["due_at"] = iso(parse_due(answer.text, self._zone(group, answers), self.clock()))
            elif step is TaskStep.PLACE:
                if answer.latitude is None or answer.longitude is None:
                    raise Refusal("task_form.place_wrong")
                answers["latitude"], answers["longitude"] = answer.latitude, answer.longitude
            else:
                raise Refusal("task_form.use_buttons")
        except Refusal as exc:
            await self._say(where, t(self.locale, exc.key, **exc.params))
            return
        await self._advance(where, who, group, draft, self._after(step, answers), answers)

    async def press(self, where: Where, who: Supervisor, action: TaskGroupAction, arg: str) -> Pressed:
        """A button of a form. Only its supervisor's current form moves; anything else is answered."""
        group = await self.group(where.chat_id)
        token, _, choice = arg.partition(":")
        draft = await self.drafts.get(where.chat_id, who.user_id)
        if draft is None or draft.token != token:
            return Pressed(t(self.locale, "task_form.not_yours"), alert=True)
        if draft.status != "open":
            self.open.discard((where.chat_id, who.user_id))
        if draft.status == "sent" and draft.task_id is not None:
            return Pressed(t(self.locale, "task_form.sent_already", id=draft.task_id), alert=True)
        if draft.status != "open":
            return Pressed(t(self.locale, "task_form.closed"), alert=True)
        step = TaskStep(draft.step)
        answers = dict(draft.answers)
        if action is TaskGroupAction.CANCEL:
            async with self.db.transaction() as tx:
                if await self.drafts.close(tx, draft, "cancelled"):
                    await self._edit(tx, where, t(self.locale, "task_form.cancelled"), None)
            self.open.discard((where.chat_id, who.user_id))
            return Pressed(t(self.locale, "task_form.cancelled"))
        if action is TaskGroupAction.AREA_OPEN and step is TaskStep.AREA:
            code, _, page = choice.rpartition(":")
            code = code or group.region_code
            if not Areas.within(code, group.region_code) or self.areas.get(code) is None:
                return Pressed(t(self.locale, "task_form.stale"), alert=True)
            text, markup = self._area_screen(draft, group, who, code, int(page))
            async with self.db.transaction() as tx:
                await self._edit(tx, where, text, markup)
            return Pressed()
        if action is TaskGroupAction.AREA and step is TaskStep.AREA:
            if not Areas.within(choice, group.region_code) or self.areas.get(choice) is None:
                return Pressed(t(self.locale, "task_form.stale"), alert=True)
            answers["area"] = choice
            await self._advance(where, who, group, draft, TaskStep.WHO, answers)
            return Pressed(t(self.locale, "task_form.area_chosen", area=self.areas.path(choice)))
        if action is TaskGroupAction.WHO and step in (TaskStep.WHO, TaskStep.CONFIRM):
            return await self._who(where, who, group, draft, answers, choice)
        if action is TaskGroupAction.SKIP and SKIPPABLE.get(choice) is step:
            await self._advance(where, who, group, draft, self._after(step, answers), answers)
            return Pressed(t(self.locale, "task_form.skipped"))
        if action is TaskGroupAction.REPORT_BACK and step is TaskStep.REPORT_BACK:
            answers["report_back"] = choice == "1"
            await self._advance(where, who, group, draft, TaskStep.CONFIRM, answers)
            return Pressed()
        if action is TaskGroupAction.SEND and step is TaskStep.CONFIRM:
            return await self._send(where, draft, group, answers)
        return Pressed(t(self.locale, "task_form.stale"), alert=True)

    # ---- the steps ------------------------------------------------------------------------------

    @staticmethod
    def _task_text(text: str) -> str:
        clean = text.strip()
        if not clean or len(clean) > TEXT_MAX:
            raise Refusal("task_form.text_length", maximum=TEXT_MAX)
        return clean

    def _zone(self, group: GroupRow, answers: dict[str, Any]) -> ZoneInfo:
        return self.regions.timezone(answers.get("area") or group.region_code)

    @staticmethod
    def _after(step: TaskStep, answers: dict[str, Any]) -> TaskStep:
        """The step after `step` (the form's end goes back to the review)."""
        if step is TaskStep.WHAT:
            return TaskStep.AREA if answers.get("attachment_file_id") else TaskStep.ATTACH
        order = list(TaskStep)
        return order[order.index(step) + 1] if step is not TaskStep.CONFIRM else TaskStep.CONFIRM

    async def _who(self, where: Where, who: Supervisor, group: GroupRow, draft: DraftRow, answers: dict[str, Any],
                   choice: str) -> Pressed:
        if choice in ("menu", "kinds", "orgs"):
            text, markup = await self._who_screen(draft, group, who, choice)
            async with self.db.transaction() as tx:
                await self._edit(tx, where, text, markup)
            return Pressed()
        answers.pop("organisation_kind", None)
        answers.pop("organisation_id", None)
        answers.pop("organisation_name", None)
        if choice.startswith("k."):
            if choice[2:] not in {k.value for k in OrganisationKind}:
                return Pressed(t(self.locale, "task_form.stale"), alert=True)
            answers["organisation_kind"] = choice[2:]
        elif choice.startswith("o."):
            found = [o for o in await self.organisations.in_region(group.region_code) if o.id == int(choice[2:])]
            if not found:
                return Pressed(t(self.locale, "task_form.stale"), alert=True)
            answers["organisation_id"], answers["organisation_name"] = found[0].id, found[0].name
        step = TaskStep(draft.step)
        await self._advance(where, who, group, draft, TaskStep.DUE if step is TaskStep.WHO else TaskStep.CONFIRM,
                            answers)
        return Pressed()

    async def _advance(self, where: Where, who: Supervisor, group: GroupRow, draft: DraftRow, step: TaskStep,
                       answers: dict[str, Any]) -> None:
        """Move the form to `step` and queue that step's prompt, together."""
        moved = DraftRow(draft.group_chat_id, draft.user_id, draft.token, step, answers, None, "open", None)
        count = len(await self.tasks.audience(self._new_task(moved, group, None))) if step is TaskStep.CONFIRM else 0
        message = self._prompt(where, who, group, moved, reply_to=where.message_id if step in TYPED else None,
                               count=count)
        async with self.db.transaction() as tx:
            if await self.drafts.advance(tx, draft, step, answers, message.dedup_key):
                await enqueue(tx, message)

    async def _send(self, where: Where, draft: DraftRow, group: GroupRow, answers: dict[str, Any]) -> Pressed:
        new = self._new_task(draft, group, where.update_id)
        if new.due_at is not None and datetime.fromisoformat(new.due_at) <= self.clock():
            # Typed in the future, past by the time 📤 Kirim is pressed (or after a restart with the form open).
            raise Refusal("task_form.due_passed")

        async def close_form(tx: Tx, task_id: int) -> bool:
            if not await self.drafts.close(tx, draft, "sent", task_id):
                return False
            await self._edit(tx, where, t(self.locale, "task_form.sending", id=task_id), None)
            return True

        try:
            task = await self.tasks.create_and_send(new, within=close_form)
        except TaskTaken:
            again = await self.drafts.get(draft.group_chat_id, draft.user_id)
            return Pressed(t(self.locale, "task_form.sent_already", id=again.task_id if again else "?"), alert=True)
        self.open.discard((where.chat_id, draft.user_id))
        return Pressed(t(self.locale, "task_form.sent", id=task.id, count=task.recipients))

    def _new_task(self, draft: DraftRow, group: GroupRow, update_id: int | None) -> NewTask:
        a = draft.answers
        area = a.get("area") or group.region_code
        return NewTask(
            group_chat_id=draft.group_chat_id, created_by_user_id=draft.user_id, region_code=area,
            text=a.get("text", ""), timezone=self.regions.timezone(area).key,
            organisation_kind=a.get("organisation_kind"), organisation_id=a.get("organisation_id"),
            attachment_kind=a.get("attachment_kind"), attachment_file_id=a.get("attachment_file_id"),
            due_at=a.get("due_at"), latitude=a.get("latitude"), longitude=a.get("longitude"),
            report_back=bool(a.get("report_back")), source_update_id=update_id,
        )

    # ---- what the group sees ----------------------------------------------------------------------

    def _button(self, key: str, action: TaskGroupAction, arg: str, **params: Any) -> dict[str, str]:
        return {"text": t(self.locale, key, **params), "callback_data": encode(action, arg)}

    def _cancel_row(self, draft: DraftRow) -> list[dict[str, str]]:
        return [self._button("task_form.cancel", TaskGroupAction.CANCEL, draft.token)]

    @staticmethod
    def _mention(who: Supervisor) -> str:
        return f'<a href="tg://user?id={who.user_id}">{escape(who.first_name)}</a>'

    def _prompt(self, where: Where, who: Supervisor, group: GroupRow, draft: DraftRow, *, reply_to: int | None,
                count: int = 0) -> OutboxMessage:
        """The message that asks for the form's current step."""
        step, token, name = TaskStep(draft.step), draft.token, self._mention(who)
        markup: dict[str, Any]
        if step is TaskStep.WHAT:
            text = t(self.locale, "task_form.what", name=name, maximum=TEXT_MAX)
            markup = {"force_reply": True, "selective": True,
                      "input_field_placeholder": t(self.locale, "task_form.what_placeholder")}
        elif step is TaskStep.ATTACH:
            text = t(self.locale, "task_form.attach", name=name)
            markup = {"inline_keyboard": [[self._button("task_form.skip", TaskGroupAction.SKIP, f"{token}:attach")],
                                          self._cancel_row(draft)]}
        elif step is TaskStep.AREA:
            text, markup = self._area_screen(draft, group, who, group.region_code, 0)
        elif step is TaskStep.WHO:
            text, markup = self._who_menu(draft, who)
        elif step is TaskStep.DUE:
            zone = self._zone(group, draft.answers)
            example = f"{(self.clock().astimezone(zone)):%d-%m-%Y} 19:00"
            label = zone_label(zone.key)
            text = t(self.locale, "task_form.due", name=name, zone=label, example=example)
            markup = {"inline_keyboard": [[self._button("task_form.skip", TaskGroupAction.SKIP, f"{token}:due")],
                                          self._cancel_row(draft)]}
        elif step is TaskStep.PLACE:
            text = t(self.locale, "task_form.place", name=name)
            markup = {"inline_keyboard": [[self._button("task_form.skip", TaskGroupAction.SKIP, f"{token}:place")],
                                          self._cancel_row(draft)]}
        elif step is TaskStep.REPORT_BACK:
            text = t(self.locale, "task_form.report_back", name=name)
            markup = {"inline_keyboard": [
                [self._button("task_form.report_back_yes", TaskGroupAction.REPORT_BACK, f"{token}:1"),
                 self._button("task_form.report_back_no", TaskGroupAction.REPORT_BACK, f"{token}:0")],
                self._cancel_row(draft)]}
        else:
            text = self._summary(draft, group) + "\n\n" + (
                t(self.locale, "task_form.confirm", count=count) if count else t(self.locale, "task_form.nobody"))
            first = ([self._button("task_form.send", TaskGroupAction.SEND, token)] if count else [])
            markup = {"inline_keyboard": [
                [*first, self._button("task_form.change_who", TaskGroupAction.WHO, f"{token}:menu")],
                self._cancel_row(draft)]}
        payload: dict[str, Any] = {"text": text, "parse_mode": "HTML", "reply_markup": markup}
        if reply_to is not None:
            payload["reply_to"] = reply_to
        return OutboxMessage(f"taskform:{where.chat_id}:{where.update_id}", where.chat_id, "sendMessage", payload,
                             kind=TaskGroupKind.FORM, priority=REPLY)

    def _area_screen(self, draft: DraftRow, group: GroupRow, who: Supervisor, code: str,
                     page: int) -> tuple[str, dict[str, Any]]:
        area = self.areas.get(code) or Area(code, code)
        children = self.areas.children(code)
        villages = code.count(".") == 2  # under a kecamatan: its desa/kelurahan, chosen directly
        pages = max(1, -(-len(children) // PAGE))
        page = min(max(page, 0), pages - 1)
        token = draft.token
        rows: list[list[dict[str, str]]] = [
            [self._button("task_form.area_all", TaskGroupAction.AREA, f"{token}:{code}", area=area.name)]]
        shown_now = children[page * PAGE : (page + 1) * PAGE]
        buttons = [
            {"text": child.name, "callback_data": encode(TaskGroupAction.AREA, f"{token}:{child.code}")} if villages
            else {"text": f"{child.name} ›", "callback_data": encode(TaskGroupAction.AREA_OPEN, f"{token}:{child.code}:0")}
            for child in shown_now
        ]
        rows.extend(buttons[i : i + 2] for i in range(0, len(buttons), 2))
        nav = []
        if page > 0:
            nav.append({"text": "◀", "callback_data": encode(TaskGroupAction.AREA_OPEN, f"{token}:{code}:{page - 1}")})
        if page + 1 < pages:
            nav.append({"text": "▶", "callback_data": encode(TaskGroupAction.AREA_OPEN, f"{token}:{code}:{page + 1}")})
        if nav:
            rows.append(nav)
        if code != group.region_code:
            parent = code.rpartition(".")[0]
            rows.append([self._button("task_form.back", TaskGroupAction.AREA_OPEN, f"{token}:{parent}:0")])
        rows.append(self._cancel_row(draft))
        text = t(self.locale, "task_form.area", name=self._mention(who), area=escape(self.areas.path(code)))
        return text, {"inline_keyboard": rows}

    def _who_menu(self, draft: DraftRow, who: Supervisor) -> tuple[str, dict[str, Any]]:
        token = draft.token
        rows = [
            [self._button("task_form.who_all", TaskGroupAction.WHO, f"{token}:all")],
            [self._button("task_form.who_kinds", TaskGroupAction.WHO, f"{token}:kinds")],
            [self._button("task_form.who_orgs", TaskGroupAction.WHO, f"{token}:orgs")],
            self._cancel_row(draft),
        ]
        return t(self.locale, "task_form.who", name=self._mention(who)), {"inline_keyboard": rows}

    async def _who_screen(self, draft: DraftRow, group: GroupRow, who: Supervisor,
                          choice: str) -> tuple[str, dict[str, Any]]:
        token = draft.token
        if choice == "menu":
            return self._who_menu(draft, who)
        back = [self._button("task_form.back", TaskGroupAction.WHO, f"{token}:menu")]
        if choice == "kinds":
            rows = [[{"text": t(self.locale, f"organisations.kind.{kind.value}"),
                      "callback_data": encode(TaskGroupAction.WHO, f"{token}:k.{kind.value}")}]
                    for kind in OrganisationKind]
            return t(self.locale, "task_form.who_kind_pick"), {"inline_keyboard": [*rows, back]}
        organisations = (await self.organisations.in_region(group.region_code))[:ORGANISATIONS_SHOWN]
        rows = [[{"text": o.name[:60], "callback_data": encode(TaskGroupAction.WHO, f"{token}:o.{o.id}")}]
                for o in organisations]
        text = t(self.locale, "task_form.who_org_pick" if organisations else "task_form.who_org_none")
        return text, {"inline_keyboard": [*rows, back]}

    def _summary(self, draft: DraftRow, group: GroupRow) -> str:
        a = draft.answers
        area = a.get("area") or group.region_code
        lines = [t(self.locale, "task_form.summary_title"), escape(a.get("text", "")[:600]), ""]
        if a.get("attachment_kind"):
            lines.append(t(self.locale, f"task_card.attachment_{a['attachment_kind']}"))
        lines.append(t(self.locale, "task_card.where", where=escape(self.areas.path(area))))
        if a.get("organisation_name"):
            audience = escape(a["organisation_name"])
        elif a.get("organisation_kind"):
            audience = t(self.locale, "task_card.who_kind",
                         kind=t(self.locale, f"organisations.kind.{a['organisation_kind']}"))
        else:
            audience = t(self.locale, "task_card.who_all")
        lines.append(t(self.locale, "task_card.who", who=audience))
        if a.get("due_at"):
            zone = self.regions.timezone(area).key
            lines.append(t(self.locale, "task_card.due", due=shown(a["due_at"], zone, zone_label(zone))))
        if a.get("latitude") is not None:
            lines.append(t(self.locale, "task_card.place", link=maps_link(a["latitude"], a["longitude"], self.locale)))
        lines.append(t(self.locale, "task_card.report_back_yes" if a.get("report_back") else "task_card.report_back_no"))
        return "\n".join(lines)

    async def _edit(self, tx: Tx, where: Where, text: str, markup: dict[str, Any] | None) -> None:
        """Inside a transaction: the pressed message shows `text` (and `markup`, or no buttons) instead."""
        if where.message_id is None:
            return
        payload: dict[str, Any] = {"message_id": where.message_id, "text": text, "parse_mode": "HTML",
                                   "reply_markup": markup or {"inline_keyboard": []}}
        await enqueue(tx, OutboxMessage(f"taskform:{where.chat_id}:{where.update_id}:edit", where.chat_id,
                                        "editMessageText", payload, kind=TaskGroupKind.FORM, priority=REPLY))

    async def _say(self, where: Where, text: str) -> None:
        """A short answer to the supervisor's message (what a step takes)."""
        payload: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
        if where.message_id is not None:
            payload["reply_to"] = where.message_id
        await self.outbox.add(OutboxMessage(f"taskform:{where.chat_id}:{where.update_id}:say", where.chat_id,
                                            "sendMessage", payload, kind=TaskGroupKind.FORM, priority=REPLY))
