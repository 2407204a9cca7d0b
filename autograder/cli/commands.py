"""What each ``tfgrade`` command does: call the modules that do the work, print what they return.

Imported only when a command runs (``tfgrade --help`` never pays for it). Each ``run_*`` takes its frozen
options (:mod:`autograder.cli.options`) and returns the exit code; an error tfgrade raises on purpose goes
up to :func:`autograder.cli.main`, which prints it once and exits with its ``exit_code``. The instructor's
authoring commands live in :mod:`autograder.cli.authoring`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import autograder.cli
from autograder import i18n, messages
from autograder.cli.options import CheckOptions, ExportOptions, GradeOptions, ListOptions, SubmitOptions, UsageError
from autograder.core import assignment as assignments
from autograder.core import batch, changes, execution, notebook, overrides
from autograder.core import course as courses
from autograder.core import roster as rosters
from autograder.interop import distributed
from autograder.reports import exports
from autograder.reports import formats as report
from autograder.sandbox import launcher as sandbox
from autograder.students import selfcheck, submission


def executors() -> Callable[..., execution.Executor]:
    """The executor class, read from :mod:`autograder.cli` at each call: the one seam tests replace
    (``monkeypatch.setattr(cli, "ProcessExecutor", ...)``)."""
    return autograder.cli.ProcessExecutor


def err(text: str) -> None:
    """A line for the person at the terminal that is not the command's result: progress, what it is doing."""
    print(text, file=sys.stderr, flush=True)


# -- the assignment and its language ------------------------------------------------------------


def load(name: str | Path, course: Path | None, lang: str | None = None) -> assignments.Assignment:
    """An assignment for an instructor's command: never a student's release, which lacks the hidden checks."""
    return with_language(assignments.require_hidden_checks(assignments.load(name, course=course)), lang)


def with_language(assignment: assignments.Assignment, requested: str | None,
                  notebook_path: Path | None = None) -> assignments.Assignment:
    """The assignment with the command's --lang, which wins over each notebook's; this process speaks it too."""
    own = _notebook_language(notebook_path) if notebook_path else None
    i18n.set_language(i18n.choose(requested, own, assignment.language))  # what the command itself prints
    return selfcheck.requested(assignment, requested)


def _notebook_language(path: Path) -> str | None:
    try:
        return i18n.language_of(notebook.read_node(path).metadata)
    except notebook.NotebookRejected:  # the command reports the rejection in its own words
        return None


class StudentCommand(Protocol):
    """What ``check`` and ``submit`` (and argparse's namespace for them) say about the student's notebook."""

    @property
    def notebook(self) -> Path: ...
    @property
    def assignment(self) -> str | None: ...
    @property
    def course(self) -> Path | None: ...
    @property
    def lang(self) -> str | None: ...


def for_notebook(command: StudentCommand) -> assignments.Assignment:
    """A student's assignment: as named, else from the notebook's metadata, found from its folder."""
    name = command.assignment or _assignment_from(command.notebook, command.course)
    found = assignments.for_notebook(command.notebook, name, course=command.course)
    return with_language(found, command.lang, command.notebook)


def _assignment_from(path: Path, course: Path | None = None) -> str:
    try:
        name = notebook.load(path, expected_assignment=None).assignment
    except notebook.NotebookRejected as exc:
        raise assignments.AssignmentError(str(exc)) from exc
    if name is None:
        raise assignments.AssignmentError(
            messages.NO_ASSIGNMENT_CLI.format(file=path.name, known=", ".join(assignments.available(course)))
        )
    return name


# -- tfgrade grade --------------------------------------------------------------------------------


def run_grade(o: GradeOptions) -> int:
    assignment = load(o.assignment, o.course, o.lang)
    roster = rosters.read(o.roster) if o.roster else None  # before grading: an unusable roster should not wait
    executor = _grading_executor(o)
    if o.with_solutions:
        batch.expect_solution(assignment)
    adjust = overrides.read(o.overrides) if o.overrides else ()
    result, paths = _grade_batch(o, assignment, executor, adjust)
    _print_batch(result, o.out)
    failed = int(any(g.result.status == "grader_error" for g in result.rows))
    return max(failed, _export_graded(o, result, paths, roster)) if o.export else failed


def _grading_executor(o: GradeOptions) -> execution.Executor:
    executor = executors()(sandbox.choose(sandbox=not o.no_sandbox, fork=not o.no_fork_server))
    execution.expect_isolation(executor, allowed=o.unisolated_allowed)
    return executor


def _grade_batch(o: GradeOptions, assignment: assignments.Assignment, executor: execution.Executor,
                 adjust: tuple[overrides.Override, ...]) -> tuple[batch.BatchResult, list[Path]]:
    paths = batch.expand(o.submissions)
    err(f"Grading {len(paths)} submission(s) for '{assignment.name}' into {o.out}/ ...")
    err(f"Isolation: {'each Dask worker checks its own sandbox' if o.scheduler else executor.isolation}")
    workers = distributed.WorkerSettings(sandbox=not o.no_sandbox, fork_server=not o.no_fork_server,
                                         allow_unisolated=o.allow_unisolated or o.no_sandbox)
    with distributed.cluster(o.scheduler, assignment, workers) as grader:
        jobs = grader.in_flight(o.jobs) if grader else o.jobs
        result = batch.grade_all(paths, assignment, executor, o.out, progress=err, jobs=jobs, grader=grader,
                                 student_id=batch.student_namer(o.student_id), adjust=adjust,
                                 with_solutions=o.with_solutions)
    return result, paths


