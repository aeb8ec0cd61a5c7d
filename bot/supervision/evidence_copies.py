"""What a supervisor group gets of a report's evidence documents: a copy without metadata, never the original.

A document (a picture sent uncompressed, a PDF, an office document, a video sent as a file) reaches Telegram byte
for byte, with its metadata (EXIF: device, owner, GPS; a PDF's or a Word file's author) and its file name. Groups
are sent instead a copy made from the bytes the bot stored, without metadata (bot/kernel/document_copy.py: a
picture, a PDF, a Word, Excel or PowerPoint document), named after the case (`<case code>-<n>.<ext>`), and
uploaded. A document no copy can be made of (another kind, one the copy refuses, or its bytes were never stored:
the download failed or it was over 20 MB) is not sent to groups at all: the group is told that it is kept for the
operator. Photos and videos sent as such keep going by file id (Telegram re-encodes photos, which drops their
EXIF).

Uploading costs more than a file id, so the Telegram file id of each copy uploaded is remembered (in memory, by
the original's SHA-256): the same document sent again (a second group, an escalation, /kasus) goes by that id.
No Telegram here: `AlertSender` sends what this decides.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

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
    """A document's copy for groups: its bytes to upload (None: `file_id`, uploaded before), under `file_name`."""

    original: str  # SHA-256 of the stored original
    file_name: str
    content: bytes | None = None
    file_id: str | None = None


class EvidenceCopies:
    def __init__(self, files: StoredEvidence | None) -> None:
        self.files = files  # None: nothing is stored, so no document reaches a group
        # (original, name) -> (extension, file id): a file id keeps the name it was uploaded under, so only the same
        # case's copy is sent again by id (the same bytes in another case, e.g. another report of one person, are
        # uploaded anew: a shared name would link the two cases)
        self._uploaded: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()

    async def copy(self, evidence: EvidenceFile, name: str) -> GroupCopy | None:
        """The copy of one document for groups (`name`: its file name without extension), or None: the document
        is kept for the operator."""
        if evidence.stored != "stored" or evidence.sha256 is None or self.files is None:
            return None
        if (known := self._uploaded.get((evidence.sha256, name))) is not None:
            self._uploaded.move_to_end((evidence.sha256, name))
            extension, file_id = known
            return GroupCopy(evidence.sha256, f"{name}.{extension}", file_id=file_id)
        original = await self.files.read(evidence.sha256)
        if original is None:
            return None
        made = await asyncio.to_thread(clean_document, original)
        if made is None or len(made.content) > UPLOAD_LIMIT:
            return None
        return GroupCopy(evidence.sha256, f"{name}.{made.extension}", content=made.content)

    def uploaded(self, copy: GroupCopy, file_id: str) -> None:
        """Telegram's file id of a copy just uploaded: the next group gets it by that id."""
        name, _, extension = copy.file_name.rpartition(".")
        self._uploaded[(copy.original, name)] = (extension, file_id)
        self._uploaded.move_to_end((copy.original, name))
        while len(self._uploaded) > REMEMBERED:
            self._uploaded.popitem(last=False)
