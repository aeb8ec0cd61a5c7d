"""Layer contracts import-linter cannot see (it checks imports, not attributes): a handler reaches a feature's rules
through its service, never the repository the service holds (`services.tps.repo`), and every handler says in one
docstring what it answers."""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[1] / "handlers"


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(HANDLERS.rglob("*.py"))]


def _is_repository(name: str) -> bool:
    return name == "repo" or name.endswith("_repo") or name.endswith("repository")


def test_handlers_never_reach_a_repository() -> None:
    reached = [f"{path.relative_to(HANDLERS.parent)}:{node.lineno} .{node.attr}"
               for path, module in _modules() for node in ast.walk(module)
               if isinstance(node, ast.Attribute) and _is_repository(node.attr)]
    assert reached == []


def test_the_check_sees_a_repository_reached() -> None:
    """The check above can fail: it finds the attribute in a handler's source."""
    module = ast.parse("async def h(update, context):\n    await context.services.tps.repo.station(1)\n")
    assert any(isinstance(n, ast.Attribute) and _is_repository(n.attr) for n in ast.walk(module))


def test_every_handler_has_a_docstring() -> None:
    """A handler: a module's public async function of (update, context)."""
    bare = [f"{path.relative_to(HANDLERS.parent)}:{node.lineno} {node.name}"
            for path, module in _modules() for node in module.body
            if isinstance(node, ast.AsyncFunctionDef) and not node.name.startswith("_")
            and [a.arg for a in node.args.args[:2]] == ["update", "context"] and ast.get_docstring(node) is None]
    assert bare == []
