"""The seam between the grader and a sandbox backend: what a launcher is asked, and what it gives back.

A :class:`Launcher` starts a :class:`Command` (one of the grader's :class:`Program` objects, or any command
line) with only some folders visible (:class:`Bind`) and some :class:`Resources`, and hands back a
:class:`Running` job, whose :meth:`~Running.stop` returns what the kernel counted (:class:`Facts`).
The backends (:mod:`~autograder.sandbox.bubblewrap`, :mod:`~autograder.sandbox.unisolated`) implement it;
:mod:`~autograder.sandbox.detect` chooses one.

A running job has a clock (:meth:`Running.usage`): its CPU time and the time it waited for a CPU,
from its cgroups (:mod:`autograder.clock`), so limits count the job's own time, not the load.

A running job can be frozen (:meth:`Running.freeze`, or ``with frozen(job)``) while the grader
times trusted code, so nothing the student started competes for the CPU (:mod:`~autograder.sandbox.freezer`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Protocol

from autograder.clock import Usage
from autograder.errors import TfgradeError
from autograder.sandbox.fork_request import Programs

Role = Literal["student", "checks", "runner", "clean_room"]


@dataclass(frozen=True)
class Bind:
    source: Path
    target: str


@dataclass(frozen=True)
class Facts:
    """What the kernel says happened to one sandboxed process tree."""

    oom_kills: int = 0
    pids_limit_hits: int = 0
    setup_error: str = ""
    """Why the process could not be started in its sandbox (then nothing it reported counts)."""


@dataclass(frozen=True)
class Resources:
    memory_bytes: int
    processes: int
    tmp_bytes: int


@dataclass(frozen=True)
class Program:
    """One of the grader's own programs: ``python -I -m MODULE ARGS``.

    Where there is a fork server that was given the module (:class:`~autograder.sandbox.fork_request.Programs`),
    it runs it in a forked worker instead of exec'ing a new interpreter; the command is never parsed back
    from a command line.
    """

    module: str
    args: tuple[str, ...] = ()

    @property
    def argv(self) -> list[str]:
        return [*PYTHON_MODULE, self.module, *self.args]


Command = Program | list[str]
"""What a launcher starts: one of the grader's programs, or any command line (tests, tools)."""


class Running(Protocol):
    @property
    def stdout(self) -> IO[bytes] | None:
        """What the process writes to stdout and stderr."""
        ...

    @property
    def returncode(self) -> int | None:
        ...

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end (``subprocess.TimeoutExpired`` after ``timeout``)."""
        ...

    def stop(self) -> Facts:
        """Kill everything the process started; return the kernel's counters.

        Works on a frozen job too: nothing it started runs again, and nothing is left behind.
        """
        ...

    def freeze(self) -> str:
        """Stop every process and thread the job started from running, until :meth:`thaw` or :meth:`stop`.

        For timing trusted code without the student's processes competing for the CPU: every
        session counts (a process that called ``setsid`` is frozen too), and a process the job
        starts while frozen is frozen at once where a cgroup freezer does it. Returns how, in a
        few words for reports ("cgroup v1 freezer", "cgroup.freeze", "SIGSTOP ..."); says so if
        the kernel did not confirm it within :data:`FREEZE_SECONDS`. Freezing a frozen or ended
        job is harmless; once :meth:`stop` has begun (it may run in another thread), it does
        nothing.
        """
        ...

    def thaw(self) -> None:
        """Let a frozen job run again; does nothing to a job that is not frozen (or is stopped)."""
        ...

    def usage(self, *, waiting: bool = True) -> Usage:
        """The job's clock so far: CPU time of all it started, time waiting for a CPU, wall time.

        Without ``waiting`` that figure is not read (it is 0): the cheaper reading, for a caller that
        only needs its seconds' upper bound (see ``check_side/budget.py``)."""
        ...


@contextlib.contextmanager
def frozen(job: Running) -> Iterator[str]:
    """``with frozen(job) as how:`` the job is frozen inside the block and thawed after, whatever happens."""
    how = job.freeze()
    try:
        yield how
    finally:
        job.thaw()


class Launcher(Protocol):
    @property
    def description(self) -> str:
        """In plain words, how processes are isolated, or why they are not."""
        ...

    @property
    def isolated(self) -> bool:
        ...

    def start(
        self, command: Command, *, role: Role, pass_fds: Sequence[int], binds: Sequence[Bind], cwd: str,
        host_cwd: Path, env: dict[str, str], resources: Resources,
    ) -> Running:
        """Start ``command`` with only ``binds`` visible (read-only) besides the runtime.

        ``cwd`` is the working folder inside the sandbox (a bind target, or a fresh folder in the
        sandbox's /tmp); without a sandbox the process runs in ``host_cwd`` instead.
        """
        ...

    def with_programs(self, programs: Programs) -> Launcher:
        """This launcher, starting ``programs`` from a fork server where it keeps one (the executor names
        its programs: the sandbox knows none of them)."""
        ...


PYTHON_MODULE = [sys.executable, "-I", "-m"]
"""How the grader's own programs are started (:class:`Program`), where no fork server stands in. -I: no
user site, no PYTHON* variables, and the working folder is not on sys.path, so a file the student
planted there (numpy.py, sitecustomize.py) is not imported in place of the real one."""


def command_line(command: Command) -> list[str]:
    return command.argv if isinstance(command, Program) else list(command)


class SandboxError(TfgradeError):
    """The sandbox could not be built; the message is for the instructor."""


