"""What the privacy feature says, by locale: who controls the data, the consent's figures, the /datasaya summary and
its JSON document, the /hapusdata confirmation and its answer. Pure text (no Telegram): the handlers and the outbox
sender (bot/privacy/delivery_policy.py) send it."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime
from html import escape, unescape
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.legal.kinds import ElectionKind
from bot.legal.profile import profile
from bot.privacy.access import access_kind, view_kind
from bot.privacy.retention import Hold, years
from bot.regions.directory import Level, RegionDirectory
from locales import LOCALES, has, t
from storage.privacy.personal_data import (
    Erased,
    EvidenceItem,
    PersonalData,
    QuestionData,
    ReportBackData,
    ReportData,
    TaskAnswerData,
)


class _Retention(Protocol):
    @property
    def identity_retention_days(self) -> int: ...

    @property
    def election_kind(self) -> ElectionKind: ...


class _Deployment(Protocol):  # the services (bot/kernel/services.py) as far as the consent needs them
    @property
    def regions(self) -> RegionDirectory: ...

    @property
    def settings(self) -> _Retention: ...

MESSAGE_BUDGET = 3600  # characters of a summary before "… and N more" (Telegram takes 4,096)
FILES_SHOWN = 3  # files named per report in the summary (the document lists them all)
DATE = "%d-%m-%Y"
WIB = ZoneInfo("Asia/Jakarta")


def controller(regions: RegionDirectory, locale: str) -> str:
    """Who controls the data: the Bawaslu of the deployment's region (a kecamatan deployment's is its
    kabupaten/kota's), or Bawaslu itself for the whole country."""
    scope = regions.scope
    if scope is None:
        return t(locale, "privacy.controller.national")
    if scope.level == Level.PROVINSI:
        return t(locale, "privacy.controller.province", region=escape(scope.name))
    kabupaten = regions.get(scope.code[:5])
    return t(locale, "privacy.controller.regency", region=escape(kabupaten.name if kabupaten else scope.name))


def years_text(days: int, locale: str) -> str:
    """The retention in years as the locale writes numbers: 2, 1,5 (id), 1.5 (en)."""
    value = years(days)
    text = f"{value:g}"
    return text.replace(".", ",") if locale == "id" else text


def consent_terms(regions: RegionDirectory, days: int, locale: str) -> dict[str, str]:
    """The placeholders of a consent statement: the controller and the retention in days and years."""
    return {"controller": controller(regions, locale), "days": str(days), "years": years_text(days, locale)}


def identity_prompt(services: _Deployment, locale: str) -> str:
    """The report's identity step (reporting.toml step.identity.prompt): what anonymous means, and the consent to
    the identity's processing, with this deployment's controller and IDENTITY_RETENTION_DAYS."""
    terms = consent_terms(services.regions, services.settings.identity_retention_days, locale)
    return t(locale, "step.identity.prompt", **terms, agree=t(locale, "button.identified"),
             regulation=profile(services.settings.election_kind).regulation)


def _zone(regions: RegionDirectory, code: str | None) -> ZoneInfo:
    try:
        return regions.timezone(code) if code else regions.scope_timezone() or WIB
    except ValueError:
        return WIB


def local_date(moment: datetime | str, zone: ZoneInfo) -> str:
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(zone).strftime(DATE)


def _size(size: int | None, locale: str) -> str:
    if size is None:
        return "?"
    text = f"{max(1, round(size / 1024))} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"
    return text.replace(".", ",") if locale == "id" else text


def _category(locale: str, key: str) -> str:
    name = f"category.{key}.name"
    return t(locale, name) if has(locale, name) else key


def _region(regions: RegionDirectory, code: str) -> str:
    region = regions.get(code)
    return region.path if region else code


def _language(data: PersonalData, locale: str) -> str:
    chosen = (data.languages or {}).get("locale")
    client = (data.languages or {}).get("client_locale")
    if chosen:
        return t(chosen, "language.name")
    if client:
        return t(locale, "privacy.mydata.language_app", language=t(client, "language.name"))
    return t(locale, "privacy.mydata.language_default")


