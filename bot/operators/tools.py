"""Operator tasks from the command line: a group's registration code, a reporter's identity (logged), a case's
original evidence files (logged), the export of reports, organisations and their recruitment links. They never talk
to Telegram, and print times in the zone of the region concerned."""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import json
import mimetypes
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.kernel.case_code import normalize_case_code
from bot.privacy.access import EVIDENCE_EXPORT_PURPOSE, evidence_accessor
from bot.reporting.evidence_store import EvidenceStore
from bot.settings import OperatorSettings
from locales import t
from storage.database import Database, utcnow
from storage.reporting.reports import EvidenceFile, ReportRepository

if TYPE_CHECKING:  # bot.regions.directory loads the region table (~0.5 s): imported only by the commands that need it
    from bot.regions.directory import RegionDirectory


class OperatorError(Exception):
    """Something the operator asked for cannot be done; the message says why."""


async def show_identity(
    settings: OperatorSettings, code: str, purpose: str, out: TextIO, operator: str | None = None
) -> None:
    """Print the identity behind a case code. The access (who, why, when) is logged before it is read."""
    normalized = normalize_case_code(code)
    if normalized is None:
        raise OperatorError(f"{code!r} is not a case code (expected e.g. PTU-7KQ2-M9XD)")
    if len(purpose.strip()) < 5:
        raise OperatorError("give the purpose of this access with --purpose (it is logged)")
    async with Database(settings.database) as db:
        reports = ReportRepository(db)
        report = await reports.by_code(normalized)
        if report is None:
            raise OperatorError(f"no report {normalized}")
        accessor = operator or getpass.getuser()
        identity = await reports.identity(report.id, accessor=accessor, purpose=purpose.strip())
        if identity is None and report.anonymous:
            print(f"{normalized}: the reporter chose to stay anonymous (access logged)", file=out)
            return
        if identity is None:  # docs/privacy.md
            print(f"{normalized}: the reporter's identity was erased, after its retention or at their request"
                  " (access logged)", file=out)
            return
        print(f"case:    {normalized}", file=out)
        print(f"name:    {identity.name}", file=out)
        print(f"address: {identity.address}", file=out)
        print(f"phone:   {identity.phone or '-'} ({identity.phone_source or 'none'})", file=out)
        print(f"(access logged for {accessor}: {purpose.strip()})", file=out)


MANIFEST = "manifest.json"
# File extensions by MIME type, for the evidence a reporter sends most; others from Python's own table (never the
# system's, so that every machine names a file alike), else by kind.
_EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/tiff": "tiff", "image/gif": "gif",
    "image/heic": "heic", "image/heif": "heif", "video/mp4": "mp4", "video/quicktime": "mov", "audio/mpeg": "mp3",
    "audio/ogg": "ogg", "application/pdf": "pdf", "application/zip": "zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
_KIND_EXTENSIONS = {"photo": "jpg", "video": "mp4"}  # Telegram's photos are JPEG; a video without a type
_PYTHON_TYPES = mimetypes.MimeTypes(filenames=())
_SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,8}")


def evidence_extension(mime_type: str | None, kind: str) -> str:
    """A copied file's extension: from its MIME type (as the reporter's app gave it), else its kind, else `bin`;
    only lower-case letters and digits."""
    mime = (mime_type or "").split(";", 1)[0].strip().lower()
    extension = ""
    if mime:
        extension = _EXTENSIONS.get(mime) or (_PYTHON_TYPES.guess_extension(mime) or "").lstrip(".")
    if _SAFE_EXTENSION.fullmatch(extension):
        return extension
    return _KIND_EXTENSIONS.get(kind, "bin")


@dataclass(frozen=True, slots=True)
class _Planned:
    index: int  # its place among the case's evidence, 1 first (the number of its copy in the groups too)
    evidence: EvidenceFile
    name: str | None  # the copy's file name; None: the bot never had the bytes


