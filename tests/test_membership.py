"""The membership rule and its short cache (bot/supervision/membership.py), with a scripted lookup and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.supervision.membership import (
    Admission,
    Attempt,
    MemberLookupFailed,
    Membership,
    MembershipService,
    MemberStatus,
)
from locales import LOCALES, catalog
from storage.database import Database
from storage.supervision.repository import SupervisionRepository

GROUP, USER = -1001_234, 5_001


class Telegram:
    """Answers getChatMember from `status`, counting the questions; `down` makes it fail."""

    def __init__(self) -> None:
        self.status: dict[tuple[int, int], Membership] = {}
        self.asked = 0
        self.down = False

    async def __call__(self, chat_id: int, user_id: int) -> Membership:
        self.asked += 1
        if self.down:
            raise MemberLookupFailed("timed out")
        return self.status.get((chat_id, user_id), Membership(MemberStatus.LEFT))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SupervisionRepository]:
    db = Database(tmp_path / "members.sqlite3")
    await db.open()
    yield SupervisionRepository(db)
    await db.close()


def service(telegram: Telegram, clock: Clock, repo: SupervisionRepository | None = None) -> MembershipService:
    return MembershipService(repo, telegram, ttl=90.0, clock=clock)


@pytest.mark.parametrize(
    ("membership", "current"),
    [
        (Membership(MemberStatus.CREATOR), True),
        (Membership(MemberStatus.ADMINISTRATOR), True),
        (Membership(MemberStatus.MEMBER), True),
        (Membership(MemberStatus.RESTRICTED, is_member=True), True),
        (Membership(MemberStatus.RESTRICTED, is_member=False), False),
        (Membership(MemberStatus.LEFT), False),
        (Membership(MemberStatus.BANNED), False),
        (Membership(MemberStatus.UNKNOWN), False),
    ],
)
def test_who_counts_as_a_current_member(membership: Membership, current: bool) -> None:
    assert membership.current is current


async def test_a_member_is_remembered_for_the_ttl_then_asked_again() -> None:
    telegram, clock = Telegram(), Clock()
    telegram.status[(GROUP, USER)] = Membership(MemberStatus.MEMBER)
    members = service(telegram, clock)
    first = await members.admit(GROUP, USER, Attempt.PRESS)
    clock.now += 89
    second = await members.admit(GROUP, USER, Attempt.PRESS)
    assert (first.allowed, first.cached, second.allowed, second.cached) == (True, False, True, True)
    assert telegram.asked == 1
    telegram.status[(GROUP, USER)] = Membership(MemberStatus.LEFT)
    clock.now += 2
    assert not (await members.admit(GROUP, USER, Attempt.PRESS)).allowed
    assert telegram.asked == 2


async def test_a_non_member_is_never_remembered() -> None:
    telegram, clock = Telegram(), Clock()
    members = service(telegram, clock)
    for _ in range(3):
        admission = await members.admit(GROUP, USER, Attempt.PRESS)
        assert not admission.allowed and admission.refusal_key == "triage.members_only"
    assert telegram.asked == 3
    telegram.status[(GROUP, USER)] = Membership(MemberStatus.RESTRICTED, is_member=True)
    assert (await members.admit(GROUP, USER, Attempt.REPLY)).allowed  # joined: let in at once


async def test_a_chat_member_update_makes_it_ask_again() -> None:
    telegram, clock = Telegram(), Clock()
    telegram.status[(GROUP, USER)] = Membership(MemberStatus.ADMINISTRATOR)
    members = service(telegram, clock)
    assert (await members.admit(GROUP, USER, Attempt.PRESS)).allowed
    telegram.status[(GROUP, USER)] = Membership(MemberStatus.BANNED)
    members.forget(GROUP, USER)  # the chat_member update of the ban
    admission = await members.admit(GROUP, USER, Attempt.PRESS)
    assert (admission.allowed, admission.membership.status) == (False, MemberStatus.BANNED)
    assert telegram.asked == 2


async def test_forgetting_a_chat_forgets_only_that_chat() -> None:
    telegram, clock = Telegram(), Clock()
    other = GROUP - 1
    for chat in (GROUP, other):
        telegram.status[(chat, USER)] = Membership(MemberStatus.MEMBER)
    members = service(telegram, clock)
    for chat in (GROUP, other):
        await members.admit(chat, USER, Attempt.PRESS)
    members.forget_chat(GROUP)
    assert (await members.admit(other, USER, Attempt.PRESS)).cached is True
    assert (await members.admit(GROUP, USER, Attempt.PRESS)).cached is False
    assert telegram.asked == 3


async def test_when_telegram_cannot_say_the_answer_is_no_and_not_kept() -> None:
    telegram, clock = Telegram(), Clock()
    telegram.status[(GROUP, USER)] = Membership(MemberStatus.MEMBER)
    telegram.down = True
    members = service(telegram, clock)
    admission = await members.admit(GROUP, USER, Attempt.COMMAND)
    assert (admission.allowed, admission.refusal_key) == (False, "triage.member_check_failed")
    telegram.down = False
    assert (await members.admit(GROUP, USER, Attempt.COMMAND)).allowed
    assert telegram.asked == 2


async def test_a_private_chats_only_member_is_its_user_without_asking() -> None:
    telegram, clock = Telegram(), Clock()
    members = service(telegram, clock)
    assert (await members.admit(USER, USER, Attempt.PRESS)).allowed
    assert not (await members.admit(USER, USER + 1, Attempt.PRESS)).allowed
    assert telegram.asked == 0


async def test_refusals_are_recorded(repo: SupervisionRepository) -> None:
    telegram, clock = Telegram(), Clock()
    telegram.status[(GROUP, USER + 1)] = Membership(MemberStatus.MEMBER)
    members = service(telegram, clock, repo)
    await members.admit(GROUP, USER, Attempt.PRESS, action="claim", report_id=7)
    await members.admit(GROUP, USER + 1, Attempt.PRESS, action="claim", report_id=7)  # a member: not recorded
    await members.admit(GROUP, USER, Attempt.COMMAND, action="kasus")
    assert await repo.refusals(GROUP) == [(USER, "press", "claim", 7, "left"), (USER, "command", "kasus", None, "left")]


def test_every_refusal_has_its_words_in_every_language() -> None:
    keys = {Admission(Membership(status), attempt).refusal_key for status in MemberStatus for attempt in Attempt}
    assert keys == {"triage.members_only", "triage.member_check_failed", "cases.members_only"}
    for locale in LOCALES:
        assert keys <= set(catalog(locale)), locale
