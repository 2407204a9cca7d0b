"""Result values shared by every stage. All frozen: stages return new values, never mutate.

These are also the schema of what crosses from the trusted check process to the grader (as JSON,
see :func:`checks_from_json`), so every field is a plain JSON type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from autograder import messages

SCHEMA_VERSION = 1

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

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "question": self.question,
            "points": self.points,
            "earned": self.earned,
            "outcome": self.outcome,
            "message": self.message,
            "visibility": self.visibility,
            "details": self.details,
        }


@dataclass(frozen=True)
class CellError:
    cell: int
    """1-based position of the cell in the notebook, counting every cell (as Jupyter shows them)."""
    error: str
    """One line: the exception type and message, e.g. ``ZeroDivisionError: division by zero``."""


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


def check_from_json(data: dict[str, Any]) -> CheckResult:
    """Rebuild a CheckResult from the check process's JSON; raises ValueError when malformed."""
    try:
        result = CheckResult(
            name=str(data["name"]),
            question=str(data["question"]),
            points=float(data["points"]),
            earned=float(data["earned"]),
            outcome=data["outcome"],
            message=str(data["message"]),
            visibility=data["visibility"],
            details=str(data.get("details", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed check result: {exc}") from exc
    if result.outcome not in ("passed", "failed", "error"):
        raise ValueError(f"unknown outcome {result.outcome!r}")
    if result.visibility not in ("public", "hidden"):
        raise ValueError(f"unknown visibility {result.visibility!r}")
    return result
