"""Every assignment graded for real: solution, blank template, and its corpus of notebooks.

Each corpus notebook (tests/notebooks/<assignment>/) holds ONE typical mistake, or is a correct
alternative written in another style, and states in its metadata which checks must fail and what
their messages must say. `autograder.authoring.validate` (the code behind `tfgrade validate`) grades them
all, two at a time, once per assignment; the tests only read the outcomes.
"""

from __future__ import annotations

from functools import cache

import pytest

from autograder.authoring.validate import Outcome, corpus, validate
from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from tests.conftest import fast_limits

pytestmark = pytest.mark.slow

# assignment -> (total points, number of checks)
ASSIGNMENTS = {"autograph": (11, 16), "functional": (12, 17), "custom_layers": (16, 20)}
MIN_NOTEBOOKS, MIN_ALTERNATIVES, MIN_SINGLE_MISTAKES = 25, 10, 12
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


def _kinds(name: str) -> tuple[list[str], list[str]]:
    """(correct alternatives, single-mistake notebooks) of an assignment's corpus."""
    notebooks = {n: e for n, (_, e) in corpus(loaded(name)).items() if n not in ("solution", "template")}
    right = [n for n, e in notebooks.items() if e is not None and not e.failing and not e.breaks]
    single = [n for n, e in notebooks.items() if e is not None and e.breaks]
    return right, single


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_corpus_holds_the_required_variety(name):
    right, single = _kinds(name)
    assert len(corpus(loaded(name))) - 2 >= MIN_NOTEBOOKS
    assert len(right) >= MIN_ALTERNATIVES, right
    assert len(single) >= MIN_SINGLE_MISTAKES, single


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_single_mistakes_cover_many_requirements_of_every_question(name):
    _, single = _kinds(name)
    table = loaded(name).requirements
    broken = {corpus(loaded(name))[n][1].breaks for n in single}  # type: ignore[union-attr]
    assert all(table.get(b) is not None for b in broken), broken
    assert {table.get(b).question for b in broken} == {q.name for q in loaded(name).questions}  # type: ignore[union-attr]
    assert len(broken) >= MIN_SINGLE_MISTAKES // 2


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
    score = outcome.graded.score
    if expect.breaks:  # one mistake: points lost in its question, full marks everywhere else
        question = loaded(name).requirements.get(expect.breaks).question  # type: ignore[union-attr]
        for q in score.questions:
            assert (q.earned < q.points) == (q.question == question), (q.question, q.earned, q.points)
        return
    lost = sum(c.points for c in checks if c.name in expect.failing)
    assert score.earned == score.points - lost
    if not expect.failing:  # a correct alternative runs cleanly, not just to full marks
        assert outcome.graded.result.execution.cell_errors == ()
