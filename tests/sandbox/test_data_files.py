"""An assignment's data/ folder is visible to the notebook as data/, read-only, and nothing else."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.sandbox import launcher as sandbox
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(
    not sandbox.detect().isolated, reason=f"no sandbox here: {sandbox.detect().description}"
)

NOTEBOOK = [
    "OFFSET = int(open('data/offset.txt').read())\nprint('OFFSET', OFFSET)",
    "try:\n    open('data/offset.txt', 'w').write('99')\nexcept OSError as e:\n    print('WRITE REFUSED', e)",
    "def add(a, b):\n    return a + b + OFFSET - 10\n\ndef mean_of(xs):\n    return sum(xs) / len(xs)",
]


def test_notebook_reads_the_assignments_data_files_but_cannot_change_them(tmp_path):
    root = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", root)
    (root / "data").mkdir()
    (root / "data" / "offset.txt").write_text("10")
    nb = nbformat.v4.new_notebook(metadata={"tfgrade": {"assignment": "tiny"}})
    nb.cells = [nbformat.v4.new_code_cell(c) for c in NOTEBOOK]
    path = tmp_path / "uses-data.ipynb"
    nbformat.write(nb, path)

    graded = grade(path, assignment.load(root), ProcessExecutor())

    output = graded.result.execution.output
    assert "OFFSET 10" in output and "WRITE REFUSED" in output
    assert graded.result.execution.cell_errors == ()
    assert graded.score.earned == graded.score.points
    assert (root / "data" / "offset.txt").read_text() == "10"
