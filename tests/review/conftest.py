"""Fixtures of the desk's tests: a graded batch (canned checks, no TensorFlow).

``batch`` is graded once per session and only read: a test that decides writes its overrides file in its own
``tmp_path`` (the desk takes any path, as ``--overrides`` does). A test that changes the grading folder itself
(a regrade, a damaged report) takes ``graded``, a fresh batch of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.core.assignment import Assignment, load
from tests.review.batches import graded_batch


@pytest.fixture(scope="session")
def autograph() -> Assignment:
    return load("autograph")


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory, autograph: Assignment) -> tuple[Path, list[Path]]:
    return graded_batch(tmp_path_factory.mktemp("batch"), autograph)


@pytest.fixture
def graded(tmp_path: Path, autograph: Assignment) -> tuple[Path, list[Path]]:
    return graded_batch(tmp_path, autograph)
