"""The one projection of a report row: its column list and the record it becomes.

Everything that reads reports (the reporter's /status, supervisors' cases, exports, later statistics) selects
`report_columns()` and turns each row into a `ReportRecord` with `report_record`. The reporter's identity is
not in `reports` (it lives in `reporter_identities`), so no record ever carries it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields

# Evidence that counts: every file recorded but those too big for the bot to download.
_EVIDENCE_COUNT = "(SELECT COUNT(*) FROM evidence e WHERE e.report_id = {alias}.id AND e.stored != 'too_big')"
# Whether the reporter's identity is still held (an identified report's is erased on request or past retention).
_HAS_IDENTITY = "EXISTS (SELECT 1 FROM reporter_identities i WHERE i.report_id = {alias}.id)"
# The code of the case a report joined (online content reported before: `reports.joined_to`), if it did.
_JOINED_CODE = "(SELECT p.case_code FROM reports p WHERE p.id = {alias}.joined_to)"
_COMPUTED = ("evidence_count", "has_identity", "joined_code")


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A submitted report: everything but the reporter's identity."""

    id: int
    case_code: str
    reporter_chat_id: int
    locale: str
    category: str
    chronology: str
    incident_local: str
    timezone: str
    region_code: str
    latitude: float | None
    longitude: float | None
    place_description: str | None
    reported_party: str | None
    witnesses: str | None
    anonymous: bool
    kind: str
    missing: list[str]
    status: str
    submitted_at: str
    route_level: str | None
    handler_name: str | None
    status_changed_at: str | None
    last_actor_name: str | None
    forwarded_to: str | None
    duplicate_of: str | None
    reporter_user_id: int = 0
    location_source: str = "picker"
    route_region: str | None = None
    known_local: str | None = None  # the local date the reporter learned of it (None: reports before issue 10)
    reporter_standing: str | None = None  # bot/legal/kinds.py Standing
    tsm: bool = False
    evidence_count: int = 0
    has_identity: bool = False  # never the identity itself: only whether reporter_identities still has it
    joined_to: int | None = None  # the case (report id) this report joined: the same online content, reported before
    joined_code: str | None = None  # that case's code
    online: bool = False  # online content: of an online category, or said to have happened online (cyber groups see it)
    online_account: str | None = None  # the account or channel that posted it

    @property
    def identity_erased(self) -> bool:
        """The reporter gave their identity, and it is no longer held (/hapusdata, or past retention): from then on
        the report is handled as informasi awal, whatever it was assessed as."""
        return not self.anonymous and not self.has_identity


_COLUMNS = tuple(f.name for f in fields(ReportRecord) if f.name not in _COMPUTED)


def report_columns(alias: str = "r") -> str:
    """The SELECT list of a `ReportRecord`, for `FROM reports {alias}`."""
    columns = ", ".join(f"{alias}.{name}" for name in _COLUMNS)
    return (f"{columns}, {_EVIDENCE_COUNT.format(alias=alias)} AS evidence_count, "
            f"{_HAS_IDENTITY.format(alias=alias)} AS has_identity, {_JOINED_CODE.format(alias=alias)} AS joined_code")


def report_record(row: sqlite3.Row) -> ReportRecord:
    """A row selected with `report_columns()` as a record."""
    values = {name: row[name] for name in (*_COLUMNS, *_COMPUTED)}
    values["missing"] = json.loads(values["missing"])
    values["anonymous"] = bool(values["anonymous"])
    values["tsm"] = bool(values["tsm"])
    values["online"] = bool(values["online"])
    values["has_identity"] = bool(values["has_identity"])
    return ReportRecord(**values)


# The columns of an operators' export, in the order of the CSV file.
EXPORT_FIELDS = (
    "case_code", "submitted_at", "category", "kind", "missing", "status", "region_code", "incident_local", "timezone",
    "location_source", "latitude", "longitude", "place_description", "reported_party", "witnesses", "chronology",
    "anonymous", "route_level", "route_region", "handler_name", "status_changed_at", "forwarded_to", "duplicate_of",
    "known_local", "reporter_standing", "tsm",
)


def export_row(record: ReportRecord, files: int) -> dict[str, object]:
    """A record as one row of an export (values as stored: `missing` as JSON, `anonymous` as 0/1), with the
    number of files recorded for it (`files`, those too big for the bot included)."""
    values: dict[str, object] = {name: getattr(record, name) for name in EXPORT_FIELDS}
    values["missing"] = json.dumps(record.missing)
    values["anonymous"] = int(record.anonymous)
    values["tsm"] = int(record.tsm)
    values["evidence_count"] = files
    return values
