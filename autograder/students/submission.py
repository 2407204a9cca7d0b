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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import autograder
from autograder import i18n, messages
from autograder.core import assignment as assignments
from autograder.core import notebook as notebooks
from autograder.core.results import CellError
from autograder.grading.execution import Executor
from autograder.reports.formats import safe_text
from autograder.students import inside_grading
from autograder.students.locator import located
from autograder.students.selfcheck import SelfCheck, requested, run_self_check

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
    language: str = i18n.DEFAULT
    """The language its problems are written in (the notebook's, unless the student asked for another)."""
    data: bytes | None = field(default=None, repr=False)
    """The bytes that were checked: the zip carries these, never the file as saved again since."""

    @property
    def ready(self) -> bool:
        return not any(p.blocking for p in self.problems)

    def text(self) -> str:
        return render_text(self)

    def __repr__(self) -> str:
        return self.text()


def prepare(path: Path, assignment: assignments.Assignment, executor: Executor | None = None) -> Readiness:
    language = i18n.choose(assignment.requested_language, None, assignment.language)
    with i18n.using(language):
        try:
            nb = notebooks.load(path, assignment.name)  # read once: checked, warned about and zipped
        except notebooks.NotebookRejected as exc:
            return Readiness(path, assignment.name, None, (Problem(str(exc)),), language)
    check = run_self_check(path, assignment, executor=executor, data=nb.data)
    with i18n.using(check.graded.result.language):
        problems = [*_run_problems(check, assignment), *_order_warnings(path, nb)]
    return Readiness(path, assignment.name, check, tuple(problems), check.graded.result.language, nb.data)


def _run_problems(check: SelfCheck, assignment: assignments.Assignment) -> list[Problem]:
    result = check.graded.result
    if result.status != "graded":
        return [Problem(safe_text(result.message, 600))]
    execution = result.execution
    problems = [Problem(safe_text(execution.message, 600))] if execution.status != "completed" else []
    problems += [Problem(_cell_advice(e, assignment), cell=e.cell) for e in execution.cell_errors]
    problems += [
        Problem(messages.MISSING_NAMES.format(names=f"`{name}`", count=1)) for name in execution.missing_names
    ]
    return problems


def _cell_advice(cell_error: CellError, assignment: assignments.Assignment) -> str:
    error = safe_text(cell_error.error, 400)
    if error.startswith("CellTimeout"):
        return messages.CELL_TIMEOUT_ADVICE.format(seconds=assignment.limits.cell_seconds)
    # A Keras 2 / TF 1 habit, or the earlier cell that should have defined a missing name, says more
    # than generic advice does.
    if cell_error.hint:
        return f"{error} {safe_text(cell_error.hint, 600)}"
    if error.startswith("NameError"):
        return messages.CELL_NAME_ERROR_ADVICE.format(error=error)
    return messages.CELL_ERROR_ADVICE.format(error=error)


def _order_warnings(path: Path, nb: notebooks.Notebook) -> list[Problem]:
    """Saved execution counts that go backwards mean the cells were run out of order."""
    node = notebooks.parse_node(nb.data, path.name) if path.suffix == ".ipynb" else None
    counts = [(i, c.get("execution_count")) for i, c in enumerate(node.cells, 1)] if node else []
    counts = [(i, n) for i, n in counts if isinstance(n, int)]
    for (cell_a, a), (cell_b, b) in zip(counts, counts[1:], strict=False):
        if b < a:
            return [Problem(messages.OUT_OF_ORDER.format(later=cell_b, earlier=cell_a), cell=cell_b, blocking=False)]
    return []


def package(readiness: Readiness, out: Path) -> Path:
    """Write the submission zip: the notebook as saved, plus a manifest with its hash."""
    data = readiness.data if readiness.data is not None else readiness.path.read_bytes()
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


def submit(
    *, notebook: str | os.PathLike[str] | None = None, force: bool = False, lang: str | None = None,
) -> Readiness | None:
    """From a notebook cell: check the saved notebook and write its submission zip if it is ready."""
    if inside_grading():  # the grader is running this notebook: nothing to submit from inside
        return None
    with i18n.using(lang), located(notebook) as found:  # a notebook not found is said in ``lang`` too
        name = notebooks.load(found.path, expected_assignment=None).assignment
        if name is None:
            raise ValueError(messages.NO_ASSIGNMENT.format(file=found.name))
        readiness = prepare(found.path, requested(assignments.for_notebook(found.seat, name), lang))
        if readiness.ready or force:  # beside the notebook as the student knows it (for Colab: not the temporary copy)
            package(readiness, default_zip(found.seat))
    return readiness


def render_text(readiness: Readiness) -> str:
    with i18n.using(readiness.language):
        return _render_text(readiness)


def _render_text(readiness: Readiness) -> str:
    lines = []
    for p in readiness.problems:
        where = f"{messages.CELL.format(cell=p.cell)}: " if p.cell else ""
        lines.append(f"  {'✗' if p.blocking else '!'} {where}{p.message}")
    if readiness.ready:
        head = _ready_line(readiness)
        if readiness.check:
            head += " " + readiness.check.text().splitlines()[0]
        return "\n".join([head, *lines])
    return "\n".join([messages.SUBMIT_NOT_READY.format(file=readiness.path.name), *lines])


def _ready_line(readiness: Readiness) -> str:
    """"Ready to submit" only with no public check failing; otherwise which ones still fail."""
    failing = [c for c in readiness.check.checks if c.outcome != "passed"] if readiness.check else []
    if not failing:
        return messages.SUBMIT_READY.format(file=readiness.path.name)
    names = ", ".join(f"{safe_text(c.question, 80)} {safe_text(c.name, 120)}" for c in failing)
    return messages.SUBMIT_READY_BUT_FAILING.format(file=readiness.path.name, count=len(failing), checks=names)
