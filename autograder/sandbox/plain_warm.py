"""A warm fork server where no sandbox runs: a student's self-check on their own laptop, as their own user.

Without root (or bubblewrap) the grader's processes run as plain child processes
(:class:`~autograder.sandbox.unisolated.Unisolated`), each paying the TensorFlow import at every check.
Here a server of this user, with the sandboxed fork server's preload imported, forks them instead and
waits ``TFGRADE_WARM_SECONDS`` for the next check (:mod:`autograder.sandbox.warm`). It is the
Unisolated backend's offer (:func:`offer`, chosen by :mod:`~autograder.sandbox.detect` when no backend isolates).

Which programs it runs is the executor's to say, as for the sandboxed server
(:class:`~autograder.sandbox.fork_request.Programs`, on the server's stdin, part of its warm key).

Isolation is unchanged: its processes run as the exec'd ones do (folder, environment, descriptors, own
session, nothing else open), as this user, and reports still say "not isolated". The server has warm.py's
safety: a private folder (``lstat``), same-uid peers (``SO_PEERCRED``), a key over Python, environment,
programs and grader source, an idle exit, one request at a time, no thread besides its own (it forks).

    server (this user, TF imported, idle)
      └─ keeper: reports the worker's pid once it is set up, then how it ended
         └─ worker: own session, the job's folder, environment and descriptors, then ``main``
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from autograder.clock import JobCounters, Usage
from autograder.sandbox import fork_worker, forkserver, preload, warm
from autograder.sandbox.fork_request import MAX_REQUEST, REPLY_SECONDS, SETUP_FAILED, Descriptors, Programs
from autograder.sandbox.forkserver import ForkServerError
from autograder.sandbox.freezer import Freezer, Stopper
from autograder.sandbox.lockdown import arrange_descriptors, close_quietly, flush_quietly, write_quietly
from autograder.sandbox.processes import kill_all, process_group
from autograder.sandbox.seam import Bind, Command, Facts, Program, Resources, Role, Running
from autograder.sandbox.unisolated import Unisolated

KIND = "plain"  # its sockets' name in this user's folder: never the sandboxed server's


@dataclass(frozen=True)
class Request:
    """Attached descriptors: the job's output pipe, the keeper's status pipe, then the passed ones."""

    module: str
    argv: list[str]
    fd_numbers: list[int]
    cwd: str
    env: dict[str, str]


# --- the server ---------------------------------------------------------------------------


def answer(control: socket.socket, sockets: list[socket.socket], programs: Programs) -> bool:
    """Read one request and start its job; False once the grader has closed the connection
    (:data:`~autograder.sandbox.fork_worker.Answer`, for :func:`~autograder.sandbox.fork_worker.serve_warm`)."""

    def start(data: bytes, fds: list[int]) -> None:
        request = Request(**json.loads(data))
        if request.module not in programs.modules:
            raise ValueError(f"module {request.module!r} is not served")
        if len(fds) != 2 + len(request.fd_numbers):
            raise ValueError(f"{len(fds)} descriptors attached; the request needs {2 + len(request.fd_numbers)}")
        flush_quietly()
        if os.fork() == 0:
            _keeper(sockets, request, fds)

    return fork_worker.answer_with(control, start)


def _keeper(sockets: list[socket.socket], request: Request, fds: list[int]) -> None:
    """In the keeper: start the worker, say its pid once it is set up (its session then exists, so the
    grader can stop or freeze it), then report how it ended. Never returns."""
    output, status, passed = fds[0], fds[1], fds[2:]
    report: dict[str, Any] = {"returncode": SETUP_FAILED, "locked_down": False}
    try:
        try:
            for held in sockets:  # a job must not hold a grader's connection open
                held.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            ready_read, ready_write = os.pipe()
            worker = os.fork()
            if worker == 0:
                os.close(ready_read)
                _worker(request, output, passed, ready_write)
            os.close(ready_write)
            for fd in passed:  # only the worker may hold the job's sockets
                close_quietly(fd)
            report["locked_down"] = os.read(ready_read, 1) == b"1"
            write_quietly(status, json.dumps({"pid": worker}) + "\n")
            _, code = os.waitpid(worker, 0)
            report["returncode"] = os.waitstatus_to_exitcode(code)
        except BaseException as exc:  # noqa: BLE001 - the keeper must always report
            report["error"] = f"could not start the process: {type(exc).__name__}: {exc}"
            write_quietly(output, f"tfgrade: {report['error']}\n")
        write_quietly(status, json.dumps(report))
    finally:
        os._exit(0)  # never back into the server's loop


def _worker(request: Request, output: int, passed: list[int], ready: int) -> None:
    """In the worker: the exec'd process's surroundings, then the module. Never returns."""
    try:
        os.dup2(output, 2)  # from here on, a failure is reported in the job's output
        os.setsid()
        os.chdir(request.cwd)
        os.environ.clear()
        os.environ.update({**request.env, "PWD": request.cwd})
        ready = arrange_descriptors(Descriptors(output, -1, {}, passed), request.fd_numbers, ready)
        for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.write(ready, b"1")
        os.close(ready)
    except BaseException:  # noqa: BLE001
        write_quietly(2, f"tfgrade: could not set up the process:\n{traceback.format_exc()}")
        os._exit(SETUP_FAILED)
    os._exit(fork_worker.run_module(request.module, request.argv))


def main() -> int:
    """``python -I -m autograder.sandbox.plain_warm --listen PATH IDLE READY_FD``, its programs on stdin."""
    programs = forkserver.programs_from_stdin()
    return warm.serve_at(Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]),
                         functools.partial(preload.preload, programs),
                         functools.partial(fork_worker.serve_warm, programs=programs, reply=answer))


# --- the client (in the grader) ---------------------------------------------------------------


class _Server:
    """The grader's connection to this user's plain warm server for ``programs``; safe to share between threads."""

    def __init__(self, programs: Programs, idle: float) -> None:
        self.programs = programs
        self._idle = idle
        self._lock = threading.Lock()
        self._control: socket.socket | None = None

    def serves(self, module: str) -> bool:
        return module in self.programs.modules

    def spawn(self, request: Request, output_fd: int, status_fd: int, passed: Sequence[int]) -> bool:
        """Start a worker; False if no warm server can be had here (the caller then execs)."""
        message = json.dumps(asdict(request)).encode()
        with self._lock:
            for _attempt in (1, 2):
                control = self._connected()
                if control is None:
                    return False
                try:
                    socket.send_fds(control, [message], [output_fd, status_fd, *passed])
                except OSError:  # the server ended (idle, or killed) before reading: nothing started
                    self._forget()
                    continue
                return self._replied(control)
        return False

    def _replied(self, control: socket.socket) -> bool:
        try:
            reply = json.loads(control.recv(MAX_REQUEST) or b"null")
        except OSError:
            reply = None
        if reply is None:  # it may have started the job: never send it twice
            self._forget()
            raise ForkServerError("the warm fork server stopped answering")
        if not reply.get("ok"):
            raise ForkServerError(f"the warm fork server could not start the job: {reply.get('error')}")
        return True

    def _connected(self) -> socket.socket | None:
        if self._control is None:
            with contextlib.suppress(ForkServerError, OSError):  # then no warm server: exec
                self._control = warm.connect(forkserver.warm_key(self.programs), self._start, kind=KIND)
            if self._control is not None:
                self._control.settimeout(REPLY_SECONDS)
        return self._control

    def _forget(self) -> None:
        if self._control is not None:
            self._control.close()
        self._control = None

    def _start(self, path: Path) -> None:
        forkserver.start_warm("autograder.sandbox.plain_warm", path, self._idle, self.programs)


@dataclass
class _Worker:
    """A job forked from the plain server: stopped and frozen through its process group, as Unisolated's are."""

    pid: int
    stdout: IO[bytes]
    status: int  # the keeper's status pipe (read end): the rest of its report after the pid line
    returncode: int | None = None
    setup_error: str = ""
    freezer: Freezer | None = field(default=None, init=False)
    started: float = field(default_factory=time.monotonic, init=False)
    counters: JobCounters | None = field(default=None, init=False, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self.status], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired("warm worker", timeout or 0.0)
            self._read_report()
        assert self.returncode is not None
        return self.returncode

    def _read_report(self) -> None:
        raw = b""  # the keeper writes one small JSON document, then exits: read it to EOF, capped
        while len(raw) < 4096 and (chunk := os.read(self.status, 4096)):
            raw += chunk
        try:
            report = json.loads(raw)
            self.returncode = int(report["returncode"])
            if not report["locked_down"]:
                self.setup_error = str(report.get("error") or "the process never finished setting up")
        except (ValueError, KeyError, TypeError):
            self.returncode = SETUP_FAILED
            self.setup_error = "the warm fork server's keeper ended without a report"

    def members(self) -> list[int]:
        return process_group(self.pid)

    def freeze(self) -> str:
        with self.lock:
            self.freezer = self.freezer or Stopper(self.members, "SIGSTOP to the process group")
            return self.freezer.freeze()

    def thaw(self) -> None:
        with self.lock:
            if self.freezer is not None:
                self.freezer.thaw()
                self.freezer = None

    def usage(self, *, waiting: bool = True) -> Usage:
        wall = time.monotonic() - self.started
        with self.lock:
            self.counters = self.counters or JobCounters([], self.members)
        cpu, waited = self.counters.read(waiting=waiting)
        return Usage(cpu, min(waited, wall), wall)

    def stop(self) -> Facts:
        with self.lock:
            self.freezer = None
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.wait(0)
            # The worker's pid only while it was not reaped (a reaped pid may be another process's by now).
            alive = [self.pid] if self.returncode is None else []
            kill_all([*alive, *self.members()])  # SIGKILL ends stopped processes too
            try:
                self.wait(10.0)
            except subprocess.TimeoutExpired:
                self.returncode = -signal.SIGKILL
                self.setup_error = self.setup_error or "the warm fork server's keeper did not report within 10 s"
            if self.status >= 0:
                os.close(self.status)
                self.status = -1
            return Facts(setup_error=self.setup_error)


