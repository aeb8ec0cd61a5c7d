"""Everything stored about one person, read for /datasaya; its erasure for /hapusdata and for the retention; and
the log of both (`personal_data_log`). Every SQL statement of the privacy feature.

Which case keeps what is the rules' (bot/privacy/retention.py): the erasing calls take a `plan` that decides from
the rows read inside their own transaction, so that a case registered or forwarded meanwhile is never erased.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from storage.database import Database, Tx, iso, utcnow
from storage.delivery.outbox import OutboxMessage, enqueue
from storage.volunteers.registration_drafts import RegistrationDraftRepository


class LogAction(StrEnum):
    """`personal_data_log.action`."""

    ACCESS = "access"  # /datasaya: a copy of everything stored was asked for
    ERASE = "erase"  # /hapusdata: identity and contact data erased at the person's request
    RETENTION = "retention"  # an identity erased by housekeeping, past IDENTITY_RETENTION_DAYS
    UNLINK = "unlink"  # the Telegram id taken off closed reports of someone who asked for erasure


# The reporter's own answers and what became of the report; never the supervisors' names (handler, last actor).
_REPORT_COLUMNS = (
    "r.id, r.case_code, r.status, r.submitted_at, r.status_changed_at, r.locale, r.category, r.kind, r.missing,"
    " r.chronology, r.incident_local, r.known_local, r.timezone, r.region_code, r.location_source, r.latitude,"
    " r.longitude, r.place_description, r.reported_party, r.witnesses, r.anonymous, r.reporter_standing, r.tsm,"
    " r.forwarded_to, r.duplicate_of, r.online, r.online_account, r.forwarded_from,"
    " (SELECT p.case_code FROM reports p WHERE p.id = r.joined_to) AS joined_case"
)
# A case was in legal process once it was registered as a laporan or forwarded.
_LEGAL = (
    "(r.forwarded_to IS NOT NULL OR EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = r.id"
    " AND e.to_status IN ('registered', 'forwarded')))"
)
_CASE_COLUMNS = (
    "r.id, r.case_code, r.status, r.submitted_at, r.status_changed_at, r.forwarded_to, r.reporter_user_id,"
    f" {_LEGAL} AS legal, EXISTS (SELECT 1 FROM reporter_identities i WHERE i.report_id = r.id) AS has_identity"
)
_EVIDENCE_COLUMNS = (
    "kind, file_name, size, sha256, mime_type, stored, created_at, exif_taken_at, exif_latitude, exif_longitude"
)
# A report-back's files have no file name and no EXIF read (docs/task-answers.md).
_TASK_FILE_COLUMNS = (
    "kind, NULL AS file_name, size, sha256, mime_type, stored, created_at, NULL AS exif_taken_at,"
    " NULL AS exif_latitude, NULL AS exif_longitude"
)
# A supervisors' question about a report, and the reporter's answer as the bot relayed it to the group (the answer
# is kept nowhere else: `report_events` has only its length). Never who asked, nor in which group.
_QUESTIONS = (
    "SELECT q.question, q.asked_at, q.answered_at, json_extract(o.payload, '$.text') AS relayed"
    " FROM info_requests q LEFT JOIN outbox o ON o.dedup_key = 'answer:' || q.id"
    " WHERE q.report_id = ? ORDER BY q.id"
)


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    kind: str
    file_name: str | None
    size: int | None
    sha256: str | None
    mime_type: str | None
    stored: str
    created_at: str
    exif_taken_at: str | None = None  # what the file's EXIF says of when and where it was taken (migration 0014)
    exif_latitude: float | None = None
    exif_longitude: float | None = None


@dataclass(frozen=True, slots=True)
class QuestionData:
    """A question the supervisors relayed to the reporter about one of their reports, and the answer: `relayed` is
    the message that took it to the group (HTML, as sent), None while it is unanswered."""

    question: str
    asked_at: str
    answered_at: str | None
    relayed: str | None


@dataclass(frozen=True, slots=True)
class AccessRow:
    """A read of a report's identity or evidence (`identity_access_log`), as stored: `accessor` may be an
    operator's name and `purpose` their free text, so neither is shown; bot/privacy/access.py makes a kind of them."""

    accessor: str
    purpose: str
    at: str


