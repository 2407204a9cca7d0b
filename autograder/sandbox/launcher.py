"""OS-level isolation for the student's process and the check process.

Each process runs in its own bubblewrap sandbox:
- its own PID, network, IPC and UTS namespaces (no network at all, only loopback inside);
- a fresh root holding only a read-only ``/usr``, the Python runtime and the ``autograder``
  package, plus a size-capped ``/tmp``. The student's process sees nothing of the assignment, so
  no hidden check or solution can be read;
- its own unprivileged uid (a different one per role and per concurrent job), all capabilities
  dropped and ``no_new_privs`` set;
- memory and process limits through cgroups (v2 where it has the controllers, else v1), or
  rlimits where neither can be had.

Killing the outer bwrap tears the PID namespace down, so nothing a job started survives it,
including code that ignores signals or calls ``setsid``. Limit hits are read from the kernel's
counters afterwards (:class:`Facts`), never from anything the student's process says.

A running job has a clock (:meth:`Running.usage`): its CPU time and the time it waited for a CPU,
from its cgroups (:mod:`autograder.clock`), so limits count the job's own time, not the load.

A running job can be frozen (:meth:`Running.freeze`, or ``with frozen(job)``) while the grader
times trusted code, so nothing the student started competes for the CPU: the cgroup freezer
(v1 ``freezer`` group per job, v2 ``cgroup.freeze``), else SIGSTOP to every process of the job.

Trap avoided (see shared/guides/sandbox.md): bwrap run as root with ``--uid`` gives a "nobody"
that is host root. Here bwrap runs as root only to build the mounts, and ``setpriv`` drops to a
real unprivileged host uid before any student code runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Literal, Protocol

import autograder
from autograder.clock import JobCounters, Usage
from autograder.errors import TfgradeError
from autograder.sandbox import forkserver, seccomp, warm
from autograder.sandbox.forkserver import ForkServer

Role = Literal["student", "checks", "runner", "clean_room"]

UID_BASE = 61000
SLOTS = 64
SLOT_DIR = Path("/run/tfgrade/slots")
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "tfgrade"


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
    """One of the grader's own programs (:data:`forkserver.MODULES`): ``python -I -m MODULE ARGS``.

    Where there is a fork server, it runs the module in a forked worker instead of exec'ing a new
    interpreter; the command is never parsed back from a command line.
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
        only needs its seconds' upper bound (see ``channel/budget.py``)."""
        ...


@contextlib.contextmanager
def frozen(job: Running) -> Iterator[str]:
    """``with frozen(job) as how:`` the job is frozen inside the block and thawed after, whatever happens."""
    how = job.freeze()
    try:
        yield how
    finally:
        job.thaw()


@dataclass
class _Popened:
    """A :class:`Running` whose process is the one Popen started."""

    process: subprocess.Popen[bytes]

    freezer: _Freezer | None = field(default=None, init=False)
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

    def _freezer(self) -> _Freezer:
        raise NotImplementedError


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


# --- no isolation ----------------------------------------------------------------------------


@dataclass
class _Plain(_Popened):
    """A plain child process. Freezing it reaches only its process group: without a sandbox, a child
    that called ``setsid`` (or ``setpgid``) escapes both :meth:`freeze` and :meth:`stop`."""

    def _stop(self) -> Facts:
        _killpg(self.process)  # SIGKILL ends stopped processes too
        self.freezer = None
        return Facts()

    def _freezer(self) -> _Freezer:
        return _Stopper(self._members, "SIGSTOP to the process group")

    def _members(self) -> list[int]:
        return _process_group(self.process.pid)


