"""Links to online content in a report: found in what the reporter wrote (or in Telegram's url and text_link
entities), recognised by platform, and normalised so that the same post reported by several people, each with
the link in another form (http or https, `www.` or `m.`, a share link's tracking parameters, youtu.be), is
recognised as one. Pure rules: the bot never fetches a link (issue 12)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

MAX_LINK = 2048  # characters; longer is not a link a person shares
MAX_LINKS = 10  # per report


class Platform(StrEnum):
    """Where the content is (persisted by value: never rename one)."""

    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    X = "x"
    YOUTUBE = "youtube"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    WEBSITE = "website"  # any other site


# Hosts (after `www.` and the mobile prefixes are taken off) of each platform, and the one each is written as.
_HOSTS: dict[str, tuple[Platform, str]] = {
    "facebook.com": (Platform.FACEBOOK, "facebook.com"),
    "fb.com": (Platform.FACEBOOK, "facebook.com"),
    "fb.watch": (Platform.FACEBOOK, "fb.watch"),
    "instagram.com": (Platform.INSTAGRAM, "instagram.com"),
    "instagr.am": (Platform.INSTAGRAM, "instagram.com"),
    "tiktok.com": (Platform.TIKTOK, "tiktok.com"),
    "vm.tiktok.com": (Platform.TIKTOK, "vm.tiktok.com"),
    "vt.tiktok.com": (Platform.TIKTOK, "vt.tiktok.com"),
    "x.com": (Platform.X, "x.com"),
    "twitter.com": (Platform.X, "x.com"),
    "youtube.com": (Platform.YOUTUBE, "youtube.com"),
    "youtu.be": (Platform.YOUTUBE, "youtube.com"),
    "wa.me": (Platform.WHATSAPP, "wa.me"),
    "whatsapp.com": (Platform.WHATSAPP, "whatsapp.com"),
    "chat.whatsapp.com": (Platform.WHATSAPP, "chat.whatsapp.com"),
    "t.me": (Platform.TELEGRAM, "t.me"),
    "telegram.me": (Platform.TELEGRAM, "t.me"),
    "telegram.dog": (Platform.TELEGRAM, "t.me"),
}
_PREFIXES = ("www.", "m.", "mobile.", "mbasic.", "web.", "touch.", "lm.", "l.")
# Query parameters that only say who shared a link, how, or from where: never part of what it points to.
_TRACKING = re.compile(
    r"utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|igsh|mibextid|_ga|yclid|twclid|ttclid|ref_src|ref_url",
    re.IGNORECASE,
)
# More of them, on the platforms whose share links carry their own (they mean nothing on other sites).
_PLATFORM_TRACKING: dict[Platform, re.Pattern[str]] = {
    Platform.X: re.compile(r"s|t|ref|src|lang", re.IGNORECASE),
    Platform.TIKTOK: re.compile(r"_r|_t|is_from_webapp|sender_device|is_copy_url|share_.*|u_code|preview_pb|lang|"
                                r"timestamp|checksum|sec_user_id|social_sharing|web_id|tt_from|refer|"
                                r"user_id|utm_.*|enter_from|item_author_type", re.IGNORECASE),
    Platform.INSTAGRAM: re.compile(r"utm_.*|igsh|igshid|img_index|hl", re.IGNORECASE),
    Platform.TELEGRAM: re.compile(r"single|comment|embed", re.IGNORECASE),
    Platform.WHATSAPP: re.compile(r"mode|utm_.*", re.IGNORECASE),
}
# Parameters that are what a link points to, on the platforms whose paths do not say it all.
_KEEP: dict[Platform, frozenset[str]] = {
    Platform.FACEBOOK: frozenset({"story_fbid", "id", "fbid", "v", "set"}),
    Platform.YOUTUBE: frozenset({"v", "list"}),
}
# A link written in text: with a scheme, or a bare host of a known top-level domain followed by a path.
_IN_TEXT = re.compile(
    r"(?:https?://[^\s<>\"'`]+)"
    r"|(?:\b(?:[a-z0-9-]+\.)+(?:com|id|me|be|am|dog|watch|net|org|co|io|tv|info|news|xyz|ly|gl)"
    r"(?:/[^\s<>\"'`]*)?)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}»”’'\""


@dataclass(frozen=True, slots=True)
class Link:
    """A link as the reporter gave it, and as it is compared with others."""

    original: str
    normalized: str  # https://host/path?kept=params, the key of "the same content"
    platform: Platform
    host: str


def find_links(text: str | None, entity_urls: Iterable[str] = ()) -> list[Link]:
    """The links in a message, in order, each once (by its normalised form): Telegram's url and text_link
    entities first (`entity_urls`, the text of a url entity or a text_link's url), then any written in the text
    that Telegram did not mark. At most MAX_LINKS."""
    found: dict[str, Link] = {}
    candidates = [*entity_urls, *(m.group(0) for m in _IN_TEXT.finditer(text or ""))]
    for candidate in candidates:
        link = normalize(candidate)
        if link is not None and link.normalized not in found:
            found[link.normalized] = link
        if len(found) >= MAX_LINKS:
            break
    return list(found.values())


def normalize(raw: str) -> Link | None:
    """The link `raw` points to, in its comparable form, or None if it is not a web link."""
    given = text = raw.strip().rstrip(_TRAILING)
    if not text or len(text) > MAX_LINK or any(c.isspace() for c in text):
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    bare = host
    for prefix in _PREFIXES:
        if bare.startswith(prefix) and bare[len(prefix):] in _HOSTS:
            bare = bare[len(prefix):]
            break
    else:
        if bare.startswith("www."):
            bare = bare[4:]
    platform, host_out = _HOSTS.get(bare, (Platform.WEBSITE, bare))
    path = quote(unquote(parts.path), safe="/@:+!$&'()*,;=~-._")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    path, query = _canonical(platform, bare, path, query)
    keep, extra = _KEEP.get(platform), _PLATFORM_TRACKING.get(platform)
    if keep is not None:
        query = [(k, v) for k, v in query if k in keep]
    query = [(k, v) for k, v in query if not _TRACKING.fullmatch(k) and not (extra and extra.fullmatch(k))]
    path = re.sub(r"/{2,}", "/", path).rstrip("/")
    netloc = host_out if port in (None, 80, 443) else f"{host_out}:{port}"
    normalized = urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))
    return Link(given, normalized, platform, host_out)


def _canonical(platform: Platform, host: str, path: str, query: list[tuple[str, str]]
               ) -> tuple[str, list[tuple[str, str]]]:
    """Platform forms of one address: youtu.be/ID and /shorts/ID are /watch?v=ID; t.me/s/… is t.me/…"""
    if platform is Platform.YOUTUBE:
        if host == "youtu.be" and path.strip("/"):
            return "/watch", [("v", path.strip("/").split("/")[0]), *query]
        shorts = re.fullmatch(r"/(?:shorts|live|embed)/([A-Za-z0-9_-]+)/?", path)
        if shorts:
            return "/watch", [("v", shorts.group(1)), *query]
    if platform is Platform.TELEGRAM and path.startswith("/s/"):
        return path[2:], query
    if platform is Platform.X:
        return re.sub(r"^/i/web/status/", "/i/status/", path), query
    return path, query


# First path segments that are a platform's own pages, never an account's name.
_NOT_ACCOUNTS: dict[Platform, frozenset[str]] = {
    Platform.X: frozenset({"i", "intent", "search", "hashtag", "home", "explore", "share", "settings", "messages"}),
    Platform.INSTAGRAM: frozenset({"p", "reel", "reels", "tv", "explore", "accounts", "direct", "s"}),
    Platform.TELEGRAM: frozenset({"c", "joinchat", "addstickers", "share", "proxy", "iv"}),
    Platform.FACEBOOK: frozenset({"groups", "watch", "story.php", "permalink.php", "photo.php", "photo", "share",
                                  "reel", "profile.php", "events", "hashtag", "marketplace", "gaming", "video.php"}),
}


def account_of(normalized: str) -> str | None:
    """The account or channel a normalised link names, where its address says it (x.com/akun/status/…,
    tiktok.com/@akun/video/…, t.me/kanal/12, instagram.com/stories/akun/…, facebook.com/halaman/posts/…,
    youtube.com/@akun); None where it does not (a YouTube video, an Instagram post, a Facebook group)."""
    link = normalize(normalized)
    if link is None:
        return None
    segments = [s for s in urlsplit(link.normalized).path.split("/") if s]
    if not segments:
        return None
    first, platform = segments[0], link.platform
    if platform in (Platform.TIKTOK, Platform.YOUTUBE):
        return first if first.startswith("@") and len(first) > 1 else None
    if platform is Platform.INSTAGRAM and first == "stories" and len(segments) > 1:
        return "@" + segments[1]
    if platform not in _NOT_ACCOUNTS or first.lower() in _NOT_ACCOUNTS[platform] or first.startswith("+"):
        return None
    if not re.fullmatch(r"[A-Za-z0-9_.]{2,64}", first):
        return None
    return first if platform is Platform.FACEBOOK else "@" + first
