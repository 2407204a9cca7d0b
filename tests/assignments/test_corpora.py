"""Every assignment graded for real: solution, blank template, and its corpus of notebooks.

Each corpus notebook (tests/notebooks/<assignment>/) holds ONE typical mistake, or is a correct
alternative written in another style, and states in its metadata which checks must fail and what
their messages must say. `autograder.core.validate` (the code behind `tfgrade validate`) grades them
all, two at a time, once per assignment; the tests only read the outcomes.
"""

from __future__ import annotations

from functools import cache

import pytest

from autograder.core import assignment
from autograder.core.execution import ProcessExecutor
from autograder.core.validate import Outcome, corpus, validate
from tests.conftest import fast_limits

pytestmark = pytest.mark.slow

# assignment -> (total points, number of checks)
ASSIGNMENTS = {"autograph": (11, 11), "functional": (12, 11), "custom_layers": (16, 20)}
VARIANTS = [
    (name, variant)
    for name in ASSIGNMENTS
    for variant in sorted(set(corpus(assignment.load(name))) - {"solution", "template"})
]


@cache
def loaded(name: str) -> assignment.Assignment:
    return fast_limits(assignment.load(name))


@cache
def outcomes(name: str) -> dict[str, Outcome]:
    return {o.name: o for o in validate(loaded(name), ProcessExecutor)}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_corpus_holds_the_required_variety(name):
    notebooks = corpus(loaded(name))
    wrong = [n for n, (_, e) in notebooks.items() if e is not None and e.failing]
    right = [n for n, (_, e) in notebooks.items() if e is not None and not e.failing and n != "solution"]
    assert len(wrong) >= 8 and len(right) >= 3


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_scores_full_marks(name):
    points, checks = ASSIGNMENTS[name]
    solution = outcomes(name)["solution"]
    assert solution.problems == ()
    assert solution.graded.result.execution.cell_errors == ()
    assert solution.graded.score.earned == solution.graded.score.points == points
    assert len(solution.graded.result.checks) == checks


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_template_scores_zero_without_grader_error(name):
    template = outcomes(name)["template"]
    assert template.problems == ()
    assert template.graded.result.status == "graded"
    assert template.graded.score.earned == 0
    assert all(c.outcome == "failed" for c in template.graded.result.checks)
    assert "NotImplementedError" in " ".join(c.message for c in template.graded.result.checks)


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_variant_loses_exactly_the_intended_points(name, variant):
    outcome = outcomes(name)[variant]
    assert outcome.problems == (), outcome.problems
    _, expect = corpus(loaded(name))[variant]
    assert expect is not None
    checks = outcome.graded.result.checks
    assert len(checks) == ASSIGNMENTS[name][1]
    lost = sum(c.points for c in checks if c.name in expect.failing)
    assert outcome.graded.score.earned == outcome.graded.score.points - lost
    if not expect.failing:  # a correct alternative runs cleanly, not just to full marks
        assert outcome.graded.result.execution.cell_errors == ()
