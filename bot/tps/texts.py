"""What a TPS watcher reads on voting day: a checklist's message, built as Bot API JSON (it is queued in the outbox
when pushed, and edited in place as it is answered). No Telegram objects: the payload is stored as it is."""

from __future__ import annotations

from html import escape
from typing import Any

from bot.kernel.callbacks import encode
from bot.tps.actions import TpsAction
from bot.tps.checklist import QUESTIONS, Checkpoint
from locales import t


def _button(label: str, action: TpsAction, arg: str) -> dict[str, str]:
    return {"text": label, "callback_data": encode(action, arg)}


def checklist_text(locale: str, station: str, checkpoint: Checkpoint, at: str, index: int | None,
                   answered: dict[str, str]) -> str:
    """The checkpoint's title, the answers given so far, and the question `index` (None: all answered)."""
    lines = [t(locale, "tps.check.title", checkpoint=t(locale, f"tps.checkpoint.{checkpoint.value}"),
               station=escape(station), at=at), ""]
    questions = QUESTIONS[checkpoint]
    for question in questions:
        if question in answered:
            mark = "✅" if answered[question] == "yes" else "❌"
            lines.append(f"{mark} {t(locale, f'tps.question.{question}')}")
    if index is None:
        lines += ["", t(locale, "tps.check.done")]
    else:
        lines += ["", t(locale, "tps.check.ask", number=index + 1, total=len(questions),
                        question=t(locale, f"tps.question.{questions[index]}"))]
    return "\n".join(lines)


def checklist_markup(locale: str, tps_id: int, checkpoint: Checkpoint, index: int | None) -> dict[str, Any] | None:
    if index is None:
        return None
    arg = f"{tps_id}:{checkpoint.value}:{index}"
    return {"inline_keyboard": [[_button(t(locale, "tps.button.yes"), TpsAction.ANSWER, f"{arg}:y"),
                                 _button(t(locale, "tps.button.no"), TpsAction.ANSWER, f"{arg}:n")]]}


def checklist_payload(locale: str, station: str, tps_id: int, checkpoint: Checkpoint, at: str, index: int | None,
                      answered: dict[str, str]) -> dict[str, Any]:
    """sendMessage's parameters (but chat_id) for a checklist at question `index`."""
    payload: dict[str, Any] = {"text": checklist_text(locale, station, checkpoint, at, index, answered),
                               "parse_mode": "HTML"}
    markup = checklist_markup(locale, tps_id, checkpoint, index)
    if markup is not None:
        payload["reply_markup"] = markup
    return payload
