"""Turn check results into points: a pure function of a SubmissionResult and the assignment.

Maximum points come from the assignment, not from the checks that happened to run, so a rejected
or crashed submission still shows what it was out of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from autograder.core.assignment import Question
from autograder.core.results import CheckResult, SubmissionResult

DECIMALS = 4
"""Scores are rounded to this many places so sums like 0.1 + 0.2 print as 0.3."""


@dataclass(frozen=True)
class QuestionScore:
    question: str
    title: str
    earned: float
    points: float


@dataclass(frozen=True)
class Score:
    earned: float
    points: float
    questions: tuple[QuestionScore, ...]


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
    total = sum(c.earned for c in checks if c.question == question.name)
    return QuestionScore(
        question=question.name,
        title=question.title,
        earned=round(_clamp(total, 0.0, question.points), DECIMALS),
        points=round(question.points, DECIMALS),
    )


def _clamp(value: float, low: float, high: float) -> float:
    # NaN compares false with everything, so min/max alone would let it through.
    if math.isnan(value):
        return low
    return max(low, min(value, high))
