"""A fork server: import TensorFlow once, then give every job a fresh, locked-down process.

Importing TensorFlow costs seconds of CPU, and every submission needs two processes that use it
(the student's and the checks'). The server imports it once and never runs a TensorFlow op
(a process that ran one hangs its forked children), then forks per job:

    server (trusted, host root, TF imported, idle)
      └─ keeper: joins the job sandbox's PID namespace, waits for the worker, reports how it
         │       ended and whether it finished locking down
         └─ worker: moves into the job's cgroups, joins the sandbox's mount, network, IPC, UTS
                    and cgroup namespaces, drops to the job's uid with no capabilities and
                    ``no_new_privs``, closes every inherited descriptor, then runs ``main``

The sandbox itself (mounts, namespaces, the PID namespace whose end kills everything inside) is
built by bubblewrap exactly as for an exec'd process, around an idle holder process; the grader
opens the holder's namespaces and hands them over with the request (see :mod:`autograder.sandbox.launcher`).
The worker only joins them, so both routes share one definition of what a student process sees.

Requests are JSON over a ``SOCK_SEQPACKET`` socket with the descriptors attached (SCM_RIGHTS);
they come only from the grader that started the server.
"""

from __future__ import annotations

import ctypes
import fcntl
import gc
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autograder.errors import TfgradeError
from autograder.sandbox import seccomp, warm

STUDENT_PROGRAM = "autograder.student_side.student_process"
CHECKS_PROGRAM = "autograder.check_side.check_process"
RUNNER_PROGRAM = "autograder.runner_side.runner_process"
CLEAN_ROOM_PROGRAM = "autograder.runner_side.clean_room"
MODULES = (STUDENT_PROGRAM, CHECKS_PROGRAM, RUNNER_PROGRAM, CLEAN_ROOM_PROGRAM)
"""The grader's own programs, and the only ones a worker may run; anything else goes through the exec route."""
ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "CUDA_VISIBLE_DEVICES": "",
    "MPLBACKEND": "Agg",
}
"""The environment of the grader's processes (less HOME); TensorFlow reads it at import."""
MAX_REQUEST = 1 << 20
MAX_FDS = 16
STARTUP_SECONDS = 300.0
"""Importing TensorFlow on a loaded machine; far more than it takes."""
REPLY_SECONDS = 60.0
SETUP_FAILED = 121
"""Exit code of a worker whose lock-down failed: it never ran the module."""

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_DUMPABLE = 4
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
NAMESPACES = ("pid", "net", "ipc", "uts", "cgroup", "mnt")
"""The sandbox's namespaces, attached to a request in this order and joined in it: the PID
namespace by the keeper (it holds for the keeper's children), the rest by the worker, the mount
namespace last as it hides the host's /proc."""


@dataclass(frozen=True)
class Request:
    """Attached descriptors: the job's output pipe, the keeper's status pipe, the sandbox's
    namespaces (:data:`NAMESPACES`, opened by the grader from its holder process), then the ones
    passed to the program, which get the numbers in ``fd_numbers``."""

    module: str
    argv: list[str]
    fd_numbers: list[int]
    cgroup_procs: list[str]
    uid: int
    cwd: str
    env: dict[str, str]
    rlimits: dict[str, int] | None


# --- the server ---------------------------------------------------------------------------


def serve(control: socket.socket) -> None:
    """Answer spawn requests until the grader closes the control socket."""
    # Keepers are never waited for by the server; the kernel reaps them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while _answer(control, [control]):
        pass


def serve_warm(listener: socket.socket, idle_seconds: float) -> None:
    """Answer the graders that connect (this user's only), one request at a time, until none has been
    connected for ``idle_seconds``.

    One thread: a fork from a process with other threads running could copy a lock one of them holds.
    """
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    clients: list[socket.socket] = []
    while True:
        readable, _, _ = select.select([listener, *clients], [], [], None if clients else idle_seconds)
        if not readable:
            return  # idle: nobody connected for idle_seconds
        for ready in readable:
            if ready is listener:
                clients += _accepted(listener)
            elif not _answer(ready, [listener, *clients]):
                clients.remove(ready)
                ready.close()


def _accepted(listener: socket.socket) -> list[socket.socket]:
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


def _answer(control: socket.socket, sockets: list[socket.socket]) -> bool:
    """Read one request from ``control`` and start its job; False once the grader has closed it.
    ``sockets`` are every socket the server holds: the job's keeper closes them all."""
    try:
        data, fds, _flags, _addr = socket.recv_fds(control, MAX_REQUEST, MAX_FDS)
    except (ConnectionError, OSError):
        return False
    if not data:
        return False
    try:
        request = Request(**json.loads(data))
        if request.module not in MODULES:
            raise ValueError(f"module {request.module!r} is not served")
        if len(fds) != 2 + len(NAMESPACES) + len(request.fd_numbers):
            raise ValueError(f"{len(fds)} descriptors attached; the request needs {2 + len(NAMESPACES)} "
                             f"and {len(request.fd_numbers)} to pass")
        sys.stdout.flush()
        sys.stderr.flush()
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


