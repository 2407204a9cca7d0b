"""What each ``tfgrade`` command does: call the modules that do the work, print what they return.

Imported only when a command runs (``tfgrade --help`` never pays for it). Each ``run_*`` takes its frozen
options (:mod:`autograder.cli.options`) and returns the exit code; an error tfgrade raises on purpose goes
up to :func:`autograder.cli.main`, which prints it once and exits with its ``exit_code``. The instructor's
authoring commands live in :mod:`autograder.cli.authoring`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from autograder import i18n, messages
from autograder.cli.options import (
    CheckOptions,
    ExportOptions,
    GradeOptions,
    ListOptions,
    SubmitOptions,
    UsageError,
)
from autograder.cli.seam import executors
from autograder.core import assignment as assignments
from autograder.core import course as courses
from autograder.core import late, notebook, overrides
from autograder.core import roster as rosters
from autograder.grading import batch, execution
from autograder.interop import distributed, worker_settings
from autograder.reports import changes, exports
from autograder.reports import formats as report
from autograder.sandbox import launcher as sandbox
from autograder.sandbox import warm
from autograder.students import selfcheck, submission

# The command keeps its fork server warm for the next command (the next batch, the next self-check).
warm.keep_warm_by_default()


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
    extras = _extras(o, assignment)  # before grading: an unusable roster, overrides or times file should not wait
    executor = _grading_executor(o)
    if o.with_solutions:
        batch.expect_solution(assignment)
    result = _grade_batch(o, assignment, executor, extras)
    _print_batch(result, o.out)
    failed = int(any(g.result.status == "grader_error" for g in result.rows))
    return max(failed, _export_graded(o, result, list(extras.paths), extras.roster)) if o.export else failed


def _grading_executor(o: GradeOptions) -> execution.Executor:
    executor = executors()(sandbox.choose(sandbox=not o.no_sandbox, fork=not o.no_fork_server))
    execution.expect_isolation(executor, allowed=o.unisolated_allowed)
    return executor


def _students(roster: rosters.Roster | None, paths: list[Path], namer: Callable[[Path], str] | None, *,
              warn: bool) -> dict[Path, rosters.RosterEntry]:
    """Each submission's roster student ({} without a roster); RosterError before grading where that means guessing.
    ``warn``: say which submissions no row claims (an export says it itself)."""
    if roster is None:
        return {}
    name_of = namer or str
    matching = rosters.match(roster, [rosters.Submitted(name_of(p), (p.name,), p) for p in paths])
    for note in matching.warnings() if warn else ():
        err(f"warning: {note}")
    return {placed.item: placed.student for placed in matching.placed if placed.item is not None}


def _dues(o: GradeOptions, rule: late.Rule | None, paths: list[Path],
          students: dict[Path, rosters.RosterEntry]) -> dict[Path, late.Due] | None:
    """Each submission's deadline and time under the late rule (None without a deadline); warns of missing times."""
    if rule is None:
        if o.times:
            raise late.LateError("--times gives submission times, but there is no deadline: add --deadline, "
                                 "or deadline = \"...\" to [late] in assignment.toml.")
        return None
    namer = batch.student_namer(o.student_id) or str
    names = {p: (namer(p), str(p), p.name, *(students[p].ids() if p in students else ())) for p in paths}
    times: dict[Path, datetime] = {}
    if o.times:
        times, problems = late.times_by_path(late.read_times(o.times, rule.timezone), names)
        if problems:
            raise late.LateError(messages.CLI_UNUSABLE_TIMES.format(file=o.times, count=len(problems)) + "\n"
                                 + "\n".join(f"  {p}" for p in problems[:20]))
    found, warnings = late.dues(rule, paths, times, {p: s.deadline for p, s in students.items() if s.deadline})
    for note in warnings:
        err(f"warning: {note}")
    return found


@dataclass(frozen=True)
class _Extras:
    """What grade reads before grading: the files, the roster, the overrides, the late cases and the roster ids
    (None: not asked for)."""

    paths: tuple[Path, ...]
    roster: rosters.Roster | None
    adjust: tuple[overrides.Override, ...]
    dues: dict[Path, late.Due] | None
    roster_ids: dict[Path, str] | None


