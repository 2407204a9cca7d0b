"""What the grader and its fork server say to each other (:mod:`~autograder.sandbox.forkserver`): a spawn
:class:`Request` with its descriptors attached, and the :class:`Programs` the server may run.

The sandbox names no program: the executor that builds the fork server hands it the list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

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

@dataclass(frozen=True)
class Programs:
    """The modules a fork server may run (``main(argv)`` in a forked worker), and what else it imports before
    it forks: what those programs would import themselves on first use. Given by the executor; any other
    module is refused by the server, and goes through the exec route instead.

    The server reads them on its stdin, never from its environment or argv: a worker's /proc/self/environ
    and cmdline are the server's, and must not tell the student's code what the other programs are."""

    modules: tuple[str, ...]
    preload: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"modules": list(self.modules), "preload": list(self.preload)})

    @classmethod
    def from_json(cls, text: str) -> Programs:
        data = json.loads(text)
        return cls(tuple(str(m) for m in data["modules"]), tuple(str(m) for m in data.get("preload", ())))



@dataclass(frozen=True)
class Descriptors:
    output: int
    status: int
    namespaces: dict[str, int]
    passed: list[int]

    @classmethod
    def of(cls, fds: list[int]) -> Descriptors:
        count = len(NAMESPACES)
        return cls(fds[0], fds[1], dict(zip(NAMESPACES, fds[2:2 + count], strict=True)), fds[2 + count:])

