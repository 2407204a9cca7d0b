"""The fork server runs only the programs its executor handed it (issue 20, item 2): the sandbox names none.

Pure tests: a request is answered in this process (a refused one is never forked), and the sandbox's
source is read, not run.
"""

from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from autograder.grading.execution import PROGRAMS, ProcessExecutor
from autograder.sandbox import fork_worker, forkserver
from autograder.sandbox import launcher as sandbox
from autograder.sandbox.fork_request import Programs, Request

SANDBOX = Path(sandbox.__file__).parent
STUDENT_ONLY = Programs(modules=("autograder.student_side.student_process",))


def answered(programs: Programs, module: str) -> dict[str, object]:
    """The server's reply to a request for ``module``, with no descriptors attached."""
    request = Request(module=module, argv=[], fd_numbers=[], cgroup_procs=[], uid=61999, cwd="/", env={},
                      rlimits=None)
    grader, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with grader, server:
        grader.send(json.dumps(asdict(request)).encode())
        assert fork_worker.answer(server, [server], programs)
        return dict(json.loads(grader.recv(4096)))


@pytest.mark.parametrize("module", ["autograder.check_side.check_process", "os", "autograder.sandbox.forkserver"])
def test_a_program_not_on_the_list_is_refused(module: str) -> None:
    reply = answered(STUDENT_ONLY, module)
    assert reply["ok"] is False and f"module {module!r} is not served" in str(reply["error"])


def test_a_program_on_the_list_gets_past_the_allowlist() -> None:
    """Refused only for what it lacks (its descriptors), so the list above is what refused the others."""
    reply = answered(STUDENT_ONLY, "autograder.student_side.student_process")
    assert reply["ok"] is False and "descriptors attached" in str(reply["error"])


def test_the_programs_travel_to_the_server_and_back() -> None:
    assert Programs.from_json(PROGRAMS.to_json()) == PROGRAMS
    assert Programs.from_json(STUDENT_ONLY.to_json()) == STUDENT_ONLY


def test_the_server_is_told_its_programs_on_stdin_not_where_a_worker_could_read_them() -> None:
    """A worker's /proc/self/environ and cmdline are the server's: they must not list the other programs."""
    server = subprocess.Popen([sys.executable, "-I", "-c", PROBE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env=forkserver.server_env())
    forkserver.hand_over(server, PROGRAMS)
    assert server.stdout is not None
    out = server.stdout.read()
    assert server.wait(60) == 0
    assert json.loads(out) == {"programs": PROGRAMS.to_json(), "stdin_after": ""}
    assert "check_process" not in json.dumps([forkserver.server_env(), server.args])


PROBE = """
import json, sys
from autograder.sandbox import forkserver
programs = forkserver.programs_from_stdin()
print(json.dumps({"programs": programs.to_json(), "stdin_after": sys.stdin.read()}))
"""


def test_servers_given_other_programs_are_other_servers() -> None:
    """One shared server per list: and so a warm server's key differs too (its environment holds the list)."""
    assert sandbox.shared_fork_server(PROGRAMS) is sandbox.shared_fork_server(PROGRAMS)
    assert sandbox.shared_fork_server(STUDENT_ONLY) is not sandbox.shared_fork_server(PROGRAMS)
    assert forkserver.warm_key(STUDENT_ONLY) != forkserver.warm_key(PROGRAMS)
    assert sandbox.shared_fork_server(STUDENT_ONLY).serves("autograder.student_side.student_process")
    assert not sandbox.shared_fork_server(STUDENT_ONLY).serves("autograder.check_side.check_process")


def test_the_executor_hands_its_programs_to_the_launcher() -> None:
    asked = sandbox.Bubblewrap("rlimit", forks=True)
    executor = ProcessExecutor(asked)
    assert isinstance(executor.launcher, sandbox.Bubblewrap) and executor.launcher.fork_server is not None
    assert executor.launcher.fork_server.programs == PROGRAMS
    assert asked.fork_server is None  # a launcher knows no programs until an executor names them
    exec_only = sandbox.Bubblewrap("rlimit")
    assert ProcessExecutor(exec_only).launcher is exec_only  # no fork server asked for: every program exec'd
    unisolated = sandbox.Unisolated("a test")
    assert ProcessExecutor(unisolated).launcher is unisolated


def test_the_sandbox_names_no_module_of_a_higher_floor() -> None:
    """No string in ``autograder/sandbox/`` names a module of the grader's outside the sandbox and below it."""
    named = []
    for path in sorted(SANDBOX.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words = node.value.replace("`", " ").replace("~", " ").split()
                named += [(path.name, w) for w in words if w.startswith("autograder.") and not _own_floor(w)]
    assert named == []


def _own_floor(name: str) -> bool:
    below = ("autograder.sandbox", "autograder.clock", "autograder.errors", "autograder.i18n", "autograder.profiling")
    return name.rstrip(".,:;)'\"").startswith(below)
