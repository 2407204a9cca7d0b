"""Public checks for `autograph`: students can read and run these (`tfgrade check`)."""

import numpy as np
import pytest

from autograder.checks import CheckFailure, _, expect_tensor, expect_tensor_spec


@pytest.mark.question("q1", points=1)
def test_linear_layer_values(student):
    x = np.array([-1.0, 0.0, 0.5, 2.0], dtype=np.float32)
    expect_tensor(student.call("linear_layer", x), 3 * x + 2, what="linear_layer(x)")


@pytest.mark.question("q2", points=0.5)
def test_count_halvings_small_example(student):
    x = np.array([8.0, 8.0], dtype=np.float32)
    expect_tensor(student.call("count_halvings", x), np.int32(4), what="count_halvings([8.0, 8.0])")


@pytest.mark.question("q3", points=1)
def test_lstm_fn_output_shapes(student):
    zeros = np.zeros([100, 100], dtype=np.float32)
    out = student.call("lstm_fn", zeros, [zeros, zeros])
    if not (isinstance(out, tuple | list) and len(out) == 2 and isinstance(out[1], tuple | list)):
        raise CheckFailure(_("lstm_fn should return what lstm_cell returns: (output, [h, c])."))
    output, (h, c) = out[0], out[1]
    # One whole phrase per part (not "lstm_fn's {label}"), so each is translated as it reads.
    for value, what in ((output, _("lstm_fn's output")), (h, _("lstm_fn's h")), (c, _("lstm_fn's c"))):
        expect_tensor_spec(value, (100, 100), np.float32, what=what)


@pytest.mark.question("q4", points=0.5)
def test_scaled_sum_value(student):
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    expect_tensor(student.call("scaled_sum", x, 2.0), np.float32(12.0), what="scaled_sum([1, 2, 3], 2.0)")
