"""Isolation by bubblewrap: each process in a sandbox of its own.

- its own PID, network, IPC and UTS namespaces (no network at all, only loopback inside);
- a fresh root holding only a read-only ``/usr``, the Python runtime and the ``autograder``
  package, plus a size-capped ``/tmp``. The student's process sees nothing of the assignment, so
  no hidden check or solution can be read;
- its own unprivileged uid (a different one per role and per concurrent job), all capabilities
  dropped and ``no_new_privs`` set;
- memory and process limits through cgroups (v2 where it has the controllers, else v1), or
  rlimits where neither can be had (:mod:`~autograder.sandbox.cgroups`).

Killing the outer bwrap tears the PID namespace down, so nothing a job started survives it,
including code that ignores signals or calls ``setsid``. Limit hits are read from the kernel's
counters afterwards (:class:`~autograder.sandbox.seam.Facts`), never from anything the student's process says.

Two routes into a sandbox: exec (bubblewrap runs the command), or fork (bubblewrap builds the sandbox
around an idle holder, and a worker forked from the :mod:`~autograder.sandbox.forkserver` joins it),
for the programs the fork server was given.

Trap avoided (see shared/guides/sandbox.md): bwrap run as root with ``--uid`` gives a "nobody"
that is host root. Here bwrap runs as root only to build the mounts, and ``setpriv`` drops to a
real unprivileged host uid before any student code runs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Literal

from autograder.clock import Usage
from autograder.sandbox import fork_request, seccomp
from autograder.sandbox.bubblewrap_command import (
    SLOTS,
    UID_BASE,
    bwrap_args,
    drop_privileges,
    seccomp_fd,
    take_slot,
)
from autograder.sandbox.cgroups import (
    cgroup_version,
    empty_cgroup,
    job_name,
    join_cgroups,
    make_cgroups,
    oom_kills,
    pids_hits,
    remove_cgroup,
)
from autograder.sandbox.fork_request import Programs
from autograder.sandbox.forkserver import ForkServer, shared_fork_server
from autograder.sandbox.freezer import FREEZE_SECONDS, Freezer, Stopper, cgroup_freezer
from autograder.sandbox.processes import (
    Popened,
    kill_all,
    killpg,
    namespace_members,
    open_child_namespace,
    popen,
    read_ints,
)
from autograder.sandbox.seam import (
    Bind,
    Command,
    Facts,
    Launcher,
    Program,
    Resources,
    Role,
    Running,
    SandboxError,
    command_line,
)


@dataclass
class Sandboxed(Popened):
    cgroups: list[Path]
    slot: IO[str]
    pid_namespace: int | None = field(default=None, init=False)
    """The sandbox's PID namespace, held open once looked up (so its inode is not reused)."""

    def _stop(self) -> Facts:
        if self.freezer is not None:
            # A task SIGKILLed in a frozen v1 group dies only once thawed: kill first, so that no
            # student code runs after the thaw (what forks meanwhile is killed below).
            kill_all(self._members())
            self.thaw()
        killpg(self.process)
        if self.pid_namespace is not None:
            os.close(self.pid_namespace)
            self.pid_namespace = None
        for group in self.cgroups:
            empty_cgroup(group)
        facts = Facts(
            oom_kills=sum(oom_kills(g) for g in self.cgroups),
            pids_limit_hits=sum(pids_hits(g) for g in self.cgroups),
        )
        for group in self.cgroups:
            remove_cgroup(group)
        self.slot.close()
        return facts

    def _freezer(self) -> Freezer:
        for group in self.cgroups:
            if (freezer := cgroup_freezer(group)) is not None:
                return freezer
        if self.cgroups:
            return Stopper(self._members, "SIGSTOP to every process in the job's cgroups")
        return Stopper(self._members, "SIGSTOP to every process in the sandbox's PID namespace")

    def _groups(self) -> list[Path]:
        return self.cgroups

    def _members(self) -> list[int]:
        """Every process of the job: its cgroups' members, or without cgroups its PID namespace's."""
        if self.cgroups:
            return sorted({pid for group in self.cgroups for pid in read_ints(group / "cgroup.procs")})
        namespace = self._namespace()
        return [] if namespace is None else namespace_members(namespace)

    def _namespace(self) -> os.stat_result | None:
        """The sandbox's PID namespace: that of bubblewrap's child, which is PID 1 inside."""
        deadline = time.monotonic() + FREEZE_SECONDS
        while self.pid_namespace is None and self.process.poll() is None and time.monotonic() < deadline:
            self.pid_namespace = open_child_namespace(self.process.pid)
            if self.pid_namespace is None:
                time.sleep(0.01)  # bubblewrap has not made it yet
        return None if self.pid_namespace is None else os.fstat(self.pid_namespace)


