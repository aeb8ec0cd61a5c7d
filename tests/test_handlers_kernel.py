"""handlers/kernel: what feature handlers share instead of importing each other."""

from __future__ import annotations

from typing import Any, cast

from handlers.kernel import language


async def test_a_language_follow_up_runs_once_per_feature_however_often_it_is_added(monkeypatch: Any):
    monkeypatch.setattr(language, "_FOLLOW_UPS", {})
    heard: list[tuple[str, int, str]] = []

    async def reporting(_context: Any, user_id: int, locale: str) -> None:
        heard.append(("reporting", user_id, locale))

    async def tasks(_context: Any, user_id: int, locale: str) -> None:
        heard.append(("tasks", user_id, locale))

    for _application in range(3):  # every Application built registers the routes again
        language.after_language_change("reporting", reporting)
    language.after_language_change("tasks", tasks)
    await language.language_changed(cast(Any, None), 7, "en")
    assert heard == [("reporting", 7, "en"), ("tasks", 7, "en")]


def test_reporting_registers_its_follow_up_with_its_routes(monkeypatch: Any):
    from handlers.reporting import kit, routes

    monkeypatch.setattr(language, "_FOLLOW_UPS", {})

    class Stages:
        def add(self, _stage: object, _handler: object) -> None:
            pass

    routes.register(cast(Any, Stages()))
    assert dict(language._FOLLOW_UPS) == {"reporting": kit.ask_again_in}
