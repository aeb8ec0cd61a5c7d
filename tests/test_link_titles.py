"""Reading a reported page's title (issue 12): off by default, so the bot sends no request to a reported site;
allowed by an operator (LINK_TITLES=true), only the title, never into a private network, a bounded read. Against
a local HTTP server on 127.0.0.1 (the tests let the fetcher reach it); nothing needs the internet."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.reporting.link_titles import MAX_BYTES, TitleFetcher, title_of
from testing.fake_telegram import FakeTelegram
from tests.harness import Reporter, case_codes_sent, run_steps
from tests.test_e2e_triage import PASAR_JAMBI, Group, delivered_card, services_of

PAGES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/berita": (200, {"Content-Type": "text/html; charset=utf-8"},
                "<html><head><title>\n  Hoaks: Calon &amp; Wakil   Mundur?</title></head><body>…</body></html>".encode()),
    "/og": (200, {"Content-Type": "text/html"},
            b'<html><head><meta property="og:title" content="Video Kampanye Hitam"></head></html>'),
    "/pindah": (302, {"Location": "/berita"}, b""),
    "/putar": (302, {"Location": "/putar"}, b""),
    "/json": (200, {"Content-Type": "application/json"}, b'{"title": "bukan halaman"}'),
    "/besar": (200, {"Content-Type": "text/html"}, b"<html><head>" + b" " * (MAX_BYTES + 10) + b"<title>Terlambat</title>"),
}


@dataclass
class LocalSite:
    port: int
    paths: list[str] = field(default_factory=list)  # every request's path, in order

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def site() -> AsyncIterator[LocalSite]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ", 2)[1].decode()
        served.paths.append(path)
        status, headers, body = PAGES.get(path, (404, {"Content-Type": "text/html"}, b"<title>404</title>"))
        head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    served = LocalSite(server.sockets[0].getsockname()[1])
    async with server:
        yield served


async def test_only_the_title_is_read_redirects_are_followed_a_few_times_and_reads_are_bounded(site: LocalSite) -> None:
    fetcher = TitleFetcher(allow_private=True)
    titles = await fetcher.titles([site.url(p) for p in ("/berita", "/og", "/pindah", "/putar", "/json", "/besar", "/x")])
    assert titles == ["Hoaks: Calon & Wakil Mundur?", "Video Kampanye Hitam", "Hoaks: Calon & Wakil Mundur?",
                      None, None, None, None]  # a loop, not HTML, the title past the bytes read, a 404
    assert site.paths.count("/putar") == 4  # the first request and three redirects, then it gives up


async def test_an_address_inside_a_private_network_is_never_requested(site: LocalSite) -> None:
    fetcher = TitleFetcher()  # as a deployment has it
    assert await fetcher.titles([site.url("/berita"), f"http://localhost:{site.port}/berita", "ftp://example.com/"]) == [
        None, None, None]
    assert site.paths == []


def test_a_title_is_one_line_and_short() -> None:
    assert title_of("<title>" + "Panjang " * 100 + "</title>") == ("Panjang " * 100).strip()[:199] + "…"
    assert title_of("<p>no head</p>") is None
    assert title_of("<title>   </title><meta name='twitter:title' content='Dari meta'>") == "Dari meta"


async def report_linking(fake: FakeTelegram, url: str) -> tuple[str, str]:
    """A hoax report linking to `url`: the review's text and the case code."""
    r = Reporter(fake)
    r.say("/lapor")
    await r.expect("Langkah 1 dari 9")
    r.tap("Hoaks dan disinformasi")
    await run_steps(r, first="chronology", last="when")
    r.tap("Pada hari kejadian")
    await r.expect("Di mana kontennya")
    r.say(f"Ini beritanya {url}")
    await r.expect("Akun atau kanal mana")
    r.tap("Lewati")
    await r.expect("Pilih provinsi")
    await run_steps(r, first="province", last="identity")
    review = await r.expect("Periksa laporan Anda")
    r.tap("Kirim laporan")
    await r.expect("Kode kasus")
    return review, case_codes_sent(fake, r.user_id)[-1]


async def test_by_default_the_bot_never_requests_a_reported_page(fake: FakeTelegram, start_bot: Any,
                                                                  site: LocalSite) -> None:
    bot = await start_bot(link_titles_allow_private=True)  # even where it could reach it: LINK_TITLES is off
    kec = Group(fake)
    await kec.register(services_of(bot), PASAR_JAMBI)
    review, code = await report_linking(fake, site.url("/berita"))
    card = await delivered_card(fake, kec.chat_id, code)
    assert "Hoaks: Calon" not in review and "Hoaks: Calon" not in card["text"]
    assert site.paths == []


async def test_with_link_titles_allowed_the_title_is_on_the_review_and_the_card(fake: FakeTelegram, start_bot: Any,
                                                                                 site: LocalSite) -> None:
    bot = await start_bot(link_titles=True, link_titles_allow_private=True)
    kec = Group(fake)
    await kec.register(services_of(bot), PASAR_JAMBI)
    review, code = await report_linking(fake, site.url("/berita"))
    assert f"{site.url('/berita')} (situs web) — “Hoaks: Calon & Wakil Mundur?”" in review
    card = await delivered_card(fake, kec.chat_id, code)
    assert "“Hoaks: Calon & Wakil Mundur?”" in card["text"]
    assert site.paths == ["/berita"]
