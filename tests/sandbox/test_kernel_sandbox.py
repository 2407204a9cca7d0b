"""Shell commands from a student's cells (``!cmd``), run inside the real sandbox: its limits hold for them too.

``!`` starts /bin/sh from the student's process, which is already locked down: the shell and what it
starts inherit the uid, the seccomp filter (namespaces, socket families) and the process limit, and
whatever a command leaves running ends with its cell.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kernel_runs import RESOURCES, ran

from autograder.grading import execution
from autograder.sandbox import launcher as sandbox

LAUNCHER = sandbox.detect().with_programs(execution.PROGRAMS)
if not LAUNCHER.isolated:
    pytest.skip(f"needs the sandbox, which is off: {LAUNCHER.description}", allow_module_level=True)


def test_shell_commands_run_under_the_sandboxs_uid_filter_and_limits(tmp_path: Path) -> None:
    cells = [
        "import sys\nwho = !id -u\nuid = int(who[0])",
        "inet = !{sys.executable} -c \"import socket; socket.socket(socket.AF_INET); print('made')\" 2>&1",
        "ns = !unshare --user true 2>&1; echo status $?",
        "forks = !for i in $(seq 200); do sleep 30 & done 2>&1; echo looped",
        "from autograder.student_side import kernel\nleft_after_forks = sorted(kernel.descendants())",
        "!sleep 100",
        "left_after_timeout = sorted(kernel.descendants())",
        "%pip install requests",
        "after = 1",
    ]
    resources = sandbox.Resources(memory_bytes=RESOURCES.memory_bytes, processes=64, tmp_bytes=RESOURCES.tmp_bytes)
    with ran(tmp_path, cells, launcher=LAUNCHER, cell_seconds=15, resources=resources) as run:
        assert [n for n, e in run.errors.items() if e] == [6, 8], run.errors
        assert run.get("uid") != 0
        inet = run.get("inet.n")  # only AF_UNIX sockets in the sandbox: EAFNOSUPPORT
        assert "Address family not supported" in inet and "made" not in inet
        namespaces = run.get("ns.n")  # the filter refuses new namespaces
        assert "Operation not permitted" in namespaces and "status 0" not in namespaces
        forks = run.get("forks.n")
        assert "Cannot fork" in forks or "Resource temporarily unavailable" in forks, forks  # the process limit
        assert run.get("left_after_forks") == []
        assert run.error_of(6).startswith("CellTimeout")
        assert run.get("left_after_timeout") == []
        assert "CannotInstallPackages" in run.error_of(8)
        assert run.get("after") == 1
