"""The grading pipeline with a fake executor and the real `autograph` assignment."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import (
    FakeExecutor,
    autograph_checks,
    check_result,
    execution,
    markdown,
    summary,
    write_answer,
    write_notebook,
)

from autograder.core.assignment import Assignment, load
from autograder.core.results import CellError, IntegrityFlag
from autograder.grading.execution import GraderError
from autograder.grading.pipeline import grade


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load("autograph")


def test_graded_submission_carries_the_run_and_the_checks(tmp_path: Path, assignment: Assignment) -> None:
    run = summary(message="The notebook ran; 1 cell raised an error (cell 3).",
                  cell_errors=(CellError(3, "NameError: name 'y' is not defined"),))
    checks = autograph_checks("q2_hidden")
    executor = FakeExecutor(execution(*checks, run=run))
    path = write_answer(tmp_path / "alice.ipynb")

    graded = grade(path, assignment, executor)

    assert graded.result.status == "graded"
    assert graded.result.submission == str(path)
    assert graded.result.assignment == "autograph"
    assert graded.result.message == run.message
    assert graded.result.execution == run
    assert graded.result.checks == checks
    assert (graded.score.earned, graded.score.points) == (9, 11)
    assert [q.earned for q in graded.score.questions] == [3, 1, 3, 2]


def test_executor_gets_the_loaded_notebook_with_hidden_checks(tmp_path: Path, assignment: Assignment) -> None:
    executor = FakeExecutor()
    path = write_answer(tmp_path / "alice.ipynb")

    grade(path, assignment, executor)

    (call,) = executor.calls
    assert call.include_hidden is True
    assert call.assignment is assignment
    assert call.notebook.path == path
    assert [c.number for c in call.notebook.cells] == [2, 3]


@pytest.mark.parametrize("content", [b"not a notebook", b'{"cells": 1}'])
def test_rejected_notebook_scores_zero_and_is_never_run(
    tmp_path: Path, assignment: Assignment, content: bytes
) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    executor = FakeExecutor()

    graded = grade(path, assignment, executor)

    assert graded.result.status == "rejected"
    assert graded.result.message.startswith("broken.ipynb is")
    assert graded.result.execution.status == "not_run"
    assert (graded.score.earned, graded.score.points) == (0, 11)
    assert executor.calls == []


def test_notebook_of_another_assignment_is_rejected(tmp_path: Path, assignment: Assignment) -> None:
    path = write_answer(tmp_path / "alice.ipynb", assignment="functional")
    executor = FakeExecutor()

    graded = grade(path, assignment, executor)

    assert graded.result.status == "rejected"
    assert "'functional', not 'autograph'" in graded.result.message
    assert executor.calls == []


def test_checks_that_do_not_add_up_are_a_grader_error(tmp_path: Path, assignment: Assignment) -> None:
    short = tuple(c for c in autograph_checks() if c.name != "q3_hidden")
    path = write_answer(tmp_path / "alice.ipynb")

    graded = grade(path, assignment, FakeExecutor(execution(*short)))

    assert graded.result.status == "grader_error"
    assert graded.result.message == (
        "Grader error: assignment.toml gives q3 3 points but its checks add up to 1"
    )
    assert (graded.score.earned, graded.score.points) == (0, 11)


def test_checks_worth_more_than_declared_are_a_grader_error(tmp_path: Path, assignment: Assignment) -> None:
    extra = (*autograph_checks(), check_result("bonus", "q4", points=0.5))
    path = write_answer(tmp_path / "alice.ipynb")

    graded = grade(path, assignment, FakeExecutor(execution(*extra)))

    assert graded.result.status == "grader_error"
    assert "gives q4 2 points but its checks add up to 2.5" in graded.result.message


def test_check_naming_an_undeclared_question_is_a_grader_error(tmp_path: Path, assignment: Assignment) -> None:
    checks = (*autograph_checks(), check_result("stray", "q9", points=0))
    path = write_answer(tmp_path / "alice.ipynb")

    graded = grade(path, assignment, FakeExecutor(execution(*checks)))

    assert graded.result.status == "grader_error"
    assert graded.result.message == (
        "Grader error: check stray names question 'q9', which assignment.toml does not declare"
    )


def test_public_only_run_skips_the_totals_check(tmp_path: Path, assignment: Assignment) -> None:
    executor = FakeExecutor()
    path = write_answer(tmp_path / "alice.ipynb")

    graded = grade(path, assignment, executor, include_hidden=False)

    assert executor.calls[0].include_hidden is False
    assert graded.result.status == "graded"
    assert [c.name for c in graded.result.checks] == ["q1_public", "q2_public", "q3_public", "q4_public"]
    assert (graded.score.earned, graded.score.points) == (4, 11)


def test_public_only_run_still_refuses_undeclared_questions(tmp_path: Path, assignment: Assignment) -> None:
    checks = (check_result("stray", "bonus"),)
    path = write_answer(tmp_path / "alice.ipynb")

    graded = grade(path, assignment, FakeExecutor(execution(*checks)), include_hidden=False)

    assert graded.result.status == "grader_error"
    assert "names question 'bonus'" in graded.result.message


def test_grader_error_from_the_executor_becomes_the_result(tmp_path: Path, assignment: Assignment) -> None:
    path = write_answer(tmp_path / "alice.ipynb")
    executor = FakeExecutor(errors={"alice.ipynb": GraderError("the checks did not finish within 840 s")})

    graded = grade(path, assignment, executor)

    assert graded.result.status == "grader_error"
    assert graded.result.message == "Grader error: the checks did not finish within 840 s"
    assert graded.score.earned == 0


def test_other_exceptions_are_left_to_the_batch_boundary(tmp_path: Path, assignment: Assignment) -> None:
    path = write_answer(tmp_path / "alice.ipynb")
    executor = FakeExecutor(errors={"alice.ipynb": RuntimeError("bug in the grader")})

    with pytest.raises(RuntimeError, match="bug in the grader"):
        grade(path, assignment, executor)


def test_timed_out_run_is_still_graded_with_its_message(tmp_path: Path, assignment: Assignment) -> None:
    run = summary("timeout", "Your notebook did not finish running in time: cell 7 was still running.")
    failing = autograph_checks(*(c.name for c in autograph_checks()))
    path = write_answer(tmp_path / "alice.ipynb")

    graded = grade(path, assignment, FakeExecutor(execution(*failing, run=run)))

    assert graded.result.status == "graded"
    assert graded.result.execution.status == "timeout"
    assert graded.result.message == run.message
    assert graded.score.earned == 0


def test_flags_come_from_the_submitted_source_and_change_no_score(tmp_path: Path, assignment: Assignment) -> None:
    """The pipeline reads the notebook itself: the (fake) execution says nothing about flags, and scores the same."""
    honest = grade(write_answer(tmp_path / "bob.ipynb"), assignment, FakeExecutor())
    path = write_notebook(tmp_path / "eve.ipynb", markdown("# Answers"), "import math",
                          "import gc as g\n\nhandlers = [o for o in g.get_objects() if isinstance(o, dict)]")

    graded = grade(path, assignment, FakeExecutor())

    assert graded.result.flags == (IntegrityFlag("interpreter-walk", 3, 3, "lists every live object (gc.get_objects)"),)
    assert honest.result.flags == ()
    assert graded.score == honest.score


def test_a_grader_error_keeps_the_flags_of_the_source(tmp_path: Path, assignment: Assignment) -> None:
    path = write_notebook(tmp_path / "eve.ipynb", "import autograder.wire.protocol")
    executor = FakeExecutor(errors={"eve.ipynb": GraderError("the checks did not finish within 840 s")})

    graded = grade(path, assignment, executor)

    assert graded.result.status == "grader_error"
    assert [f.short for f in graded.result.flags] == ["grader-import@1"]
