"""Finding the course: --course, then TFGRADE_COURSE, then the nearest parent holding assignments/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder import cli
from autograder.core import assignment as assignments
from autograder.core import course as courses
from tests.conftest import ROOT, TESTS

REPO = ROOT
TINY = TESTS / "fixtures" / "tiny"


def make_course(root: Path, *names: str) -> Path:
    for name in names:
        target = root / "assignments" / name
        shutil.copytree(TINY, target)
        config = target / "assignment.toml"
        config.write_text(config.read_text(encoding="utf-8").replace('name = "tiny"', f'name = "{name}"'),
                          encoding="utf-8")
    (root / "assignments").mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(autouse=True)
def no_course_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(courses.ENVIRONMENT, raising=False)


def test_this_repository_is_a_course_found_from_its_own_folder() -> None:
    assert courses.locate(cwd=REPO / "tests" / "fixtures") == courses.Course(REPO)
    assert {"autograph", "functional", "custom_layers"} <= set(courses.Course(REPO).names())


def test_a_folder_named_assignments_without_an_assignment_is_no_course(tmp_path: Path) -> None:
    make_course(tmp_path, "real")
    (tmp_path / "tests" / "assignments").mkdir(parents=True)

    assert courses.locate(cwd=tmp_path / "tests").root == tmp_path.resolve()


def test_the_nearest_parent_wins(tmp_path: Path) -> None:
    outer = make_course(tmp_path, "outer_one")
    inner = make_course(tmp_path / "term" / "inner", "inner_one")
    (inner / "deep" / "er").mkdir(parents=True)

    assert courses.locate(cwd=inner / "deep" / "er").root == inner.resolve()
    assert courses.locate(cwd=tmp_path / "term").root == outer.resolve()


def test_environment_comes_before_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_course(tmp_path / "here", "here_one")
    elsewhere = make_course(tmp_path / "elsewhere", "elsewhere_one")
    monkeypatch.setenv(courses.ENVIRONMENT, str(elsewhere))

    assert courses.locate(cwd=tmp_path / "here").root == elsewhere.resolve()


def test_the_option_comes_before_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = make_course(tmp_path / "chosen", "a")
    monkeypatch.setenv(courses.ENVIRONMENT, str(make_course(tmp_path / "env", "b")))

    assert courses.locate(chosen, cwd=tmp_path).root == chosen.resolve()


def test_no_course_says_where_tfgrade_looked(tmp_path: Path) -> None:
    with pytest.raises(courses.CourseNotFound) as caught:
        courses.locate(cwd=tmp_path)

    message = str(caught.value)
    assert str(tmp_path.resolve()) in message and "--course" in message and courses.ENVIRONMENT in message


def test_a_folder_that_is_not_a_course_is_named_with_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(courses.ENVIRONMENT, str(tmp_path / "nope"))

    with pytest.raises(courses.CourseNotFound, match=rf"nope \(from {courses.ENVIRONMENT}\) is not a course"):
        courses.locate(cwd=REPO)


def test_assignments_load_by_name_from_the_given_course(tmp_path: Path) -> None:
    course = make_course(tmp_path, "week1")

    loaded = assignments.load("week1", course=course)

    assert loaded.name == "week1" and loaded.root == (course / "assignments" / "week1").resolve()
    assert assignments.available(course) == ["week1"]


def test_a_notebook_in_an_unpacked_folder_finds_its_assignment_without_a_course(tmp_path: Path) -> None:
    folder = tmp_path / "download" / "week1"
    shutil.copytree(TINY, folder)
    config = folder / "assignment.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('name = "tiny"', 'name = "week1"'), encoding="utf-8")
    (folder / "work").mkdir()

    loaded = assignments.for_notebook(folder / "work" / "mine.ipynb", "week1")

    assert loaded.root == folder.resolve()


def test_cli_uses_the_course_option_and_names_the_course(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course = make_course(tmp_path, "week1", "week2")

    assert cli.main(["list", "--course", str(course)]) == 0

    out = capsys.readouterr().out
    assert f"Course: {course.resolve()}" in out and "week1" in out and "week2" in out


def test_cli_without_a_course_exits_2_and_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert cli.main(["list"]) == 2

    where = f"looked for a folder holding assignments/<name>/assignment.toml in {tmp_path.resolve()}"
    assert where in capsys.readouterr().err


def test_check_finds_a_release_from_the_notebooks_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "week1"
    shutil.copytree(TINY, folder)
    monkeypatch.chdir(tmp_path)
    notebook = json.loads((folder / "tiny.ipynb").read_text(encoding="utf-8"))
    assert notebook["metadata"]["tfgrade"]["assignment"] == "tiny"

    args = cli._parser().parse_args(["check", str(folder / "tiny.ipynb")])
    assert cli._for_notebook(args).root == folder.resolve()


def test_a_notebooks_assignment_may_be_named_by_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked" / "week1"
    shutil.copytree(TINY, folder)

    assert assignments.for_notebook(tmp_path / "elsewhere" / "mine.ipynb", str(folder)).root == folder.resolve()
