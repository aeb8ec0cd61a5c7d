"""The supervisors group's task rules without Telegram: due times, the card's counts, the volunteer's message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.kernel.refusal import Refusal
from bot.tasks.card import CardCounts
from bot.tasks.due import parse_due
from bot.tasks.messages import CAPTION_LIMIT, task_message, task_parts
from bot.tasks.reminders import reminder_at
from storage.delivery.broadcasts import BatchCounts
from storage.tasks.tasks import AnswerCounts, NewTask, TaskRow

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2029, 11, 20, 12, 0, tzinfo=UTC)  # 19:00 WIB


@pytest.mark.parametrize(("typed", "expected"), [
    ("25-11-2029 19:00", datetime(2029, 11, 25, 12, 0, tzinfo=UTC)),
    ("25/11 07.30", datetime(2029, 11, 25, 0, 30, tzinfo=UTC)),
    ("  21:15 ", datetime(2029, 11, 20, 14, 15, tzinfo=UTC)),
])
def test_a_due_time_is_read_in_the_regions_zone(typed: str, expected: datetime) -> None:
    assert parse_due(typed, WIB, NOW) == expected


@pytest.mark.parametrize(("typed", "key"), [
    ("besok pagi", "task_form.due_format"),
    ("31-02-2030 10:00", "task_form.due_format"),
    ("18:59", "task_form.due_past"),
    ("20-11-2029 19:00", "task_form.due_past"),
    ("01-01-2031 10:00", "task_form.due_far"),
])
def test_a_due_time_that_cannot_be_is_refused_with_the_format(typed: str, key: str) -> None:
    with pytest.raises(Refusal) as refused:
        parse_due(typed, WIB, NOW)
    assert refused.value.key == key and refused.value.params["format"] == "DD-MM-YYYY HH:MM"


def test_the_cards_counts_round_trip_and_count_rows_not_queued_yet() -> None:
    counts = CardCounts.of(10, BatchCounts(queued=2, sent=5, unreachable=1), AnswerCounts(3, 1, 2), stopped=False)
    assert (counts.queued, counts.sent, counts.unreachable, counts.accepted) == (4, 5, 1, 3)
    assert CardCounts.loads(counts.dumps(7)) == (7, counts)
    assert CardCounts.loads(None) == (0, None)


def _task(text: str, **kw: object) -> NewTask:
    return NewTask(-100, 1, "15.71.04", text, "Asia/Jakarta", attachment_kind="photo", attachment_file_id="F1",
                   **kw)  # type: ignore[arg-type]


def test_an_attachment_carries_the_text_as_caption_when_it_fits_else_follows_it() -> None:
    method, payload = task_message(_task("Pantau TPS 05", due_at="2029-11-25T12:00:00+00:00"), 3, "id")
    assert method == "sendPhoto" and payload["photo"] == "F1" and "25-11-2029 19:00 WIB" in str(payload["caption"])
    assert task_parts(_task("Pantau TPS 05"), 3, "id") == []
    long = _task("x" * CAPTION_LIMIT)
    method, payload = task_message(long, 3, "id")
    assert method == "sendMessage" and "reply_markup" in payload
    ((part_method, part),) = task_parts(long, 3, "id")
    assert part_method == "sendPhoto" and part["photo"] == "F1"


def test_the_reminder_comes_before_the_due_time_but_not_before_anyone_could_accept() -> None:
    def row(created: datetime, due: datetime) -> TaskRow:
        return TaskRow(1, -100, 1, "15.71", None, None, "t", None, None, due.isoformat(), "Asia/Jakarta", None, None,
                       True, "sending", 3, None, None, created.isoformat(), None)

    hour = timedelta(hours=1)
    assert reminder_at(row(NOW, NOW + 5 * hour), hour) == NOW + 4 * hour
    assert reminder_at(row(NOW, NOW + hour / 2), hour) == NOW + hour / 4
