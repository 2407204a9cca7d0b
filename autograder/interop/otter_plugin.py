"""otter-grader interop: an otter plugin, and the otter autograder zip that uses it.

An instructor who grades with otter builds a zip with ``tfgrade otter ASSIGNMENT``, then runs
``otter run -a ASSIGNMENT-otter.zip submission.ipynb`` (or uploads the zip wherever otter zips
go). The zip holds one placeholder otter test per question, worth that question's points, and
registers :class:`TfgradeOtterPlugin` with the assignment itself, packed (:mod:`autograder.core.bundle`:
its checks, catalogs, data and template; never the solution or the samples, and no path of the
instructor's machine). So the zip grades wherever otter and tfgrade are installed, with no course
there. After otter has done its own run, the plugin unpacks the assignment into a private temporary
folder, grades the submission with tfgrade (student process and checks in their own sandboxes) and
sets each question's score to tfgrade's, so otter reports the same scores as ``tfgrade grade``.

Otter itself first runs the student's notebook in its own kernel, which is NOT sandboxed: that is
how ``otter run`` works, and this plugin cannot stop it. Grade with ``tfgrade grade`` where students'
code must never run outside the sandbox.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from otter.plugins import AbstractOtterPlugin

from autograder.core import assignment as assignments
from autograder.core import bundle
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.reports import formats as report

PLUGIN = "autograder.interop.otter_plugin.TfgradeOtterPlugin"


class TfgradeOtterPlugin(AbstractOtterPlugin):  # type: ignore[misc]  # otter is untyped
    """Replaces otter's per-question scores with tfgrade's for the same submission."""

    def after_grading(self, results: Any) -> None:
        with tempfile.TemporaryDirectory(prefix="tfgrade-otter-") as scratch:
            assignment = carried(self.plugin_config, Path(scratch))
            graded = grade(Path(self.submission_path), assignment, ProcessExecutor())
        for question in graded.score.questions:
            if question.question in results.results:
                results.update_score(question.question, question.earned)
        results.set_output(report.feedback_text(graded.result, graded.score, show_hidden=False))


def build_zip(assignment: assignments.Assignment, out: Path) -> Path:
    """An otter autograder zip whose scores come from tfgrade (see the module docstring)."""
    packed = bundle.pack(assignment)
    carried_config = {"name": assignment.root.name, "packages": list(assignment.packages),
                      "bundle": base64.b64encode(packed).decode("ascii")}
    config = {"plugins": [{PLUGIN: carried_config}]}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("otter_config.json", json.dumps(config, indent=2))
        for question in assignment.questions:
            archive.writestr(f"tests/{question.name}.py", _placeholder_test(question.name, question.points))
    return out


def carried(config: dict[str, Any], scratch: Path) -> assignments.Assignment:
    """The assignment a zip's plugin config carries, unpacked into ``scratch`` (a fresh private folder:
    a shared, predictable one could be filled with other checks before the grade)."""
    folder = bundle.unpack(base64.b64decode(config["bundle"]), scratch / str(config["name"]))
    # Resolved where the course was: the bundle has no course.toml above it here.
    return dataclasses.replace(assignments.load(folder), packages=tuple(config.get("packages", ())))


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
