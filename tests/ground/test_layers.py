"""The package's floors hold (issue 20, items 1 and 2): no import up a floor, no cycle, a closed student side.

Every module of ``autograder/`` is read with ``ast`` (nothing is imported), and every import in it counts:
at the top, deferred inside a function, or under ``TYPE_CHECKING``. A module may import its own folder
and any lower floor; folders that share a floor (``student_side`` and ``runner_side``) may not import
each other. ``docs/architecture.md`` draws the same list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "autograder"

FLOORS: tuple[tuple[str, ...], ...] = (
    ("autograder", "autograder.errors"),
    ("autograder.josa", "autograder.text", "autograder.clock", "autograder.profiling", "autograder.lean_imports",
     "autograder.plugins", "autograder.extras"),
    ("autograder.i18n",),
    ("autograder.messages",),
    ("autograder.wire",),
    ("autograder.sandbox",),
    ("autograder.core",),
    ("autograder.student_side", "autograder.runner_side"),
    ("autograder.check_side",),
    ("autograder.checks",),
    ("autograder.reports",),
    ("autograder.grading",),
    ("autograder.authoring", "autograder.students", "autograder.interop", "autograder.review"),
    ("autograder.cli",),
    ("autograder.__main__", "autograder.otter_plugin", "autograder.selfcheck", "autograder.submission"),
)
"""Lowest first; each name is a module or a folder (a room), the rooms of one floor side by side."""

STUDENT_SIDE_MAY_READ = ("autograder", "autograder.errors", "autograder.josa", "autograder.text",
                         "autograder.clock", "autograder.i18n", "autograder.messages", "autograder.wire",
                         "autograder.student_side")
"""The untrusted process runs the student's code: it reads the wire format and words, nothing trusted."""


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _room(module: str) -> tuple[int, str]:
    """(floor, room) of ``module``: the longest room name it is in."""
    rooms = [(floor, room) for floor, names in enumerate(FLOORS) for room in names
             if module == room or module.startswith(room + ".")]
    assert rooms, f"{module} is on no floor: add it to FLOORS (and to docs/architecture.md)"
    return max(rooms, key=lambda pair: len(pair[1]))


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
    base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]) if node.level \
        else node.module or ""
    for alias in node.names:  # ``from autograder.x import y`` reads module x.y if there is one
        yield f"{base.rstrip('.')}.{alias.name}" if f"{base.rstrip('.')}.{alias.name}" in MODULES else base


def _imports(module: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(module, node):
                while target not in MODULES and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in MODULES and target != module:
                    found.add(target)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def test_every_module_is_on_a_floor() -> None:
    for module in MODULES:
        _room(module)


def test_no_module_imports_up_a_floor_or_into_a_room_beside_its_own() -> None:
    wrong = [f"{module} ({_room(module)[1]}) imports {target} ({_room(target)[1]})"
             for module, targets in GRAPH.items() for target in sorted(targets)
             if _room(target)[1] != _room(module)[1] and _room(target)[0] >= _room(module)[0]]
    assert wrong == []


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path from ``start`` back to itself, if there is one (depth first, iterative)."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for target in graph.get(node, ()):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_cycle_between_modules() -> None:
    cycles = [" -> ".join(cycle) for module in GRAPH if (cycle := _cycle_from(module, GRAPH))]
    assert cycles == []


def test_no_cycle_between_rooms() -> None:
    rooms: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        rooms.setdefault(_room(module)[1], set()).update(
            _room(target)[1] for target in targets if _room(target)[1] != _room(module)[1])
    assert [room for room in rooms if _cycle_from(room, rooms)] == []


def test_the_student_side_reads_only_the_wire_and_words() -> None:
    student_side = [module for module in MODULES if _room(module)[1] == "autograder.student_side"]
    assert student_side, "the untrusted process has a folder of its own"
    wrong = [f"{module} imports {target}" for module in student_side for target in sorted(GRAPH[module])
             if _room(target)[1] not in STUDENT_SIDE_MAY_READ]
    assert wrong == []


def test_the_walk_sees_deferred_and_type_only_imports() -> None:
    # A walk that saw only the top of each module would let a cycle through a function body pass unseen.
    assert "autograder.cli.commands" in GRAPH["autograder.cli"]  # inside runners()
    assert "autograder.grading.execution" in GRAPH["autograder.cli.seam"]  # under TYPE_CHECKING, and deferred
    assert "autograder.wire.protocol" in GRAPH["autograder.student_side.student_process"]  # ``from pkg import mod``