@dataclass(frozen=True)
class Unisolated:
    """Plain child processes: for students' laptops, and only by explicit choice for grading."""

    reason: str
    isolated: bool = False

    @property
    def description(self) -> str:
        return f"not isolated ({self.reason})"

    def start(
        self, command: Command, *, role: Role, pass_fds: Sequence[int], binds: Sequence[Bind], cwd: str,
        host_cwd: Path, env: dict[str, str], resources: Resources,
    ) -> Running:
        real = {b.target: str(b.source) for b in binds}
        argv = [real.get(a, a) for a in _argv(command)]
        return _Plain(_popen(argv, pass_fds=pass_fds, cwd=str(host_cwd), env=env))


# --- bubblewrap ------------------------------------------------------------------------------


@dataclass
class _Sandboxed(_Popened):
    cgroups: list[Path]
    slot: IO[str]
    pid_namespace: int | None = field(default=None, init=False)
    """The sandbox's PID namespace, held open once looked up (so its inode is not reused)."""

    def _stop(self) -> Facts:
        if self.freezer is not None:
            # A task SIGKILLed in a frozen v1 group dies only once thawed: kill first, so that no
            # student code runs after the thaw (what forks meanwhile is killed below).
            _kill_all(self._members())
            self.thaw()
        _killpg(self.process)
        if self.pid_namespace is not None:
            os.close(self.pid_namespace)
            self.pid_namespace = None
        for group in self.cgroups:
            _empty_cgroup(group)
        facts = Facts(
            oom_kills=sum(_oom_kills(g) for g in self.cgroups),
            pids_limit_hits=sum(_pids_hits(g) for g in self.cgroups),
        )
        for group in self.cgroups:
            _remove_cgroup(group)
        self.slot.close()
        return facts

    def _freezer(self) -> _Freezer:
        for group in self.cgroups:
            if (freezer := _cgroup_freezer(group)) is not None:
                return freezer
        if self.cgroups:
            return _Stopper(self._members, "SIGSTOP to every process in the job's cgroups")
        return _Stopper(self._members, "SIGSTOP to every process in the sandbox's PID namespace")

    def _groups(self) -> list[Path]:
        return self.cgroups

    def _members(self) -> list[int]:
        """Every process of the job: its cgroups' members, or without cgroups its PID namespace's."""
        if self.cgroups:
            return sorted({pid for group in self.cgroups for pid in _read_ints(group / "cgroup.procs")})
        namespace = self._namespace()
        return [] if namespace is None else _namespace_members(namespace)

    def _namespace(self) -> os.stat_result | None:
        """The sandbox's PID namespace: that of bubblewrap's child, which is PID 1 inside."""
        deadline = time.monotonic() + FREEZE_SECONDS
        while self.pid_namespace is None and self.process.poll() is None and time.monotonic() < deadline:
            self.pid_namespace = _open_child_namespace(self.process.pid)
            if self.pid_namespace is None:
                time.sleep(0.01)  # bubblewrap has not made it yet
        return None if self.pid_namespace is None else os.fstat(self.pid_namespace)


@dataclass(frozen=True)
class Bubblewrap:
    cgroup_version: Literal["v2", "v1", "rlimit"]
    isolated: bool = True
    fork_server: ForkServer | None = field(default=None, compare=False)
    """Where the grader's own programs start from (TensorFlow already imported); None: exec them."""

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
        slot, number = _take_slot()
        cgroups: list[Path] = []
        try:
            job = job_name(number, role)
            cgroups = _make_cgroups(self.cgroup_version, job, resources)
            return self._start(command, role, number, pass_fds, cgroups, slot, _bwrap_args(binds, cwd, env, resources),
                               cwd, env, resources)
        except BaseException:
            for group in cgroups:
                _remove_cgroup(group)
            slot.close()
            raise

    def _start(
        self, command: Command, role: Role, number: int, pass_fds: Sequence[int], cgroups: list[Path], slot: IO[str],
        bwrap: list[str], cwd: str, env: dict[str, str], resources: Resources,
    ) -> Running:
        uid = UID_BASE + 2 * number + (0 if role == "student" else 1)
        rlimits = resources if self.cgroup_version == "rlimit" else None
        if self.fork_server is None or not isinstance(command, Program) or command.module not in forkserver.MODULES:
            with _seccomp_fd() as filter_args:
                inner = [*_drop_privileges(uid, rlimits), *_argv(command)]
                command = _join_cgroups(cgroups) + bwrap + filter_args.args + ["--", *inner]
                process = _popen(command, pass_fds=[*pass_fds, *filter_args.fds], cwd="/", env={})
            return _Sandboxed(process, cgroups, slot)
        # The holder gets a uid of its own: the student cannot signal it (its end ends the sandbox).
        holder = _start_holder(bwrap, UID_BASE + 2 * SLOTS + number, cgroups, slot)
        try:
            request = forkserver.Request(
                module=command.module, argv=list(command.args), fd_numbers=list(pass_fds),
                cgroup_procs=[str(g / "cgroup.procs") for g in cgroups],
                uid=uid, cwd=cwd, env=env, rlimits=asdict(rlimits) if rlimits else None,
            )
            return _Forked.spawn(self.fork_server, request, holder, pass_fds)
        except BaseException:
            holder.stop()
            raise


