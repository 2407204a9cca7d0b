"""otter-grader interop, tested with otter itself: `otter run` reports tfgrade's scores."""

from __future__ import annotations

import base64
import io
import json
import shutil
import zipfile

import pytest

from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.interop import otter_plugin
from tests.conftest import NOTEBOOKS, ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny"


def test_zip_has_one_test_per_question_with_its_points_and_carries_the_assignment(tmp_path):
    built = otter_plugin.build_zip(assignment.load("autograph"), tmp_path / "ag.zip")
    with zipfile.ZipFile(built) as archive:
        names = sorted(archive.namelist())
        config = json.loads(archive.read("otter_config.json"))
        q3 = archive.read("tests/q3.py").decode()
        everything = b"".join(archive.read(n) for n in names)
    assert names == ["otter_config.json", "tests/q1.py", "tests/q2.py", "tests/q3.py", "tests/q4.py"]
    assert list(config["plugins"][0]) == [otter_plugin.PLUGIN]
    assert "OK_FORMAT = True" in q3 and "'points': 3.0" in q3
    # The assignment travels inside (checks, template), never the solution or samples, and no path of here.
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(config["plugins"][0][otter_plugin.PLUGIN]["bundle"]))) as packed:
        carried = set(packed.namelist())
    assert {"assignment.toml", "autograph.ipynb", "checks/hidden/test_hidden.py"} <= carried
    assert not [n for n in carried if n.startswith(("samples/", "solutions/")) or "solution" in n]
    assert str(ROOT).encode() not in everything and str(tmp_path).encode() not in everything


@pytest.mark.slow
@pytest.mark.parametrize(("notebook", "total"), [("correct", 3), ("patch-numpy", 0)])
def test_otter_run_reports_tfgrades_scores_with_the_course_moved_away(tmp_path, notebook, total):
    """The zip is portable: built from a course, then graded in another folder with that course gone.
    (The tiny assignment: no timing check, so the two gradings compared here cannot differ by load.)"""
    from otter.run import main as otter_run

    course = tmp_path / "course" / "assignments" / "tiny"
    shutil.copytree(TINY, course)
    built = otter_plugin.build_zip(assignment.load(course), tmp_path / "tiny.zip")
    shutil.rmtree(tmp_path / "course")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    submission = shutil.copy(NOTEBOOKS / "attacks" / f"{notebook}.ipynb", elsewhere / f"{notebook}.ipynb")

    results = otter_run(str(submission), autograder=str(built), output_dir=str(elsewhere), no_logo=True)

    ours = grade(submission, assignment.load(TINY), ProcessExecutor())
    assert {q.question: q.earned for q in ours.score.questions} == {
        q.question: results.get_score(q.question) for q in ours.score.questions
    }
    assert results.total == ours.score.earned == total
