"""Recruitment links: an organisation's deep link https://t.me/<bot>?start=<payload>, its QR code, and the
sign-ups counted per link.

(Foundation stub: `resolve` is what the registration asks of a `/start <payload>`; the recruitment part
fills it.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a recruitment link's /start payload looks like: "rel_" and a random URL-safe token (64 characters at
# most, Telegram's limit for a start parameter).
PAYLOAD = re.compile(r"rel_[A-Za-z0-9_-]{16,60}")


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a valid, unrevoked link registers a volunteer into."""

    link_id: int
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    region_code: str
    coordinator_user_id: int | None


class RecruitmentService:
    async def resolve(self, payload: str) -> LinkTarget | None:
        """The link a /start payload names, or None (unknown, malformed or revoked)."""
        return None
