"""The job clock: what one sandboxed job has used, by the kernel's accounting, not the wall's.

On a loaded machine (load 5-7 on 2 cores) wall time stretches several-fold and an honest cell
lost its points to a wall-clock limit. So the grader's limits count two things the load does not
stretch:

- **CPU time** of every process and thread of the job (cgroup v1 ``cpuacct.usage``, v2
  ``cpu.stat`` ``usage_usec``; without a cgroup, ``/proc``), for work;
- **unhindered time**: wall time less the time the job was ready to run but waited for a CPU
  (cgroup v2 ``cpu.pressure`` "some", else the run-queue delay of its threads, ``/proc/<pid>/
  task/*/schedstat`` 2nd field). A ``time.sleep`` counts in full; load does not.

:attr:`Usage.seconds` is the larger of the two: a job that sleeps is charged its sleep, one that
computes its CPU, and one that keeps more threads runnable than it gets CPUs (so that it "waits"
all the time) is charged the CPU those threads burn. Measured here: a busy loop under load 7 on
2 cores got 0.12 s of CPU per wall second, and its cgroup's ``cpu.pressure`` and its thread's
schedstat both counted the other 0.88 s as waiting.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """What one job has used since it started (or, from :meth:`since`, between two readings)."""

    cpu_seconds: float = 0.0
    """CPU time of all the job's processes and threads."""
    waiting_seconds: float = 0.0
    """Time during which some thread of the job was ready to run but waited for a CPU."""
    wall_seconds: float = 0.0

    @property
    def unhindered_seconds(self) -> float:
        """Wall time in which the job was not kept from running by others: sleeps count, load does not."""
        return max(0.0, self.wall_seconds - self.waiting_seconds)

    @property
    def seconds(self) -> float:
        """The job's own time: the larger of its CPU time and its unhindered time."""
        return max(self.cpu_seconds, self.unhindered_seconds)

    def since(self, earlier: Usage) -> Usage:
        return Usage(self.cpu_seconds - earlier.cpu_seconds, self.waiting_seconds - earlier.waiting_seconds,
                     self.wall_seconds - earlier.wall_seconds)

    def as_json(self) -> dict[str, float]:
        return {"cpu_seconds": self.cpu_seconds, "waiting_seconds": self.waiting_seconds,
                "wall_seconds": self.wall_seconds}

    @classmethod
    def from_json(cls, data: object) -> Usage:
        """From :meth:`as_json` (raises ValueError on anything else)."""
        if not isinstance(data, dict):
            raise ValueError("usage is not an object")
        values = [data.get(k) for k in ("cpu_seconds", "waiting_seconds", "wall_seconds")]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise ValueError("usage is not three numbers")
        return cls(*(float(v) for v in values))  # type: ignore[arg-type]


def cgroup_cpu_seconds(groups: Iterable[Path]) -> float | None:
    """CPU time charged to the first of ``groups`` that counts it, or None if none does."""
    return next((v for v in map(_cpu_in, _cpu_files(groups)) if v is not None), None)


def cgroup_waiting_seconds(groups: Iterable[Path]) -> float | None:
    """The "some" total of the first of ``groups`` with a ``cpu.pressure`` file (cgroup v2, PSI)."""
    return next((v for v in map(_waiting_in, _waiting_files(groups)) if v is not None), None)


def _cpu_files(groups: Iterable[Path]) -> Iterator[Path]:
    for group in groups:
        yield group / "cpuacct.usage"  # v1
        yield group / "cpu.stat"  # v2 (v1's cpu.stat has no usage_usec: it counts nothing here)


def _waiting_files(groups: Iterable[Path]) -> Iterator[Path]:
    return (group / "cpu.pressure" for group in groups)


def _cpu_in(path: Path) -> float | None:
    text = _read(path)
    if path.name == "cpuacct.usage":
        return int(text) / 1e9 if text.strip().isdigit() else None
    value = _field(text, "usage_usec")
    return None if value is None else value / 1e6


def _waiting_in(path: Path) -> float | None:
    for line in _read(path).splitlines():
        if line.startswith("some "):
            value = _field(line.replace("=", " "), "total")
            if value is not None:
                return value / 1e6
    return None


