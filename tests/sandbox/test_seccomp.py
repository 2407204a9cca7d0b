"""The seccomp filter, installed in a plain child process (no sandbox or root needed)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pytest

from autograder.sandbox import seccomp

if sys.platform != "linux" or seccomp.program() is None:
    pytest.skip(f"no seccomp filter for {sys.platform}/{platform.machine()}", allow_module_level=True)

# Installs the filter the way the fork server's worker does, then tries what it must refuse and
# what a notebook needs.
PROBE = r"""
import ctypes, json, os, platform, socket, threading
from autograder.sandbox import lockdown
from autograder.sandbox import seccomp
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(38, 1, 0, 0, 0) == 0  # no_new_privs: what lets an unprivileged process filter itself
lockdown.install_seccomp(libc)
result = {}
def errno_of(call):
    return 0 if call() != -1 else ctypes.get_errno()
result["unshare_user"] = errno_of(lambda: libc.unshare(0x10000000))
result["keyctl"] = errno_of(lambda: libc.syscall(250, 0, -3, 0))
def family_errno(family, kind):
    try:
        socket.socket(family, kind).close()
        return 0
    except OSError as exc:
        return exc.errno
result["vsock"] = family_errno(socket.AF_VSOCK, socket.SOCK_STREAM)
result["tcp"] = family_errno(socket.AF_INET, socket.SOCK_STREAM)
result["udp"] = family_errno(socket.AF_INET, socket.SOCK_DGRAM)
result["tcp6"] = family_errno(socket.AF_INET6, socket.SOCK_STREAM)
# The kernel reads the family as an int: a high word must not get an AF_INET socket past the filter.
SOCKET = seccomp.ARCHITECTURES[platform.machine()][1]["socket"]
high_word = ctypes.c_long((1 << 32) | socket.AF_INET)
result["tcp_high_word"] = errno_of(lambda: libc.syscall(SOCKET, high_word, socket.SOCK_STREAM, 0))
result["netlink"] = family_errno(socket.AF_NETLINK, socket.SOCK_RAW)
# clone(CLONE_PARENT) would make a sibling of this process, which no walk of its descendants finds.
NUMBERS = seccomp.ARCHITECTURES[platform.machine()][1]
SIGCHLD = 17
def raw_clone(flags):
    pid = libc.syscall(NUMBERS["clone"], ctypes.c_ulong(flags), 0, 0, 0, 0)
    if pid == 0:  # a child the filter let through: it must not run the rest of this probe
        os._exit(9)
    if pid == -1:
        return ctypes.get_errno()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) if flags & seccomp.CLONE_PARENT == 0 else -pid
result["clone_parent"] = raw_clone(seccomp.CLONE_PARENT | SIGCHLD)
result["clone_plain"] = raw_clone(SIGCHLD)
result["clone3"] = errno_of(lambda: libc.syscall(NUMBERS["clone3"], 0, 0))
result["unix_dgram"] = family_errno(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    socket.socketpair(socket.AF_INET, socket.SOCK_STREAM)
    result["socketpair_inet"] = 0
except OSError as exc:  # the kernel itself says EOPNOTSUPP (95); the filter answers first
    result["socketpair_inet"] = exc.errno
a, b = socket.socketpair()
a.sendall(b"x")
result["unix_socket"] = b.recv(1).decode()
seen = []
thread = threading.Thread(target=lambda: seen.append(1))
thread.start()
thread.join()
result["thread"] = seen == [1]
child = os.fork()
if child == 0:
    os._exit(7)
result["fork"] = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
result["subprocess"] = __import__("subprocess").run(["true"]).returncode
result["seccomp"] = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:"))
print(json.dumps(result))
"""


def test_the_program_is_whole_bpf_instructions_and_unknown_machines_get_none() -> None:
    program = seccomp.program("x86_64")
    assert program is not None and len(program) % 8 == 0 and len(program) // 8 < 256
    assert seccomp.program("aarch64") is not None
    assert seccomp.program("sparc64") is None


def test_refused_calls_fail_with_an_errno_and_ordinary_work_goes_on() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "unshare_user": 1, "keyctl": 1,  # EPERM
        # EAFNOSUPPORT: every address family but AF_UNIX
        "vsock": 97, "tcp": 97, "udp": 97, "tcp6": 97, "tcp_high_word": 97, "netlink": 97, "socketpair_inet": 97,
        "unix_dgram": 0,
        "clone_parent": 1,  # EPERM
        "clone_plain": 9,  # a clone without refused flags runs (its child exits with 9)
        "clone3": 38,  # ENOSYS: its flags are in memory the filter cannot read, so glibc falls back to clone
        "unix_socket": "x", "thread": True, "fork": 7, "subprocess": 0, "seccomp": "2",
    }
