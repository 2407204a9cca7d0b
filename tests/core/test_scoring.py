"""Scoring: per-question sums, clamping, and zero for anything that was not graded."""

from __future__ import annotations

from autograder.core.assignment import Question
from autograder.core.results import CheckResult, SubmissionResult, SubmissionStatus
from autograder.core.scoring import QuestionScore, Score, score

QUESTIONS = (
    Question(name="q1", points=3.0, title="Build the model"),
    Question(name="q2", points=2.0, title="Train it"),
)


def check(question: str, earned: float, points: float = 1.0, name: str = "") -> CheckResult:
    passed = earned >= points
    return CheckResult(
        name=name or f"{question}-check",
        question=question,
        points=points,
        earned=earned,
        outcome="passed" if passed else "failed",
        message="" if passed else "not quite",
        visibility="public",
    )


def submission(*checks: CheckResult, status: SubmissionStatus = "graded") -> SubmissionResult:
    return SubmissionResult(
        submission="alice.ipynb",
        assignment="autograph",
        status=status,
        message="Graded." if status == "graded" else "Something went wrong.",
        checks=checks,
    )


def test_partial_credit_is_summed_per_question() -> None:
    result = submission(check("q1", 1.0), check("q1", 0.5), check("q1", 0.0), check("q2", 2, 2))

    assert score(result, QUESTIONS) == Score(
        earned=3.5,
        points=5.0,
        questions=(
            QuestionScore("q1", "Build the model", 1.5, 3.0),
            QuestionScore("q2", "Train it", 2.0, 2.0),
        ),
    )


def test_question_score_is_clamped_to_its_points() -> None:
    result = submission(check("q1", 2.0, 2.0), check("q1", 2.0, 2.0), check("q2", -1.0))

    q1, q2 = score(result, QUESTIONS).questions

    assert (q1.earned, q1.points) == (3.0, 3.0)
    assert (q2.earned, q2.points) == (0.0, 2.0)


def test_nan_earned_counts_as_zero() -> None:
    q1 = score(submission(check("q1", float("nan"))), QUESTIONS).questions[0]

    assert q1.earned == 0.0


def test_rejected_and_grader_error_score_zero_but_keep_max() -> None:
    for status in ("rejected", "grader_error"):
        result = submission(check("q1", 1.0), check("q2", 1.0), status=status)

        total = score(result, QUESTIONS)

        assert (total.earned, total.points) == (0.0, 5.0), status
        assert [(q.earned, q.points) for q in total.questions] == [(0.0, 3.0), (0.0, 2.0)]


def test_checks_for_unknown_questions_do_not_count() -> None:
    total = score(submission(check("q1", 1.0), check("q9", 5.0, 5.0)), QUESTIONS)

    assert total.earned == 1.0
    assert [q.question for q in total.questions] == ["q1", "q2"]


def test_float_noise_is_rounded_away() -> None:
    result = submission(check("q1", 0.1), check("q1", 0.2))

    assert score(result, QUESTIONS).questions[0].earned == 0.3


def test_question_without_checks_scores_zero() -> None:
    q2 = score(submission(check("q1", 1.0)), QUESTIONS).questions[1]

    assert (q2.earned, q2.points) == (0.0, 2.0)
