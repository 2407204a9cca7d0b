"""tfgrade new: a scaffolded assignment that validates as it is, and never overwrites."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.authoring import assign, scaffold, validate
from autograder.cli import main
from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor

FILES = ["solutions/week1.ipynb", "assignments/week1/assignment.toml", "assignments/week1/requirements.toml",
         "assignments/week1/checks/public/test_public.py", "assignments/week1/checks/hidden/test_hidden.py",
         "assignments/week1/week1.ipynb"]


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_with_no_course_it_makes_one_here_and_says_so(tmp_path: Path) -> None:
    made = scaffold.create("week1", cwd=tmp_path)

    assert made.new_course and made.root == tmp_path
    assert sorted(tree(tmp_path)) == sorted(FILES)
    text = made.text()
    assert f"Made a new course in {tmp_path}" in text
    assert all(f"  {f}" in text for f in FILES)
    for command in ("tfgrade assign week1", "tfgrade validate week1", "tfgrade release week1 --out release/"):
        assert command in text
    assert "--course" not in text  # from here, the next commands find the course


def test_with_a_language_it_also_writes_the_catalog_translators_fill_in(tmp_path: Path) -> None:
    made = scaffold.create("week1", cwd=tmp_path, languages=("ko",))

    korean = tmp_path / "assignments/week1/locale/ko/LC_MESSAGES/assignment.po"
    assert korean in made.files and (tmp_path / "assignments/week1/locale/assignment.pot") in made.files
    catalog = korean.read_text(encoding="utf-8")
    assert "#. hint of requirement" in catalog and "Language: ko" in catalog  # the example's texts, to translate
    assert "tfgrade catalogs week1" in made.text() and "locale/ko/LC_MESSAGES/assignment.po" in made.text()


def test_in_a_course_it_adds_the_assignment_there(tmp_path: Path) -> None:
    scaffold.create("week1", cwd=tmp_path)
    inside = tmp_path / "assignments" / "week1"

    made = scaffold.create("week2", cwd=inside)

    assert not made.new_course and made.root == tmp_path
    assert (tmp_path / "assignments" / "week2" / "assignment.toml").is_file()
    assert "Course: " in made.text()


def test_a_course_elsewhere_is_named_in_the_next_commands(tmp_path: Path) -> None:
    made = scaffold.create("week1", course=tmp_path / "course", cwd=tmp_path)

    assert made.new_course and made.root == tmp_path / "course"
    assert f"tfgrade assign week1 --course {tmp_path / 'course'}" in made.text()


def test_an_existing_assignment_is_never_overwritten(tmp_path: Path) -> None:
    scaffold.create("week1", cwd=tmp_path)
    (tmp_path / "solutions" / "week1.ipynb").write_text("my edited solution", encoding="utf-8")
    before = tree(tmp_path)

    with pytest.raises(assignment.AssignmentError, match="already exists .* tfgrade new never overwrites"):
        scaffold.create("week1", cwd=tmp_path)
    (tmp_path / "solutions" / "other.ipynb").write_text("mine", encoding="utf-8")
    with pytest.raises(assignment.AssignmentError, match="already exists"):
        scaffold.create("other", cwd=tmp_path)

    assert tree(tmp_path) == {**before, "solutions/other.ipynb": b"mine"}


@pytest.mark.parametrize("name", ["", "3d", "../up", "a b", "x/y"])
def test_a_name_that_cannot_be_a_folder_and_a_metadata_value_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(assignment.AssignmentError, match="cannot be an assignment's name"):
        scaffold.create(name, cwd=tmp_path)
    assert not any(tmp_path.iterdir())


def test_the_scaffold_loads_its_student_notebook_is_fresh_and_its_table_holds(tmp_path: Path) -> None:
    scaffold.create("week1", cwd=tmp_path)

    loaded = assignment.load("week1", tmp_path)

    assert [(q.name, q.points) for q in loaded.questions] == [("q1", 2.0)]
    assert loaded.solution == tmp_path / "solutions" / "week1.ipynb" and loaded.tensorflow
    assert assign.check(assignment.notebooks("week1", tmp_path)).fresh
    assert validate.table_problems(loaded) == []


def test_the_command_prints_what_it_made_and_refuses_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TFGRADE_COURSE", raising=False)

    assert main(["new", "week1"]) == 0
    assert "Created assignment 'week1'" in capsys.readouterr().out
    assert main(["new", "week1"]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> list[validate.Outcome]:
    root = tmp_path_factory.mktemp("course")
    scaffold.create("week1", cwd=root)
    return validate.validate(assignment.load("week1", root), ProcessExecutor, workers=2)


@pytest.mark.slow
def test_a_fresh_scaffold_passes_validate(validated: list[validate.Outcome]) -> None:
    outcomes = {o.name: o for o in validated}

    assert sorted(outcomes) == ["solution", "template"]
    assert all(o.problems == () for o in validated), [o.problems for o in validated]
    solution, template = outcomes["solution"].graded, outcomes["template"].graded
    assert solution.score.earned == solution.score.points == 2
    assert template.result.status == "graded" and template.score.earned == 0
    # The check("q1") cell does nothing while the grader runs the notebook: no cell error.
    assert solution.result.execution.cell_errors == ()
    assert os.environ.get("TFGRADE_GRADING") is None
