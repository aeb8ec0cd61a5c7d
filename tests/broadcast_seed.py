"""A task's broadcast queued straight in a database, as the /tugas conversation would leave it: verified volunteers
and one outbox row each in the task's batch (bot/tasks/service.py TaskService.create_and_send). For the broadcast
tests (tests/test_e2e_broadcast.py) and bench/broadcast.py, which start the bot on that database afterwards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.regions.directory import RegionDirectory
from bot.tasks.batch import task_batch
from bot.tasks.messages import task_message
from bot.tasks.service import TaskService
from bot.volunteers.service import VolunteerService
from bot.volunteers.status import VolunteerStatus
from storage.database import Database
from storage.delivery.broadcasts import BatchCounts, BroadcastRepository
from storage.tasks.tasks import NewTask, TaskRepository
from storage.volunteers.organisations import OrganisationRepository
from storage.volunteers.volunteers import NewVolunteer, VolunteerRepository
from testing.fake_telegram import ApiCall

REGION = "15.71.04"  # Pasar Jambi
TASK_TEXT = "Pantau kedatangan logistik di PPK Pasar Jambi malam ini."
SENDING_METHODS = ("sendMessage", "sendPhoto", "sendDocument")


def volunteer_services(db: Database, regions: RegionDirectory | None = None) -> VolunteerService:
    return VolunteerService(VolunteerRepository(db), OrganisationRepository(db), regions or RegionDirectory())


def task_service(db: Database, volunteers: VolunteerService) -> TaskService:
    return TaskService(db, TaskRepository(db), volunteers, BroadcastRepository(db), task_message, "id")


async def add_verified(volunteers: VolunteerService, db: Database, user_ids: Iterable[int], region: str = REGION) -> None:
    """Verified volunteers of `region`, all in one transaction."""
    async with db.transaction() as tx:
        for uid in user_ids:
            await volunteers.register(
                NewVolunteer(uid, uid, f"Relawan {uid}", None, "students", region, "+628110000", True, "test"), tx
            )
            await volunteers.set_status(uid, VolunteerStatus.VERIFIED, "test", tx=tx)


async def queue_task(db_path: Path, user_ids: Sequence[int], text: str = TASK_TEXT) -> str:
    """Verified volunteers `user_ids` and a task to them queued in the database at `db_path` (created and migrated
    if need be). The task's batch name."""
    async with Database(db_path) as db:
        volunteers = volunteer_services(db)
        await add_verified(volunteers, db, user_ids)
        task = await task_service(db, volunteers).create_and_send(
            NewTask(-100123, 7, REGION, text, "Asia/Jakarta")
        )
        return task_batch(task.id)


async def batch_counts(db_path: Path, batch: str) -> BatchCounts:
    async with Database(db_path) as db:
        return await BroadcastRepository(db).counts(batch)


async def batch_rows(db_path: Path, batch: str) -> dict[int, str]:
    """Chat id -> status of each row of the batch."""
    async with Database(db_path) as db:
        rows = await db.fetchall("SELECT chat_id, status FROM outbox WHERE batch = ?", (batch,))
        return {r["chat_id"]: r["status"] for r in rows}


def is_task_message(call: ApiCall, text: str = TASK_TEXT) -> bool:
    """A broadcast message the fake delivered."""
    return call.ok and call.method in SENDING_METHODS and text in str(call.params.get("text") or call.params.get("caption"))


def delivered(calls: Iterable[ApiCall], recipients: set[int], text: str = TASK_TEXT) -> dict[int, int]:
    """Recipient -> how many broadcast messages the fake delivered to them."""
    got: dict[int, int] = {}
    for call in calls:
        if call.chat_id in recipients and is_task_message(call, text):
            got[call.chat_id] = got.get(call.chat_id, 0) + 1  # type: ignore[index]
    return got