@dataclass(frozen=True)
class _Descriptors:
    output: int
    status: int
    namespaces: dict[str, int]
    passed: list[int]

    @classmethod
    def of(cls, fds: list[int]) -> _Descriptors:
        count = len(NAMESPACES)
        return cls(fds[0], fds[1], dict(zip(NAMESPACES, fds[2:2 + count], strict=True)), fds[2 + count:])


def _keeper(sockets: list[socket.socket], request: Request, fds: list[int]) -> None:
    """In the keeper: start the worker inside the job's PID namespace, then report how it ended.

    The report says whether the worker finished locking down (it says so on a pipe of its own
    just before the program starts), so a lock-down failure is the grader's error, never the
    student's, and a student cannot fake it with an exit code.
    """
    report: dict[str, Any] = {"returncode": SETUP_FAILED, "locked_down": False}
    given = _Descriptors.of(fds)
    try:
        try:
            for held in sockets:  # a job must not hold a grader's connection open
                held.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _expect_separate(given.namespaces)
            _setns(given.namespaces["pid"])
            ready_read, ready_write = os.pipe()
            worker = os.fork()
            if worker == 0:
                os.close(ready_read)
                _worker(request, given, ready_write)
            os.close(ready_write)
            # Only the worker may hold the job's sockets, or the other side never sees it end.
            # (The output pipe stays open for an error message; the keeper exits right after.)
            for fd in [*given.namespaces.values(), *given.passed]:
                _close_quietly(fd)
            _, status = os.waitpid(worker, 0)
            report["returncode"] = os.waitstatus_to_exitcode(status)
            report["locked_down"] = os.read(ready_read, 1) == b"1"
        except BaseException as exc:  # noqa: BLE001 - the keeper must always report
            report["error"] = f"could not start the sandboxed process: {type(exc).__name__}: {exc}"
            _write_quietly(given.output, f"tfgrade: {report['error']}\n")
        _write_quietly(given.status, json.dumps(report))
    finally:
        os._exit(0)  # never back into the server's loop


def _expect_separate(namespaces: dict[str, int]) -> None:
    """Refuse to join namespaces that are the server's own (defence in depth: the grader opened
    them from a live sandbox; a mistake there must not put student code on the host). The cgroup
    namespace may legitimately be shared where the kernel cannot unshare it."""
    for name in ("mnt", "net", "pid", "ipc", "uts"):
        if os.fstat(namespaces[name]).st_ino == os.stat(f"/proc/self/ns/{name}").st_ino:
            raise PermissionError(f"the job's sandbox is gone (its {name} namespace is the host's)")


def _worker(request: Request, given: _Descriptors, ready: int) -> None:
    """In the worker: lock down, then run the module. Never returns."""
    try:
        os.dup2(given.output, 2)  # from here on, a failure is reported in the job's output
        ready = _lock_down(request, given, ready)
        os.write(ready, b"1")
        os.close(ready)
    except BaseException:  # noqa: BLE001
        _write_quietly(2, f"tfgrade: could not lock down the sandboxed process:\n{traceback.format_exc()}")
        os._exit(SETUP_FAILED)
    code = 1
    sys.argv = [request.module, *request.argv]  # what ``python -m module args`` would show
    try:
        module = __import__(request.module, fromlist=["main"])
        code = int(module.main(request.argv) or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - as an uncaught exception would end a fresh interpreter
        traceback.print_exc()
    finally:
        _flush_quietly()
    # Skip the interpreter's teardown (most of a second after TensorFlow); nothing is left to save.
    os._exit(code)


def _lock_down(request: Request, given: _Descriptors, ready: int) -> int:
    """Cgroups, namespaces, privileges, descriptors; returns where ``ready`` now is."""
    for procs in request.cgroup_procs:
        with open(procs, "w") as handle:
            handle.write("0")  # "0" moves the writer itself
    for name in NAMESPACES[1:]:
        _setns(given.namespaces[name])
    os.chdir(request.cwd)
    os.setsid()
    os.environ.clear()
    os.environ.update({**request.env, "PWD": request.cwd})  # as bubblewrap's --chdir sets it
    if request.rlimits is not None:
        _set_rlimits(request.rlimits)
    _drop_privileges(request.uid)
    ready = _arrange_descriptors(given, request.fd_numbers, ready)
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return ready


def _arrange_descriptors(given: _Descriptors, numbers: list[int], ready: int) -> int:
    """stdout and stderr to the job's output pipe, the passed ones at their numbers, ``ready``
    somewhere out of the way (returned), and no other descriptor at all."""
    base = max([2, *numbers]) + 1
    # Above every number a passed descriptor must take, so no dup2 below overwrites another.
    output, ready, *passed = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, base)
                              for fd in (given.output, ready, *given.passed))
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    for fd, number in zip(passed, numbers, strict=True):
        os.dup2(fd, number)
    keep = {0, 1, 2, ready, *numbers}
    for entry in os.listdir("/proc/self/fd"):
        if int(entry) not in keep:
            _close_quietly(int(entry))  # one of them is the descriptor listdir used, already closed
    for number in numbers:
        os.set_inheritable(number, True)
    return ready


