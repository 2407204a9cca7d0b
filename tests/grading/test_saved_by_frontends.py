"""Notebooks as JupyterLab 4 and Colab save them grade like the plain solution: full marks, no cell error.

Each has the metadata, cell ids, execution counts and saved outputs its front end writes, and cells a
student writes there: magics (``%time``, ``%%time``, ``%timeit``, ``%autoreload``, ``%matplotlib``),
``!`` commands, ``?`` help, ``display()``, ``_`` and ``Out[n]``, rich reprs.
"""

from __future__ import annotations

import pytest

from autograder.grading.pipeline import Graded
from tests.conftest import NOTEBOOKS, grade_many

pytestmark = pytest.mark.slow

SAVED_BY = ["saved-by-jupyterlab4", "saved-by-colab"]


@pytest.fixture(scope="module")
def graded(autograph) -> dict[str, Graded]:
    return grade_many({name: NOTEBOOKS / "engine" / f"{name}.ipynb" for name in SAVED_BY}, autograph)


@pytest.mark.parametrize("name", SAVED_BY)
def test_a_notebook_saved_by_a_front_end_gets_full_marks(graded: dict[str, Graded], name: str) -> None:
    g = graded[name]
    assert g.result.status == "graded"
    assert g.result.execution.status == "completed"
    assert g.result.execution.cell_errors == ()
    assert g.score.earned == g.score.points, [c.message for c in g.result.checks if c.outcome != "passed"]


def test_magics_ran_as_in_jupyter(graded: dict[str, Graded]) -> None:
    lab = graded["saved-by-jupyterlab4"].result.execution.output
    colab = graded["saved-by-colab"].result.execution.output
    assert "Wall time" in lab and "per loop" in lab and "Signature:" in lab  # %time, %timeit, simple_nn?
    assert "Out[9]: (np.int32(2), tf.int32)" in lab  # _ and Out[8] after a %time that returned a tensor
    assert "working in /tmp/work" in lab  # the ! command ran in the sandbox's working folder
    assert "<IPython.core.display.HTML object>" in colab and "Wall time" in colab
