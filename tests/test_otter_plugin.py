"""otter-grader interop, tested with otter itself: `otter run` reports tfgrade's scores."""

from __future__ import annotations

import json
import zipfile

import pytest

from autograder.core import assignment
from autograder.core.execution import ProcessExecutor
from autograder.core.grading import grade
from autograder.interop import otter_plugin
from tests.conftest import NOTEBOOKS


def test_zip_has_one_test_per_question_with_its_points(tmp_path):
    built = otter_plugin.build_zip(assignment.load("autograph"), tmp_path / "ag.zip")
    with zipfile.ZipFile(built) as archive:
        names = sorted(archive.namelist())
        config = json.loads(archive.read("otter_config.json"))
        q3 = archive.read("tests/q3.py").decode()
    assert names == ["otter_config.json", "tests/q1.py", "tests/q2.py", "tests/q3.py", "tests/q4.py"]
    assert list(config["plugins"][0]) == [otter_plugin.PLUGIN]
    assert "OK_FORMAT = True" in q3 and "'points': 3.0" in q3


@pytest.mark.slow
def test_otter_run_reports_the_same_scores_as_tfgrade(tmp_path):
    from otter.run import main as otter_run

    a = assignment.load("autograph")
    submission = NOTEBOOKS / "autograph" / "wrong-constant.ipynb"
    built = otter_plugin.build_zip(a, tmp_path / "ag.zip")
    results = otter_run(str(submission), autograder=str(built), output_dir=str(tmp_path), no_logo=True)
    ours = grade(submission, a, ProcessExecutor())
    assert {q.question: q.earned for q in ours.score.questions} == {
        q: results.get_score(q) for q in ("q1", "q2", "q3", "q4")
    }
    assert results.total == ours.score.earned == 9