def _set_rlimits(limits: dict[str, int]) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    resource.setrlimit(resource.RLIMIT_DATA, (limits["memory_bytes"], limits["memory_bytes"]))


def _drop_privileges(uid: int) -> None:
    """What ``setpriv --reuid --regid --clear-groups --inh-caps=-all --bounding-set=-all
    --no-new-privs`` does for the exec route."""
    libc = _libc()
    last_cap = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last_cap + 1):
        _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop a capability from the bounding set")
    _check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    _clear_inheritable(libc)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # all uids non-zero: the kernel clears every capability
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
    _install_seccomp(libc)
    # setuid made the process non-dumpable (its /proc files root-owned); exec would reset that.
    _check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "make the process dumpable")
    if os.getuid() != uid or os.geteuid() != uid or _capabilities() != 0:
        raise PermissionError("privileges were not dropped")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _install_seccomp(libc: ctypes.CDLL) -> None:
    """The filter bubblewrap installs for an exec'd process (``--seccomp``), installed here."""
    program = seccomp.program()
    if program is None:
        return
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "install the seccomp filter")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _clear_inheritable(libc: ctypes.CDLL) -> None:
    """setresuid leaves the inheritable set alone; some container runtimes give root one."""
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two 32-bit words
    data = (_CapData * 2)()
    _check(libc.capget(ctypes.byref(header), data), "read capabilities")
    for word in data:
        word.inheritable = 0
    _check(libc.capset(ctypes.byref(header), data), "clear inheritable capabilities")


def _capabilities() -> int:
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return sum(int(status[key].strip(), 16) for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"))


def _setns(fd: int) -> None:
    _check(_libc().setns(fd, 0), "join the sandbox's namespace")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, action: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"could not {action}: {os.strerror(errno)}")


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _write_quietly(fd: int, text: str) -> None:
    try:
        os.write(fd, text.encode())
    except OSError:
        pass


def _flush_quietly() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def main() -> int:
    """``python -I -m autograder.sandbox.forkserver FD``: import what jobs need, then serve on FD.
    ``... --listen PATH IDLE READY_FD``: the same, for every grader of this user that connects to PATH
    (:mod:`autograder.sandbox.warm`), until nobody has been connected for IDLE seconds."""
    if sys.argv[1] == "--listen":
        return warm.serve_at(Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), _preload, serve_warm)
    control = socket.socket(fileno=int(sys.argv[1]))
    _preload()
    control.send(b'{"ok": true, "ready": true}')
    serve(control)
    return 0


PRELOAD = (
    "numpy", "pytest", "tensorflow", "keras",
    *MODULES,
    # The check library, which every assignment's checks import.
    "autograder.checks", "autograder.checks.topology", "autograder.checks.keras_saving",
    "autograder.runner_side.timing",
    "hypothesis", "autograder.checks.properties",
    # The student's IPython shell (the student program imports it) imports these only when it starts.
    "IPython.core.interactiveshell", "IPython.core.magics", "IPython.core.completer", "IPython.core.oinspect",
    "IPython.core.application", "IPython.core.completerlib", "IPython.core.logger", "IPython.core.magic_arguments",
    "IPython.core.magics.ast_mod", "IPython.core.magics.execution", "IPython.core.magics.namespace",
    "IPython.utils.contexts", "IPython.utils.module_paths", "IPython.utils.timing",
    "pygments.formatters.terminal256", "pygments.formatters.html", "pygments.styles.default",
    # What every check process imported itself (pytest, Hypothesis' array strategies), and the student's
    # tf.data ops, which TensorFlow imports on first use (an audit of a grade's imports after the fork).
    "_pytest._argcomplete", "_pytest.tracemalloc", "platformdirs", "xml.etree.ElementTree",
    "hypothesis.extra.numpy", "hypothesis.strategies._internal.flatmapped",
    "tensorflow.python.data.ops.range_op", "tensorflow.python.data.ops.zip_op",
    "tensorflow.python.data.ops.concatenate_op", "tensorflow.python.data.ops.flat_map_op",
    "tensorflow.python.data.ops.from_tensors_op",
)


