"""Volunteers' storage and status rules: registration, transitions, recipients by area, reachability."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.regions.directory import RegionDirectory
from bot.volunteers.service import VolunteerService
from bot.volunteers.status import VolunteerStatus
from storage.database import Database
from storage.volunteers.organisations import OrganisationRepository
from storage.volunteers.volunteers import NewVolunteer, VolunteerRepository


@pytest.fixture
async def service(tmp_path: Path):
    db = Database(tmp_path / "v.db")
    await db.open()
    yield VolunteerService(VolunteerRepository(db), OrganisationRepository(db), RegionDirectory())
    await db.close()


def volunteer(user_id: int, region: str = "15.71.04", kind: str = "students", org: int | None = None) -> NewVolunteer:
    return NewVolunteer(user_id, user_id, f"Relawan {user_id}", org, kind, region, "+62811000", True, "2026-12")


async def test_registration_is_pending_and_verification_happens_once(service: VolunteerService) -> None:
    row = await service.register(volunteer(1))
    assert row.status == VolunteerStatus.PENDING and row.reachable
    assert await service.set_status(1, VolunteerStatus.VERIFIED, "group:-5:7")
    assert not await service.set_status(1, VolunteerStatus.VERIFIED, "group:-5:8")  # a second press
    assert not await service.set_status(1, VolunteerStatus.REJECTED, "group:-5:8")  # no longer pending
    got = await service.get(1)
    assert got is not None and got.status == "verified" and got.status_by == "group:-5:7"


async def test_recipients_are_verified_reachable_and_in_the_area(service: VolunteerService) -> None:
    for uid, region, kind in [(1, "15.71.04", "students"), (2, "15.71.04.1001", "okp"), (3, "15.71.01", "students"),
                              (4, "15.72.01", "students"), (5, "15.71.04", "students")]:
        await service.register(volunteer(uid, region, kind))
        if uid != 5:  # 5 stays pending
            await service.set_status(uid, VolunteerStatus.VERIFIED, "test")
    assert [r.user_id for r in await service.recipients("15.71.04")] == [1, 2]
    assert [r.user_id for r in await service.recipients("15.71")] == [1, 2, 3]
    assert [r.user_id for r in await service.recipients("15.71", kinds=("students",))] == [1, 3]
    assert await service.unreachable(2)
    assert not await service.unreachable(2)  # already
    assert [r.user_id for r in await service.recipients("15.71")] == [1, 3]
    assert await service.reachable_again(2)
    assert [r.user_id for r in await service.recipients("15.71")] == [1, 2, 3]
    assert await service.set_status(3, VolunteerStatus.LEFT, "self")
    assert [r.user_id for r in await service.recipients("15.71")] == [1, 2]


async def test_a_task_queues_one_row_per_recipient_once(tmp_path: Path) -> None:
    from bot.tasks.batch import task_batch, task_of_batch
    from bot.tasks.messages import task_message
    from bot.tasks.service import TaskService
    from storage.delivery.broadcasts import BroadcastRepository
    from storage.tasks.tasks import NewTask, TaskRepository

    db = Database(tmp_path / "t.db")
    await db.open()
    try:
        volunteers = VolunteerService(VolunteerRepository(db), OrganisationRepository(db), RegionDirectory())
        for uid in (1, 2, 3):
            await volunteers.register(volunteer(uid))
            await volunteers.set_status(uid, VolunteerStatus.VERIFIED, "test")
        broadcasts = BroadcastRepository(db)
        tasks = TaskService(db, TaskRepository(db), volunteers, broadcasts, task_message, "id")
        new = NewTask(-100, 7, "15.71.04", "Pantau logistik di PPK Pasar Jambi", "Asia/Jakarta", source_update_id=42)
        task = await tasks.create_and_send(new)
        again = await tasks.create_and_send(new)  # the same update, delivered twice
        assert again.id == task.id and task.recipients == 3
        counts = await broadcasts.counts(task_batch(task.id))
        assert counts.queued == 3 and counts.total == 3
        assert task_of_batch(task_batch(task.id)) == task.id and task_of_batch("other:1") is None
        assert await broadcasts.cancel(task_batch(task.id)) == 3
        assert (await broadcasts.counts(task_batch(task.id))).cancelled == 3
    finally:
        await db.close()


async def test_registering_again_keeps_the_coordinator_of_the_same_organisation_and_the_link(
    service: VolunteerService,
) -> None:
    org = await service.organisations.add("BEM Universitas Jambi", "students", "15.71", "test")
    other = await service.organisations.add("OKP Pemuda Jambi", "okp", "15.71", "test")
    async with service.repo.db.transaction() as tx:
        cur = await tx.execute(
            "INSERT INTO recruitment_links (organisation_id, payload, created_at, created_by) VALUES (?, ?, '', 'test')"
            " RETURNING id",
            (org.id, "rel_" + "a" * 20),
        )
        link_id = cur.returned_id()
    first = volunteer(1, org=org.id)
    await service.register(NewVolunteer(first.user_id, first.chat_id, first.full_name, org.id, "students",
                                        first.region_code, first.phone, True, "2026-12", link_id))
    await service.set_status(1, VolunteerStatus.VERIFIED, "test")
    await service.repo.set_coordinator(1, True)
    again = await service.register(volunteer(1, org=org.id))  # corrects their phone, no link this time
    assert again.status == "pending" and again.coordinator and again.link_id == link_id
    await service.set_status(1, VolunteerStatus.VERIFIED, "test")
    moved = await service.register(volunteer(1, kind="okp", org=other.id))  # another organisation
    assert not moved.coordinator and moved.link_id == link_id


async def test_leaving_cancels_what_a_broadcast_still_has_queued_for_the_volunteer(tmp_path: Path) -> None:
    from bot.tasks.batch import task_batch
    from bot.tasks.messages import task_message
    from bot.tasks.service import TaskService
    from storage.delivery.broadcasts import BroadcastRepository
    from storage.tasks.tasks import NewTask, TaskRepository

    db = Database(tmp_path / "t.db")
    await db.open()
    try:
        volunteers = VolunteerService(VolunteerRepository(db), OrganisationRepository(db), RegionDirectory())
        for uid in (1, 2, 3):
            await volunteers.register(volunteer(uid))
            await volunteers.set_status(uid, VolunteerStatus.VERIFIED, "test")
        broadcasts = BroadcastRepository(db)
        tasks = TaskService(db, TaskRepository(db), volunteers, broadcasts, task_message, "id")
        task = await tasks.create_and_send(NewTask(-100, 7, "15.71.04", "Pantau logistik", "Asia/Jakarta"))
        assert await volunteers.set_status(2, VolunteerStatus.LEFT, "self")
        assert await volunteers.set_status(3, VolunteerStatus.SUSPENDED, "group:-100:7")
        counts = await broadcasts.counts(task_batch(task.id))
        assert (counts.queued, counts.cancelled) == (1, 2)
        async with db.transaction() as tx:  # all three had accepted: only the one still verified is reminded
            await tx.execute("UPDATE task_assignments SET status = 'accepted' WHERE task_id = ?", (task.id,))
        assert [r.user_id for r in await TaskRepository(db).to_remind(task.id)] == [1]
    finally:
        await db.close()
