"""Documents with metadata, for the document-copy tests: a PDF made with pypdf (document information, XMP of the
document, a page and a picture, application data, an attached photo, a file attachment annotation, a note with
its author, JavaScript, and a JPEG picture with EXIF GPS) and a Word document made with zipfile (core and app
properties, custom properties, a comment's and a tracked change's author, a path with the owner's user name, a
media JPEG with EXIF); and an oracle of our own saying what such a file still carries."""

from __future__ import annotations

import io
import zipfile
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from tests import exif_samples
from tests.exif_samples import carries_metadata

# Strings planted in a document's metadata: none may be found in a copy.
AUTHOR, CREATOR, PRODUCER = "Siti Rahma Author", "CREATOR-OWNER-APP", "PRODUCER-OWNER-TOOL"
TITLE, SUBJECT, KEYWORDS = "TITLE-OWNER-SECRET", "SUBJECT-OWNER-SECRET", "KEYWORDS-OWNER-SECRET"
NOTE_AUTHOR, SCRIPT = "NOTE-AUTHOR-SECRET", "app.alert('SCRIPT-OWNER-SECRET')"
ATTACHED_NAME = "IMG_Siti_Rahma_original.jpg"
COMPANY, MANAGER, CUSTOM = "COMPANY-OWNER-SECRET", "MANAGER-OWNER-SECRET", "CUSTOM-OWNER-SECRET"
REVIEWER, USER_PATH = "REVIEWER-OWNER-SECRET", r"C:\Users\sitirahma\Documents\laporan.docx"
PDF_PLANTED = (AUTHOR, CREATOR, PRODUCER, TITLE, SUBJECT, KEYWORDS, NOTE_AUTHOR, "SCRIPT-OWNER-SECRET",
               ATTACHED_NAME, "pypdf")
DOCX_PLANTED = (AUTHOR, TITLE, SUBJECT, KEYWORDS, COMPANY, MANAGER, CUSTOM, REVIEWER, "sitirahma")
TEXT = "Notulen rapat PPK Pasar Jambi"


def _xmp(mark: str) -> bytes:
    return (f'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>{exif_samples.XMP.replace(exif_samples.XMP_MARK, mark)}'
            '<?xpacket end="w"?>').encode()


def _metadata_stream(writer: PdfWriter, mark: str) -> object:
    stream = DecodedStreamObject()
    stream.set_data(_xmp(mark))
    stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    return writer._add_object(stream)


