"""A fork server: import TensorFlow once, then give every job a fresh, locked-down process.

Importing TensorFlow costs seconds of CPU, and every submission needs two processes that use it
(the student's and the checks'). The server imports it once and never runs a TensorFlow op
(a process that ran one hangs its forked children), then forks per job:

    server (trusted, host root, TF imported, idle)
      └─ keeper: joins the job sandbox's PID namespace, waits for the worker, reports how it
         │       ended and whether it finished locking down
         └─ worker: moves into the job's cgroups, joins the sandbox's mount, network, IPC, UTS
                    and cgroup namespaces, drops to the job's uid with no capabilities and
         └─ worker: moves into the job's cgroups, joins the sandbox's mount, network, IPC, UTS
                    and cgroup namespaces, drops to the job's uid with no capabilities and
                    ``no_new_privs``, closes every inherited descriptor, then runs ``main``

The sandbox itself (mounts, namespaces, the PID namespace whose end kills everything inside) is
built by bubblewrap exactly as for an exec'd process, around an idle holder process; the grader
opens the holder's namespaces and hands them over with the request (see :mod:`autograder.sandbox.bubblewrap`).
The worker only joins them, so both routes share one definition of what a student process sees.

Which programs a server runs is its grader's to say (:class:`~autograder.sandbox.fork_request.Programs`,
handed over by the executor): the sandbox names none. Requests are JSON over a ``SOCK_SEQPACKET`` socket
with the descriptors attached (SCM_RIGHTS); they come only from the grader that started the server.

This module is the grader's handle (:class:`ForkServer`) and the server's entry point (:func:`main`); the
server's side is :mod:`~autograder.sandbox.fork_worker`, :mod:`~autograder.sandbox.lockdown` and
:mod:`~autograder.sandbox.preload`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from autograder.errors import TfgradeError
from autograder.sandbox import fork_worker, preload, warm
from autograder.sandbox.fork_request import (
    ENV,
    MAX_REQUEST,
    NAMESPACES,
    REPLY_SECONDS,
    SETUP_FAILED,
    STARTUP_SECONDS,
    Programs,
    Request,
)

__all__ = ["ENV", "NAMESPACES", "SETUP_FAILED", "ForkServer", "ForkServerError", "Programs", "Request",
           "hand_over", "main", "programs_from_stdin", "server_env", "shared_fork_server", "start_warm", "warm_key"]


class ForkServerError(TfgradeError):
    pass


_warm_servers: list[subprocess.Popen[bytes]] = []


def server_env() -> dict[str, str]:
    """The server's environment (less its matplotlib folder): :data:`ENV` as it is now, HOME at /tmp."""
    return {**ENV, "HOME": "/tmp"}


def warm_key(programs: Programs) -> dict[str, str]:
    """What tells warm servers apart: their environment and their programs (one given others is never used)."""
    return {**server_env(), " programs": programs.to_json()}


def hand_over(server: subprocess.Popen[bytes], programs: Programs) -> None:
    """Tell a server just started which programs it may run, on its stdin (see :class:`Programs`)."""
    assert server.stdin is not None
    with contextlib.suppress(BrokenPipeError), server.stdin:  # a server that died says nothing: reported below
        server.stdin.write(programs.to_json().encode())


