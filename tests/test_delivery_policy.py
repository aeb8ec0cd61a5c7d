"""The outbox's delivery policy: features register their methods, kinds and digest; the worker follows them
without knowing any feature (bot/delivery/policy.py, bot/supervision/delivery_policy.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.pacing import GroupPacer
from bot.delivery.policy import DeliveryKind, DeliveryPolicy, DigestPolicy, KindRule, MessageKind
from bot.supervision import delivery_policy as supervision_delivery
from bot.supervision.alert_sender import AlertSender
from bot.supervision.outbox_kinds import SupervisionKind
from storage.database import Database
from storage.delivery.outbox import OutboxItem, OutboxMessage, OutboxRepository

GROUP = -100500


class TaskKind(MessageKind):
    """A feature that does not exist yet: a task broadcast with its attachments."""

    TASK = "task"
    TASK_FILE = "task_file"


def item(kind: str = "message", method: str = "sendMessage", report_id: int | None = None, item_id: int = 1,
         payload: dict[str, Any] | None = None) -> OutboxItem:
    return OutboxItem(item_id, f"k{item_id}", GROUP, method, payload or {}, 0, kind, report_id)


async def _send(_item: OutboxItem) -> int | None:
    return 1


# ---- the registry ---------------------------------------------------------------------------------------------


def test_a_kind_nobody_registered_has_no_rules_and_a_bot_api_method_costs_one():
    policy = DeliveryPolicy()
    assert policy.rule("whatever").parts is None and not policy.must_reach(item("whatever"))
    assert policy.rule(DeliveryKind.MESSAGE) == policy.rule("message")
    assert policy.cost(item(method="sendMessage")) == 1
    assert policy.sender("sendMessage") is None
    assert policy.digest is None and not policy.digestible(item("alert")) and not policy.merges(item("alert"))


def test_a_kind_or_method_registered_twice_is_refused_also_across_features():
    policy = DeliveryPolicy()
    policy.add_kind(KindRule(TaskKind.TASK))
    policy.add_method("pantau.task", _send)

    class OtherKind(MessageKind):
        SAME = "task"  # another feature's enum with the same stored value

    with pytest.raises(ValueError, match="twice"):
        policy.add_kind(KindRule(OtherKind.SAME))
    with pytest.raises(ValueError, match="twice"):
        policy.add_kind(KindRule(DeliveryKind.MESSAGE))
    with pytest.raises(ValueError, match="twice"):
        policy.add_method("pantau.task", _send)


def test_a_digest_needs_a_registered_kind_and_there_is_one_at_most():
    async def digest(_chat: int, _reports: list[int]) -> int | None:
        return None

    policy = DeliveryPolicy()
    with pytest.raises(ValueError, match="not registered"):
        policy.set_digest(DigestPolicy(TaskKind.TASK, digest, size=5, reserve=1, gather=1.0))
    policy.add_kinds([KindRule(TaskKind.TASK, parts=TaskKind.TASK_FILE), KindRule(TaskKind.TASK_FILE)])
    policy.set_digest(DigestPolicy(TaskKind.TASK, digest, size=5, reserve=1, gather=1.0))
    with pytest.raises(ValueError, match="already"):
        policy.set_digest(DigestPolicy(TaskKind.TASK, digest, size=5, reserve=1, gather=1.0))
    rows = [item("task", report_id=1, item_id=1), item("task_file", report_id=1, item_id=2),
            item("task_file", report_id=2, item_id=3), item("message", report_id=1, item_id=4)]
    assert policy.parts_under(rows[0], rows[1:]) == [rows[1]]  # its own parts only, not another's nor a message
    assert policy.merged_ids(rows, [1]) == {1, 2}
    assert [policy.digestible(r) for r in rows] == [True, False, False, False]


# ---- supervision's part ---------------------------------------------------------------------------------------


def supervision_policy() -> tuple[DeliveryPolicy, AlertSender]:
    alerts = AlertSender(cast(Any, SimpleNamespace(repo=None)), cast(Any, None), cast(Any, None), "id")
    policy = DeliveryPolicy()
    supervision_delivery.register(policy, alerts)
    return policy, alerts


def test_supervision_kinds_keep_their_stored_values():
    assert {kind.name: kind.value for kind in SupervisionKind} == {
        "ALERT": "alert", "ALERT_PART": "alert_part", "REPLY": "reply", "REFRESH": "refresh", "QUESTION": "question",
    }
    assert DeliveryKind.MESSAGE == "message"


def test_supervision_registers_its_methods_costs_threading_and_digest():
    policy, alerts = supervision_policy()
    for method in ("pantau.card", "pantau.evidence", "pantau.location", "pantau.refresh", "pantau.question",
                   "pantau.prompt"):
        assert policy.sender(method) is not None, method
    assert policy.cost(item(method="pantau.evidence", payload={"media": [{}, {}, {}]})) == 3  # an album of three
    assert policy.cost(item(method="pantau.refresh")) == 0  # an edit puts nothing new into the chat
    assert policy.cost(item(method="pantau.card")) == policy.cost(item(method="sendMessage")) == 1
    card, photo, pin = item("alert", "pantau.card", 7, 1), item("alert_part", "pantau.evidence", 7, 2), \
        item("alert_part", "pantau.location", 7, 3)
    other = item("alert_part", "pantau.evidence", 8, 4)
    assert policy.parts_under(card, [photo, pin, other]) == [photo, pin]
    assert policy.parts_under(photo, [pin]) == []
    assert [policy.must_reach(r) for r in (card, photo, item("reply"), item("message"))] == [True, False, False, False]
    assert policy.digest is not None and policy.digest.kind is SupervisionKind.ALERT
    assert (policy.digest.size, policy.digest.reserve, policy.digest.gather) == (25, 3, 2.0)
    assert policy.digest.send == alerts.digest
    assert policy.merged_ids([card, photo, pin, other, item("reply", report_id=7, item_id=5)], [7]) == {1, 2, 3}


# ---- the worker follows a feature's rules ---------------------------------------------------------------------


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[OutboxRepository]:
    database = Database(tmp_path / "policy.sqlite3")
    await database.open()
    yield OutboxRepository(database)
    await database.close()


def task_policy(sent: list[str], digests: list[list[int]] | None = None) -> DeliveryPolicy:
    async def send(row: OutboxItem) -> int | None:
        sent.append(row.dedup_key)
        return len(sent)

    async def digest(_chat: int, reports: list[int]) -> int | None:
        assert digests is not None
        digests.append(reports)
        return 99

    policy = DeliveryPolicy()
    policy.add_method("pantau.task", send)
    policy.add_method("pantau.task_file", send, cost=lambda row: len(row.payload["files"]))
    policy.add_kinds([KindRule(TaskKind.TASK, parts=TaskKind.TASK_FILE), KindRule(TaskKind.TASK_FILE)])
    if digests is not None:
        policy.set_digest(DigestPolicy(TaskKind.TASK, digest, size=10, reserve=0, gather=0.0))
    return policy


async def queue_task(outbox: OutboxRepository, number: int) -> None:
    await outbox.add(OutboxMessage(f"task:{number}", GROUP, "pantau.task", {}, kind=TaskKind.TASK, report_id=number))
    await outbox.add(OutboxMessage(f"task:{number}:files", GROUP, "pantau.task_file", {"files": ["a", "b"]},
                                   kind=TaskKind.TASK_FILE, report_id=number))


async def test_a_row_waits_for_room_for_the_parts_its_kind_threads_under_it(outbox: OutboxRepository):
    sent: list[str] = []
    pacer = GroupPacer(per_minute=2)
    worker = OutboxWorker(outbox, cast(Any, None), policy=task_policy(sent), pacer=pacer)
    await queue_task(outbox, 1)
    assert await worker.deliver_due() is False  # the task (1) and its two files (2) need 3 of the 2 slots
    assert sent == []
    pacer.per_minute = 3
    worker._not_before.clear()  # the pause it took for the full minute is over
    assert await worker.deliver_due() is True
    assert sent == ["task:1", "task:1:files"]
    assert (await outbox.by_key("task:1:files") or {})["messages"] == 2  # its cost, as the policy counts it


async def test_rows_of_the_digest_kind_are_merged_with_their_parts_when_the_group_is_crowded(
    outbox: OutboxRepository,
):
    sent: list[str] = []
    digests: list[list[int]] = []
    worker = OutboxWorker(outbox, cast(Any, None), policy=task_policy(sent, digests), pacer=GroupPacer(per_minute=4))
    for number in (1, 2):
        await queue_task(outbox, number)
    assert await worker.deliver_due() is True
    assert digests == [[1, 2]] and sent == []
    for key in ("task:1", "task:1:files", "task:2", "task:2:files"):
        stored = await outbox.by_key(key)
        assert stored is not None and stored["status"] == "sent" and stored["merged_into"] == 99, key


async def test_a_crowded_group_gets_digests_until_what_waits_fits_not_single_rows_after_the_first_digest(
    outbox: OutboxRepository,
):
    """Seen (bench/load_alerts.py, 200 reports at once for one group): after each digest the rest of the rows
    went out one by one while the minute had room, so the next digests had none left and the last cases
    reached the group 86 s after the press instead of within the second minute."""
    sent: list[str] = []
    digests: list[list[int]] = []
    worker = OutboxWorker(outbox, cast(Any, None), policy=task_policy(sent, digests), pacer=GroupPacer(per_minute=4))
    for number in range(1, 26):
        await queue_task(outbox, number)
    assert await worker.deliver_due() is True
    assert digests == [list(range(1, 11)), list(range(11, 21)), list(range(21, 26))]
    assert sent == []
