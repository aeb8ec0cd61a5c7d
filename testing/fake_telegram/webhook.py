"""Webhook delivery: once the bot calls setWebhook, the fake posts its pending updates to that URL, as Telegram
does, instead of answering getUpdates (which then fails with 409 Conflict).

Updates are posted one at a time, in order, with ``X-Telegram-Bot-Api-Secret-Token`` when the webhook was set
with a ``secret_token``. An update leaves the queue only when the bot answered 200; any other answer (or none:
the bot is down) is recorded and the same update is posted again after ``webhook_retry_s``, as Telegram retries.
Every attempt is in ``webhook_posts``; ``wait_webhook_post`` waits for one."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass

import aiohttp

from testing.fake_telegram.records import JSON
from testing.fake_telegram.state import FakeState


@dataclass(frozen=True, slots=True)
class WebhookPost:
    """One attempt to deliver an update to the webhook: its id and the HTTP status the bot answered (0: none)."""

    update_id: int
    status: int


class WebhookDelivery(FakeState):
    webhook_retry_s = 0.05  # Telegram waits longer between retries; the tests need not

    def _set_webhook(self, p: JSON) -> bool:
        self._webhook_url = str(p.get("url") or "")
        secret = p.get("secret_token")
        self.webhook_secret = str(secret) if secret else None
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else None
        if p.get("drop_pending_updates"):
            self._pending.clear()
            self._acked.set()
        self._stop_pushing()
        if self._webhook_url:
            self._webhook_task = asyncio.get_running_loop().create_task(
                self._push(self._webhook_url, self.webhook_secret), name="fake-webhook")
        return True

    def _delete_webhook(self, p: JSON) -> bool:
        self._webhook_url = ""
        self._stop_pushing()
        if p.get("drop_pending_updates"):
            self._pending.clear()
            self._acked.set()
        return True

    def _stop_pushing(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()

    async def _stop_webhook(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _push(self, url: str, secret: str | None) -> None:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            while True:
                if not self._pending:
                    self._injected.clear()
                    await self._injected.wait()
                    continue
                update = self._pending[0]
                if not self._update_allowed(update):
                    self._pending.popleft()
                    self._settle()
                    continue
                try:
                    async with session.post(url, data=json.dumps(update), headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, OSError, TimeoutError):
                    status = 0
                if status == 200 and self._pending and self._pending[0] is update:
                    self._pending.popleft()
                    self._settle()
                self.webhook_posts.append(WebhookPost(int(update["update_id"]), status))
                self._webhook_changed.set()
                if status != 200:
                    await asyncio.sleep(self.webhook_retry_s)

    def _update_allowed(self, update: JSON) -> bool:  # FakeTelegram's (server.py): allowed_updates
        raise NotImplementedError

    def _settle(self) -> None:
        if not self._pending:
            self._acked.set()

    async def wait_webhook_post(self, update_id: int, status: int | None = None,
                                timeout: float = 10.0) -> WebhookPost:  # noqa: ASYNC109
        """The first post of that update (answered with `status`, if given), waiting for it if need be."""
        async with asyncio.timeout(timeout):
            while True:
                for post in self.webhook_posts:
                    if post.update_id == update_id and (status is None or post.status == status):
                        return post
                self._webhook_changed.clear()
                await self._webhook_changed.wait()
