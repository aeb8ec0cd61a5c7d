"""Webhook mode: updates posted by Telegram to python-telegram-bot's own webhook server, plus a health path.

PTB's server (tornado) refuses a request whose `X-Telegram-Bot-Api-Secret-Token` is missing or wrong (403)
before reading it, and answers 200 only after `update_queue.put` returned. Our queue
(`PersistentUpdateQueue`, never gated by getUpdates in this mode) commits the update to the inbox inside
`put`, so the 200 that acknowledges an update to Telegram comes after its commit, as the getUpdates offset
does when polling: a process killed after the answer finds the update in the inbox at its next start, and
one killed before it gets the update again from Telegram, which retries until it is answered.

The health path is served by the same server: a load balancer or Docker's health check asks it; it
answers 200 when every check passes and 503 otherwise, with the checks as JSON."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from telegram.ext import Application, Updater

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[tuple[bool, list[str]]]]


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Where the webhook server listens and what Telegram is told (from the settings)."""

    url: str
    listen: str
    port: int
    path: str
    secret: str
    health_path: str

    @classmethod
    def create(cls, url: str, listen: str, port: int, path: str, secret: str | None, health_path: str) -> WebhookConfig:
        """A secret left unset is drawn anew at each start: it is set with the webhook every time."""
        if health_path.rstrip("/") == path.rstrip("/"):
            raise ValueError(f"HEALTH_PATH and the webhook path must differ (both are {path})")
        return cls(url, listen, port, path, secret or secrets.token_urlsafe(32), health_path)


class HealthHandler(tornado.web.RequestHandler):
    """GET on the health path: 200 and {"ok": true, …} when healthy, 503 otherwise."""

    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, check: HealthCheck) -> None:
        self.check = check

    async def get(self) -> None:
        try:
            ok, lines = await self.check()
        except Exception:  # a failing check is an unhealthy bot, not a 500 with a traceback
            log.exception("health check failed")
            ok, lines = False, ["the health check itself failed (see the log)"]
        self.set_status(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"ok": ok, "checks": lines}))

    async def head(self) -> None:
        await self.get()


async def start_webhook(application: Application[Any, Any, Any, Any, Any, Any], config: WebhookConfig,
                        check: HealthCheck) -> None:
    """Start PTB's webhook server (setWebhook with the secret, then listen) and add the health path to it."""
    updater = application.updater
    assert updater is not None
    await updater.start_webhook(
        listen=config.listen, port=config.port, url_path=config.path.lstrip("/"), webhook_url=config.url,
        secret_token=config.secret, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
    )
    _webhook_app(updater).add_handlers(r".*", [(rf"{config.health_path.rstrip('/')}/?", HealthHandler, {"check": check})])
    log.info("Pantau is running (webhook, listening on %s:%d%s)", config.listen, config.port, config.path)


def _webhook_app(updater: Updater) -> tornado.web.Application:
    """The tornado application PTB's `start_webhook` serves. PTB does not expose it; these private names are
    checked by tests/test_e2e_webhook.py, so an upgrade that renames them fails there, not in production."""
    server = updater._httpd
    if server is None:
        raise RuntimeError("the webhook server is not running")
    app = server._http_server.request_callback
    if not isinstance(app, tornado.web.Application):
        raise RuntimeError("python-telegram-bot's webhook server is not a tornado application any more")
    return app
