"""How a forked worker locks itself down before it runs a program: the job's cgroups and namespaces, no
privileges, the seccomp filter, and only the descriptors it was given (see :mod:`~autograder.sandbox.forkserver`)."""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import sys
from pathlib import Path

from autograder.sandbox import seccomp
from autograder.sandbox.fork_request import NAMESPACES, Descriptors, Request

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_SET_DUMPABLE = 4
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def lock_down(request: Request, given: Descriptors, ready: int) -> int:
    """Cgroups, namespaces, privileges, descriptors; returns where ``ready`` now is."""
    for procs in request.cgroup_procs:
        with open(procs, "w") as handle:
            handle.write("0")  # "0" moves the writer itself
    for name in NAMESPACES[1:]:
        setns(given.namespaces[name])
    os.chdir(request.cwd)
    os.setsid()
    os.environ.clear()
    os.environ.update({**request.env, "PWD": request.cwd})  # as bubblewrap's --chdir sets it
    if request.rlimits is not None:
        _set_rlimits(request.rlimits)
    _drop_privileges(request.uid)
    ready = arrange_descriptors(given, request.fd_numbers, ready)
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return ready


def arrange_descriptors(given: Descriptors, numbers: list[int], ready: int) -> int:
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
            close_quietly(int(entry))  # one of them is the descriptor listdir used, already closed
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
    install_seccomp(libc)
    # setuid made the process non-dumpable (its /proc files root-owned); exec would reset that.
    _check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "make the process dumpable")
    if os.getuid() != uid or os.geteuid() != uid or _capabilities() != 0:
        raise PermissionError("privileges were not dropped")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_seccomp(libc: ctypes.CDLL) -> None:
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


def setns(fd: int) -> None:
    _check(_libc().setns(fd, 0), "join the sandbox's namespace")


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, action: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"could not {action}: {os.strerror(errno)}")


def close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def write_quietly(fd: int, text: str) -> None:
    try:
        os.write(fd, text.encode())
    except OSError:
        pass


def flush_quietly() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
