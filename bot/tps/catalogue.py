"""The polling stations' list an operator imports (issue 13): KPU's TPS list of the deployment's region as a CSV
file, read and checked row by row. Pure rules: no SQL, no Telegram.

Columns (a header row names them; Indonesian or English names, any order, `,` or `;` between fields, UTF-8 with
or without a byte order mark, as a spreadsheet saves it):

    kode_desa (desa_code)      the desa or kelurahan's Kemendagri code, e.g. 15.71.04.1001   required
    nama_desa (desa_name)      its name                                                       optional
    tps (number)               the TPS number, 1–999 ("005" is 5)                             required
    alamat (address)           where it is                                                    optional
    lintang, bujur (latitude, longitude)   both or neither, inside Indonesia                  optional
    pemilih (voters)           registered voters (DPT), 0–1000                                optional
    ikp (vulnerabilities)      the vulnerability index's indicators that apply, separated by | or ;
                               (kekerasan, politik_uang, logistik, netralitas, akses, hak_pilih)  optional

A file with any bad row imports nothing: every bad row is reported with its line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Vulnerability(StrEnum):
    """Indicators of Bawaslu's election vulnerability index (Indeks Kerawanan Pemilu) that a TPS can carry
    (persisted by value: never rename one)."""

    VIOLENCE = "violence"  # past violence or intimidation
    MONEY_POLITICS = "money_politics"
    LOGISTICS = "logistics"  # late or short logistics before
    NEUTRALITY = "neutrality"  # officials' or organisers' neutrality questioned before
    ACCESS = "access"  # hard to reach (islands, mountains, disaster areas)
    VOTER_ROLL = "voter_roll"  # voter roll problems (DPT)


_VULNERABILITY_NAMES = {
    "kekerasan": Vulnerability.VIOLENCE, "politik_uang": Vulnerability.MONEY_POLITICS,
    "logistik": Vulnerability.LOGISTICS, "netralitas": Vulnerability.NEUTRALITY, "akses": Vulnerability.ACCESS,
    "hak_pilih": Vulnerability.VOTER_ROLL, **{v.value: v for v in Vulnerability},
}
_COLUMNS = {
    "kode_desa": "desa_code", "desa_code": "desa_code", "nama_desa": "desa_name", "desa_name": "desa_name",
    "tps": "number", "nomor_tps": "number", "number": "number", "alamat": "address", "address": "address",
    "lintang": "latitude", "latitude": "latitude", "lat": "latitude", "bujur": "longitude", "longitude": "longitude",
    "lon": "longitude", "pemilih": "voters", "jumlah_pemilih": "voters", "dpt": "voters", "voters": "voters",
    "ikp": "vulnerabilities", "kerawanan": "vulnerabilities", "vulnerabilities": "vulnerabilities",
}
_DESA = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
MAX_ROWS = 100_000  # a province has a few tens of thousands
MAX_ADDRESS = 300
MAX_DESA_NAME = 120
# Indonesia, with a margin: a coordinate outside is a typing error (a swapped sign, a missing decimal point).
LATITUDES, LONGITUDES = (-11.5, 6.5), (94.5, 141.5)


@dataclass(frozen=True, slots=True)
class StationRow:
    """One TPS as the file gives it."""

    line: int
    desa_code: str
    desa_name: str | None
    number: int
    address: str | None
    latitude: float | None
    longitude: float | None
    voters: int | None
    vulnerabilities: tuple[Vulnerability, ...] = ()

    @property
    def kecamatan_code(self) -> str:
        return self.desa_code.rsplit(".", 1)[0]


@dataclass
class Catalogue:
    """A file read: its rows if every one was good, else what was wrong, by line."""

    rows: list[StationRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _number(text: str, low: int, high: int, what: str) -> int:
    value = text.strip().lstrip("0") or "0"
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, not {text.strip()!r}")
    return int(value)


def _coordinate(text: str, bounds: tuple[float, float], what: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{what} is not a number: {text.strip()!r}") from None
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{what} {value} is outside Indonesia ({bounds[0]} to {bounds[1]})")
    return value


def _row(line: int, fields: dict[str, str], known_kecamatan: Callable[[str], bool]) -> StationRow:
    desa = fields.get("desa_code", "").strip()
    if not _DESA.fullmatch(desa):
        raise ValueError(f"kode_desa must be a desa's Kemendagri code like 15.71.04.1001, not {desa!r}")
    if not known_kecamatan(desa.rsplit(".", 1)[0]):
        raise ValueError(f"kode_desa {desa}: its kecamatan {desa.rsplit('.', 1)[0]} is not in this deployment's region")
    number = _number(fields.get("number", ""), 1, 999, "tps")
    address = fields.get("address", "").strip() or None
    if address is not None and len(address) > MAX_ADDRESS:
        raise ValueError(f"alamat is longer than {MAX_ADDRESS} characters")
    name = fields.get("desa_name", "").strip() or None
    if name is not None and len(name) > MAX_DESA_NAME:
        raise ValueError(f"nama_desa is longer than {MAX_DESA_NAME} characters")
    lat_text, lon_text = fields.get("latitude", "").strip(), fields.get("longitude", "").strip()
    if bool(lat_text) != bool(lon_text):
        raise ValueError("give both lintang and bujur, or neither")
    latitude = _coordinate(lat_text, LATITUDES, "lintang") if lat_text else None
    longitude = _coordinate(lon_text, LONGITUDES, "bujur") if lon_text else None
    voters_text = fields.get("voters", "").strip()
    voters = _number(voters_text, 0, 1000, "pemilih") if voters_text else None
    found: list[Vulnerability] = []
    for part in re.split(r"[|;]", fields.get("vulnerabilities", "")):
        key = part.strip().lower().replace(" ", "_").replace("-", "_")
        if not key:
            continue
        if key not in _VULNERABILITY_NAMES:
            raise ValueError(f"ikp {part.strip()!r} is not one of {', '.join(list(_VULNERABILITY_NAMES)[:6])}")
        if _VULNERABILITY_NAMES[key] not in found:
            found.append(_VULNERABILITY_NAMES[key])
    return StationRow(line, desa, name, number, address, latitude, longitude, voters, tuple(found))


def read_catalogue(text: str, known_kecamatan: Callable[[str], bool]) -> Catalogue:
    """Every row of a TPS list, checked; `known_kecamatan`: whether a kecamatan code is in the deployment's region."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    result = Catalogue()
    header = next(reader, None)
    if header is None:
        result.errors.append("line 1: the file is empty")
        return result
    names = [_COLUMNS.get(h.strip().lower().replace(" ", "_")) for h in header]
    missing = [c for c in ("desa_code", "number") if c not in names]
    if missing:
        result.errors.append(f"line 1: the header needs the columns kode_desa and tps (found: {', '.join(header)})")
        return result
    seen: dict[tuple[str, int], int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            result.errors.append(f"line {line}: more than {MAX_ROWS} rows")
            break
        if len(values) > len(names):
            result.errors.append(f"line {line}: {len(values)} fields, the header has {len(names)}")
            continue
        fields = {name: value for name, value in zip(names, values, strict=False) if name}
        try:
            row = _row(line, fields, known_kecamatan)
        except ValueError as exc:
            result.errors.append(f"line {line}: {exc}")
            continue
        key = (row.desa_code, row.number)
        if key in seen:
            result.errors.append(f"line {line}: TPS {row.number} of {row.desa_code} is already on line {seen[key]}")
            continue
        seen[key] = line
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append("the file has a header but no TPS")
    return result
