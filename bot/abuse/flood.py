"""How fast one person may write: a token bucket per person, in memory. `burst` messages at once, then
`per_minute` a minute; an album (one media group, up to ten files, or several albums sent together) takes one
token. The first message over the limit gets one notice, saying how long until the bucket is full again; the
rest of that flood get nothing, though one passes whenever a token came back. The flood is over, and a later
one gets its own notice, once the person was quiet long enough for the bucket to fill up again."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum


class Pace(Enum):
    OK = "ok"  # handle it
    NOTICE = "notice"  # over the limit, the first time in this flood: say so once, do not handle it
    SILENT = "silent"  # over the limit again: not handled, nothing said


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    noticed: bool = False
    albums: dict[str, float] = field(default_factory=dict)  # media groups seen lately, and when


class FloodGuard:
    """Per-person token buckets. `clock` is monotonic seconds (tests pass their own)."""

    FORGET_AFTER = 600.0  # a person quiet this long is forgotten (a full bucket is the same as none)
    ALBUM_SECONDS = 60.0  # the files of one album arrive within this

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}
        self._swept_at = clock()
        self.slowed = 0  # messages not handled since the start, for the logs and the bench

    def pace(self, who: Hashable, album: str | None = None) -> Pace:
        """One message of `who`; `album`: its media group id (the album's other files are free)."""
        now = self.clock()
        self._sweep(now)
        bucket = self._buckets.get(who)
        if bucket is None:
            bucket = self._buckets[who] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:  # calm again: a later flood is a new one, with its own notice
            bucket.noticed = False
        if album is not None and album in bucket.albums:
            bucket.albums[album] = now
            return Pace.OK
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            if album is not None:
                bucket.albums = {a: at for a, at in bucket.albums.items() if now - at < self.ALBUM_SECONDS}
                bucket.albums[album] = now
            return Pace.OK
        self.slowed += 1
        if bucket.noticed:
            return Pace.SILENT
        bucket.noticed = True
        return Pace.NOTICE

    def wait_seconds(self, who: Hashable) -> int:
        """Whole seconds until this person's bucket is full again: then as many messages as a burst go through,
        enough to send again what was not handled (at least 1)."""
        bucket = self._buckets.get(who)
        if bucket is None or self.rate <= 0:
            return 1
        return max(1, int((self.burst - bucket.tokens) / self.rate + 0.999))

    def _sweep(self, now: float) -> None:
        if now - self._swept_at < self.FORGET_AFTER:
            return
        self._swept_at = now
        for who in [w for w, b in self._buckets.items() if now - b.at > self.FORGET_AFTER]:
            del self._buckets[who]
