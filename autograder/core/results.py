"""Result values shared by every stage. All frozen: stages return new values, never mutate.

These are also the schema of what crosses from the trusted check process to the grader and of the
stored reports, so every field is a plain JSON type; their JSON layouts are in :mod:`autograder.core.codec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from autograder import messages

SCHEMA_VERSION = 1
"""The layout of report.json (docs/report-schema.md); bumped on an incompatible change."""

Outcome = Literal["passed", "failed", "error"]
"""passed / failed are the student's; error means the check itself broke (a grader problem)."""

Visibility = Literal["public", "hidden"]

ExecutionStatus = Literal["completed", "timeout", "died", "not_run"]

SubmissionStatus = Literal["graded", "rejected", "grader_error"]
"""rejected: the file is not a gradable notebook for this assignment (scores 0, says why)."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    question: str
    points: float
    earned: float
    outcome: Outcome
    message: str
    visibility: Visibility
    details: str = ""
    """Instructor-only measurements the check recorded (pytest ``record_property``)."""
    requirement: str = ""
    """The id of the requirement of the question's text this check tests (``requirements.toml``)."""
    hint: str = ""
    """Safe for students, one line each: which requirement failed (hidden checks), the Keras 2 / TF 1 habit
    its error comes from, the failed cell behind it (:mod:`autograder.core.habits`); never the check's
    inputs or expected values."""


@dataclass(frozen=True)
class CellError:
    cell: int
    """1-based position of the cell in the notebook, counting every cell (as Jupyter shows them)."""
    error: str
    """One line: the exception type and message, e.g. ``ZeroDivisionError: division by zero``."""
    hint: str = ""
    """What changed and what to write now, when the error comes from a Keras 2 / TF 1 habit
    (:mod:`autograder.core.habits`); empty otherwise."""


@dataclass(frozen=True)
class ExecutionSummary:
    status: ExecutionStatus
    message: str
    cell_errors: tuple[CellError, ...] = ()
    output: str = ""
    """What the student's code printed, capped; instructor-facing, never used for scoring."""
    isolation: str = ""
    """How the student's code was isolated (sandbox and limits in force), for the instructor."""
    limits_hit: tuple[str, ...] = ()
    """Limits the kernel reports were hit: ``memory``, ``processes``."""
    missing_names: tuple[str, ...] = ()
    """Names the assignment requires that the notebook did not define."""


FlagKind = Literal["grader-import", "interpreter-walk", "inherited-fd", "grader-patch"]
"""How a submission's code reaches into the grader (:mod:`autograder.core.integrity`)."""
FLAG_KINDS: tuple[FlagKind, ...] = get_args(FlagKind)


@dataclass(frozen=True)
class IntegrityFlag:
    """One place where the submitted source reaches into the grader, for the instructor to review.

    Found by the grader's own reading of the source, never reported by the student's process.
    A flag never changes a score; a student reads only a neutral line.
    """

    kind: FlagKind
    cell: int
    """1-based position of the cell in the notebook, counting every cell (as Jupyter shows them)."""
    line: int
    """1-based line in the cell's code."""
    detail: str
    """What the code does, in plain words for the instructor: ``imports autograder.wire.protocol``."""

    @property
    def short(self) -> str:
        """``grader-import@2``: the kind and the cell, as grades.csv lists them."""
        return f"{self.kind}@{self.cell}"


@dataclass(frozen=True)
class SubmissionResult:
    submission: str
    assignment: str
    status: SubmissionStatus
    message: str
    execution: ExecutionSummary = field(
        default_factory=lambda: ExecutionSummary("not_run", messages.NOT_RUN.format())
    )
    checks: tuple[CheckResult, ...] = ()
    language: str = "en"
    """The language its feedback is written in (:mod:`autograder.i18n`); reports before it were English."""
    flags: tuple[IntegrityFlag, ...] = ()
    """Where the submitted source reaches into the grader (:mod:`autograder.core.integrity`); never scored."""
