"""A newcomer's first minute, against the real Application: replies in the Telegram client's language
until a choice, the `/start lapor` deep link of posters and QR codes, and the menus and descriptions the
bot sets at start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.app import Pantau
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter

PRIVATE = {"type": "all_private_chats"}
GROUPS = {"type": "all_group_chats"}
ADMINS = {"type": "all_chat_administrators"}


def client(fake: FakeTelegram, language_code: str) -> Reporter:
    """A person whose Telegram app is set to `language_code`, who has never chosen a language in Pantau."""
    r = Reporter(fake)
    fake.send_text(r.user_id, "hai", language_code=language_code)  # Telegram sends the tag with every update
    return r


# ---- the client's language ----------------------------------------------------------------------------


async def test_an_english_client_that_never_chose_is_answered_in_english(fake: FakeTelegram, bot: Pantau) -> None:
    r = client(fake, "en-GB")
    await r.expect("To make a report")
    r.say("/start")
    await r.expect("Welcome to Pantau")
    r.say("/lapor")
    await r.expect("Step 1 of 9")
    r.tap("Money politics")
    await r.expect("Step 2 of 9")
    assert not any("Langkah" in text for text in r.texts_since_mark())


async def test_a_stored_choice_wins_over_the_client_language(fake: FakeTelegram, bot: Pantau) -> None:
    r = client(fake, "en-US")
    await r.expect("To make a report")
    r.say("/bahasa")
    await r.expect("Choose a language")
    r.tap("Bahasa Indonesia")
    await r.expect("Bahasa diganti ke Bahasa Indonesia.")
    r.say("/start")
    await r.expect("Selamat datang di Pantau")


@pytest.mark.parametrize(
    ("language_code", "default_locale", "expected"),
    [
        ("fr", "id", "Selamat datang"),  # not one of ours: the deployment's default
        ("fr", "en", "Welcome to Pantau"),
        ("id", "en", "Selamat datang"),  # an Indonesian client on an English-default deployment
        ("EN", "id", "Welcome to Pantau"),
    ],
)
async def test_the_client_language_or_else_the_default(
    fake: FakeTelegram, start_bot: Callable[..., Any], language_code: str, default_locale: str, expected: str
) -> None:
    await start_bot(default_locale=default_locale)
    r = client(fake, language_code)
    await r.expect("/")  # the pointer to the menu, in whichever language
    r.say("/start")
    await r.expect(expected)


# ---- /start payloads ------------------------------------------------------------------------------------


async def test_the_report_deep_link_opens_a_report_at_once(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/start lapor")  # what Telegram sends for https://t.me/<bot>?start=lapor
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")  # the conversation took it: the next step follows
    await r.expect("Langkah 2 dari 9")
    assert bot.services is not None
    draft = await bot.services.intake.get(r.user_id)
    assert draft is not None and draft.active


async def test_the_deep_link_with_an_unfinished_draft_offers_to_continue(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Politik uang")
    await r.expect("Langkah 2 dari 9")
    r.say("/start lapor")
    await r.expect("Anda punya laporan yang belum selesai")
    r.tap("Lanjutkan")
    await r.expect("Langkah 2 dari 9")


async def test_an_unknown_payload_gives_the_welcome(fake: FakeTelegram, bot: Pantau) -> None:
    r = Reporter(fake)
    r.say("/start poster-2024")
    await r.expect("Selamat datang di Pantau")
    assert bot.services is not None
    assert await bot.services.intake.get(r.user_id) is None


# ---- menus and descriptions -----------------------------------------------------------------------------


async def _menus_set(fake: FakeTelegram) -> None:
    """The last call of the start-up sequence: the English short description."""
    await fake.wait_for("setMyShortDescription", after=0, predicate=lambda c: c.params.get("language_code") == "en")


def names(fake: FakeTelegram, scope: dict[str, str], language_code: str = "") -> list[str]:
    return [c["command"] for c in fake.commands(scope, language_code)]


async def test_command_menus_per_scope_and_language(fake: FakeTelegram, bot: Pantau) -> None:
    await _menus_set(fake)
    assert names(fake, PRIVATE) == ["lapor", "status", "laporansaya", "bahasa", "relawan", "relawansaya", "tugassaya",
                                    "datasaya", "hapusdata", "bantuan", "batal"]
    assert names(fake, PRIVATE, "en") == ["report", "status", "myreports", "language", "volunteer", "myvolunteer",
                                          "mytasks", "mydata", "erasemydata", "help", "cancel"]
    group_id = ["kasus", "antrian", "tugas", "undang", "organisasi", "statistik", "peta", "ekspor", "ringkasan", "cakupan"]
    group_en = ["case", "queue", "task", "invite", "organisations", "stats", "map", "export", "digest", "coverage"]
    assert names(fake, GROUPS) == group_id
    assert names(fake, GROUPS, "en") == group_en
    assert names(fake, ADMINS) == [*group_id, "daftar"]
    assert names(fake, ADMINS, "en") == [*group_en, "register"]
    assert fake.commands(PRIVATE)[0]["description"] == "Laporkan dugaan pelanggaran pemilu"
    assert fake.commands(ADMINS, "en")[-1]["description"].startswith("Register this group")


async def test_descriptions_in_both_languages(fake: FakeTelegram, bot: Pantau) -> None:
    await _menus_set(fake)
    for method, field, limit in (("setMyDescription", "description", 512),
                                 ("setMyShortDescription", "short_description", 120)):
        calls = {c.params.get("language_code"): c for c in fake.calls(method)}
        assert set(calls) == {None, "en"}, method
        assert all(c.ok for c in calls.values())
        default, english = str(calls[None].params[field]), str(calls["en"].params[field])
        assert "pemilu" in default and "election" in english
        assert 0 < len(default) <= limit and 0 < len(english) <= limit


async def test_an_english_default_deployment_sets_english_as_the_fallback(
    fake: FakeTelegram, start_bot: Callable[..., Any]
) -> None:
    await start_bot(default_locale="en")
    await fake.wait_for("setMyShortDescription", after=0, predicate=lambda c: c.params.get("language_code") == "id")
    assert names(fake, PRIVATE)[:4] == ["report", "status", "myreports", "language"]
    assert names(fake, PRIVATE, "id")[0] == "lapor"


async def test_a_refused_menu_does_not_stop_the_bot(fake: FakeTelegram, start_bot: Callable[..., Any]) -> None:
    fake.fail_next("setMyCommands", status=400, description="Bad Request: BOT_COMMAND_INVALID")
    fake.fail_next("setMyDescription", status=500, description="Internal Server Error")
    await start_bot()
    await _menus_set(fake)
    assert fake.commands(PRIVATE) == []  # the one refused
    assert names(fake, GROUPS)[:2] == ["kasus", "antrian"]  # the others were still set
    r = Reporter(fake)
    r.say("/start")
    await r.expect("Selamat datang di Pantau")
