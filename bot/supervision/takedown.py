"""The takedown request (issue 12): what a group sends a platform, Komdigi or the police about online content, as
a CSV document: per link of each chosen case, its platform, the link as given and normalised, where a forwarded
post came from and when it was posted, when it was reported, and the SHA-256 of every evidence file (the
screenshots). Never the reporter. Pure rules: no Telegram, no SQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

MAX_CASES = 20  # per request: what a group can still check by eye

COLUMNS = ("case_code", "category", "platform", "link", "normalized_link", "account", "forwarded_from", "posted_at",
           "reported_at", "region", "status", "evidence_sha256")


@dataclass(frozen=True, slots=True)
class TakedownCase:
    case_code: str
    category: str  # its name, in the group's language
    region: str  # its path, e.g. "Pasar Jambi, Kota Jambi, Jambi"
    status: str  # its name, in the group's language
    submitted_at: str  # UTC ISO
    timezone: str  # the region's zone
    links: Sequence[tuple[str, str, str]]  # (as given, normalised, platform name)
    forwarded_from: str | None  # reports.forwarded_from (JSON)
    sha256: Sequence[str]  # of the evidence files the bot holds
    accounts: Sequence[str] = ()  # the account or channel that posted it, as each reporter of the case named it
    incident_local: str = ""  # when it happened (posted or seen), as the reporter said, in the region's time


def _local(stamp: str, zone: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(ZoneInfo(zone)).isoformat(timespec="minutes")


def takedown_csv(cases: Sequence[TakedownCase]) -> bytes:
    """UTF-8 with a byte order mark, so that a spreadsheet opens it with its Indonesian text intact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for case in cases:
        origin = json.loads(case.forwarded_from) if case.forwarded_from else {}
        source = " / ".join(str(origin[k]) for k in ("chat", "username") if origin.get(k))
        # Telegram's date of a forwarded post; else when the reporter said it happened (posted, or seen).
        posted = _local(origin["date"], case.timezone) if origin.get("date") else case.incident_local
        for original, normalized, platform in case.links or [("", "", "")]:
            writer.writerow([case.case_code, case.category, platform, original, normalized, " / ".join(case.accounts),
                             source, posted,
                             _local(case.submitted_at, case.timezone), case.region, case.status,
                             " ".join(case.sha256)])
    return out.getvalue().encode("utf-8-sig")
