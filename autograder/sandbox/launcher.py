"""The sandbox as the grader sees it: the seam's types and the choice of a backend, under one name.

Importers say ``from autograder.sandbox import launcher as sandbox``; the pieces live in
:mod:`~autograder.sandbox.seam` (what a launcher is asked and gives back), :mod:`~autograder.sandbox.detect`
(choosing one), and the backends :mod:`~autograder.sandbox.bubblewrap` and
:mod:`~autograder.sandbox.unisolated`, with :mod:`~autograder.sandbox.cgroups`,
:mod:`~autograder.sandbox.freezer` and :mod:`~autograder.sandbox.processes` beneath them.
"""

from __future__ import annotations

from autograder.sandbox.bubblewrap import Bubblewrap, Forked
from autograder.sandbox.cgroups import job_name
from autograder.sandbox.detect import BACKENDS, choose, detect
from autograder.sandbox.fork_request import Programs
from autograder.sandbox.forkserver import shared_fork_server
from autograder.sandbox.seam import (
    PYTHON_MODULE,
    Bind,
    Command,
    Facts,
    Launcher,
    Program,
    Resources,
    Role,
    Running,
    SandboxError,
    frozen,
)
from autograder.sandbox.unisolated import Unisolated

__all__ = [
    "BACKENDS", "PYTHON_MODULE", "Bind", "Bubblewrap", "Command", "Facts", "Forked", "Launcher", "Program",
    "Programs", "Resources", "Role", "Running", "SandboxError", "Unisolated", "choose", "detect", "frozen",
    "job_name", "shared_fork_server",
]
