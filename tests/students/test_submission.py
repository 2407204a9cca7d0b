"""`tfgrade submit`: problems found by a real fresh run, and zips that grade like the notebook."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.students import submission
from tests.conftest import NOTEBOOKS, ROOT

pytestmark = pytest.mark.slow


def _without_definition(tmp_path, name: str):
    nb = nbformat.read(ROOT / "solutions" / "autograph.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if f"def {name}" not in c.source]
    path = tmp_path / f"no-{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _run_out_of_order(tmp_path):
    nb = nbformat.read(ROOT / "solutions" / "autograph.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for count, cell in zip(range(len(code), 0, -1), code, strict=True):
        cell.execution_count = count  # saved as if run bottom to top
    path = tmp_path / "out-of-order.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def prepared(autograph, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("submit")
    a = dataclasses.replace(autograph, limits=dataclasses.replace(autograph.limits, cell_seconds=3))
    paths = {
        "solution": ROOT / "solutions" / "autograph.ipynb",
        "other-assignment": NOTEBOOKS / "engine" / "other-assignment.ipynb",
        "cell-raises": NOTEBOOKS / "engine" / "cell-raises.ipynb",
        "infinite-loop": NOTEBOOKS / "engine" / "infinite-loop.ipynb",
        "missing-name": _without_definition(tmp, "scaled_sum"),
        "out-of-order": _run_out_of_order(tmp),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda p: submission.prepare(p, a, ProcessExecutor()), paths.values())
        return dict(zip(paths, done, strict=True))


def _messages(readiness) -> list[tuple[int | None, str, bool]]:
    return [(p.cell, p.message, p.blocking) for p in readiness.problems]


def test_clean_notebook_is_ready(prepared):
    assert prepared["solution"].ready
    assert prepared["solution"].problems == ()
    assert "is ready to submit. 4/4 public checks passed" in prepared["solution"].text()


def test_wrong_assignment_is_caught(prepared):
    [(cell, message, blocking)] = _messages(prepared["other-assignment"])
    assert blocking and cell is None
    assert "is the notebook for assignment 'functional', not 'autograph'" in message


def test_cell_that_raises_is_caught_with_its_number(prepared):
    [(cell, message, blocking)] = _messages(prepared["cell-raises"])
    assert (cell, blocking) == (9, True)
    assert message.startswith("ZeroDivisionError: division by zero")


def test_name_never_defined_is_caught(prepared):
    problems = _messages(prepared["missing-name"])
    wanted = "Your notebook never defines `scaled_sum`. The assignment asks for it by this exact name: define it."
    assert (None, wanted, True) in problems
    assert not prepared["missing-name"].ready


def test_over_time_cell_is_caught(prepared):
    problems = _messages(prepared["infinite-loop"])
    assert any(cell == 2 and "ran longer than 3 s" in msg for cell, msg, _ in problems), problems


def test_out_of_order_run_is_a_warning_not_a_blocker(prepared):
    readiness = prepared["out-of-order"]
    assert readiness.ready
    [(cell, message, blocking)] = _messages(readiness)
    assert not blocking and "run out of order" in message


def test_zip_grades_to_the_same_score_as_the_notebook(prepared, autograph, tmp_path):
    zipped = submission.package(prepared["solution"], tmp_path / "solution-submission.zip")
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == ["autograph.ipynb", submission.MANIFEST]
        manifest = json.loads(archive.read(submission.MANIFEST))
    assert manifest["assignment"] == "autograph" and manifest["public_checks"] == {"passed": 4, "total": 4}
    from_zip = grade(zipped, autograph, ProcessExecutor())
    from_notebook = grade(ROOT / "solutions" / "autograph.ipynb", autograph, ProcessExecutor())
    assert from_zip.result.status == "graded"
    assert from_zip.score == from_notebook.score
    assert [(c.name, c.outcome) for c in from_zip.result.checks] == [
        (c.name, c.outcome) for c in from_notebook.result.checks
    ]


def test_submit_advice_carries_the_habit_hint_of_a_cell_error():
    from autograder.core import assignment as assignments
    from autograder.core.results import CellError
    from autograder.students.submission import _cell_advice

    error = CellError(2, "ModuleNotFoundError: No module named 'keras.utils.vis_utils'", hint="plot_model moved.")
    assert _cell_advice(error, assignments.load("functional")).endswith("plot_model moved.")
    plain = CellError(3, "ValueError: bad")
    assert "ValueError: bad" in _cell_advice(plain, assignments.load("functional"))


def test_a_submit_cell_does_nothing_while_the_grader_runs_the_notebook(tmp_path, monkeypatch) -> None:
    from autograder.students import GRADING_VARIABLE
    from autograder.students.submission import submit

    monkeypatch.chdir(tmp_path)  # no notebook here: outside the grader this would raise
    monkeypatch.setenv(GRADING_VARIABLE, "1")

    assert submit() is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failing", [(), ("q2_public",), ("q1_public", "q3_public")])
def test_ready_to_submit_is_said_only_while_no_public_check_fails(tmp_path, failing) -> None:
    from factories import FakeExecutor, autograph_checks, execution, write_answer

    from autograder.core import assignment as assignments

    path = write_answer(tmp_path / "mine.ipynb")
    executor = FakeExecutor(execution(*autograph_checks(*failing)))
    readiness = submission.prepare(path, assignments.load("autograph"), executor)

    head = readiness.text().splitlines()[0]
    assert readiness.ready  # failing checks do not stop packaging: a partial answer can be handed in
    if not failing:
        assert head.startswith("mine.ipynb is ready to submit.")
    else:
        assert "ready to submit" not in head
        names = ", ".join(f"{n.split('_')[0]} {n}" for n in failing)
        count = "1 public check still fails" if len(failing) == 1 else f"{len(failing)} public checks still fail"
        assert f"mine.ipynb runs cleanly and can be submitted, but {count}: {names}." in head
