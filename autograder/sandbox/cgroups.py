"""A job's cgroups: made with its limits, read for what the kernel counted, emptied and removed, and the
orphans of graders that died swept away. Which cgroup version this machine offers (:func:`version`)."""

from __future__ import annotations

import contextlib
import functools
import os
import time
from pathlib import Path
from typing import Literal

from autograder.sandbox.freezer import cgroup_freezer, read_lines
from autograder.sandbox.processes import kill_all, read_ints
from autograder.sandbox.seam import Resources

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "tfgrade"

def make_cgroups(version: str, job: str, resources: Resources) -> list[Path]:
    _sweep_orphans(version)
    if version == "v2":
        parent = CGROUP_ROOT / CGROUP_PARENT
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text("+memory +pids")
        _share_cpu_v2(parent)
        group = parent / job
        group.mkdir()
        (group / "memory.max").write_text(str(resources.memory_bytes))
        if (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")
        (group / "pids.max").write_text(str(resources.processes))
        return [group]
    if version == "v1":
        memory = CGROUP_ROOT / "memory" / CGROUP_PARENT / job
        pids = CGROUP_ROOT / "pids" / CGROUP_PARENT / job
        memory.mkdir(parents=True)
        pids.mkdir(parents=True)
        (memory / "memory.limit_in_bytes").write_text(str(resources.memory_bytes))
        if (memory / "memory.memsw.limit_in_bytes").exists():  # swap counts too, as in v2
            (memory / "memory.memsw.limit_in_bytes").write_text(str(resources.memory_bytes))
        (pids / "pids.max").write_text(str(resources.processes))
        groups = [memory, pids]
        cpu = CGROUP_ROOT / "cpu" / CGROUP_PARENT / job
        if (CGROUP_ROOT / "cpu" / "cpu.shares").exists():  # the controller is mounted there
            with contextlib.suppress(OSError):  # optional: see _share_cpu_v2
                cpu.mkdir(parents=True)
                groups.append(cpu)
        return groups + _freezer_group_v1(job) + _clock_groups_v1(job, groups)
    return []


def _clock_groups_v1(job: str, made: list[Path]) -> list[Path]:
    """Groups that only count, for :meth:`Running.usage`: v1 ``cpuacct`` (CPU time of the job's
    processes, ended ones included) where no group made already counts it, and, on a hybrid
    machine, a group in the v2 hierarchy (``unified``), whose ``cpu.pressure`` says how long the
    job waited for a CPU. Optional: without them the clock reads /proc instead."""
    wanted = []
    if not any((g / "cpuacct.usage").exists() for g in made) and (CGROUP_ROOT / "cpuacct" / "cpuacct.usage").exists():
        wanted.append(CGROUP_ROOT / "cpuacct" / CGROUP_PARENT / job)
    if (CGROUP_ROOT / "unified" / "cgroup.controllers").exists():
        wanted.append(CGROUP_ROOT / "unified" / CGROUP_PARENT / job)
    groups = []
    for group in wanted:
        with contextlib.suppress(OSError):
            group.mkdir(parents=True)
            groups.append(group)
    return groups


def _freezer_group_v1(job: str) -> list[Path]:
    """The job's group in the v1 freezer hierarchy, for :meth:`Running.freeze`.

    Optional: without it a job still runs, and is frozen with SIGSTOP instead.
    """
    root = CGROUP_ROOT / "freezer"
    if not (root / "cgroup.procs").exists():  # no cgroup hierarchy mounted there
        return []
    group = root / CGROUP_PARENT / job
    try:
        group.mkdir(parents=True)
    except OSError:
        return []
    if not (group / "freezer.state").exists():  # a hierarchy without the freezer controller
        remove_cgroup(group)
        return []
    return [group]


def _share_cpu_v2(parent: Path) -> None:
    """Give each job a cpu group of its own, where the kernel allows it.

    A job in its own cpu group is one unit of CPU sharing, however many processes or sessions
    the student starts, so one student's busy processes cannot slow another's grading (the
    kernel's per-session autogroups give this only until the student calls setsid). Optional:
    without it, jobs still run and are still limited.
    """
    for folder in (CGROUP_ROOT, parent):
        try:
            (folder / "cgroup.subtree_control").write_text("+cpu")
        except OSError:
            return


V1_CONTROLLERS = ("freezer", "memory", "pids", "cpu", "cpuacct", "unified")
"""The v1 hierarchies a job may have a group in; the freezer first, so a frozen orphan is thawed
(and so dies) before its other groups are emptied."""


def _sweep_orphans(version: str) -> None:
    """End what graders that died without cleaning up (killed with SIGKILL) left in their cgroups.

    A job's sandbox normally dies with its grader (bubblewrap's --die-with-parent), but a grader
    killed while bubblewrap was still building the sandbox can leave the sandbox's init waiting
    for ever for a set-up step its dead parent never finishes (seen here: one kill in three). The
    group names who made it, so whatever is still in a dead grader's group is an orphan of ours:
    kill it, then remove the group. Every job looks, so a group that was still emptying is
    removed by a later one.
    """
    parents = {"v2": [CGROUP_ROOT / CGROUP_PARENT],
               "v1": [CGROUP_ROOT / controller / CGROUP_PARENT for controller in V1_CONTROLLERS]}
    for parent in parents.get(version, []):
        for group in parent.glob("*-*") if parent.is_dir() else []:
            if orphaned(group.name):
                empty_cgroup(group, seconds=2.0)
                try:
                    group.rmdir()
                except OSError:
                    pass


def job_name(slot: int, role: str) -> str:
    """``<grader pid>-<slot>-<role>-<ns clock>-<grader's pid namespace>``: whose job, and unique."""
    return f"{os.getpid()}-{slot}-{role}-{time.monotonic_ns()}-{_pid_namespace()}"


def orphaned(name: str) -> bool:
    """Whether a job's cgroup was made by a grader that is gone.

    Only graders in our own PID namespace are judged (a pid means nothing across namespaces);
    names without one come from older versions of tfgrade on this machine.
    """
    owner, *rest = name.split("-")
    if not owner.isdigit() or (len(rest) >= 4 and rest[3] != str(_pid_namespace())):
        return False
    return not _alive(int(owner))


@functools.cache
def _pid_namespace() -> int:
    return os.stat("/proc/self/ns/pid").st_ino


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def join_cgroups(groups: list[Path]) -> list[str]:
    """A shell that moves itself into the cgroups, then execs the rest: children inherit them."""
    if not groups:
        return []
    moves = " && ".join(f'echo $$ > "${i + 1}"' for i in range(len(groups)))
    procs = [str(g / "cgroup.procs") for g in groups]
    return ["sh", "-c", f'{moves} && shift {len(groups)} && exec "$@"', "sh", *procs]


def empty_cgroup(group: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = read_ints(group / "cgroup.procs")
        if not pids:
            return
        kill_all(pids)
        # Killed first, then thawed: a frozen v1 task dies only once thawed (a frozen group is left
        # by a grader killed mid-timing, or a stop that raced a fork), and never runs code again.
        if (freezer := cgroup_freezer(group)) is not None:
            freezer.thaw()
        time.sleep(0.05)


def remove_cgroup(group: Path) -> None:
    for _ in range(50):
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.05)


def oom_kills(group: Path) -> int:
    for name in ("memory.events", "memory.oom_control"):
        for line in read_lines(group / name):
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
    return 0


def pids_hits(group: Path) -> int:
    for line in read_lines(group / "pids.events"):
        key, _, value = line.partition(" ")
        if key == "max" and value.strip().isdigit():
            return int(value)
    return 0


def cgroup_version() -> Literal["v2", "v1", "rlimit"]:
    controllers = read_lines(CGROUP_ROOT / "cgroup.controllers")
    if controllers and {"memory", "pids"} <= set(controllers[0].split()) and _writable(CGROUP_ROOT):
        subtree = CGROUP_ROOT / "cgroup.subtree_control"
        try:
            subtree.write_text("+memory +pids")
            return "v2"
        except OSError:
            pass
    if _writable(CGROUP_ROOT / "memory") and _writable(CGROUP_ROOT / "pids"):
        return "v1"
    return "rlimit"


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)
