"""Fixtures of the desk's tests: a graded batch in a temporary folder (canned checks, no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.core.assignment import Assignment, load
from tests.review.batches import graded_batch


@pytest.fixture(scope="session")
def autograph() -> Assignment:
    return load("autograph")


@pytest.fixture
def graded(tmp_path: Path, autograph: Assignment) -> tuple[Path, list[Path]]:
    return graded_batch(tmp_path, autograph)
