"""A copy of a PDF without what could say who made it: its pages, their text and pictures, and nothing else.

A PDF carries a document information dictionary (Author, Creator, Producer, Title, Subject, Keywords, dates), XMP
metadata streams (of the document, and of any page, picture or form in it), application data (/PieceInfo), files
attached to it (an attached original photo, with its EXIF), JavaScript, and the JPEG pictures inside it are the
camera's own files, EXIF and GPS included. The copy is a new PDF (pypdf) with the original's pages only:

- the document's catalog is not copied (its /Info, XMP, attachments (/EmbeddedFiles), JavaScript and open
  actions, outlines, forms' and structure trees, earlier revisions of an incrementally saved file);
- from everything the pages refer to, /Metadata, /PieceInfo, /LastModified, /Thumb (a thumbnail may show the page
  as it was), /AA (automatic actions), embedded files (/EF, /RF), article beads (/B) and external references
  (/OPI, /Ref) are removed, and actions other than going to a place in the document or a web address;
- annotations that hold a file or media (file attachments, sound, movie, screen, rich media, 3D) are removed, and
  the others lose their author (/T, except a form field's name), dates and ids; a signature field loses its
  value (the signer's name, place, reason and certificate; the signature would not hold for a copy anyway);
- the JPEG pictures (DCTDecode streams) lose their EXIF, XMP, IPTC and comment segments, without being encoded
  again (bot/kernel/jpeg_segments.py).

Every copy is read back on its own (`metadata_left`: every object of the written file, every stream decoded) and
refused when anything is left. An encrypted PDF, one pypdf cannot read, or one over the limits has no copy.
No Telegram, no I/O: callers pass bytes (and run this in a thread).
"""

from __future__ import annotations

import io
import logging
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject, StreamObject

from bot.kernel import jpeg_segments
from bot.kernel.metadata import CleanCopy

MAX_PAGES = 2000  # a 20 MB file with more pages than this is not what a reporter photographs or scans
MAX_OBJECTS = 200_000
MAX_DECODED = 300 * 1024 * 1024  # the read-back decodes every stream: at most this much in all (a Flate bomb)
PDF_HEADER = b"%PDF-"

# Keys removed wherever they are (what they hold says who, when or with what, or is a file or a script).
_DROPPED = frozenset({"/Metadata", "/PieceInfo", "/LastModified", "/Thumb", "/AA", "/EF", "/RF", "/OPI", "/Ref",
                      "/JS", "/JavaScript", "/EmbeddedFiles", "/OpenAction"})
# Actions kept: going to a place in the document, to a web address, and the viewer's named ones (next page...).
_SAFE_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})
# Annotations removed: they hold a file or media (an attached original photo, a recording).
_FILE_ANNOTATIONS = frozenset({"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"})
# What a kept annotation loses: its author (a form field's /T is its name, kept), dates and unique name.
_ANNOTATION_PERSONAL = ("/T", "/M", "/CreationDate", "/NM")
# Keys of a document information dictionary: no object of a copy may have them.
_INFO_KEYS = frozenset({"/Author", "/Creator", "/Producer", "/Title", "/Subject", "/Keywords", "/CreationDate",
                        "/ModDate", "/Trapped"})
_XMP_MARKS = (b"adobe:ns:meta", b"http://ns.adobe.com/xap/1.0/", b"<?xpacket", b"x:xmpmeta")
_EXIF_MARKS = (b"Exif\x00\x00", b"Photoshop 3.0\x00", b"8BIM\x04\x04")
_PICTURE_HEADERS = (b"\xff\xd8", b"\x89PNG", b"RIFF", b"II*\x00", b"MM\x00*", b"GIF8")
_DCT = frozenset({"/DCTDecode", "/DCT"})

logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file's warnings are no news to the bot's log


def is_pdf(content: bytes) -> bool:
    """Whether the bytes are a PDF (its header may follow up to 1024 bytes of junk, as readers allow, but not the
    start of a picture's header)."""
    if content.startswith(PDF_HEADER):
        return True
    return PDF_HEADER in content[:1024] and not content.startswith(_PICTURE_HEADERS)