async def export_evidence(
    settings: OperatorSettings, code: str, out_dir: Path, out: TextIO, operator: str | None = None
) -> None:
    """Copy a case's original evidence files (as stored, metadata and all) into `out_dir`, named after the case
    (`<case code>-<n>.<ext>`, never the reporter's file name), with a manifest.json of the original names, SHA-256,
    sizes, kinds, MIME types and times. The access is logged in identity_access_log before a file is read."""
    normalized = normalize_case_code(code)
    if normalized is None:
        raise OperatorError(f"{code!r} is not a case code (expected e.g. PTU-7KQ2-M9XD)")
    if await asyncio.to_thread(_not_a_folder, out_dir):
        raise OperatorError(f"{out_dir} is not a folder")
    async with Database(settings.database) as db:
        reports = ReportRepository(db)
        report = await reports.by_code(normalized)
        if report is None:
            raise OperatorError(f"no report {normalized}")
        files = await reports.evidence_files(report.id)
        planned = [
            _Planned(n, f, f"{normalized}-{n}.{evidence_extension(f.mime_type, f.kind)}"
                     if f.stored == "stored" and f.sha256 else None)
            for n, f in enumerate(files, start=1)
        ]
        taken = await asyncio.to_thread(_taken, out_dir, [MANIFEST, *(p.name for p in planned if p.name)])
        if taken:
            raise OperatorError(f"{out_dir / taken} exists already: give --out an empty or new folder")
        await asyncio.to_thread(_ready_folder, out_dir)  # before the access is logged: nothing copied, nothing logged
        accessor = evidence_accessor(operator or getpass.getuser())
        await reports.log_access(report.id, accessor=accessor, purpose=EVIDENCE_EXPORT_PURPOSE)
    from bot.regions.directory import RegionDirectory

    regions = RegionDirectory()
    store = EvidenceStore(settings.evidence_dir)
    entries: list[dict[str, Any]] = []
    print(f"{normalized}: {len(files)} evidence file{'' if len(files) == 1 else 's'}", file=out)
    for p in planned:
        f = p.evidence
        note = {"too_big": "too big for the bot to download: never stored",
                "failed": "its download failed: never stored"}.get(f.stored, "never stored")
        written = None
        if p.name is not None and f.sha256 is not None:
            content = await store.read(f.sha256)
            if content is None:
                note = f"missing from EVIDENCE_DIR ({settings.evidence_dir})"
            elif hashlib.sha256(content).hexdigest() != f.sha256:
                note = "the stored bytes do not match its SHA-256: not copied"
            else:
                await asyncio.to_thread(_write_new, out_dir / p.name, content)
                written = p.name
        entries.append({
            "index": p.index, "file": written, "original_name": f.file_name, "sha256": f.sha256, "size": f.size,
            "kind": f.kind, "mime_type": f.mime_type,
            "received_at": _local_time(regions, f.created_at, report.region_code), "stored": f.stored,
            **({} if written else {"note": note}),
        })
        size = f"{f.size} bytes" if f.size is not None else "size unknown"
        print(f"  {written or f'({p.index})'}  {f.kind}, {size}" + (f", sha256 {f.sha256}" if written else f": {note}"),
              file=out)
    manifest = {"case_code": normalized, "exported_at": _local_time(regions, utcnow().isoformat(), report.region_code),
                "exported_by": accessor, "files": entries}
    await asyncio.to_thread(_write_new, out_dir / MANIFEST,
                            json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    copied = sum(1 for entry in entries if entry["file"])
    print(f"{copied} copied to {out_dir}, with {MANIFEST} (original names, SHA-256, sizes, kinds, times).", file=out)
    print(f"(access logged for {accessor}: {EVIDENCE_EXPORT_PURPOSE})", file=out)


def _ready_folder(out_dir: Path) -> None:
    """Create the output folder (owner only) and check it can be written to, or say why not."""
    try:
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise OperatorError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise OperatorError(f"cannot write to {out_dir}")


def _not_a_folder(path: Path) -> bool:
    return path.exists() and not path.is_dir()


def _taken(folder: Path, names: list[str]) -> str | None:
    """The first of `names` already in `folder`."""
    return next((name for name in names if (folder / name).exists()), None)


def _write_new(path: Path, content: bytes) -> None:
    """Write a new file readable by its owner only (evidence is personal data); never over an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


async def export_reports(settings: OperatorSettings, output: Path, *, fmt: str | None = None, region: str | None = None,
                         with_identity: bool = False, purpose: str | None = None, operator: str | None = None) -> int:
    """Write the cases (of `region`, else all) to a CSV, XLSX or GeoJSON file (`fmt`, else the file's suffix, else
    CSV), one row per case (bot/insight/exports.py); returns how many. Never with identities, unless
    `with_identity` with a `purpose`: then each identity read is logged, with who (`operator`, else the login name)
    and why, before it is read (the access log, as `identity` does)."""
    from bot.insight.exports import ExportFormat
    from bot.insight.service import InsightService
    from bot.kernel.refusal import Refusal
    from bot.legal.rules import LegalRules
    from bot.regions.directory import RegionDirectory
    from storage.insight.digests import DigestRepository
    from storage.insight.exports import ExportRepository
    from storage.insight.facts import InsightRepository

    chosen = fmt or output.suffix.lstrip(".").lower() or "csv"
    try:
        export_format = ExportFormat(chosen)
    except ValueError:
        raise OperatorError(f"{chosen!r} is not an export format: csv, xlsx or geojson") from None
    if with_identity and (purpose is None or len(purpose.strip()) < 5):
        raise OperatorError("an export with identities needs its purpose: --purpose \"…\" (it is logged)")
    regions = RegionDirectory()
    if region is not None and regions.get(region) is None:
        raise OperatorError(f"{region!r} is not a region code (e.g. 15.71)")
    async with Database(settings.database) as db:
        insight = InsightService(InsightRepository(db), ExportRepository(db), DigestRepository(db), regions,
                                 LegalRules(settings.election_kind, settings.local_days_off))
        try:
            made = await insight.export(region, export_format, settings.default_locale,
                                        accessor=(operator or getpass.getuser()) if with_identity else None,
                                        purpose=purpose)
        except Refusal as exc:
            raise OperatorError(t("en", exc.key, **exc.params)) from None
    output.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if with_identity else 0o644)
    if with_identity:
        os.fchmod(fd, 0o600)  # personal data: readable by its owner only, also when it replaced an older file
    with os.fdopen(fd, "wb") as handle:
        handle.write(made.content)
    return made.count


def _local_time(regions: RegionDirectory, stamp: object, region_code: object) -> object:
    """A stored UTC timestamp in the zone of a region, e.g. 2024-02-14T17:05:00+07:00; as it was otherwise."""
    if not isinstance(stamp, str) or not stamp or not isinstance(region_code, str):
        return stamp
    try:
        return datetime.fromisoformat(stamp).astimezone(regions.timezone(region_code)).isoformat(timespec="seconds")
    except ValueError:
        return stamp


async def group_code(settings: OperatorSettings, region_code: str, role: str, out: TextIO) -> None:
    """Print a one-time code that registers a Telegram group for a region (valid 24 hours, single use)."""
    from bot.kernel.refusal import Refusal
    from bot.regions.directory import RegionDirectory
    from bot.supervision.service import SupervisionService
    from storage.supervision.repository import SupervisionRepository

    async with Database(settings.database) as db:
        regions = RegionDirectory()

        async def no_locale(_: int) -> str:
            return settings.default_locale

        service = SupervisionService(SupervisionRepository(db), regions, admin_chat_id=settings.admin_chat_id,
                                     group_locale=settings.default_locale, reporter_locale=no_locale)
        try:
            code, expires = await service.new_code(region_code, role)
        except Refusal as exc:
            raise OperatorError(t("en", exc.key, **exc.params)) from None
        region = regions.get(region_code)
        assert region is not None
        print(f"Code for the {role} group of {region.path} ({region.code}):", file=out)
        print(f"    {code}", file=out)
        until = expires.astimezone(regions.timezone(region.code))
        print(f"Valid until {until:%Y-%m-%d %H:%M} {regions.tz_label(region.code)}, once."
              " In the Telegram group, an administrator sends:", file=out)
        print(f"    /daftar {code}", file=out)


async def org_add(
    settings: OperatorSettings, name: str, kind: str, region_code: str, out: TextIO, operator: str | None = None
) -> None:
    """Register an organisation that recruits volunteers, for a region of any level."""
    from bot.kernel.refusal import Refusal
    from bot.regions.directory import RegionDirectory
    from bot.volunteers.organisations import OrganisationService
    from storage.volunteers.organisations import OrganisationRepository

    async with Database(settings.database) as db:
        service = OrganisationService(OrganisationRepository(db), RegionDirectory())
        try:
            row, region = await service.add(name, kind, region_code, f"operator:{operator or getpass.getuser()}")
        except Refusal as exc:
            raise OperatorError(t("en", exc.key, **exc.params)) from None
    print(f"Organisation {row.id} registered: {row.name} ({t('en', f'organisations.kind.{row.kind}')}), "
          f"{region.path} ({region.code}).", file=out)


async def org_list(settings: OperatorSettings, region_code: str | None, out: TextIO) -> None:
    """Print the active organisations of a region and the regions under it (all of them without a region)."""
    from bot.kernel.refusal import Refusal
    from bot.regions.directory import RegionDirectory
    from bot.volunteers.organisations import OrganisationService
    from storage.volunteers.organisations import OrganisationRepository

    regions = RegionDirectory()
    async with Database(settings.database) as db:
        try:
            rows = await OrganisationService(OrganisationRepository(db), regions).in_region(region_code)
        except Refusal as exc:
            raise OperatorError(t("en", exc.key, **exc.params)) from None
    if not rows:
        print("No organisations registered" + (f" for {region_code}." if region_code else "."), file=out)
        return
    for row in rows:
        region = regions.get(row.region_code)
        where = f"{region.path} ({row.region_code})" if region is not None else row.region_code
        print(f"{row.id:>5}  {row.name}  [{row.kind}]  {where}", file=out)


_BOT_USERNAME = re.compile(r"@?[A-Za-z][A-Za-z0-9_]{3,31}")


async def org_link(
    settings: OperatorSettings, organisation_id: int, out: TextIO, *, coordinator: int | None = None,
    qr: Path | None = None, bot_username: str | None = None, operator: str | None = None,
) -> None:
    """Print a new recruitment link of an organisation (optionally naming a coordinator) and write its QR code.
    The bot's username comes from --bot-username or TELEGRAM_BOT_USERNAME: this command never asks Telegram."""
    from bot.kernel.refusal import Refusal
    from bot.volunteers.recruitment import RecruitmentService, link_url
    from storage.delivery.outbox import OutboxRepository
    from storage.volunteers.links import LinkRepository
    from storage.volunteers.organisations import OrganisationRepository
    from storage.volunteers.volunteers import VolunteerRepository

    username = (bot_username or settings.telegram_bot_username or "").strip()
    if not username:
        raise OperatorError("the link needs the bot's username: give --bot-username or set TELEGRAM_BOT_USERNAME"
                            " (this command does not ask Telegram)")
    if not _BOT_USERNAME.fullmatch(username):
        raise OperatorError(f"{username!r} is not a Telegram bot username (e.g. pantau_jambi_bot)")
    async with Database(settings.database) as db:
        service = RecruitmentService(LinkRepository(db), VolunteerRepository(db), OrganisationRepository(db),
                                     OutboxRepository(db))
        try:
            link = await service.create(organisation_id, f"operator:{operator or getpass.getuser()}",
                                        coordinator_user_id=coordinator)
        except Refusal as exc:
            raise OperatorError(t("en", exc.key, **exc.params)) from None
    url = link_url(username, link.payload)
    print(f"Recruitment link {link.id} of {link.organisation_name} (organisation {link.organisation_id}):", file=out)
    print(f"    {url}", file=out)
    if coordinator is not None:
        print(f"Coordinator: user {coordinator} (now a coordinator; gets the cards of those who register through it).",
              file=out)
    if qr is not None:
        await asyncio.to_thread(_write_qr, qr, url)
        print(f"QR code written to {qr}", file=out)
    print(f"(Bot username {username.lstrip('@')} from {'--bot-username' if bot_username else 'TELEGRAM_BOT_USERNAME'};"
          " this command does not ask Telegram.)", file=out)


def _write_qr(path: Path, url: str) -> None:
    from bot.volunteers.qr import qr_png

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(qr_png(url))


async def link_revoke(settings: OperatorSettings, payload: str, out: TextIO) -> None:
    """Revoke a recruitment link by its payload (the part after ?start=): it registers nobody from then on."""
    from bot.kernel.refusal import Refusal
    from bot.volunteers.recruitment import RecruitmentService
    from storage.delivery.outbox import OutboxRepository
    from storage.volunteers.links import LinkRepository
    from storage.volunteers.organisations import OrganisationRepository
    from storage.volunteers.volunteers import VolunteerRepository

    payload = payload.strip().rsplit("start=", 1)[-1]  # the whole link is fine too
    async with Database(settings.database) as db:
        service = RecruitmentService(LinkRepository(db), VolunteerRepository(db), OrganisationRepository(db),
                                     OutboxRepository(db))
        link = await service.by_payload(payload)
        if link is None:
            raise OperatorError(f"no recruitment link {payload!r}")
        try:
            await service.revoke(link.id)
        except Refusal as exc:
            raise OperatorError(t("en", exc.key, **exc.params)) from None
    print(f"Recruitment link {link.id} of {link.organisation_name} revoked ({link.signups} sign-ups through it).",
          file=out)
