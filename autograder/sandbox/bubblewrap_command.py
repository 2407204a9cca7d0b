"""The command line that builds a job's sandbox: bubblewrap's mounts and namespaces, the seccomp filter,
the drop to a job's own unprivileged uid (one per slot, :func:`take_slot`)."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import autograder
from autograder.sandbox import seccomp
from autograder.sandbox.seam import PYTHON_MODULE, Bind, Resources

UID_BASE = 61000
SLOTS = 64
SLOT_DIR = Path("/run/tfgrade/slots")


@dataclass(frozen=True)
class FilterArgs:
    args: list[str]
    fds: list[int]


@contextlib.contextmanager
def seccomp_fd() -> Iterator[FilterArgs]:
    """bubblewrap's ``--seccomp FD`` with the filter in a memfd, closed once bwrap has it."""
    program = seccomp.program()
    if program is None:
        yield FilterArgs([], [])
        return
    fd = os.memfd_create("tfgrade-seccomp", 0)
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
        yield FilterArgs(["--seccomp", str(fd)], [fd])
    finally:
        os.close(fd)


def bwrap_args(binds: Sequence[Bind], cwd: str, env: dict[str, str], resources: Resources) -> list[str]:
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
    paths |= {Path(p) for p in isolated_path() if Path(p).name in PACKAGE_FOLDERS and Path(p).is_dir()}
    outside = [p for p in paths if not str(p).startswith("/usr/")]
    # A folder inside another bound folder comes with it; binding it again would only add a mount.
    kept = [p for p in outside if not any(o in p.parents for o in outside)]
    return [Bind(p, str(p)) for p in sorted(kept)]


PACKAGE_FOLDERS = ("site-packages", "dist-packages")


@functools.cache
def isolated_path() -> tuple[str, ...]:
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


def drop_privileges(uid: int, rlimits: Resources | None) -> list[str]:
    command = []
    if rlimits is not None:
        # prlimit sets the limits on itself, then execs: they hold for everything started after.
        command = ["prlimit", f"--nproc={rlimits.processes}", f"--data={rlimits.memory_bytes}"]
    return command + [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
    ]


def take_slot() -> tuple[IO[str], int]:
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

