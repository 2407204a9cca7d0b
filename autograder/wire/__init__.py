"""What crosses a process boundary: the protocol's frames and values, the artifacts' formats, and the
environment the grader sets for the student's process. Every side reads these; they import no side."""

from __future__ import annotations

GRADING_VARIABLE = "TFGRADE_GRADING"
"""Set by the grader in the student's process while it runs the notebook: a ``check("q1")`` or
``submit()`` cell left in the notebook then does nothing (the checks run outside, and a self-check
from inside the sandbox could only fail). Here, on the wire floor, so that both sides read it."""
