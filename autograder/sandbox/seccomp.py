"""A seccomp filter for sandboxed processes: the system calls a notebook never needs, refused.

Namespaces, uids and cgroups leave some kernel surface open to an unprivileged process. This
filter closes what matters on a grading machine:
- new namespaces (``unshare``, ``setns``, namespace flags to ``clone``): an unprivileged user
  namespace is where most local kernel exploits start;
- ``clone`` with ``CLONE_PARENT``: the child would be a sibling of the caller, not a descendant,
  so the sweep that ends what a cell started (a walk of the student process's descendants)
  would miss it, and only the job's cgroup would hold it. ``fork``, threads, ``subprocess`` and
  ``posix_spawn`` never ask for it;
- sockets of every address family but ``AF_UNIX`` (``socket`` and ``socketpair``). The
  grader's channels are ``AF_UNIX``, whose buffers are charged to the job's memory cgroup, and
  TensorFlow and Keras need no other to import, train, save or load. The others are refused
  because:
  - the kernel's buffers for loopback ``AF_INET``/``AF_INET6`` sockets (TCP and UDP) and for
    ``AF_NETLINK`` replies are charged to no job (cgroup v1): measured here, 200 loopback TCP
    connections written to and never read queued 1.5 GB of the host's TCP memory (shared by
    every socket on the machine) while the job's memory cgroup showed 8 MB; 100 netlink sockets
    sent requests they never read took 375 MB. The sandbox has no network to use them for;
  - ``AF_VSOCK`` is not network-namespaced, so a sandbox without network could still reach the
    host of a virtual machine (a VM's control agent often listens there);
  - asking for any other family can make the kernel load its protocol module, old code that
    unprivileged users otherwise never reach;
- mounting, kernel keyrings (shared by every process of a uid, so across students), ``bpf``,
  ``perf_event_open``, ``userfaultfd``, ``io_uring``, ``ptrace``, module loading and the like.

Refused calls fail with an errno (EPERM; EAFNOSUPPORT for a socket family, as on a kernel without
it; ENOSYS for ``clone3``, whose flags a classic BPF filter cannot read, so that the C library
falls back to ``clone``), never with a kill: a notebook that tries one gets an ``OSError``, like
any other refusal. A process of another architecture, or the x32 ABI, is killed.

The program is classic BPF, built here (no libseccomp needed). It is installed by bubblewrap
(``--seccomp FD``) for exec'd processes, and by the worker itself for forked ones.
"""

from __future__ import annotations

import errno
import functools
import platform
import struct

# struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8 * i (low word first on these CPUs).
NR, ARCH, ARG0 = 0, 4, 16

LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
JSET_K = 0x45
RET_K = 0x06

RET_KILL_PROCESS = 0x80000000
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000

AF_UNIX = 1
ALLOWED_FAMILIES = (AF_UNIX,)
"""``socket()`` and ``socketpair()`` in any other address family fail with EAFNOSUPPORT, as on a
kernel without it (libraries that probe for IPv4 or IPv6 support take it as "not here")."""
CLONE_PARENT = 0x00008000
CLONE_REFUSED = (
    CLONE_PARENT
    | 0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
    | 0x00000080  # CLONE_NEWTIME
)
"""Flags that make ``clone`` fail with EPERM: every new namespace, and a child that is not the caller's."""
X32_SYSCALL_BIT = 0x40000000

REFUSED = (
    "unshare", "setns", "mount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick",
    "move_mount", "open_tree", "mount_setattr", "keyctl", "add_key", "request_key", "bpf",
    "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "ptrace",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "iopl", "ioperm",
    "swapon", "swapoff", "reboot", "open_by_handle_at", "name_to_handle_at", "acct",
)

# Numbers per architecture: (audit arch, {name: number}). Calls an architecture lacks are absent.
_X86_64 = {
    "socket": 41, "socketpair": 53,
    "clone": 56, "clone3": 435, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
    "pivot_root": 155, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "move_mount": 429,
    "open_tree": 428, "mount_setattr": 442, "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321,
    "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "ptrace": 101, "kexec_load": 246, "kexec_file_load": 320, "init_module": 175,
    "finit_module": 313, "delete_module": 176, "iopl": 172, "ioperm": 173, "swapon": 167, "swapoff": 168,
    "reboot": 169, "open_by_handle_at": 304, "name_to_handle_at": 303, "acct": 163,
}
_AARCH64 = {
    "socket": 198, "socketpair": 199,
    "clone": 220, "clone3": 435, "unshare": 97, "setns": 268, "mount": 40, "umount2": 39,
    "pivot_root": 41, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "move_mount": 429,
    "open_tree": 428, "mount_setattr": 442, "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280,
    "perf_event_open": 241, "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "ptrace": 117, "kexec_load": 104, "kexec_file_load": 294, "init_module": 105,
    "finit_module": 273, "delete_module": 106, "swapon": 224, "swapoff": 225, "reboot": 142,
    "open_by_handle_at": 265, "name_to_handle_at": 264, "acct": 89,
}
ARCHITECTURES = {"x86_64": (0xC000003E, _X86_64), "aarch64": (0xC00000B7, _AARCH64)}


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _refuse(number: int, error: int) -> list[bytes]:
    """If the call is ``number``, fail it with ``error``; else go on."""
    return [_op(JEQ_K, number, 0, 1), _op(RET_K, RET_ERRNO | error)]


@functools.cache
def program(machine: str | None = None) -> bytes | None:
    """The filter for this machine's architecture, or None where it has no table here."""
    arch = ARCHITECTURES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, numbers = arch
    ops = [_op(LD_W_ABS, ARCH), _op(JEQ_K, audit_arch, 1, 0), _op(RET_K, RET_KILL_PROCESS), _op(LD_W_ABS, NR)]
    if audit_arch == ARCHITECTURES["x86_64"][0]:
        ops += [_op(JGE_K, X32_SYSCALL_BIT, 0, 1), _op(RET_K, RET_KILL_PROCESS)]
    for name in REFUSED:
        if name in numbers:
            ops += _refuse(numbers[name], errno.EPERM)
    ops += _refuse(numbers["clone3"], errno.ENOSYS)
    ops += [  # clone: refused only with a namespace flag or CLONE_PARENT
        _op(JEQ_K, numbers["clone"], 0, 4), _op(LD_W_ABS, ARG0), _op(JSET_K, CLONE_REFUSED, 0, 1),
        _op(RET_K, RET_ERRNO | errno.EPERM), _op(RET_K, RET_ALLOW),
    ]
    for call in ("socket", "socketpair"):
        ops += _only_families(numbers[call], ALLOWED_FAMILIES)
    ops.append(_op(RET_K, RET_ALLOW))
    return b"".join(ops)


def _only_families(number: int, families: tuple[int, ...]) -> list[bytes]:
    """If the call is ``number`` (``socket`` or ``socketpair``) in a family not in ``families``,
    fail it with EAFNOSUPPORT; else go on.

    Only the low word of the family is read: the kernel takes it as an ``int``, so the high word
    cannot change which family is asked for.
    """
    count = len(families)
    # Each allowed family jumps to the allow at the end; the last one that does not match falls
    # through to the refusal.
    checks = [_op(JEQ_K, family, count - i, 0) for i, family in enumerate(families)]
    return [
        _op(JEQ_K, number, 0, count + 3), _op(LD_W_ABS, ARG0), *checks,
        _op(RET_K, RET_ERRNO | errno.EAFNOSUPPORT), _op(RET_K, RET_ALLOW),
    ]
