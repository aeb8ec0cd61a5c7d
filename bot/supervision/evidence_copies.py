"""What a supervisor group gets of a report's evidence documents and videos: a copy without metadata, never the
original.

A document (a picture sent uncompressed, a PDF, an office document, a video sent as a file) reaches Telegram byte
for byte, with its metadata (EXIF: device, owner, GPS; a PDF's or a Word file's author; a video's place) and its file
name. Groups are sent instead a copy made from the bytes the bot stored, without metadata
(bot/kernel/document_copy.py: a picture, a PDF, a Word, Excel or PowerPoint document, an MP4 or QuickTime video),
named after the case (`<case code>-<n>.<ext>`), and uploaded. A document no copy can be made of (another kind, one
the copy refuses, or its bytes were never stored: the download failed or it was over 20 MB) is not sent to groups at
all: the group is told that it is kept for the operator. Photos sent as such keep going by file id (Telegram
re-encodes photos, which drops their EXIF).

A video sent as a video is what the sender's app made of it, usually compressed again without metadata, but not
always (bot/kernel/mp4_metadata.py): one whose stored bytes carry metadata, or that came with a file name, is sent as
an uploaded copy without it (`video`); one that carries neither goes by its file id (no upload); one whose bytes never
reached the bot (over 20 MB, or the download failed) goes by its file id too, as it always did: there is nothing to
examine (docs/evidence-metadata.md says so); one whose bytes no copy can be made of is kept for the operator.

Uploading costs more than a file id, so the Telegram file id of each copy uploaded is remembered (in memory, by
the original's SHA-256 and the copy's name), and so is each video found to carry nothing: the same file sent again
(a second group, an escalation, /kasus) goes by that id. No Telegram here: `AlertSender` sends what this decides.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.kernel import mp4_metadata
from bot.kernel.document_copy import clean_document
from storage.supervision.cases import EvidenceFile

# The Bot API's upload limit for documents (a copy can be larger than its original, e.g. a lossless WebP).
UPLOAD_LIMIT = 50 * 1024 * 1024
REMEMBERED = 512  # copies' file ids kept in memory


class StoredEvidence(Protocol):
    """Where evidence bytes are kept (bot/reporting/evidence_store.py EvidenceStore)."""

    async def read(self, sha256: str) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class GroupCopy:
    """A file's copy for groups: its bytes to upload (None: `file_id`, uploaded before), under `file_name`; sent as
    `kind` ("document", or "video": as a video). A video that needs no copy is sent as it came: `file_id` is its own
    (`as_sent`)."""

    original: str  # SHA-256 of the stored original ("" when none was stored)
    file_name: str
    content: bytes | None = None
    file_id: str | None = None
    kind: str = "document"
    as_sent: bool = False


@dataclass(slots=True)
class _Turns:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holding or waiting for the lock


class EvidenceCopies:
    def __init__(self, files: StoredEvidence | None) -> None:
        self.files = files  # None: nothing is stored, so no document reaches a group
        # (original, name) -> (extension, file id, kind): a file id keeps the name it was uploaded under, so only the
        # same case's copy is sent again by id (the same bytes in another case, e.g. another report of one person, are
        # uploaded anew: a shared name would link the two cases)
        self._uploaded: OrderedDict[tuple[str, str], tuple[str, str, str]] = OrderedDict()
        self._clean_videos: OrderedDict[str, None] = OrderedDict()  # originals of videos found to carry nothing
        self._sending: dict[int, _Turns] = {}  # report id -> whose turn it is to send its files

    @contextlib.asynccontextmanager
    async def one_at_a_time(self, report_id: int) -> AsyncIterator[None]:
        """Around making a case's copies, sending them and `uploaded`: the outbox sends to chats in parallel, and a
        second group of the case then gets a copy by the file id the first upload got, rather than uploading it
        again (copies are named after their case, so only the same case's sends share them)."""
        turns = self._sending.setdefault(report_id, _Turns())
        turns.users += 1
        try:
            async with turns.lock:
                yield
        finally:
            turns.users -= 1
            if not turns.users:
                del self._sending[report_id]

    async def copy(self, evidence: EvidenceFile, name: str) -> GroupCopy | None:
        """The copy of one document for groups (`name`: its file name without extension), or None: the document
        is kept for the operator."""
        if evidence.stored != "stored" or evidence.sha256 is None or self.files is None:
            return None
        if (known := self._known(evidence.sha256, name, "document")) is not None:
            return known
        original = await self.files.read(evidence.sha256)
        if original is None:
            return None
        made = await asyncio.to_thread(clean_document, original)
        if made is None or len(made.content) > UPLOAD_LIMIT:
            return None
        return GroupCopy(evidence.sha256, f"{name}.{made.extension}", content=made.content)

    async def video(self, evidence: EvidenceFile, name: str) -> GroupCopy | None:
        """What groups get of a video sent as a video (`name`: a copy's file name without extension): itself by its
        file id (`as_sent`) when its stored bytes carry no metadata and it came without a file name, or when its
        bytes never reached the bot and it has no file name; else a copy without metadata; None: it is kept for the
        operator."""
        as_sent = GroupCopy(evidence.sha256 or "", "", file_id=evidence.telegram_file_id, kind="video", as_sent=True)
        if evidence.stored != "stored" or evidence.sha256 is None or self.files is None:
            # never downloaded (over 20 MB) or failed: nothing to examine, so it goes as it always went, unless
            # it has the file name the reporter's app gave it, which its file id would carry: then it is kept
            return None if evidence.file_name else as_sent
        if not evidence.file_name and evidence.sha256 in self._clean_videos:
            self._clean_videos.move_to_end(evidence.sha256)
            return as_sent
        if (known := self._known(evidence.sha256, name, "video")) is not None:
            return known
        original = await self.files.read(evidence.sha256)
        if original is None:
            return None
        made = await asyncio.to_thread(mp4_metadata.clean_copy, original)
        if made is None or len(made.content) > UPLOAD_LIMIT:
            return None
        if made.content == original and not evidence.file_name:
            self._clean_videos[evidence.sha256] = None
            _trim(self._clean_videos)
            return as_sent
        return GroupCopy(evidence.sha256, f"{name}.{made.extension}", content=made.content, kind="video")

    def _known(self, original: str, name: str, kind: str) -> GroupCopy | None:
        known = self._uploaded.get((original, name))
        if known is None or known[2] != kind:
            return None
        self._uploaded.move_to_end((original, name))
        extension, file_id, _ = known
        return GroupCopy(original, f"{name}.{extension}", file_id=file_id, kind=kind)

    def uploaded(self, copy: GroupCopy, file_id: str) -> None:
        """Telegram's file id of a copy just uploaded: the next group gets it by that id."""
        name, _, extension = copy.file_name.rpartition(".")
        self._uploaded[(copy.original, name)] = (extension, file_id, copy.kind)
        self._uploaded.move_to_end((copy.original, name))
        _trim(self._uploaded)


def _trim(remembered: OrderedDict[Any, Any]) -> None:
    while len(remembered) > REMEMBERED:
        remembered.popitem(last=False)
