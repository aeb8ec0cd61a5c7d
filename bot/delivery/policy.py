"""What the outbox worker knows of the messages it sends, as the features that queue them declare it.

The worker (bot/delivery/outbox_worker.py) knows nothing of alerts, notices or digests. Each feature registers,
in the composition root, its part of one `DeliveryPolicy`:

- its **methods**: Pantau's own outbox methods (e.g. supervision's `pantau.card`), each with its sender and its
  cost (the messages a row puts into its chat; an album counts each item). A method nobody registered is a Bot
  API method, sent as it is, and costs one message;
- its **kinds** (`MessageKind`, a StrEnum each feature subclasses; stored in `outbox.kind` as their TEXT value),
  each with a `KindRule`: the kind of the rows threaded under a row of this kind (it goes out only with room
  in its group's minute for them, and a digest merging it stands for them), and whether a refusal of any sort
  must be reported (so that the message is sent elsewhere). A kind nobody registered has no rules;
- at most one **digest** (`DigestPolicy`): the kind whose rows, when too many wait for one crowded group, are
  merged into one message, and the sender of that message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from storage.delivery.outbox import OutboxItem

Sender = Callable[[OutboxItem], Awaitable[int | None]]  # sends a row; the message id it produced, if any
Cost = Callable[[OutboxItem], int]  # messages a row puts into its chat
DigestSender = Callable[[int, list[int]], Awaitable[int | None]]  # (chat id, report ids) -> the digest's message id


class MessageKind(StrEnum):
    """Base of every feature's outbox kinds. A feature declares `class MyKind(MessageKind)` with its members."""


class DeliveryKind(MessageKind):
    MESSAGE = "message"  # a message with no rules of its own (the column's default)


@dataclass(frozen=True, slots=True)
class KindRule:
    """How the worker treats the rows of one kind."""

    kind: MessageKind
    parts: MessageKind | None = None  # rows of this kind with the same report id are threaded under it
    must_reach: bool = False  # refused for good for any reason: on_unreachable is told, to send it elsewhere


NO_RULES = KindRule(DeliveryKind.MESSAGE)


@dataclass(frozen=True, slots=True)
class DigestPolicy:
    """When a group is crowded, rows of `kind` (with their parts) are merged into one message sent by `send`.

    A group is crowded when sending everything waiting would leave fewer than `reserve` of its slots this
    minute. The waiting rows then go out as a digest of at most `size` once there are two of them, or once the
    oldest has waited `gather` seconds (more may be on their way)."""

    kind: MessageKind
    send: DigestSender
    size: int
    reserve: int
    gather: float


class DeliveryPolicy:
    """The methods, kinds and digest the features registered; what the outbox worker asks about a row."""

    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}
        self._costs: dict[str, Cost] = {}
        self._rules: dict[str, KindRule] = {DeliveryKind.MESSAGE: NO_RULES}
        self.digest: DigestPolicy | None = None

    def add_method(self, method: str, sender: Sender, *, cost: Cost | None = None) -> None:
        """A method of Pantau's own: `sender` sends its rows; `cost` (default: one message) counts them."""
        if method in self._senders:
            raise ValueError(f"outbox method {method!r} is registered twice")
        self._senders[method] = sender
        if cost is not None:
            self._costs[method] = cost

    def add_kind(self, rule: KindRule) -> None:
        if rule.kind in self._rules:
            raise ValueError(f"outbox kind {rule.kind.value!r} is registered twice")
        self._rules[rule.kind] = rule

    def add_kinds(self, rules: Iterable[KindRule]) -> None:
        for rule in rules:
            self.add_kind(rule)

    def set_digest(self, digest: DigestPolicy) -> None:
        if self.digest is not None:
            raise ValueError("a digest policy is registered already")
        if digest.kind not in self._rules:
            raise ValueError(f"the digest's kind {digest.kind.value!r} is not registered")
        self.digest = digest

    def sender(self, method: str) -> Sender | None:
        return self._senders.get(method)

    def cost(self, item: OutboxItem) -> int:
        cost = self._costs.get(item.method)
        return cost(item) if cost is not None else 1

    def rule(self, kind: str) -> KindRule:
        return self._rules.get(kind, NO_RULES)

    def must_reach(self, item: OutboxItem) -> bool:
        return self.rule(item.kind).must_reach

    def parts_under(self, item: OutboxItem, later: Iterable[OutboxItem]) -> list[OutboxItem]:
        """The rows among `later` threaded under `item` by its kind's rule (its parts, same report id)."""
        parts = self.rule(item.kind).parts
        if parts is None:
            return []
        return [p for p in later if p.kind == parts and p.report_id == item.report_id]

    def digestible(self, item: OutboxItem) -> bool:
        """Whether a digest may merge the row (it is of the digest's kind)."""
        return self.digest is not None and item.kind == self.digest.kind

    def merges(self, item: OutboxItem) -> bool:
        """Whether the row is of the digest's kind or of its parts' kind (so a digest may stand for it)."""
        if self.digest is None:
            return False
        return item.kind == self.digest.kind or item.kind == self.rule(self.digest.kind).parts

    def merged_ids(self, items: Iterable[OutboxItem], reports: list[int]) -> set[int]:
        """The rows a digest of `reports` stands for: the rows of its kind and their parts."""
        return {item.id for item in items if self.merges(item) and item.report_id in reports}
