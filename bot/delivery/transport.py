"""The bot's HTTP transport to the Bot API: python-telegram-bot's `BaseRequest` over an aiohttp session.

python-telegram-bot's default transport (HTTPXRequest: httpx over httpcore and h11, pure Python) cost the bot
3.3-4.2 ms of CPU per Bot API call with 20 calls under way at once, against 0.6-0.75 ms for aiohttp (C
parser, one connection pool without per-request bookkeeping over all waiting requests), measured side by
side against the fake Bot API server. Pantau makes one to two calls per update, many at once, so the
transport was most of its CPU. python-telegram-bot documents `BaseRequest` as the place for another
networking backend; this class only moves bytes, and `BaseRequest` keeps parsing answers into errors
(BadRequest, RetryAfter, Forbidden…) as before.

Failures map as HTTPXRequest maps them: a timeout is `TimedOut`, any other transport failure a
`NetworkError` whose message starts with "aiohttp." (the rate limiter reads that prefix as "the call may
have reached Telegram", bot/delivery/rate_limiter.py `answered`).
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

TRANSPORT_ERROR_PREFIX = "aiohttp."
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    """`BaseRequest` over one `aiohttp.ClientSession` with at most `connection_pool_size` connections.

    Timeouts as HTTPXRequest's defaults: 5 s to read, write and connect, 1 s to get a connection from the pool,
    20 s to write an upload. aiohttp has no separate write timeout, so writes are bounded by the whole
    request's time (read + write); its connect timeout covers waiting for a pooled connection too, so the
    pool's time is added to it."""

    __slots__ = ("_connect_timeout", "_media_write_timeout", "_pool_size", "_pool_timeout", "_read_timeout",
                 "_session", "_write_timeout")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                skip_auto_headers=("Accept-Encoding",),  # Telegram's answers are small JSON
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = (self._write_timeout if not files else self._media_write_timeout) if isinstance(
            write_timeout, DefaultValue) else write_timeout
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None if read is None or write is None else read + write + (connect or 0) + (pool or 0),
            connect=None if connect is None and pool is None else (connect or 0) + (pool or 0),
            sock_read=read,
        )
        body: aiohttp.FormData | bytes | None
        headers = None
        if files:
            form = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None:
            # Form-encoded like HTTPXRequest's, but as bytes: a dict would make aiohttp build a FormData and a
            # multipart writer (with a fresh uuid) for every call before it finds there are no files.
            body = request_data.url_encoded_parameters().encode()
            headers = _FORM
        else:
            body = None
        try:
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp.ServerTimeoutError included
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"{TRANSPORT_ERROR_PREFIX}{err.__class__.__name__}: {err}") from err
