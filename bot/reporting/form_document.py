"""The pre-filled report form (formulir laporan) as a PDF: the reporter's answers, the case code, the evidence
with its SHA-256 hashes, and blank lines for what the official form asks that the bot did not, to print and sign.

Rendering only: `render_form` turns a `FormContent` (assembled from the database by bot/reporting/form_delivery.py
when the form is sent) into PDF bytes, in the reporter's language. No Telegram, no database.

The library is fpdf2: pure Python (nothing to compile, no system library), maintained, and it embeds subsets of
TrueType fonts. Text is drawn in DejaVu Sans where the system has it (`unicode_font`), which covers what reporters
type (Indonesian, names in other scripts, typographic quotes and dashes). Where it is missing the form falls back
to PDF's core Helvetica, which only has latin-1. Either way a character the font cannot draw is replaced by the
nearest one it can (Ğ → G, — → -) or by "?", rather than printed as an empty box.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from bot.legal.kinds import ElectionKind, Standing
from bot.reporting.incident_time import IncidentTime
from locales import t
from storage.reporting.reports import Identity

# Where DejaVu Sans is on common systems: Debian/Ubuntu, Fedora (old and new), Arch, a local install.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
_FAMILY = "pantau"
_CORE = "helvetica"
# Characters that have a plain equivalent (no decomposition gives it) for fonts that cannot draw them.
_PLAIN = {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "−": "-", "…": "...",
          "•": "-", "→": "->", "←": "<-", "€": "EUR", "™": "TM", "\t": "    "}

_MARGIN = 18.0  # mm, left and right
_LABEL = 56.0  # mm, the column of a field's label
_LINE = 5.6  # mm, one line of body text
_BODY, _SMALL, _HEADING = 10.0, 8.5, 11.0  # pt


@dataclass(frozen=True, slots=True)
class FontFiles:
    """A Unicode TrueType family: its regular and bold faces (the same file if there is no bold)."""

    regular: Path
    bold: Path


@cache
def unicode_font() -> FontFiles | None:
    """DejaVu Sans, if this system has it (None: the form uses the core Helvetica)."""
    for folder in FONT_DIRS:
        regular = folder / "DejaVuSans.ttf"
        if regular.is_file():
            bold = folder / "DejaVuSans-Bold.ttf"
            return FontFiles(regular, bold if bold.is_file() else regular)
    return None


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One evidence file as the form lists it."""

    kind: str  # photo | video | document
    file_name: str | None
    size: int | None
    sha256: str | None  # None: the bot never had the bytes
    stored: str  # stored | too_big | failed

    @property
    def in_person(self) -> bool:
        """Pantau never received it: the reporter must bring the original."""
        return self.sha256 is None or self.stored != "stored"


@dataclass(frozen=True, slots=True)
class FormContent:
    """Everything the form shows, as stored (the renderer localises it)."""

    case_code: str
    regulation: str
    received: datetime  # when Pantau received the report, in the region's zone
    zone: str  # the region's zone label: WIB, WITA or WIT
    category: str  # bot/reporting/categories.py key
    chronology: str
    incident: IncidentTime
    known: date  # when the reporter learned of it (the incident's date if they did not say)
    region_path: str  # "Pasar Jambi, Kota Jambi, Jambi"
    place: str | None
    gps: tuple[float, float] | None
    party: str | None
    witnesses: str | None
    anonymous: bool
    identity: Identity | None  # None: anonymous, or erased since
    standing: Standing | None
    evidence: tuple[EvidenceLine, ...]
    bring_by: date  # the last day to complete an online report in person
    kecamatan: str
    kabupaten: str
    election: ElectionKind = ElectionKind.PILKADA  # whose words name the standing (a voter of the region, for Pilkada)
    informasi_awal: bool = False  # handled as informasi awal (assessed so, or its identity erased since), not a laporan


