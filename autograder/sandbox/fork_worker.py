"""The fork server's side: answer spawn requests, and in each job the keeper and the worker.

    server (trusted, host root, TF imported, idle)
      └─ keeper: joins the job sandbox's PID namespace, waits for the worker, reports how it
         │       ended and whether it finished locking down
         └─ worker: locks down (:mod:`~autograder.sandbox.lockdown`), then runs ``main``

Only the modules of the server's :class:`~autograder.sandbox.fork_request.Programs` are served.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import sys
import traceback
from collections.abc import Callable
from typing import Any

from autograder.sandbox.fork_request import (
    MAX_FDS,
    MAX_REQUEST,
    NAMESPACES,
    SETUP_FAILED,
    Descriptors,
    Programs,
    Request,
)
from autograder.sandbox.lockdown import close_quietly, flush_quietly, lock_down, setns, write_quietly


def serve(control: socket.socket, programs: Programs) -> None:
    """Answer spawn requests until the grader closes the control socket."""
    # Keepers are never waited for by the server; the kernel reaps them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while answer(control, [control], programs):
        pass


Answer = Callable[[socket.socket, list[socket.socket], Programs], bool]
"""Reads one request from a grader's connection and starts its job (:func:`answer`); False once it closed."""


def serve_warm(listener: socket.socket, idle_seconds: float, programs: Programs, reply: Answer | None = None) -> None:
    """Answer the graders that connect (this user's only), one request at a time, until none has been
    connected for ``idle_seconds``. ``reply``: how a request is answered (:func:`answer` unless another
    server, :mod:`~autograder.sandbox.plain_warm`, says).

    One thread: a fork from a process with other threads running could copy a lock one of them holds.
    """
    reply = reply or answer
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    clients: list[socket.socket] = []
    while True:
        readable, _, _ = select.select([listener, *clients], [], [], None if clients else idle_seconds)
        if not readable:
            return  # idle: nobody connected for idle_seconds
        for ready in readable:
            if ready is listener:
                clients += accepted(listener)
            elif not reply(ready, [listener, *clients], programs):
                clients.remove(ready)
                ready.close()


def accepted(listener: socket.socket) -> list[socket.socket]:
    """The new connection, if it comes from a process of this server's own user (the folder is private too)."""
    try:
        client, _ = listener.accept()
    except OSError:
        return []
    _pid, uid, _gid = struct.unpack("3i", client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
    if uid != os.getuid():
        client.close()
        return []
    return [client]


def answer(control: socket.socket, sockets: list[socket.socket], programs: Programs) -> bool:
    """Read one request from ``control`` and start its job; False once the grader has closed it.
    ``sockets`` are every socket the server holds: the job's keeper closes them all."""

    def start(data: bytes, fds: list[int]) -> None:
        request = Request(**json.loads(data))
        if request.module not in programs.modules:
            raise ValueError(f"module {request.module!r} is not served")
        if len(fds) != 2 + len(NAMESPACES) + len(request.fd_numbers):
            raise ValueError(f"{len(fds)} descriptors attached; the request needs {2 + len(NAMESPACES)} "
                             f"and {len(request.fd_numbers)} to pass")
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            _keeper(sockets, request, fds)

    return answer_with(control, start)


def answer_with(control: socket.socket, start: Callable[[bytes, list[int]], None]) -> bool:
    """Read one request and its descriptors, and have ``start`` check it and fork its keeper (which never
    returns); then close the descriptors here and tell the grader how it went. Every server of this
    house answers so. False once the grader has closed the connection."""
    try:
        data, fds, _flags, _addr = socket.recv_fds(control, MAX_REQUEST, MAX_FDS)
    except OSError:  # ConnectionError is one
        return False
    if not data:
        return False
    try:
        start(data, fds)
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
    """In the keeper: start the worker inside the job's PID namespace, then report how it ended.

    The report says whether the worker finished locking down (it says so on a pipe of its own
    just before the program starts), so a lock-down failure is the grader's error, never the
    student's, and a student cannot fake it with an exit code.
    """
    report: dict[str, Any] = {"returncode": SETUP_FAILED, "locked_down": False}
    given = Descriptors.of(fds)
    try:
        try:
            for held in sockets:  # a job must not hold a grader's connection open
                held.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _expect_separate(given.namespaces)
            setns(given.namespaces["pid"])
            ready_read, ready_write = os.pipe()
            worker = os.fork()
            if worker == 0:
                os.close(ready_read)
                _worker(request, given, ready_write)
            os.close(ready_write)
            # Only the worker may hold the job's sockets, or the other side never sees it end.
            # (The output pipe stays open for an error message; the keeper exits right after.)
            for fd in [*given.namespaces.values(), *given.passed]:
                close_quietly(fd)
            _, status = os.waitpid(worker, 0)
            report["returncode"] = os.waitstatus_to_exitcode(status)
            report["locked_down"] = os.read(ready_read, 1) == b"1"
        except BaseException as exc:  # noqa: BLE001 - the keeper must always report
            report["error"] = f"could not start the sandboxed process: {type(exc).__name__}: {exc}"
            write_quietly(given.output, f"tfgrade: {report['error']}\n")
        write_quietly(given.status, json.dumps(report))
    finally:
        os._exit(0)  # never back into the server's loop


def _expect_separate(namespaces: dict[str, int]) -> None:
    """Refuse to join namespaces that are the server's own (defence in depth: the grader opened
    them from a live sandbox; a mistake there must not put student code on the host). The cgroup
    namespace may legitimately be shared where the kernel cannot unshare it."""
    for name in ("mnt", "net", "pid", "ipc", "uts"):
        if os.fstat(namespaces[name]).st_ino == os.stat(f"/proc/self/ns/{name}").st_ino:
            raise PermissionError(f"the job's sandbox is gone (its {name} namespace is the host's)")


def _worker(request: Request, given: Descriptors, ready: int) -> None:
    """In the worker: lock down, then run the module. Never returns."""
    try:
        os.dup2(given.output, 2)  # from here on, a failure is reported in the job's output
        ready = lock_down(request, given, ready)
        os.write(ready, b"1")
        os.close(ready)
    except BaseException:  # noqa: BLE001
        write_quietly(2, f"tfgrade: could not lock down the sandboxed process:\n{traceback.format_exc()}")
        os._exit(SETUP_FAILED)
    # Skip the interpreter's teardown (most of a second after TensorFlow); nothing is left to save.
    os._exit(run_module(request.module, request.argv))


def run_module(name: str, argv: list[str]) -> int:
    """In a worker: run the program as ``python -m name argv`` would; its exit code."""
    code = 1
    sys.argv = [name, *argv]  # what ``python -m name argv`` would show
    try:
        module = __import__(name, fromlist=["main"])
        code = int(module.main(argv) or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - as an uncaught exception would end a fresh interpreter
        traceback.print_exc()
    finally:
        flush_quietly()
    return code

