"""A volunteer's side of a task, without Telegram: their answer (✅ / ❌), their accepted tasks, and their
report-backs (text, photos, a location) threaded under the task's card in its group.

Rules:
- Only the volunteer a task was queued for may answer it (an assignment row for that user), and only while
  they are verified. A stopped (or closed) task takes no new answer. The same answer twice changes nothing.
- An accepted task stays accepted. A declined one may still be accepted until the task stops or its due time
  has passed.
- A volunteer has at most one report-back in progress; it may be started for any task they accepted, also
  one that was stopped since (the work may have been done). Its submission, the assignment marked as
  reported and the messages to the group and to the volunteer are one transaction, once.
- The group never sees the volunteer's name or phone: the organisation (or "individual") and the volunteer's
  reference, REL-0042, as on their verification card.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.kernel.refusal import Refusal
from bot.regions.directory import RegionDirectory
from bot.reporting.evidence_store import TELEGRAM_DOWNLOAD_LIMIT, EvidenceStore
from bot.tasks.ports import ReportSeed, ReportStarter, SeedFile, VolunteerRoster
from bot.tasks.report_back import confirmation_message, group_messages
from bot.volunteers.status import VolunteerStatus
from storage.database import utcnow
from storage.tasks.answers import AcceptedTask, AssignmentRow, TaskAnswerRepository, TaskEvidenceRow, TaskReportRow
from storage.tasks.tasks import TaskRepository, TaskRow

REPORT_BACK_CONVERSATION = "task_report"  # the report-back conversation's name (its state: an open report-back)
COLLECTING = "collecting"  # its one state
MAX_TEXT = 3000  # characters of a report-back's text (the group's message, with its header, stays under 4,096)
MAX_FILES = 30  # files of one report-back
SENDING = "sending"  # the task status that takes answers (tasks.status; 'stopped' and 'closed' do not)

Locate = Callable[[float, float], str | None]  # the kecamatan a point lies in (bot/regions/geo.py Boundaries.locate)


# A volunteer in one of these statuses can never send their report-back: it is closed at their next message.
GONE = (VolunteerStatus.LEFT, VolunteerStatus.SUSPENDED, VolunteerStatus.REJECTED)

class AssignmentStatus(StrEnum):
    """task_assignments.status."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Answered:
    task: TaskRow
    status: AssignmentStatus
    changed: bool  # False: the same answer again (a double tap, a redelivered press)


@dataclass(frozen=True, slots=True)
class ReportBack:
    """A report-back and what it holds so far."""

    report: TaskReportRow
    task: TaskRow
    photos: int
    other_files: int  # videos and documents: stored, counted in the group, never forwarded there
    oversized: int  # over the 20 MB the Bot API lets a bot download: recorded, not stored

    @property
    def has_text(self) -> bool:
        return bool(self.report.text)

    @property
    def has_location(self) -> bool:
        return self.report.latitude is not None

    @property
    def empty(self) -> bool:
        return not (self.has_text or self.has_location or self.photos or self.other_files)


@dataclass(frozen=True, slots=True)
class Submitted:
    report: TaskReportRow
    task: TaskRow
    created: bool  # False: submitted before (a double tap, a redelivered press)


def _past(moment: str | None) -> bool:
    return moment is not None and datetime.fromisoformat(moment) <= utcnow()


