"""The trusted check process: runs the assignment's pytest checks against the student's process.

Started by the grader next to the student's process; it shares nothing with it but a socket.
Checks get a :class:`~autograder.check_side.student.Student` through the ``student`` fixture and mark their
question and points with ``@pytest.mark.question("q1", points=2)``; checks under a ``hidden``
folder are hidden, under ``public`` public. Results go to the grader as one JSON document (``codec.CHECK_RUN``) on an
inherited pipe (its fd is in the job file), never through a file the student could reach.

Run as ``python -I -m autograder.check_side.check_process JOB_FILE``: everything else (channels, folders,
required names, limits, language, the assignment's root) is in that file (:mod:`autograder.wire.job`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from autograder import i18n, messages
from autograder.check_side import clean_room_handle, memo
from autograder.check_side.budget import (
    BACKSTOP,
    WALL_LAST_RESORT,
    Budget,
    BudgetedSocket,
    ChecksOutOfTime,
    ClockError,
    JobClock,
    Waits,
)
from autograder.check_side.clean_room_handle import CleanRoom
from autograder.check_side.runner import Runner
from autograder.check_side.student import CheckFailure, Student, student_text
from autograder.core import codec
from autograder.core.results import CheckResult, ExecutionSummary, Outcome
from autograder.wire import job


class GradingPlugin:
    """Hands checks the ``student`` fixture and records each check's outcome."""

    def __init__(
        self, student: Student, hidden_dirs: list[Path], required: list[str], runner: Runner, budget: Budget,
        clean_room: CleanRoom | None = None,
    ) -> None:
        self._student = student
        self._runner = runner
        self._clean_room = clean_room or CleanRoom(None, None)
        self._required = required
        self._budget = budget
        self._hidden_dirs = [d.resolve() for d in hidden_dirs]
        self._results: dict[str, CheckResult] = {}
        self.collection_errors: list[str] = []

    @pytest.fixture(scope="session")
    def student(self) -> Student:
        self._student.wait_until_executed()
        self._budget.start()
        return self._student

    @pytest.fixture(scope="session")
    def runner(self) -> Runner:
        """The grader's runner: examines, runs and times artifacts from the student's process."""
        return self._runner

    @pytest.fixture(scope="session")
    def clean_room(self) -> CleanRoom:
        """The grader's clean room: traces a graded function from the notebook's source alone."""
        return self._clean_room

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self._budget.spent:
            raise ChecksOutOfTime()  # before any fixture of the check runs

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "question(name, points): the question and points of a check")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {str(report.longrepr)[-2000:]}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        already_failed = item.nodeid in self._results and self._results[item.nodeid].outcome != "passed"
        if already_failed or (report.when != "call" and report.passed):
            return
        self._results[item.nodeid] = self._result(item, call, report.passed)

    def _result(self, item: pytest.Item, call: pytest.CallInfo[None], passed: bool) -> CheckResult:
        marker = item.get_closest_marker("question")
        question = str(marker.args[0]) if marker and marker.args else ""
        points = float(marker.kwargs.get("points", 1)) if marker else 0.0
        outcome, message = self._outcome(call, passed)
        if marker is None:  # a check without its question marker is the author's mistake
            outcome, message = "error", messages.CHECK_WITHOUT_MARKER.format()
        return CheckResult(
            name=item.name.removeprefix("test_"),
            question=question,
            points=points,
            earned=points if outcome == "passed" else 0.0,
            outcome=outcome,
            message=message,
            visibility="hidden" if self._is_hidden(Path(str(item.path))) else "public",
            details="; ".join(f"{k}={v}" for k, v in item.user_properties)[:2000],
        )

    def _outcome(self, call: pytest.CallInfo[None], passed: bool) -> tuple[Outcome, str]:
        if self._budget.spent:  # fail closed: a check that did not finish within the budget earns nothing
            ran = call.excinfo is None or not isinstance(call.excinfo.value, ChecksOutOfTime)
            return "failed", self._budget.message(ran=ran)
        return ("passed", "") if passed else _failure(call)

    def _missing_names(self, summary: ExecutionSummary) -> list[str]:
        if summary.status != "completed" or self._budget.spent:
            return []
        try:
            return [name for name in self._required if not self._student.describe(name).defined]
        except CheckFailure:
            return []

    def _is_hidden(self, path: Path) -> bool:
        return any(path.resolve().is_relative_to(d) for d in self._hidden_dirs)

    def document(self) -> codec.CheckRun:
        summary = self._student.wait_until_executed()
        self._budget.start()  # no check used the student: the required names still get only the budget
        return codec.CheckRun(
            execution=dataclasses.replace(summary, missing_names=tuple(self._missing_names(summary))),
            checks=tuple(self._results.values()),
            collection_errors=tuple(self.collection_errors),
        )


