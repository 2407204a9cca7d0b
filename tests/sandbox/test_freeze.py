"""Freezing a running job (``Running.freeze``/``thaw``), on every route a job can take.

A student's cell starts three busy processes, two of them in new sessions (one a daemon whose
parent is gone). While the job is frozen none of them gets CPU time; once thawed each gets some
again; ``stop()`` on a frozen job leaves no process and no cgroup. Routes: a sandbox started by
exec and a worker forked from the fork server, each with the cgroup freezer, with cgroups but no
freezer (SIGSTOP), and without cgroups (SIGSTOP across the sandbox's PID namespace); and no
sandbox at all (SIGSTOP to the process group, so there the busy processes stay in it).
"""

from __future__ import annotations

import json
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.grading.execution import PROGRAMS, STUDENT_CELLS, STUDENT_PROGRAM
from autograder.sandbox import bubblewrap, processes
from autograder.sandbox import launcher as sandbox
from tests.sandbox import leftover_cgroups, settled

DETECTED = sandbox.detect(fork=False)
RESOURCES = sandbox.Resources(memory_bytes=1 << 30, processes=64, tmp_bytes=16 << 20)
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
FROZEN_FOR = 0.5
"""How long frozen processes are watched for CPU time they should not get."""

BUSY = r"""
import ctypes, os
libc = ctypes.CDLL(None)
started_read, started = os.pipe()
def spin(new_session, daemon):
    if os.fork():
        return
    if new_session:
        os.setsid()
    if daemon and os.fork():
        os._exit(0)  # the busy one is reparented: nothing but its cgroups and namespace say whose it is
    libc.prctl(15, MARK.encode(), 0, 0, 0)  # PR_SET_NAME: how the test finds them from the host
    os.write(started, b"x")
    while True:
        pass
for new_session, daemon in ((False, False), (SESSIONS, False), (SESSIONS, SESSIONS)):
    spin(new_session, daemon)
for _ in range(3):
    os.read(started_read, 1)
print("BUSY-STARTED", flush=True)
# The processes a cell starts end with the cell, so the cell stays on while the test freezes the job
# (as a check's call would, when it starts processes that are still running during a timing).
import time
time.sleep(600)
"""


@dataclass(frozen=True)
class Route:
    launcher: sandbox.Launcher
    how: str
    """What freeze() says."""
    sessions: bool = True
    """Whether the busy processes may leave the session (without a sandbox, they would escape)."""
    freezer: bool = True
    """Whether the cgroup freezer may be used."""


NAMESPACE_STOP = "SIGSTOP to every process in the sandbox's PID namespace"


def _routes() -> dict[str, Route]:
    if not isinstance(DETECTED, sandbox.Bubblewrap):
        return {"unisolated": Route(sandbox.Unisolated("test"), "SIGSTOP to the process group", sessions=False)}
    version = DETECTED.cgroup_version
    server = sandbox.shared_fork_server(PROGRAMS)
    exec_route, forked = sandbox.Bubblewrap(version), sandbox.Bubblewrap(version, fork_server=server)
    routes = {
        "unisolated": Route(sandbox.Unisolated("test"), "SIGSTOP to the process group", sessions=False),
        "exec-no-cgroups": Route(sandbox.Bubblewrap("rlimit"), NAMESPACE_STOP),
        "forked-no-cgroups": Route(sandbox.Bubblewrap("rlimit", fork_server=server), NAMESPACE_STOP),
    }
    if version != "rlimit":
        freezer = "cgroup v1 freezer" if version == "v1" else "cgroup.freeze"
        cgroup_stop = "SIGSTOP to every process in the job's cgroups"
        routes |= {
            "exec": Route(exec_route, freezer), "forked": Route(forked, freezer),
            "exec-no-freezer": Route(exec_route, cgroup_stop, freezer=False),
            "forked-no-freezer": Route(forked, cgroup_stop, freezer=False),
        }
    return routes


