"""Reading a Bot API request's parameters.

Notes on how PTB 22 talks to the API (see telegram/request/_requestparameter.py and _httpxrequest.py):
every parameter is sent as a form field; ``str`` values are sent verbatim and everything else
(ints, bools, lists, dicts such as ``reply_markup``/``reply_parameters``/``media``/``entities``) is
``json.dumps``-ed.  The body is ``application/x-www-form-urlencoded`` unless files are uploaded, then
``multipart/form-data`` where a single upload is a file part named after the parameter (e.g.
``photo``), and uploads inside ``media`` are referenced as ``attach://<name>`` with a file part
``<name>``.  We therefore decode fields by name: known string-typed fields stay strings, the rest
are JSON-decoded when they parse.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, web

from testing.fake_telegram.records import JSON, Upload

# Parameters that are string-typed in the Bot API: never JSON-decode them ("123" stays "123").
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "title",
        "address",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "description",
        "short_description",
        "name",
        "url",
        "file_id",
        "language_code",
        "emoji",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "secret_token",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "custom_title",
        "action",
        "question",
        "explanation",
        "photo",
        "document",
        "video",
        "audio",
        "voice",
        "animation",
        "sticker",
        "video_note",
        "thumbnail",
        "payload",
        "currency",
        "provider_token",
        "start_parameter",
        "result_id",
        "web_app_query_id",
        "game_short_name",
    }
)


async def read_params(request: web.Request) -> JSON:
    """The parameters of one call (query, JSON, form or multipart), decoded by name; file parts as Upload."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                data = await part.read(decode=True)
                if part.filename:
                    uploads[part.name] = Upload(bytes(data), part.filename, part.headers.get("Content-Type"))
                else:
                    raw[part.name] = bytes(data).decode(part.get_charset("utf-8"))
        else:
            form = await request.post()
            raw.update(form.items())
    params = {k: decode_value(k, v) for k, v in raw.items()}
    if uploads:
        used: set[str] = set()
        params = {k: resolve_attach(v, uploads, used) for k, v in params.items()}
        for name, up in uploads.items():
            if name not in used:
                params[name] = up
    return params


def decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _STRING_FIELDS or not value:
        return value
    first = value[0]
    if first in '[{"-0123456789' or value in ("true", "false", "null"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def resolve_attach(value: Any, uploads: dict[str, Upload], used: set[str]) -> Any:
    if isinstance(value, str) and value.startswith("attach://"):
        name = value[len("attach://") :]
        if name in uploads:
            used.add(name)
            return uploads[name]
        return value
    if isinstance(value, list):
        return [resolve_attach(v, uploads, used) for v in value]
    if isinstance(value, dict):
        return {k: resolve_attach(v, uploads, used) for k, v in value.items()}
    return value
