"""Injected faults (429 / 5xx / hanging connections) and Telegram's flood limits on demand."""

from __future__ import annotations

import random
from typing import Any

from testing.fake_telegram.limits import TelegramLimits
from testing.fake_telegram.records import ApiCall, ApiError, _Fault, _RatioFaults
from testing.fake_telegram.state import FakeState

DEFAULT_FAULT_METHODS: tuple[str, ...] = (
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "sendPhoto",
    "sendMediaGroup",
    "sendLocation",
    "sendDocument",
    "answerCallbackQuery",
)


class Faults(FakeState):
    """``fail_next``, ``fail_ratio``, ``enable_limits``; the HTTP layer asks ``_pick_fault`` per call."""

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
        delay: float = 0.0,
        process: bool = False,
    ) -> None:
        """The next ``times`` matching calls fail.  status 0 = hang ``delay`` s then drop the connection
        (``process=True``: the call takes effect anyway, only the answer is lost)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._faults.append(_Fault(method.lower(), status, retry_after, description, times, chat_id, delay, process))

    def fail_ratio(
        self,
        ratio: float,
        *,
        methods: tuple[str, ...] = DEFAULT_FAULT_METHODS,
        kinds: tuple[int | str, ...] = (429, 500, 502, "timeout"),
        seed: int = 0,
        retry_after: int = 1,
        timeout_delay: float = 1.0,
    ) -> None:
        """Fail a random ``ratio`` of calls to ``methods`` (deterministic for a given seed and call order).

        "timeout" hangs ``timeout_delay`` seconds and then drops the connection (PTB: NetworkError,
        or TimedOut if its read timeout is shorter)."""
        self._ratio = _RatioFaults(
            ratio,
            frozenset(m.lower() for m in methods),
            tuple(kinds),
            random.Random(seed),
            retry_after,
            timeout_delay,
        )

    def enable_limits(self, **kw: Any) -> TelegramLimits:
        """Refuse with 429 what would exceed Telegram's flood limits (see TelegramLimits for ``kw``)."""
        self.limits = TelegramLimits(**kw)
        return self.limits

    def clear_faults(self) -> None:
        self._faults.clear()
        self._ratio = None

    def _pick_fault(self, call: ApiCall) -> _Fault | None:
        low = call.method.lower()
        for f in self._faults:
            if f.method not in (None, low) or (f.chat_id is not None and f.chat_id != call.chat_id):
                continue
            f.times -= 1
            if f.times <= 0:
                self._faults.remove(f)
            return f
        r = self._ratio
        if r is not None and low in r.methods and r.rng.random() < r.ratio:
            kind = r.rng.choice(r.kinds)
            if kind == "timeout":
                return _Fault(low, 0, None, None, 1, None, r.timeout_delay)
            status = int(kind)
            return _Fault(low, status, r.retry_after if status == 429 else None, None, 1, None, 0.0)
        return None

    @staticmethod
    def _fault_error(f: _Fault) -> ApiError:
        default = {
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not Found",
            409: "Conflict",
            429: f"Too Many Requests: retry after {f.retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
        }.get(f.status, "Error")
        params = {"retry_after": f.retry_after} if f.retry_after else None
        return ApiError(f.status, f.description or default, params)
