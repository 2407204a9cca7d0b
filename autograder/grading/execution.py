"""Execution behind one small interface: run a notebook's cells and the checks against them.

:class:`ProcessExecutor` is the real thing: the student's cells run in one process, the checks in
another, trusted one, joined by a socket pair; this (grader) process only starts them, keeps what
the student printed (capped), reads the check process's results from a pipe (capped), and kills
both at the end. Tests of later stages use a fake with the same ``run`` method.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from autograder import i18n, messages
from autograder.check_side import memo
from autograder.check_side.budget import BACKSTOP
from autograder.clock import Usage
from autograder.core import codec
from autograder.core.assignment import Assignment
from autograder.core.costs import Costs
from autograder.core.limits import Limits
from autograder.core.notebook import Notebook
from autograder.core.results import CheckResult, ExecutionSummary
from autograder.errors import TfgradeError
from autograder.grading.capped_reader import CappedReader
from autograder.grading.control import FreezeControl as _FreezeControl
from autograder.sandbox import forkserver
from autograder.sandbox import launcher as sandbox
from autograder.wire import job as wire_job

STUDENT_PROGRAM = "autograder.student_side.student_process"
CHECKS_PROGRAM = "autograder.check_side.check_process"
RUNNER_PROGRAM = "autograder.runner_side.runner_process"
CLEAN_ROOM_PROGRAM = "autograder.runner_side.clean_room"
PROGRAMS = sandbox.Programs(
    modules=(STUDENT_PROGRAM, CHECKS_PROGRAM, RUNNER_PROGRAM, CLEAN_ROOM_PROGRAM),
    preload=("autograder.checks", "autograder.checks.topology", "autograder.checks.keras_saving",
             "autograder.runner_side.timing", "autograder.checks.properties"),  # what every check imports
)
"""The grader's own programs: the only ones its fork server may run (the sandbox names none), and what
else the server imports for them."""
MAX_RESULTS_BYTES = 16 * 1024 * 1024
SHUTDOWN_SLACK_SECONDS = 60.0


class GraderError(TfgradeError):
    """The grader could not produce a trustworthy result; the message is for the instructor."""


@dataclass(frozen=True)
class Execution:
    summary: ExecutionSummary
    checks: tuple[CheckResult, ...]
    costs: Costs | None = None
    """What this grading cost in job-clock seconds, as the check process measured it (for ``validate``)."""


class Executor(Protocol):
    isolated: bool
    """Whether student code runs in a sandbox (reports and the CLI's refusal depend on it)."""
    isolation: str
    """In plain words, how student code is isolated, or why it is not."""

    def run(self, notebook: Notebook, assignment: Assignment, *, include_hidden: bool, language: str) -> Execution:
        """Execute the notebook and run the assignment's checks (public, and hidden if asked).

        ``language`` is the submission's, resolved once by the pipeline: what the student's process and the
        check process write their messages in (never read from the calling thread's context)."""
        ...


class ProcessExecutor:
    """Student process + trusted check process, each in the sandbox the launcher provides."""

    def __init__(self, launcher: sandbox.Launcher | None = None) -> None:
        self.launcher = (launcher or sandbox.detect()).with_programs(PROGRAMS)
        self.isolated = self.launcher.isolated
        self.isolation = self.launcher.description
        # What the check processes of this batch share through the grader (channel/memo.py): OCR of a diagram.
        self.memo = memo.Store()

    def run(self, notebook: Notebook, assignment: Assignment, *, include_hidden: bool, language: str) -> Execution:
        what = _What(notebook, assignment, include_hidden, i18n.check(language))
        # The limits this process reports (a memory kill) are written in the submission's language, as told.
        with tempfile.TemporaryDirectory(prefix="tfgrade-") as job, i18n.using(what.language):
            try:
                return _run_job(self.launcher, Path(job), what, self.memo)
            except (sandbox.SandboxError, forkserver.ForkServerError) as exc:
                raise GraderError(f"{exc}. {RETRY}") from exc


def expect_isolation(executor: Executor, *, allowed: bool) -> None:
    """Refuse to grade when student code would run with the grader's permissions and network, unless the
    instructor ``allowed`` it (``--allow-unisolated``): raise :class:`~autograder.sandbox.launcher.SandboxError`."""
    if not executor.isolated and not allowed:
        raise sandbox.SandboxError(
            f"refusing to grade: student code would run {executor.isolation}.\n"
            "Run as root on Linux with bubblewrap installed (make setup does this), or pass "
            "--allow-unisolated to grade anyway.")


@dataclass(frozen=True)
class _What:
    """What one job grades, and in which language: everything :meth:`ProcessExecutor.run` was given."""

    notebook: Notebook
    assignment: Assignment
    include_hidden: bool
    language: str


def _run_job(launcher: sandbox.Launcher, job: Path, what: _What, shared: memo.Store | None = None) -> Execution:
    notebook, assignment, limits = what.notebook, what.assignment, what.assignment.limits
    (job / "student").mkdir()
    cells_file = job / "cells.json"
    cells = [{"cell": c.number, "source": c.source} for c in notebook.cells]
    tensorflow = assignment.tensorflow or _uses_tensorflow(notebook)
    cells_file.write_text(json.dumps({"cells": cells, "tensorflow": tensorflow}))
    resources = sandbox.Resources(limits.memory_bytes, limits.processes, limits.tmp_bytes)
    env = _child_env("/tmp" if launcher.isolated else str(job))
    student_end, checks_end = socket.socketpair()
    runner_end, checks_runner_end = socket.socketpair()
    clean_end, checks_clean_end = socket.socketpair()
    control_end, checks_control_end = socket.socketpair()
    results_read, results_write = os.pipe()
    binds = [sandbox.Bind(cells_file, STUDENT_CELLS)]
    binds += [sandbox.Bind(assignment.data, STUDENT_DATA)] if assignment.data else []
    started: list[sandbox.Running] = []
    with student_end, checks_end, runner_end, checks_runner_end, clean_end, checks_clean_end, checks_control_end:
        try:
            started.append(launcher.start(
                sandbox.Program(STUDENT_PROGRAM, _student_args(what, student_end.fileno())),
                role="student", pass_fds=[student_end.fileno()], binds=binds,
                cwd=STUDENT_WORKDIR, host_cwd=job / "student", env=env, resources=resources,
            ))
            started.append(_start_helper(launcher, RUNNER, job, runner_end, env, resources, limits))
            started.append(_start_helper(launcher, CLEAN_ROOM, job, clean_end, env, resources, limits))
            channels = _Channels(checks_end, checks_runner_end, checks_clean_end, checks_control_end, results_write)
            spec = _check_job(launcher, job, what, channels)
            started.append(_start_checks(launcher, assignment, channels, env, resources, spec, cells_file))
        except BaseException:
            for running in started:
                running.stop()
            control_end.close()
            raise
    os.close(results_write)
    student, runner, clean_room, checker = started
    jobs = {"runner": runner, "clean_room": clean_room, "checks": checker}
    with control_end, _FreezeControl(control_end, student, jobs, shared) as control:
        execution, spent = _collect(student, checker, results_read, limits, launcher, (runner, clean_room))
    costs = None if control.costs is None else dataclasses.replace(control.costs, grading_seconds=spent.seconds)
    return dataclasses.replace(execution, costs=costs)


def _student_args(what: _What, fd: int) -> tuple[str, ...]:
    """The student's process's argv: its socket, the data folder, its cells, its limits and its language."""
    limits = what.assignment.limits
    data = ("--data", STUDENT_DATA) if what.assignment.data else ()
    return ("--fd", str(fd), *data, "--cells", STUDENT_CELLS, "--seed", str(limits.seed),
            "--cell-seconds", str(limits.cell_seconds), "--lang", what.language)


@dataclass(frozen=True)
class _Channels:
    """The check process's ends: the student's process, the runner, the grader's control, results."""

    student: socket.socket
    runner: socket.socket
    clean_room: socket.socket
    control: socket.socket
    results_fd: int


@dataclass(frozen=True)
class _Helper:
    """A grader program that sees no assignment folder, only what the checks send it on its socket."""

    program: str
    role: sandbox.Role
    workdir: str
    folder: str
    """Its working folder in the job, on the host."""


RUNNER = _Helper(RUNNER_PROGRAM, "runner", "/tmp/runner", "runner")
"""Examines, runs and times the artifacts the checks send it."""
CLEAN_ROOM = _Helper(CLEAN_ROOM_PROGRAM, "clean_room", "/tmp/clean-room", "clean-room")
"""Traces a graded function from the definitions the checks send it."""


def _start_helper(
    launcher: sandbox.Launcher, helper: _Helper, job: Path, sock: socket.socket, env: dict[str, str],
    resources: sandbox.Resources, limits: Limits,
) -> sandbox.Running:
    (job / helper.folder).mkdir()
    return launcher.start(
        sandbox.Program(helper.program, ("--fd", str(sock.fileno()), "--seed", str(limits.seed))),
        role=helper.role, pass_fds=[sock.fileno()], binds=[], cwd=helper.workdir, host_cwd=job / helper.folder,
        env=env, resources=resources,
    )


def _check_job(launcher: sandbox.Launcher, job: Path, what: _What, channels: _Channels) -> Path:
    """The check process's job file (``wire/job.py``), read-only, in a folder no other sandbox mounts.

    A file, not argv: a notebook of 40,000 cells would outgrow a command line (E2BIG) and a fork-server
    request (EMSGSIZE). Paths in it are the ones the check process sees: its sandbox's, or the host's
    where nothing is isolated.
    """
    sources = CHECKS_SOURCES if launcher.isolated else str(job / "cells.json")
    (job / "checks").mkdir()
    return wire_job.write(_check_spec(what, channels, sources), job / "checks" / "job.json")


def _check_spec(what: _What, channels: _Channels, sources_file: str) -> wire_job.JobSpec:
    """The check process's job: its channels, limits, checks, the names it requires, the cells and the language."""
    assignment, limits = what.assignment, what.assignment.limits
    check_dirs = [assignment.public_checks] + ([assignment.hidden_checks] if what.include_hidden else [])
    return wire_job.JobSpec(
        channels=wire_job.Channels(
            student=channels.student.fileno(), results=channels.results_fd, runner=channels.runner.fileno(),
            clean_room=channels.clean_room.fileno(), control=channels.control.fileno()),
        limits=wire_job.CheckLimits(
            notebook_seconds=limits.notebook_seconds, request_seconds=limits.request_seconds,
            checks_seconds=limits.checks_seconds, reply_bytes=limits.reply_bytes,
            runner_seconds=limits.runner_seconds),
        assignment_root=str(assignment.root),
        checks=tuple(map(str, check_dirs)), hidden=(str(assignment.hidden_checks),),
        required=tuple(assignment.required_names),
        language=what.language,  # the submission's, as the pipeline resolved it: check messages are written in it
        cells=tuple(c.number for c in what.notebook.cells),
        sources_file=sources_file,
    )


def _start_checks(
    launcher: sandbox.Launcher, assignment: Assignment, channels: _Channels, env: dict[str, str],
    resources: sandbox.Resources, spec: Path, cells: Path,
) -> sandbox.Running:
    return launcher.start(
        sandbox.Program(CHECKS_PROGRAM, (CHECKS_JOB,)),
        role="checks",
        pass_fds=[channels.student.fileno(), channels.runner.fileno(), channels.clean_room.fileno(),
                  channels.control.fileno(), channels.results_fd],
        binds=[sandbox.Bind(assignment.root, str(assignment.root)), sandbox.Bind(spec, CHECKS_JOB),
               sandbox.Bind(cells, CHECKS_SOURCES)],
        cwd=str(assignment.root), host_cwd=assignment.root, env=env, resources=resources,
    )


def _collect(
    student: sandbox.Running, checker: sandbox.Running, results_read: int, limits: Limits, launcher: sandbox.Launcher,
    helpers: tuple[sandbox.Running, sandbox.Running],
) -> tuple[Execution, Usage]:
    """The execution, and what it cost on the jobs' joint clock."""
    runner, clean_room = helpers
    student_output = CappedReader(student.stdout, limits.output_bytes)
    checker_output = CappedReader(checker.stdout, 256 * 1024)
    # A tf.print in a graded function writes to the helper that runs its graph: drain both, so neither
    # ever blocks on a full pipe (the rest of what they write is read and dropped).
    for helper in helpers:
        CappedReader(helper.stdout, HELPER_OUTPUT_BYTES)
    with os.fdopen(results_read, "rb") as results_pipe:
        results = CappedReader(results_pipe, MAX_RESULTS_BYTES)
        try:
            # The check process keeps to the limits itself, on the jobs' clocks; this wait is far
            # longer and counts only the checks' own time, so it ends only a broken check process,
            # never a slow student or a loaded machine.
            spent = _wait(checker, _checks_guard(limits), (student, checker, runner, clean_room))
        finally:
            student_facts = student.stop()
            checker_facts = checker.stop()
            runner_facts = runner.stop()
            clean_room_facts = clean_room.stop()
        roles = (("student's", student_facts), ("check", checker_facts), ("runner", runner_facts),
                 ("clean room", clean_room_facts))
        for role, facts in roles:
            if facts.setup_error:
                raise GraderError(
                    f"the {role} process could not be started in its sandbox: {facts.setup_error}. {RETRY}"
                )
        if checker_facts.oom_kills or checker_facts.pids_limit_hits:
            raise GraderError("the check process hit its memory or process limit; raise the limits")
        run = _parse_results(results.text(), checker_output.text())
    return _execution(run, student_output.text(), student_facts, launcher.description, limits), spent


RETRY = ("This is the grader's problem, not the student's: run the grading again (unchanged results are "
         "reused); if it fails again, try `tfgrade grade --no-fork-server` and report this message.")
STUDENT_CELLS = "/job/cells.json"
CHECKS_JOB = "/job/check-job.json"
"""The check process's job file (``wire/job.py``), read-only in its sandbox: its only argument."""
STUDENT_WORKDIR = "/tmp/work"
CHECKS_SOURCES = "/job/cells.json"
"""The notebook's code cells (numbers and sources) for the check process, read-only: the grader's own reading."""
HELPER_OUTPUT_BYTES = 64 * 1024
"""What is kept of a helper process's output (the rest is read and dropped)."""
STUDENT_DATA = "/assignment-data"
"""Where the assignment's data files are mounted (read-only); the notebook sees them as data/."""


def _uses_tensorflow(notebook: Notebook) -> bool:
    """Does a notebook of a TensorFlow-free assignment still use TensorFlow (then seed it too)?"""
    return any("tensorflow" in c.source or "keras" in c.source for c in notebook.cells)


def _child_env(home: str) -> dict[str, str]:
    # matplotlib writes its settings and font cache under MPLCONFIGDIR: the job's own writable folder,
    # never a shared one (MPLBACKEND=Agg, in ENV, draws without a display and makes plt.show() return).
    return {**forkserver.ENV, "HOME": home, "MPLCONFIGDIR": f"{home}/matplotlib"}


def _checks_guard(limits: Limits) -> float:
    """How much of its own time the check process may take: every limit it keeps, at its backstop, and more."""
    return GUARD_MULTIPLE * (BACKSTOP * limits.notebook_seconds + limits.checks_seconds) + SHUTDOWN_SLACK_SECONDS


GUARD_MULTIPLE = 3.0


def _wait(process: sandbox.Running, seconds: float, jobs: tuple[sandbox.Running, ...]) -> Usage:
    """Wait until the process ends, or ``seconds`` pass on the jobs' joint clock (:func:`_joint`).
    Returns the joint clock at the end."""
    while True:
        try:
            process.wait(timeout=min(GUARD_SLICE, seconds))
            return _joint(jobs)
        except subprocess.TimeoutExpired:
            pass
        # Without the waiting figures the joint clock can only read high: only if that reaches the
        # guard is it read in full (one file per thread of four TensorFlow processes, where no cgroup counts).
        if _joint(jobs, waiting=False).seconds >= seconds and _joint(jobs).seconds >= seconds:
            raise GraderError(f"the checks did not finish within {seconds:g} s of the grader's time")


def _joint(jobs: tuple[sandbox.Running, ...], *, waiting: bool = True) -> Usage:
    """The jobs' clocks together: their CPU time, and wall time less the time any of them waited for a
    CPU (summed, so never below the truth: overlapping waits only make this clock more lenient)."""
    usages = [job.usage(waiting=waiting) for job in jobs]
    wall = max(u.wall_seconds for u in usages)
    return Usage(sum(u.cpu_seconds for u in usages), min(wall, sum(u.waiting_seconds for u in usages)), wall)


GUARD_SLICE = 5.0


def _parse_results(text: str, checker_log: str) -> codec.CheckRun:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise GraderError(f"the check process wrote no readable results; its log ends:\n{checker_log[-3000:]}") from exc
    try:
        run = codec.CHECK_RUN.decode(document)
    except codec.SchemaMismatch as exc:
        raise GraderError("the check process wrote results in an unknown format") from exc
    except codec.DecodeError as exc:
        raise GraderError(f"the check process wrote malformed results: {exc}") from exc
    if run.collection_errors:
        raise GraderError("the checks could not be loaded:\n" + "\n".join(run.collection_errors))
    return run


def _execution(run: codec.CheckRun, output: str, facts: sandbox.Facts, isolation: str, limits: Limits) -> Execution:
    """What the student printed, the isolation and the limits hit are the grader's to say, never the check process's."""
    summary = dataclasses.replace(run.execution, output=output, isolation=isolation, limits_hit=())
    return Execution(summary=_with_limit_hits(summary, facts, limits), checks=run.checks)


def _with_limit_hits(summary: ExecutionSummary, facts: sandbox.Facts, limits: Limits) -> ExecutionSummary:
    """The kernel's counters, not the student's process, say whether a limit was hit."""
    hits, notes = [], []
    if facts.oom_kills:
        hits.append("memory")
        notes.append(messages.LIMIT_MEMORY.format(gigabytes=limits.memory_bytes / 2**30))
    if facts.pids_limit_hits:
        hits.append("processes")
        notes.append(messages.LIMIT_PROCESSES.format(processes=limits.processes))
    if not hits:
        return summary
    return dataclasses.replace(summary, limits_hit=tuple(hits), message=" ".join([*notes, summary.message]))
