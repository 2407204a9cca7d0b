"""Freezing a job: stop every process and thread it started, until thawed (see :meth:`seam.Running.freeze`).

The cgroup freezer (v1 ``freezer`` group per job, v2 ``cgroup.freeze``) where the job has a group with
one, else SIGSTOP to every process of the job, found in /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

FREEZE_SECONDS = 5.0
"""How long :meth:`Running.freeze` waits for the kernel to confirm (it takes milliseconds)."""


class Freezer(Protocol):
    def freeze(self) -> str: ...

    def thaw(self) -> None: ...


@dataclass(frozen=True)
class CgroupFreezer:
    """The kernel's cgroup freezer (v1 ``freezer.state``, v2 ``cgroup.freeze``): every task of the
    group stops wherever it is, threads and new children included, and nothing in the job can
    wake it."""

    group: Path
    v1: bool

    def freeze(self) -> str:
        how = "cgroup v1 freezer" if self.v1 else "cgroup.freeze"
        self._write(frozen=True)
        if until(self._frozen, FREEZE_SECONDS):
            return how
        return f"{how} (the kernel did not confirm it within {FREEZE_SECONDS:g} s)"

    def thaw(self) -> None:
        with contextlib.suppress(FileNotFoundError):  # the job is stopped and its group gone
            self._write(frozen=False)

    def _write(self, *, frozen: bool) -> None:
        if self.v1:
            (self.group / "freezer.state").write_text("FROZEN" if frozen else "THAWED")
        else:
            (self.group / "cgroup.freeze").write_text("1" if frozen else "0")

    def _frozen(self) -> bool:
        if self.v1:
            return read_lines(self.group / "freezer.state") == ["FROZEN"]
        return "frozen 1" in read_lines(self.group / "cgroup.events")


def cgroup_freezer(group: Path) -> CgroupFreezer | None:
    if (group / "freezer.state").exists():
        return CgroupFreezer(group, v1=True)
    if (group / "cgroup.freeze").exists():
        return CgroupFreezer(group, v1=False)
    return None


@dataclass(frozen=True)
class Stopper:
    """Where no cgroup freezer can be had: SIGSTOP every process ``members()`` finds, until two
    scans in a row find every thread stopped (a process may start another, or continue a stopped
    one, between our signals). Weaker than a freezer: processes that keep continuing each other
    can race it (the description says so when it gives up after :data:`FREEZE_SECONDS`)."""

    members: Callable[[], list[int]]
    how: str

    def freeze(self) -> str:
        deadline = time.monotonic() + FREEZE_SECONDS
        quiet_scans = 0
        while quiet_scans < 2:
            running = [pid for pid in self.members() if not all_stopped(pid)]
            signal_all(running, signal.SIGSTOP)
            quiet_scans = 0 if running else quiet_scans + 1
            if time.monotonic() > deadline:
                return f"{self.how} (some still running after {FREEZE_SECONDS:g} s)"
            time.sleep(0.01 if running else 0.0)
        return self.how

    def thaw(self) -> None:
        signal_all(self.members(), signal.SIGCONT)


def until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def signal_all(pids: Sequence[int], number: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, number)


def all_stopped(pid: int) -> bool:
    """Whether every thread of ``pid`` is stopped, or gone."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    return all(proc_stat(f"/proc/{pid}/task/{task}/stat")[:1] in ([], ["T"], ["t"], ["Z"], ["X"]) for task in tasks)


def proc_stat(path: str) -> list[str]:
    """The fields of a /proc stat file after the command name (state first), or [] if it is gone."""
    try:
        with open(path) as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []



def read_lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []

