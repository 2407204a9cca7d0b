"""The registry of per-submission files (grading/outputs.py OUTPUTS): what the batch writes, and its help."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from factories import autograph_checks, submission_result

from autograder import cli
from autograder.core import cache, codec, scoring
from autograder.core.assignment import Assignment, load
from autograder.core.results import SubmissionStatus
from autograder.grading import batch, outputs
from autograder.grading.pipeline import Graded


@pytest.fixture(scope="module")
def autograph() -> Assignment:
    return load("autograph")


def graded(assignment: Assignment, status: SubmissionStatus = "graded") -> Graded:
    checks = autograph_checks("q3_hidden") if status == "graded" else ()
    result = submission_result(*checks, status=status, message="Fix it.", name="subs/ann.ipynb")
    return Graded(result=result, score=scoring.score(result, assignment.questions))


def test_the_batch_writes_exactly_the_registrys_files_each_from_its_render(autograph: Assignment,
                                                                           tmp_path: Path) -> None:
    row = graded(autograph)

    batch.write_reports(row, tmp_path, {"key": "value"})

    wanted = [o for o in batch.OUTPUTS if not o.from_notebook]  # no notebook feedback was asked for
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(o.file for o in wanted)
    made = outputs._Made(row, None, {"key": "value"})
    assert all((tmp_path / o.file).read_text(encoding="utf-8") == o.render(made) for o in wanted)
    assert codec.REPORT.loads((tmp_path / cache.REPORT).read_bytes()).cache == {"key": "value"}
    assert json.loads((tmp_path / "student.json").read_text(encoding="utf-8"))["status"] == "graded"


def test_report_json_is_written_last_since_it_marks_the_set_complete() -> None:
    assert batch.OUTPUTS[-1].file == cache.REPORT
    assert len({o.file for o in batch.OUTPUTS}) == len(batch.OUTPUTS)


def test_a_stale_feedback_notebook_goes_when_there_is_no_notebook_to_return(autograph: Assignment,
                                                                             tmp_path: Path) -> None:
    notebook_files = [o.file for o in batch.OUTPUTS if o.from_notebook]
    for name in notebook_files:
        (tmp_path / name).write_text("from an earlier run", encoding="utf-8")
    source = batch.NotebookFeedback(tmp_path / "ann.ipynb", autograph)

    batch.write_reports(graded(autograph, "rejected"), tmp_path, notebook_feedback=source)

    assert notebook_files and not any((tmp_path / name).exists() for name in notebook_files)
    assert (tmp_path / cache.REPORT).exists()


def test_grade_help_lists_every_output_by_audience_with_its_line() -> None:
    [commands] = [a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction)]
    text = " ".join(commands.choices["grade"].format_help().split())  # the help wraps lines
    order = [text.index(f"FOLDER/submissions/<name>/{o.file} {o.help}") for o in batch.OUTPUTS]

    readers = [o.audience for _, o in sorted(zip(order, batch.OUTPUTS, strict=True), key=lambda pair: pair[0])]
    assert readers == sorted(readers, key=("instructor", "student", "gradescope").index)