class TaskAnswerService:
    def __init__(self, repo: TaskAnswerRepository, tasks: TaskRepository, roster: VolunteerRoster,
                 regions: RegionDirectory, files: EvidenceStore, *, group_locale: str,
                 locate: Locate | None = None, starter: ReportStarter | None = None,
                 on_change: Callable[[int], Awaitable[None]] | None = None) -> None:
        self.repo = repo
        self.tasks = tasks
        self.roster = roster
        self.regions = regions
        self.files = files
        self.group_locale = group_locale
        self.locate = locate
        self.starter = starter  # None: a report-back cannot become a report (unit tests of tasks alone)
        self.on_change = on_change  # told the task's id after an answer or a report-back (the card's counts)

    # ---- who may ------------------------------------------------------------------------------

    async def _own(self, task_id: int, user_id: int) -> tuple[TaskRow, AssignmentRow]:
        """The task and the volunteer's assignment: refused for anybody it was not queued for, and for a
        volunteer no longer verified."""
        task = await self.tasks.get(task_id)
        assignment = await self.repo.assignment(task_id, user_id) if task is not None else None
        if task is None or assignment is None:
            raise Refusal("task_reply.not_yours")
        volunteer = await self.roster.get(user_id)
        if volunteer is None or volunteer.status != VolunteerStatus.VERIFIED:
            raise Refusal("task_reply.not_verified")
        return task, assignment

    async def _changed(self, task_id: int) -> None:
        if self.on_change is not None:
            await self.on_change(task_id)

    # ---- ✅ / ❌ -------------------------------------------------------------------------------

    async def respond(self, task_id: int, user_id: int, *, accept: bool) -> Answered:
        """The volunteer's answer to a task, stored once."""
        task, assignment = await self._own(task_id, user_id)
        target = AssignmentStatus.ACCEPTED if accept else AssignmentStatus.DECLINED
        if assignment.status == target:
            return Answered(task, target, False)
        if task.status != SENDING:
            raise Refusal("task_reply.stopped", id=task.id)
        if assignment.status == AssignmentStatus.ACCEPTED:
            raise Refusal("task_reply.already_accepted", id=task.id)
        if accept and _past(task.due_at):
            raise Refusal("task_reply.past_due", id=task.id)
        if not await self.repo.set_answer(task_id, user_id, target, expected=assignment.status):
            now = await self.repo.assignment(task_id, user_id)  # answered meanwhile (another device)
            status = AssignmentStatus(now.status) if now is not None else target
            return Answered(task, status, False)
        await self._changed(task_id)
        return Answered(task, target, True)

    async def accepted(self, user_id: int, limit: int = 10) -> list[AcceptedTask]:
        """/tugassaya: the tasks the volunteer accepted, newest first."""
        return await self.repo.accepted(user_id, limit)

    def local_time(self, task: TaskRow, moment: str) -> datetime:
        """A stored UTC time, in the zone of the task's region."""
        return datetime.fromisoformat(moment).astimezone(self.regions.timezone(task.region_code))

    # ---- report-backs -------------------------------------------------------------------------

    async def conversation_states(self) -> dict[tuple[int, int], str]:
        """The report-back conversation's state per (chat id, user id): an open report-back is being collected.
        It is stored once, in task_reports; python-telegram-bot's persistence loads it from here."""
        return dict.fromkeys(await self.repo.open_states(), COLLECTING)

    async def begin(self, task_id: int, user_id: int) -> ReportBack:
        """📝 Lapor hasil: the report-back in progress on this task, or a new one (replacing one on another
        task). Only for a task the volunteer accepted."""
        task, assignment = await self._own(task_id, user_id)
        if assignment.status != AssignmentStatus.ACCEPTED:
            raise Refusal("report_back.not_accepted", id=task.id)
        current = await self.repo.open_report(user_id)
        if current is None or current.task_id != task_id:
            current = await self.repo.start_report(task_id, user_id)
        return await self._state(current, task)

    async def current(self, user_id: int) -> ReportBack | None:
        """The volunteer's report-back in progress, if any."""
        report = await self.repo.open_report(user_id)
        if report is None:
            return None
        task = await self.tasks.get(report.task_id)
        assert task is not None
        return await self._state(report, task)

    async def _state(self, report: TaskReportRow, task: TaskRow) -> ReportBack:
        evidence = await self.repo.evidence(report.id)
        photos = sum(1 for e in evidence if e.kind == "photo")
        oversized = sum(1 for e in evidence if e.stored == "too_big")
        return ReportBack(report, task, photos, len(evidence) - photos, oversized)

    async def _open(self, user_id: int) -> ReportBack:
        """The report-back in progress, unless its volunteer left, was suspended or rejected since
        (`report_back.volunteer_gone`: it can no longer be sent). One registering again (pending) keeps it, and
        sends it once verified again."""
        back = await self.current(user_id)
        if back is None:
            raise Refusal("report_back.not_active")
        volunteer = await self.roster.get(user_id)
        if volunteer is None or volunteer.status in GONE:
            raise Refusal("report_back.volunteer_gone")
        return back

    async def add_text(self, user_id: int, text: str) -> ReportBack:
        """A text message: added to the report-back's text as a paragraph. The same paragraph again (Telegram
        delivering an update twice) is not added twice."""
        back = await self._open(user_id)
        paragraph = "\n".join(line.strip() for line in text.strip().splitlines()).strip()
        if not paragraph:
            raise Refusal("report_back.expected_input")
        paragraphs = back.report.text.split("\n\n") if back.report.text else []
        if paragraph in paragraphs:
            return back
        combined = "\n\n".join([*paragraphs, paragraph])
        if len(combined) > MAX_TEXT:
            raise Refusal("report_back.too_long", maximum=MAX_TEXT, length=len(combined))
        await self.repo.set_text(back.report.id, combined)
        return await self._open(user_id)

    async def set_location(self, user_id: int, latitude: float, longitude: float) -> ReportBack:
        back = await self._open(user_id)
        if not (math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180):
            raise Refusal("report_back.bad_location")
        await self.repo.set_location(back.report.id, latitude, longitude)
        return await self._open(user_id)

    @staticmethod
    def too_big_to_download(size: int | None) -> bool:
        return size is not None and size > TELEGRAM_DOWNLOAD_LIMIT

    async def add_file(self, user_id: int, *, kind: str, file_id: str, unique_id: str, size: int | None,
                       mime_type: str | None, media_group_id: str | None, content: bytes | None,
                       stored: str) -> tuple[ReportBack, bool]:
        """A photo, video or document, its bytes content-addressed like a report's evidence. (state, added):
        not added if the same file was recorded already (a re-delivered update)."""
        back = await self._open(user_id)
        if back.photos + back.other_files >= MAX_FILES:
            raise Refusal("report_back.too_many", maximum=MAX_FILES)
        sha256 = None
        if content is not None:
            saved = await self.files.put(content)
            sha256, size, stored = saved.sha256, saved.size, "stored"
        row = TaskEvidenceRow(kind, file_id, unique_id, stored, sha256, size, mime_type, media_group_id)
        added = await self.repo.add_evidence(back.report.id, row)
        return await self._open(user_id), added

    async def cancel(self, user_id: int) -> bool:
        """/batal or ❌ Batal: the report-back in progress is discarded. True if there was one."""
        return await self.repo.cancel(user_id)

    async def submit(self, user_id: int, report_id: int, volunteer_locale: str) -> Submitted:
        """✅ Kirim: the report-back goes to the task's group, threaded under its card, once."""
        report = await self.repo.report(report_id)
        if report is None or report.user_id != user_id:
            raise Refusal("report_back.not_active")
        task, _ = await self._own(report.task_id, user_id)
        if report.status == "submitted":
            return Submitted(report, task, False)
        back = await self._state(report, task)
        if back.empty:
            raise Refusal("report_back.empty")
        evidence = await self.repo.evidence(report.id)
        organisation = await self.repo.organisation_name(user_id)
        ref = await self.repo.volunteer_ref(user_id)
        messages = group_messages(task, report, evidence, ref=ref, organisation=organisation,
                                  locale=self.group_locale)
        messages.append(confirmation_message(task, report, locale=volunteer_locale))
        created = await self.repo.submit(report.id, messages)
        if created:
            await self._changed(task.id)
        submitted = await self.repo.report(report.id)
        assert submitted is not None
        return Submitted(submitted, task, created)

    # ---- a report-back becomes a report -------------------------------------------------------

    async def make_report(self, user_id: int, chat_id: int, update_id: int, report_id: int) -> TaskRow:
        """⚠️ Jadikan laporan: the volunteer's report starts prefilled with the task's place and time and the
        report-back's photos (the report conversation then asks what is still unanswered)."""
        report = await self.repo.report(report_id)
        if report is None or report.user_id != user_id or report.status != "submitted":
            raise Refusal("report_back.not_yours")
        task = await self.tasks.get(report.task_id)
        assert task is not None
        if self.starter is None:
            raise Refusal("report_back.not_yours")
        await self.starter.start_prefilled(user_id, chat_id, update_id, await self._seed(report, task))
        return task

    async def _seed(self, report: TaskReportRow, task: TaskRow) -> ReportSeed:
        """The place: the location the volunteer shared, else the task's; the kecamatan it lies in, else the
        task's region. The time: the task's due time if it has passed, else when the report-back was sent."""
        latitude, longitude = report.latitude, report.longitude
        if latitude is None or longitude is None:
            latitude, longitude = task.latitude, task.longitude
        located = None
        if latitude is not None and longitude is not None and self.locate is not None:
            located = self.locate(latitude, longitude)
        when = task.due_at if _past(task.due_at) else (report.submitted_at or report.created_at)
        assert when is not None
        files = tuple(
            SeedFile(e.kind, e.telegram_file_id, e.telegram_unique_id, e.stored, e.sha256, e.size, e.mime_type,
                     e.media_group_id)
            for e in await self.repo.evidence(report.id)
        )
        return ReportSeed(f"task_report:{report.id}", task.region_code, located, latitude, longitude,
                          datetime.fromisoformat(when), report.text, files)
