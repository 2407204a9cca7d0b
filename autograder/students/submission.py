"""Before the deadline: check a notebook the way the grader will, then package it.

``tfgrade submit NOTEBOOK`` (or ``submit()`` in a notebook cell) runs the saved notebook top to
bottom in a fresh process, lists every problem with its cell number and what to do, and only
then writes a zip (the notebook plus ``tfgrade-submission.json``) that ``tfgrade grade`` and
otter-grader pipelines accept.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

import autograder
from autograder.core import assignment as assignments
from autograder.core import notebook as notebooks
from autograder.core.execution import Executor
from autograder.reports.formats import safe_text
from autograder.students.selfcheck import SelfCheck, find_notebook, run_self_check

MANIFEST = "tfgrade-submission.json"


@dataclass(frozen=True)
class Problem:
    message: str
    cell: int | None = None
    blocking: bool = True
    """A blocking problem stops packaging; a warning does not."""


@dataclass(frozen=True)
class Readiness:
    path: Path
    assignment: str
    check: SelfCheck | None
    problems: tuple[Problem, ...]

    @property
    def ready(self) -> bool:
        return not any(p.blocking for p in self.problems)

    def text(self) -> str:
        return render_text(self)

    def __repr__(self) -> str:
        return self.text()


def prepare(path: Path, assignment: assignments.Assignment, executor: Executor | None = None) -> Readiness:
    try:
        nb = notebooks.load(path, assignment.name)
    except notebooks.NotebookRejected as exc:
        return Readiness(path, assignment.name, None, (Problem(str(exc)),))
    check = run_self_check(path, assignment, executor=executor)
    problems = [*_run_problems(check, assignment), *_order_warnings(path, nb)]
    return Readiness(path, assignment.name, check, tuple(problems))


def _run_problems(check: SelfCheck, assignment: assignments.Assignment) -> list[Problem]:
    result = check.graded.result
    if result.status != "graded":
        return [Problem(safe_text(result.message, 600))]
    execution = result.execution
    problems = [Problem(safe_text(execution.message, 600))] if execution.status != "completed" else []
    problems += [Problem(_cell_advice(e.error, assignment), cell=e.cell) for e in execution.cell_errors]
    problems += [
        Problem(f"`{name}` is never defined. The assignment asks for it by this exact name: define it.")
        for name in execution.missing_names
    ]
    return problems


def _cell_advice(error: str, assignment: assignments.Assignment) -> str:
    error = safe_text(error, 400)
    if error.startswith("NameError"):
        return (f"{error}. This cell uses a name defined only in a later cell, in a deleted cell, or in a cell you "
                "ran out of order. Restart the kernel and run all cells to see it, then fix the order.")
    if error.startswith("CellTimeout"):
        return (f"This cell ran longer than {assignment.limits.cell_seconds:g} s, so the grader stops it. Look for "
                "an infinite loop, or make it faster.")
    return f"{error}. Fix this error (restart the kernel and run all cells to see it), then submit again."


def _order_warnings(path: Path, nb: notebooks.Notebook) -> list[Problem]:
    """Saved execution counts that go backwards mean the cells were run out of order."""
    node = nbformat.read(path, as_version=4) if path.suffix == ".ipynb" else None
    counts = [(i, c.get("execution_count")) for i, c in enumerate(node.cells, 1)] if node else []
    counts = [(i, n) for i, n in counts if isinstance(n, int)]
    for (cell_a, a), (cell_b, b) in zip(counts, counts[1:], strict=False):
        if b < a:
            return [Problem(
                f"Cell {cell_b} was last run before cell {cell_a}: your cells were run out of order. The "
                "grader runs them top to bottom; the run above shows what it will see.", cell=cell_b, blocking=False)]
    return []


def package(readiness: Readiness, out: Path) -> Path:
    """Write the submission zip: the notebook as saved, plus a manifest with its hash."""
    data = readiness.path.read_bytes()
    check = readiness.check
    manifest = {
        "schema_version": 1,
        "assignment": readiness.assignment,
        "notebook": readiness.path.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "tfgrade_version": autograder.__version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "public_checks": {
            "passed": sum(c.outcome == "passed" for c in check.checks) if check else 0,
            "total": len(check.checks) if check else 0,
        },
        "warnings": [p.message for p in readiness.problems],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(readiness.path.name, data)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return out


def default_zip(path: Path) -> Path:
    return path.with_name(f"{path.stem}-submission.zip")


def submit(*, notebook: str | os.PathLike[str] | None = None, force: bool = False) -> Readiness:
    """From a notebook cell: check the saved notebook and write its submission zip if it is ready."""
    path = find_notebook(notebook)
    name = notebooks.load(path, expected_assignment=None).assignment
    if name is None:
        raise ValueError(f"{path.name} does not say which assignment it is for; use the notebook you were given.")
    readiness = prepare(path, assignments.load(name))
    if readiness.ready or force:
        package(readiness, default_zip(path))
    return readiness


def render_text(readiness: Readiness) -> str:
    lines = []
    for p in readiness.problems:
        where = f"Cell {p.cell}: " if p.cell else ""
        lines.append(f"  {'✗' if p.blocking else '!'} {where}{p.message}")
    if readiness.ready:
        head = f"{readiness.path.name} is ready to submit."
        if readiness.check:
            head += " " + readiness.check.text().splitlines()[0]
        return "\n".join([head, *lines])
    return "\n".join([f"{readiness.path.name} is not ready to submit. Fix these, then run submit again:", *lines])
