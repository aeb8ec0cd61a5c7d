"""How the outbox worker sends a report-back's album to the task's group (bot/delivery/policy.py).

`sendMediaGroup` needs InputMedia objects, which a stored JSON payload cannot carry through PTB's raw
request, so the album is a method of tasks' own: `pantau.task_album`, threaded under the row its
`reply_to_key` names (the task's card), and costing one message per photo in the group's minute.
"""

from __future__ import annotations

import functools

from telegram import Bot, InputMediaPhoto, ReplyParameters

from bot.delivery.policy import DeliveryPolicy
from bot.tasks.report_back import ALBUM
from storage.delivery.outbox import OutboxItem


async def send_album(bot: Bot, item: OutboxItem) -> int | None:
    """The photos as one album (2 to 10 of them), under the card when it is known."""
    media = [InputMediaPhoto(m["media"], caption=m.get("caption")) for m in item.payload["media"]]
    reply_to = None if item.payload.get("migrated_from") is not None else item.payload.get("reply_to")
    reply = ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to is not None else None
    messages = await bot.send_media_group(item.chat_id, media, reply_parameters=reply)
    return messages[0].message_id if messages else None


def album_cost(item: OutboxItem) -> int:
    return len(item.payload.get("media") or ()) or 1


def register(policy: DeliveryPolicy, bot: Bot) -> None:
    policy.add_method(ALBUM, functools.partial(send_album, bot), cost=album_cost)