def pdf(pages: int = 2, *, jpeg: bytes | None = None, flate: bool = False, encrypt: bool = False) -> bytes:
    """A PDF of `pages` pages, each with a line of text and the same JPEG picture (with EXIF GPS; `flate`: the
    JPEG compressed again with Flate), and with every kind of metadata the copy drops."""
    writer = PdfWriter()
    picture = jpeg if jpeg is not None else exif_samples.jpeg((160, 120))
    image = StreamObject()
    image._data = zlib.compress(picture) if flate else picture
    image.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(160), NameObject("/Height"): NumberObject(120),
        NameObject("/ColorSpace"): NameObject("/DeviceRGB"), NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): ArrayObject([NameObject("/FlateDecode"), NameObject("/DCTDecode")]) if flate
        else NameObject("/DCTDecode"),
        NameObject("/Metadata"): _metadata_stream(writer, "XMP-IMAGE-SECRET"),
    })
    image_ref = writer._add_object(image)
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    for n in range(1, pages + 1):
        page = writer.add_blank_page(595, 842)
        content = DecodedStreamObject()
        content.set_data(f"BT /F1 14 Tf 72 760 Td ({TEXT} halaman {n}) Tj ET q 160 0 0 120 72 560 cm /Im1 Do Q".encode())
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
            NameObject("/XObject"): DictionaryObject({NameObject("/Im1"): image_ref}),
        })
        page[NameObject("/Metadata")] = _metadata_stream(writer, "XMP-PAGE-SECRET")
        page[NameObject("/PieceInfo")] = DictionaryObject({NameObject("/Illustrator"): DictionaryObject({
            NameObject("/Private"): TextStringObject(AUTHOR), NameObject("/LastModified"): TextStringObject("D:2026")})})
        attached = writer._add_object(StreamObject())
        attached.get_object()._data = picture
        attached.get_object()[NameObject("/Type")] = NameObject("/EmbeddedFile")
        filespec = DictionaryObject({
            NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject(ATTACHED_NAME),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): attached}),
        })
        rect = ArrayObject([FloatObject(v) for v in (400, 700, 420, 720)])
        page[NameObject("/Annots")] = ArrayObject([
            writer._add_object(DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/Rect"): rect, NameObject("/FS"): filespec, NameObject("/T"): TextStringObject(AUTHOR),
            })),
            writer._add_object(DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
                NameObject("/Rect"): rect, NameObject("/Contents"): TextStringObject("lihat foto"),
                NameObject("/T"): TextStringObject(NOTE_AUTHOR), NameObject("/M"): TextStringObject("D:20261121"),
                NameObject("/AA"): DictionaryObject({NameObject("/E"): DictionaryObject({
                    NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(SCRIPT)})}),
            })),
        ])
    writer.add_metadata({"/Author": AUTHOR, "/Creator": CREATOR, "/Producer": PRODUCER, "/Title": TITLE,
                         "/Subject": SUBJECT, "/Keywords": KEYWORDS, "/CreationDate": "D:20261121143005+07'00'"})
    writer.xmp_metadata = _xmp(exif_samples.XMP_MARK)
    writer.add_attachment(ATTACHED_NAME, picture)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(SCRIPT)})
    if encrypt:
        writer.encrypt("rahasia", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _strings(obj: object) -> list[str]:
    """Every string and name in an object, and in the direct objects inside it, as text (the file escapes them)."""
    if isinstance(obj, dict):
        return [text for key, value in obj.items() for text in (str(key), *_strings(value))]
    if isinstance(obj, list):
        return [text for value in obj for text in _strings(value)]
    if isinstance(obj, (TextStringObject, ByteStringObject, NameObject)):
        return [str(obj) if not isinstance(obj, ByteStringObject) else bytes(obj).decode("latin-1")]
    return []


def pdf_carries(content: bytes) -> list[str]:
    """What a PDF still carries, found without the code under test: a planted string or an XMP or EXIF mark in
    the file or any decoded stream, document information, attachments, scripts, or a picture with EXIF."""
    found = set(carries_metadata(content))
    reader = PdfReader(io.BytesIO(content))
    if reader.metadata:
        found.add(f"info:{sorted(reader.metadata)}")
    if reader.xmp_metadata is not None:
        found.add("xmp-catalog")
    if reader.attachments:
        found.add("attachments")
    root = reader.trailer["/Root"]
    found |= {f"catalog:{key}" for key in ("/OpenAction", "/Metadata", "/AcroForm", "/AA") if key in root}
    names = root.get("/Names")
    found |= {f"catalog:names:{key}" for key in ("/EmbeddedFiles", "/JavaScript") if key in (names or {})}
    for number, page in enumerate(reader.pages, start=1):
        found |= {f"page{number}:{key}" for key in ("/Metadata", "/PieceInfo", "/AA") if key in page}
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if "/V" in annotation and annotation.get("/FT") == "/Sig":
                found.add(f"page{number}:signature")
            if annotation.get("/Subtype") == "/FileAttachment":
                found.add(f"page{number}:attachment")
            author = "/T" in annotation and annotation.get("/Subtype") != "/Widget"  # a form field's /T: its name
            if author or "/AA" in annotation:
                found.add(f"page{number}:annotation-author-or-script")
        for image in page.images:
            found |= {f"page{number}:image:{mark}" for mark in carries_metadata(image.data)}
    strings: list[str] = []
    for number in {n for table in reader.xref.values() for n in table}:
        obj = reader.get_object(number)
        strings += _strings(obj)
        if hasattr(obj, "get_data"):
            data = obj.get_data()
            found |= {f"stream:{mark}" for mark in carries_metadata(data)}
            found |= {f"stream:planted:{mark}" for mark in PDF_PLANTED if mark.encode() in data}
    found |= {f"planted:{mark}" for mark in PDF_PLANTED if mark.encode() in content}
    found |= {f"string:{mark}" for mark in PDF_PLANTED if any(mark in text for text in strings)}
    return sorted(found)


# ---- Office Open XML -----------------------------------------------------------------------------------

_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TYPES = "application/vnd.openxmlformats-officedocument"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CORE_NS = ('xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_TIME = "2026-11-21T08:00:00Z"


def _relationships(*items: tuple[str, str, str]) -> str:
    """A relationships part: (type, target, extra attributes) each."""
    lines = [f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"{extra}/>'
             for n, (kind, target, extra) in enumerate(items, start=1)]
    return f'{_DECLARATION}<Relationships xmlns="{_RELS}">{"".join(lines)}</Relationships>'


def _content_types(overrides: dict[str, str]) -> str:
    defaults = ('<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Default Extension="jpeg" ContentType="image/jpeg"/>')
    parts = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides.items())
    return f'{_DECLARATION}<Types xmlns="{_CT}">{defaults}{parts}</Types>'


def package(main: tuple[str, str], parts: dict[str, str | bytes], *, comment: str = "") -> bytes:
    """An Office package: `main` (its main part's name and content type), `parts` (name -> content; the content
    types and package relationships are made here)."""
    name, kind = main
    files = {
        "[Content_Types].xml": _content_types({name: kind}).encode(),
        "_rels/.rels": _relationships((f"{_OFFICE}/relationships/officeDocument", name, "")).encode(),
        **{part: content.encode() if isinstance(content, str) else content for part, content in parts.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.comment = comment.encode()
        for part, data in files.items():
            zipped.writestr(part, data)
    return out.getvalue()


def xlsx() -> bytes:
    """An Excel workbook with a comment's author, a threaded comment's person, the folder it was saved in (with
    its owner's user name), a shared workbook's user, a table, printer settings naming a computer, and a media
    JPEG with EXIF."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    devmode = ("\\\\SITIRAHMA-PC\\HP".encode("utf-16-le").ljust(64, b"\x00") + b"\x01\x04\x00\x05"
               + (72 + 8).to_bytes(2, "little") + (4).to_bytes(2, "little") + b"A4-FORM-" + b"DRIVERDATA-SITI"[:4])
    return package(("xl/workbook.xml", f"{_TYPES}.spreadsheetml.sheet.main+xml"), {
        "xl/workbook.xml": (
            f'{_DECLARATION}<workbook {ns} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac">'
            f'<fileSharing userName="{AUTHOR}"/><mc:AlternateContent><mc:Choice Requires="x15">'
            r'<x15ac:absPath url="C:\Users\sitirahma\Documents\"/></mc:Choice></mc:AlternateContent>'
            '<sheets><sheet name="Rekap" sheetId="1"/></sheets></workbook>'),
        "xl/comments1.xml": (f'{_DECLARATION}<comments {ns}><authors><author>{REVIEWER}</author></authors>'
                             '<commentList><comment ref="A1" authorId="0"><text><t>cek</t></text></comment>'
                             "</commentList></comments>"),
        "xl/persons/person.xml": (
            f'{_DECLARATION}<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
            f'<person displayName="{REVIEWER}" id="{{0A}}" userId="siti@example.org" providerId="AD"/></personList>'),
        "xl/tables/table1.xml": (f'{_DECLARATION}<table {ns} id="1" name="Suara" displayName="Suara" ref="A1:B2">'
                                 "</table>"),
        "xl/printerSettings/printerSettings1.bin": devmode,
        "xl/media/image1.jpeg": exif_samples.jpeg(),
    })


def pptx() -> bytes:
    """A PowerPoint presentation with its commenters, a modern comment's author and a media PNG with EXIF."""
    p = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    return package(("ppt/presentation.xml", f"{_TYPES}.presentationml.presentation.main+xml"), {
        "ppt/presentation.xml": f"{_DECLARATION}<p:presentation {p}/>",
        "ppt/commentAuthors.xml": (f'{_DECLARATION}<p:cmAuthorLst {p}><p:cmAuthor id="0" name="{REVIEWER}" '
                                   'initials="SR" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'),
        "ppt/authors.xml": (
            f'{_DECLARATION}<p188:authorLst xmlns:p188="http://schemas.microsoft.com/office/powerpoint/2018/8/main">'
            f'<p188:author id="{{0B}}" name="{REVIEWER}" initials="SR" userId="siti@example.org" providerId="AD"/>'
            "</p188:authorLst>"),
        "ppt/media/image1.png": exif_samples.png(),
    })


def docx(*, media: bytes | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A Word document with a paragraph, a comment, a tracked change, a picture (a JPEG with EXIF GPS), a
    template in its owner's folder, and all its document properties filled in."""
    picture = media if media is not None else exif_samples.jpeg((160, 120))
    change = f'w:author="{REVIEWER}" w:date="{_TIME}"'
    parts = {
        "[Content_Types].xml": _content_types({
            "word/document.xml": f"{_TYPES}.wordprocessingml.document.main+xml",
            "word/comments.xml": f"{_TYPES}.wordprocessingml.comments+xml",
            "word/settings.xml": f"{_TYPES}.wordprocessingml.settings+xml",
            "docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
            "docProps/app.xml": f"{_TYPES}.extended-properties+xml",
            "docProps/custom.xml": f"{_TYPES}.custom-properties+xml",
        }),
        "_rels/.rels": _relationships(
            (f"{_OFFICE}/relationships/officeDocument", "word/document.xml", ""),
            (f"{_RELS}/metadata/core-properties", "docProps/core.xml", ""),
            (f"{_OFFICE}/relationships/extended-properties", "docProps/app.xml", ""),
            (f"{_OFFICE}/relationships/custom-properties", "docProps/custom.xml", ""),
        ),
        "docProps/core.xml": (
            f"{_DECLARATION}<cp:coreProperties {_CORE_NS}><dc:title>{TITLE}</dc:title>"
            f"<dc:subject>{SUBJECT}</dc:subject><dc:creator>{AUTHOR}</dc:creator><cp:keywords>{KEYWORDS}</cp:keywords>"
            f"<cp:lastModifiedBy>{AUTHOR}</cp:lastModifiedBy><cp:revision>3</cp:revision>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{_TIME}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_TIME}</dcterms:modified></cp:coreProperties>'),
        "docProps/app.xml": (
            f'{_DECLARATION}<Properties xmlns="{_OFFICE}/extended-properties"><Template>{USER_PATH}</Template>'
            f"<Company>{COMPANY}</Company><Manager>{MANAGER}</Manager>"
            "<Application>Microsoft Office Word</Application></Properties>"),
        "docProps/custom.xml": (
            f'{_DECLARATION}<Properties xmlns="{_OFFICE}/custom-properties" xmlns:vt="{_OFFICE}/docPropsVTypes">'
            f'<property fmtid="{_FMTID}" pid="2" name="Owner"><vt:lpwstr>{CUSTOM}</vt:lpwstr></property></Properties>'),
        "word/_rels/document.xml.rels": _relationships(
            (f"{_OFFICE}/relationships/image", "media/image1.jpeg", ""),
            (f"{_OFFICE}/relationships/comments", "comments.xml", ""),
            (f"{_OFFICE}/relationships/settings", "settings.xml", ""),
        ),
        "word/_rels/settings.xml.rels": _relationships(
            (f"{_OFFICE}/relationships/attachedTemplate", f"file:///{USER_PATH}", ' TargetMode="External"')),
        "word/settings.xml": (f'{_DECLARATION}<w:settings xmlns:w="{_W}" xmlns:r="{_OFFICE}/relationships">'
                              '<w:attachedTemplate r:id="rId1"/></w:settings>'),
        "word/document.xml": (
            f'{_DECLARATION}<w:document xmlns:w="{_W}" xmlns:r="{_OFFICE}/relationships"><w:body><w:p>'
            f'<w:r><w:t>{TEXT}</w:t></w:r><w:ins w:id="1" {change}><w:r><w:t> (revisi)</w:t></w:r></w:ins>'
            '<w:commentRangeStart w:id="0"/><w:r><w:t> amplop</w:t></w:r><w:commentRangeEnd w:id="0"/>'
            '<w:r><w:commentReference w:id="0"/></w:r></w:p></w:body></w:document>'),
        "word/comments.xml": (
            f'{_DECLARATION}<w:comments xmlns:w="{_W}"><w:comment w:id="0" {change} w:initials="SR">'
            "<w:p><w:r><w:t>cek lagi</w:t></w:r></w:p></w:comment></w:comments>"),
    }
    files: dict[str, bytes] = {name: text.encode() for name, text in parts.items()}
    files["word/media/image1.jpeg"] = picture
    files.update(extra or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.comment = AUTHOR.encode()
        for name, data in files.items():
            package.writestr(name, data)
    return out.getvalue()


def ooxml_carries(content: bytes, planted: tuple[str, ...] = DOCX_PLANTED) -> list[str]:
    """What an Office document still carries, found without the code under test: planted strings in any part,
    property elements beyond none in core.xml, company or manager in app.xml, custom properties, pictures with
    metadata, the zip's comment."""
    found = []
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        if package.comment:
            found.append("zip-comment")
        for info in package.infolist():
            data = package.read(info)
            found += [f"{info.filename}:planted:{mark}" for mark in planted if mark.encode() in data]
            found += [f"{info.filename}:{mark}" for mark in carries_metadata(data)]
            if info.filename == "docProps/core.xml" and any(tag in data for tag in (
                    b"<dc:", b"<cp:keywords", b"<cp:lastModifiedBy", b"<dcterms:", b"<cp:revision")):
                found.append("core-properties")
            if info.filename == "docProps/app.xml" and (b"<Company" in data or b"<Manager" in data):
                found.append("app-properties")
            if info.filename == "docProps/custom.xml" and b"<property" in data:
                found.append("custom-properties")
    return found
