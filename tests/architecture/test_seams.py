"""The seams of the desk (issue 12), checked on the source.

* The composition root is typed: no ``Any`` and no ``getattr``/``hasattr`` look-ups in
  ``app.py`` (the review area is a ``ReviewWidget``, the engine a ``PollWorker``).
* The calls from the widgets to the engine are declared once, on ``EngineLink``.
* The rooms stay small: ``app.py`` keeps composition only, and the review panel its layout.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sora_studio"
ENGINE_CALLS = {
    "submit_order",
    "cancel_job",
    "retry_job",
    "delete_job",
    "reorder_job",
    "regenerate_job",
    "pause_queue",
    "resume_queue",
    "edit_job",
    "remix_job",
    "extend_job",
    "promote_job",
}
MAX_LINES = 500


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_composition_root_is_typed_without_any_or_attribute_lookups() -> None:
    tree = _tree(PACKAGE / "app.py")
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert "Any" not in names | imported
    lookups = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"getattr", "hasattr"}
    ]
    assert lookups == [], f"app.py looks attributes up by name on lines {lookups}"


def test_the_engine_calls_are_declared_once_on_the_seam() -> None:
    declared: dict[str, list[str]] = {}
    for path in (PACKAGE / "ui").rglob("*.py"):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.ClassDef):
                continue
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Call)
                    and getattr(statement.value.func, "id", "") == "Signal"
                ):
                    for target in statement.targets:
                        if isinstance(target, ast.Name) and target.id in ENGINE_CALLS:
                            where = f"{path.relative_to(PACKAGE)}:{node.name}"
                            declared.setdefault(target.id, []).append(where)
    assert set(declared) == ENGINE_CALLS
    for name, places in declared.items():
        assert places == ["ui/workers/engine_link.py:EngineLink"], (name, places)


@pytest.mark.parametrize("module", ["app.py", "ui/review/review_panel.py", "ui/main_window.py"])
def test_the_rooms_stay_small(module: str) -> None:
    lines = len((PACKAGE / module).read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{module} has {lines} lines; move a part out by purpose"
