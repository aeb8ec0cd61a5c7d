"""The composition root needs no second root to run by webhook: PTB's own run_polling, whose lifecycle
run_webhook shares (initialize, post_init, start … stop, post_stop, shutdown, post_shutdown), runs the
Application that `Pantau.open()` returns, with no step of Pantau's own before or after."""

from __future__ import annotations

import asyncio
import threading

from telegram import Update

from bot.app import Pantau, PantauApplication
from testing.fake_telegram import FakeTelegram
from tests.conftest import SettingsFactory
from tests.harness import Reporter


async def test_ptbs_run_polling_runs_the_application_pantau_opens(fake: FakeTelegram, make_settings: SettingsFactory):
    settings = make_settings()
    pantau = Pantau(settings)
    ran: dict[str, object] = {}
    ready = threading.Event()

    def run() -> None:
        """In a thread with its own event loop, as a webhook deployment's `main()` would run it."""
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            application: PantauApplication = loop.run_until_complete(pantau.open())
            ran["loop"], ran["application"] = loop, application
            ready.set()
            application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=1, stop_signals=None, close_loop=False)
        except BaseException as exc:  # reported to the test below
            ran["error"] = exc
            ready.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="ptb-run-polling")
    thread.start()
    try:
        assert await asyncio.to_thread(ready.wait, 30) and "error" not in ran, ran.get("error")
        await fake.wait_polling(30)
        reporter = Reporter(fake)
        reporter.say("/start")
        await reporter.expect("Selamat datang di Pantau", timeout=30)  # the handlers are registered
        assert pantau.services is not None and pantau.services.outbox_worker is not None  # post_init ran
    finally:
        loop = ran.get("loop")
        application = ran.get("application")
        if isinstance(loop, asyncio.AbstractEventLoop) and application is not None:
            loop.call_soon_threadsafe(application.stop_running)  # type: ignore[attr-defined]
        await asyncio.to_thread(thread.join, 60)
    assert not thread.is_alive() and "error" not in ran, ran.get("error")
    assert pantau.services is None and pantau.application is None  # post_shutdown closed the database
    second = Pantau(settings)  # and released the lock: another bot may take the database
    await second.start(poll_timeout=1)
    await second.stop()
