"""Authoring validation: does an assignment's grading hold up before students see it?

``tfgrade validate NAME`` grades the solution (must earn full marks), the blank student notebook
(must earn 0 without a grader error) and every notebook of the assignment's corpus. A corpus
notebook states what it must get in its metadata::

    "tfgrade": {"assignment": "autograph",
                "expect": {"failing": {"simple_nn_values": "wrong values"}}}

``failing`` maps each check that must fail to words its message must contain; every other
check must pass (an empty ``failing`` means full marks). A notebook with one mistake names
instead the requirement it breaks (``requirements.toml``)::

    "tfgrade": {"assignment": "autograph", "expect": {"breaks": "q1-linear-any-shape"}}

It must fail at least one check of that requirement and lose points in that question only. The
tests run this same code.

:func:`measure_costs` grades the solution once more and says what it cost (``costs.toml``, from
which grading derives its time limits; see docs/limits.md).

Before that, :func:`package_problems` imports every package the assignment's notebooks may use
(:mod:`autograder.core.packages`) in the student's sandbox, as grading runs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from autograder import i18n
from autograder.authoring import answer_leaks
from autograder.core import costs as measured
from autograder.core import ipynb, packages, requirements
from autograder.core.assignment import Assignment
from autograder.core.limits import Limits, derived_limits
from autograder.core.notebook import Cell, Notebook
from autograder.core.results import CheckResult
from autograder.grading.execution import Execution, Executor, GraderError
from autograder.grading.pipeline import Graded, grade


@dataclass(frozen=True)
class Expectation:
    failing: dict[str, str]
    """check name -> words its message must contain; every other check must pass."""
    breaks: str = ""
    """A requirement id: some check of it fails, and no check of another question does."""


@dataclass(frozen=True)
class Outcome:
    name: str
    graded: Graded
    problems: tuple[str, ...]


def corpus(assignment: Assignment) -> dict[str, tuple[Path, Expectation | None]]:
    """Solution, blank template and corpus notebooks, each with what it must score."""
    notebooks: dict[str, tuple[Path, Expectation | None]] = {}
    if assignment.solution is not None:
        notebooks["solution"] = (assignment.solution, Expectation(failing={}))
    notebooks["template"] = (assignment.template, None)
    for path in sorted(assignment.corpus.glob("*.ipynb")) if assignment.corpus else []:
        notebooks[path.stem] = (path, expectation_of(path))
    return notebooks


def expectation_of(path: Path) -> Expectation | None:
    try:
        meta = ipynb.read(path, as_version=4).metadata.get("tfgrade", {})
    except Exception:  # noqa: BLE001 - a corpus of broken files is allowed; they have no expectation
        return None
    expect = meta.get("expect") if isinstance(meta, dict) else None
    if not isinstance(expect, dict):
        return None
    failing = {str(k): str(v) for k, v in dict(expect.get("failing", {})).items()}
    return Expectation(failing=failing, breaks=str(expect.get("breaks", "")))


def table_problems(assignment: Assignment) -> list[str]:
    """What does not hold in the assignment's requirements table (static: no grading, no TensorFlow)."""
    checks = requirements.check_names(assignment.root / "checks")
    questions = tuple(q.name for q in assignment.questions)
    text = requirements.notebook_text(assignment.template)
    return requirements.problems(assignment.requirements, checks, questions, text)


def hint_problems(assignment: Assignment) -> tuple[str, ...]:
    """Each hint, published description or shipped catalog text that holds answer code: code of the solution
    the student notebook does not show (static; see :mod:`autograder.authoring.answer_leaks`)."""
    known = answer_leaks.for_assignment(assignment)
    return answer_leaks.problems(answer_leaks.published_texts(assignment), known)


def package_problems(assignment: Assignment, executor: Executor) -> tuple[str, ...]:
    """Each package the assignment allows that is not installed here, or whose import fails in the
    student's sandbox: a notebook of one ``import MODULE`` cell per module the package provides
    (``Pillow`` -> ``import PIL``), run as a student's notebook is run."""
    absent = packages.missing(assignment.packages)
    problems = [f"{r} is not installed where tfgrade runs: run pip install '{r}' in tfgrade's environment "
                "(make setup installs all the course's packages)" for r in absent]
    probes = [(r, module) for r in assignment.packages if r not in absent for module in packages.import_names(r)]
    if not probes:
        return tuple(problems)
    cells = tuple(Cell(number, f"import {module}") for number, (_, module) in enumerate(probes, start=1))
    try:
        language = i18n.choose(assignment.requested_language, None, assignment.language)  # no notebook to ask
        run = executor.run(Notebook(Path("package-imports.ipynb"), assignment.name, cells), assignment,
                           include_hidden=False, language=language).summary
    except GraderError as exc:
        return (*problems, f"could not import the packages in the student's sandbox: {exc}")
    errors = {e.cell: e.error for e in run.cell_errors}
    problems += [f"{r}: `import {module}` fails in the student's sandbox: {errors[number]}"
                 for number, (r, module) in enumerate(probes, start=1) if number in errors]
    if run.status != "completed":
        problems.append(f"importing the packages did not finish in the student's sandbox: {run.message}")
    return tuple(problems)


