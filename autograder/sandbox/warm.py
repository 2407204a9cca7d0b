"""A warm fork server: one per user and grader version, shared by commands run one after another, gone when idle.

Starting the fork server (TensorFlow, Keras and the check library imported) costs about 6 s of CPU and
of wall time, paid again by every ``tfgrade`` command: an instructor grading three assignments in a row
pays it three times, and so does a student checking a notebook again and again. So a command connects
to the warm server when one is up, and otherwise starts one that outlives it by
``TFGRADE_WARM_SECONDS`` (default :data:`COMMAND_IDLE_SECONDS` for the ``tfgrade`` command; 0 turns it
off, and library callers such as tests, Dask workers and Gradescope's one-shot containers get a server of
their own unless they ask).

Who may use it: its socket lives in a folder only this user can enter (checked, never followed through a
link), and the server answers only peers of its own uid (``SO_PEERCRED``). Which server: the key holds
the Python, the server's environment and the size and modification time of every grader source file,
so a server started by other code or for another environment is never used. The server forks exactly
as a per-command one does: nothing of one job is left in it for the next.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

VARIABLE = "TFGRADE_WARM_SECONDS"
COMMAND_IDLE_SECONDS = 300.0
"""How long a warm server waits for the next command: long enough for the next batch or the next self-check."""
_default_idle = 0.0
PREFIX = "forkserver-"
"""The sandboxed fork server's sockets; the plain one's start ``plain-``."""
MAX_SOCKET_PATH = 108
"""``sizeof(sun_path)`` on Linux, the terminating NUL included."""


def keep_warm_by_default() -> None:
    """For the ``tfgrade`` command: keep a warm server unless ``TFGRADE_WARM_SECONDS`` says otherwise."""
    global _default_idle
    _default_idle = COMMAND_IDLE_SECONDS


def idle_seconds() -> float:
    """How long a server started now should wait for the next command; 0 means a server per process."""
    value = os.environ.get(VARIABLE)
    if value is None:
        return _default_idle
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0


def folder() -> Path | None:
    """This user's private folder for warm servers, or None where none can be had safely."""
    uid = os.getuid()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_absolute() else Path(tempfile.gettempdir())
    path = base / f"tfgrade-{uid}"
    with contextlib.suppress(FileExistsError, OSError):
        path.mkdir(mode=0o700)
    try:
        found = os.lstat(path)
    except OSError:
        return None
    private = stat.S_ISDIR(found.st_mode) and found.st_uid == uid and not found.st_mode & 0o077
    return path if private else None


def key(env: Mapping[str, str], kind: str = "forkserver") -> str:
    """Which server may serve this grader: same kind, Python, environment and grader source."""
    digest = hashlib.sha256(json.dumps([kind, sys.executable, sys.version, sorted(env.items()), os.getuid()]).encode())
    package = Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        found = source.stat()
        digest.update(f"{source.relative_to(package)}:{found.st_size}:{found.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def connect(env: Mapping[str, str], start: Callable[[Path], None], kind: str = "forkserver") -> socket.socket | None:
    """A connection to the warm server of ``kind`` for ``env``, started with ``start(path)`` if none is up;
    None if this machine gives no private place for one (the caller then starts a server of its own).
    ``kind``: the sandboxed fork server, or ``plain`` (:mod:`autograder.sandbox.plain_warm`)."""
    where = folder()
    if where is None:
        return None
    path = where / f"{kind}-{key(env, kind)}.sock"
    if len(os.fsencode(path)) >= MAX_SOCKET_PATH:
        return None  # the kernel cannot bind a socket there
    with _locked(path.with_suffix(".lock")):  # one command starts it; the others wait, then connect
        control = _try_connect(path)
        if control is None:
            path.unlink(missing_ok=True)  # a server that died without removing it
            start(path)
            control = _try_connect(path)
    return control


def serve_at(
    path: Path, idle: float, ready: int, preload: Callable[[], None],
    serve: Callable[[socket.socket, float], None],
) -> int:
    """In the server: import, listen at ``path``, say so on ``ready``, serve until idle, then clean up."""
    matplotlib = tempfile.mkdtemp(prefix="tfgrade-forkserver-matplotlib-")
    os.environ["MPLCONFIGDIR"] = matplotlib  # Keras builds matplotlib's font cache here, not in a shared /tmp
    try:
        preload()
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as listener:
            listener.bind(str(path))
            os.chmod(path, 0o600)
            listener.listen(16)
            ours = os.stat(path).st_ino
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            os.write(ready, b"1")
            os.close(ready)
            try:
                serve(listener, idle)
            finally:
                with contextlib.suppress(OSError):
                    if os.stat(path).st_ino == ours:  # not a newer server's
                        path.unlink()
    finally:
        shutil.rmtree(matplotlib, ignore_errors=True)
    return 0


def stop_all(seconds: float = 10.0) -> int:
    """Stop every warm server of this user (``tfgrade``'s benchmarks start cold); how many were stopped."""
    where = folder()
    stopped = []
    for path in sorted(where.glob("*.sock")) if where else []:  # both kinds
        control = _try_connect(path)
        if control is None:
            continue
        with control:
            pid, _uid, _gid = struct.unpack("3i", control.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            stopped.append(path)
    deadline = time.monotonic() + seconds
    while any(p.exists() for p in stopped) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(stopped)


def _try_connect(path: Path) -> socket.socket | None:
    control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        control.connect(str(path))
    except OSError:
        control.close()
        return None
    return control


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