PYTHON_MODULE = [sys.executable, "-I", "-m"]
"""How the grader's own programs are started (:class:`Program`), where no fork server stands in. -I: no
user site, no PYTHON* variables, and the working folder is not on sys.path, so a file the student
planted there (numpy.py, sitecustomize.py) is not imported in place of the real one."""


def _argv(command: Command) -> list[str]:
    return command.argv if isinstance(command, Program) else list(command)


HOLDER_START_SECONDS = 30.0


@dataclass
class _Holder(_Sandboxed):
    namespaces: list[int] = field(default_factory=list)
    """The sandbox's namespaces (:data:`forkserver.NAMESPACES` order), open until handed over."""

    def release(self) -> None:
        for fd in self.namespaces:
            os.close(fd)
        self.namespaces = []

    def _stop(self) -> Facts:
        self.release()
        return super()._stop()


def _start_holder(bwrap: list[str], uid: int, cgroups: list[Path], slot: IO[str]) -> _Holder:
    """A sandbox holding only an idle process, with its namespaces open for a worker to join."""
    info_read, info_write = os.pipe()
    idle = ["sh", "-c", "echo ready && exec sleep infinity"]
    try:
        with _seccomp_fd() as filter_args:
            command = (_join_cgroups(cgroups) + bwrap + filter_args.args + ["--info-fd", str(info_write), "--",
                       *_drop_privileges(uid, None), *idle])
            process = _popen(command, pass_fds=[info_write, *filter_args.fds], cwd="/", env={})
    finally:
        os.close(info_write)
    holder = _Holder(process, cgroups, slot)
    try:
        _hold(holder, info_read)
    except BaseException:
        holder.stop()
        raise
    finally:
        os.close(info_read)
    return holder


def _hold(holder: _Holder, info: int) -> None:
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
    holder.namespaces = [os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY) for name in forkserver.NAMESPACES]
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


class SandboxError(TfgradeError):
    """The sandbox could not be built; the message is for the instructor."""


@dataclass
class _Forked:
    """A worker forked from the fork server into a holder's sandbox."""

    holder: _Holder
    stdout: IO[bytes]
    status: IO[bytes]
    returncode: int | None = None
    locked_down: bool = False
    error: str = ""

    @classmethod
    def spawn(cls, server: ForkServer, request: forkserver.Request, holder: _Holder, fds: Sequence[int]) -> _Forked:
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
            self.returncode = forkserver.SETUP_FAILED
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


@dataclass(frozen=True)
class _FilterArgs:
    args: list[str]
    fds: list[int]


@contextlib.contextmanager
def _seccomp_fd() -> Iterator[_FilterArgs]:
    """bubblewrap's ``--seccomp FD`` with the filter in a memfd, closed once bwrap has it."""
    program = seccomp.program()
    if program is None:
        yield _FilterArgs([], [])
        return
    fd = os.memfd_create("tfgrade-seccomp", 0)
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
        yield _FilterArgs(["--seccomp", str(fd)], [fd])
    finally:
        os.close(fd)