@dataclass(frozen=True, slots=True)
class ReportData:
    """One of the person's reports: its columns (`fields`, as stored), its identity (None: anonymous, or erased),
    its evidence, the supervisors' questions with the answers, and the reads of its identity and evidence."""

    fields: dict[str, Any]
    identity: dict[str, Any] | None
    evidence: list[EvidenceItem]
    legal: bool
    questions: list[QuestionData] = field(default_factory=list)
    accesses: list[AccessRow] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)  # online content: as given, normalised, platform, title
    flags: int = 0  # supervisors who flagged the report as abusive (never who)

    @property
    def case_code(self) -> str:
        return str(self.fields["case_code"])


@dataclass(frozen=True, slots=True)
class DraftData:
    """The report being written (or the last one's draft, submitted)."""

    status: str
    step: str
    created_at: str
    updated_at: str
    answers: dict[str, Any]
    evidence: list[EvidenceItem]


@dataclass(frozen=True, slots=True)
class VolunteerData:
    """The volunteer registration: its columns, its organisation's name, and its status history (who decided only
    as a kind: self, group, coordinator)."""

    fields: dict[str, Any]
    organisation: str | None
    events: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class TaskAnswerData:
    """A task sent to the volunteer, and what they answered (`task_assignments`). Never who sent it."""

    task_id: int
    task: str  # the task's text, as they received it
    region_code: str
    due_at: str | None
    sent_at: str
    answer: str  # offered (not answered), accepted, declined
    answered_at: str | None
    first_report_back_at: str | None


@dataclass(frozen=True, slots=True)
class ReportBackData:
    """A report-back on a task (`task_reports`): the volunteer's text, GPS position and files."""

    task_id: int
    text: str | None
    latitude: float | None
    longitude: float | None
    status: str  # open (being written) | submitted
    started_at: str
    submitted_at: str | None
    case_code: str | None  # the report it was turned into
    files: list[EvidenceItem]


@dataclass(frozen=True, slots=True)
class VolunteerView:
    """A look at the volunteer's name and phone (`volunteer_identity_log`): only from where (`via`: card,
    coordinator_card) and whether it reached the viewer (`outcome`), never who looked."""

    via: str
    outcome: str | None
    at: str


