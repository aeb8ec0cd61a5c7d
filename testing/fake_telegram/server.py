"""The fake Bot API server: HTTP, the method table, long polling (getUpdates) and lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from testing.fake_telegram.faults import Faults
from testing.fake_telegram.methods import BotApiMethods
from testing.fake_telegram.params import read_params
from testing.fake_telegram.records import JSON, MAX_DOWNLOAD_SIZE, ApiCall, ApiError, _bad
from testing.fake_telegram.users import SimulatedUsers
from testing.fake_telegram.waiting import Inspection
from testing.fake_telegram.webhook import WebhookDelivery

# Methods answered with plain ``True`` (after chat checks when they have a chat_id).
_TRUE_METHODS = (
    "logOut",
    "close",
    "setMessageReaction",
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
    "banChatMember",
    "unbanChatMember",
    "restrictChatMember",
    "promoteChatMember",
    "setChatPermissions",
    "setChatTitle",
    "setChatDescription",
    "approveChatJoinRequest",
    "declineChatJoinRequest",
)

_MEDIA_METHODS: dict[str, str] = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVideo": "video",
    "sendAudio": "audio",
    "sendVoice": "voice",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
    "sendVideoNote": "video_note",
}


class FakeTelegram(SimulatedUsers, Inspection, Faults, WebhookDelivery, BotApiMethods):
    """Fake Telegram Bot API server.  See the package docstring (testing/fake_telegram/__init__.py)."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "pantau_test_bot") -> None:
        super().__init__(token, bot_username)
        self._handlers: dict[str, Callable[[JSON], Any]] = self._build_handlers()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._stopping = asyncio.Event()
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])
        root = f"http://{host}:{self.port}"
        self.base_url = f"{root}/bot"
        self.file_base_url = f"{root}/file/bot"

    async def stop(self) -> None:
        self._stopping.set()
        if self._poll_waiter is not None and not self._poll_waiter.done():
            self._poll_waiter.set_result("stop")
        await self._stop_webhook()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ HTTP plumbing

    @staticmethod
    def _json_response(status: int, body: JSON) -> web.Response:
        return web.Response(
            status=status, body=json.dumps(body, ensure_ascii=False).encode(), content_type="application/json"
        )

    @staticmethod
    def _error_body(err: ApiError) -> JSON:
        body: JSON = {"ok": False, "error_code": err.code, "description": err.description}
        if err.parameters:
            body["parameters"] = err.parameters
        return body

    def _record(self, method: str, params: JSON) -> ApiCall:
        call = ApiCall(seq=len(self.requests) + 1, method=method, params=params)
        self.requests.append(call)
        self._by_method.setdefault(method.lower(), []).append(call)
        cid = call.chat_id
        if cid is not None:
            self._by_chat.setdefault(cid, []).append(call)
        return call

    def _finish(self, call: ApiCall, status: int, response: Any) -> None:
        call.status = status
        call.response = response
        call.done = True
        if not self._waiters:
            return
        for w in list(self._waiters):
            if w.fut.done() or call.seq <= w.after:
                continue
            try:
                hit = w.match(call)
            except Exception as exc:
                w.fut.set_exception(exc)
                continue
            if hit:
                w.fut.set_result(call)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._handle_file(path[len("/file/bot") :])
        if not path.startswith("/bot"):
            return self._json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, _, method = path[len("/bot") :].partition("/")
        params = await read_params(request)
        handler = self._handlers.get(method.lower())
        canonical = self._canonical.get(method.lower(), method)
        call = self._record(canonical, params)
        if token != self.token:
            err = ApiError(401, "Unauthorized")
        elif handler is None:
            err = ApiError(404, "Not Found")
        else:
            return await self._dispatch(request, call, handler)
        body = self._error_body(err)
        self._finish(call, err.code, body)
        return self._json_response(err.code, body)

    async def _dispatch(self, request: web.Request, call: ApiCall, handler: Callable[[JSON], Any]) -> web.StreamResponse:
        try:
            fault = self._pick_fault(call)
            if self.latency and call.method != "getUpdates":
                await asyncio.sleep(self.latency)
            if fault is not None and fault.status == 0:
                response: Any = None
                if fault.process:
                    response = (await self._run(call, handler))[1]
                    call.response = response
                self.hanging.append(call)
                self._hang_event.set()
                await self._sleep(fault.delay)
                self._finish(call, 0, response)
                if request.transport is not None:
                    request.transport.abort()  # drop the connection without an HTTP answer
                return web.Response(status=500)  # never reaches the client
            if fault is not None:
                await self._sleep(fault.delay)
                body = self._error_body(self._fault_error(fault))
                self._finish(call, fault.status, body)
                return self._json_response(fault.status, body)
            limits = self.limits  # no await from here to ``sent``: the check and the count go together
            refusal = limits.admit(call) if limits is not None else None
            if refusal is not None:
                body = self._error_body(refusal)
                self._finish(call, refusal.code, body)
                return self._json_response(refusal.code, body)
            status, body = await self._run(call, handler)
            if limits is not None and status == 200:
                limits.sent(call)
            self._finish(call, status, body)
            return self._json_response(status, body)
        finally:
            if not call.done:  # cancelled (client went away / server stopping)
                self._finish(call, 0, call.response)

    async def _run(self, call: ApiCall, handler: Callable[[JSON], Any]) -> tuple[int, JSON]:
        try:
            result = handler(call.params)
            if isinstance(result, Awaitable):
                result = await result
        except ApiError as err:
            return err.code, self._error_body(err)
        return 200, {"ok": True, "result": result}

    def _handle_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        rec = self._files_by_path.get(file_path)
        if rec is None or rec.file_size > MAX_DOWNLOAD_SIZE:
            return self._json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        self.downloads.append(file_path)
        return web.Response(body=rec.content, content_type="application/octet-stream")

    # ------------------------------------------------------------------ the method table (methods.py, getUpdates)

    def _build_handlers(self) -> dict[str, Callable[[JSON], Any]]:
        table: dict[str, Callable[[JSON], Any]] = {
            "getUpdates": self._get_updates,
            "getMe": lambda p: dict(
                self.bot_user,
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            ),
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": lambda p: {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            },
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p: self.commands(p.get("scope"), p.get("language_code") or ""),
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._with_chat(lambda p, ch: True),
            "answerCallbackQuery": self._answer_callback_query,
            "sendMessage": self._with_chat(self._send_message),
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._with_chat(self._delete_message),
            "deleteMessages": self._with_chat(self._delete_messages),
            "sendMediaGroup": self._with_chat(self._send_media_group),
            "sendLocation": self._with_chat(self._send_location),
            "sendVenue": self._with_chat(self._send_venue),
            "sendContact": self._with_chat(self._send_contact),
            "copyMessage": self._with_chat(self._copy_message),
            "forwardMessage": self._with_chat(self._forward_message),
            "getFile": self._get_file,
            "getChat": self._with_chat(self._get_chat, check_member=False),
            "getChatMember": self._with_chat(self._get_chat_member),
            "getChatAdministrators": self._with_chat(self._get_chat_administrators),
            "getChatMemberCount": self._with_chat(lambda p, ch: 1 if ch.obj["type"] == "private" else len(ch.members) + 1),
            "leaveChat": self._with_chat(self._leave_chat),
        }
        for name, kind in _MEDIA_METHODS.items():
            table[name] = self._with_chat(self._media_sender(kind))
        for name in _TRUE_METHODS:
            table[name] = self._with_chat(lambda p, ch: True, optional=True)
        self._canonical = {name.lower(): name for name in table}
        return {name.lower(): fn for name, fn in table.items()}

    # --- updates / webhook

    def _update_allowed(self, update: JSON) -> bool:
        allowed = self._allowed
        if allowed is None:
            return not any(k in update for k in ("chat_member", "message_reaction", "message_reaction_count"))
        return any(k in allowed for k in update if k != "update_id")

    def _confirm(self, offset: Any) -> None:
        if isinstance(offset, int) and offset:
            pending = self._pending
            if offset > 0:
                while pending and pending[0]["update_id"] < offset:
                    pending.popleft()
            else:
                while len(pending) > -offset:
                    pending.popleft()
        if not self._pending:
            self._acked.set()

    def _take(self, limit: int) -> list[JSON]:
        out: list[JSON] = []
        dropped = False
        for u in self._pending:
            if not self._update_allowed(u):
                dropped = True
                continue
            out.append(u)
            if len(out) >= limit:
                break
        if dropped:
            self._pending = deque(u for u in self._pending if self._update_allowed(u))
            if not self._pending:
                self._acked.set()
        return out

    async def _get_updates(self, p: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        try:
            limit = min(100, max(1, int(p.get("limit") or 100)))
            timeout = max(0.0, float(p.get("timeout") or 0))
        except (TypeError, ValueError):
            raise _bad("wrong parameter value") from None
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else None
        old = self._poll_waiter
        if old is not None and not old.done():
            old.set_result("conflict")
        self._confirm(p.get("offset"))
        batch = self._take(limit)
        if batch or timeout <= 0 or self._stopping.is_set():
            return batch
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._poll_waiter = fut
        self._poll_held.set()
        try:
            outcome = await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            outcome = "timeout"
        finally:
            if self._poll_waiter is fut:
                self._poll_waiter = None
                self._poll_held.clear()
        if outcome == "conflict":
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            )
        return self._take(limit)