def _failure(call: pytest.CallInfo[None]) -> tuple[Outcome, str]:
    if call.excinfo is None:
        return "failed", messages.CHECK_DID_NOT_PASS.format()
    exc = call.excinfo.value
    if isinstance(exc, CheckFailure):
        return "failed", str(exc)
    if isinstance(exc, AssertionError):
        # A plain assert in a check: keep the author's message, not pytest's introspection.
        return "failed", student_text(str(exc).split("\nassert ")[0], 1000) or messages.CHECK_DID_NOT_PASS.format()
    if isinstance(exc, pytest.skip.Exception):
        return "failed", messages.CHECK_SKIPPED.format(reason=exc)
    return "error", messages.CHECK_RAISED.format(error=student_text(f"{type(exc).__name__}: {exc}", 300))


def _job_file(argv: list[str] | None) -> str:
    """The only argument: the job file (``wire/job.py``) the grader wrote, read-only, for this grading."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        raise SystemExit("usage: python -I -m autograder.check_side.check_process JOB_FILE")
    return args[0]


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    spec = job.read(_job_file(argv))
    # Messages are rendered here, so here they take the submission's language; an assignment's own
    # texts (checks' `_("...")`) come from its catalog, in its folder.
    i18n.set_language(spec.language)
    i18n.set_assignment(Path(spec.assignment_root))
    # The grader's control channel: freeze and thaw the student, and the jobs' clocks. It is not
    # budgeted, so a thaw always gets through.
    fds, limits = spec.channels, spec.limits
    control = None if fds.control is None else socket.socket(fileno=fds.control)
    clock = None if control is None else JobClock(control)
    budget = Budget(limits.checks_seconds, limits.request_seconds, clock)
    student = _student(spec, started, budget, clock)
    # The runner runs the student's artifacts, so its requests end with the budget too.
    runner_channel = None if fds.runner is None else _budgeted(
        fds.runner, budget, clock, Waits("runner", limits.runner_seconds))
    runner = Runner(runner_channel, control)
    # The clean room runs the student's definitions (tracing runs their Python), so its requests are
    # limited and charged like the runner's.
    clean_room_channel = None if fds.clean_room is None else _budgeted(
        fds.clean_room, budget, clock, Waits("clean_room", limits.runner_seconds))
    clean_room = CleanRoom(clean_room_channel, None if spec.sources_file is None else Path(spec.sources_file))
    # expect_tf_function traces in the clean room; course checks keep their (student, runner, name) call.
    clean_room_handle.use(clean_room)
    # Results the batch's check processes share (OCR of a diagram): kept by the grader, asked over control.
    memo.use(memo.Client(control))
    plugin = GradingPlugin(student, [Path(d) for d in spec.hidden], list(spec.required), runner, budget, clean_room)
    # Property checks (Hypothesis) keep no example database; what little it stores goes to a private
    # temporary folder, never next to the checks, which may be read-only.
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = tempfile.mkdtemp(prefix="tfgrade-hypothesis-")
    pytest.main(_pytest_args([Path(d) for d in spec.checks]), plugins=[plugin, *_third_party_plugins()])
    document = plugin.document()
    if clock is not None:
        with contextlib.suppress(ClockError):  # what it cost is for validate's measurement, not for the grade
            clock.report(budget.costs())
    with os.fdopen(fds.results, "w", encoding="utf-8") as results:
        results.write(codec.CHECK_RUN.dumps(document))
    sys.stdout.flush()
    return 0


def _student(spec: job.JobSpec, started: float, budget: Budget, clock: JobClock | None) -> Student:
    limits = spec.limits
    # With a clock the channels end waits on the jobs' own time; wall deadlines are a last resort.
    wall = 1.0 if clock is None else WALL_LAST_RESORT
    return Student(
        _budgeted(spec.channels.student, budget, clock, Waits("student", limits.request_seconds,
                                                              limits.notebook_seconds)),
        notebook_deadline=started + limits.notebook_seconds * (wall * BACKSTOP if clock else 1.0),
        request_seconds=limits.request_seconds,
        reply_bytes=limits.reply_bytes,
        cells=spec.cells,
        wall_factor=wall,
        notebook_seconds=limits.notebook_seconds,
    )


def _pytest_args(check_dirs: list[Path]) -> list[str]:
    root = str(check_dirs[0].parent)
    # Plugins are not looked up among the installed packages' entry points (reading every package's
    # metadata costs a tenth of a second per grading): the ones checks use are given by
    # _third_party_plugins, and a course's conftest can still name its own (`pytest_plugins`).
    return [str(d) for d in check_dirs] + [
        "-q", "--disable-plugin-autoload", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", root,
        "--confcutdir", root, "-W", "ignore::DeprecationWarning",
    ]


def _third_party_plugins() -> list[object]:
    """The installed pytest plugins checks rely on: Hypothesis's, which reports and replays property checks
    under pytest as it would when pytest loads it from its entry point. Imported here, in each check
    process, as pytest would (importing it has effects that must not reach the fork server)."""
    import importlib

    return [importlib.import_module("_hypothesis_pytestplugin")]


def _budgeted(fd: int, budget: Budget, clock: JobClock | None = None, waits: Waits | None = None) -> BudgetedSocket:
    channel = BudgetedSocket(fileno=fd)
    channel.budget, channel.clock, channel.waits = budget, clock, waits
    return channel


if __name__ == "__main__":
    raise SystemExit(main())
