"""What a student may know of a question's hidden checks: how many, their points, what they test.

Read from the check files with ``ast`` (never run) in a course, or from a release's public
``assignment.toml`` (``[hidden]``, written by ``tfgrade release`` from here). The self-check lists it;
a release publishes it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from autograder import i18n
from autograder.core import assignment as assignments
from autograder.core import requirements


@dataclass(frozen=True)
class HiddenShare:
    question: str
    checks: int
    points: float
    tests: tuple[str, ...] = ()
    """The hints of the question's requirements that hidden checks test, from ``requirements.toml``."""


def hidden_shares(assignment: assignments.Assignment) -> list[HiddenShare]:
    """Per question: how many hidden checks there are, their points and what they test (read, never run here).

    In a course they are read from the hidden check files; a student's release has none, and its
    public assignment.toml says the same in its ``[hidden]`` table (``tfgrade release`` wrote it from here).
    """
    if assignment.hidden_summary is not None and not assignment.hidden_checks.is_dir():
        return [HiddenShare(h.question, h.checks, h.points, _translated(assignment, h.tests))
                for h in assignment.hidden_summary]
    hidden = _marked_checks(assignment.hidden_checks)
    public_points: dict[str, float] = {}
    for question, points in _marked_checks(assignment.public_checks):
        public_points[question] = public_points.get(question, 0.0) + points
    counts = {q.name: sum(1 for question, _ in hidden if question == q.name) for q in assignment.questions}
    tests = _hidden_tests(assignment)
    return [
        HiddenShare(q.name, counts[q.name], q.points - public_points.get(q.name, 0.0),
                    _translated(assignment, tests.get(q.name, ())))
        for q in assignment.questions
        if counts[q.name]
    ]


def _translated(assignment: assignments.Assignment, hints: tuple[str, ...]) -> tuple[str, ...]:
    """requirements.toml's hints in the current language, from the assignment's own catalog."""
    return tuple(i18n.assignment_text(assignment.root, hint) for hint in hints)


def _hidden_tests(assignment: assignments.Assignment) -> dict[str, tuple[str, ...]]:
    """Per question, the hints of its requirements that at least one hidden check tests, in table order."""
    folder = assignment.hidden_checks
    hidden = set(requirements.check_names(folder)) if folder.is_dir() else set()
    tests: dict[str, tuple[str, ...]] = {}
    for requirement in assignment.requirements.items:
        if hidden.intersection(requirement.checks) and requirement.hint not in tests.get(requirement.question, ()):
            tests[requirement.question] = (*tests.get(requirement.question, ()), requirement.hint)
    return tests


def _marked_checks(folder: Path) -> list[tuple[str, float]]:
    """(question, points) of each ``@pytest.mark.question("qN", points=...)`` test in a folder."""
    found = []
    for path in sorted(folder.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                found += [marked for d in node.decorator_list if (marked := _question_of(d))]
    return found


def _question_of(decorator: ast.expr) -> tuple[str, float] | None:
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return None
    if decorator.func.attr != "question" or not decorator.args:
        return None
    first = decorator.args[0]
    points = next((k.value for k in decorator.keywords if k.arg == "points"), None)
    given = points.value if isinstance(points, ast.Constant) else None
    worth = float(given) if isinstance(given, int | float) else 1.0
    return (str(first.value), worth) if isinstance(first, ast.Constant) else None
