"""A warm fork server where no sandbox runs: a student's self-check on their own laptop, as their own user.

Without root (or bubblewrap) the grader's four processes run as plain child processes
(:class:`~autograder.sandbox.launcher.Unisolated`), each paying the TensorFlow import at every check.
Here a server of this user, with the sandboxed fork server's preload imported, forks them instead and
waits ``TFGRADE_WARM_SECONDS`` for the next check (:mod:`autograder.sandbox.warm`).

Isolation is unchanged: its processes run as the exec'd ones do (folder, environment, descriptors, own
session, nothing else open), as this user, and reports still say "not isolated". The server has warm.py's
safety: a private folder (``lstat``), same-uid peers (``SO_PEERCRED``), a key over Python, environment and
grader source, an idle exit, one request at a time, no thread besides its own (it forks).

    server (this user, TF imported, idle)
      └─ keeper: reports the worker's pid once it is set up, then how it ended
         └─ worker: own session, the job's folder, environment and descriptors, then ``main``
"""

from __future__ import annotations

import contextlib
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
from autograder.sandbox import forkserver, warm
from autograder.sandbox import launcher as sandbox

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


def serve(listener: socket.socket, idle_seconds: float) -> None:
    """Answer this user's graders, one request at a time, until none has been connected for ``idle_seconds``."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are never waited for: the kernel reaps them
    clients: list[socket.socket] = []
    while True:
        readable, _, _ = select.select([listener, *clients], [], [], None if clients else idle_seconds)
        if not readable:
            return
        for ready in readable:
            if ready is listener:
                clients += forkserver._accepted(listener)  # same uid only
            elif not _answer(ready, [listener, *clients]):
                clients.remove(ready)
                ready.close()


def _answer(control: socket.socket, sockets: list[socket.socket]) -> bool:
    """Read one request and start its job; False once the grader has closed the connection."""
    try:
        data, fds, _flags, _addr = socket.recv_fds(control, forkserver.MAX_REQUEST, forkserver.MAX_FDS)
    except OSError:
        return False
    if not data:
        return False
    try:
        request = Request(**json.loads(data))
        if request.module not in forkserver.MODULES:
            raise ValueError(f"module {request.module!r} is not served")
        if len(fds) != 2 + len(request.fd_numbers):
            raise ValueError(f"{len(fds)} descriptors attached; the request needs {2 + len(request.fd_numbers)}")
        forkserver._flush_quietly()
        if os.fork() == 0:
            _keeper(sockets, request, fds)
        reply: dict[str, Any] = {"ok": True}
    except Exception as exc:  # noqa: BLE001 - any failure is reported to the grader
        reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        for fd in fds:
            os.close(fd)
    try:
        control.send(json.dumps(reply).encode())
    except OSError:
        return False
    return True


def _keeper(sockets: list[socket.socket], request: Request, fds: list[int]) -> None:
    """In the keeper: start the worker, say its pid once it is set up (its session then exists, so the
    grader can stop or freeze it), then report how it ended. Never returns."""
    output, status, passed = fds[0], fds[1], fds[2:]
    report: dict[str, Any] = {"returncode": forkserver.SETUP_FAILED, "locked_down": False}
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
                forkserver._close_quietly(fd)
            report["locked_down"] = os.read(ready_read, 1) == b"1"
            forkserver._write_quietly(status, json.dumps({"pid": worker}) + "\n")
            _, code = os.waitpid(worker, 0)
            report["returncode"] = os.waitstatus_to_exitcode(code)
        except BaseException as exc:  # noqa: BLE001 - the keeper must always report
            report["error"] = f"could not start the process: {type(exc).__name__}: {exc}"
            forkserver._write_quietly(output, f"tfgrade: {report['error']}\n")
        forkserver._write_quietly(status, json.dumps(report))
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
        given = forkserver._Descriptors(output, -1, {}, passed)
        ready = forkserver._arrange_descriptors(given, request.fd_numbers, ready)
        for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.write(ready, b"1")
        os.close(ready)
    except BaseException:  # noqa: BLE001
        forkserver._write_quietly(2, f"tfgrade: could not set up the process:\n{traceback.format_exc()}")
        os._exit(forkserver.SETUP_FAILED)
    os._exit(_run(request))


def _run(request: Request) -> int:
    """Run the module as ``python -m module args`` would; its exit code."""
    code = 1
    sys.argv = [request.module, *request.argv]
    try:
        module = __import__(request.module, fromlist=["main"])
        code = int(module.main(request.argv) or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - as an uncaught exception would end a fresh interpreter
        traceback.print_exc()
    finally:
        forkserver._flush_quietly()
    return code


def main() -> int:
    """``python -I -m autograder.sandbox.plain_warm --listen PATH IDLE READY_FD``."""
    return warm.serve_at(Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), forkserver._preload, serve)


# --- the client (in the grader) ---------------------------------------------------------------


class _Server:
    """The grader's connection to this user's plain warm server; safe to share between threads."""

    def __init__(self, idle: float) -> None:
        self._idle = idle
        self._lock = threading.Lock()
        self._control: socket.socket | None = None

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
            answer = json.loads(control.recv(forkserver.MAX_REQUEST) or b"null")
        except OSError:
            answer = None
        if answer is None:  # it may have started the job: never send it twice
            self._forget()
            raise forkserver.ForkServerError("the warm fork server stopped answering")
        if not answer.get("ok"):
            raise forkserver.ForkServerError(f"the warm fork server could not start the job: {answer.get('error')}")
        return True

    def _connected(self) -> socket.socket | None:
        if self._control is None:
            with contextlib.suppress(forkserver.ForkServerError, OSError):  # then no warm server: exec
                self._control = warm.connect(forkserver._server_env(), self._start, kind=KIND)
            if self._control is not None:
                self._control.settimeout(forkserver.REPLY_SECONDS)
        return self._control

    def _forget(self) -> None:
        if self._control is not None:
            self._control.close()
        self._control = None

    def _start(self, path: Path) -> None:
        """Start a server listening at ``path``: its own session, it outlives this grader and ends once idle."""
        ready_read, ready_write = os.pipe()
        try:
            server = subprocess.Popen(
                [sys.executable, "-I", "-m", "autograder.sandbox.plain_warm", "--listen", str(path),
                 repr(self._idle), str(ready_write)],
                pass_fds=[ready_write], env=forkserver._server_env(), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
            os.close(ready_write)
            ready_write = -1
            ready, _, _ = select.select([ready_read], [], [], forkserver.STARTUP_SECONDS)
            if not ready or os.read(ready_read, 1) != b"1":
                server.kill()
                server.wait()
                raise forkserver.ForkServerError("the warm fork server did not start")
            forkserver._warm_servers.append(server)  # reaped if it ends while this grader runs
        finally:
            os.close(ready_read)
            if ready_write >= 0:
                os.close(ready_write)


@dataclass
class _Worker:
    """A job forked from the plain server: stopped and frozen through its process group, as Unisolated's are."""

    pid: int
    stdout: IO[bytes]
    status: int  # the keeper's status pipe (read end): the rest of its report after the pid line
    returncode: int | None = None
    setup_error: str = ""
    freezer: Any = field(default=None, init=False)
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
            self.returncode = forkserver.SETUP_FAILED
            self.setup_error = "the warm fork server's keeper ended without a report"

    def members(self) -> list[int]:
        return sandbox._process_group(self.pid)

    def freeze(self) -> str:
        with self.lock:
            self.freezer = self.freezer or sandbox._Stopper(self.members, "SIGSTOP to the process group")
            return str(self.freezer.freeze())

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

    def stop(self) -> sandbox.Facts:
        with self.lock:
            self.freezer = None
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.wait(0)
            # The worker's pid only while it was not reaped (a reaped pid may be another process's by now).
            alive = [self.pid] if self.returncode is None else []
            sandbox._kill_all([*alive, *self.members()])  # SIGKILL ends stopped processes too
            try:
                self.wait(10.0)
            except subprocess.TimeoutExpired:
                self.returncode = -signal.SIGKILL
                self.setup_error = self.setup_error or "the warm fork server's keeper did not report within 10 s"
            if self.status >= 0:
                os.close(self.status)
                self.status = -1
            return sandbox.Facts(setup_error=self.setup_error)


