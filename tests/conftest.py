"""Shared fixtures: real gradings are expensive, so each scenario notebook is graded once per run."""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import lean_imports

lean_imports.jsonschema()  # as the tfgrade command does: a second less for every test run that reads notebooks

from autograder.core import assignment  # noqa: E402
from autograder.grading.execution import ProcessExecutor  # noqa: E402
from autograder.grading.pipeline import Graded, grade  # noqa: E402

# A fork server per process, as before warm servers: a test sees only the processes it started, and none
# outlives the run (tests/sandbox/test_warm_server.py turns warm servers on where it tests them).
os.environ.setdefault("TFGRADE_WARM_SECONDS", "0")

TESTS = Path(__file__).resolve().parent
"""tests/: a test file reaches fixtures/ and notebooks/ from here, whatever folder of the mirror it sits in."""
ROOT = TESTS.parent
NOTEBOOKS = TESTS / "notebooks"


def fast_limits(a: assignment.Assignment) -> assignment.Assignment:
    """The real assignment with short cell/notebook/request limits, so hanging scenarios end quickly.

    Never longer than the assignment's own (derived from its costs.toml). They count the jobs' own time
    (CPU, or wall less waiting for a CPU), so a loaded machine does not make honest notebooks hit them.
    """
    limits = dataclasses.replace(a.limits, cell_seconds=min(10, a.limits.cell_seconds),
                                 notebook_seconds=min(90, a.limits.notebook_seconds),
                                 request_seconds=min(30, a.limits.request_seconds))
    return dataclasses.replace(a, limits=limits)


def grade_many(paths: dict[str, Path], a: assignment.Assignment) -> dict[str, Graded]:
    """Grade notebooks two at a time (one per core); same keys as ``paths``."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        graded = pool.map(lambda p: grade(p, a, ProcessExecutor()), paths.values())
        return dict(zip(paths, graded, strict=True))


@pytest.fixture(scope="session")
def autograph() -> assignment.Assignment:
    return fast_limits(assignment.load("autograph"))


SANDBOX = TESTS / "sandbox"
NO_SANDBOX_NEEDED: tuple[str, ...] = (
    "test_forkserver_preload.py",
    "test_keras_optional.py",
    "test_seccomp.py",
)
"""Tests of autograder/sandbox/ that need no real sandbox: they sat flat in tests/ before it mirrored the
package (issue 20, item 7), so they stay unmarked and ``make test-fast`` runs them."""


def _needs_real_sandbox(path: Path) -> bool:
    return path.resolve().is_relative_to(SANDBOX) and path.name not in NO_SANDBOX_NEEDED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every other test under tests/sandbox/ needs the real sandbox (bubblewrap, cgroups): mark it so
    ``make test-fast`` can leave those out along with the real gradings (``slow``)."""
    for item in items:
        if _needs_real_sandbox(Path(str(item.path))):
            item.add_marker(pytest.mark.sandbox)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A run that leaves ``sandbox`` out (``make test-fast``) does not even import those modules: seconds
    less. Only a shortcut: the marker above is what deselects them."""
    skipping = "not sandbox" in (config.getoption("markexpr") or "")
    if skipping and collection_path.name.startswith("test_") and _needs_real_sandbox(collection_path):
        return True
    return None
