"""parse_mode (HTML, MarkdownV2, Markdown) -> plain text + entities, with Telegram-like errors."""

from __future__ import annotations

import html
import re
from typing import Any

from testing.fake_telegram.records import JSON, _bad


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class _ParseError(Exception):
    pass


def _byte_offset(src: str, i: int) -> int:
    return len(src[:i].encode("utf-8"))


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset
        self.entities: list[JSON] = []

    def emit(self, s: str) -> None:
        self.parts.append(s)
        self.pos += _utf16_len(s)

    def add(self, etype: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append({"type": etype, "offset": start, "length": self.pos - start, **extra})

    def result(self) -> tuple[str, list[JSON]]:
        ents = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ents


_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
_HTML_ATTR = re.compile(r"""([A-Za-z_:-][A-Za-z0-9_:.-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_HTML_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot));")
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def _parse_html(src: str) -> tuple[str, list[JSON]]:
    b = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i, n = 0, len(src)
    while i < n:
        lt, amp = src.find("<", i), src.find("&", i)
        cands = [x for x in (lt, amp) if x != -1]
        if not cands:
            b.emit(src[i:])
            break
        j = min(cands)
        if j > i:
            b.emit(src[i:j])
        if src[j] == "&":
            m = _HTML_ENTITY.match(src, j)
            if m:
                if m.group(3):
                    b.emit(html.unescape(m.group(0)))
                else:
                    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
                    try:
                        b.emit(chr(code))
                    except (ValueError, OverflowError):
                        b.emit(m.group(0))
                i = m.end()
            else:
                b.emit("&")
                i = j + 1
            continue
        m = _HTML_TAG.match(src, j)
        if not m:
            raise _ParseError(f"Unexpected end of name token at byte offset {_byte_offset(src, j)}")
        closing, name, rest = m.group(1) == "/", m.group(2).lower(), m.group(3)
        if closing:
            if not stack:
                raise _ParseError(f"Unexpected end tag at byte offset {_byte_offset(src, j)}")
            tag, start, attrs = stack.pop()
            if tag != name:
                raise _ParseError(
                    f'Unmatched end tag at byte offset {_byte_offset(src, j)}, expected "</{tag}>", found "</{name}>"'
                )
            etype = _HTML_TAGS[tag]
            if tag == "code" and stack and stack[-1][0] == "pre":
                lang = attrs.get("class", "")
                if lang.startswith("language-"):
                    stack[-1][2]["language"] = lang[len("language-") :]
            elif etype == "text_link":
                href = attrs.get("href")
                if href:
                    b.add("text_link", start, url=href)
            elif etype == "pre":
                if "language" in attrs:
                    b.add("pre", start, language=attrs["language"])
                else:
                    b.add("pre", start)
            elif etype == "blockquote":
                b.add("expandable_blockquote" if "expandable" in attrs else "blockquote", start)
            elif etype == "custom_emoji":
                b.add("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
            else:
                b.add(etype, start)
        else:
            if name not in _HTML_TAGS:
                raise _ParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, j)}')
            attrs = {a.group(1).lower(): (a.group(2) or a.group(3) or a.group(4) or "") for a in _HTML_ATTR.finditer(rest)}
            attrs = {k: html.unescape(v) for k, v in attrs.items()}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, j)}')
            if name == "tg-emoji" and "emoji-id" not in attrs:
                raise _ParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {_byte_offset(src, j)}')
            stack.append((name, b.pos, attrs))
        i = m.end()
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return b.result()


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_PRE_OPEN = re.compile(r"```([^\s`]*)\n")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "link": "TextUrl",
    "emoji": "CustomEmoji",
}


def _parse_markdown_v2(src: str) -> tuple[str, list[JSON]]:
    b = _Builder()
    stack: list[tuple[str, int, int, JSON]] = []  # kind, utf16 start, src index, extra
    extra: JSON
    quote_start: int | None = None
    line_start = True
    i, n = 0, len(src)

    def toggle(kind: str, at: int) -> None:
        if stack and stack[-1][0] == kind:
            _, start, _, _ = stack.pop()
            b.add(kind, start)
        elif any(s[0] == kind for s in stack):
            raise _ParseError(
                f"Can't find end of {_MDV2_NAMES[stack[-1][0]]} entity at byte offset {_byte_offset(src, stack[-1][2])}"
            )
        else:
            stack.append((kind, b.pos, at, {}))

    def read_url(k: int) -> tuple[str, int]:
        # src[k] == "(" ; returns (url, index after ")")
        out: list[str] = []
        k += 1
        while k < n:
            ch = src[k]
            if ch == "\\" and k + 1 < n:
                out.append(src[k + 1])
                k += 2
                continue
            if ch == ")":
                return "".join(out), k + 1
            out.append(ch)
            k += 1
        raise _ParseError(f"Can't find end of a URL at byte offset {_byte_offset(src, k)}")

    while i < n:
        c = src[i]
        top = stack[-1][0] if stack else None
        if top in ("code", "pre"):
            if c == "\\" and i + 1 < n and src[i + 1] in "`\\":
                b.emit(src[i + 1])
                i += 2
            elif top == "pre" and src.startswith("```", i):
                _, start, _, extra = stack.pop()
                b.add("pre", start, **extra)
                i += 3
            elif top == "code" and c == "`":
                _, start, _, _ = stack.pop()
                b.add("code", start)
                i += 1
            else:
                b.emit(c)
                i += 1
            continue
        if line_start:
            line_start = False
            if c == ">":
                if quote_start is None:
                    quote_start = b.pos
                i += 1
                continue
            if quote_start is not None:
                # the quote ended with the previous line (exclude its newline)
                b.pos -= 1
                b.add("blockquote", quote_start)
                b.pos += 1
                quote_start = None
        if c == "\\":
            if i + 1 >= n:
                raise _ParseError("Character '\\' is reserved and must be escaped with the preceding '\\'")
            b.emit(src[i + 1])
            if src[i + 1] == "\n":
                line_start = True
            i += 2
        elif c == "*":
            toggle("bold", i)
            i += 1
        elif c == "_":
            if src.startswith("__", i):
                toggle("underline", i)
                i += 2
            else:
                toggle("italic", i)
                i += 1
        elif c == "~":
            toggle("strikethrough", i)
            i += 1
        elif c == "|" and src.startswith("||", i):
            toggle("spoiler", i)
            i += 2
        elif c == "`":
            if src.startswith("```", i):
                m = _MDV2_PRE_OPEN.match(src, i)
                extra = {}
                if m:
                    if m.group(1):
                        extra["language"] = m.group(1)
                    i = m.end()
                else:
                    i += 3
                stack.append(("pre", b.pos, i, extra))
            else:
                stack.append(("code", b.pos, i, {}))
                i += 1
        elif c == "[":
            stack.append(("link", b.pos, i, {}))
            i += 1
        elif c == "!" and src.startswith("![", i):
            stack.append(("emoji", b.pos, i, {}))
            i += 2
        elif c == "]" and top in ("link", "emoji"):
            if i + 1 >= n or src[i + 1] != "(":
                raise _ParseError("Character ']' is reserved and must be escaped with the preceding '\\'")
            url, i = read_url(i + 1)
            kind, start, _, _ = stack.pop()
            if kind == "emoji":
                b.add("custom_emoji", start, custom_emoji_id=url.rpartition("id=")[2])
            else:
                b.add("text_link", start, url=url)
        elif c in _MDV2_RESERVED:
            raise _ParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        else:
            b.emit(c)
            if c == "\n":
                line_start = True
            i += 1
    if stack:
        kind, _, at, _ = stack[-1]
        raise _ParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {_byte_offset(src, at)}")
    if quote_start is not None:
        b.add("blockquote", quote_start)
    return b.result()


def _parse_markdown(src: str) -> tuple[str, list[JSON]]:
    b = _Builder()
    i, n = 0, len(src)
    simple = {"*": "bold", "_": "italic"}
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            b.emit(src[i + 1])
            i += 2
        elif c in simple:
            end = src.find(c, i + 1)
            if end == -1:
                raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
            start = b.pos
            b.emit(src[i + 1 : end])
            b.add(simple[c], start)
            i = end + 1
        elif c == "`":
            if src.startswith("```", i):
                end = src.find("```", i + 3)
                if end == -1:
                    raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
                body = src[i + 3 : end]
                lang, nl, rest = body.partition("\n")
                extra: JSON = {}
                if nl and lang and " " not in lang:
                    body, extra = rest, {"language": lang}
                start = b.pos
                b.emit(body)
                b.add("pre", start, **extra)
                i = end + 3
            else:
                end = src.find("`", i + 1)
                if end == -1:
                    raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
                start = b.pos
                b.emit(src[i + 1 : end])
                b.add("code", start)
                i = end + 1
        elif c == "[":
            m = _MD_LINK.match(src, i)
            if not m:
                raise _ParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}")
            start = b.pos
            b.emit(m.group(1))
            b.add("text_link", start, url=m.group(2))
            i = m.end()
        else:
            b.emit(c)
            i += 1
    return b.result()


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _utf16_len(text[: len(text) - len(text.lstrip())])
    total = _utf16_len(stripped)
    out: list[JSON] = []
    for e in entities:
        start = max(0, e["offset"] - lead)
        end = min(total, e["offset"] + e["length"] - lead)
        if end > start:
            out.append({**e, "offset": start, "length": end - start})
    return stripped, out


def format_text(text: str, parse_mode: str | None, entities: Any = None) -> tuple[str, list[JSON]]:
    """Apply ``parse_mode`` like Telegram does: returns (visible text, entities) or raises ApiError."""
    if not isinstance(text, str):
        text = str(text)
    if parse_mode:
        mode = parse_mode.lower()
        parser = {"html": _parse_html, "markdownv2": _parse_markdown_v2, "markdown": _parse_markdown}.get(mode)
        if parser is None:
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        try:
            plain, ents = parser(text)
        except _ParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from None
        return _trim(plain, ents)
    ents = list(entities) if isinstance(entities, list) else []
    if ents:
        return text, ents
    return _trim(text, [])