def _pid_line(fd: int, seconds: float) -> int:
    """The keeper's first line, ``{"pid": N}``, read a byte at a time (the rest is the final report)."""
    line = b""
    deadline = time.monotonic() + seconds
    while not line.endswith(b"\n"):
        if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            raise forkserver.ForkServerError(f"the warm fork server's worker did not start within {seconds:g} s")
        byte = os.read(fd, 1)
        if not byte or len(line) > 100:
            raise forkserver.ForkServerError("the warm fork server's keeper ended before the worker started")
        line += byte
    return int(json.loads(line)["pid"])


@dataclass(frozen=True)
class WarmUnisolated(sandbox.Unisolated):
    """:class:`~autograder.sandbox.launcher.Unisolated`, with the grader's own programs forked from this
    user's warm server where one can be had (and exec'd as before where not)."""

    server: _Server | None = field(default=None, compare=False)

    def start(
        self, command: sandbox.Command, *, role: sandbox.Role, pass_fds: Sequence[int], binds: Sequence[sandbox.Bind],
        cwd: str, host_cwd: Path, env: dict[str, str], resources: sandbox.Resources,
    ) -> sandbox.Running:
        worker = None
        if self.server is not None and isinstance(command, sandbox.Program) and command.module in forkserver.MODULES:
            real = {b.target: str(b.source) for b in binds}  # no sandbox: the host's paths, as Unisolated passes them
            argv = [real.get(a, a) for a in command.args]
            request = Request(command.module, argv, list(pass_fds), str(host_cwd), env)
            worker = _spawn(self.server, request, pass_fds)
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
            return _Worker(_pid_line(status_read, forkserver.REPLY_SECONDS), os.fdopen(output_read, "rb"), status_read)
    except BaseException:
        os.close(output_read)
        os.close(status_read)
        raise
    os.close(output_read)
    os.close(status_read)
    return None


_shared: list[_Server] = []
_shared_lock = threading.Lock()


def launcher(reason: str) -> sandbox.Unisolated:
    """The launcher where no sandbox can run: forked from this user's warm server when commands keep one
    (``TFGRADE_WARM_SECONDS``; the ``tfgrade`` command and the notebook's ``check``), else exec'd."""
    idle = warm.idle_seconds()
    if idle <= 0 or sys.platform != "linux":  # SO_PEERCRED and SOCK_SEQPACKET as used here are Linux's
        return sandbox.Unisolated(reason)
    with _shared_lock:
        if not _shared:
            _shared.append(_Server(idle))
        return WarmUnisolated(reason, server=_shared[0])

sandbox.warm_unisolated[:] = [launcher]


if __name__ == "__main__":
    raise SystemExit(main())