def _print_batch(result: batch.BatchResult, out: Path) -> None:
    print(report.console_table([(g.result, g.score) for g in result.rows]))
    if result.reused:
        print(f"\n{result.reused} unchanged submission(s) kept their earlier results; "
              f"{len(result.rows) - result.reused} graded now.")
    applied = sum((g.score.override is not None) + sum(q.override is not None for q in g.score.questions)
                  for g in result.rows)
    if applied:
        print(f"\n{applied} override(s) applied: grades.csv shows each next to the automatic score.")
    text = changes.summary(result.changes, earlier=result.earlier > 0, where=str(out / batch.CHANGES))
    if text:
        print(f"\n{text}")
    print(f"\nReports: {out / batch.SUBMISSIONS}/<submission>/  Grades: {out / batch.GRADES}")


# -- tfgrade check, submit, list ------------------------------------------------------------------


def run_check(o: CheckOptions) -> int:
    assignment = for_notebook(o)
    err(messages.CHECK_RUNNING.format(notebook=o.notebook))
    executor = _self_check_executor()
    result = _self_check(o, assignment, executor)
    print(result.text())
    return 0 if result.passed else 1


def _self_check_executor() -> execution.Executor:
    """The executor of check and submit; where the sandbox tools are missing it runs all the same, and says so."""
    executor = executors()()
    if not executor.isolated:
        err(messages.CHECK_UNISOLATED.format(isolation=executor.isolation))
    return executor


def _self_check(o: CheckOptions, assignment: assignments.Assignment,
                executor: execution.Executor) -> selfcheck.SelfCheck:
    try:
        return selfcheck.run_self_check(o.notebook, assignment, o.question, executor)
    except ValueError as exc:  # a question the assignment does not have
        raise UsageError(str(exc)) from exc


def run_submit(o: SubmitOptions) -> int:
    assignment = for_notebook(o)
    err(messages.SUBMIT_RUNNING.format(notebook=o.notebook))
    readiness = submission.prepare(o.notebook, assignment, _self_check_executor())
    print(readiness.text())
    if readiness.ready or o.force:
        out = submission.package(readiness, o.out or submission.default_zip(o.notebook))
        print(messages.SUBMIT_WROTE.format(zip=out))
    return 0 if readiness.ready else 1


def run_list(o: ListOptions) -> int:
    course = courses.locate(o.course)
    print(f"Course: {course.root}")
    for name in course.names():
        a = assignments.load(course.assignments / name)
        print(f"{a.name}: {a.title} ({report.format_number(a.max_points)} points)")
        for q in a.questions:
            print(f"  {q.name} ({report.format_number(q.points)}): {q.title}")
    return 0


# -- tfgrade export, and grade --export ---------------------------------------------------------


def run_export(o: ExportOptions) -> int:
    submitted = exports.read_batch(o.folder)
    roster = rosters.read(o.roster) if o.roster else None
    namer = batch.student_namer(o.student_id)
    if namer:
        submitted = [rosters.Submitted(namer(Path(s.id)), s.files, s.item) for s in submitted]
    target = {o.format: o.out} if o.out else {}
    return _write_exports(o.folder, [o.format], submitted, roster, column=o.column, paths=target)


def _export_graded(o: GradeOptions, result: batch.BatchResult, paths: list[Path],
                   roster: rosters.Roster | None) -> int:
    submitted = [rosters.Submitted(g.result.submission, (path.name,), (g.result, g.score))
                 for g, path in zip(result.rows, paths, strict=True)]
    return _write_exports(o.out, o.formats, submitted, roster)


def _write_exports(folder: Path, formats: list[exports.Format], submitted: list[rosters.Submitted[exports.Pair]],
                   roster: rosters.Roster | None, *, column: str | None = None,
                   paths: dict[exports.Format, Path] | None = None) -> int:
    """Render every format first and write only if all can be made, so a failed export leaves no file."""
    rows, notes = _gradebook(submitted, roster)
    assignment = exports.assignment_of(submitted)
    for note in dict.fromkeys([*notes, *(n for fmt in formats for n in exports.warnings_for(fmt, rows))]):
        err(f"warning: {note}")
    missing = sum(r.result is None for r in rows)
    counts = f"{len(rows)} row(s)" + (f", {missing} with no submission" if missing else "")
    for fmt in formats:
        path = (paths or {}).get(fmt) or exports.default_path(folder, fmt, assignment)
        exports.write(path, fmt, exports.render(fmt, rows, column=column or assignment))
        print(f"Wrote {path} ({fmt}: {counts}).")
    return 0


def _gradebook(submitted: list[rosters.Submitted[exports.Pair]],
               roster: rosters.Roster | None) -> tuple[list[exports.GradebookRow], list[str]]:
    try:
        return exports.gradebook(submitted, roster)
    except (exports.ExportError, rosters.RosterError) as exc:
        raise exports.ExportError(f"cannot export: {exc}") from exc


# -- dispatch -------------------------------------------------------------------------------------


def runners() -> dict[str, Callable[[Any], int]]:
    """Each command's name and what runs it (the parser names the options class of each)."""
    from autograder.cli import authoring

    return {"grade": run_grade, "check": run_check, "submit": run_submit, "list": run_list, "export": run_export,
            **authoring.RUNNERS}