def _bwrap_args(binds: Sequence[Bind], cwd: str, env: dict[str, str], resources: Resources) -> list[str]:
    args = [
        "bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "01777", "--size", str(resources.tmp_bytes), "--tmpfs", "/tmp",
        "--perms", "01777", "--size", str(resources.tmp_bytes), "--tmpfs", "/dev/shm",
    ]
    every = [*_runtime_binds(), *binds]
    for directory in _parents([b.target for b in every] + [cwd]):
        args += ["--perms", "0755", "--dir", directory]
    for bind in every:
        args += ["--ro-bind", str(bind.source), bind.target]
    if not any(cwd == b.target for b in every):
        args += ["--perms", "0777", "--dir", cwd]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args + ["--chdir", cwd]


def _runtime_binds() -> list[Bind]:
    """The interpreter, its standard library, the environment's packages, and this package.

    Every folder of installed packages on the path of the grader's own ``python -I`` programs counts
    too: a ``.pth`` file in the environment's site-packages can add one outside it, and a process
    that cannot import TensorFlow fails every cell. Only folders of installed packages: an old
    editable install puts a project folder on the path, and that may be the course, hidden checks
    and all.
    """
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix), Path(autograder.__file__).resolve().parent}
    paths |= {Path(p) for p in _isolated_path() if Path(p).name in PACKAGE_FOLDERS and Path(p).is_dir()}
    outside = [p for p in paths if not str(p).startswith("/usr/")]
    # A folder inside another bound folder comes with it; binding it again would only add a mount.
    kept = [p for p in outside if not any(o in p.parents for o in outside)]
    return [Bind(p, str(p)) for p in sorted(kept)]


PACKAGE_FOLDERS = ("site-packages", "dist-packages")


@functools.cache
def _isolated_path() -> tuple[str, ...]:
    """``sys.path`` of ``python -I``, as the student's, check and runner processes will have it."""
    try:
        shown = subprocess.run([*PYTHON_MODULE[:-1], "-c", "import json, sys; print(json.dumps(sys.path))"],
                               capture_output=True, text=True, timeout=60, check=True).stdout
        return tuple(p for p in json.loads(shown) if isinstance(p, str) and p)
    except (OSError, subprocess.SubprocessError, ValueError):
        return ()


def _parents(targets: list[str]) -> list[str]:
    """Every ancestor folder of the targets, shallowest first (bwrap would make them 0700)."""
    parents = {str(p) for t in targets for p in Path(t).parents if str(p) not in ("/", "/tmp")}
    return sorted(parents, key=lambda p: (p.count("/"), p))


def _drop_privileges(uid: int, rlimits: Resources | None) -> list[str]:
    command = []
    if rlimits is not None:
        # prlimit sets the limits on itself, then execs: they hold for everything started after.
        command = ["prlimit", f"--nproc={rlimits.processes}", f"--data={rlimits.memory_bytes}"]
    return command + [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
    ]


def _take_slot() -> tuple[IO[str], int]:
    """A slot number no other running job holds (flock), so concurrent jobs get distinct uids."""
    SLOT_DIR.mkdir(parents=True, exist_ok=True)
    while True:
        for number in range(SLOTS):
            handle = open(SLOT_DIR / f"slot-{number}.lock", "w")  # noqa: SIM115 - held for the job
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return handle, number
            except BlockingIOError:
                handle.close()
        time.sleep(0.1)


# --- freezing --------------------------------------------------------------------------------

FREEZE_SECONDS = 5.0
"""How long :meth:`Running.freeze` waits for the kernel to confirm (it takes milliseconds)."""


class _Freezer(Protocol):
    def freeze(self) -> str: ...

    def thaw(self) -> None: ...


