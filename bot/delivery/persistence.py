"""python-telegram-bot persistence backed by our SQLite conversation store.

Only conversation states are persisted (user, chat and bot data live in our own tables). A conversation
whose feature already stores its state is "owned": its states are loaded from that feature and PTB's
updates of it are ignored. The report conversation is owned by reporting: its state is the active draft's
step, written in the same transaction as each answer, so it is stored once and a killed process resumes at
the step the reporter last saw. Other conversations (none today) are kept in `conversation_states`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from storage.reporting.conversations import ConversationStore, conversation_key, parse_conversation_key

# The states of an owned conversation, per key, as its feature stores them.
OwnedStates = Callable[[], Awaitable[Mapping[tuple[int, int], str]]]


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(
        self, store: ConversationStore, update_interval: float = 60, *, owned: Mapping[str, OwnedStates] | None = None
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.store = store
        self.owned = dict(owned or {})

    async def get_conversations(self, name: str) -> ConversationDict:
        if name in self.owned:
            return {tuple(key): state for key, state in (await self.owned[name]()).items()}
        return {parse_conversation_key(key): state for key, state in (await self.store.load(name)).items()}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        if name in self.owned:
            return  # its feature wrote the state already, with the change that caused it
        await self.store.set(name, conversation_key(*key), None if new_state is None else str(new_state))

    # Nothing else is stored here: the rest of Pantau's state lives in its own tables.
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None


async def reload_chats(application: Application[Any, Any, Any, Any, Any, Any], chats: Collection[int]) -> int:
    """Load again, from the persistence, the states of these chats' persistent conversations, over what this
    process had in memory since its start: a worker taking over chats from a worker that is gone
    (bot/delivery/scale_out.py) continues each conversation where the other left it. How many states it loaded."""
    persistence = application.persistence
    wanted = set(chats)
    loaded = 0
    if persistence is None or not wanted:
        return 0
    for group in application.handlers.values():
        for handler in group:
            if not (isinstance(handler, ConversationHandler) and handler.persistent and handler.name):
                continue
            stored = await persistence.get_conversations(handler.name)
            conversations = handler._conversations  # PTB's own dict: what `get_conversations` filled at start
            for key in [key for key in conversations if key and key[0] in wanted]:
                conversations.pop(key, None)
            fresh = {key: state for key, state in stored.items() if key and key[0] in wanted}
            update = getattr(conversations, "update_no_track", conversations.update)
            update(fresh)
            loaded += len(fresh)
    return loaded