def _preload() -> None:
    import importlib

    from autograder.sandbox import keras_optional

    # Keras imports pandas and scikit-learn when they are installed; no program forked from here needs
    # them unless its notebook imports them, which then gets them as Keras would have (see keras_optional).
    with keras_optional.held_back() as held:
        for name in PRELOAD:
            importlib.import_module(name)
    keras_optional.restore(held)
    from tensorflow.python.eager import context

    # Importing must not have started TensorFlow's runtime: children of a process that ran an op
    # hang. Better no server (the grader then says so) than hung jobs.
    if context.context()._context_handle is not None:
        raise RuntimeError("TensorFlow's runtime started while preloading; the fork server cannot run")
    from autograder import i18n, profiling

    # The student and check processes each read the tool's catalog (Babel parses the .po file) first thing.
    for language in i18n.LANGUAGES:
        i18n.translations(language)
    _warm_hypothesis_constants()  # last: it reads every module imported so far
    if profiling.enabled():  # benchmarks/profile_grade.py: stamps from every program forked from here
        profiling.install([sys.modules[name] for name in MODULES])
    # Every object so far is shared with the workers: keep the garbage collector from walking
    # (and so copying) them in each worker; it costs a tenth of a second per full collection.
    gc.collect()
    gc.freeze()


HYPOTHESIS_STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"


def _warm_hypothesis_constants() -> None:
    """Read, once, the constants Hypothesis takes from every module imported so far.

    At collection Hypothesis' pytest plugin reads the source of every "local" module in
    ``sys.modules`` (outside site-packages and the standard library: the grader's own, in a
    development install) for constants to try as examples, caching them only on disk, in the check
    process's fresh storage folder. That cost each check process about a quarter second of CPU,
    over modules it inherited from here. Read here, the worker scans only the modules it imports
    itself: the same modules in all, so the same constants and the same examples. A Hypothesis
    without this private cache is left alone.
    """
    try:
        from hypothesis import configuration
        from hypothesis.internal.conjecture import providers
        scan = providers._get_local_constants
    except (ImportError, AttributeError):
        return
    storage = tempfile.mkdtemp(prefix="tfgrade-forkserver-hypothesis-")
    before = os.environ.get(HYPOTHESIS_STORAGE)
    os.environ[HYPOTHESIS_STORAGE] = storage  # its on-disk cache: ours, and gone below
    try:
        scan()
    finally:
        if before is None:
            del os.environ[HYPOTHESIS_STORAGE]
        else:
            os.environ[HYPOTHESIS_STORAGE] = before
        shutil.rmtree(storage, ignore_errors=True)
        # Where Hypothesis stores is read once and kept: forget it, so each worker reads its own.
        configuration.set_hypothesis_home_dir(None)
    # It looks for new modules only when sys.modules changed length; a worker must always look.
    providers._sys_modules_len = None


# --- the client (in the grader) ---------------------------------------------------------------


class ForkServerError(TfgradeError):
    pass


_warm_servers: list[subprocess.Popen[bytes]] = []


def _server_env() -> dict[str, str]:
    """The server's environment (less its matplotlib folder): :data:`ENV` as it is now, HOME at /tmp."""
    return {**ENV, "HOME": "/tmp"}


class ForkServer:
    """The grader's handle on one server; safe to share between the batch's threads."""

    def __init__(self, warm_seconds: float = 0.0) -> None:
        """With ``warm_seconds``, use this user's warm server (:mod:`autograder.sandbox.warm`), starting
        one that waits that long for the next command if none is up."""
        self._warm_seconds = warm_seconds
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._matplotlib: weakref.finalize[..., Any] | None = None

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
                pass_fds=[theirs.fileno()], env={**_server_env(), "MPLCONFIGDIR": matplotlib},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
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
            return warm.connect(_server_env(), self._start_warm)
        except (ForkServerError, OSError):
            return None

    def _start_warm(self, path: Path) -> None:
        """Start a warm server listening at ``path``; it outlives this grader (its own session), and ends
        itself once idle."""
        ready_read, ready_write = os.pipe()
        try:
            server = subprocess.Popen(
                [sys.executable, "-I", "-m", "autograder.sandbox.forkserver", "--listen", str(path),
                 repr(self._warm_seconds), str(ready_write)],
                pass_fds=[ready_write], env=_server_env(), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
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

    def _forget(self) -> None:
        if self._control is not None:
            self._control.close()
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self._control = self._process = None
        if self._matplotlib is not None:
            self._matplotlib()


if __name__ == "__main__":
    raise SystemExit(main())
