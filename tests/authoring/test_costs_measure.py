"""tfgrade validate's measurement of what the solution costs (authoring/validate.py), with a fake executor."""

from __future__ import annotations

import dataclasses

from factories import FakeExecutor, autograph_checks, execution

from autograder.authoring.validate import cost_lines, measure_costs
from autograder.core import costs
from autograder.core.assignment import load
from autograder.core.limits import Limits


def test_the_solution_is_graded_under_the_declared_limits_and_its_worst_costs_kept() -> None:
    autograph = load("autograph")
    runs = iter([costs.Costs(1, 0.2, 3, 1, 20), costs.Costs(2, 0.1, 4, 0.5, 25)])

    class Measured(FakeExecutor):
        def run(self, notebook, assignment, *, include_hidden):  # type: ignore[no-untyped-def]
            return dataclasses.replace(super().run(notebook, assignment, include_hidden=include_hidden),
                                       costs=next(runs))

    fake = Measured(canned=execution(*autograph_checks()))
    measured, problems = measure_costs(autograph, fake, fallback=Limits(seed=99), repeats=2)

    assert problems == ()
    assert measured == costs.Costs(2, 0.2, 4, 1, 25)
    assert {call.assignment.limits for call in fake.calls} == {Limits(seed=99)}
    assert any("checks budget 12 s" in line for line in cost_lines(measured, Limits()))


def test_a_solution_without_full_marks_is_not_measured() -> None:
    fake = FakeExecutor(canned=execution(*autograph_checks("q2_hidden")))
    measured, problems = measure_costs(load("autograph"), fake, fallback=Limits())

    assert measured is None and problems and "q2_hidden" in problems[0]


def test_nothing_measured_is_a_problem_not_a_file_of_zeros() -> None:
    measured, problems = measure_costs(load("autograph"), FakeExecutor(), fallback=Limits())
    assert measured is None and "measured nothing" in problems[0]
