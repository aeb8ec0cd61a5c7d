"""What volunteers need from the other features, as small interfaces (the composition root wires the real ones:
bot/supervision/volunteer_groups.py and bot/delivery/bot_calls.py)."""

from __future__ import annotations

from typing import Any, Protocol


class SupervisorGroups(Protocol):
    """Supervisors groups as verification sees them (supervision's routing of a region to its group)."""

    async def for_region(self, region_code: str) -> tuple[int, ...]:
        """The active supervisors groups of the region, or of the nearest region above it that has one (else
        the admin chat, else none)."""
        ...

    async def covers(self, chat_id: int, region_code: str) -> bool:
        """Whether the chat is a registered supervisors group of that region or a region above it (or the admin
        chat): its members may decide for volunteers there."""
        ...

    async def region_of(self, chat_id: int) -> str | None:
        """The region of an active supervisors group (None: not one)."""
        ...


class ChatPoster(Protocol):
    """The few Bot API calls volunteers' outbox senders make (the rule modules never import telegram)."""

    async def send_text(self, chat_id: int, text: str, reply_markup: dict[str, Any] | None) -> int:
        """Send a message; its id."""
        ...

    async def edit_text(self, chat_id: int, message_id: int, text: str, reply_markup: dict[str, Any] | None) -> None:
        """Edit a message ("not modified" and "not found" count as done)."""
        ...

    async def send_photo(self, chat_id: int, photo: bytes, filename: str, caption: str) -> int:
        """Upload a photo with a caption; the message's id."""
        ...

    def username(self) -> str:
        """The bot's username (the Application knows it once initialised)."""
        ...
