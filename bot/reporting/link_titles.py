"""The title of a reported page, fetched only if an operator allows it (LINK_TITLES=true; off by default: the bot
never sends a request to a site a reporter named, which may be hostile or watch who looks).

When allowed, only the page's title is read, and carefully: http(s) only, no address inside a private network
(loopback, private, link-local, shared or reserved ranges: no server-side request to the deployment's own
network), at most MAX_REDIRECTS redirects each checked the same way, at most MAX_BYTES of an HTML page read, a
few seconds for everything, no cookies, and nothing but the title kept (<title>, else og:title). A failure is
no title, never an error for the reporter.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Sequence
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

log = logging.getLogger(__name__)

MAX_BYTES = 256 * 1024  # of a page: a title is in its head
MAX_REDIRECTS = 3
MAX_TITLE = 200  # characters kept
TIMEOUT_SECONDS = 4.0  # for all the links of one message together
USER_AGENT = "PantauBot/1.0 (election supervision; reads page titles only)"


class _Title(HTMLParser):
    """The first <title>, and og:title, of the head of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self.og: str | None = None
        self._in_title = False
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and self.title is None:
            self._in_title = True
        elif tag == "meta":
            values = dict(attrs)
            if (values.get("property") or values.get("name")) in ("og:title", "twitter:title") and values.get("content"):
                self.og = self.og or values["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = "".join(self._parts)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._parts.append(data)


def title_of(html: str) -> str | None:
    """A page's title (og:title when it has no <title>), on one line, at most MAX_TITLE characters."""
    parser = _Title()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser copes with most; what it cannot read has no title
        return None
    found = parser.title if parser.title and parser.title.strip() else parser.og
    if not found:
        return None
    line = " ".join(found.split())
    return line if len(line) <= MAX_TITLE else line[: MAX_TITLE - 1] + "…"


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class TitleFetcher:
    """Page titles, for the links of one message. `allow_private`: also addresses inside private networks (for
    the tests' local server, never a deployment)."""

    def __init__(self, *, allow_private: bool = False, timeout: float = TIMEOUT_SECONDS) -> None:
        self.allow_private = allow_private
        self.timeout = timeout

    async def titles(self, urls: Sequence[str]) -> list[str | None]:
        """The title of each page (None where there is none, or it could not be read in time)."""
        async with httpx.AsyncClient(follow_redirects=False, timeout=self.timeout, trust_env=False,
                                     headers={"User-Agent": USER_AGENT, "Accept": "text/html"}) as client:
            try:
                async with asyncio.timeout(self.timeout):
                    found = await asyncio.gather(*(self._title(client, url) for url in urls), return_exceptions=True)
            except TimeoutError:
                return [None] * len(urls)
        return [item if isinstance(item, str) else None for item in found]

    async def _title(self, client: httpx.AsyncClient, url: str) -> str | None:
        for _hop in range(MAX_REDIRECTS + 1):
            if not await self._allowed(url):
                log.info("not fetching the title of a link into a private network or of another scheme")
                return None
            async with client.stream("GET", url) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                kind = response.headers.get("content-type", "")
                if response.status_code != 200 or "html" not in kind.lower():
                    return None
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= MAX_BYTES:
                        break
                return title_of(bytes(body[:MAX_BYTES]).decode(response.encoding or "utf-8", errors="replace"))
        return None

    async def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        if self.allow_private:
            return True
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443,
                                                                 type=socket.SOCK_STREAM)
        except OSError:
            return False
        return bool(infos) and all(_public(str(info[4][0])) for info in infos)