def start_warm(module: str, path: Path, idle: float, programs: Programs) -> None:
    """Start the warm server ``python -I -m module --listen path idle READY_FD`` for ``programs``; it outlives
    this grader (its own session), and ends itself once idle. Also :mod:`~autograder.sandbox.plain_warm`'s."""
    ready_read, ready_write = os.pipe()
    try:
        server = subprocess.Popen(
            [sys.executable, "-I", "-m", module, "--listen", str(path), repr(idle), str(ready_write)],
            pass_fds=[ready_write], env=server_env(), stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        hand_over(server, programs)
        os.close(ready_write)
        ready_write = -1
        ready, _, _ = select.select([ready_read], [], [], STARTUP_SECONDS)
        if not ready or os.read(ready_read, 1) != b"1":
            server.kill()
            server.wait()
            raise ForkServerError(f"the fork server did not start within {STARTUP_SECONDS:g} s")
        _warm_servers.append(server)  # reaped if it ends while this grader still runs
    finally:
        os.close(ready_read)
        if ready_write >= 0:
            os.close(ready_write)


class ForkServer:
    """The grader's handle on one server; safe to share between the batch's threads."""

    def __init__(self, programs: Programs, warm_seconds: float = 0.0) -> None:
        """A server that runs only ``programs``. With ``warm_seconds``, use this user's warm server
        (:mod:`autograder.sandbox.warm`), starting one that waits that long for the next command if none is up."""
        self.programs = programs
        self._warm_seconds = warm_seconds
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._matplotlib: weakref.finalize[..., Any] | None = None

    def serves(self, module: str) -> bool:
        """Whether the server runs ``module`` (anything else is refused; the launcher execs it instead)."""
        return module in self.programs.modules

    def spawn(
        self, request: Request, output_fd: int, status_fd: int, namespace_fds: Sequence[int], passed: Sequence[int]
    ) -> None:
        """Start a worker: ``namespace_fds`` in :data:`NAMESPACES` order, ``passed`` as in the request."""
        with self._lock:
            reply = self._ask(request, [output_fd, status_fd, *namespace_fds, *passed])
        if not reply.get("ok"):
            raise ForkServerError(f"the fork server could not start the job: {reply.get('error', 'no reason given')}")

    def _ask(self, request: Request, fds: list[int]) -> dict[str, Any]:
        message = json.dumps(asdict(request)).encode()
        for attempt in (1, 2):
            control = self._started()
            try:
                socket.send_fds(control, [message], fds)
                reply = control.recv(MAX_REQUEST)
            except (BrokenPipeError, ConnectionResetError) as exc:
                # The server died (killed, or out of memory) before reading the request: the
                # kernel resets the connection only when the dead end left data unread. Nothing
                # was started, so it is safe to start a new server and send it once more.
                self._forget()
                if attempt == 2:
                    raise ForkServerError(f"the fork server refused the job: {exc}") from exc
                continue
            except OSError as exc:
                reply, failure = b"", str(exc)
            else:
                failure = "it closed the connection"
            if not reply:
                # It may have read the request and started the job: sending it again could run
                # the job twice, so this one is a grader error (retried when the batch reruns).
                self._forget()
                raise ForkServerError(f"the fork server stopped answering: {failure}")
            return dict(json.loads(reply))
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._forget()

    def _started(self) -> socket.socket:
        if self._control is not None and (self._process is None or self._process.poll() is None):
            return self._control
        self._forget()
        control = self._warm() if self._warm_seconds > 0 else None
        if control is not None:
            control.settimeout(REPLY_SECONDS)
            self._control = control
            return control
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Keras imports matplotlib when it is installed, which builds its font cache: in a folder of the
        # server's own, not in the host's shared /tmp where another user could have planted one.
        matplotlib = tempfile.mkdtemp(prefix="tfgrade-forkserver-matplotlib-")
        # Removed with the server, or when the grader exits (which never stops the shared server itself).
        self._matplotlib = weakref.finalize(self, shutil.rmtree, matplotlib, True)
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-m", "autograder.sandbox.forkserver", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], env={**server_env(), "MPLCONFIGDIR": matplotlib},
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
            hand_over(self._process, self.programs)
        self._control = ours
        ours.settimeout(STARTUP_SECONDS)
        try:
            ready = ours.recv(MAX_REQUEST)
        except OSError:
            ready = b""
        if not ready:
            self._forget()
            raise ForkServerError(f"the fork server did not start within {STARTUP_SECONDS:g} s")
        ours.settimeout(REPLY_SECONDS)
        return ours

    def _warm(self) -> socket.socket | None:
        """This user's warm server, or None (then a server of this grader's own): a warm one that cannot
        start here must not stop the grading."""
        try:
            return warm.connect(warm_key(self.programs), self._start_warm)
        except (ForkServerError, OSError):
            return None

    def _start_warm(self, path: Path) -> None:
        start_warm("autograder.sandbox.forkserver", path, self._warm_seconds, self.programs)

    def _forget(self) -> None:
        if self._control is not None:
            self._control.close()
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._control = self._process = None
        if self._matplotlib is not None:
            self._matplotlib()



_shared: dict[Programs, ForkServer] = {}
_shared_lock = threading.Lock()


def shared_fork_server(programs: Programs) -> ForkServer:
    """One server per grader process and programs: every launcher (and batch thread) uses it; it starts on
    first use, or is this user's warm one (:mod:`autograder.sandbox.warm`) when commands keep one."""
    with _shared_lock:
        if programs not in _shared:
            _shared[programs] = ForkServer(programs, warm_seconds=warm.idle_seconds())
        return _shared[programs]


def main() -> int:
    """``python -I -m autograder.sandbox.forkserver FD``: import what jobs need, then serve on FD.
    ``... --listen PATH IDLE READY_FD``: the same, for every grader of this user that connects to PATH
    (:mod:`autograder.sandbox.warm`), until nobody has been connected for IDLE seconds. Either way the
    programs it may run come on its stdin (:class:`~autograder.sandbox.fork_request.Programs`)."""
    programs = programs_from_stdin()
    if sys.argv[1] == "--listen":
        return warm.serve_at(Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]),
                             functools.partial(preload.preload, programs),
                             functools.partial(fork_worker.serve_warm, programs=programs))
    control = socket.socket(fileno=int(sys.argv[1]))
    preload.preload(programs)
    control.send(b'{"ok": true, "ready": true}')
    fork_worker.serve(control, programs)
    return 0


def programs_from_stdin() -> Programs:
    """In the server: the programs its grader wrote on its stdin, which is then /dev/null."""
    programs = Programs.from_json(sys.stdin.read(MAX_REQUEST))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return programs


if __name__ == "__main__":
    raise SystemExit(main())
