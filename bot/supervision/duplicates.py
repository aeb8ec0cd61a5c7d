"""Possible duplicates (issue 14): which earlier reports a new report may be the same as, named on its alert card
("🔁 Mungkin sama dengan PTU-…") with a one-tap ♻️ for the first of them (docs/supervision.md).

An earlier report is a possible duplicate of a report when, not rejected, either

- it is of the same kecamatan and the same category, submitted at most `SAME_PLACE_WITHIN` before it, or
- one of its evidence pictures is near-identical to one of the report's: perceptual hashes (bot/kernel/photo_hash.py)
  at most `PHOTO_DISTANCE` bits apart, of a report of the same kabupaten/kota submitted at most `PHOTO_WITHIN`
  before it.

A report that joined a case (the same online content) stands for that case. The report itself and the case it
joined are never candidates. The card names at most `HINTS_ON_CARD` cases, newest first, by case code only.

Pure rules: no Telegram, no I/O (SupervisionService.possible_duplicates reads the reports and applies them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from bot.kernel.photo_hash import distance, is_photo_hash

SAME_PLACE_WITHIN = timedelta(hours=6)  # same kecamatan, same category, at most this long before
PHOTO_WITHIN = timedelta(days=30)  # a near-identical photo of a report of the kabupaten/kota at most this long before
PHOTO_DISTANCE = 6  # at most this many of the 64 bits of two pictures' pHash differ: the same picture
HINTS_ON_CARD = 3  # case codes on the card, newest first


def same_picture(a: str, b: str, *, limit: int = PHOTO_DISTANCE) -> bool:
    """Whether two perceptual hashes are of the same picture: at most `limit` bits apart (malformed: no)."""
    bits = distance(a, b)
    return bits is not None and bits <= limit


def shares_a_picture(mine: Sequence[str], theirs: str) -> bool:
    """Whether a picture's hash matches any of a report's."""
    return any(same_picture(own, theirs) for own in mine)


def matching(mine: Sequence[str], theirs: Sequence[tuple[int, int, str | None]],
             limit: int = PHOTO_DISTANCE) -> list[tuple[int, int]]:
    """The (report id, case id) of `theirs` (report id, case id, hash) with a picture at most `limit` bits from one of
    `mine`: each hash parsed once (thousands of a kabupaten's photos are compared on every card drawn)."""
    own = [int(h, 16) for h in mine if is_photo_hash(h)]
    found = []
    for report_id, case_id, phash in theirs:
        if phash is None or not is_photo_hash(phash):
            continue
        value = int(phash, 16)
        if any((value ^ o).bit_count() <= limit for o in own):
            found.append((report_id, case_id))
    return found


def kabupaten_of(region_code: str) -> str:
    """The kabupaten/kota of a kecamatan's Kemendagri code (15.71.04 -> 15.71)."""
    return ".".join(region_code.split(".")[:2])


def newest_cases(found: Iterable[tuple[int, int]], *, excluded: Iterable[int], limit: int | None = None) -> list[int]:
    """The distinct cases of matching reports, given as (report id, case id): newest report first, without the
    `excluded` cases, at most `limit` (None: all)."""
    skip = set(excluded)
    cases: list[int] = []
    for _, case_id in sorted(found, key=lambda pair: pair[0], reverse=True):
        if case_id not in skip and case_id not in cases:
            cases.append(case_id)
    return cases if limit is None else cases[:limit]