def _extras(o: GradeOptions, assignment: assignments.Assignment) -> _Extras:
    """Everything read before grading, so a row that cannot be used stops the run before anything is written."""
    roster = rosters.read(o.roster) if o.roster else None
    paths = batch.expand(o.submissions)
    rule = late.rule_from(late.table_of(assignment.root), o.late_rule, f"{assignment.root / 'assignment.toml'} [late]")
    students = _students(roster, paths, batch.student_namer(o.student_id), warn=not o.export)
    ids = {student_id: str(path) for path, student in students.items() for student_id in student.ids()}
    adjust = overrides.with_paths(overrides.read(o.overrides), ids) if o.overrides else ()
    roster_ids = {path: student.id for path, student in students.items()} if roster else None
    return _Extras(tuple(paths), roster, adjust, _dues(o, rule, paths, students), roster_ids)


def _grade_batch(o: GradeOptions, assignment: assignments.Assignment, executor: execution.Executor,
                 extras: _Extras) -> batch.BatchResult:
    paths = list(extras.paths)
    err(messages.CLI_GRADING.format(count=len(paths), assignment=assignment.name, out=o.out))
    err(f"Isolation: {'each Dask worker checks its own sandbox' if o.scheduler else executor.isolation}")
    workers = worker_settings.WorkerSettings(sandbox=not o.no_sandbox, fork_server=not o.no_fork_server,
                                         allow_unisolated=o.allow_unisolated or o.no_sandbox)
    with distributed.cluster(o.scheduler, assignment, workers) as grader:
        jobs = grader.in_flight(o.jobs) if grader else o.jobs
        result = batch.grade_all(paths, assignment, executor, o.out, progress=err, jobs=jobs, grader=grader,
                                 student_id=batch.student_namer(o.student_id), adjust=extras.adjust,
                                 with_solutions=o.with_solutions, dues=extras.dues, roster_ids=extras.roster_ids)
    return result


def _print_batch(result: batch.BatchResult, out: Path) -> None:
    print(report.console_table([(g.result, g.score) for g in result.rows]))
    if result.reused:
        print("\n" + messages.CLI_REUSED.format(count=result.reused, fresh=len(result.rows) - result.reused))
    applied = sum((g.score.override is not None) + sum(q.override is not None for q in g.score.questions)
                  for g in result.rows)
    if applied:
        print("\n" + messages.CLI_OVERRIDES.format(count=applied))
    text = changes.summary(result.changes, earlier=result.earlier > 0, where=str(out / batch.CHANGES))
    if text:
        print(f"\n{text}")
    print(f"\nReports: {out / batch.SUBMISSIONS}/<submission>/  Grades: {out / batch.GRADES}\n"
          f"Class report (open it in a browser): {out / batch.CLASS_REPORT}")


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
    refusals = [text for text in (exports.refusal_for(fmt, rows) for fmt in formats) if text]
    if refusals:  # before writing any: one unusable format leaves no file of the others either
        raise exports.ExportError("cannot export: " + " ".join(refusals))
    missing = sum(r.result is None for r in rows)
    counts = messages.CLI_EXPORT_ROWS.format(count=len(rows)) + (f", {missing} with no submission" if missing else "")
    texts = {fmt: exports.render(fmt, rows, column=column or assignment) for fmt in formats}
    for fmt, text in texts.items():
        path = (paths or {}).get(fmt) or exports.default_path(folder, fmt, assignment)
        exports.write(path, fmt, text)
        print(f"Wrote {path} ({fmt}: {counts}).")
    return 0


def _gradebook(submitted: list[rosters.Submitted[exports.Pair]],
               roster: rosters.Roster | None) -> tuple[list[exports.GradebookRow], list[str]]:
    try:
        return exports.gradebook(submitted, roster)
    except (exports.ExportError, rosters.RosterError) as exc:
        raise exports.ExportError(f"cannot export: {exc}") from exc


# -- dispatch -------------------------------------------------------------------------------------


RUNNERS: dict[str, Callable[[Any], int]] = {
    "grade": run_grade, "check": run_check, "submit": run_submit, "list": run_list, "export": run_export,
}
"""The grading commands by name (:func:`autograder.cli.runners` adds the authoring ones)."""
