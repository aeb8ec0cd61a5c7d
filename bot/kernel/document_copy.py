"""The copy of an evidence document without metadata that supervisor groups are sent, whatever the document is:
a picture (bot/kernel/metadata.py), a PDF (bot/kernel/pdf_metadata.py), a Word, Excel or PowerPoint document
(bot/kernel/ooxml_metadata.py) or a video: MP4, QuickTime, 3GP, M4V (bot/kernel/mp4_metadata.py). What a document
is, is read from its bytes, never from its name or the MIME type its sender's app gave. Anything else has no copy
(None), and is kept from groups.

No Telegram, no I/O: callers pass bytes, and run this in a thread (it is CPU work).
"""

from __future__ import annotations

from bot.kernel import metadata, mp4_metadata, ooxml_metadata, pdf_metadata
from bot.kernel.metadata import CleanCopy


def clean_document(content: bytes) -> CleanCopy | None:
    """The document without its metadata, with the extension and MIME type of what it is; None: no copy."""
    if ooxml_metadata.is_ooxml(content):
        return ooxml_metadata.clean_copy(content)
    if pdf_metadata.is_pdf(content):
        return pdf_metadata.clean_copy(content)
    if mp4_metadata.is_mp4(content):
        return mp4_metadata.clean_copy(content)
    return metadata.clean_copy(content)


def metadata_left(content: bytes) -> list[str]:
    """What metadata a document still carries, by the check of its kind; empty when none."""
    if ooxml_metadata.is_ooxml(content):
        return ooxml_metadata.metadata_left(content)
    if pdf_metadata.is_pdf(content):
        return pdf_metadata.metadata_left(content)
    if mp4_metadata.is_mp4(content):
        return mp4_metadata.metadata_left(content)
    return metadata.metadata_left(content)