def _file(locale: str, item: EvidenceItem) -> str:
    name = escape(item.file_name) if item.file_name else t(locale, f"privacy.kind.{item.kind}")
    return f"{name} {_size(item.size, locale)}"


def _report_lines(regions: RegionDirectory, locale: str, report: ReportData) -> list[str]:
    f = report.fields
    zone = _zone(regions, f["region_code"])
    lines = [t(locale, "privacy.mydata.report_line", code=report.case_code, status=t(locale, f"status.{f['status']}"),
               date=local_date(f["submitted_at"], zone), category=_category(locale, f["category"]),
               region=escape(_region(regions, f["region_code"])))]
    if report.identity is not None:
        identity = report.identity
        lines.append(t(locale, "privacy.mydata.identity_line", name=escape(identity["name"]),
                       address=escape(identity["address"]),
                       phone=escape(identity["phone"]) if identity["phone"] else t(locale, "privacy.mydata.no_phone")))
    elif f["anonymous"]:
        lines.append(t(locale, "privacy.mydata.anonymous_line"))
    else:
        lines.append(t(locale, "privacy.mydata.identity_erased_line"))
    if report.evidence:
        files = ", ".join(_file(locale, item) for item in report.evidence[:FILES_SHOWN])
        if len(report.evidence) > FILES_SHOWN:
            files += ", …"
        lines.append(t(locale, "privacy.mydata.evidence_line", count=len(report.evidence), files=files))
    if report.questions:
        answered = sum(1 for question in report.questions if question.answered_at)
        lines.append(t(locale, "privacy.mydata.questions_line", count=len(report.questions), answered=answered))
    if report.accesses:
        lines.append(t(locale, "privacy.mydata.access_line", count=len(report.accesses)))
    return lines


def summary(data: PersonalData, regions: RegionDirectory, locale: str) -> str:
    """/datasaya's message: everything stored, summarised within one Telegram message."""
    head = [t(locale, "privacy.mydata.title"),
            t(locale, "privacy.mydata.controller", controller=controller(regions, locale)),
            t(locale, "privacy.mydata.account", user_id=data.user_id, language=_language(data, locale))]
    if data.empty:
        return "\n".join([*head, "", t(locale, "privacy.mydata.nothing")])
    tail: list[str] = []
    if data.draft is not None and data.draft.status != "submitted":
        tail += ["", t(locale, "privacy.mydata.draft", started=local_date(data.draft.created_at, _zone(regions, None)),
                       date=local_date(data.draft.updated_at, _zone(regions, None)))]
    volunteer = data.volunteer
    if volunteer is not None:
        v = volunteer.fields
        organisation = escape(volunteer.organisation) if volunteer.organisation else t(
            locale, "registration.review.individual")
        tail += ["", t(locale, "privacy.mydata.volunteer_title"),
                 t(locale, "privacy.mydata.volunteer_line", name=escape(v["full_name"]), phone=escape(v["phone"]),
                   status=t(locale, f"my_volunteer.status.{v['status']}"),
                   region=escape(_region(regions, v["region_code"])), organisation=organisation)]
    if volunteer is not None or data.tasks or data.report_backs:
        tasks = data.task_counts()
        tail.append(t(locale, "privacy.mydata.tasks", offered=tasks.get("offered", 0), accepted=tasks.get("accepted", 0),
                      declined=tasks.get("declined", 0), report_backs=len(data.report_backs)))
    if data.report_backs:
        tail.append(t(locale, "privacy.mydata.report_backs_line", count=len(data.report_backs),
                      files=sum(len(back.files) for back in data.report_backs),
                      places=sum(1 for back in data.report_backs if back.latitude is not None)))
    if data.volunteer_views:
        tail.append(t(locale, "privacy.mydata.views_line", count=len(data.volunteer_views)))
    if data.volunteer_draft is not None:
        tail += ["", t(locale, "privacy.mydata.volunteer_draft",
                       date=local_date(data.volunteer_draft["updated_at"], _zone(regions, None)))]
    tail += ["", t(locale, "privacy.mydata.footer")]
    lines = list(head)
    if data.reports:
        lines += ["", t(locale, "privacy.mydata.reports_title", count=len(data.reports))]
        budget = MESSAGE_BUDGET - len("\n".join(lines + tail))
        shown = 0
        for report in reversed(data.reports):  # the newest first
            block = "\n".join(_report_lines(regions, locale, report))
            if len(block) + 1 > budget:
                break
            lines.append(block)
            budget -= len(block) + 1
            shown += 1
        if shown < len(data.reports):
            lines.append(t(locale, "privacy.mydata.more", count=len(data.reports) - shown))
    return "\n".join(lines + tail)


