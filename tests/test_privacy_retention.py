"""The retention rules of reporters' identities (bot/privacy/retention.py) and what /hapusdata plans from them
(bot/privacy/service.py): which case keeps its identity, until when, and which report keeps the Telegram id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.privacy.retention import CaseFacts, HoldReason, due_for_erasure, hold, kept_until, years
from bot.privacy.service import erasure_plan, facts, holds
from bot.privacy.texts import years_text
from storage.privacy.personal_data import CaseRow

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
DAYS = 730


def case(status: str, *, submitted: int, closed: int | None = None, legal: bool = False,
         forwarded_to: str | None = None) -> CaseFacts:
    """A case submitted `submitted` days ago, closed `closed` days ago."""
    return CaseFacts(1, "PTU-AAAA-BBBB", status, NOW - timedelta(days=submitted),
                     None if closed is None else NOW - timedelta(days=closed), legal, forwarded_to)


def test_an_ordinary_identity_is_kept_the_retention_from_submission_whatever_the_status() -> None:
    for status in ("received", "claimed", "rejected", "duplicate", "done"):
        closed = 5 if status in ("rejected", "duplicate", "done") else None
        facts_ = case(status, submitted=10, closed=closed)
        assert kept_until(facts_, DAYS) == NOW + timedelta(days=DAYS - 10), status
        assert not due_for_erasure(facts_, NOW, DAYS)
        assert due_for_erasure(case(status, submitted=DAYS, closed=closed), NOW, DAYS)  # the day it ends: erased
        assert not due_for_erasure(case(status, submitted=DAYS - 1, closed=closed), NOW, DAYS)
        assert hold(facts_, NOW, DAYS) is None, status  # /hapusdata erases it at once


@pytest.mark.parametrize("status", ["registered", "forwarded"])
def test_an_open_case_in_legal_process_keeps_its_identity_however_old(status: str) -> None:
    old = case(status, submitted=5000, legal=True, forwarded_to="gakkumdu" if status == "forwarded" else None)
    assert kept_until(old, DAYS) is None
    assert not due_for_erasure(old, NOW, DAYS)
    held = hold(old, NOW, DAYS)
    assert held is not None and held.open
    assert held.reason is (HoldReason.FORWARDED if status == "forwarded" else HoldReason.REGISTERED)
    assert held.until == NOW + timedelta(days=DAYS)  # at the earliest: if it closed today


def test_a_case_closed_after_legal_process_keeps_its_identity_the_retention_from_its_closing() -> None:
    recent = case("done", submitted=1000, closed=100, legal=True, forwarded_to="dkpp")
    assert kept_until(recent, DAYS) == NOW + timedelta(days=DAYS - 100)
    assert not due_for_erasure(recent, NOW, DAYS)  # submitted long ago: the closing counts
    held = hold(recent, NOW, DAYS)
    assert held is not None and not held.open and held.reason is HoldReason.CLOSED
    assert held.until == NOW + timedelta(days=DAYS - 100) and held.forwarded_to == "dkpp"
    long_ago = case("done", submitted=1000, closed=DAYS + 1, legal=True)
    assert due_for_erasure(long_ago, NOW, DAYS)
    assert hold(long_ago, NOW, DAYS) is None


def test_a_claimed_case_is_in_initial_review_not_in_legal_process() -> None:
    claimed = case("claimed", submitted=3)
    assert hold(claimed, NOW, DAYS) is None
    assert not claimed.in_legal_process and claimed.is_open


def test_the_retention_in_years_as_each_language_writes_it() -> None:
    assert years(730) == 2 and years_text(730, "id") == "2" and years_text(730, "en") == "2"
    assert years_text(548, "id") == "1,5" and years_text(548, "en") == "1.5"
    assert years_text(30, "en") == "0.1"


def _row(report_id: int, status: str, *, submitted: int, closed: int | None = None, legal: bool = False,
         identity: bool = True) -> CaseRow:
    changed = None if closed is None else (NOW - timedelta(days=closed)).isoformat()
    return CaseRow(report_id, f"PTU-AAAA-{report_id:04d}", status, (NOW - timedelta(days=submitted)).isoformat(),
                   changed, "gakkumdu" if status == "forwarded" else None, 42, legal, identity)


def test_the_erasure_plan_keeps_what_the_law_keeps_and_the_telegram_id_only_on_open_reports() -> None:
    cases = [
        _row(1, "received", submitted=2),  # open: identity erased, Telegram id kept (status updates)
        _row(2, "done", submitted=50, closed=40),  # closed, never in legal process: both erased
        _row(3, "forwarded", submitted=30, legal=True),  # open in legal process: kept
        _row(4, "done", submitted=400, closed=20, legal=True),  # closed after legal process, recently: kept
        _row(5, "rejected", submitted=9, closed=8, identity=False),  # anonymous and closed: Telegram id erased
    ]
    plan = erasure_plan(cases, NOW, DAYS)
    assert sorted(plan.identities) == [1, 2, 5]
    assert sorted(plan.unlink) == [2, 5]
    assert [h.case_code for h in holds(cases, NOW, DAYS)] == ["PTU-AAAA-0003", "PTU-AAAA-0004"]


def test_a_closed_case_is_closed_at_its_last_status_change() -> None:
    row = _row(2, "done", submitted=50, closed=40)
    assert facts(row).closed_at == NOW - timedelta(days=40)
    assert facts(_row(3, "forwarded", submitted=30)).closed_at is None  # open: its last change is no closing
