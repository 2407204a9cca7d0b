"""The `functional` assignment graded for real: solution, blank template, and the mistake corpus.

Each notebook in tests/notebooks/functional/ holds ONE typical mistake (or is a correct
alternative: other layer names, creation order, Functional instead of Sequential, ops instead of
layers) and states in its metadata which checks must fail and what their messages must say;
`autograder.validate` (the code behind `tfgrade validate`) grades them all and judges.
"""

from __future__ import annotations

import pytest

from autograder import assignment
from autograder.execution import ProcessExecutor
from autograder.validate import Outcome, corpus, validate
from tests.conftest import fast_limits

pytestmark = pytest.mark.slow
VARIANTS = sorted(set(corpus(assignment.load("functional"))) - {"solution", "template"})
POINTS = 12
CHECKS = 11


@pytest.fixture(scope="module")
def functional() -> assignment.Assignment:
    return fast_limits(assignment.load("functional"))


@pytest.fixture(scope="module")
def outcomes(functional) -> dict[str, Outcome]:
    return {o.name: o for o in validate(functional, ProcessExecutor)}


def test_corpus_holds_the_required_variety(functional):
    notebooks = corpus(functional)
    wrong = [n for n, (_, e) in notebooks.items() if e is not None and e.failing]
    right = [n for n, (_, e) in notebooks.items() if e is not None and not e.failing and n != "solution"]
    assert len(wrong) >= 8 and len(right) >= 3


def test_solution_scores_full_marks(outcomes):
    solution = outcomes["solution"]
    assert solution.problems == ()
    assert solution.graded.result.execution.cell_errors == ()
    assert solution.graded.score.earned == solution.graded.score.points == POINTS
    assert len(solution.graded.result.checks) == CHECKS


def test_blank_template_scores_zero_without_grader_error(outcomes):
    template = outcomes["template"]
    assert template.problems == ()
    assert template.graded.result.status == "graded"
    assert template.graded.score.earned == 0
    assert all(c.outcome == "failed" for c in template.graded.result.checks)
    assert "NotImplementedError" in " ".join(c.message for c in template.graded.result.checks)


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_loses_exactly_the_intended_points(outcomes, functional, name):
    outcome = outcomes[name]
    assert outcome.problems == (), outcome.problems
    _, expect = corpus(functional)[name]
    assert expect is not None
    checks = outcome.graded.result.checks
    assert len(checks) == CHECKS
    lost = sum(c.points for c in checks if c.name in expect.failing)
    assert outcome.graded.score.earned == outcome.graded.score.points - lost
