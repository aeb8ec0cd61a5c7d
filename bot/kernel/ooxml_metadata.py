"""A copy of an Office Open XML document (Word .docx, Excel .xlsx, PowerPoint .pptx) without what could say who
made it. Identified by its content (a zip whose [Content_Types].xml names a document, workbook or presentation),
never by its file name. The zip is rewritten part by part (stdlib zipfile), its text and layout untouched:

- the document properties are replaced with empty ones: core (creator, last modified by, title, subject,
  keywords, description, dates, revision...), app (company, manager, template path, statistics) and custom ones;
  custom XML data parts (cover page fields, SharePoint columns) keep only their root element;
- names of people in the parts become neutral: the author and initials of comments and tracked changes (and
  their dates, in Word), commenters and people lists (PowerPoint, Excel, Word), shared workbooks' user names, who
  refreshed a pivot table; an Excel workbook's saved folder (`absPath`, often C:\\Users\\<name>) is removed, and
  a link to a local file or a network share (an attached template, a hyperlink) keeps only the file's name;
- pictures (JPEG, PNG, WebP, TIFF, the package thumbnail) are replaced with copies without metadata
  (bot/kernel/metadata.py); vector drawings, GIF and BMP, which hold no camera metadata, are kept; a printer's
  settings lose the printer's name and its driver's private data; an embedded Office document is cleaned the
  same way (two levels at most);
- the zip's comment, its members' times and extra fields go.

A document holding anything else (macros, embedded OLE objects or ActiveX controls, sounds and videos, digital
signatures; fonts are fine), a macro-enabled or template document, an encrypted one (which is no zip), or one over the limits
(`MAX_MEMBERS`, `MAX_UNCOMPRESSED`: a zip bomb) has no copy. Every copy is read back on its own
(`metadata_left`) and refused when anything is left. No Telegram, no I/O.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from bot.kernel import metadata
from bot.kernel.metadata import CleanCopy

MAX_MEMBERS = 5000
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # the whole document, embedded ones included, uncompressed
MAX_DEPTH = 2  # an Office document embedded in one (a chart's workbook), and one in that
ZIP_HEADER = b"PK\x03\x04"
NEUTRAL = "Author"  # what Office's own "remove personal information" writes
NEUTRAL_INITIALS = "A"
NEUTRAL_PROVIDER = "None"

_MAIN_TYPES = {  # the main part's content type -> the copy's extension and MIME type
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
_CORE, _APP, _CUSTOM = "core", "app", "custom"
# A package relationship's type (transitional or strict) ends with one of these.
_PROPERTY_RELATIONSHIPS = {"/metadata/core-properties": _CORE, "/extended-properties": _APP,
                           "/extendedProperties": _APP, "/custom-properties": _CUSTOM, "/customProperties": _CUSTOM}
_DEFAULT_PROPERTY_PARTS = {"docProps/core.xml": _CORE, "docProps/app.xml": _APP, "docProps/custom.xml": _CUSTOM}
_EMPTY_PROPERTIES = {
    _CORE: '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
           'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
    _APP: '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
          'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>',
    _CUSTOM: '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
             'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>',
}
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_XML_PARTS = (".xml", ".rels", ".vml", ".svg")  # (Office's icons are SVG pictures)
_SIGNATURES = "_xmlsignatures/"  # a signed document's signatures: the signer's certificate
_CUSTOM_XML_DATA = re.compile(r"customXml/item\d+\.xml", re.IGNORECASE)
_FONTS = (".odttf", ".fntdata", ".ttf", ".otf")

# Attributes that name a person, wherever they are (comments, tracked changes, people lists, shared workbooks,
# pivot tables); and in the elements that are a person, their name too.
_PERSON_ATTRIBUTES = ("author", "initials", "userId", "providerId", "userName", "refreshedBy", "lastModifiedBy",
                      "createdBy")
_PERSON_ELEMENTS = ("person", "cmAuthor", "author", "userInfo")
_PERSON_ELEMENT_ATTRIBUTES = ("name", "displayName")
_ATTRIBUTE = r"""(\s(?:[A-Za-z_][\w.-]*:)?(?P<name>{names})\s*=\s*)(?P<quote>["'])(?P<value>.*?)(?P=quote)"""
_PERSON_ATTRIBUTE = re.compile(_ATTRIBUTE.format(names="|".join(_PERSON_ATTRIBUTES)), re.DOTALL)
_PERSON_ELEMENT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:{})\b[^>]*>".format("|".join(_PERSON_ELEMENTS)))
_PERSON_NAME = re.compile(_ATTRIBUTE.format(names="|".join(_PERSON_ELEMENT_ATTRIBUTES)), re.DOTALL)
# Excel's list of comment authors: <authors><author>Name</author></authors>.
_AUTHOR_TEXT = re.compile(r"<(?P<tag>(?:[A-Za-z_][\w.-]*:)?author)>(?P<value>[^<]*)</(?P=tag)>")
# Word's dates of comments and tracked changes (optional attributes).
_WORD_DATE = re.compile(r"""\s(?:w|w15|w16cex|w16du):(?:date|dateUtc)\s*=\s*(["']).*?\1""", re.DOTALL)
_ABS_PATH = re.compile(r"<(?P<tag>(?:[A-Za-z_][\w.-]*:)?absPath)\b[^>]*?(?:/>|>.*?</(?P=tag)>)", re.DOTALL)
_RELATIONSHIP = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>")
_TARGET = re.compile(_ATTRIBUTE.format(names="Target"), re.DOTALL)
_WEB_TARGET = re.compile(r"(https?|mailto|ftp):", re.IGNORECASE)


class NoCopy(Exception):
    """This document cannot be copied without its metadata (why, in the message)."""


@dataclass(slots=True)
class _Budget:
    left: int = MAX_UNCOMPRESSED
    members: int = MAX_MEMBERS
    notes: list[str] = field(default_factory=list)

    def take(self, infos: list[zipfile.ZipInfo]) -> None:
        self.members -= len(infos)
        self.left -= sum(info.file_size for info in infos)
        if self.members < 0 or self.left < 0:
            raise NoCopy("too large")


def is_ooxml(content: bytes) -> bool:
    """Whether the bytes are a zip that could be an Office document (`kind` says which one)."""
    return content.startswith(ZIP_HEADER)


def kind(content: bytes) -> tuple[str, str] | None:
    """The extension and MIME type of the Office document these bytes are (read from its [Content_Types].xml);
    None when they are none we copy."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            _check_members(package.infolist())
            return _main_type(package)
    except (zipfile.BadZipFile, NoCopy, OSError, ValueError, KeyError, EOFError, NotImplementedError,
            ElementTree.ParseError):
        return None


def clean_copy(content: bytes) -> CleanCopy | None:
    """The document without its metadata (see the module's docstring), or None: no copy can be made."""
    if not is_ooxml(content):
        return None
    try:
        data, (extension, mime_type) = _copy(content, _Budget(), 0)
    except (zipfile.BadZipFile, NoCopy, OSError, ValueError, KeyError, EOFError, NotImplementedError,
            RuntimeError, ElementTree.ParseError, UnicodeError):
        return None
    if metadata_left(data):
        return None
    return CleanCopy(data, extension, mime_type)


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise NoCopy("too many members")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise NoCopy("a member twice")  # which one a reader takes is its own choice: none may be unchecked
    if any(info.flag_bits & 0x1 for info in infos):
        raise NoCopy("encrypted member")


def _main_type(package: zipfile.ZipFile) -> tuple[str, str]:
    types = _parse(_read(package, "[Content_Types].xml"))
    for override in types:
        if override.tag.endswith("}Override") and override.get("ContentType") in _MAIN_TYPES:
            return _MAIN_TYPES[str(override.get("ContentType"))]
    raise NoCopy("not a document, workbook or presentation we copy")


def _read(package: zipfile.ZipFile, name: str) -> bytes:
    return package.read(name)


def _parse(data: bytes) -> ElementTree.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise NoCopy("a document type declaration")  # never in Office's parts; entities are a known attack
    return ElementTree.fromstring(data)


def _property_parts(package: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """The parts holding the document's properties (by the package's relationships, else their usual names)."""
    parts = {name: role for name, role in _DEFAULT_PROPERTY_PARTS.items() if name in names}
    if "_rels/.rels" in names:
        for relationship in _parse(_read(package, "_rels/.rels")):
            target, kind_ = relationship.get("Target") or "", relationship.get("Type") or ""
            role = next((r for suffix, r in _PROPERTY_RELATIONSHIPS.items() if kind_.endswith(suffix)), None)
            if role is not None and relationship.get("TargetMode") != "External":
                parts[posixpath.normpath(target.lstrip("/"))] = role
    return parts


def _copy(content: bytes, budget: _Budget, depth: int) -> tuple[bytes, tuple[str, str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        infos = [info for info in package.infolist() if not info.is_dir()]
        _check_members(infos)
        budget.take(infos)
        kind_ = _main_type(package)
        properties = _property_parts(package, {info.filename for info in infos})
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for info in infos:
                data = _clean_part(info.filename, package.read(info), properties, budget, depth)
                member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                member.compress_type = zipfile.ZIP_DEFLATED
                copy.writestr(member, data)
    return out.getvalue(), kind_


def _clean_part(name: str, data: bytes, properties: dict[str, str], budget: _Budget, depth: int) -> bytes:
    lower = name.lower()
    if lower.startswith(_SIGNATURES):
        raise NoCopy("signed")  # (a copy's signature would not hold anyway)
    if name in properties:
        return (_XML_DECLARATION + _EMPTY_PROPERTIES[properties[name]]).encode()
    if _CUSTOM_XML_DATA.fullmatch(name):
        return _emptied(data)
    if lower.endswith(_XML_PARTS) or name == "[Content_Types].xml":
        return _scrubbed_xml(data, relationships=lower.endswith(".rels"))
    if _is_picture(data):
        made = metadata.clean_copy(data)
        if made is None:
            raise NoCopy(f"a picture without a copy: {name}")
        return made.content
    if _plain_drawing(data) or lower.endswith(_FONTS):
        return data
    if is_ooxml(data):
        if depth >= MAX_DEPTH:
            raise NoCopy("embedded too deep")
        return _copy(data, budget, depth + 1)[0]
    if posixpath.basename(lower).startswith("printersettings") and lower.endswith(".bin"):
        return _printer_settings(data)
    raise NoCopy(f"a part we do not copy: {name}")  # macros, OLE objects, ActiveX, sounds, videos...


def _is_picture(data: bytes) -> bool:
    return (data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*"))
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"))


def _plain_drawing(data: bytes) -> bool:
    """A picture format with no camera metadata to remove: GIF, BMP, EMF, WMF."""
    return (data.startswith((b"GIF87a", b"GIF89a", b"BM", b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00",
                             b"\x02\x00\x09\x00")) or (data[:4] == b"\x01\x00\x00\x00" and data[40:44] == b" EMF"))


def _printer_settings(data: bytes) -> bytes:
    """A printer's settings (a Windows DEVMODE) without the printer's name (it may name a person's computer or
    a network share) and without its driver's private data."""
    if len(data) < 72:
        raise NoCopy("printer settings")
    size = int.from_bytes(data[68:70], "little")
    if not 72 <= size <= len(data):
        raise NoCopy("printer settings")
    return b"\x00" * 64 + data[64:70] + b"\x00\x00" + data[72:size]


def _decoded(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8-sig"), "utf-8"


def _emptied(data: bytes) -> bytes:
    """A custom XML data part with its root element only."""
    root = _parse(data)
    return _XML_DECLARATION.encode() + ElementTree.tostring(ElementTree.Element(root.tag), encoding="unicode").encode()


def _neutral(match: re.Match[str]) -> str:
    name = match["name"]
    value = NEUTRAL_INITIALS if name == "initials" else NEUTRAL_PROVIDER if name == "providerId" else NEUTRAL
    return f"{match[1]}{match['quote']}{value}{match['quote']}"


def _scrubbed_xml(data: bytes, *, relationships: bool) -> bytes:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise NoCopy("a document type declaration")
    text, encoding = _decoded(data)
    text = _PERSON_ATTRIBUTE.sub(_neutral, text)
    text = _PERSON_ELEMENT.sub(lambda element: _PERSON_NAME.sub(_neutral, element[0]), text)
    text = _AUTHOR_TEXT.sub(lambda m: f"<{m['tag']}>{NEUTRAL}</{m['tag']}>", text)
    text = _WORD_DATE.sub("", text)
    text = _ABS_PATH.sub("", text)
    if relationships:
        text = _RELATIONSHIP.sub(_local_target, text)
    return text.encode(encoding)


def _local_target(match: re.Match[str]) -> str:
    """A relationship to a file outside the document keeps the file's name only (its folder may be a person's)."""
    element = match[0]
    if "External" not in element:
        return element
    target = _TARGET.search(element)
    if target is None or _WEB_TARGET.match(target["value"].strip()) or not _has_folder(target["value"]):
        return element
    file_name = re.split(r"[\\/]", target["value"].rstrip("\\/"))[-1]
    return element[:target.start("value")] + file_name + element[target.end("value"):]


def _has_folder(target: str) -> bool:
    return "/" in target or "\\" in target or ":" in target


# ---- the read-back ----------------------------------------------------------------------------------


def metadata_left(content: bytes, depth: int = 0) -> list[str]:
    """What an Office document still carries that could say who made it (document, app and custom properties,
    people's names, saved folders, local paths, pictures with metadata, parts not copied), read on its own from
    the bytes; empty when nothing. ["unreadable"] when it is not an Office document this reads."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            infos = [info for info in package.infolist() if not info.is_dir()]
            _check_members(infos)
            if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
                return ["too large"]
            _main_type(package)
            found = ["zip-comment"] if package.comment else []
            properties = _property_parts(package, {info.filename for info in infos})
            for info in infos:
                found += [f"{info.filename}:{what}" for what in _part_left(
                    info.filename, package.read(info), properties.get(info.filename), depth)]
                if info.extra:
                    found.append(f"{info.filename}:extra")
    except (zipfile.BadZipFile, NoCopy, OSError, ValueError, KeyError, EOFError, NotImplementedError, RuntimeError,
            ElementTree.ParseError, UnicodeError):
        return ["unreadable"]
    return sorted(set(found))


def _part_left(name: str, data: bytes, role: str | None, depth: int) -> list[str]:
    lower = name.lower()
    if lower.startswith(_SIGNATURES):
        return ["signature"]
    if role is not None or _CUSTOM_XML_DATA.fullmatch(name):
        root = _parse(data)
        return [f"properties:{child.tag.rsplit('}', 1)[-1]}" for child in root] + [
            f"attribute:{key}" for key in root.attrib]
    if lower.endswith(_XML_PARTS) or name == "[Content_Types].xml":
        text, _ = _decoded(data)
        found = [f"person:{m['name']}" for m in _PERSON_ATTRIBUTE.finditer(text)
                 if m["value"] not in (NEUTRAL, NEUTRAL_INITIALS, NEUTRAL_PROVIDER)]
        found += [f"person:{m['name']}" for element in _PERSON_ELEMENT.finditer(text)
                  for m in _PERSON_NAME.finditer(element[0]) if m["value"] != NEUTRAL]
        found += ["person:author" for m in _AUTHOR_TEXT.finditer(text) if m["value"] != NEUTRAL]
        found += ["date" for _ in _WORD_DATE.finditer(text)]
        found += ["absPath" for _ in _ABS_PATH.finditer(text)]
        if lower.endswith(".rels"):
            found += ["local-path" for element in _RELATIONSHIP.finditer(text) if "External" in element[0]
                      and (target := _TARGET.search(element[0])) is not None
                      and not _WEB_TARGET.match(target["value"].strip()) and _has_folder(target["value"])]
        if b"adobe:ns:meta" in data or b"Exif\x00\x00" in data:
            found.append("xmp-or-exif")
        return found
    if _is_picture(data):
        return [f"picture:{what}" for what in metadata.metadata_left(data)]
    if _plain_drawing(data) or lower.endswith(_FONTS):
        return ["xmp-or-exif"] if b"adobe:ns:meta" in data or b"Exif\x00\x00" in data else []
    if is_ooxml(data):
        if depth >= MAX_DEPTH:
            return ["embedded too deep"]
        return [f"embedded:{what}" for what in metadata_left(data, depth + 1)]
    if posixpath.basename(lower).startswith("printersettings") and lower.endswith(".bin"):
        return ["printer-name"] if len(data) < 72 or data[:64].strip(b"\x00") or data[70:72] != b"\x00\x00" else []
    return ["not copied"]
