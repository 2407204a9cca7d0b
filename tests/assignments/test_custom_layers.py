"""The `custom_layers` assignment graded for real: solution, blank template, mistakes, alternatives.

Each notebook in tests/notebooks/custom_layers/ holds ONE typical mistake (or is a correct
alternative, `alt-*`) and states in its metadata which checks must fail and what their messages
must say; `autograder.validate` (the code behind `tfgrade validate`) grades them all and judges.
A mistake in MyDense also breaks the models built from it (q3, q4), so those checks are listed too.
"""

from __future__ import annotations

import pytest

from autograder import assignment
from autograder.execution import ProcessExecutor
from autograder.validate import Outcome, corpus, validate
from tests.conftest import fast_limits

pytestmark = pytest.mark.slow
VARIANTS = sorted(set(corpus(assignment.load("custom_layers"))) - {"solution", "template"})
TOTAL_POINTS = 16
CHECK_COUNT = 16


@pytest.fixture(scope="module")
def custom_layers() -> assignment.Assignment:
    return fast_limits(assignment.load("custom_layers"))


@pytest.fixture(scope="module")
def outcomes(custom_layers) -> dict[str, Outcome]:
    return {o.name: o for o in validate(custom_layers, ProcessExecutor)}


def test_corpus_holds_the_required_variety(custom_layers):
    notebooks = corpus(custom_layers)
    wrong = [n for n, (_, e) in notebooks.items() if e is not None and e.failing]
    right = [n for n, (_, e) in notebooks.items() if e is not None and not e.failing and n != "solution"]
    assert len(wrong) >= 8 and len(right) >= 3


def test_solution_scores_full_marks(outcomes):
    solution = outcomes["solution"]
    assert solution.problems == ()
    assert solution.graded.result.execution.cell_errors == ()
    assert solution.graded.score.earned == solution.graded.score.points == TOTAL_POINTS
    assert len(solution.graded.result.checks) == CHECK_COUNT


def test_blank_template_scores_zero_without_grader_error(outcomes):
    template = outcomes["template"]
    assert template.problems == ()
    assert template.graded.result.status == "graded"
    assert template.graded.score.earned == 0
    assert all(c.outcome == "failed" for c in template.graded.result.checks)
    assert "NotImplementedError" in " ".join(c.message for c in template.graded.result.checks)


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_loses_exactly_the_intended_points(outcomes, custom_layers, name):
    outcome = outcomes[name]
    assert outcome.problems == (), outcome.problems
    assert len(outcome.graded.result.checks) == CHECK_COUNT
    _, expect = corpus(custom_layers)[name]
    assert expect is not None
    lost = sum(c.points for c in outcome.graded.result.checks if c.name in expect.failing)
    assert outcome.graded.score.earned == outcome.graded.score.points - lost
    if not expect.failing:  # a correct alternative runs cleanly, not just to full marks
        assert outcome.graded.result.execution.cell_errors == ()
