"""Workers forked from the fork server get the same sandbox as processes started afresh.

A probe notebook reports, from inside the student's process, what it can see and do; it is
graded once through each route (forked from the server, and a fresh interpreter per process)
against the tiny assignment, and the two reports must agree wherever a sandbox is defined.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from autograder.core import assignment
from autograder.grading.execution import PROGRAMS, ProcessExecutor
from autograder.grading.pipeline import Graded, grade
from autograder.sandbox import bubblewrap, bubblewrap_command, cgroups
from autograder.sandbox import launcher as sandbox
from autograder.sandbox.forkserver import NAMESPACES, SETUP_FAILED, ForkServer, ForkServerError, Request
from tests.sandbox import leftover_cgroups, leftover_processes, settled

FORKED = sandbox.detect(fork=True)
if not FORKED.isolated:
    pytest.skip(f"the fork server runs only inside the sandbox, which is off: {FORKED.description}",
                allow_module_level=True)
FRESH = sandbox.detect(fork=False)
TINY = assignment.load(Path(__file__).resolve().parent.parent / "fixtures" / "tiny")

PROBE = r'''
import json, os, socket
def status(key):
    return next(line.split(":", 1)[1].strip() for line in open("/proc/self/status") if line.startswith(key + ":"))
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    network = "reached"
except OSError as exc:
    network = type(exc).__name__
facts = {
    "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
    "caps": [status(k) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")],
    "no_new_privs": status("NoNewPrivs"), "seccomp": status("Seccomp"), "root": sorted(os.listdir("/")),
    "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
    "interfaces": sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else "none",
    "network": network, "cwd": os.getcwd(), "env": sorted(os.environ), "hostname": socket.gethostname(),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "cgroup": [line.split(":", 2)[2] for line in open("/proc/self/cgroup")],
    "session_leader": os.getsid(0) == os.getpid(),
    "writable_tmp": os.access("/tmp", os.W_OK), "can_read_host_root": os.path.exists("/root/.bashrc"),
}
print("FACTS " + json.dumps(facts))

def add(a, b):
    return a + b

def mean_of(values):
    return sum(values) / len(values)
'''


SHELL_PROBE = r'''
shell = !id -u; grep -E '^(Seccomp|NoNewPrivs|CapEff|CapBnd):' /proc/self/status
print("SHELL " + json.dumps(list(shell)))
'''
"""A ``!`` command in a cell: /bin/sh, started from the locked-down student process."""


def probe_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["tfgrade"] = {"assignment": TINY.name}
    nb.cells = [nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell(SHELL_PROBE)]
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def facts_of(graded: Graded, kind: str = "FACTS") -> dict | list:
    assert graded.result.execution is not None, graded.result.message
    lines = [line for line in graded.result.execution.output.splitlines() if line.startswith(f"{kind} ")]
    assert lines, graded.result.execution.output
    return json.loads(lines[-1].removeprefix(f"{kind} "))


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Graded]:
    path = probe_notebook(tmp_path_factory.mktemp("probe"))
    return {name: grade(path, TINY, ProcessExecutor(launcher)) for name, launcher in
            (("forked", FORKED), ("fresh", FRESH))}


def test_a_forked_worker_grades_like_a_fresh_process(both: dict[str, Graded]) -> None:
    forked, fresh = both["forked"], both["fresh"]
    assert forked.score.earned == fresh.score.earned == forked.score.points == 3
    assert [c.outcome for c in forked.result.checks] == [c.outcome for c in fresh.result.checks]


def test_a_forked_worker_has_no_privilege_left(both: dict[str, Graded]) -> None:
    facts = facts_of(both["forked"])
    assert facts["uid"] == facts["euid"] == facts["gid"] and facts["uid"] in range(bubblewrap_command.UID_BASE, 61200)
    assert facts["groups"] == []
    assert facts["caps"] == ["0000000000000000"] * 5
    assert facts["no_new_privs"] == "1"
    assert facts["seccomp"] == "2"  # a filter is in force
    assert facts["session_leader"]  # its own session: no terminal, no signals from the grader's
    assert not facts["can_read_host_root"]


def test_a_forked_worker_sees_what_a_fresh_process_sees(both: dict[str, Graded]) -> None:
    forked, fresh = facts_of(both["forked"]), facts_of(both["fresh"])
    same = ("root", "interfaces", "network", "cwd", "env", "hostname", "writable_tmp",
            "fds", "groups", "caps", "no_new_privs", "seccomp")
    assert {k: forked[k] for k in same} == {k: fresh[k] for k in same}
    assert forked["network"] != "reached"
    # Its own PID namespace: a handful of processes, none of the host's.
    assert len(forked["processes"]) <= 4, forked["processes"]
    assert all(path.startswith(f"/{cgroups.CGROUP_PARENT}/") or path.strip() == "/" for path in forked["cgroup"])


def test_a_shell_command_of_a_cell_is_as_locked_down_as_the_cell(both: dict[str, Graded]) -> None:
    forked, fresh = facts_of(both["forked"], "SHELL"), facts_of(both["fresh"], "SHELL")
    # Each its job's uid: that of the slot it took, which other graders on this machine may shift.
    assert forked[1:] == fresh[1:]
    uid, *status = forked
    uids = range(bubblewrap_command.UID_BASE, 61200)
    assert int(uid) != 0 and int(uid) in uids and int(fresh[0]) in uids
    assert {line.split(":")[0]: line.split(":")[1].strip() for line in status} == {
        "NoNewPrivs": "1", "Seccomp": "2", "CapEff": "0000000000000000", "CapBnd": "0000000000000000"}


def test_forked_jobs_leave_nothing_behind(both: dict[str, Graded]) -> None:
    assert settled(leftover_processes) == []
    assert settled(leftover_cgroups) == []


def test_the_server_runs_only_the_graders_own_programs() -> None:
    server = sandbox.shared_fork_server(PROGRAMS)
    request = Request(module="os", argv=[], fd_numbers=[], cgroup_procs=[], uid=61999, cwd="/", env={}, rlimits=None)
    with open("/dev/null", "wb") as sink:
        with pytest.raises(ForkServerError, match="not served"):
            server.spawn(request, sink.fileno(), sink.fileno(), [sink.fileno()] * len(NAMESPACES), [])


def test_a_dead_server_is_replaced_on_the_next_job(tmp_path: Path) -> None:
    server = ForkServer(PROGRAMS)
    launcher = sandbox.Bubblewrap(FORKED.cgroup_version, fork_server=server)  # type: ignore[union-attr]
    path = probe_notebook(tmp_path)
    try:
        first = grade(path, TINY, ProcessExecutor(launcher))
        assert server._process is not None
        server._process.kill()
        second = grade(path, TINY, ProcessExecutor(launcher))
    finally:
        server.close()
    assert first.score.earned == second.score.earned == 3


def test_a_worker_never_joins_the_hosts_namespaces() -> None:
    """As if the grader had handed over the host's namespaces instead of a sandbox's."""
    server = sandbox.shared_fork_server(PROGRAMS)
    request = Request(module="autograder.student_side.student_process", argv=["--help"], fd_numbers=[], cgroup_procs=[],
                      uid=61999, cwd="/", env={}, rlimits=None)
    namespaces = [os.open(f"/proc/self/ns/{name}", os.O_RDONLY) for name in NAMESPACES]
    output_read, output_write = os.pipe()
    status_read, status_write = os.pipe()
    try:
        server.spawn(request, output_write, status_write, namespaces, [])
    finally:
        for fd in (*namespaces, output_write, status_write):
            os.close(fd)
    with os.fdopen(status_read, "rb") as status, os.fdopen(output_read, "rb") as output:
        report = json.loads(status.read())
        said = output.read().decode()
    assert report["returncode"] == SETUP_FAILED and not report["locked_down"]
    assert "sandbox is gone" in report["error"] and "sandbox is gone" in said
    assert "usage:" not in said  # the module never ran


def test_a_lock_down_that_fails_is_the_graders_error_not_the_students() -> None:
    """Here the working folder is missing from the sandbox, so the worker cannot enter it."""
    slot, number = bubblewrap_command.take_slot()
    resources = sandbox.Resources(memory_bytes=1 << 30, processes=64, tmp_bytes=1 << 24)
    # In cgroups named after this process, as every job's are (other runs' checks for leftover
    # sandbox processes would otherwise count this one).
    groups = cgroups.make_cgroups(FORKED.cgroup_version, sandbox.job_name(number, "holder"), resources)  # type: ignore[union-attr]
    holder = bubblewrap.start_holder(bubblewrap_command.bwrap_args([], "/tmp/work", {}, resources),
                                   bubblewrap_command.UID_BASE + 2 * bubblewrap_command.SLOTS + number, groups, slot)
    request = Request(module="autograder.student_side.student_process", argv=["--help"], fd_numbers=[], cgroup_procs=[],
                      uid=bubblewrap_command.UID_BASE + 2 * number, cwd="/no/such/folder", env={}, rlimits=None)
    worker = bubblewrap.Forked.spawn(sandbox.shared_fork_server(PROGRAMS), request, holder, [])
    said = worker.stdout.read().decode()
    facts = worker.stop()
    assert worker.returncode == SETUP_FAILED
    assert "could not lock down" in said and "/no/such/folder" in said
    assert facts.setup_error
