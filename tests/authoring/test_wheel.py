"""The tfgrade wheel a release ships (autograder/authoring/wheel.py): built from the checkout, or given."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from autograder.authoring import release as releases
from autograder.authoring import wheel as wheels
from autograder.core import assignment as assignments
from autograder.core import course as courses

REPO = Path(__file__).resolve().parents[2]


def test_the_built_wheel_is_this_tfgrade_and_leaves_nothing_in_the_checkout() -> None:
    before = sorted(p.name for p in REPO.iterdir())
    built = wheels.built()

    assert built.name == wheels.wheel_name()
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
    assert "autograder/authoring/wheel.py" in names and "autograder/locale/ko/LC_MESSAGES/tfgrade.po" in names
    assert not [n for n in names if not n.startswith(("autograder/", "tfgrade-"))]
    assert sorted(p.name for p in REPO.iterdir()) == before  # no build/ or egg-info left behind


def test_without_a_source_tree_the_release_asks_for_the_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wheels, "source_tree", lambda: None)
    wheels.built.cache_clear()
    try:
        with pytest.raises(wheels.WheelError, match=r"--wheel tfgrade-.*-py3-none-any\.whl"):
            wheels.built()
    finally:
        wheels.built.cache_clear()


@pytest.mark.parametrize("name", ["tfgrade-0.0.1-py3-none-any.whl", "other-0.1.0-py3-none-any.whl", "tfgrade.zip"])
def test_a_wheel_of_another_version_or_project_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"PK")

    with pytest.raises(wheels.WheelError, match="is not a wheel of tfgrade"):
        wheels.checked(tmp_path / name)
    with pytest.raises(wheels.WheelError, match="is not a file"):
        wheels.checked(tmp_path / "missing.whl")


def test_a_given_wheel_is_the_one_shipped_and_named_in_the_readme(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(courses.ENVIRONMENT, raising=False)
    given = tmp_path / wheels.wheel_name()
    given.write_bytes(b"the instructor's own build")
    course = assignments.load(courses.Course(REPO).assignments / "autograph")

    made = releases.release(course, tmp_path / "out", given)

    assert (made.folder / given.name).read_bytes() == b"the instructor's own build"
    for readme in (releases.README, releases.README_KO):
        text = (made.folder / readme).read_text(encoding="utf-8")
        assert f"  pip install {given.name} jupyterlab " in text
