"""Plugins: an export format and a per-submission file from an installed package, and a broken one left out.

The example package is installed the way pip leaves one (a module and its ``.dist-info`` with
``entry_points.txt``) in a folder of its own, which the commands below find on their ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder import plugins
from tests.conftest import TESTS

ROOT = TESTS.parent

PLUGIN = '''
from autograder.grading.batch import Output
from autograder.reports.exports import ExportFormat


def _render(rows, column):
    return "".join(f"{row.student.student_id}: {row.score.earned:g}\\n" for row in rows)


FORMAT = ExportFormat("example", _render, False, "{assignment}-example.txt", lambda rows: [],
                      "the example plugin's format: one line per student")
OUTPUT = Output("summary.txt", "student", lambda made: f"{made.graded.score.earned:g} points\\n",
                "the example plugin's one-line summary")
NOT_A_FORMAT = "csv"
TAKEN = ExportFormat("csv", _render, False, "x.csv", lambda rows: [], "takes a built-in name")
'''
ENTRY_POINTS = """
[tfgrade.exports]
example = tfgrade_example_plugin:FORMAT
missing = tfgrade_example_plugin.missing:FORMAT
not-a-format = tfgrade_example_plugin:NOT_A_FORMAT
taken = tfgrade_example_plugin:TAKEN

[tfgrade.outputs]
summary = tfgrade_example_plugin:OUTPUT
"""

GRADE = '''
import sys
from pathlib import Path
from factories import FakeExecutor, autograph_checks, execution, write_answer
from autograder import cli
from autograder.cli import seam
fake = FakeExecutor(execution(*autograph_checks("q3_hidden")))
seam.ProcessExecutor = lambda *_: fake
folder = sys.argv[1]
paths = [str(write_answer(Path(folder) / "subs" / name)) for name in ("ann_1.ipynb", "bo_2.ipynb")]
sys.exit(cli.main(["grade", *paths, "-a", "autograph", "-o", f"{folder}/out", "--export", "example",
                   "--student-id", r"([a-z]+)_\\d"]))
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    (folder / "tfgrade_example_plugin").mkdir()
    (folder / "tfgrade_example_plugin" / "__init__.py").write_text(PLUGIN)
    info = folder / "tfgrade_example_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tfgrade-example-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(ENTRY_POINTS))
    return folder


def run(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(TESTS), str(ROOT)])}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False)


@pytest.mark.slow
def test_an_installed_export_format_is_offered_and_listed_and_broken_ones_are_left_out(site: Path) -> None:
    done = run(site, "-m", "autograder", "export", "--help")
    assert done.returncode == 0, done.stderr
    assert "example" in done.stdout and "the example plugin's format: one line per student" in done.stdout
    for name, why in (("missing", "it could not be loaded (ModuleNotFoundError"), ("not-a-format", "it is a str"),
                      ("taken", "the name 'csv' is taken")):
        assert f"the plugin {name!r} (tfgrade.exports, from tfgrade-example-plugin) is left out: {why}" in done.stderr
    grade_help = run(site, "-m", "autograder", "grade", "--help").stdout
    assert "summary.txt" in grade_help and "one-line summary" in grade_help


@pytest.mark.slow
def test_a_grade_writes_the_plugins_export_and_its_file_for_each_submission(site: Path, tmp_path: Path) -> None:
    done = run(site, "-c", GRADE, str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "out" / "autograph-example.txt").read_text() == "ann: 9\nbo: 9\n"
    summaries = sorted(p.read_text() for p in (tmp_path / "out" / "submissions").glob("*/summary.txt"))
    assert summaries == ["9 points\n", "9 points\n"]


def test_without_plugins_the_registries_are_the_built_in_ones() -> None:
    from autograder.grading import batch
    from autograder.reports import exports

    assert exports.REGISTRY == exports.BUILT_IN
    assert [o.file for o in batch.OUTPUTS] == [*(o.file for o in batch.BUILT_IN), "report.json"]
    assert plugins.load("tfgrade.no-such-group", str, (), str) == ()