def clean_copy(content: bytes) -> CleanCopy | None:
    """The PDF without its metadata (see the module's docstring), or None: no copy can be made."""
    if not is_pdf(content):
        return None
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted or len(reader.pages) > MAX_PAGES or not reader.pages:
            return None
        writer = PdfWriter()
        seen: set[int] = set()
        for page in reader.pages:
            if "/B" in page:
                del page["/B"]  # article beads: their threads carry an information dictionary of their own
            _clean_annotations(page, seen)
            _clean(page, seen)
            writer.add_page(page)
        writer.metadata = None  # pypdf's own /Info (its name as /Producer)
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, AssertionError, OSError,
            RecursionError, OverflowError, ZeroDivisionError):
        return None
    data = out.getvalue()
    if metadata_left(data):
        return None
    return CleanCopy(data, "pdf", "application/pdf")


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _clean(start: PdfObject, seen: set[int]) -> None:
    """Remove the dropped keys, unsafe actions and JPEG metadata from `start` and all it refers to."""
    todo: list[Any] = [start]
    while todo:
        obj = _resolved(todo.pop())
        if not isinstance(obj, (DictionaryObject, ArrayObject)) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if len(seen) > MAX_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(obj, ArrayObject):
            todo.extend(obj)
            continue
        for key in [k for k in obj if k in _DROPPED]:
            del obj[key]
        for key in _action_keys(obj):
            if _unsafe_action(obj[key]):
                del obj[key]
        if obj.get("/FT") == "/Sig" and "/V" in obj:
            del obj["/V"]  # a signature's value: the signer's name, place, reason and certificate
        if isinstance(obj, StreamObject) and _is_jpeg(obj):
            _strip_jpeg(obj)
        todo.extend(obj.values())


def _action_keys(obj: DictionaryObject) -> list[str]:
    """The keys of `obj` that hold an action: an annotation's or outline item's /A, an action's /Next (an outline
    item's /Next is its sibling)."""
    return [key for key in ("/A", "/Next") if key in obj and (key == "/A" or "/S" in obj)]


def _unsafe_action(value: Any) -> bool:
    action = _resolved(value)
    if isinstance(action, ArrayObject):  # a chain of actions
        return any(_unsafe_action(a) for a in action)
    return not isinstance(action, DictionaryObject) or action.get("/S") not in _SAFE_ACTIONS


def _filters(stream: StreamObject) -> list[str]:
    value = _resolved(stream.get("/Filter"))
    if isinstance(value, ArrayObject):
        return [str(_resolved(v)) for v in value]
    return [] if value is None else [str(value)]


def _is_jpeg(stream: StreamObject) -> bool:
    filters = _filters(stream)
    return bool(filters) and filters[-1] in _DCT


def _strip_jpeg(stream: StreamObject) -> None:
    """The stream's JPEG without its metadata segments, stored as a plain DCTDecode stream (a JPEG compressed
    further, e.g. Flate over DCT, is decoded down to the JPEG first)."""
    filters = _filters(stream)
    jpeg = stream._data if len(filters) == 1 else stream.get_data()  # get_data leaves the DCT step undone
    cleaned = jpeg_segments.without_metadata(jpeg)
    if cleaned is None:
        return  # not a JPEG we read: the read-back decides whether the copy can go
    if len(filters) > 1:
        params = _resolved(stream.get("/DecodeParms"))
        stream[NameObject("/Filter")] = NameObject("/DCTDecode")
        if isinstance(params, ArrayObject) and params and isinstance(_resolved(params[-1]), DictionaryObject):
            stream[NameObject("/DecodeParms")] = params[-1]
        elif "/DecodeParms" in stream:
            del stream["/DecodeParms"]
    stream._data = cleaned
    if hasattr(stream, "decoded_self"):
        stream.decoded_self = None