def offer(fork: bool) -> Bubblewrap | str:
    """A bubblewrap launcher, or why there can be none here (:data:`~autograder.sandbox.detect.BACKENDS`)."""
    if os.geteuid() != 0:
        return "sandboxing needs root (to switch to an unprivileged uid per job)"
    missing = [tool for tool in ("bwrap", "setpriv", "prlimit") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (Debian: apt-get install bubblewrap util-linux)"
    return Bubblewrap(cgroup_version=cgroup_version(), forks=fork)


@dataclass(frozen=True)
class Bubblewrap:
    cgroup_version: Literal["v2", "v1", "rlimit"]
    isolated: bool = True
    fork_server: ForkServer | None = field(default=None, compare=False)
    """Where the grader's own programs start from (TensorFlow already imported); None: exec them."""
    forks: bool = field(default=False, compare=False)
    """Whether :meth:`with_programs` gives this launcher a fork server (the shared one for those programs)."""

    def with_programs(self, programs: Programs) -> Launcher:
        if not self.forks:
            return self
        return dataclasses.replace(self, fork_server=shared_fork_server(programs))

    @property
    def description(self) -> str:
        limits = {"v2": "cgroup v2", "v1": "cgroup v1", "rlimit": "rlimits (no usable cgroups)"}
        filtered = ", seccomp filter" if seccomp.program() else ""
        return (f"bubblewrap sandbox, own uid, no network{filtered}, "
                f"memory/process limits by {limits[self.cgroup_version]}")

    def start(
        self, command: Command, *, role: Role, pass_fds: Sequence[int], binds: Sequence[Bind], cwd: str,
        host_cwd: Path, env: dict[str, str], resources: Resources,
    ) -> Running:
        slot, number = take_slot()
        cgroups: list[Path] = []
        try:
            job = job_name(number, role)
            cgroups = make_cgroups(self.cgroup_version, job, resources)
            return self._start(command, role, number, pass_fds, cgroups, slot, bwrap_args(binds, cwd, env, resources),
                               cwd, env, resources)
        except BaseException:
            for group in cgroups:
                remove_cgroup(group)
            slot.close()
            raise

    def _start(
        self, command: Command, role: Role, number: int, pass_fds: Sequence[int], cgroups: list[Path], slot: IO[str],
        bwrap: list[str], cwd: str, env: dict[str, str], resources: Resources,
    ) -> Running:
        uid = UID_BASE + 2 * number + (0 if role == "student" else 1)
        rlimits = resources if self.cgroup_version == "rlimit" else None
        if self.fork_server is None or not isinstance(command, Program) or not self.fork_server.serves(command.module):
            with seccomp_fd() as filter_args:
                inner = [*drop_privileges(uid, rlimits), *command_line(command)]
                command = join_cgroups(cgroups) + bwrap + filter_args.args + ["--", *inner]
                process = popen(command, pass_fds=[*pass_fds, *filter_args.fds], cwd="/", env={})
            return Sandboxed(process, cgroups, slot)
        # The holder gets a uid of its own: the student cannot signal it (its end ends the sandbox).
        holder = start_holder(bwrap, UID_BASE + 2 * SLOTS + number, cgroups, slot)
        try:
            request = fork_request.Request(
                module=command.module, argv=list(command.args), fd_numbers=list(pass_fds),
                cgroup_procs=[str(g / "cgroup.procs") for g in cgroups],
                uid=uid, cwd=cwd, env=env, rlimits=asdict(rlimits) if rlimits else None,
            )
            return Forked.spawn(self.fork_server, request, holder, pass_fds)
        except BaseException:
            holder.stop()
            raise


HOLDER_START_SECONDS = 30.0


@dataclass
class Holder(Sandboxed):
    namespaces: list[int] = field(default_factory=list)
    """The sandbox's namespaces (:data:`fork_request.NAMESPACES` order), open until handed over."""

    def release(self) -> None:
        for fd in self.namespaces:
            os.close(fd)
        self.namespaces = []

    def _stop(self) -> Facts:
        self.release()
        return super()._stop()


def start_holder(bwrap: list[str], uid: int, cgroups: list[Path], slot: IO[str]) -> Holder:
    """A sandbox holding only an idle process, with its namespaces open for a worker to join."""
    info_read, info_write = os.pipe()
    idle = ["sh", "-c", "echo ready && exec sleep infinity"]
    try:
        with seccomp_fd() as filter_args:
            command = (join_cgroups(cgroups) + bwrap + filter_args.args + ["--info-fd", str(info_write), "--",
                       *drop_privileges(uid, None), *idle])
            process = popen(command, pass_fds=[info_write, *filter_args.fds], cwd="/", env={})
    finally:
        os.close(info_write)
    holder = Holder(process, cgroups, slot)
    try:
        _hold(holder, info_read)
    except BaseException:
        holder.stop()
        raise
    finally:
        os.close(info_read)
    return holder


def _hold(holder: Holder, info: int) -> None:
    deadline = time.monotonic() + HOLDER_START_SECONDS
    raw = _read_until(info, b"}", deadline)
    assert holder.process.stdout is not None
    # Once the idle process speaks, bubblewrap has finished building the sandbox.
    said = _read_until(holder.process.stdout.fileno(), b"\n", deadline)
    if said.strip() != b"ready":
        raise SandboxError(f"bubblewrap could not build the sandbox: {said.decode(errors='replace').strip()}")
    try:
        pid = int(json.loads(raw)["child-pid"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SandboxError(f"bubblewrap said where the sandbox is in a way not understood: {raw[:200]!r}") from exc
    # Opened while the sandbox is certainly alive (its idle process just spoke, and nothing has
    # stopped it): from here on these refer to the namespaces themselves, whatever becomes of pids.
    holder.namespaces = [os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY) for name in fork_request.NAMESPACES]
    if holder.process.poll() is not None:
        raise SandboxError("the sandbox ended while it was being set up")


def _read_until(fd: int, end: bytes, deadline: float, limit: int = 65536) -> bytes:
    """Read from ``fd`` until ``end``, end of file, ``limit`` bytes or the deadline."""
    data = b""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while end not in data and len(data) < limit:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise SandboxError(f"bubblewrap did not start the sandbox within {HOLDER_START_SECONDS:g} s")
        chunk = os.read(fd, limit - len(data))
        if not chunk:
            break
        data += chunk
    return data


@dataclass
class Forked:
    """A worker forked from the fork server into a holder's sandbox."""

    holder: Holder
    stdout: IO[bytes]
    status: IO[bytes]
    returncode: int | None = None
    locked_down: bool = False
    error: str = ""

    @classmethod
    def spawn(cls, server: ForkServer, request: fork_request.Request, holder: Holder, fds: Sequence[int]) -> Forked:
        output_read, output_write = os.pipe()
        status_read, status_write = os.pipe()
        try:
            server.spawn(request, output_write, status_write, holder.namespaces, fds)
        except BaseException:
            os.close(output_read)
            os.close(status_read)
            raise
        finally:
            os.close(output_write)
            os.close(status_write)
            holder.release()
        return cls(holder, os.fdopen(output_read, "rb"), os.fdopen(status_read, "rb"))

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            poller = select.poll()
            poller.register(self.status, select.POLLIN)
            if not poller.poll(None if timeout is None else timeout * 1000):
                raise subprocess.TimeoutExpired("sandboxed worker", timeout or 0.0)
            self._read_status()
        assert self.returncode is not None
        return self.returncode

    def _read_status(self) -> None:
        # The keeper writes one small JSON document, then exits: read it to EOF, capped.
        raw = self.status.read(4096)
        try:
            report = json.loads(raw)
            self.returncode = int(report["returncode"])
            self.locked_down = bool(report["locked_down"])
            self.error = str(report.get("error", ""))
        except (ValueError, KeyError, TypeError):
            self.returncode = fork_request.SETUP_FAILED
            self.error = "the fork server's keeper ended without a report"

    def freeze(self) -> str:
        return self.holder.freeze()  # the worker and all it starts live in the holder's cgroups and namespaces

    def thaw(self) -> None:
        self.holder.thaw()

    def usage(self, *, waiting: bool = True) -> Usage:
        return self.holder.usage(waiting=waiting)  # the holder's groups hold the worker and all it starts

    def stop(self) -> Facts:
        facts = self.holder.stop()
        try:
            self.wait(10.0)
        except subprocess.TimeoutExpired:
            self.error = "the fork server's keeper did not report within 10 s"
        self.status.close()
        if self.locked_down:
            return facts
        return dataclasses.replace(facts, setup_error=self.error or "the process never finished locking down")