def file_size(size: int | None, locale: str) -> str:
    """"1,2 MB" (Indonesian) or "1.2 MB"; "" when unknown."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    value, unit = (size / 1024, "KB") if size < 1024 * 1024 else (size / (1024 * 1024), "MB")
    text = f"{value:.1f}"
    return f"{text.replace('.', ',') if locale == 'id' else text} {unit}"


def drawable(text: str, covers: Callable[[str], bool]) -> str:
    """`text` with every character the font cannot draw replaced: by its plain equivalent, by its letter without
    accents, by nothing (a combining mark or an invisible format character) or else by "?"."""
    out: list[str] = []
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))  # e + ́ is é
    for char in text:
        if char == "\n" or (char.isprintable() and covers(char)):
            out.append(char)
            continue
        plain = _PLAIN.get(char)
        if plain is None:
            plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if plain and plain != char and all(c.isprintable() and covers(c) for c in plain):
            out.append(plain)
        elif unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc"):
            continue  # a combining mark left alone, a zero-width joiner, a variation selector, a control
        else:
            out.append("?")
    return "".join(out)


class _Form(FPDF):
    """An A4 page set with the form's footer, drawing only characters its font has."""

    def __init__(self, locale: str, case_code: str, font: FontFiles | None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.locale = locale
        self.case_code = case_code
        self.set_margins(_MARGIN, 16.0, _MARGIN)
        self.set_auto_page_break(True, margin=18.0)
        if font is None:
            self.family_name = _CORE
            self.covers: Callable[[str], bool] = lambda char: ord(char) < 256
        else:
            self.add_font(_FAMILY, "", str(font.regular))
            self.add_font(_FAMILY, "B", str(font.bold))
            self.family_name = _FAMILY
            faces = [self.fonts[_FAMILY], self.fonts[f"{_FAMILY}B"]]
            cmap = set.intersection(*(set(face.cmap) for face in faces if isinstance(face, TTFFont)))
            self.covers = lambda char: ord(char) in cmap

    def text_of(self, text: str) -> str:
        return drawable(text, self.covers)

    def use(self, size: float = _BODY, *, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-13)
        self.use(_SMALL)
        self.set_text_color(90)
        # "{nb}" is fpdf's alias for the number of pages, filled in when the document is closed.
        footer = t(self.locale, "form.pdf.footer", code=self.case_code, page=self.page_no(), pages="{nb}")
        self.cell(0, 5, self.text_of(footer), align="C")
        self.set_text_color(0)


class _Writer:
    """The form's building blocks: headings, filled fields, blank fields, paragraphs, lists."""

    def __init__(self, pdf: _Form) -> None:
        self.pdf = pdf
        self.locale = pdf.locale

    def label(self, key: str) -> str:
        return t(self.locale, f"form.pdf.{key}")

    def heading(self, key: str) -> None:
        pdf = self.pdf
        if pdf.will_page_break(4 * _LINE):  # a heading is never left alone at the foot of a page
            pdf.add_page()
        pdf.ln(2.5)
        pdf.use(_HEADING, bold=True)
        pdf.set_fill_color(232)
        pdf.cell(0, 7.5, pdf.text_of(self.label(f"section.{key}")), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)

    def label_cell(self, key: str, height: float) -> None:
        """A field's label (`key` under form.pdf), in its column; made smaller if a translation is too long for it."""
        pdf = self.pdf
        text = pdf.text_of(self.label(key))
        size = _BODY
        pdf.use(size, bold=True)
        while pdf.get_string_width(text) > _LABEL - 2.0 and size > 6.5:
            size -= 0.5
            pdf.use(size, bold=True)
        pdf.cell(_LABEL, height, text)

    def field(self, key: str, value: str | None) -> None:
        """A label and its answer; an answer that is missing is a blank line to fill in by hand."""
        if not value:
            self.blank(key)
            return
        pdf = self.pdf
        if pdf.will_page_break(_LINE):
            pdf.add_page()
        self.label_cell(key, _LINE)
        pdf.use(_BODY)
        pdf.multi_cell(0, _LINE, pdf.text_of(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)

    def blank(self, key: str) -> None:
        """A label and a line to write on by hand."""
        pdf = self.pdf
        if pdf.will_page_break(_LINE + 3.0):
            pdf.add_page()
        self.label_cell(key, _LINE + 1.5)
        x, y = pdf.get_x(), pdf.get_y()
        pdf.set_draw_color(120)
        pdf.line(x, y + _LINE + 1.2, pdf.w - pdf.r_margin, y + _LINE + 1.2)
        pdf.set_xy(pdf.l_margin, y + _LINE + 3.0)

    def paragraph(self, text: str, size: float = _BODY, *, bold: bool = False, indent: float = 0.0) -> None:
        pdf = self.pdf
        pdf.use(size, bold=bold)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, _LINE * size / _BODY, pdf.text_of(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullets(self, items: Iterable[str]) -> None:
        for item in items:
            self.paragraph(f"- {item}", indent=4.0)


def _when(content: FormContent) -> str:
    incident = content.incident
    text = incident.date.strftime("%d-%m-%Y")
    if incident.time is not None:
        text += f" {incident.time:%H:%M} {content.zone}"
    return text


def _reporter(w: _Writer, content: FormContent) -> None:
    w.heading("reporter")
    identity = content.identity
    if content.anonymous:
        w.paragraph(w.label("note.anonymous"), _SMALL)
        w.pdf.ln(1.5)
    w.field("field.name", identity.name if identity else None)
    for key in ("birth", "sex", "occupation", "citizenship"):
        w.blank(f"field.{key}")
    w.field("field.address", identity.address if identity else None)
    w.field("field.phone", identity.phone if identity else None)
    standing = None if content.standing is None else w.label(f"standing.{content.election.value}.{content.standing.value}")
    w.field("field.standing", standing)


def _incident(w: _Writer, content: FormContent) -> None:
    w.heading("incident")
    w.field("field.category", t(w.locale, f"category.{content.category}.name"))
    w.field("field.incident", _when(content))
    w.field("field.known", content.known.strftime("%d-%m-%Y"))
    w.field("field.region", f"{content.region_path} ({content.zone})")
    if content.place:
        w.field("field.place", content.place)
    if content.gps is not None:
        w.field("field.gps", f"{content.gps[0]:.5f}, {content.gps[1]:.5f}")
    w.pdf.use(_BODY, bold=True)
    w.pdf.cell(0, _LINE, w.pdf.text_of(w.label("field.chronology")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    w.paragraph(content.chronology)  # up to 3,500 characters: wraps, and flows onto the next pages


def _witnesses(w: _Writer, content: FormContent) -> None:
    w.heading("witnesses")
    if content.witnesses:
        w.paragraph(content.witnesses)
        return
    w.paragraph(w.label("note.no_witnesses"), _SMALL)
    w.pdf.ln(1.0)
    w.blank("field.witness_name")
    w.blank("field.witness_contact")


def _evidence(w: _Writer, content: FormContent) -> None:
    w.heading("evidence")
    if not content.evidence:
        w.paragraph(w.label("note.no_evidence"))
        return
    w.paragraph(w.label("note.hashes"), _SMALL)
    w.pdf.ln(1.5)
    for number, item in enumerate(content.evidence, start=1):
        if w.pdf.will_page_break(3 * _LINE):
            w.pdf.add_page()
        parts = [w.label(f"evidence.{item.kind}") if item.kind in ("photo", "video", "document") else item.kind,
                 item.file_name or w.label("evidence.no_name"), file_size(item.size, w.locale)]
        w.paragraph(f"{number}. " + " · ".join(part for part in parts if part), bold=True)
        if item.sha256 is not None and not item.in_person:
            w.paragraph(f"SHA-256: {item.sha256}", _SMALL, indent=5.0)
        else:
            w.paragraph(w.label(f"evidence.{'too_big' if item.stored == 'too_big' else 'failed'}"), _SMALL, indent=5.0)
        w.pdf.ln(1.0)


def _in_person(w: _Writer, content: FormContent) -> None:
    w.heading("in_person")
    office = t(w.locale, "form.pdf.bring.office", kecamatan=content.kecamatan, kabupaten=content.kabupaten)
    if content.informasi_awal:
        w.paragraph(t(w.locale, "form.pdf.bring.informasi_awal", date=content.bring_by.strftime("%d-%m-%Y"),
                      office=office), bold=True)
        w.pdf.ln(1.5)
    w.paragraph(t(w.locale, "form.pdf.bring.intro", date=content.bring_by.strftime("%d-%m-%Y"), office=office))
    items = [w.label("bring.id_card"), w.label("bring.form"), w.label("bring.originals")]
    if any(item.in_person for item in content.evidence):
        items.append(w.label("bring.too_big"))
    w.bullets(items)


def _signature(w: _Writer, content: FormContent) -> None:
    pdf = w.pdf
    if pdf.will_page_break(50):  # the statement and the signature stay together
        pdf.add_page()
    pdf.ln(5)
    w.paragraph(w.label("sign.statement"))
    pdf.ln(3)
    w.blank("sign.place_date")
    pdf.ln(16)  # room to sign, above the line
    w.blank("sign.signature")
    w.field("sign.name", content.identity.name if content.identity else None)


def render_form(content: FormContent, locale: str, font: FontFiles | None) -> bytes:
    """The form as PDF bytes, in `locale`, drawn in `font` (None: the core Helvetica, latin-1 only)."""
    pdf = _Form(locale, content.case_code, font)
    title = t(locale, "form.pdf.title")
    pdf.set_title(f"{title} {content.case_code}")
    pdf.set_author("Pantau")
    pdf.set_creator("Pantau")
    pdf.set_lang(locale)
    pdf.add_page()
    w = _Writer(pdf)
    pdf.use(14, bold=True)
    pdf.multi_cell(0, 7, pdf.text_of(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    w.paragraph(w.label("intro"), _SMALL)
    pdf.ln(2)
    w.field("case_code", content.case_code)
    w.field("received", f"{content.received:%d-%m-%Y %H:%M} {content.zone}")
    w.field("regulation", content.regulation)
    _reporter(w, content)
    w.heading("party")
    w.field("field.party", content.party)
    w.blank("field.party_address")
    _incident(w, content)
    _witnesses(w, content)
    _evidence(w, content)
    _in_person(w, content)
    _signature(w, content)
    return bytes(pdf.output())
