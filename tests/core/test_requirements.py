"""The requirements table: loading, annotating results, and what `tfgrade validate` finds wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.authoring import validate
from autograder.core import assignment as assignments
from autograder.core import requirements
from autograder.core.requirements import Requirement, Requirements, RequirementsError
from autograder.core.results import CheckResult

TABLE = '''
[[requirement]]
id = "q1-values"
question = "q1"
text = "returns `3 * x + 2`"
checks = ["values", "values_any_shape"]
hint = "linear_layer should compute 3 * x + 2."

[[requirement]]
id = "q1-dtype"
question = "q1"
text = "the result has the same dtype"
checks = ["dtype"]
'''


def _check(name: str, visibility: str = "hidden") -> CheckResult:
    return CheckResult(name, "q1", 1.0, 0.0, "failed", "secret input [1, 2, 3]", visibility)  # type: ignore[arg-type]


def test_load_reads_each_requirement(tmp_path: Path) -> None:
    (tmp_path / "requirements.toml").write_text(TABLE, encoding="utf-8")
    table = requirements.load(tmp_path)
    assert [r.id for r in table.items] == ["q1-values", "q1-dtype"]
    assert table.of_check("values_any_shape") == table.get("q1-values")
    assert table.get("q1-dtype").hint == "the result has the same dtype"  # type: ignore[union-attr]


def test_no_table_is_an_empty_table(tmp_path: Path) -> None:
    assert requirements.load(tmp_path) == Requirements()


@pytest.mark.parametrize("body, words", [
    ("[[requirement]]\nid = 'x'\n", "needs question"),
    ("[[requirement]]\nid = 'Bad Id'\nquestion = 'q1'\ntext = 't'\n", "lower-case"),
    ("[[requirement]]\nid = 'a'\nquestion = 'q1'\ntext = 't'\nchecks = 'c'\n", "list of check names"),
    ("[[requirement]]\nid = 'a'\nquestion = 'q1'\ntext = 't'\npoints = 2\n", "unknown key 'points'"),
    ("requirement = 3\n", "[[requirement]]"),
    ("[[requirement\n", "not valid TOML"),
])
def test_a_malformed_table_says_what_to_write(tmp_path: Path, body: str, words: str) -> None:
    (tmp_path / "requirements.toml").write_text(body, encoding="utf-8")
    with pytest.raises(RequirementsError, match=words.replace("[", r"\[")):
        requirements.load(tmp_path)


def test_annotate_gives_hidden_checks_the_hint_and_public_ones_only_the_id(tmp_path: Path) -> None:
    (tmp_path / "requirements.toml").write_text(TABLE, encoding="utf-8")
    table = requirements.load(tmp_path)
    hidden, public, other = requirements.annotate(
        (_check("values_any_shape[3]"), _check("dtype", "public"), _check("unknown")), table
    )
    assert (hidden.requirement, hidden.hint) == ("q1-values", "linear_layer should compute 3 * x + 2.")
    assert (public.requirement, public.hint) == ("q1-dtype", "")
    assert (other.requirement, other.hint) == ("", "")


def test_problems_find_every_broken_link() -> None:
    table = Requirements((
        Requirement("a", "q1", "returns 3 * x + 2", ("values", "ghost"), "h"),
        Requirement("b", "q9", "not in the text", (), "h"),
        Requirement("c", "q1", "returns 3 * x + 2", ("values",), "h"),
    ))
    found = requirements.problems(table, {"values": "f.py", "orphan": "f.py"}, ("q1",), "it returns 3 * x + 2 .")
    text = "\n".join(found)
    assert "names check 'ghost'" in text
    assert "question 'q9'" in text
    assert "requirement b: its text is not in the student notebook" in text
    assert "requirement b has no check" in text
    assert "check values is claimed by requirements a and c" in text
    assert "check orphan (f.py) names no requirement" in text


def test_check_names_are_read_from_source_without_importing(tmp_path: Path) -> None:
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "test_hidden.py").write_text(
        "import nothing_that_exists\n\ndef test_a(student):\n    pass\n\ndef helper():\n    pass\n", encoding="utf-8"
    )
    assert requirements.check_names(tmp_path) == {"a": "hidden/test_hidden.py"}


@pytest.mark.parametrize("name", assignments.available())
def test_every_bundled_assignment_traces_each_check_to_its_text(name: str) -> None:
    assert validate.table_problems(assignments.load(name)) == []


def _graded(*checks: CheckResult):
    from autograder.core import scoring
    from autograder.core.assignment import Question
    from autograder.core.results import SubmissionResult
    from autograder.grading.pipeline import Graded

    result = SubmissionResult("nb.ipynb", "a", "graded", "", checks=checks)
    return Graded(result, scoring.score(result, (Question("q1", 2, ""), Question("q2", 1, ""))))


def _result(name: str, question: str, passed: bool) -> CheckResult:
    return CheckResult(name, question, 1.0, 1.0 if passed else 0.0, "passed" if passed else "failed", "", "hidden")


BREAKS = Requirements((
    Requirement("q1-values", "q1", "t", ("values",), "h"),
    Requirement("q1-dtype", "q1", "t", ("dtype",), "h"),
    Requirement("q2-loop", "q2", "t", ("loop",), "h"),
))


def test_a_single_mistake_must_fail_its_requirement_and_only_its_question() -> None:
    expect = validate.Expectation(failing={}, breaks="q1-values")
    ok = _graded(_result("values", "q1", False), _result("dtype", "q1", False), _result("loop", "q2", True))
    assert validate.judge("nb", ok, expect, BREAKS) == ()
    cascade = _graded(_result("values", "q1", False), _result("dtype", "q1", True), _result("loop", "q2", False))
    assert "loop (q2) should pass, since only q1 is broken" in validate.judge("nb", cascade, expect, BREAKS)[0]
    missed = _graded(_result("values", "q1", True), _result("dtype", "q1", False), _result("loop", "q2", True))
    assert "no check of requirement q1-values failed" in validate.judge("nb", missed, expect, BREAKS)[0]
    unknown = validate.Expectation(failing={}, breaks="q7-nothing")
    assert "does not have" in validate.judge("nb", ok, unknown, BREAKS)[0]


def test_a_solution_with_full_marks_but_a_raising_cell_is_a_problem() -> None:
    import dataclasses

    from autograder.core.results import CellError, ExecutionSummary

    graded = _graded(_result("values", "q1", True))
    error = CellError(7, "ValueError: which notebook?")
    run = ExecutionSummary("completed", "", cell_errors=(error,))
    broken = dataclasses.replace(graded, result=dataclasses.replace(graded.result, execution=run))
    full_marks = validate.Expectation(failing={})

    assert validate.judge("solution", graded, full_marks) == ()
    assert validate.judge("solution", broken, full_marks) == (
        "the solution's cell 7 raises ValueError: which notebook?",
    )
    assert validate.judge("some-alternative", broken, full_marks) == ()
