"""The flood guard's token buckets (bot/abuse/flood.py), on the test's own clock."""

from __future__ import annotations

from bot.abuse.flood import FloodGuard, Pace


def test_a_burst_passes_then_one_notice_then_silence_until_a_token_comes_back() -> None:
    now = [0.0]
    guard = FloodGuard(per_minute=6, burst=10, clock=lambda: now[0])
    assert [guard.pace(1) for _ in range(10)] == [Pace.OK] * 10  # an album of ten photos and then some
    assert [guard.pace(1) for _ in range(3)] == [Pace.NOTICE, Pace.SILENT, Pace.SILENT]
    assert guard.wait_seconds(1) == 10
    assert guard.pace(2) is Pace.OK  # somebody else is not slowed
    now[0] += 9.9
    assert guard.pace(1) is Pace.SILENT  # not yet
    now[0] += 0.2
    assert guard.pace(1) is Pace.OK  # one token back
    assert guard.pace(1) is Pace.SILENT  # the same flood: told already
    now[0] += 100.0  # quiet long enough for a full bucket: a later flood is told again
    assert [guard.pace(1) for _ in range(11)] == [Pace.OK] * 10 + [Pace.NOTICE]
    assert guard.slowed == 6


def test_a_quiet_person_is_forgotten_and_starts_with_a_full_bucket() -> None:
    now = [0.0]
    guard = FloodGuard(per_minute=6, burst=10, clock=lambda: now[0])
    for _ in range(12):
        guard.pace(1)
    now[0] += FloodGuard.FORGET_AFTER + 1
    assert guard.pace(3) is Pace.OK  # the sweep runs
    assert 1 not in guard._buckets
    assert [guard.pace(1) for _ in range(10)] == [Pace.OK] * 10