@dataclass
class JobCounters:
    """Where one job's clock is read: its cgroups' counters, else its threads' in /proc.

    The checks read a job's clock twice per request (hundreds of times a grade), and looking
    through every group of the job for the one file that counts (most of the opens failing) was
    most of the grader's CPU while it waited for the checks. So the file that answers is found on
    the first reading and then read alone; where none does, the answer (/proc) is remembered too.
    A counter that can no longer be read (the job's groups removed at its end) keeps its last value:
    these clocks only ever go forward.
    """

    groups: Sequence[Path]
    members: Callable[[], list[int]]
    _files: dict[str, Path | None] = field(default_factory=dict, init=False)
    _last: dict[str, float] = field(default_factory=dict, init=False)
    _tally: ThreadTally | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    """The tally's dicts are shared by the threads that read the clock (the control thread, the grader's wait)."""

    def read(self, *, waiting: bool = True) -> tuple[float, float]:
        """(CPU seconds, waiting seconds); without ``waiting`` that figure is not read, and is 0."""
        cpu = self._counter("cpu", _cpu_files, _cpu_in)
        waited = self._counter("waiting", _waiting_files, _waiting_in) if waiting else 0.0
        if cpu is None or waited is None:
            with self._lock:
                self._tally = self._tally or ThreadTally(self.members)
                threads = self._tally.read(cpu=cpu is None, waiting=waited is None)
            cpu = threads[0] if cpu is None else cpu
            waited = threads[1] if waited is None else waited
        return cpu, waited

    def _counter(self, kind: str, files: Callable[[Sequence[Path]], Iterable[Path]],
                 parse: Callable[[Path], float | None]) -> float | None:
        """The cgroup counter of ``kind``, or None where no group counts it (then /proc does)."""
        if kind not in self._files:
            self._files[kind] = next((f for f in files(self.groups) if parse(f) is not None), None)
        path = self._files[kind]
        if path is None:
            return None
        value = parse(path)
        if value is None:
            return self._last.get(kind, 0.0)
        self._last[kind] = value
        return value


@dataclass
class ThreadTally:
    """CPU and run-queue delay of a set of processes' threads, read from /proc.

    A thread's counters vanish when it ends, so the last value seen of each is kept: a thread that
    lived between two readings is missed, which only makes the clock a little stricter.
    """

    members: Callable[[], list[int]]
    cpu: dict[int, float] = field(default_factory=dict)
    waiting: dict[int, float] = field(default_factory=dict)

    def read(self, *, cpu: bool = True, waiting: bool = True) -> tuple[float, float]:
        """(CPU seconds, waiting seconds) of every thread seen so far; only the figures asked for are
        read (two files per thread, for dozens of threads in a TensorFlow process)."""
        for pid in self.members():
            for task in _tasks(pid):
                if cpu:
                    self._read_cpu(pid, task)
                if waiting:
                    self._read_waiting(pid, task)
        return sum(self.cpu.values()), sum(self.waiting.values())

    def _read_cpu(self, pid: int, task: int) -> None:
        stat = _read(f"/proc/{pid}/task/{task}/stat").rsplit(")", 1)[-1].split()
        if len(stat) > 12:
            self.cpu[task] = max(self.cpu.get(task, 0.0), (int(stat[11]) + int(stat[12])) / TICKS)

    def _read_waiting(self, pid: int, task: int) -> None:
        delay = _read(f"/proc/{pid}/task/{task}/schedstat").split()
        if len(delay) > 1 and delay[1].isdigit():
            self.waiting[task] = max(self.waiting.get(task, 0.0), int(delay[1]) / 1e9)


def own_waiting_seconds() -> float:
    """Run-queue delay of this process's threads (for the cell timer inside the student's process)."""
    pid = os.getpid()
    total = 0.0
    for task in _tasks(pid):
        delay = _read(f"/proc/{pid}/task/{task}/schedstat").split()
        if len(delay) > 1 and delay[1].isdigit():
            total += int(delay[1]) / 1e9
    return total


def _tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task") if t.isdigit()]
    except OSError:
        return []


def _field(text: str, key: str) -> int | None:
    words = text.split()
    for name, value in zip(words, words[1:], strict=False):
        if name == key and value.isdigit():
            return int(value)
    return None


def _read(path: Path | str) -> str:
    # os.open/os.read, not open(): no buffered text reader per read of a counter (dozens per reading).
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        return os.read(fd, READ_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


READ_BYTES = 65536
"""More than any counter file read here holds (one read returns a whole kernel file of this size)."""
