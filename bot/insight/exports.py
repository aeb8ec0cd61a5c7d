"""Exports of a region's cases (issue 14): one row per case as CSV, XLSX (openpyxl, write-only: rows streamed) or
GeoJSON (a point per case with GPS, a null geometry otherwise). Times in the zone of the case's region, region
codes and names, deadlines. A group's export never holds who reported; an operator's may, when asked with a
purpose (bot/operators/tools.py), the access logged. Pure but for the names and zones it looks up."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.legal.rules import LegalRules
from bot.regions.directory import RegionDirectory
from locales import t
from storage.insight.exports import ExportIdentity
from storage.report_records import ReportRecord


class ExportFormat(StrEnum):
    """The formats (the buttons' wire values and the CLI's --format: never change them)."""

    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"

    @property
    def mime_type(self) -> str:
        return {ExportFormat.CSV: "text/csv", ExportFormat.GEOJSON: "application/geo+json",
                ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[self]


COLUMNS: tuple[str, ...] = (
    "case_code", "category", "category_name", "status", "kind", "anonymous", "reported_by", "submitted_at",
    "incident_local", "known_local", "timezone", "province_code", "province", "kabupaten_code", "kabupaten",
    "kecamatan_code", "kecamatan", "region_code", "place_description", "reported_party", "latitude", "longitude",
    "online", "online_account", "evidence_count", "evidence_sha256", "forwarded_to", "duplicate_of",
    "initial_review_due", "handling_due", "handling_extended_due", "status_changed_at",
)
IDENTITY_COLUMNS: tuple[str, ...] = ("reporter_name", "reporter_address", "reporter_phone")  # operators' only


def _local(regions: RegionDirectory, stamp: str | None, region_code: str) -> str | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp).astimezone(regions.timezone(region_code)).isoformat(timespec="seconds")
    except ValueError:
        return stamp


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def rows(records: Sequence[ReportRecord], regions: RegionDirectory, rules: LegalRules, locale: str, *,
         hashes: dict[int, list[str]], reporters: dict[int, int],
         identities: dict[int, ExportIdentity] | None = None) -> list[dict[str, Any]]:
    """One dict per case, keys COLUMNS (and IDENTITY_COLUMNS when `identities` is given: an operator's export)."""
    out = []
    names: dict[str, list[tuple[str, str]]] = {}
    deadlines: dict[date, tuple[str | None, str | None, str | None]] = {}  # a day's deadlines, counted once
    for r in records:
        chain = names.get(r.region_code)
        if chain is None:
            chain = names[r.region_code] = [(a.code, a.name) for a in regions.ancestors(r.region_code)]
        by_level = {len(code.split(".")): (code, name) for code, name in chain}
        received = datetime.fromisoformat(r.submitted_at).astimezone(regions.timezone(r.region_code)).date()
        due = deadlines.get(received)
        if due is None:
            review = rules.initial_review(received)
            # Pemilu counts the handling from registration: from receipt here, the earliest it can be.
            due = deadlines[received] = (_day(review.day if review else None), _day(rules.handling(received).day),
                                         _day(rules.handling_extended(received).day))
        row: dict[str, Any] = {
            "case_code": r.case_code, "category": r.category, "category_name": t(locale, f"category.{r.category}.name"),
            "status": r.status, "kind": r.kind, "anonymous": int(r.anonymous), "reported_by": reporters.get(r.id, 1),
            "submitted_at": _local(regions, r.submitted_at, r.region_code), "incident_local": r.incident_local,
            "known_local": r.known_local, "timezone": regions.tz_label(r.region_code),
            "province_code": by_level.get(1, (None, None))[0], "province": by_level.get(1, (None, None))[1],
            "kabupaten_code": by_level.get(2, (None, None))[0], "kabupaten": by_level.get(2, (None, None))[1],
            "kecamatan_code": by_level.get(3, (None, None))[0], "kecamatan": by_level.get(3, (None, None))[1],
            "region_code": r.region_code, "place_description": r.place_description,
            "reported_party": r.reported_party, "latitude": r.latitude, "longitude": r.longitude,
            "online": int(r.online), "online_account": r.online_account, "evidence_count": r.evidence_count,
            "evidence_sha256": " ".join(hashes.get(r.id, [])), "forwarded_to": r.forwarded_to,
            "duplicate_of": r.duplicate_of, "initial_review_due": due[0], "handling_due": due[1],
            "handling_extended_due": due[2],
            "status_changed_at": _local(regions, r.status_changed_at, r.region_code),
        }
        if identities is not None:
            who = identities.get(r.id)
            row["reporter_name"] = who.name if who else None
            row["reporter_address"] = who.address if who else None
            row["reporter_phone"] = who.phone if who else None
        out.append(row)
    return out


def columns(with_identity: bool) -> tuple[str, ...]:
    return COLUMNS + IDENTITY_COLUMNS if with_identity else COLUMNS


def to_csv(table: Sequence[dict[str, Any]], fields: Sequence[str]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({name: _cell(row.get(name)) for name in fields} for row in table)
    return out.getvalue().encode("utf-8")


def to_xlsx(table: Sequence[dict[str, Any]], fields: Sequence[str], sheet: str = "kasus") -> bytes:
    from openpyxl import Workbook  # imported when an export is made: the bot starts without it

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.freeze_panes = "B2"
    worksheet.append(list(fields))
    for row in table:
        worksheet.append([_cell(row.get(name)) for name in fields])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A value as a cell: text a spreadsheet would run as a formula (=, +, -, @ first) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_geojson(table: Sequence[dict[str, Any]], fields: Sequence[str]) -> bytes:
    features = []
    for row in table:
        lat, lon = row.get("latitude"), row.get("longitude")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        properties = {name: row.get(name) for name in fields if name not in ("latitude", "longitude")}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def render(table: Sequence[dict[str, Any]], fmt: ExportFormat, with_identity: bool = False) -> bytes:
    fields = columns(with_identity)
    if fmt is ExportFormat.CSV:
        return to_csv(table, fields)
    if fmt is ExportFormat.XLSX:
        return to_xlsx(table, fields)
    return to_geojson(table, fields)

