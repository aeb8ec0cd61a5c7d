"""Delivers the outbox: every queued message is sent and marked sent, surviving errors and restarts.

A message is marked sent only after Telegram accepted it, so a crash in between can send it twice; nothing
is ever dropped silently. Errors are handled by kind: 429 waits `retry_after`; network errors, timeouts and
5xx retry with exponential backoff; a group that migrated to a supergroup gets the message at its new id; a
chat the bot can no longer post to (403, chat not found) is reported to `on_unreachable` (supervision moves
its alerts one level up) and the message is marked dead; any other refusal is marked dead and logged.

What the worker knows of the rows it sends comes from a `DeliveryPolicy` (bot/delivery/policy.py) that the
features fill in: Pantau's own methods with their senders and costs, the message kinds with their rules, and
the digest. Groups get at most `GroupPacer.per_minute` messages a minute (the pacer learns of every message
sent to a group from the rate limiter, bot/delivery/rate_limiter.py). When the rows of the digest's kind (alert
cards) waiting for one group would not fit, they are merged into one digest message instead of queuing without
bound. Replies to a person's own update
(`OutboxPriority.REPLY`, e.g. a group's answer to /kasus, a report's confirmation) go before a chat's other rows
and count as interactive in the overall limit; alerts and notices as `Priority.ALERT`; digests and `BULK` rows
(reminders) as `Priority.BULK`, after everything else.

A broadcast's rows (`batch` set, storage/delivery/broadcasts.py) go out at most once, at Telegram's limit, in the
room replies, alerts and digests leave (`Priority.BROADCAST`): each row is marked `sending` (committed; the rows
admitted together share one commit) once the rate limiter admits its request and just before the request goes out,
and `sent` after (that mark rides in the next commit). At start-up, rows a killed process left `sending` become
`uncertain` and are not sent again. A 403 or "chat not found" marks the row `unreachable` and tells
`on_recipient_unreachable` (volunteers: skipped by later broadcasts); another refusal marks it `failed`; 429, 5xx
and network errors (timeouts included) put it back to `pending` for a retry, as any other row. With
`paid_broadcast`, they are sent with `allow_paid_broadcast` (up to 1000 a second). See docs/broadcasts.md.

A row may be threaded under another one sent before it: `reply_to_key` in its payload names that row, and
the worker hands the sender that row's message id as `reply_to`; or its kind's rule names the kind of the rows
threaded under it (an alert card's evidence and pin). A row goes out only with room in the group's minute for
the rows threaded under it, so they follow it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.delivery.pacing import GroupPacer
from bot.delivery.policy import DeliveryPolicy
from bot.delivery.rate_limiter import Priority, admitted, retry_seconds, sending_as
from storage.database import utcnow
from storage.delivery.outbox import OutboxItem, OutboxPriority, OutboxRepository, OutboxStatus

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)
IDLE_WAIT = 30.0  # seconds between looks at the outbox when nobody wakes the worker
STOP_GRACE = 10.0  # seconds a stopping worker gives the sends under way to be answered and marked
DIGEST_RETRY = 5.0  # seconds before a digest that failed on the network is tried again
MAX_CHATS = 64  # chats delivered to at the same time
MAX_BROADCAST_CHATS = 48  # of which broadcast rows may take: the others stay free for replies and alerts


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1 s, 2 s, 4 s … up to five minutes."""
    return min(timedelta(seconds=2 ** min(attempts, 16)), MAX_BACKOFF)


def sending_priority(row_priority: int) -> Priority:
    """The overall limit's priority of an outbox row: replies first, then alerts and notices, then bulk."""
    if row_priority >= OutboxPriority.REPLY:
        return Priority.INTERACTIVE
    return Priority.ALERT if row_priority >= OutboxPriority.NORMAL else Priority.BULK


def item_priority(item: OutboxItem) -> Priority:
    """The overall limit's priority of a row: a broadcast's rows after everything else, evenly over the second."""
    return Priority.BROADCAST if item.batch is not None else sending_priority(item.priority)


class NotSending(Exception):
    """A broadcast row was not sent: it is no longer pending (its broadcast was stopped), or the worker stops."""


