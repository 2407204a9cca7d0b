"""The attack corpus: hostile notebooks graded for real, each process in its own sandbox.

Every notebook in tests/notebooks/attacks/ (and the few in GENERATED, built at run time because
they are large) tries one thing (its first cell says what) against
the tiny TensorFlow-free assignment in tests/fixtures/tiny/ (q1: ``add``, 2 points; q2:
``mean_of``, 1 point). Most also define ``add`` and ``mean_of``, honestly or not, so each verdict
below pins the score exactly: what the honest parts earn and never more. Every notebook is graded
once (module fixture, two at a time, the real ``ProcessExecutor``); then for every notebook: the
grader never raised, the hidden checks' source never reaches the student, and no student-facing
text carries terminal control characters; and for the whole run: no process, cgroup or job
folder outlived its job, and the assignment folder is unchanged.

Time: about 70 s on a 2-core machine shared with other test runs, most of it the notebooks that
run into the time limits: slow-answers runs its checks' 30 s budget out (by design), while the
other worker grades the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import Graded, grade
from autograder.reports import feedback
from autograder.reports import formats as report
from autograder.sandbox import launcher as sandbox
from tests import hostile_files
from tests.conftest import NOTEBOOKS
from tests.sandbox import leftover_cgroups, leftover_processes, settled

LAUNCHER = sandbox.detect()
if not LAUNCHER.isolated:
    pytest.skip(f"the attack corpus needs the sandbox, which is off: {LAUNCHER.description}", allow_module_level=True)

pytestmark = pytest.mark.slow

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"
ATTACKS = NOTEBOOKS / "attacks"
MARKER = "HIDDEN-CHECK-SOURCE-7f3a"
SLOWEST = ("ignore-signals", "slow-answers", "trickle-reply")
"""Started first, so the two workers finish at about the same time."""

ADD, MEAN, HIDDEN = "add_small_ints", "mean_of_three_floats", "add_more_ints"
PASSED = "passed"
FAILED = ""
"""As an expected message: the check failed, whatever it says."""
LATER = "Later checks were not run"
ALL_PASSED = {ADD: PASSED, MEAN: PASSED, HIDDEN: PASSED}
WRONG = {ADD: "add(2, 3) returned 6, expected 5.", MEAN: "returned 0.0, expected 2.0", HIDDEN: "wrong sum"}


def _all(message: str) -> dict[str, str]:
    return {ADD: message, MEAN: message, HIDDEN: message}


def _broken_at_add(message: str) -> dict[str, str]:
    return {ADD: message, MEAN: LATER, HIDDEN: LATER}


@dataclass(frozen=True)
class Verdict:
    score: float | None
    """Exactly what the notebook earns (None: see the notebook's own test)."""
    checks: dict[str, str] | None = None
    """Per check: PASSED, or part of its failure message (outcome "failed", never "error")."""
    execution: str | None = "completed"
    limits_hit: tuple[str, ...] = ()
    message: str = ""
    """Part of the submission's message."""
    cell_errors: tuple[tuple[int, str], ...] = ()
    """(cell, start of the error) for every cell error, in order."""
    output_has: tuple[str, ...] = ()
    output_lacks: tuple[str, ...] = ()
    status: str = "graded"
    """The submission's status: "graded", or "rejected" for a file refused before any code runs."""


VERDICTS: dict[str, Verdict] = {
    "correct": Verdict(3, ALL_PASSED, message="All cells ran without errors."),
    # exits
    "sys-exit-cell": Verdict(
        3, ALL_PASSED, cell_errors=((3, "SystemExit: bye"),), output_has=("a cell after sys.exit still runs",)
    ),
    "os-exit-cell": Verdict(
        0, _all("ended while running cell 3"), execution="died", message="ended while running cell 3"
    ),
    "os-exit-in-call": Verdict(0, _broken_at_add("stopped while the grader was using `add`")),
    "sys-exit-in-call": Verdict(
        1, {ADD: "Calling `add` raised SystemExit", MEAN: "Calling `mean_of` raised KeyboardInterrupt", HIDDEN: PASSED}
    ),
    # patching the student's own process, planting files
    "patch-pytest": Verdict(0, WRONG, output_has=("patched pytest",)),
    "patch-numpy": Verdict(
        0, {ADD: "returned -1, expected 5", MEAN: "returned 1.5, expected 2.0", HIDDEN: "wrong sum"},
        output_has=("patched numpy",),
    ),
    "patch-builtins": Verdict(0, _all(FAILED), output_has=("patched builtins",)),
    "plant-files": Verdict(0, WRONG, output_has=("PLANTED /tmp/work/conftest.py",)),
    "module-shadowing": Verdict(0, WRONG, output_has=("shadow modules written",)),
    # overloaded comparisons
    "int-subclass-eq": Verdict(
        0, {ADD: "plain Python int, but it is: __main__.AlwaysEqualInt", MEAN: "__main__.AlwaysEqualFloat",
            HIDDEN: "__main__.AlwaysEqualInt"}
    ),
    "numpy-subclass": Verdict(
        0, {ADD: "plain Python int, but it is: numpy_scalar of dtype int64", MEAN: "__main__.SneakyFloat64",
            HIDDEN: "numpy_scalar of dtype int64"}
    ),
    "eq-abs-object": Verdict(
        0, {ADD: "plain Python int, but it is: __main__.Anything", MEAN: "__main__.EqualList", HIDDEN: "Anything"}
    ),
    # secrets
    "read-hidden": Verdict(3, ALL_PASSED, output_has=("walked", "scanned"), output_lacks=("FOUND-",)),
    "read-proc": Verdict(3, ALL_PASSED, output_has=("visible pids",), output_lacks=("SAW-CHECKS", "check_process")),
    # forgeries and pickles
    "forge-results": Verdict(0, WRONG, output_has=("All tests passed 3/3",)),
    "pickle-across": Verdict(
        0, {ADD: "plain Python int, but it is: numpy.ndarray", MEAN: "holds Python objects", HIDDEN: LATER}
    ),
    # resources
    "fork-bomb": Verdict(
        3, ALL_PASSED, limits_hit=("processes",), message="more than 64 processes", output_has=("FORK-REFUSED",)
    ),
    "thread-bomb": Verdict(
        3, ALL_PASSED, limits_hit=("processes",), message="more than 64 processes", output_has=("THREAD-REFUSED",)
    ),
    "memory-bomb": Verdict(
        0, _all("ended while running cell 3"), execution="died", limits_hit=("memory",),
        message="more than the 1.0 GB memory limit", output_lacks=("MEMORY-BOMB-SURVIVED",),
    ),
    "memory-in-call": Verdict(
        1, {ADD: PASSED, MEAN: "stopped while the grader was using `mean_of`", HIDDEN: LATER},
        limits_hit=("memory",), message="more than the 1.0 GB memory limit",
    ),
    "shared-mmap-bomb": Verdict(
        0, _all("ended while running cell 3"), execution="died", limits_hit=("memory",),
        message="more than the 1.0 GB memory limit", output_lacks=("SHARED-MMAP-SURVIVED",),
    ),
    "shm-bomb": Verdict(3, ALL_PASSED, output_has=("SHM-FULL errno 28",)),
    "disk-bomb": Verdict(None, output_has=("TMP-FULL errno 28",), output_lacks=("WROTE-OUTSIDE-TMP",)),
    # time
    "infinite-loop": Verdict(
        3, ALL_PASSED, cell_errors=((3, "CellTimeout"),), output_has=("the cell after the loop runs",)
    ),
    "ignore-signals": Verdict(
        0, _all("did not finish running in time"), execution="timeout", message="cell 3 was still running"
    ),
    "setsid-daemon": Verdict(3, ALL_PASSED, output_has=("DAEMON-STARTED",)),
    "background-thread": Verdict(3, ALL_PASSED, output_has=("BACKGROUND-THREADS-STARTED",)),
    "clone-parent": Verdict(
        3, ALL_PASSED, output_has=("clone(CLONE_PARENT) refused: errno 1", "no sibling heartbeat"),
        output_lacks=("SIBLING-STARTED", "SIBLING-OUTLIVED-ITS-CELL"),
    ),
    "trickle-reply": Verdict(0, _broken_at_add("did not answer within 15 s")),
    # files and links
    "symlinks": Verdict(
        3, ALL_PASSED, output_has=("cannot read shadow", "cannot read hidden.py"),
        output_lacks=("READ ", "LISTED hostroot", "HARDLINK-MADE"),
    ),
    # floods and the channel
    "output-flood": Verdict(3, ALL_PASSED, output_has=("[output truncated]",)),
    "reply-flood-list": Verdict(0, _broken_at_add("could not read (message too large")),
    "reply-flood-array": Verdict(0, _broken_at_add("larger than the 8388608-byte limit")),
    "deep-nesting": Verdict(1, {ADD: "value nested too deeply", MEAN: PASSED, HIDDEN: "value nested too deeply"}),
    "channel-garbage": Verdict(0, _broken_at_add("could not read (message too large")),
    "deep-json-channel": Verdict(0, _broken_at_add("could not read (header is not JSON: RecursionError)")),
    # network
    # (only AF_UNIX sockets exist: listing interfaces needs netlink, so the cell ends there)
    "network": Verdict(
        3, ALL_PASSED, cell_errors=((2, "OSError: [Errno 97] Address family not supported"),),
        output_has=("blocked: tcp 1.1.1.1:80 OSError 97", "blocked: tcp [2606:4700:4700::1111]:80 OSError 97",
                    "blocked: tcp 127.0.0.1:8888 OSError 97", "blocked: udp 8.8.8.8:53 OSError 97",
                    "blocked: dns example.com"),
        output_lacks=("NET-OK", "interfaces:"),
    ),
    "tcp-buffer-bomb": Verdict(
        3, ALL_PASSED, cell_errors=((3, "OSError: [Errno 97] Address family not supported"),),
        output_has=("refused: udp 97", "refused: tcp6 97", "refused: netlink 97", "ALLOWED unix"),
        output_lacks=("TCP-QUEUED", "ALLOWED udp", "ALLOWED tcp6", "ALLOWED netlink"),
    ),
    # text that lands in reports
    "ansi-html": Verdict(
        1, {ADD: "Calling `add` raised RuntimeError", MEAN: PASSED, HIDDEN: "Calling `add` raised RuntimeError"},
        cell_errors=((3, "ValueError"),),
    ),
    # privileges
    "privilege-escalation": Verdict(
        3, ALL_PASSED, output_has=("refused: setuid(0)", "NoNewPrivs:\t1", "CapEff:\t0000000000000000",
                                   "Seccomp:\t2", "user namespace refused, errno 1"),
        output_lacks=("ESCALATED", "KILLED", "USERNS-CREATED"),
    ),
    "kernel-surface": Verdict(
        3, ALL_PASSED, output_has=("vsock refused: 2 2024", "unshare user: refused", "unshare net: refused",
                                   "refused: keyctl", "refused: bpf", "refused: io_uring_setup", "refused: ptrace",
                                   "threads still start"),
        output_lacks=("ALLOWED", "VSOCK-CONNECTED"),
    ),
    # the event stream and .npy headers
    "forged-cell-errors": Verdict(0, _all("messages it does not accept"), execution="died"),
    "npy-header-bomb": Verdict(0, _broken_at_add("could not read")),
    "npy-event-bomb": Verdict(0, _all(FAILED), execution=None),
    "npy-negative-dims": Verdict(0, _broken_at_add("could not read (array payload has a negative, huge")),
    # hostile shapes and paces
    "slow-answers": Verdict(
        2, {ADD: PASSED, MEAN: PASSED,
            HIDDEN: "This check was stopped: the checks ran out of their 30 s budget because your notebook answered"},
    ),
    "forty-thousand-cells": Verdict(3, ALL_PASSED, message="All cells ran without errors."),
    "deep-metadata": Verdict(0, execution="not_run", message="nested more than 100 levels deep", status="rejected"),
}
GENERATED = {
    "forty-thousand-cells": hostile_files.many_cells_notebook,
    "deep-metadata": hostile_files.deep_metadata_notebook,
}
"""Built in a temporary folder when the corpus is graded (megabytes, or JSON nested 100,000 deep): name -> builder."""

MAX_SCORE = {name: v.score for name, v in VERDICTS.items() if v.score is not None} | {"disk-bomb": 3.0}

# --- grading the corpus once ------------------------------------------------------------------


@dataclass
class Run:
    graded: dict[str, Graded]
    raised: dict[str, str]
    seconds: dict[str, float]
    leftover_processes: list[str]
    leftover_cgroups: list[str]
    leftover_jobs: list[str]
    folder_before: dict[str, str]
    folder_after: dict[str, str]
    tiny: assignment.Assignment = field(repr=False)


@pytest.fixture(scope="module")
def run() -> Run:
    tiny = assignment.load(TINY)
    names = sorted(VERDICTS, key=lambda n: (n not in SLOWEST, n))
    committed = sorted(p.stem for p in ATTACKS.glob("*.ipynb"))
    assert committed == sorted(set(VERDICTS) - set(GENERATED)), "every notebook needs a verdict"
    built = Path(tempfile.mkdtemp(prefix="attack-notebooks-"))
    paths = {name: ATTACKS / f"{name}.ipynb" for name in committed}
    paths |= {name: build(built / f"{name}.ipynb") for name, build in GENERATED.items()}
    before = _digest(TINY)
    graded: dict[str, Graded] = {}
    raised: dict[str, str] = {}
    seconds: dict[str, float] = {}

    def grade_one(name: str) -> None:
        started = time.monotonic()
        try:
            graded[name] = grade(paths[name], tiny, ProcessExecutor())
        except Exception as exc:  # noqa: BLE001 - recorded; test_the_grader_never_raises... fails
            raised[name] = f"{type(exc).__name__}: {exc}"
        seconds[name] = time.monotonic() - started

    # Job folders go to a private temp folder, so leftovers of other gradings cannot be mistaken for ours.
    jobs = Path(tempfile.mkdtemp(prefix="attack-jobs-"))
    started = time.monotonic()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(tempfile, "tempdir", str(jobs))
            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(grade_one, names))
        leftover_jobs = sorted(str(p) for p in jobs.iterdir())
    finally:
        shutil.rmtree(jobs, ignore_errors=True)
        shutil.rmtree(built, ignore_errors=True)
    # Shown with -s, or when a test fails.
    print(f"graded {len(names)} attack notebooks in {time.monotonic() - started:.1f} s, two at a time:")
    for name in sorted(seconds, key=seconds.get, reverse=True):
        print(f"  {seconds[name]:5.1f} s  {name}")
    return Run(
        graded=graded, raised=raised, seconds=seconds, leftover_processes=settled(leftover_processes),
        leftover_cgroups=settled(leftover_cgroups), leftover_jobs=leftover_jobs,
        folder_before=before, folder_after=_digest(TINY), tiny=tiny,
    )


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _graded(run: Run, name: str) -> Graded:
    assert name not in run.raised, run.raised[name]
    return run.graded[name]


