"""The processes of a job: the base of every job Popen started, and what /proc says of processes."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from autograder.clock import JobCounters, Usage
from autograder.sandbox.freezer import Freezer, proc_stat, read_lines, signal_all
from autograder.sandbox.seam import Facts


@dataclass
class Popened:
    """A :class:`Running` whose process is the one Popen started."""

    process: subprocess.Popen[bytes]

    freezer: Freezer | None = field(default=None, init=False)
    """What froze the job, while it is frozen."""
    stopped: bool = field(default=False, init=False)
    lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False, compare=False)
    """Held by freeze, thaw and stop: the grader may serve freeze requests in another thread
    while it stops the job (a freeze between stop's checks and its kill would hang it)."""
    started: float = field(default_factory=time.monotonic, init=False)
    counters: JobCounters | None = field(default=None, init=False, repr=False)
    """Where the job's clock is read (made on first use)."""

    @property
    def stdout(self) -> IO[bytes] | None:
        return self.process.stdout

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout)

    def freeze(self) -> str:
        with self.lock:
            if self.stopped:
                return "nothing to freeze: the job was stopped"
            if self.freezer is None:
                self.freezer = self._freezer()
            return self.freezer.freeze()

    def thaw(self) -> None:
        with self.lock:
            if self.freezer is not None:
                self.freezer.thaw()
                self.freezer = None

    def stop(self) -> Facts:
        with self.lock:
            self.stopped = True
            return self._stop()

    def usage(self, *, waiting: bool = True) -> Usage:
        wall = time.monotonic() - self.started
        if self.counters is None:
            with self.lock:  # two threads read clocks (the control thread, the grader's wait): one set of counters
                self.counters = self.counters or JobCounters(self._groups(), self._members)
        cpu, waited = self.counters.read(waiting=waiting)
        return Usage(cpu, min(waited, wall), wall)

    def _groups(self) -> list[Path]:
        return []

    def _members(self) -> list[int]:
        raise NotImplementedError

    def _stop(self) -> Facts:
        raise NotImplementedError

    def _freezer(self) -> Freezer:
        raise NotImplementedError


def kill_all(pids: Sequence[int]) -> None:
    signal_all(pids, signal.SIGKILL)


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def process_group(group: int) -> list[int]:
    return [pid for pid in all_pids() if proc_stat(f"/proc/{pid}/stat")[2:3] == [str(group)]]


def namespace_members(namespace: os.stat_result) -> list[int]:
    members = []
    for pid in all_pids():
        try:
            found = os.stat(f"/proc/{pid}/ns/pid")
        except OSError:
            continue
        if (found.st_dev, found.st_ino) == (namespace.st_dev, namespace.st_ino):
            members.append(pid)
    return members


def open_child_namespace(parent: int) -> int | None:
    """An open descriptor on the PID namespace of ``parent``'s child, if it has one yet."""
    for pid in all_pids():
        if proc_stat(f"/proc/{pid}/stat")[1:2] != [str(parent)]:
            continue
        try:
            fd = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY)
        except OSError:
            continue
        if proc_stat(f"/proc/{pid}/stat")[1:2] == [str(parent)]:  # still that child, not a reused pid
            return fd
        os.close(fd)
    return None


def read_ints(path: Path) -> list[int]:
    return [int(line) for line in read_lines(path) if line.strip().isdigit()]


# --- shared ----------------------------------------------------------------------------------


def popen(argv: list[str], *, pass_fds: Sequence[int], cwd: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, pass_fds=tuple(pass_fds), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def killpg(process: subprocess.Popen[bytes]) -> None:
    # SIGKILL the whole session; with bwrap this also ends the PID namespace and all inside it.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()