class SendingMarks:
    """The `sending` marks of broadcast rows, committed together: the rows admitted while one commit is under way
    are marked in the next one, so that a burst of admitted sends costs one commit, not one each."""

    def __init__(self, outbox: OutboxRepository) -> None:
        self.outbox = outbox
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self._flusher: asyncio.Task[None] | None = None

    async def mark(self, item_id: int) -> None:
        """Return once the row is committed as `sending`; NotSending if it is no longer pending."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[item_id] = future
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="outbox-sending-marks")
        if not await asyncio.shield(future):
            raise NotSending(f"outbox row {item_id} is no longer pending")

    async def _flush(self) -> None:
        while self._waiting:
            waiting, self._waiting = self._waiting, {}
            try:
                marked = await self.outbox.mark_sending(list(waiting))
            except Exception as exc:  # nothing was marked: each send fails, and its row is retried
                for future in waiting.values():
                    if not future.done():
                        future.set_exception(exc)
                continue
            for item_id, future in waiting.items():
                if not future.done():
                    future.set_result(item_id in marked)


def _unreachable(exc: TelegramError) -> bool:
    if isinstance(exc, Forbidden):
        return True
    return isinstance(exc, BadRequest) and "chat not found" in exc.message.lower()


class OutboxWorker:
    def __init__(
        self,
        outbox: OutboxRepository,
        bot: Bot,
        *,
        batch: int = 100,
        policy: DeliveryPolicy | None = None,
        pacer: GroupPacer | None = None,
        on_unreachable: Callable[[OutboxItem, str, bool], Awaitable[None]] | None = None,
        on_migrated: Callable[[int, int], Awaitable[None]] | None = None,
        on_recipient_unreachable: Callable[[OutboxItem], Awaitable[None]] | None = None,
        paid_broadcast: bool = False,
    ) -> None:
        self.outbox = outbox
        self.bot = bot
        self.batch = batch
        self.policy = policy or DeliveryPolicy()
        self.pacer = pacer
        self.on_unreachable = on_unreachable
        self.on_migrated = on_migrated
        self.on_recipient_unreachable = on_recipient_unreachable  # a broadcast row's 403 / chat not found
        self.paid_broadcast = paid_broadcast
        self._marks = SendingMarks(outbox)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._not_before: dict[int, float] = {}  # chat id -> monotonic time before which it gets nothing
        self._paced: dict[int, float] = {}  # chat id -> seconds until it may receive more (derived)
        self._chats: dict[int, asyncio.Task[bool]] = {}  # chat id -> its delivery under way
        self._broadcasting: set[int] = set()  # those of them that began with a broadcast row
        self._full = False  # the last look left due rows for want of a free chat: wait for one to end
        self.delivered = 0
        self.digests = 0
        self.uncertain = 0  # broadcast rows found `sending` at start (under way when the last process died)
        self.on_notify: Callable[[], None] | None = None  # several workers: tell the one whose worker runs

    def notify(self) -> None:
        """Something was queued: look at the outbox now."""
        self._idle.clear()
        self._wake.set()
        if self.on_notify is not None:
            self.on_notify()

    async def wait_idle(self) -> None:
        """Return once a look at the outbox found nothing it could send (all sent, or waiting)."""
        self.notify()
        await self._idle.wait()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        """Stop once the sends under way are answered and marked sent: a message Telegram took but the outbox
        did not mark would go out a second time after the restart. Whatever still waits (a paced group, a
        retry) after STOP_GRACE seconds is cancelled; it stays queued and goes out after the restart."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_GRACE)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def recover(self) -> int:
        """Broadcast rows a killed process left `sending` become `uncertain` (not sent again). How many."""
        found = await self.outbox.sending_to_uncertain()
        if found:
            log.warning("%d broadcast message(s) were under way when the bot stopped: marked uncertain, not resent",
                        found)
        self.uncertain += found
        return found

    async def _run(self) -> None:
        try:
            try:
                await self.recover()  # before the first look: no row of the last process is sent again
            except Exception:  # they stay 'sending', which no look picks up: still never sent twice
                log.exception("marking the broadcast rows left under way uncertain failed")
            while not self._stopping:
                self._wake.clear()
                try:
                    started = await self._start_due()
                except Exception:  # the worker must outlive a broken database read or a bug in one message
                    log.exception("outbox pass failed")
                    started = False
                if self._stopping:
                    break
                if started:
                    continue
                if not self._wake.is_set() and not self._chats:
                    try:
                        await self.outbox.write_deferred()  # a broadcast's last 'sent' marks, now rather than later
                    except Exception:  # kept for the next transaction
                        log.exception("writing the outbox's deferred marks failed")
                    self._idle.set()
                await self._sleep_until_due()
            if self._chats:  # stopping: the sends under way finish and are marked (stop() bounds the wait)
                await asyncio.gather(*self._chats.values(), return_exceptions=True)
        finally:
            for task in self._chats.values():
                task.cancel()

    async def _start_due(self) -> bool:
        """Start delivering what is due to each chat that is not being delivered to already, without waiting
        for it: a group waiting for its minute or a retry never holds up a reporter's confirmation. True if
        a chat was started."""
        room = MAX_CHATS - len(self._chats)
        self._full = room <= 0
        if self._full:
            return False
        now, exclude = utcnow(), [*self._paced_chats(), *self._chats]
        by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in await self.outbox.due(now, self.batch, exclude=exclude, batches=False):
            if item.chat_id in by_chat or len(by_chat) < room:
                by_chat[item.chat_id].append(item)
            else:
                self._full = True  # due, but no free chat: the end of a chat's delivery wakes the worker
        # Then a broadcast's rows, as many as there are chats free for them (each row parsed is one that goes).
        free = min(room - len(by_chat), MAX_BROADCAST_CHATS - len(self._broadcasting))
        if free > 0:
            rows = await self.outbox.due(now, free, exclude=[*exclude, *by_chat], batches=True)
            for item in rows:
                by_chat[item.chat_id].append(item)
            self._full = self._full or len(rows) == free
        elif self._broadcasting:
            self._full = True  # its rows wait for one of its chats to end
        for chat, chat_items in by_chat.items():
            task = asyncio.create_task(self._deliver_chat_logged(chat, chat_items), name=f"outbox-chat-{chat}")
            self._chats[chat] = task
            if chat_items[0].batch is not None:
                self._broadcasting.add(chat)
            task.add_done_callback(functools.partial(self._chat_done, chat))
        return bool(by_chat)

    def _chat_done(self, chat_id: int, _task: asyncio.Task[bool]) -> None:
        self._chats.pop(chat_id, None)
        self._broadcasting.discard(chat_id)
        self._wake.set()  # the chat may have more due, and the idle check must look again

    async def _deliver_chat_logged(self, chat_id: int, items: list[OutboxItem]) -> bool:
        try:
            return await self._deliver_chat(chat_id, items)
        except Exception:
            log.exception("outbox pass for chat %s failed", chat_id)
            return False

    async def _sleep_until_due(self) -> None:
        timeout = IDLE_WAIT
        # With every free chat taken, rows due now must wait for a chat's delivery to end (it wakes the worker):
        # looking again at once would only find them again, in a busy loop.
        next_at = None if self._full else await self.outbox.next_attempt_at(exclude=[*self._paced_chats(), *self._chats])
        if next_at is not None:
            timeout = max(0.0, min(IDLE_WAIT, (datetime.fromisoformat(next_at) - utcnow()).total_seconds()))
        if self._paced:
            timeout = min(timeout, *self._paced.values())
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns instead of raising when the event is set
        # at the moment the task is cancelled, and a stop would then wait for a worker that goes on.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()

    def _pause(self, chat_id: int, seconds: float) -> None:
        """Send nothing more to this chat for `seconds` (its minute is full, a digest is gathering, or
        Telegram asked to wait)."""
        until = time.monotonic() + max(seconds, 0.05)
        self._not_before[chat_id] = max(self._not_before.get(chat_id, 0.0), until)

    def _paced_chats(self) -> list[int]:
        """Chats that must not be sent to now, and how long until they may (kept in self._paced)."""
        now = time.monotonic()
        self._not_before = {chat: until for chat, until in self._not_before.items() if until > now}
        self._paced = {chat: until - now for chat, until in self._not_before.items()}
        return list(self._paced)

    async def deliver_due(self) -> bool:
        """Send what is due, chats in parallel, each chat's messages in order. True if anything was tried
        (sent, or failed and rescheduled); False if nothing could be (nothing due, or groups at their limit)."""
        items = await self.outbox.due(utcnow(), self.batch, exclude=self._paced_chats())
        if not items:
            return False
        by_chat: dict[int, list[OutboxItem]] = defaultdict(list)
        for item in items:
            by_chat[item.chat_id].append(item)
        results = await asyncio.gather(
            *(self._deliver_chat(chat, chat_items) for chat, chat_items in by_chat.items()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                log.error("outbox pass for one chat failed", exc_info=result)
        return any(result is True for result in results)

    async def _deliver_chat(self, chat_id: int, items: list[OutboxItem]) -> bool:
        progressed = False
        if self.pacer is not None and self.pacer.is_group(chat_id):
            # Digests until what is left fits the group's minute: a row sent on its own while the group is
            # crowded would take the room the next digest needs.
            while True:
                items, merged = await self._merge_if_crowded(chat_id, items)
                if not merged:
                    break
                progressed = True
        for index, item in enumerate(items):
            if self._stopping:
                return progressed  # stopping: what is not under way yet waits for the next start
            if self.pacer is not None:
                # A row goes out only with room for the rows queued under it (a card's evidence and pin).
                cost = self.policy.cost
                needed = cost(item)
                later = items[index + 1 :]
                needed += sum(cost(p) for p in self.policy.parts_under(item, later))
                needed += sum(cost(p) for p in later if p.payload.get("reply_to_key") == item.dedup_key)
                if needed and self.pacer.remaining(chat_id) < needed:
                    self._pause(chat_id, self.pacer.wait_for(chat_id, needed))
                    return progressed  # the rest waits for room in this group's minute
            progressed = True
            if not await self._deliver(item):
                return progressed  # keep this chat's order: the rest waits for the failed one
        return progressed

    async def _merge_if_crowded(self, chat_id: int, items: list[OutboxItem]) -> tuple[list[OutboxItem], bool]:
        """Alerts for a busy group are merged into one digest message instead of waiting for its minute.

        A group is busy when sending everything waiting would leave fewer than the digest's `reserve` of its
        slots this minute. Then the waiting alerts go out as a digest once there are two of them, or once the
        oldest has waited the digest's `gather` seconds (more may be on their way); the reserve keeps room for
        it. Which rows are alerts, and what a digest is, the policy says (bot/delivery/policy.py)."""
        assert self.pacer is not None
        policy, digest = self.policy, self.policy.digest
        cards = [item for item in items if policy.digestible(item)]
        if digest is None or not cards:
            return items, False
        remaining = self.pacer.remaining(chat_id)
        if sum(policy.cost(item) for item in items) <= remaining - digest.reserve:
            return items, False
        waited = (utcnow() - datetime.fromisoformat(cards[0].created_at)).total_seconds() if cards[0].created_at else 0
        if remaining < 1 or (len(cards) < 2 and waited < digest.gather):
            self._pause(chat_id, self.pacer.wait_for(chat_id) if remaining < 1 else digest.gather - waited)
            return [item for item in items if not policy.merges(item)], False
        reports = [item.report_id for item in cards if item.report_id is not None][: digest.size]
        if not reports:  # nothing a digest could name: the rows go one by one
            return items, False
        merged = policy.merged_ids(items, reports)
        try:
            with sending_as(Priority.BULK):  # a digest stands for alerts that could not go one by one
                digest_id = await digest.send(chat_id, reports)
        except TelegramError as exc:
            return await self._digest_failed(chat_id, items, merged, exc)
        await self.outbox.mark_merged(sorted(merged), digest_id)
        self.digests += 1
        self.delivered += len(reports)
        return [item for item in items if item.id not in merged], True

    async def _digest_failed(
        self, chat_id: int, items: list[OutboxItem], merged: set[int], exc: TelegramError
    ) -> tuple[list[OutboxItem], bool]:
        """A digest Telegram did not take: handled by kind, like any other message."""
        if isinstance(exc, RetryAfter):
            self._pause(chat_id, retry_seconds(exc))
            return [], False
        if isinstance(exc, ChatMigrated):
            if self.on_migrated is not None:
                await self.on_migrated(chat_id, exc.new_chat_id)  # the waiting items follow the new id
            return [], True
        if isinstance(exc, (Forbidden, BadRequest)) and _unreachable(exc):
            for item in items:
                if item.id in merged:
                    await self.outbox.mark_dead(item.id, f"{type(exc).__name__}: {exc.message}")
                    if self.policy.must_reach(item) and self.on_unreachable is not None:
                        await self.on_unreachable(item, exc.message, True)
            return [item for item in items if item.id not in merged], True
        if isinstance(exc, BadRequest):  # a digest Telegram will never take: the alerts go one by one
            log.warning("digest to %s refused (%s); its alerts go one by one", chat_id, exc)
            return items, False
        log.warning("digest to %s failed (%s); trying again shortly", chat_id, exc)
        self._pause(chat_id, DIGEST_RETRY)
        return [], False

    async def _threaded(self, item: OutboxItem) -> OutboxItem:
        """The item with `reply_to` (the message id of the row named by `reply_to_key`) in its payload."""
        key = item.payload.get("reply_to_key")
        if not key:
            return item
        parent = await self.outbox.by_key(str(key))
        payload = {k: v for k, v in item.payload.items() if k != "reply_to_key"}
        payload["reply_to"] = parent.get("telegram_message_id") if parent is not None else None  # None: unthreaded
        return dataclasses.replace(item, payload=payload)

    async def _call(self, item: OutboxItem) -> int | None:
        """Perform the Bot API call an item stands for; the message id it produced, if any. A broadcast row is
        marked `sending` once the rate limiter admits its request, just before it goes out."""
        item = await self._threaded(item)
        with sending_as(item_priority(item)):
            if item.batch is None:
                return await self._send(item)
            with admitted(functools.partial(self._mark_sending, item.id)) as hook:
                if getattr(self.bot, "rate_limiter", None) is None:  # no limiter to admit it: marked now
                    await hook.fire()
                message_id = await self._send(item)
                await hook.fire()  # a sender that made no call: the row must not stay pending
                return message_id

    async def _mark_sending(self, item_id: int) -> None:
        if self._stopping:  # admitted as the worker stops: the row stays pending for the next start
            raise NotSending("the outbox worker is stopping")
        await self._marks.mark(item_id)

    async def _send(self, item: OutboxItem) -> int | None:
        sender = self.policy.sender(item.method)
        if sender is not None:
            return await sender(item)
        payload = dict(item.payload)
        if item.batch is not None and self.paid_broadcast:
            payload["allow_paid_broadcast"] = True
        if payload.pop("migrated_from", None) is not None:  # the old group's message ids mean nothing here
            payload.pop("reply_parameters", None)
            payload.pop("reply_to", None)
        if (reply_to := payload.pop("reply_to", None)) is not None:
            payload["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        if item.method == "sendMessage":
            return (await self.bot.send_message(chat_id=item.chat_id, **payload)).message_id
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)  # a raw request on purpose: the payload is stored JSON
            result = await self.bot.do_api_request(
                item.method, api_kwargs={"chat_id": item.chat_id, **payload}, return_type=Message
            )
        if isinstance(result, Message):
            return result.message_id
        if isinstance(result, tuple) and result and isinstance(result[0], Message):
            return result[0].message_id
        return None

    async def _deliver(self, item: OutboxItem) -> bool:
        try:
            message_id = await self._call(item)
        except NotSending as exc:  # a broadcast row stopped meanwhile, or the worker stops: nothing was sent
            log.info("outbox message %s not sent: %s", item.dedup_key, exc)
            return not self._stopping
        except RetryAfter as exc:
            delay = timedelta(seconds=retry_seconds(exc))
            await self.outbox.retry_later(item.id, utcnow() + delay, f"429 retry after {delay}")
            return False
        except ChatMigrated as exc:
            log.info("chat %s migrated to %s", item.chat_id, exc.new_chat_id)
            if self.on_migrated is not None:
                await self.on_migrated(item.chat_id, exc.new_chat_id)
            await self.outbox.retarget(item.id, exc.new_chat_id, migrated_from=item.chat_id)
            await self.outbox.retry_later(item.id, utcnow(), f"migrated to {exc.new_chat_id}")
            return False
        except (Forbidden, BadRequest) as exc:
            log.warning("outbox message %s to %s refused for good: %s", item.dedup_key, item.chat_id, exc.message)
            if item.batch is not None:
                return await self._refused(item, exc)
            await self.outbox.mark_dead(item.id, f"{type(exc).__name__}: {exc.message}")
            # A chat that is gone, or a row that must reach someone (an alert card) refused for any reason (the bot
            # restricted in the group): supervision sends the alert elsewhere, so that no report is left without
            # a recipient.
            if self.on_unreachable is not None and (_unreachable(exc) or self.policy.must_reach(item)):
                await self.on_unreachable(item, exc.message, _unreachable(exc))
            return True
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, connection errors
            await self.outbox.retry_later(item.id, utcnow() + backoff(item.attempts), f"{type(exc).__name__}: {exc}")
            return False
        except Exception as exc:  # a bug in a sender must not abort the pass or resend other chats' messages
            log.exception("outbox message %s failed", item.dedup_key)
            await self.outbox.retry_later(item.id, utcnow() + backoff(item.attempts), f"{type(exc).__name__}: {exc}")
            return False
        messages = self.policy.cost(item) if message_id is not None else 0
        if item.batch is not None:
            self.outbox.defer_sent(item.id, message_id, messages)  # rides in the next commit: a kill makes it uncertain
        else:
            await self.outbox.mark_sent(item.id, message_id, messages)
        self.delivered += 1
        return True

    async def _refused(self, item: OutboxItem, exc: TelegramError) -> bool:
        """A broadcast row refused for good: the recipient is unreachable (403, chat not found), or it failed."""
        gone = _unreachable(exc)
        status = OutboxStatus.UNREACHABLE if gone else OutboxStatus.FAILED
        await self.outbox.mark_refused(item.id, status, f"{type(exc).__name__}: {exc.message}")
        if gone and self.on_recipient_unreachable is not None:
            await self.on_recipient_unreachable(item)
        return True