def _checks(g: Graded) -> dict[str, tuple[str, str]]:
    return {c.name: (c.outcome, c.message) for c in g.result.checks}


# --- the whole run ------------------------------------------------------------------------------


def test_the_grader_never_raises_and_every_notebook_has_a_result(run):
    assert run.raised == {}
    assert sorted(run.graded) == sorted(VERDICTS)


def test_no_sandboxed_process_outlives_its_job(run):
    assert run.leftover_processes == []


def test_no_cgroup_outlives_its_job(run):
    assert run.leftover_cgroups == []


def test_no_job_folder_outlives_its_job(run):
    assert run.leftover_jobs == []


def test_nothing_in_the_assignment_folder_changes(run):
    assert run.folder_after == run.folder_before


# --- every notebook -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", VERDICTS)
def test_every_notebook_is_graded_in_the_sandbox(run, name):
    g = _graded(run, name)
    assert g.result.status == VERDICTS[name].status, g.result.message
    if g.result.status == "graded":
        assert "bubblewrap" in g.result.execution.isolation


@pytest.mark.parametrize("name", list(VERDICTS))
def test_no_notebook_scores_more_than_its_honest_parts_earn(run, name):
    assert _graded(run, name).score.earned <= MAX_SCORE[name]


@pytest.mark.parametrize("name", list(VERDICTS))
def test_the_hidden_checks_source_never_reaches_the_student(run, name):
    g = _graded(run, name)
    assert MARKER not in g.result.execution.output
    for text in _student_facing(g):
        assert MARKER not in text