_TAG = re.compile(r"<[^>]+>")


def relayed_answer(relayed: str) -> str:
    """The reporter's answer out of the message that relayed it to the group (supervision.toml relay.answer, in the
    group's language), as plain text; the whole message as plain text if it is not of that form."""
    for locale in LOCALES:
        head, _, tail = t(locale, "relay.answer", code="\0", question="\0", answer="\0").rpartition("\0")
        head = head.rsplit("\0", 1)[-1]  # what follows the question, up to the answer: "\n<i>Jawaban:</i> "
        if head and head in relayed and relayed.endswith(tail):
            return unescape(relayed[relayed.rindex(head) + len(head):len(relayed) - len(tail)])
    return unescape(_TAG.sub("", relayed))


def _question(question: QuestionData) -> dict[str, Any]:
    return {"question": question.question, "asked_at": question.asked_at, "answered_at": question.answered_at,
            "answer": relayed_answer(question.relayed) if question.relayed else None}


def _task(task: TaskAnswerData) -> dict[str, Any]:
    return {"task_id": task.task_id, "task": task.task, "region_code": task.region_code, "due_at": task.due_at,
            "sent_at": task.sent_at, "answer": task.answer, "answered_at": task.answered_at,
            "first_report_back_at": task.first_report_back_at}


def _report_back(back: ReportBackData) -> dict[str, Any]:
    files = [{key: value for key, value in asdict(item).items() if key != "file_name" and not key.startswith("exif")}
             for item in back.files]
    return {"task_id": back.task_id, "text": back.text, "latitude": back.latitude, "longitude": back.longitude,
            "status": back.status, "started_at": back.started_at, "submitted_at": back.submitted_at,
            "became_report": back.case_code, "files": files}


def document(data: PersonalData, regions: RegionDirectory, locale: str, generated_at: datetime) -> bytes:
    """/datasaya's JSON document: everything stored about the person, in full. Who read their identity or evidence,
    who asked them questions, who sent them tasks and who looked at their volunteer registration are given only as
    kinds (bot/privacy/access.py): never a supervisor's or an operator's name or Telegram id."""
    reports: list[dict[str, Any]] = []
    for report in data.reports:
        accesses = [access_kind(row.accessor, row.purpose) for row in report.accesses]
        reports.append({
            **report.fields,
            "category_name": _category(locale, report.fields["category"]),
            "region": _region(regions, report.fields["region_code"]),
            "in_legal_process": report.legal,
            "identity": report.identity,
            "evidence": [asdict(item) for item in report.evidence],
            "links": report.links,
            "flagged_as_abusive_by_supervisors": report.flags,
            "supervisors_questions": [_question(question) for question in report.questions],
            "identity_access": [{"kind": kind.value, "description": t(locale, f"privacy.access.{kind.value}"),
                                 "at": row.at} for kind, row in zip(accesses, report.accesses, strict=True)],
        })
    volunteer = None
    if data.volunteer is not None:
        volunteer = {**data.volunteer.fields, "region": _region(regions, data.volunteer.fields["region_code"]),
                     "organisation": data.volunteer.organisation, "status_history": data.volunteer.events}
    views = []
    for view in data.volunteer_views:
        kind = view_kind(view.via)
        views.append({"kind": kind.value, "description": t(locale, f"privacy.view.{kind.value}"),
                      "reached_viewer": None if view.outcome is None else view.outcome == "sent", "at": view.at})
    draft = asdict(data.draft) if data.draft is not None else None
    content = {
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "controller": controller(regions, locale),
        "telegram_user_id": data.user_id,
        "language": data.languages,
        "reports": reports,
        "report_draft": draft,
        "volunteer": volunteer,
        "volunteer_registration_draft": data.volunteer_draft,
        "tasks": [_task(task) for task in data.tasks],
        "task_report_backs": [_report_back(back) for back in data.report_backs],
        "volunteer_identity_views": views,
        "requests_log": data.log,
        "ban": data.ban,  # an operator's, with the reason given; never who
        "abuse_log": data.abuse_log,
        "voting_day": data.voting_day,
    }
    return json.dumps(content, ensure_ascii=False, indent=2).encode("utf-8")


