"""The bot's HTTP transport (bot/delivery/transport.py) against the fake Bot API and against servers that
misbehave: answers, Telegram's errors, uploads, downloads, timeouts and refused connections."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery.rate_limiter import answered
from bot.delivery.transport import AiohttpRequest
from testing.fake_telegram import FakeTelegram

PERSON = 7001


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    fake.ensure_chat(PERSON, "private", first_name="Siti")
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.file_base_url,
                   request=AiohttpRequest(connection_pool_size=8)) as telegram_bot:
        yield telegram_bot


async def test_a_message_goes_out_with_its_parameters_and_comes_back_parsed(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(PERSON, "Laporan <b>diterima</b> ✅", parse_mode="HTML")
    assert sent.chat.id == PERSON and sent.text == "Laporan diterima ✅"
    call = fake.calls("sendMessage", chat_id=PERSON)[-1]
    assert call.params["text"] == "Laporan <b>diterima</b> ✅" and call.params["parse_mode"] == "HTML"


async def test_telegram_errors_are_raised_as_before(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999_999_999, "siapa?")


async def test_an_upload_and_a_download_carry_the_same_bytes(bot: Bot) -> None:
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    sent = await bot.send_photo(PERSON, content, caption="bukti")
    photo = sent.photo[-1]
    file = await bot.get_file(photo.file_id)
    assert bytes(await file.download_as_bytearray()) == content


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A server that takes requests and never answers them (until the test ends)."""
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        release.set()
        await runner.cleanup()


async def test_a_server_that_does_not_answer_is_a_timeout(silent_server: str) -> None:
    request = AiohttpRequest(read_timeout=0.2, connection_pool_size=2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{silent_server}123:abc/sendMessage", request_data=None)
    finally:
        await request.shutdown()


async def test_a_refused_connection_is_a_network_error_that_may_not_have_arrived() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(connection_pool_size=2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe")
    finally:
        await request.shutdown()
    assert raised.value.message.startswith("aiohttp.")
    assert not answered(raised.value)  # the rate limiter counts it: it may have reached Telegram


async def test_a_transport_not_initialised_says_so() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/", "POST")


async def test_the_bot_uses_it(make_settings: object) -> None:
    from bot.app import Pantau

    pantau = Pantau(make_settings())  # type: ignore[operator]
    application = await pantau.open()
    try:
        assert isinstance(application.bot.request, AiohttpRequest)
        assert application.updater is not None
        assert isinstance(application.updater.bot._request[0], AiohttpRequest)  # getUpdates
    finally:
        await pantau.close()