ROUTES = _routes()


@pytest.fixture
def busy_job(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """(route, running job, marker of its busy processes); the job is stopped by the test."""
    route = ROUTES[request.param]
    if not route.freezer:
        monkeypatch.setattr(bubblewrap, "cgroup_freezer", lambda group: None)
    mark = f"fz{secrets.token_hex(5)}"
    cells = tmp_path / "cells.json"
    source = f"MARK, SESSIONS = {mark!r}, {route.sessions}\n{BUSY}"
    cells.write_text(json.dumps({"cells": [{"cell": 1, "source": source}]}))
    ours, theirs = socket.socketpair()
    with ours, theirs:
        job = route.launcher.start(
            sandbox.Program(STUDENT_PROGRAM, ("--fd", str(theirs.fileno()), "--cells", STUDENT_CELLS,
                                              "--seed", "0", "--cell-seconds", "120")),
            role="student", pass_fds=[theirs.fileno()], binds=[sandbox.Bind(cells, STUDENT_CELLS)],
            cwd="/tmp/work", host_cwd=tmp_path, env=ENV, resources=RESOURCES,
        )
        try:
            yield route, job, mark
        finally:
            job.stop()


def busy_pids(mark: str, count: int = 3, seconds: float = 120.0) -> list[int]:
    """The host pids of the job's busy processes, once all ``count`` are running."""
    deadline = time.monotonic() + seconds
    while len(found := _named(mark)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(found) == count, found
    return found


def _named(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == mark:
                found.append(int(entry.name))
        except OSError:
            continue
    return sorted(found)


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """utime + stime of each process (its threads included), in clock ticks."""
    ticks = {}
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def each_advances(pids: list[int], seconds: float = 60.0) -> bool:
    """Whether every process gets more CPU time within ``seconds`` (a bound, not a measurement)."""
    start = cpu_ticks(pids)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = cpu_ticks(pids)
        if all(now[pid] > start[pid] for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("busy_job", list(ROUTES), indirect=True)
def test_a_frozen_job_gets_no_cpu_until_thawed_and_stops_while_frozen(busy_job):
    route, job, mark = busy_job
    pids = busy_pids(mark)
    assert each_advances(pids)
    assert job.freeze() == route.how
    before = cpu_ticks(pids)
    time.sleep(FROZEN_FOR)
    assert cpu_ticks(pids) == before
    assert job.freeze() == route.how  # again: harmless
    job.thaw()
    assert each_advances(pids)
    with sandbox.frozen(job) as how:
        assert how == route.how
        before = cpu_ticks(pids)
        time.sleep(FROZEN_FOR)
        assert cpu_ticks(pids) == before
    assert each_advances(pids)
    job.freeze()
    groups = list(getattr(getattr(job, "holder", job), "cgroups", []))
    job.stop()
    assert settled(lambda: _named(mark)) == []
    assert not any(group.exists() for group in groups)
    assert settled(leftover_cgroups) == []
    assert "stopped" in job.freeze()  # after stop: nothing to do, and no error
    job.thaw()
    assert not any(group.exists() for group in groups)


@pytest.mark.skipif(DETECTED.isolated is False or DETECTED.cgroup_version != "v1",  # type: ignore[union-attr]
                    reason="needs the v1 freezer hierarchy")
@pytest.mark.parametrize("busy_job", ["exec"], indirect=True)
def test_the_v1_freezer_group_is_joined_and_frozen_for_real(busy_job):
    _, job, mark = busy_job
    pids = busy_pids(mark)
    group = next(g for g in job.cgroups if g.parent.parent.name == "freezer")
    assert set(pids) <= set(processes.read_ints(group / "cgroup.procs"))
    job.freeze()
    assert (group / "freezer.state").read_text().strip() == "FROZEN"
    job.thaw()
    assert (group / "freezer.state").read_text().strip() == "THAWED"