@dataclass(frozen=True, slots=True)
class PersonalData:
    user_id: int
    languages: dict[str, Any] | None  # the users row: chosen locale, client locale, since
    reports: list[ReportData] = field(default_factory=list)
    draft: DraftData | None = None
    volunteer: VolunteerData | None = None
    volunteer_draft: dict[str, Any] | None = None
    log: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[TaskAnswerData] = field(default_factory=list)
    report_backs: list[ReportBackData] = field(default_factory=list)
    volunteer_views: list[VolunteerView] = field(default_factory=list)
    ban: dict[str, Any] | None = None  # an operator's ban of the person: why, since when, updates refused (never who)
    abuse_log: list[dict[str, Any]] = field(default_factory=list)  # bans, unbans and flags about them (never who)
    voting_day: dict[str, Any] = field(default_factory=dict)  # the TPS they watch, their answers, their results photos

    @property
    def empty(self) -> bool:
        """Nothing but a language (and this log) is stored."""
        return not (self.reports or self.draft or self.volunteer or self.volunteer_draft or self.tasks
                    or self.report_backs or self.volunteer_views or self.ban or self.abuse_log
                    or any(self.voting_day.values()))

    def task_counts(self) -> dict[str, int]:
        """The tasks by answer: offered (not answered), accepted, declined."""
        counts: dict[str, int] = {}
        for task in self.tasks:
            counts[task.answer] = counts.get(task.answer, 0) + 1
        return counts


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A report as the retention rules see it."""

    report_id: int
    case_code: str
    status: str
    submitted_at: str
    status_changed_at: str | None
    forwarded_to: str | None
    reporter_user_id: int
    legal: bool
    has_identity: bool


@dataclass(frozen=True, slots=True)
class ErasurePlan:
    """What an erasure does with the person's reports: the identities to erase, the reports to take off their
    Telegram id. Reports in neither keep everything."""

    identities: Collection[int]
    unlink: Collection[int]


@dataclass(frozen=True, slots=True)
class Erased:
    """What /hapusdata erased."""

    identities: int  # reports whose identity was erased
    unlinked: int  # closed reports taken off the Telegram id
    linked: int  # reports that keep the Telegram id (open ones, and the ones kept)
    draft: bool  # a report being written
    volunteer: bool  # a volunteer registration (or one in progress)
    kept: list[CaseRow]  # the cases whose identity the law keeps

    @property
    def anything(self) -> bool:
        return bool(self.identities or self.unlinked or self.draft or self.volunteer)


# What an erasure of identities queues with it, made inside its transaction from the reports erased: the refreshes
# of their cards in the groups (bot/privacy/ports.py CaseCards).
Refreshes = Callable[[Tx, list[CaseRow]], Awaitable[list[OutboxMessage]]]


def _case(r: sqlite3.Row) -> CaseRow:
    return CaseRow(r["id"], r["case_code"], r["status"], r["submitted_at"], r["status_changed_at"], r["forwarded_to"],
                   r["reporter_user_id"], bool(r["legal"]), bool(r["has_identity"]))


def _evidence(r: sqlite3.Row) -> EvidenceItem:
    return EvidenceItem(r["kind"], r["file_name"], r["size"], r["sha256"], r["mime_type"], r["stored"], r["created_at"],
                        r["exif_taken_at"], r["exif_latitude"], r["exif_longitude"])


def _marks(ids: Collection[int]) -> str:
    return ",".join("?" * len(ids))


class PersonalDataRepository:
    def __init__(self, db: Database, volunteers: RegistrationDraftRepository) -> None:
        self.db = db
        self.volunteers = volunteers  # deletes a volunteer everywhere, as the volunteers' retention does

    # ---- reading ----------------------------------------------------------------------------------------------

    async def collect(self, user_id: int) -> PersonalData:
        """Everything stored about the person (the reader: each query sees every commit made before it)."""
        db = self.db
        user = await db.fetchone("SELECT locale, client_locale, created_at FROM users WHERE user_id = ?", (user_id,))
        reports: list[ReportData] = []
        for r in await db.fetchall(
            f"SELECT {_REPORT_COLUMNS}, {_LEGAL} AS legal FROM reports r WHERE r.reporter_user_id = ?"
            " ORDER BY r.submitted_at, r.id", (user_id,),
        ):
            values = {key: value for key, value in dict(r).items() if key not in ("id", "legal")}
            values["missing"] = json.loads(values["missing"] or "[]")
            values["anonymous"], values["tsm"] = bool(values["anonymous"]), bool(values["tsm"])
            values["online"] = bool(values["online"])
            values["forwarded_from"] = json.loads(values["forwarded_from"]) if values["forwarded_from"] else None
            identity = await db.fetchone(
                "SELECT name, address, phone, phone_source FROM reporter_identities WHERE report_id = ?", (r["id"],))
            evidence = await db.fetchall(
                f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE report_id = ? ORDER BY id", (r["id"],))
            questions = [QuestionData(q["question"], q["asked_at"], q["answered_at"],
                                      q["relayed"] if q["answered_at"] else None)
                         for q in await db.fetchall(_QUESTIONS, (r["id"],))]
            accesses = [AccessRow(a["accessor"], a["purpose"], a["at"]) for a in await db.fetchall(
                "SELECT accessor, purpose, at FROM identity_access_log WHERE report_id = ? ORDER BY id", (r["id"],))]
            links = [dict(link) for link in await db.fetchall(
                "SELECT original, normalized, platform, title FROM report_links WHERE report_id = ? ORDER BY position",
                (r["id"],))]
            flags = await db.fetchone("SELECT COUNT(*) AS n FROM abuse_flags WHERE report_id = ?", (r["id"],))
            reports.append(ReportData(values, dict(identity) if identity else None, [_evidence(e) for e in evidence],
                                      bool(r["legal"]), questions, accesses, links, int(flags["n"]) if flags else 0))
        draft_row = await db.fetchone(
            "SELECT status, step, created_at, updated_at, answers FROM drafts WHERE user_id = ?", (user_id,))
        draft = None
        if draft_row is not None:
            files = await db.fetchall(
                f"SELECT {_EVIDENCE_COLUMNS} FROM draft_evidence WHERE user_id = ? ORDER BY id", (user_id,))
            draft = DraftData(draft_row["status"], draft_row["step"], draft_row["created_at"], draft_row["updated_at"],
                              json.loads(draft_row["answers"]), [_evidence(e) for e in files])
        volunteer_draft_row = await db.fetchone(
            "SELECT step, answers, created_at, updated_at FROM volunteer_drafts WHERE user_id = ?", (user_id,))
        volunteer_draft = None
        if volunteer_draft_row is not None:
            volunteer_draft = dict(volunteer_draft_row)
            volunteer_draft["answers"] = json.loads(volunteer_draft["answers"])
        log = await db.fetchall(
            "SELECT action, detail, at FROM personal_data_log WHERE user_id = ? ORDER BY id", (user_id,))
        views = [VolunteerView(v["via"], v["outcome"], v["at"]) for v in await db.fetchall(
            "SELECT via, outcome, at FROM volunteer_identity_log WHERE volunteer_user_id = ? ORDER BY id", (user_id,))]
        ban = await db.fetchone("SELECT reason, banned_at, refused FROM bans WHERE user_id = ?", (user_id,))
        abuse_log = [dict(row) for row in await db.fetchall(
            "SELECT action, reason, at FROM abuse_log WHERE user_id = ? ORDER BY id", (user_id,))]
        voting_day = {
            "watching": [dict(r) for r in await db.fetchall(
                "SELECT t.desa_code, t.desa_name, t.number, w.role, w.since FROM tps_watchers w JOIN tps t"
                " ON t.id = w.tps_id WHERE w.user_id = ? ORDER BY w.since", (user_id,))],
            "checklist_answers": [dict(r) for r in await db.fetchall(
                "SELECT t.desa_code, t.number, c.checkpoint, c.question, c.answer, c.at FROM tps_checks c JOIN tps t"
                " ON t.id = c.tps_id WHERE c.user_id = ? ORDER BY c.at", (user_id,))],
            "results_photos": [dict(r) for r in await db.fetchall(
                "SELECT t.desa_code, t.number, r.contest, r.sha256, r.conflict, r.received_at FROM tps_results r"
                " JOIN tps t ON t.id = r.tps_id WHERE r.user_id = ? ORDER BY r.id", (user_id,))],
        }
        return PersonalData(user_id, dict(user) if user else None, reports, draft, await self._volunteer(user_id),
                            volunteer_draft, [dict(row) for row in log], await self._tasks(user_id),
                            await self._report_backs(user_id), views, dict(ban) if ban else None, abuse_log,
                            voting_day)

    async def _volunteer(self, user_id: int) -> VolunteerData | None:
        db = self.db
        row = await db.fetchone(
            "SELECT v.full_name, v.phone, v.phone_checked, v.region_code, v.organisation_kind, v.status, v.status_at,"
            " v.coordinator, v.nonpartisan_at, v.consent_at, v.consent_version, v.reachable, v.created_at,"
            " v.updated_at, o.name AS organisation FROM volunteers v LEFT JOIN organisations o ON o.id = v.organisation_id"
            " WHERE v.user_id = ?", (user_id,),
        )
        if row is None:
            return None
        values = {key: value for key, value in dict(row).items() if key != "organisation"}
        for flag in ("phone_checked", "coordinator", "reachable"):
            values[flag] = bool(values[flag])
        events = [
            {"status": e["status"], "by": str(e["actor"]).split(":", 1)[0], "reason": e["reason"], "at": e["at"]}
            for e in await db.fetchall(
                "SELECT status, actor, reason, at FROM volunteer_events WHERE user_id = ? ORDER BY id", (user_id,))
        ]
        return VolunteerData(values, row["organisation"], events)

    async def _tasks(self, user_id: int) -> list[TaskAnswerData]:
        rows = await self.db.fetchall(
            "SELECT a.task_id, t.text, t.region_code, t.due_at, t.created_at, a.status, a.responded_at, a.reported_at"
            " FROM task_assignments a JOIN tasks t ON t.id = a.task_id WHERE a.user_id = ? ORDER BY a.task_id",
            (user_id,),
        )
        return [TaskAnswerData(r["task_id"], r["text"], r["region_code"], r["due_at"], r["created_at"], r["status"],
                               r["responded_at"], r["reported_at"]) for r in rows]

    async def _report_backs(self, user_id: int) -> list[ReportBackData]:
        found = []
        for r in await self.db.fetchall(
            "SELECT b.id, b.task_id, b.text, b.latitude, b.longitude, b.status, b.created_at, b.submitted_at,"
            " p.case_code FROM task_reports b LEFT JOIN reports p ON p.id = b.report_id WHERE b.user_id = ?"
            " ORDER BY b.id", (user_id,),
        ):
            files = await self.db.fetchall(
                f"SELECT {_TASK_FILE_COLUMNS} FROM task_report_evidence WHERE task_report_id = ? ORDER BY id",
                (r["id"],))
            found.append(ReportBackData(r["task_id"], r["text"], r["latitude"], r["longitude"], r["status"],
                                        r["created_at"], r["submitted_at"], r["case_code"], [_evidence(f) for f in files]))
        return found

    async def cases(self, user_id: int) -> list[CaseRow]:
        """The person's reports as the retention rules see them."""
        rows = await self.db.fetchall(
            f"SELECT {_CASE_COLUMNS} FROM reports r WHERE r.reporter_user_id = ? ORDER BY r.submitted_at, r.id",
            (user_id,),
        )
        return [_case(r) for r in rows]

    async def log_of(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT action, detail, at FROM personal_data_log WHERE user_id = ? ORDER BY id", (user_id,))
        return [dict(r) for r in rows]

    # ---- /datasaya ---------------------------------------------------------------------------------------------

    async def request_copy(self, user_id: int, messages: list[OutboxMessage], detail: str) -> bool:
        """Queue the messages that send the person their data, and log the access, in one transaction. False if
        they were queued already (a re-delivered command): nothing is queued or logged twice."""
        async with self.db.transaction() as tx:
            new = [await enqueue(tx, message) for message in messages]
            if not any(new):
                return False
            await _log(tx, user_id, LogAction.ACCESS, detail)
        return True

    # ---- /hapusdata ---------------------------------------------------------------------------------------------

    async def erase(self, user_id: int, dedup_key: str, plan: Callable[[list[CaseRow]], ErasurePlan],
                    answer: Callable[[Erased], OutboxMessage], refreshes: Refreshes | None = None) -> Erased | None:
        """Erase the person's identity and contact data, in one transaction with the answer (`answer` makes it of
        what was erased; its dedup_key is `dedup_key`), the log and the messages `refreshes` makes of the cases
        whose identity went (their cards in the groups): the identities and Telegram ids `plan` chooses from their
        reports, the report being written, the volunteer registration (everywhere, as the volunteers' retention
        deletes it) and one in progress, broadcasts to them not sent yet, and the messages to their private chat
        that went. None if this request was answered already (a double tap, a re-delivered press): nothing happens
        then."""
        async with self.db.transaction() as tx:
            cur = await tx.execute("SELECT 1 FROM outbox WHERE dedup_key = ?", (dedup_key,))
            if await cur.fetchone() is not None:
                return None
            cur = await tx.execute(
                f"SELECT {_CASE_COLUMNS} FROM reports r WHERE r.reporter_user_id = ? ORDER BY r.submitted_at, r.id",
                (user_id,),
            )
            cases = [_case(r) for r in await cur.fetchall()]
            chosen = plan(cases)
            gone = [c for c in cases if c.report_id in chosen.identities and c.has_identity]
            identities = await _erase_identities(tx, [c.report_id for c in gone])
            await _queue(tx, refreshes, gone)
            unlink = [c.report_id for c in cases if c.report_id in chosen.unlink]
            await _unlink(tx, unlink)
            cur = await tx.execute("DELETE FROM draft_evidence WHERE user_id = ?", (user_id,))
            cur = await tx.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
            draft = cur.rowcount > 0
            volunteer = await self.volunteers.erase(tx, user_id)
            await tx.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE chat_id = ? AND batch IS NOT NULL AND status = 'pending'",
                (user_id,),
            )
            await tx.execute("DELETE FROM outbox WHERE chat_id = ? AND status NOT IN ('pending', 'sending')", (user_id,))
            kept_ids = {c.report_id for c in cases} - set(chosen.identities) - set(unlink)
            erased = Erased(identities, len(unlink), len(cases) - len(unlink), draft, volunteer,
                            [c for c in cases if c.report_id in kept_ids and c.has_identity])
            await enqueue(tx, answer(erased))
            await _log(tx, user_id, LogAction.ERASE, json.dumps({
                "identities": erased.identities, "unlinked": erased.unlinked, "draft": erased.draft,
                "volunteer": erased.volunteer, "kept": [c.case_code for c in erased.kept],
            }))
        return erased

    # ---- housekeeping ------------------------------------------------------------------------------------------

    async def purge_identities(self, submitted_before: str, due: Callable[[CaseRow], bool],
                               refreshes: Refreshes | None = None) -> list[CaseRow]:
        """Erase the identities of reports submitted before `submitted_before` that `due` says are past their
        retention, each logged, in one transaction with the messages `refreshes` makes of them. The reports
        erased."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                f"SELECT {_CASE_COLUMNS} FROM reporter_identities i JOIN reports r ON r.id = i.report_id"
                " WHERE r.submitted_at < ? ORDER BY r.id", (submitted_before,),
            )
            gone = [case for case in map(_case, await cur.fetchall()) if due(case)]
            await _erase_identities(tx, [c.report_id for c in gone])
            await _queue(tx, refreshes, gone)
            for case in gone:
                await _log(tx, case.reporter_user_id, LogAction.RETENTION, case.case_code)
        return gone

    async def unlink_after_erasure(self, unlink: Callable[[CaseRow], bool]) -> int:
        """Take the Telegram id off the reports of people who asked for erasure after submitting them, once
        `unlink` says so (closed, and kept by no law), each person's logged, in one transaction. How many."""
        async with self.db.transaction() as tx:
            cur = await tx.execute(
                f"SELECT {_CASE_COLUMNS} FROM reports r WHERE r.reporter_user_id != 0 AND EXISTS (SELECT 1 FROM"
                " personal_data_log l WHERE l.action = 'erase' AND l.user_id = r.reporter_user_id"
                " AND l.at >= r.submitted_at) ORDER BY r.id"
            )
            chosen = [case for case in map(_case, await cur.fetchall()) if unlink(case)]
            await _erase_identities(tx, [c.report_id for c in chosen if c.has_identity])
            await _unlink(tx, [c.report_id for c in chosen])
            people: dict[int, int] = {}
            for case in chosen:
                people[case.reporter_user_id] = people.get(case.reporter_user_id, 0) + 1
            for user_id, count in people.items():
                await _log(tx, user_id, LogAction.UNLINK, json.dumps({"reports": count}))
        return len(chosen)