@dataclass(frozen=True)
class _CgroupFreezer:
    """The kernel's cgroup freezer (v1 ``freezer.state``, v2 ``cgroup.freeze``): every task of the
    group stops wherever it is, threads and new children included, and nothing in the job can
    wake it."""

    group: Path
    v1: bool

    def freeze(self) -> str:
        how = "cgroup v1 freezer" if self.v1 else "cgroup.freeze"
        self._write(frozen=True)
        if _until(self._frozen, FREEZE_SECONDS):
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
            return _read_lines(self.group / "freezer.state") == ["FROZEN"]
        return "frozen 1" in _read_lines(self.group / "cgroup.events")


def _cgroup_freezer(group: Path) -> _CgroupFreezer | None:
    if (group / "freezer.state").exists():
        return _CgroupFreezer(group, v1=True)
    if (group / "cgroup.freeze").exists():
        return _CgroupFreezer(group, v1=False)
    return None


@dataclass(frozen=True)
class _Stopper:
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
            running = [pid for pid in self.members() if not _stopped(pid)]
            _signal_all(running, signal.SIGSTOP)
            quiet_scans = 0 if running else quiet_scans + 1
            if time.monotonic() > deadline:
                return f"{self.how} (some still running after {FREEZE_SECONDS:g} s)"
            time.sleep(0.01 if running else 0.0)
        return self.how

    def thaw(self) -> None:
        _signal_all(self.members(), signal.SIGCONT)


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _signal_all(pids: Sequence[int], number: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, number)


def _kill_all(pids: Sequence[int]) -> None:
    _signal_all(pids, signal.SIGKILL)


def _stopped(pid: int) -> bool:
    """Whether every thread of ``pid`` is stopped, or gone."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    return all(_stat(f"/proc/{pid}/task/{task}/stat")[:1] in ([], ["T"], ["t"], ["Z"], ["X"]) for task in tasks)


def _stat(path: str) -> list[str]:
    """The fields of a /proc stat file after the command name (state first), or [] if it is gone."""
    try:
        with open(path) as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _process_group(group: int) -> list[int]:
    return [pid for pid in _pids() if _stat(f"/proc/{pid}/stat")[2:3] == [str(group)]]


def _namespace_members(namespace: os.stat_result) -> list[int]:
    members = []
    for pid in _pids():
        try:
            found = os.stat(f"/proc/{pid}/ns/pid")
        except OSError:
            continue
        if (found.st_dev, found.st_ino) == (namespace.st_dev, namespace.st_ino):
            members.append(pid)
    return members


def _open_child_namespace(parent: int) -> int | None:
    """An open descriptor on the PID namespace of ``parent``'s child, if it has one yet."""
    for pid in _pids():
        if _stat(f"/proc/{pid}/stat")[1:2] != [str(parent)]:
            continue
        try:
            fd = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY)
        except OSError:
            continue
        if _stat(f"/proc/{pid}/stat")[1:2] == [str(parent)]:  # still that child, not a reused pid
            return fd
        os.close(fd)
    return None


# --- cgroups ---------------------------------------------------------------------------------


def _make_cgroups(version: str, job: str, resources: Resources) -> list[Path]:
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
        _remove_cgroup(group)
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
            if _orphaned(group.name):
                _empty_cgroup(group, seconds=2.0)
                try:
                    group.rmdir()
                except OSError:
                    pass


def job_name(slot: int, role: str) -> str:
    """``<grader pid>-<slot>-<role>-<ns clock>-<grader's pid namespace>``: whose job, and unique."""
    return f"{os.getpid()}-{slot}-{role}-{time.monotonic_ns()}-{_pid_namespace()}"


def _orphaned(name: str) -> bool:
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


def _join_cgroups(groups: list[Path]) -> list[str]:
    """A shell that moves itself into the cgroups, then execs the rest: children inherit them."""
    if not groups:
        return []
    moves = " && ".join(f'echo $$ > "${i + 1}"' for i in range(len(groups)))
    procs = [str(g / "cgroup.procs") for g in groups]
    return ["sh", "-c", f'{moves} && shift {len(groups)} && exec "$@"', "sh", *procs]


