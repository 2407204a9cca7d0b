"""What students run themselves: the self-check and submit, from a terminal or a notebook cell."""

from __future__ import annotations

import os

from autograder.wire import GRADING_VARIABLE

__all__ = ["GRADING_VARIABLE", "inside_grading"]


def inside_grading() -> bool:
    """Whether this process is the grader running a student's notebook."""
    return bool(os.environ.get(GRADING_VARIABLE))
