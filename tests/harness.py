"""End-to-end test helpers: a simulated reporter talking to the real bot through the fake Bot API."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.delivery.inbox import InboxRepository
from testing.fake_telegram import ApiCall, FakeTelegram

if TYPE_CHECKING:  # the benchmarks import this module without pytest
    import pytest

    from bot.app import Pantau
    from bot.kernel.services import Services

ROOT = Path(__file__).resolve().parents[1]
BOUNDARIES = ROOT.parent / "shared" / "data" / "kecamatan_boundaries.geojson.gz"
TEXT_METHODS = ("sendMessage", "editMessageText")
_user_ids = itertools.count(700_001)


def text_of_call(call: ApiCall) -> str:
    result = call.result if call.ok else None
    if isinstance(result, dict):
        return str(result.get("text") or result.get("caption") or "")
    return str(call.params.get("text") or "")


class ProcessedUpdates:
    """The updates the bot has finished with: their handler returned and the inbox marked them processed.

    A reply reaches the fake while its handler is still running, so "the bot answered" is not "the update is
    processed". Install this before the bot starts (the update processor takes the inbox's `processed` when
    the application is built), then `await processed.wait(update["update_id"])`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.done: set[int] = set()
        self._changed = asyncio.Event()
        original = InboxRepository.processed

        async def processed(inbox: InboxRepository, update_id: int) -> None:
            await original(inbox, update_id)
            self.done.add(update_id)
            self._changed.set()

        monkeypatch.setattr(InboxRepository, "processed", processed)

    async def wait(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while update_id not in self.done:
                self._changed.clear()
                await self._changed.wait()


class Reporter:
    """One person in a private chat with the bot. Every action remembers where the bot's answers start."""

    def __init__(self, fake: FakeTelegram, user_id: int | None = None, first_name: str = "Siti") -> None:
        self.fake = fake
        self.user_id = user_id if user_id is not None else next(_user_ids)
        self.first_name = first_name
        self.mark = fake.cursor()

    # ---- acting ----
    def _before(self) -> None:
        self.mark = self.fake.cursor()

    def say(self, text: str) -> dict[str, Any]:
        self._before()
        return self.fake.send_text(self.user_id, text, first_name=self.first_name)

    def send(self, kind: str, *args: Any, **kw: Any) -> Any:
        """fake.send_<kind>(user_id, …), e.g. send("location", -1.59, 103.61)."""
        self._before()
        return getattr(self.fake, f"send_{kind}")(self.user_id, *args, first_name=self.first_name, **kw)

    def buttons(self) -> list[tuple[dict[str, Any], str, str]]:
        """(message, label, data) of every inline button in the chat, newest message first."""
        found = []
        for message in reversed(self.fake.messages_to(self.user_id)):
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for b in row:
                    if "callback_data" in b:
                        found.append((message, b["text"], b["callback_data"]))
        return found

    def tap(self, label: str) -> dict[str, Any]:
        """Press the newest inline button whose label contains `label`."""
        for message, text, data in self.buttons():
            if label.casefold() in text.casefold():
                return self.press(message, data)
        raise AssertionError(f"no button {label!r}; buttons: {[b[1] for b in self.buttons()][:40]}")

    def press(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        self._before()
        return self.fake.press(self.user_id, message, data, check=False)

    # ---- observing ----
    async def expect(self, contains: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """The text of the first message (sent or edited) to this chat since the last action containing it."""
        call = await self.fake.wait_for(
            TEXT_METHODS, chat_id=self.user_id, after=self.mark, timeout=timeout,
            predicate=lambda c: c.ok and contains in text_of_call(c),
        )
        return text_of_call(call)

    async def expect_alert(self, contains: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        call = await self.fake.wait_for(
            "answerCallbackQuery", after=self.mark, timeout=timeout,
            predicate=lambda c: contains in str(c.params.get("text") or ""),
        )
        return str(call.params.get("text"))

    def texts_since_mark(self) -> list[str]:
        return [text_of_call(c) for c in self.fake.calls(chat_id=self.user_id) if c.seq > self.mark and c.ok
                and c.method in TEXT_METHODS]


CHRONOLOGY = "Tim sukses calon nomor 2 membagikan amplop berisi uang Rp100.000 kepada warga di depan TPS 05."

# The standard Indonesian report, step by step: (name, action, what the bot answers when it worked).
STANDARD_STEPS: list[tuple[str, Any, str]] = [
    ("start", lambda r: r.say("/lapor"), "Langkah 1 dari 9"),
    ("category", lambda r: r.tap("Politik uang"), "Langkah 2 dari 9"),
    ("chronology", lambda r: r.say(CHRONOLOGY), "Langkah 3 dari 9"),
    ("when", lambda r: r.tap("Hari ini"), "Kapan Anda mengetahui"),
    ("known", lambda r: r.tap("Pada hari kejadian"), "Pilih provinsi"),
    ("province", lambda r: r.tap("Jambi"), "Pilih wilayah di"),
    ("kabupaten", lambda r: r.tap("Kota Jambi"), "Kota Jambi, Jambi"),
    ("kecamatan", lambda r: r.tap("Pasar Jambi"), "Langkah 4 dari 9"),
    ("place", lambda r: r.say("Depan TPS 05, Jl. Sultan Thaha"), "Langkah 5 dari 9"),
    ("party", lambda r: r.say("Budi, tim sukses calon nomor 2"), "Langkah 6 dari 9"),
    ("photo", lambda r: r.send("photo", b"\x89PNG evidence " + str(r.user_id).encode()), "1 berkas"),
    ("done", lambda r: r.tap("Selesai"), "Langkah 7 dari 9"),
    ("witnesses", lambda r: r.tap("Lewati"), "Langkah 8 dari 9"),
    ("identity", lambda r: r.tap("Anonim"), "Langkah 9 dari 9"),
    ("submit", lambda r: r.tap("Kirim laporan"), "Kode kasus"),
]


async def run_steps(r: Reporter, first: str = "start", last: str = "submit") -> str:
    """Play the standard report from step `first` to step `last` (inclusive); the last answer's text."""
    names = [name for name, _, _ in STANDARD_STEPS]
    answer = ""
    for _name, act, expected in STANDARD_STEPS[names.index(first) : names.index(last) + 1]:
        act(r)
        answer = await r.expect(expected)
    return answer


def services_of(pantau: Pantau) -> Services:
    """The running bot's services."""
    assert pantau.services is not None
    return pantau.services


async def outbox_idle(services: Services, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Wait until the outbox worker has nothing left to send."""
    assert services.outbox_worker is not None
    await asyncio.wait_for(services.outbox_worker.wait_idle(), timeout)


async def give_identity(
    r: Reporter, name: str = "Siti Aminah", address: str = "Jl. Gatot Subroto No. 5, Jambi",
    phone: str = "0812-3456-7890", standing: str = "Pemilih di daerah ini",
) -> str:
    """From the identity step (8) of an Indonesian report: identified, with a name, an address, a typed phone and a
    standing (the label of its button); the review's text."""
    r.tap("Cantumkan identitas")
    await r.expect("Nama lengkap")
    r.say(name)
    await r.expect("Alamat")
    r.say(address)
    await r.expect("Nomor telepon")
    r.say(phone)
    await r.expect("Anda melapor sebagai")
    r.tap(standing)
    return await r.expect("Langkah 9 dari 9")


def case_codes_sent(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Case codes in the confirmations the bot sent to a chat (one per confirmation message)."""
    import re

    codes = []
    for call in fake.calls("sendMessage", chat_id=chat_id):
        if call.ok:
            match = re.search(r"Kode kasus Anda: (PTU-[0-9A-Z]{4}-[0-9A-Z]{4})", text_of_call(call))
            if match:
                codes.append(match.group(1))
    return codes


class Group:
    """A Telegram group of supervisors with one administrator, as the fake server sees it."""

    _ids = itertools.count(-1001_000_000_001, -1)

    def __init__(self, fake: FakeTelegram, title: str = "Pengawas", admin_id: int | None = None) -> None:
        self.fake = fake
        self.chat_id = next(self._ids)
        self.title = title
        self.admin_id = admin_id if admin_id is not None else next(_user_ids)
        self.mark = fake.cursor()
        fake.bot_added_to(self.chat_id, self.admin_id, title=title, chat_type="supergroup")
        fake.set_chat_admins(self.chat_id, [self.admin_id])

    def say(self, user_id: int, text: str, **kw: Any) -> dict[str, Any]:
        self.mark = self.fake.cursor()
        return self.fake.send_text(user_id, text, chat_id=self.chat_id, chat_type="supergroup", title=self.title, **kw)

    async def register(self, services: Any, region: str, role: str = "supervisors") -> str:
        code, _ = await services.supervision.new_code(region, role)
        self.say(self.admin_id, f"/daftar {code}")
        return await self.expect("terdaftar")

    async def expect(self, contains: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        call = await self.fake.wait_for(
            TEXT_METHODS, chat_id=self.chat_id, after=self.mark, timeout=timeout,
            predicate=lambda c: c.ok and contains in text_of_call(c),
        )
        return text_of_call(call)

    def card(self, case_code: str) -> dict[str, Any]:
        """The newest message in the group that mentions the case code and has buttons."""
        for message in reversed(self.fake.messages_to(self.chat_id)):
            if case_code in str(message.get("text", "")) and message.get("reply_markup"):
                return message
        raise AssertionError(f"no card for {case_code} in {self.chat_id}")

    def press(self, user_id: int, message: dict[str, Any], label: str) -> dict[str, Any]:
        """A member of the group (made one if need be) presses the button labelled `label`."""
        if user_id != self.admin_id:
            self.fake.member_status(self.chat_id, user_id, "member", announce=False)
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if label.casefold() in b["text"].casefold():
                    self.mark = self.fake.cursor()
                    return self.fake.press(user_id, message, b["callback_data"], check=False)
        raise AssertionError(f"no button {label!r} on {message.get('text', '')[:60]!r}")

    def texts(self) -> list[str]:
        return [str(m.get("text") or m.get("caption") or "") for m in self.fake.messages_to(self.chat_id)]
