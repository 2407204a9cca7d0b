"""Tests of the OS-level sandbox: focused ones (test_sandbox.py) and the attack corpus (test_attacks.py).

The helpers below look for what a sandboxed job may leave behind. Other gradings can run on the
same machine at the same time (other developers, CI) with the same uid range, so they only count
what belongs to *this* test process: the sandbox names each job's cgroups after the grader's pid.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from autograder.sandbox import bubblewrap_command, cgroups

SANDBOX_UIDS = range(bubblewrap_command.UID_BASE, bubblewrap_command.UID_BASE + 201)
"""Every uid the sandbox may hand out (61000-61200)."""


def job_prefix() -> str:
    """How the cgroups of jobs started by this process begin (see ``sandbox.job_name``)."""
    return f"{os.getpid()}-"


def cgroup_parents() -> list[Path]:
    root, parent = cgroups.CGROUP_ROOT, cgroups.CGROUP_PARENT
    return [root / parent, *(root / controller / parent for controller in cgroups.V1_CONTROLLERS)]


def leftover_cgroups() -> list[str]:
    """This process's job cgroups that still exist."""
    return sorted(
        str(group)
        for parent in cgroup_parents()
        if parent.is_dir()
        for group in parent.iterdir()
        if group.is_dir() and group.name.startswith(job_prefix())
    )


def leftover_processes() -> list[str]:
    """Live processes with a sandbox uid that belong to this process's jobs, or to no job cgroup.

    A sandboxed process is inside its job's cgroups before it drops to a sandbox uid, so one
    outside every tfgrade cgroup escaped or outlived its job. Zombies are dead already.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        status = _read(entry / "status")
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = fields.get("Uid", "").split()
        if not uid or int(uid[0]) not in SANDBOX_UIDS or fields.get("State", "").strip().startswith(("Z", "X")):
            continue
        cgroup = _read(entry / "cgroup")
        if not cgroup:  # it ended while we looked
            continue
        paths = [line.split(":", 2)[2] for line in cgroup.splitlines() if line.count(":") >= 2]
        jobs = [p for p in paths if p.startswith(f"/{cgroups.CGROUP_PARENT}/")]
        if not jobs or any(p.startswith(f"/{cgroups.CGROUP_PARENT}/{job_prefix()}") for p in jobs):
            found.append(f"pid {entry.name} uid {uid[0]} {fields.get('Name', '').strip()} in {jobs or 'no job cgroup'}")
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process ended while we looked
        return ""


def settled(look: Callable[[], list[str]], seconds: float = 3.0) -> list[str]:
    """What ``look()`` still finds after a short grace period (killed processes take a moment to go)."""
    deadline = time.monotonic() + seconds
    while (found := look()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found
