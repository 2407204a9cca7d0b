"""Runs INSIDE the student's process: the processes a cell started end with the cell."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator

# --- processes a cell started --------------------------------------------------------------------

PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Make this process the parent of every orphan of its descendants (a daemon that forked
    twice, a ``setsid`` background job), so :func:`descendants` still sees them."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # refused only by an old kernel: then orphans escape the list


def descendants() -> set[int]:
    """Every process below this one (children, theirs, and adopted orphans)."""
    try:  # one system call when there is no child at all, as in most cells (WNOWAIT reaps nothing)
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return set()
    found: set[int] = set()
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        for child in _children(pid):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _children(pid: int) -> list[int]:
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as handle:
                children += [int(p) for p in handle.read().split()]
    return children


def end_processes_started_since(before: set[int], rounds: int = 20) -> None:
    """SIGKILL every descendant not in ``before``, and reap those that are this process's children.

    A few rounds, for processes that fork while being ended; the sandbox's process limit bounds them.
    """
    for _ in range(rounds):
        leftover = descendants() - before
        if not leftover:
            return
        for pid in leftover:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid in leftover:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)  # only our own children can be reaped; the others' parents do it


@contextlib.contextmanager
def processes_end_with_the_cell() -> Iterator[None]:
    before = descendants()
    try:
        yield
    finally:
        end_processes_started_since(before)