def judge(
    name: str, graded: Graded, expect: Expectation | None, table: requirements.Requirements | None = None
) -> tuple[str, ...]:
    """What does not hold for one notebook (pure)."""
    result = graded.result
    if result.status == "grader_error":
        return (f"grader error: {result.message}",)
    if name == "template":
        earned = [c.name for c in result.checks if c.earned > 0]
        return (f"the blank notebook earns points from {', '.join(earned)}",) if earned else ()
    if expect is None:
        return ()
    if result.status != "graded":
        return (f"not graded: {result.message}",)
    if name == "solution" and result.execution.cell_errors:
        # Full marks can hide a broken cell (a stray check() or plot); students would meet it first.
        return tuple(f"the solution's cell {e.cell} raises {e.error}" for e in result.execution.cell_errors)
    if expect.breaks:
        return _judge_breaks(result.checks, expect.breaks, table or requirements.Requirements())
    unexpected = [
        f"{c.name} should pass but failed: {c.message}"
        for c in result.checks
        if c.outcome != "passed" and c.name not in expect.failing
    ]
    checks = {c.name: c for c in result.checks}
    return tuple(unexpected + [_missed(checks.get(n), n, words) for n, words in expect.failing.items()
                               if _missed(checks.get(n), n, words)])


def _judge_breaks(
    checks: tuple[CheckResult, ...], requirement_id: str, table: requirements.Requirements
) -> tuple[str, ...]:
    requirement = table.get(requirement_id)
    if requirement is None:
        return (f"its metadata names requirement {requirement_id!r}, which requirements.toml does not have",)
    failed = [c for c in checks if c.outcome != "passed"]
    found = [f"{c.name} ({c.question}) should pass, since only {requirement.question} is broken: {c.message}"
             for c in failed if c.question != requirement.question]
    if not any(table.of_check(c.name) == requirement for c in failed):
        found.append(f"no check of requirement {requirement_id} failed ({', '.join(requirement.checks)})")
    return tuple(found)


def _missed(check: CheckResult | None, name: str, words: str) -> str:
    """Why an expected failure did not happen as expected, or "" if it did."""
    if check is None:
        return f"{name} should fail but did not run"
    if check.outcome != "failed":
        return f"{name} should fail but {check.outcome}"
    if words not in check.message:
        return f"{name} failed, but its message does not say {words!r}: {check.message}"
    return ""


def validate(
    assignment: Assignment,
    make_executor: Callable[[], Executor],
    *,
    workers: int = 2,
    progress: Callable[[Outcome], None] = lambda _: None,
) -> list[Outcome]:
    notebooks = corpus(assignment)

    def one(item: tuple[str, tuple[Path, Expectation | None]]) -> Outcome:
        name, (path, expect) = item
        graded = grade(path, assignment, make_executor())
        outcome = Outcome(name, graded, judge(name, graded, expect, assignment.requirements))
        progress(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, notebooks.items()))


class _Recording:
    """An executor that keeps what each of its gradings cost (:attr:`Execution.costs`)."""

    def __init__(self, inner: Executor) -> None:
        self.inner, self.isolated, self.isolation = inner, inner.isolated, inner.isolation
        self.costs: list[measured.Costs] = []

    def run(self, notebook: Notebook, assignment: Assignment, *, include_hidden: bool, language: str) -> Execution:
        execution = self.inner.run(notebook, assignment, include_hidden=include_hidden, language=language)
        if execution.costs is not None:
            self.costs.append(execution.costs)
        return execution


def measure_costs(assignment: Assignment, executor: Executor, *, fallback: Limits, repeats: int = 1
                  ) -> tuple[measured.Costs | None, tuple[str, ...]]:
    """Grade the solution ``repeats`` times under the ``fallback`` limits (assignment.toml's, not limits
    derived from an earlier measurement) and return the largest of each cost, with what went wrong.

    The figures are job-clock seconds, so measuring on a loaded machine gives the same file.
    """
    if assignment.solution is None:
        return None, ("no solution notebook to measure",)
    recording = _Recording(executor)
    measuring = dataclasses.replace(assignment, limits=fallback)
    for _ in range(repeats):
        graded = grade(assignment.solution, measuring, recording)
        problems = judge("solution", graded, Expectation(failing={}), assignment.requirements)
        if problems:
            return None, problems
    if not recording.costs:
        return None, ("the grader measured nothing (no control channel to the check process?)",)
    return measured.worst(recording.costs), ()


def cost_lines(costs: measured.Costs, limits: Limits) -> list[str]:
    """What the solution cost and the limits derived from it, for people."""
    derived = derived_limits(limits, costs)
    return [
        f"notebook: {costs.notebook_cpu_seconds:.1f} s of CPU -> limit {derived.notebook_seconds:g} s",
        f"slowest answer: {costs.slowest_request_seconds:.2f} s -> request limit {derived.request_seconds:g} s",
        f"all checks' answers: {costs.checks_seconds:.1f} s -> checks budget {derived.checks_seconds:g} s",
        f"slowest runner request: {costs.slowest_runner_seconds:.2f} s -> runner limit {derived.runner_seconds:g} s",
        f"the whole grading: {costs.grading_seconds:.1f} s; a student who stalls costs at most "
        f"{costs.grading_seconds + derived.checks_seconds:.0f} s",
    ]
