"""The cyber task force's part in supervision (issue 12): which cases are of online content, where they go
(CYBER_ROUTING), and the forwarding targets that fit online content. Pure rules: no Telegram, no SQL.

A case is of online content by its category (the category keys of bot/reporting/categories.py, whose
ONLINE_CATEGORIES, for which the report conversation asks for the links, is the same set: a test keeps them alike):
hoaxes, black campaigns and incitement, SARA, Sirekap and cyber integrity."""

from __future__ import annotations

from enum import StrEnum

from bot.supervision.case_status import ForwardTarget

ONLINE_CATEGORIES = frozenset({"hoax", "black_campaign", "sara", "cyber_sirekap"})
# Where online content is reported for takedown or investigation, after the targets every case has.
ONLINE_TARGETS = (ForwardTarget.PLATFORM, ForwardTarget.KOMDIGI, ForwardTarget.SIBER_POLRI)


class CyberRouting(StrEnum):
    """CYBER_ROUTING: where an online-content case goes when a cyber group covers its region."""

    ALONGSIDE = "alongside"  # to the supervisors' groups as always, and to the cyber group
    INSTEAD = "instead"  # to the cyber group only (the supervisors' groups if no cyber group covers it)


def is_online(category: str) -> bool:
    return category in ONLINE_CATEGORIES


def forward_targets(category: str) -> tuple[ForwardTarget, ...]:
    """The targets offered under ➡️ Teruskan: every case's, and for online content the platforms' and agencies'."""
    common = tuple(t for t in ForwardTarget if t not in ONLINE_TARGETS)
    return common + ONLINE_TARGETS if is_online(category) else common
