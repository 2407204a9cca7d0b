"""otter-grader interop: an otter plugin, and the otter autograder zip that uses it.

An instructor who grades with otter builds a zip with ``tfgrade otter ASSIGNMENT``, then runs
``otter run -a ASSIGNMENT-otter.zip submission.ipynb`` (or uploads the zip wherever otter zips
go). The zip holds one placeholder otter test per question, worth that question's points, and
registers :class:`TfgradeOtterPlugin`. After otter has done its own run, the plugin grades the
submission with tfgrade (student process and checks in their own sandboxes, never in otter's
kernel) and sets each question's score to tfgrade's, so otter reports the same scores as
``tfgrade grade``. The plugin needs tfgrade installed where otter runs.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from otter.plugins import AbstractOtterPlugin

from autograder.core import assignment as assignments
from autograder.core.execution import ProcessExecutor
from autograder.core.grading import grade
from autograder.reports import formats as report

PLUGIN = "autograder.interop.otter_plugin.TfgradeOtterPlugin"


class TfgradeOtterPlugin(AbstractOtterPlugin):
    """Replaces otter's per-question scores with tfgrade's for the same submission."""

    def after_grading(self, results: Any) -> None:
        assignment = assignments.load(self.plugin_config["assignment"])
        graded = grade(Path(self.submission_path), assignment, ProcessExecutor())
        for question in graded.score.questions:
            if question.question in results.results:
                results.update_score(question.question, question.earned)
        results.set_output(report.feedback_text(graded.result, graded.score, show_hidden=False))


def build_zip(assignment: assignments.Assignment, out: Path) -> Path:
    """An otter autograder zip whose scores come from tfgrade (see the module docstring)."""
    config = {"plugins": [{PLUGIN: {"assignment": str(assignment.root)}}]}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("otter_config.json", json.dumps(config, indent=2))
        for question in assignment.questions:
            archive.writestr(f"tests/{question.name}.py", _placeholder_test(question.name, question.points))
    return out


def _placeholder_test(name: str, points: float) -> str:
    # Otter needs one test file per question to know its points; the plugin sets the score.
    test = {
        "name": name,
        "points": points,
        "suites": [{
            "cases": [{"code": ">>> True\nTrue", "hidden": False, "locked": False}],
            "scored": True, "setup": "", "teardown": "", "type": "doctest",
        }],
    }
    return f"OK_FORMAT = True\n\ntest = {test!r}\n"