def _pid_line(fd: int, seconds: float) -> int:
    """The keeper's first line, ``{"pid": N}``, read a byte at a time (the rest is the final report)."""
    line = b""
    deadline = time.monotonic() + seconds
    while not line.endswith(b"\n"):
        if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            raise ForkServerError(f"the warm fork server's worker did not start within {seconds:g} s")
        byte = os.read(fd, 1)
        if not byte or len(line) > 100:
            raise ForkServerError("the warm fork server's keeper ended before the worker started")
        line += byte
    return int(json.loads(line)["pid"])


@dataclass(frozen=True)
class WarmUnisolated(Unisolated):
    """:class:`~autograder.sandbox.unisolated.Unisolated`, with the executor's programs forked from this
    user's warm server where one can be had (and exec'd as before where not)."""

    server: _Server | None = field(default=None, compare=False)

    def with_programs(self, programs: Programs) -> Unisolated:
        """Forked from the plain server for ``programs`` when commands keep one warm (``TFGRADE_WARM_SECONDS``:
        the ``tfgrade`` command and the notebook's ``check``), else exec'd as :class:`Unisolated` does."""
        idle = warm.idle_seconds()
        if idle <= 0:
            return Unisolated(self.reason)
        return dataclasses.replace(self, server=_shared_server(programs, idle))

    def start(
        self, command: Command, *, role: Role, pass_fds: Sequence[int], binds: Sequence[Bind], cwd: str,
        host_cwd: Path, env: dict[str, str], resources: Resources,
    ) -> Running:
        worker = None
        if self.server is not None and isinstance(command, Program) and self.server.serves(command.module):
            real = {b.target: str(b.source) for b in binds}  # no sandbox: the host's paths, as Unisolated passes them
            argv = [real.get(a, a) for a in command.args]
            worker = _spawn(self.server, Request(command.module, argv, list(pass_fds), str(host_cwd), env), pass_fds)
        return worker or super().start(command, role=role, pass_fds=pass_fds, binds=binds, cwd=cwd,
                                       host_cwd=host_cwd, env=env, resources=resources)


