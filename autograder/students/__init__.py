"""What students run themselves: the self-check and submit, from a terminal or a notebook cell."""

from __future__ import annotations

import os

GRADING_VARIABLE = "TFGRADE_GRADING"
"""Set by the grader in the student's process while it runs the notebook: a ``check("q1")`` or
``submit()`` cell left in the notebook then does nothing (the checks run outside, and a self-check
from inside the sandbox could only fail). Kept here, light to import, for both sides."""


def inside_grading() -> bool:
    """Whether this process is the grader running a student's notebook."""
    return bool(os.environ.get(GRADING_VARIABLE))
