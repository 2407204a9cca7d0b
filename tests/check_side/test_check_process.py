"""The check process on its own, against a scripted fake of the student's process (no TensorFlow).

It is started for real (``python -I -m autograder.check_side.check_process``) with a socket to a fake
student in a thread here, and its results are read from the pipe, as the grader reads them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from autograder.check_side.budget import Budget, BudgetedSocket
from autograder.core import codec
from autograder.wire import job, protocol

SLOW_CHECKS = '''
import pytest
from autograder.checks import CheckFailure


@pytest.mark.question("q1", points=1)
def test_first(student):
    assert student.call("add", 1, 2) == 3


@pytest.mark.question("q1", points=1)
def test_second(student):
    assert student.call("add", 2, 2) == 4


@pytest.mark.question("q1", points=1)
def test_third_expects_an_error(student):
    with pytest.raises(CheckFailure):  # a request cut off by the budget must not satisfy this
        student.call("add", "a", None)

'''
MORE_CHECKS = '''
import pytest


@pytest.fixture(scope="module")
def six(student):
    return student.call("add", 3, 3)  # a fixture of a check that must not run is not run either


@pytest.mark.question("q1", points=1)
def test_fourth(six):
    assert six == 6
'''


class SlowStudent:
    """Runs one cell, then answers every request correctly, each after ``seconds``."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.sock, self.seconds = sock, seconds
        self.requests: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for event in ({"event": "cell_start", "cell": 1}, {"event": "cell_end", "cell": 1, "error": None},
                      {"event": "ready"}):
            protocol.send_message(self.sock, event)
        try:
            while True:
                request, arrays = protocol.recv_message(self.sock, max_bytes=1 << 20, deadline=None)
                self.requests.append(request)
                time.sleep(self.seconds)
                protocol.send_message(self.sock, {**self._answer(request, arrays), "id": request.get("id")})
        except (protocol.ProtocolError, OSError):
            return  # the check process ended

    def _answer(self, request: dict[str, Any], arrays: list[Any]) -> dict[str, Any]:
        if request.get("op") == "describe":
            return {"ok": True, "result": {"defined": True}}
        a, b = protocol.decode_value(request["args"], arrays)
        if type(a) is not int:
            return {"ok": False, "error": "TypeError: unsupported operand"}
        return {"ok": True, "result": a + b}


def run_checks(tmp_path: Path, checks: dict[str, str], *, answer_seconds: float, checks_seconds: float,
               request_seconds: float) -> tuple[codec.CheckRun, SlowStudent]:
    folder = tmp_path / "checks" / "public"
    folder.mkdir(parents=True)
    for name, source in checks.items():
        (folder / name).write_text(source, encoding="utf-8")
    ours, theirs = socket.socketpair()
    results_read, results_write = os.pipe()
    student = SlowStudent(ours, answer_seconds)
    spec = job.JobSpec(
        channels=job.Channels(student=theirs.fileno(), results=results_write),
        limits=job.CheckLimits(notebook_seconds=30, request_seconds=request_seconds,
                               checks_seconds=checks_seconds, reply_bytes=1 << 20),
        assignment_root=str(folder.parent.parent), checks=(str(folder),), hidden=(), required=("add",),
        language="en", cells=(1,))
    job_file = job.write(spec, tmp_path / "job.json")
    argv = [sys.executable, "-I", "-m", "autograder.check_side.check_process", str(job_file)]
    with ours, theirs:
        process = subprocess.Popen(argv, pass_fds=[theirs.fileno(), results_write], stdout=subprocess.DEVNULL)
        os.close(results_write)
        with os.fdopen(results_read, "rb") as pipe:
            document = codec.CHECK_RUN.loads(pipe.read())  # as the grader reads it
        process.wait(timeout=60)
    return document, student


@pytest.mark.slow
def test_once_the_budget_is_spent_the_running_check_is_stopped_and_the_rest_fail_at_once(tmp_path: Path) -> None:
    # Every answer takes 2 s (under the 3 s request limit); the budget of 5 s ends during the third check.
    files = {"test_a.py": SLOW_CHECKS, "test_b.py": MORE_CHECKS}
    document, student = run_checks(tmp_path, files, answer_seconds=2, checks_seconds=5, request_seconds=3)

    checks = {c.name: (c.outcome, c.message) for c in document.checks}
    assert checks["first"] == ("passed", "")
    assert checks["second"] == ("passed", "")
    outcome, message = checks["third_expects_an_error"]
    assert outcome == "failed"
    assert message.startswith("This check was stopped: the checks ran out of their 5 s budget because your "
                              "notebook answered slowly.")
    assert "each call should take well under 3 s" in message
    outcome, message = checks["fourth"]
    assert outcome == "failed" and message.startswith("This check did not run: the checks ran out of their 5 s")
    assert len(student.requests) == 3  # the fourth check asked nothing; neither did the required-names pass
    assert document.execution.missing_names == ()
    assert document.execution.status == "completed"
    assert document.collection_errors == ()


def test_a_request_never_waits_past_the_budget() -> None:
    budget = Budget(0.2, request_seconds=30)
    ours, theirs = socket.socketpair()
    with theirs, BudgetedSocket(fileno=ours.detach()) as channel:
        channel.budget = budget
        budget.start()
        protocol.send_message(channel, {"op": "get", "name": "x"})  # never answered

        with pytest.raises(protocol.ChannelTimeout):
            protocol.recv_message(channel, max_bytes=1 << 20, deadline=time.monotonic() + 30)

        assert channel.gettimeout() <= 0.2


def test_before_the_checks_start_the_budget_leaves_timeouts_alone() -> None:
    ours, theirs = socket.socketpair()
    with theirs, BudgetedSocket(fileno=ours.detach()) as channel:
        channel.budget = Budget(0.2, request_seconds=30)
        channel.settimeout(7.0)

        assert channel.gettimeout() == 7.0


PROPERTY_CHECKS = '''
import pytest
from hypothesis import given
from hypothesis import strategies as st
from autograder.checks import CheckFailure, property_check


@pytest.mark.question("q1", points=1)
def test_hypothesis_plugin_is_loaded(request):
    assert request.config.pluginmanager.has_plugin("_hypothesis_pytestplugin")
    assert not request.config.pluginmanager.has_plugin("platformdirs")  # installed, but not looked up


@pytest.mark.question("q1", points=1)
@property_check(max_examples=5)
@given(x=st.integers(3, 9))
def test_property(student, x):
    if student.call("add", x, 1) > 3:
        raise CheckFailure(f"add({x}, 1) is too large")
'''


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_property_checks_run_with_hypothesis_plugin_and_keep_their_message(tmp_path: Path) -> None:
    # Entry points are not read: the Hypothesis plugin is given explicitly; a failing property check's
    # message is its own, with no falsifying-example report added.
    document, _ = run_checks(tmp_path, {"test_p.py": PROPERTY_CHECKS}, answer_seconds=0, checks_seconds=30,
                             request_seconds=10)

    checks = {c.name: (c.outcome, c.message) for c in document.checks}
    assert checks["hypothesis_plugin_is_loaded"] == ("passed", "")
    assert checks["property"] == ("failed", "add(3, 1) is too large")
    assert document.collection_errors == ()
