"""Tests for the fake Telegram Bot API server, driven by real PTB objects over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import warnings
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from testing.fake_telegram import FakeTelegram

USER = 4242

# PTB itself warns about RetryAfter.retry_after becoming a timedelta when it builds the exception.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as f:
        yield f


def make_bot(fake: FakeTelegram, **request_kw: float) -> Bot:
    request = HTTPXRequest(**request_kw) if request_kw else None  # type: ignore[arg-type]
    return Bot(fake.token, base_url=fake.base_url, base_file_url=fake.file_base_url, request=request)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake) as b:
        yield b


def keyboard(data: str = "yes") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data=data)]])


# --------------------------------------------------------------------------- basics


async def test_get_me_and_wrong_token(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (fake.bot_id, "pantau_test_bot", True)
    assert fake.calls("getMe")[-1].ok
    bad = Bot("999:WRONG", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await bad.initialize()
    assert fake.requests[-1].status == 401 and fake.requests[-1].description == "Unauthorized"


async def test_params_are_decoded(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    msg = await bot.send_message(USER, "123", reply_markup=keyboard(), disable_notification=True)
    call = fake.calls("sendMessage", chat_id=USER)[-1]
    assert call.params["text"] == "123"  # string fields stay strings
    assert call.params["chat_id"] == USER
    assert call.params["disable_notification"] is True
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}
    assert msg.reply_markup == keyboard()
    assert msg.from_user is not None and msg.from_user.id == fake.bot_id
    assert [m["text"] for m in fake.messages_to(USER)] == ["123"]


async def test_message_ids_increase_and_html_entities(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    m1 = await bot.send_message(USER, "<b>Halo</b> &amp; <i>dunia</i>", parse_mode=ParseMode.HTML)
    m2 = await bot.send_message(USER, "*tebal* dan \\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert m2.message_id == m1.message_id + 1
    assert m1.text == "Halo & dunia"
    assert [(e.type, e.offset, e.length) for e in m1.entities] == [("bold", 0, 4), ("italic", 7, 5)]
    assert m2.text == "tebal dan ."
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "a<br>b", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: Character '.' is reserved"):
        await bot.send_message(USER, "Selesai.", parse_mode=ParseMode.MARKDOWN_V2)


# --------------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_promptly_on_inject(fake: FakeTelegram, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.wait_polling(timeout=3)
    t0 = loop.time()
    sent = fake.send_text(USER, "halo")
    updates = await asyncio.wait_for(task, 3)
    assert loop.time() - t0 < 1.0
    assert [u.update_id for u in updates] == [sent["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "halo"
    # an empty long poll ends after `timeout`
    t0 = loop.time()
    assert await bot.get_updates(offset=sent["update_id"] + 1, timeout=dtm.timedelta(seconds=0.2)) == ()
    assert 0.15 < loop.time() - t0 < 2.0


async def test_unconfirmed_updates_are_redelivered(fake: FakeTelegram, bot: Bot) -> None:
    a = fake.send_text(USER, "satu")
    b = fake.send_location(USER, -6.2, 106.8)
    first = await bot.get_updates()
    again = await bot.get_updates()  # no offset: nothing confirmed -> same updates (crash re-delivery)
    assert [u.update_id for u in first] == [u.update_id for u in again] == [a["update_id"], b["update_id"]]
    assert b["update_id"] > a["update_id"]
    assert len(await bot.get_updates(offset=a["update_id"], limit=1)) == 1
    assert len(fake.pending_updates()) == 2
    assert await bot.get_updates(offset=b["update_id"] + 1) == ()
    assert fake.pending_updates() == []
    await fake.wait_until_acknowledged(timeout=1)
    fake.send_text(USER, "tiga")
    with pytest.raises(AssertionError, match=r"(?i)not acknowledged"):
        await fake.wait_until_acknowledged(timeout=0.1)


async def test_stop_releases_long_poll() -> None:
    fake = FakeTelegram()
    await fake.start()
    async with make_bot(fake) as bot:
        task = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.wait_polling(timeout=3)
        await asyncio.wait_for(fake.stop(), 3)
        assert await asyncio.wait_for(task, 3) == ()


async def test_album_of_three(fake: FakeTelegram, bot: Bot) -> None:
    sent = fake.send_album(USER, [b"a1", b"a2", b"a3"], caption="TPS 12")
    updates = await bot.get_updates()
    assert len(updates) == 3
    ids = [u.update_id for u in updates]
    assert ids == [s["update_id"] for s in sent] == list(range(ids[0], ids[0] + 3))
    groups = {u.message.media_group_id for u in updates if u.message}
    assert len(groups) == 1 and None not in groups
    assert updates[0].message is not None and updates[0].message.caption == "TPS 12"
    assert len({u.message.photo[-1].file_id for u in updates if u.message}) == 3


# --------------------------------------------------------------------------- files


async def test_file_download_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    content = bytes(range(256)) * 40
    fake.send_photo(USER, content, caption="C1")
    fake.send_photo(USER, b"big", file_size=25 * 1024 * 1024)
    small, big = await bot.get_updates()
    assert small.message is not None and big.message is not None
    f = await bot.get_file(small.message.photo[-1].file_id)
    assert f.file_size == len(content) and f.file_path is not None and f.file_path.endswith(".jpg")
    assert bytes(await f.download_as_bytearray()) == content
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(big.message.photo[-1].file_id)
    # the bot re-sends a user's photo by file_id, and uploads a new one
    again = await bot.send_photo(USER, small.message.photo[-1].file_id, caption="ulang")
    assert again.photo[-1].file_id == small.message.photo[-1].file_id
    up = await bot.send_photo(USER, b"uploaded-bytes")
    assert fake.calls("sendPhoto")[-1].params["photo"] == b"uploaded-bytes"
    f2 = await bot.get_file(up.photo[-1].file_id)
    assert bytes(await f2.download_as_bytearray()) == b"uploaded-bytes"


async def test_send_media_group_with_uploads(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    msgs = await bot.send_media_group(USER, [InputMediaPhoto(b"p1", caption="satu"), InputMediaPhoto(b"p2")])
    assert len(msgs) == 2 and msgs[0].media_group_id == msgs[1].media_group_id is not None
    media = fake.calls("sendMediaGroup")[-1].params["media"]
    assert [m["media"] for m in media] == [b"p1", b"p2"]
    reply = await fake.wait_for_reply(USER, after=0)
    assert reply["caption"] == "satu"


# --------------------------------------------------------------------------- faults


async def test_fail_next_429_is_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    fake.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(USER, "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert exc.value.retry_after in (3, dtm.timedelta(seconds=3))
    assert fake.calls("sendMessage")[-1].status == 429
    assert fake.messages_to(USER) == []  # a failed call has no effect
    await bot.send_message(USER, "x")  # only the next call failed
    assert len(fake.messages_to(USER)) == 1


async def test_fail_next_500_and_chat_filter(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    fake.send_text(USER + 1, "hai")
    fake.fail_next("sendmessage", status=500, chat_id=USER + 1, times=2)
    await bot.send_message(USER, "ok")
    for _ in range(2):
        with pytest.raises(NetworkError) as exc:
            await bot.send_message(USER + 1, "x")
        assert not isinstance(exc.value, BadRequest | Forbidden)
    await bot.send_message(USER + 1, "ok")
    fake.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(USER, "x")


async def test_timeout_fault(fake: FakeTelegram) -> None:
    fake.send_text(USER, "hai")
    async with make_bot(fake, read_timeout=0.3) as bot:
        fake.fail_next("sendMessage", status=0, delay=5)
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "x")
        fake.fail_next("sendMessage", status=0, delay=0.05, process=True)  # sent, but the answer is lost
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "hilang")
        assert [m["text"] for m in fake.messages_to(USER)] == ["hilang"]
        call = await fake.wait_for("sendMessage", predicate=lambda c: c.status == 0, after=0, timeout=2)
        assert call.done


async def test_fail_ratio_is_deterministic(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")

    async def run() -> list[bool]:
        out = []
        for _ in range(20):
            try:
                await bot.send_message(USER, "x")
                out.append(True)
            except (NetworkError, RetryAfter):
                out.append(False)
        return out

    fake.fail_ratio(0.4, kinds=(500, 502, 429), seed=7, retry_after=1)
    first = await run()
    fake.fail_ratio(0.4, kinds=(500, 502, 429), seed=7, retry_after=1)
    assert await run() == first
    assert 0 < first.count(False) < 20
    fake.clear_faults()
    assert await run() == [True] * 20


# --------------------------------------------------------------------------- Telegram rules


async def test_block_and_kick_are_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    fake.block(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "x")
    fake.bot_added_to(-555, USER)
    await bot.send_message(-555, "halo grup")
    fake.block(-555)
    with pytest.raises(Forbidden, match=r"(?i)kicked from the group chat"):
        await bot.send_message(-555, "x")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "never talked to the bot")


async def test_limits_are_enforced(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    await bot.send_message(USER, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(USER, b"img", caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "pilih", reply_markup=keyboard("d" * 65))
    assert len(fake.messages_to(USER)) == 1


async def test_edit_rules(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    msg = await bot.send_message(USER, "pilih", reply_markup=keyboard())
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("pilih", chat_id=USER, message_id=msg.message_id, reply_markup=keyboard())
    edited = await bot.edit_message_text("dipilih", chat_id=USER, message_id=msg.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "dipilih" and edited.reply_markup is None  # omitted markup removes the keyboard
    assert fake.messages_to(USER)[0]["text"] == "dipilih"
    assert "reply_markup" not in fake.messages_to(USER)[0]
    await bot.delete_message(USER, msg.message_id)
    assert fake.messages_to(USER) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, msg.message_id)


async def test_groups_admins_and_migration(fake: FakeTelegram, bot: Bot) -> None:
    fake.bot_added_to(-777, 1, title="Pengawas Kec")
    fake.set_chat_admins(-777, [1, 2])
    fake.send_text(3, "lapor", chat_id=-777, chat_type="group")
    admins = await bot.get_chat_administrators(-777)
    assert [(a.user.id, a.status) for a in admins] == [
        (1, ChatMemberStatus.OWNER),
        (2, ChatMemberStatus.ADMINISTRATOR),
    ]
    assert (await bot.get_chat_member(-777, 3)).status == ChatMemberStatus.MEMBER
    chat = await bot.get_chat(-777)
    assert chat.title == "Pengawas Kec" and chat.type == "group"
    upd = fake.migrate_group(-777, -1001234)
    assert upd["message"]["migrate_to_chat_id"] == -1001234
    with pytest.raises(ChatMigrated) as exc:
        await bot.send_message(-777, "x")
    assert exc.value.new_chat_id == -1001234
    await bot.send_message(-1001234, "ok")
    assert (await bot.get_chat_member(-1001234, 2)).status == ChatMemberStatus.ADMINISTRATOR
    removed = fake.bot_removed_from(-1001234, 1)
    assert removed["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match=r"(?i)kicked from the supergroup chat"):
        await bot.send_message(-1001234, "x")


async def test_wait_for_timeout_raises_assertion(fake: FakeTelegram, bot: Bot) -> None:
    fake.send_text(USER, "hai")
    await bot.send_message(USER, "bukan ini")
    with pytest.raises(AssertionError, match=r"timed out[\s\S]*sendMessage[\s\S]*bukan ini"):
        await fake.wait_for("editMessageText", timeout=0.1)
    with pytest.raises(AssertionError, match=r"(?i)timed out"):
        await fake.wait_for_reply(USER + 1, timeout=0.1)


# --------------------------------------------------------------------------- a real Application


async def test_application_end_to_end(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"start:{' '.join(context.args or [])}", reply_markup=keyboard())

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pilih:{query.data}")

    app = Application.builder().token(fake.token).base_url(fake.base_url).base_file_url(fake.file_base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        try:
            fake.send_text(USER, "halo")
            assert (await fake.wait_for_reply(USER, timeout=5))["text"] == "halo"

            fake.send_text(USER, "/start@pantau_test_bot tps12")
            menu = await fake.wait_for_reply(USER, timeout=5)
            assert menu["text"] == "start:tps12"

            fake.press(USER, menu, "yes")
            answer = await fake.wait_for("answerCallbackQuery", timeout=5)
            assert answer.ok
            await fake.wait_for("editMessageText", chat_id=USER, timeout=5)
            assert fake.messages_to(USER)[-1]["text"] == "pilih:yes"
            with pytest.raises(AssertionError, match=r"(?i)no inline button"):
                fake.press(USER, menu, "yes")  # the keyboard is gone after the edit
            await fake.wait_until_acknowledged(timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.pending_updates() == []
    assert fake.calls("deleteWebhook") and fake.calls("getMe")
