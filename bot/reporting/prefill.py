"""A report started by another feature with answers already given: a volunteer's task report-back that shows a
violation becomes a report (bot/tasks/ports.py `ReportStarter`).

The reporter's draft is created (or replaces the one they had) with the place, the time, the chronology (if it
is long enough to be one) and the files, in one transaction; its step is the first question still unanswered
(the category). The steps it was given are skipped on the way (`Answers.prefilled`), and the review shows and
lets the reporter edit every answer, as in any report.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from bot.kernel.metadata import NO_FACTS, read_facts
from bot.kernel.photo_hash import photo_hash
from bot.kernel.refusal import Refusal
from bot.regions.directory import Level, RegionDirectory
from bot.reporting.draft import Answers, Step
from bot.reporting.incident_time import IncidentTime
from bot.reporting.intake import IntakeService, clean_text, is_picture
from bot.tasks.ports import ReportSeed
from storage.reporting.drafts import DraftRepository, DraftRow, EvidenceRow


class ReportPrefiller:
    """Implements bot/tasks/ports.py `ReportStarter` for the report conversation."""

    def __init__(self, intake: IntakeService, drafts: DraftRepository, regions: RegionDirectory) -> None:
        self.intake = intake
        self.drafts = drafts
        self.regions = regions

    def kecamatan(self, seed: ReportSeed) -> str | None:
        """The report's kecamatan: the one the location lies in, else the task's region if it is one (or a desa
        under one); None for a wider region (the reporter then chooses)."""
        candidates = [seed.located] if seed.located else []
        parts = seed.region_code.split(".")
        if len(parts) >= 3:
            candidates.append(".".join(parts[:3]))
        for code in candidates:
            region = self.regions.get(code)
            if region is not None and region.level == Level.KECAMATAN and self.regions.in_scope(code):
                return code
        return None

    def answers(self, seed: ReportSeed) -> Answers:
        changes: dict[str, Any] = {"token": secrets.token_hex(4), "prefilled_from": seed.source}
        given: list[str] = []
        region = self.kecamatan(seed)
        if region is not None:
            changes.update(region_code=region, location_source="picker")
            given.append("region_code")
        if seed.latitude is not None and seed.longitude is not None:
            changes.update(latitude=seed.latitude, longitude=seed.longitude)
            if region is not None:
                changes["location_source"] = "gps"
        local = seed.incident_at.astimezone(self.intake.timezone_for(Answers(**changes)))
        changes["incident"] = IncidentTime(local.date(), local.time().replace(second=0, microsecond=0)).isoformat()
        given.append("incident")
        if seed.place:
            try:
                changes["place"] = clean_text(seed.place, "place")
                given.append("place")
            except Refusal:
                pass
        if seed.chronology:
            try:
                changes["chronology"] = clean_text(seed.chronology, "chronology")
                given.append("chronology")
            except Refusal:  # too short (or long) for a chronology: the reporter writes one
                pass
        changes["prefilled"] = given
        return Answers(**changes)

    async def _exif(self, sha256: str | None, kind: str, mime_type: str | None) -> dict[str, Any]:
        """What a stored file's EXIF says, for the card, and a picture's perceptual hash, for possible duplicates (as
        intake reads them from a file sent to the report)."""
        content = await self.intake.files.read(sha256) if sha256 is not None else None
        facts = await asyncio.to_thread(read_facts, content) if content is not None else NO_FACTS
        phash = await asyncio.to_thread(photo_hash, content) if content is not None and is_picture(kind, mime_type) \
            else None
        return {"exif_taken_at": facts.taken_at, "exif_latitude": facts.latitude, "exif_longitude": facts.longitude,
                "phash": phash}

    async def start_prefilled(self, user_id: int, chat_id: int, update_id: int, seed: ReportSeed) -> None:
        """The reporter's draft, prefilled from `seed`, at its first unanswered step. A press delivered again
        finds the draft it started and changes nothing."""
        existing = await self.drafts.get(user_id)
        if existing is not None and existing.status in ("active", "idle_closed") \
                and existing.answers.get("prefilled_from") == seed.source:
            return  # the report made from this report-back is under way: a press again (or a redelivery) keeps it
        if existing is not None and existing.status in ("active", "idle_closed") and existing.step != Step.CATEGORY \
                and existing.answers.get("prefilled_from") != seed.source:
            raise Refusal("report.prefill_unfinished")  # a report in progress is never replaced without asking
        answers = self.answers(seed)
        row = DraftRow(user_id=user_id, chat_id=chat_id, step=Step.CATEGORY,
                       answers=answers.model_dump(exclude_none=True), last_update_id=update_id)
        evidence = [
            EvidenceRow(kind=f.kind, telegram_file_id=f.file_id, telegram_unique_id=f.unique_id, stored=f.stored,
                        sha256=f.sha256, size=f.size, mime_type=f.mime_type, media_group_id=f.media_group_id,
                        **await self._exif(f.sha256, f.kind, f.mime_type))
            for f in seed.files
        ]
        await self.drafts.save_with_evidence(row, evidence)