def hold_line(locale: str, hold: Hold, days: int, zone: ZoneInfo) -> str:
    target = t(locale, f"forward.{hold.forwarded_to}") if hold.forwarded_to and has(
        locale, f"forward.{hold.forwarded_to}") else t(locale, "privacy.hold.another_body")
    return t(locale, f"privacy.hold.{hold.reason.value}", code=hold.case_code, target=target, days=days,
             date=local_date(hold.until, zone))


def erase_items(locale: str, *, identities: int, unlink: int, draft: bool, volunteer: bool) -> list[str]:
    items = []
    if identities:
        items.append(t(locale, "privacy.erase.item_identities", count=identities))
    if unlink:
        items.append(t(locale, "privacy.erase.item_unlink", count=unlink))
    if draft:
        items.append(t(locale, "privacy.erase.item_draft"))
    if volunteer:
        items.append(t(locale, "privacy.erase.item_volunteer"))
    return items


def erased(result: Erased, holds: list[Hold], locale: str, days: int, zone: ZoneInfo) -> str:
    """The answer to a confirmed /hapusdata: what was erased, what the law keeps and until when."""
    items = erase_items(locale, identities=result.identities, unlink=result.unlinked, draft=result.draft,
                        volunteer=result.volunteer)
    lines = [t(locale, "privacy.erase.done") if items else t(locale, "privacy.erase.done_nothing")]
    if items:
        lines += [*items, t(locale, "privacy.erase.item_messages")]
    if result.linked:
        lines += ["", t(locale, "privacy.erase.still_linked", count=result.linked)]
    if holds:
        lines += ["", t(locale, "privacy.erase.kept_intro"), *(hold_line(locale, h, days, zone) for h in holds)]
    return "\n".join(lines)


def erase_prompt(locale: str, items: list[str], holds: list[Hold], days: int, zone: ZoneInfo) -> str:
    """/hapusdata's confirmation: what will be erased, what stays and why, what the law keeps and until when."""
    lines = [t(locale, "privacy.erase.title"), "", t(locale, "privacy.erase.will_erase"), *items,
             t(locale, "privacy.erase.item_messages"), "", t(locale, "privacy.erase.rule")]
    if holds:
        lines += ["", t(locale, "privacy.erase.kept_intro"), *(hold_line(locale, h, days, zone) for h in holds)]
    lines += ["", t(locale, "privacy.erase.confirm")]
    return "\n".join(lines)


def only_kept(locale: str, holds: list[Hold], days: int, zone: ZoneInfo) -> str:
    """/hapusdata when nothing can be erased now but the law keeps some cases' identity."""
    return "\n".join([t(locale, "privacy.erase.nothing_but_kept"), "", t(locale, "privacy.erase.kept_intro"),
                      *(hold_line(locale, h, days, zone) for h in holds)])
