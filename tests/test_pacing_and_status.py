"""Pure rules of supervision: the per-group pacer and the case state machine."""

from __future__ import annotations

import pytest

from bot.delivery.pacing import GroupPacer
from bot.supervision.case_status import OPEN_STATUSES, STATUSES, TRANSITIONS, StatusRefusal, next_status


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pacer_allows_twenty_a_minute_per_group_and_frees_them_as_the_minute_slides() -> None:
    clock = Clock()
    pacer = GroupPacer(per_minute=20, clock=clock)
    group, other = -100123, -100456
    assert pacer.remaining(group) == 20
    for _ in range(15):
        pacer.record(group)
        clock.now += 1
    pacer.record(group, 5)  # an album of five
    assert pacer.remaining(group) == 0 and pacer.remaining(other) == 20
    # The first send (at t=1000) leaves the window at t=1060; it is now t=1015.
    assert pacer.wait_for(group) == pytest.approx(45.0)
    clock.now += 45.01
    assert pacer.remaining(group) == 1
    assert pacer.wait_for(group, 3) == pytest.approx(1.99)  # two must leave: t=1001 and t=1002 (at 1062)


def test_pacer_ignores_private_chats_and_reports_impossible_sizes() -> None:
    pacer = GroupPacer(per_minute=3, clock=Clock())
    pacer.record(12345, 100)
    assert pacer.remaining(12345) > 1000 and pacer.wait_for(12345, 50) == 0
    assert pacer.wait_for(-1, 4) == 60.0  # more than a minute holds can never fit at once


@pytest.mark.parametrize(("action", "status", "expected"), [
    ("claim", "received", "claimed"),
    ("register", "claimed", "registered"),
    ("forward", "claimed", "forwarded"),
    ("forward", "registered", "forwarded"),
    ("done", "forwarded", "done"),
    ("reject", "received", "rejected"),
    ("duplicate", "claimed", "duplicate"),
    ("ask", "registered", "registered"),
])
def test_allowed_transitions(action: str, status: str, expected: str) -> None:
    assert next_status(action, status) == expected


@pytest.mark.parametrize(("action", "status"), [
    ("claim", "claimed"), ("register", "received"), ("done", "received"), ("forward", "received"),
    ("reject", "registered"), ("claim", "done"), ("ask", "rejected"), ("duplicate", "done"),
])
def test_refused_transitions_say_what_would_be_needed(action: str, status: str) -> None:
    refusal = next_status(action, status)
    assert isinstance(refusal, StatusRefusal)
    assert refusal.status == status and status not in refusal.allowed_from and refusal.allowed_from


def test_closed_statuses_allow_nothing_and_every_status_is_reachable() -> None:
    closed = set(STATUSES) - set(OPEN_STATUSES)
    for status in closed:
        assert all(isinstance(next_status(action, status), StatusRefusal) for action in TRANSITIONS)
    reachable = {"received"} | {target for _, target in TRANSITIONS.values() if target}
    assert reachable == set(STATUSES)