def _spawn(server: _Server, request: Request, passed: Sequence[int]) -> _Worker | None:
    output_read, output_write = os.pipe()
    status_read, status_write = os.pipe()
    try:
        try:
            started = server.spawn(request, output_write, status_write, passed)
        finally:
            os.close(output_write)
            os.close(status_write)
        if started:
            return _Worker(_pid_line(status_read, REPLY_SECONDS), os.fdopen(output_read, "rb"), status_read)
    except BaseException:
        os.close(output_read)
        os.close(status_read)
        raise
    os.close(output_read)
    os.close(status_read)
    return None


_shared: dict[Programs, _Server] = {}
_shared_lock = threading.Lock()


def _shared_server(programs: Programs, idle: float) -> _Server:
    """One connection per grader process and programs, as :func:`~autograder.sandbox.forkserver.shared_fork_server`."""
    with _shared_lock:
        if programs not in _shared:
            _shared[programs] = _Server(programs, idle)
        return _shared[programs]


def offer(reason: str, fork: bool) -> Unisolated:
    """The launcher where no backend isolates (``reason``): with ``fork``, and on Linux (``SO_PEERCRED`` and
    ``SOCK_SEQPACKET`` as used here are Linux's), one that forks from this user's warm server once the
    executor names its programs; else plain exec'd processes."""
    return WarmUnisolated(reason) if fork and sys.platform == "linux" else Unisolated(reason)


if __name__ == "__main__":
    raise SystemExit(main())