@pytest.mark.parametrize("name", list(VERDICTS))
def test_student_facing_text_has_no_control_characters(run, name):
    for text in _student_facing(_graded(run, name)):
        bad = sorted({repr(ch) for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")})
        assert not bad, f"control characters {bad} in {text[:200]!r}"


def _student_facing(g: Graded) -> list[str]:
    """Everything a student may see: the student report, Gradescope's results, every feedback format."""
    documents = [report.student_report(g.result, g.score), report.gradescope_results(g.result, g.score)]
    return [
        *(_strings(d) for d in documents),
        report.feedback_text(g.result, g.score, show_hidden=False),
        feedback.feedback_markdown(g.result, g.score),
        feedback.feedback_html(g.result, g.score),
    ]


def _strings(document: object) -> str:
    if isinstance(document, dict):
        return "\n".join(_strings(v) for v in document.values())
    if isinstance(document, list):
        return "\n".join(_strings(v) for v in document)
    return document if isinstance(document, str) else ""


@pytest.mark.parametrize("name", VERDICTS)
def test_verdict(run, name):
    g, verdict = _graded(run, name), VERDICTS[name]
    execution = g.result.execution
    assert g.result.status == verdict.status, g.result.message
    if verdict.score is not None:
        assert g.score.earned == verdict.score
    if verdict.execution is not None:
        assert execution.status == verdict.execution
    assert execution.limits_hit == verdict.limits_hit
    assert verdict.message in g.result.message
    if verdict.cell_errors or verdict.execution == "completed":
        assert len(execution.cell_errors) == len(verdict.cell_errors), execution.cell_errors
        for error, (cell, start) in zip(execution.cell_errors, verdict.cell_errors, strict=True):
            assert (error.cell, error.error[: len(start)]) == (cell, start)
    if verdict.checks is not None:
        checks = _checks(g)
        assert sorted(checks) == sorted(verdict.checks)
        for check, expected in verdict.checks.items():
            outcome, message = checks[check]
            assert outcome == (PASSED if expected == PASSED else "failed"), f"{check}: {message}"
            assert expected == PASSED or expected in message, f"{check}: {message}"
    for text in verdict.output_has:
        assert text in execution.output
    for text in verdict.output_lacks:
        assert text not in execution.output


# --- what some notebooks need besides their verdict --------------------------------------------


def test_planted_files_land_only_in_the_sandboxs_own_tmpfs(run):
    output = _graded(run, "plant-files").result.execution.output
    planted = re.findall(r"^PLANTED (\S+)$", output, re.MULTILINE)
    assert planted, output
    assert all(p.startswith(("/tmp/", "/dev/shm/")) for p in planted), planted


def test_tmpfs_bombs_stop_at_the_size_cap(run):
    cap = run.tiny.limits.tmp_bytes
    for name, label in (("shm-bomb", "SHM-WROTE"), ("disk-bomb", "TMP-WROTE")):
        written = re.search(rf"^{label} (\d+)$", _graded(run, name).result.execution.output, re.MULTILINE)
        assert written and 0 < int(written.group(1)) <= cap, name


def test_output_flood_is_cut_at_the_output_cap(run):
    output = _graded(run, "output-flood").result.execution.output
    assert output.endswith("\n[output truncated]")
    assert len(output.encode()) <= run.tiny.limits.output_bytes + len("\n[output truncated]")


def test_escapes_and_markup_in_messages_reach_the_student_only_as_plain_text(run):
    g = _graded(run, "ansi-html")
    add_message = _checks(g)[ADD][1]
    assert "<script>" in add_message  # kept as text in the JSON; the page and Markdown must escape it
    assert "\x1b" not in add_message and "\u202e" not in add_message and "\x9b" not in add_message
    assert all("\x1b" not in e.error and "\x07" not in e.error for e in g.result.execution.cell_errors)
    page, markdown = feedback.feedback_html(g.result, g.score), feedback.feedback_markdown(g.result, g.score)
    assert "&lt;script&gt;" in page
    for rendered in (page, markdown):
        assert "<script>" not in rendered and "<img" not in rendered and "<b>" not in rendered


def test_forged_results_are_never_read(run):
    g = _graded(run, "forge-results")
    student = json.dumps(report.student_report(g.result, g.score))
    assert "All tests passed" not in student
    assert g.score.earned == 0



def test_honest_functions_still_earn_their_points_when_tmp_is_full(run):
    assert _graded(run, "disk-bomb").score.earned == 3



def test_a_tensorflow_free_notebook_never_loads_tensorflow(run):
    output = _graded(run, "correct").result.execution.output
    # TensorFlow's C++ runtime announces itself on import even with TF_CPP_MIN_LOG_LEVEL=3.
    assert not any(sign in output for sign in ("oneDNN", "cudart_stub", "absl::InitializeLog"))