async def _queue(tx: Tx, refreshes: Refreshes | None, gone: list[CaseRow]) -> None:
    if refreshes is not None and gone:
        for message in await refreshes(tx, gone):
            await enqueue(tx, message)


async def _log(tx: Tx, user_id: int, action: LogAction, detail: str) -> None:
    await tx.execute("INSERT INTO personal_data_log (user_id, action, detail, at) VALUES (?, ?, ?, ?)",
                     (user_id, action.value, detail, iso(utcnow())))


async def _erase_identities(tx: Tx, report_ids: list[int]) -> int:
    if not report_ids:
        return 0
    cur = await tx.execute(f"DELETE FROM reporter_identities WHERE report_id IN ({_marks(report_ids)})", report_ids)
    return cur.rowcount


async def _unlink(tx: Tx, report_ids: list[int]) -> None:
    """The reports keep their case code, answers and evidence, but no longer name their reporter's Telegram account
    (0 is nobody's id); their tracked messages in the reporter's chat go with it."""
    if not report_ids:
        return
    marks = _marks(report_ids)
    await tx.execute(
        f"DELETE FROM tracked_messages WHERE report_id IN ({marks}) AND chat_id IN"
        f" (SELECT reporter_chat_id FROM reports WHERE id IN ({marks}))", [*report_ids, *report_ids],
    )
    await tx.execute(f"UPDATE reports SET reporter_user_id = 0, reporter_chat_id = 0 WHERE id IN ({marks})", report_ids)
    # A supervisor's flag of such a report (abuse_log) no longer ties the account to it either.
    await tx.execute(f"UPDATE abuse_log SET report_id = NULL WHERE report_id IN ({marks})", report_ids)