def _clean_annotations(page: DictionaryObject, seen: set[int]) -> None:
    annotations = _resolved(page.get("/Annots"))
    if not isinstance(annotations, ArrayObject):
        if "/Annots" in page:
            del page["/Annots"]
        return
    kept = ArrayObject()
    for ref in annotations:
        annotation = _resolved(ref)
        if not isinstance(annotation, DictionaryObject) or annotation.get("/Subtype") in _FILE_ANNOTATIONS:
            continue
        if annotation.get("/Subtype") != "/Widget":  # a form field's /T is its name, not who filled it
            for key in _ANNOTATION_PERSONAL:
                if key in annotation:
                    del annotation[key]
        popup = _resolved(annotation.get("/Popup"))
        if isinstance(popup, DictionaryObject):
            for key in _ANNOTATION_PERSONAL:
                if key in popup:
                    del popup[key]
        _clean(annotation, seen)
        kept.append(ref)
    page[NameObject("/Annots")] = kept


# ---- the read-back ----------------------------------------------------------------------------------


def metadata_left(content: bytes) -> list[str]:
    """What a PDF still carries that could say who made it (document information, XMP, attachments, scripts,
    annotation authors, EXIF or comments in its JPEG pictures, ...); empty when nothing. Read on its own, from the
    bytes: every object the file lists, every stream decoded. ["unreadable"] or ["encrypted"] when it cannot be
    read through."""
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return ["encrypted"]
        found: set[str] = set()
        if "/Info" in reader.trailer:
            found.add("info")
        numbers = {n for table in reader.xref.values() for n in table} | set(reader.xref_objStm)
        budget = [MAX_DECODED]
        for number in sorted(numbers):
            obj = reader.get_object(number)
            if obj is not None:
                _inspect(obj, found, budget)
        _inspect(reader.trailer, found, budget)
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, AssertionError, OSError,
            RecursionError, OverflowError, ZeroDivisionError):
        return ["unreadable"]
    found |= _marks(content)
    return sorted(found)


def _inspect(start: Any, found: set[str], budget: list[int]) -> None:
    """Look at one object, and the direct objects inside it (indirect ones are looked at on their own)."""
    todo = [start]
    while todo:
        obj = todo.pop()
        if isinstance(obj, ArrayObject):
            todo.extend(v for v in obj if not isinstance(v, IndirectObject))
            continue
        if not isinstance(obj, DictionaryObject):
            continue
        found.update(f"key:{key[1:]}" for key in obj if key in _DROPPED or key in _INFO_KEYS)
        subtype, kind = obj.get("/Subtype"), obj.get("/Type")
        if subtype in _FILE_ANNOTATIONS:
            found.add(f"annotation:{str(subtype)[1:]}")
        if kind in ("/EmbeddedFile", "/Metadata", "/Sig") or subtype == "/XML" or "/ByteRange" in obj:
            found.add(f"type:{str(kind or subtype or 'Sig')[1:]}")
        if any(_unsafe_action(obj[key]) for key in _action_keys(obj)):
            found.add("action")
        annotation = kind == "/Annot" or ("/Rect" in obj and subtype is not None)
        if annotation and subtype != "/Widget" and "/T" in obj:
            found.add("annotation-author")
        if isinstance(obj, StreamObject):
            found |= _stream_marks(obj, budget)
        todo.extend(v for v in obj.values() if not isinstance(v, IndirectObject))


def _stream_marks(stream: StreamObject, budget: list[int]) -> set[str]:
    try:
        data = stream.get_data()  # decoded, but for the DCT step: a JPEG stream gives the JPEG file
    except (PyPdfError, ValueError, TypeError, KeyError, OSError, NotImplementedError, AssertionError):
        data = stream._data  # a filter pypdf does not decode (JBIG2 without its tool, ...): the raw bytes
    budget[0] -= len(data)
    if budget[0] < 0:
        raise ValueError("too much to decode")
    found = _marks(data)
    if data.startswith(jpeg_segments.SOI):
        found |= {f"jpeg:{segment}" for segment in jpeg_segments.metadata_segments(data)
                  if segment not in ("unreadable",)}
    return found


def _marks(data: bytes) -> set[str]:
    found = set()
    if any(mark in data for mark in _XMP_MARKS):
        found.add("xmp")
    if any(mark in data for mark in _EXIF_MARKS):
        found.add("exif")
    return found