def _empty_cgroup(group: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = _read_ints(group / "cgroup.procs")
        if not pids:
            return
        _kill_all(pids)
        # Killed first, then thawed: a frozen v1 task dies only once thawed (a frozen group is left
        # by a grader killed mid-timing, or a stop that raced a fork), and never runs code again.
        if (freezer := _cgroup_freezer(group)) is not None:
            freezer.thaw()
        time.sleep(0.05)


def _remove_cgroup(group: Path) -> None:
    for _ in range(50):
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.05)


def _oom_kills(group: Path) -> int:
    for name in ("memory.events", "memory.oom_control"):
        for line in _read_lines(group / name):
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
    return 0


def _pids_hits(group: Path) -> int:
    for line in _read_lines(group / "pids.events"):
        key, _, value = line.partition(" ")
        if key == "max" and value.strip().isdigit():
            return int(value)
    return 0


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []


def _read_ints(path: Path) -> list[int]:
    return [int(line) for line in _read_lines(path) if line.strip().isdigit()]


# --- shared ----------------------------------------------------------------------------------


def _popen(argv: list[str], *, pass_fds: Sequence[int], cwd: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, pass_fds=tuple(pass_fds), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _killpg(process: subprocess.Popen[bytes]) -> None:
    # SIGKILL the whole session; with bwrap this also ends the PID namespace and all inside it.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


# --- choosing ----------------------------------------------------------------------------------


def detect(*, fork: bool = True) -> Launcher:
    """The strongest isolation this machine offers, or why there is none.

    With ``fork``, the grader's processes start from one shared fork server (TensorFlow imported
    once per grader, not twice per submission) instead of a fresh interpreter each.
    """
    if sys.platform != "linux":
        return Unisolated(f"sandboxing needs Linux; this is {sys.platform}")
    if os.geteuid() != 0:
        return _unisolated("sandboxing needs root (to switch to an unprivileged uid per job)", fork)
    missing = [tool for tool in ("bwrap", "setpriv", "prlimit") if shutil.which(tool) is None]
    if missing:
        return _unisolated(f"{', '.join(missing)} not installed (Debian: apt-get install bubblewrap util-linux)", fork)
    return Bubblewrap(cgroup_version=_cgroup_version(), fork_server=shared_fork_server() if fork else None)


warm_unisolated: list[Callable[[str], Unisolated]] = []
"""How a launcher without a sandbox forks from this user's warm server: set by :mod:`autograder.sandbox.plain_warm`
when imported (the self-check imports it; it builds on this module, which must not import it)."""


def _unisolated(reason: str, fork: bool) -> Unisolated:
    """No sandbox here: with ``fork``, the grader's programs start from this user's warm server when one is kept."""
    return warm_unisolated[0](reason) if fork and warm_unisolated else Unisolated(reason)


def choose(*, sandbox: bool = True, fork: bool = True) -> Launcher:
    """The launcher for grading: the strongest isolation here, or none when the instructor turned the sandbox
    off (``--no-sandbox``, to measure its cost). Whether grading may go on without one is
    :func:`autograder.grading.execution.expect_isolation`'s to say."""
    return detect(fork=fork) if sandbox else Unisolated("turned off with --no-sandbox")


_shared: list[ForkServer] = []
_shared_lock = threading.Lock()


def shared_fork_server() -> ForkServer:
    """One server per grader process: every launcher (and batch thread) uses it; it starts on first use,
    or is this user's warm one (:mod:`autograder.sandbox.warm`) when commands keep one."""
    with _shared_lock:
        if not _shared:
            _shared.append(ForkServer(warm_seconds=warm.idle_seconds()))
        return _shared[0]


def _cgroup_version() -> Literal["v2", "v1", "rlimit"]:
    controllers = _read_lines(CGROUP_ROOT / "cgroup.controllers")
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
