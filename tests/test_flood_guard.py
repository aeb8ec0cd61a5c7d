"""The flood guard's token buckets (bot/abuse/flood.py), on the test's own clock."""

from __future__ import annotations

from bot.abuse.flood import FloodGuard, Pace


def test_a_burst_passes_then_one_notice_then_silence_until_a_token_comes_back() -> None:
    now = [0.0]
    guard = FloodGuard(per_minute=6, burst=10, clock=lambda: now[0])
    assert [guard.pace(1) for _ in range(10)] == [Pace.OK] * 10
    assert [guard.pace(1) for _ in range(3)] == [Pace.NOTICE, Pace.SILENT, Pace.SILENT]
    assert guard.wait_seconds(1) == 100  # until the bucket is full again: 10 tokens at one every 10 s
    assert guard.pace(2) is Pace.OK  # somebody else is not slowed
    now[0] += 9.9
    assert guard.pace(1) is Pace.SILENT  # not yet
    now[0] += 0.2
    assert guard.pace(1) is Pace.OK  # one token back
    assert guard.pace(1) is Pace.SILENT  # the same flood: told already
    assert guard.slowed == 5


def test_who_waits_as_the_notice_says_can_send_again_everything_that_was_not_handled() -> None:
    """Seen (review): the notice said to wait a couple of seconds, and the messages sent again then were dropped
    without a word. It now says how long until the bucket is full, and the flood is over by then."""
    now = [0.0]
    guard = FloodGuard(per_minute=30, burst=20, clock=lambda: now[0])
    verdicts = [guard.pace(1) for _ in range(25)]
    assert verdicts == [Pace.OK] * 20 + [Pace.NOTICE] + [Pace.SILENT] * 4
    now[0] += guard.wait_seconds(1)  # 40 s
    assert [guard.pace(1) for _ in range(5)] == [Pace.OK] * 5  # the five not handled, sent again
    assert [guard.pace(1) for _ in range(16)] == [Pace.OK] * 15 + [Pace.NOTICE]  # a new flood: a new notice


def test_an_album_takes_one_token_however_many_files_it_has() -> None:
    """Seen (review): three albums sent at once (a report-back takes 30 files) went beyond the burst of 20."""
    now = [0.0]
    guard = FloodGuard(per_minute=30, burst=20, clock=lambda: now[0])
    for album in ("a", "b", "c"):
        assert [guard.pace(1, album) for _ in range(10)] == [Pace.OK] * 10
    assert [guard.pace(1) for _ in range(17)] == [Pace.OK] * 17  # 3 tokens for 30 files
    assert guard.pace(1) is Pace.NOTICE


def test_a_quiet_person_is_forgotten_and_starts_with_a_full_bucket() -> None:
    now = [0.0]
    guard = FloodGuard(per_minute=6, burst=10, clock=lambda: now[0])
    for _ in range(12):
        guard.pace(1)
    now[0] += FloodGuard.FORGET_AFTER + 1
    assert guard.pace(3) is Pace.OK  # the sweep runs
    assert 1 not in guard._buckets
    assert [guard.pace(1) for _ in range(10)] == [Pace.OK] * 10
