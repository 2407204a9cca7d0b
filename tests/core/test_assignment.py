"""Loading assignment.toml: the real `autograph` assignment and instructor mistakes."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from autograder.core import costs
from autograder.core.assignment import (
    AssignmentError,
    Question,
    available,
    declared_limits,
    load,
)
from autograder.core.limits import Limits, derived_limits
from tests.conftest import ROOT

VALID = """\
name = "demo"
title = "A demo"
notebook = "demo.ipynb"

[questions]
q1 = { points = 2, title = "First" }
q2 = { points = 1.5 }
"""


def make_assignment(tmp_path: Path, toml: str = VALID, notebook: str | None = "demo.ipynb") -> Path:
    root = tmp_path / "demo"
    root.mkdir()
    (root / "assignment.toml").write_text(toml, encoding="utf-8")
    if notebook:
        (root / notebook).write_text("{}", encoding="utf-8")
    return root


def load_error(root: Path) -> str:
    with pytest.raises(AssignmentError) as caught:
        load(root)
    return str(caught.value)


def test_autograph_loads_with_its_four_questions() -> None:
    autograph = load("autograph")

    assert autograph.name == "autograph"
    assert autograph.title == "Eager execution and AutoGraph"
    assert [(q.name, q.points) for q in autograph.questions] == [("q1", 3), ("q2", 3), ("q3", 3), ("q4", 2)]
    assert autograph.max_points == 11
    assert autograph.template.name == "autograph.ipynb" and autograph.template.is_file()
    assert autograph.public_checks.is_dir() and autograph.hidden_checks.is_dir()
    # assignment.toml says 180 and 60; its costs.toml (what the solution costs) derives tighter ones.
    assert autograph.costs is not None
    assert (autograph.limits.notebook_seconds, autograph.limits.request_seconds) == (20, 5)
    assert declared_limits(autograph).notebook_seconds == 180


def test_autograph_is_listed() -> None:
    assert "autograph" in available()


def test_question_lookup() -> None:
    autograph = load("autograph")

    assert autograph.question("q4") == Question("q4", 2.0, "scaled_sum: no retracing")
    assert autograph.question("q9") is None


def test_folder_path_loads_with_defaults_filled_in(tmp_path: Path) -> None:
    demo = load(make_assignment(tmp_path))

    assert (demo.name, demo.title) == ("demo", "A demo")
    assert demo.questions == (Question("q1", 2.0, "First"), Question("q2", 1.5, "q2"))
    assert demo.max_points == 3.5
    assert demo.limits == Limits()
    assert demo.root == (tmp_path / "demo").resolve()


def test_name_title_and_notebook_default_to_the_folder_name(tmp_path: Path) -> None:
    root = make_assignment(tmp_path, "[questions]\nq1 = { points = 1 }\n", notebook="demo.ipynb")

    demo = load(str(root))

    assert (demo.name, demo.title, demo.template.name) == ("demo", "demo", "demo.ipynb")


def test_limits_override_only_the_defaults_they_name(tmp_path: Path) -> None:
    demo = load(make_assignment(tmp_path, VALID + "\n[limits]\nnotebook_seconds = 5\nseed = 7\n"))

    assert demo.limits == Limits(notebook_seconds=5, seed=7)
    assert demo.limits.request_seconds == Limits().request_seconds


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(AssignmentError) as caught:
        load("no-such-assignment")

    known = ", ".join(available())
    assert "autograph" in known
    course = ROOT
    assert str(caught.value) == (
        f"No assignment called 'no-such-assignment' in the course at {course} (looked for "
        f"{course / 'assignments' / 'no-such-assignment' / 'assignment.toml'}). Known assignments: {known}."
    )


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    root = make_assignment(tmp_path, "name = [unclosed\n")

    message = load_error(root)

    assert message.startswith(f"{root / 'assignment.toml'}: not valid TOML:")


def test_no_questions_says_how_to_declare_one(tmp_path: Path) -> None:
    root = make_assignment(tmp_path, 'name = "demo"\n')

    assert load_error(root).endswith("assignment.toml: declares no [questions]; add e.g. q1 = {points = 2}")


@pytest.mark.parametrize("question", ['q1 = { title = "no points" }', 'q1 = { points = "2" }', "q1 = 2"])
def test_question_without_numeric_points_is_refused(tmp_path: Path, question: str) -> None:
    root = make_assignment(tmp_path, f"[questions]\n{question}\n")

    assert load_error(root).endswith("assignment.toml: question q1 needs a positive number of points")


def test_missing_notebook_is_named(tmp_path: Path) -> None:
    root = make_assignment(tmp_path, notebook=None)

    assert load_error(root).endswith("assignment.toml: the student notebook demo.ipynb is missing")


def test_unknown_limit_lists_the_known_ones(tmp_path: Path) -> None:
    root = make_assignment(tmp_path, VALID + "\n[limits]\nnotebook_secs = 5\ncpu = 1\n")

    message = load_error(root)

    known = ", ".join(f.name for f in fields(Limits))
    assert message.endswith(f"assignment.toml: unknown limits cpu, notebook_secs; known: {known}")
    assert "notebook_seconds" in known


def test_limit_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    root = make_assignment(tmp_path, VALID + '\n[limits]\nnotebook_seconds = "three minutes"\n')

    assert "notebook_seconds" in load_error(root)


# --- time limits in proportion to what the solution costs (costs.toml) ---------------------------


def test_limits_are_multiples_of_the_solutions_costs_with_floors() -> None:
    cheap = costs.Costs(notebook_cpu_seconds=1, slowest_request_seconds=0.1, checks_seconds=2,
                        slowest_runner_seconds=1)
    heavy = costs.Costs(notebook_cpu_seconds=40, slowest_request_seconds=3, checks_seconds=30,
                        slowest_runner_seconds=20)

    floors, scaled = derived_limits(Limits(), cheap), derived_limits(Limits(), heavy)

    assert (floors.notebook_seconds, floors.request_seconds, floors.checks_seconds, floors.runner_seconds) == (
        20, 5, 12, 30)
    assert (scaled.notebook_seconds, scaled.request_seconds, scaled.checks_seconds, scaled.runner_seconds) == (
        200, 30, 90, 100)
    assert derived_limits(Limits(cell_seconds=500), cheap).cell_seconds == 20  # a cell is part of the notebook
    assert derived_limits(Limits(seed=7), None) == Limits(seed=7)
    # A quick, quiet measurement of the whole grading never cuts the budget below its floor: a budget
    # of twice 4 s failed honest answers on a loaded machine.
    quick = costs.Costs(1, 0.1, 2, 1, grading_seconds=4)
    assert derived_limits(Limits(), quick).checks_seconds == 12


@pytest.mark.parametrize("name", ["autograph", "functional", "custom_layers"])
def test_a_stalling_student_costs_a_small_multiple_of_the_solution(name: str) -> None:
    """What answers just under the deadline can cost is bounded by the derived budget: the floor, or a
    few times the solution's answers (benchmarks/stalling.py measures it in wall time against an
    honest grading)."""
    a = load(name)
    assert a.costs is not None, f"assignments/{name}/costs.toml: run tfgrade validate {name} --measure-costs"
    # The budget bounds every answer's time, the one in flight included: stalling adds at most that.
    assert a.limits.checks_seconds == max(12, 3 * a.costs.checks_seconds)
    assert a.limits.checks_seconds >= 3 * a.costs.checks_seconds  # room for slower honest answers
    assert a.limits.request_seconds < a.limits.checks_seconds < declared_limits(a).checks_seconds


def test_costs_file_round_trip_and_refusal(tmp_path: Path) -> None:
    measured = costs.Costs(0.9, 0.165, 3.853, 1.08, 26.1)
    root = make_assignment(tmp_path, VALID)
    costs.write(root, measured)

    assert costs.read(root) == measured
    assert load(root).limits == derived_limits(load(root).limits, measured)
    (root / costs.FILE).write_text("[solution]\nnotebook_cpu_seconds = -1\n")
    with pytest.raises(AssignmentError, match="costs.toml"):
        load(root)
    assert costs.worst([measured, costs.Costs(2, 0.1, 1, 1, 9)]) == costs.Costs(2, 0.165, 3.853, 1.08, 26.1)
