"""Turn check results into points: a pure function of a SubmissionResult and the assignment.

Maximum points come from the assignment, not from the checks that happened to run, so a rejected
or crashed submission still shows what it was out of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograder.core.results import CheckResult, SubmissionResult

if TYPE_CHECKING:  # only named: the CLI's help imports scoring without the assignment loader (nbformat)
    from autograder.core.assignment import Question

DECIMALS = 4
"""Scores are rounded to this many places so sums like 0.1 + 0.2 print as 0.3."""


@dataclass(frozen=True)
class Adjustment:
    """An instructor's override as applied to one score (:mod:`autograder.core.overrides`)."""

    automatic: float
    """The score before the override: what the checks gave."""
    change: str
    """The points as the instructor wrote them: ``7`` (set to 7) or ``+2`` / ``-1.5`` (added)."""
    reason: str
    """Why, in the instructor's words; the student reads it."""


@dataclass(frozen=True)
class LatePenalty:
    """What a late submission lost (:mod:`autograder.core.late`): its time, its deadline, the rule and the points."""

    submitted: str
    """When it was submitted, ISO 8601 with its UTC offset."""
    deadline: str
    """The student's deadline (an extension included), ISO 8601 with its UTC offset."""
    percent: float
    """The percent of the score the rule takes (0 within the grace period)."""
    taken: float
    """The points taken from the total: ``percent`` of it, or what a ``late`` override row sets."""
    per_day: float = 0.0
    per_hour: float = 0.0
    cap: float = 100.0
    grace_minutes: float = 0.0
    waived: str = ""
    """The reason of a ``late`` override row that changed the points taken ("" without one)."""
    change: str = ""
    """That row's points as written (``0`` waives the penalty)."""


@dataclass(frozen=True)
class QuestionScore:
    question: str
    title: str
    earned: float
    """The final score: with an override, what it made of the automatic one."""
    points: float
    override: Adjustment | None = None
    manual: bool = False
    """Hand-graded: 0 until a TA's score (an override) sets it."""

    @property
    def automatic(self) -> float:
        """What the checks gave, before any override."""
        return self.earned if self.override is None else self.override.automatic

    @property
    def waiting(self) -> bool:
        """A hand-graded question no TA has scored yet."""
        return self.manual and self.override is None


@dataclass(frozen=True)
class Score:
    earned: float
    """The final total: the sum of the final question scores, then any whole-assignment override."""
    points: float
    questions: tuple[QuestionScore, ...]
    override: Adjustment | None = None
    """A whole-assignment override; question overrides are on the questions."""
    late: LatePenalty | None = None
    """A late submission's penalty, taken from the total after every override (None: on time or no deadline)."""

    @property
    def automatic(self) -> float:
        """The total the checks gave, before any override of a question or of the total, and before lateness."""
        if not self.overridden:
            # as scored, even for a Score not built by score() (its questions may not add up)
            return round(self.earned + self.late_taken, DECIMALS) if self.late_taken else self.earned
        return round(sum(q.automatic for q in self.questions), DECIMALS)

    @property
    def late_taken(self) -> float:
        """The points the late penalty took from the total (0 without one)."""
        return self.late.taken if self.late is not None else 0.0

    @property
    def waiting(self) -> tuple[str, ...]:
        """The hand-graded questions no TA has scored yet (they count 0 until then)."""
        return tuple(q.question for q in self.questions if q.waiting)

    @property
    def overridden(self) -> bool:
        return self.override is not None or any(q.override is not None for q in self.questions)


def score(result: SubmissionResult, questions: Sequence[Question]) -> Score:
    """Score every question of the assignment; only a graded submission earns anything."""
    checks = result.checks if result.status == "graded" else ()
    per_question = tuple(_question_score(q, checks) for q in questions)
    return Score(
        earned=round(sum(q.earned for q in per_question), DECIMALS),
        points=round(sum(q.points for q in per_question), DECIMALS),
        questions=per_question,
    )


def _question_score(question: Question, checks: Sequence[CheckResult]) -> QuestionScore:
    # Checks naming a question the assignment does not declare are skipped here on purpose:
    # the grader reports them as an assignment problem, and they must not inflate a score.
    total = 0.0 if question.manual else sum(c.earned for c in checks if c.question == question.name)
    return QuestionScore(
        question=question.name,
        title=question.title,
        earned=round(_clamp(total, 0.0, question.points), DECIMALS),
        points=round(question.points, DECIMALS),
        manual=question.manual,
    )


def _clamp(value: float, low: float, high: float) -> float:
    # NaN compares false with everything, so min/max alone would let it through.
    if math.isnan(value):
        return low
    return max(low, min(value, high))
