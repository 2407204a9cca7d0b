"""The `autograph` assignment graded for real: solution, blank template, and the mistake corpus.

Each wrong variant in tests/notebooks/autograph/ holds ONE typical mistake; it must lose exactly
the points of the checks that mistake breaks, with a message that names the mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from autograder.grading import Graded
from tests.conftest import NOTEBOOKS, ROOT, grade_many

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Expect:
    failing: dict[str, str] = field(default_factory=dict)
    """check name -> words its message must contain; every other check must pass."""


CORPUS: dict[str, Expect] = {
    "wrong-constant": Expect({
        "linear_layer_values": "wrong values",
        "simple_nn_values": "wrong values",
    }),
    "not-tf-function": Expect({"simple_nn_is_tf_function": "not a tf.function"}),
    "py-function-inside": Expect({"count_halvings_converts_to_graph_loop": "py_function"}),
    "python-int-loop": Expect({"count_halvings_converts_to_graph_loop": "no while loop"}),
    "retraces-per-value": Expect({"scaled_sum_traces_once": "input_signature"}),
    "eager-only-lstm": Expect({"lstm_fn_graph_is_faster_than_eager": "not a tf.function"}),
    "runs-eagerly": Expect({"lstm_fn_graph_is_faster_than_eager": "as fast as the eager LSTM cell"}),
    "wrong-dtype": Expect({
        "count_halvings_small_example": "dtype float32, expected int32",
        "count_halvings_fresh_values": "dtype float32, expected int32",
    }),
    "broadcasting-shape": Expect({"simple_nn_values": "shape (10, 1), expected (10,)"}),
    # Attacks: patching numpy/pytest/tf in the student's process changes nothing on the trusted
    # side, so this notebook loses exactly what its wrong linear_layer loses.
    "monkeypatch-frameworks": Expect({
        "linear_layer_values": "wrong values",
        "simple_nn_values": "wrong values",
    }),
    "always-equal-object": Expect({"linear_layer_values": "should be a tf.Tensor, but it is a __main__.AlwaysEqual"}),
    "tf-range-loop": Expect(),
}


@pytest.fixture(scope="module")
def graded(autograph) -> dict[str, Graded]:
    paths = {name: NOTEBOOKS / "autograph" / f"{name}.ipynb" for name in CORPUS}
    paths |= {"solution": ROOT / "solutions" / "autograph.ipynb", "template": autograph.template}
    return grade_many(paths, autograph)


def _checks(g: Graded) -> dict[str, tuple[str, str]]:
    return {c.name: (c.outcome, c.message) for c in g.result.checks}


def test_solution_scores_full_marks(graded):
    solution = graded["solution"]
    assert solution.result.status == "graded"
    assert solution.result.execution.cell_errors == ()
    assert solution.score.earned == solution.score.points == 11
    assert len(solution.result.checks) == 11


def test_blank_template_scores_zero_without_grader_error(graded):
    template = graded["template"]
    assert template.result.status == "graded"
    assert template.score.earned == 0
    assert all(c.outcome == "failed" for c in template.result.checks), _checks(template)
    messages = " ".join(c.message for c in template.result.checks)
    assert "NotImplementedError" in messages


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_variant_loses_exactly_the_intended_points(graded, name):
    g = graded[name]
    expect = CORPUS[name]
    checks = {c.name: c for c in g.result.checks}
    assert g.result.status == "graded", g.result.message
    assert len(checks) == 11
    failed = {n for n, c in checks.items() if c.outcome != "passed"}
    assert failed == set(expect.failing), _checks(g)
    for check_name, words in expect.failing.items():
        assert checks[check_name].outcome == "failed"
        assert words in checks[check_name].message, checks[check_name].message
    lost = sum(checks[n].points for n in expect.failing)
    assert g.score.earned == g.score.points - lost
