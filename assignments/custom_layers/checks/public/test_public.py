"""Public checks for `custom_layers`: students can read and run these (`tfgrade check`)."""

import numpy as np
import pytest

from autograder.checks import _, expect_config_complete, expect_tensor_spec


@pytest.mark.question("q1", points=1)
def test_mydense_output_shape(student):
    student.call("MyDense", 3, store_as="public_layer")
    out = student.call("public_layer", np.ones([2, 4], np.float32))
    expect_tensor_spec(out, (2, 3), np.float32, what=_("MyDense(3) on a (2, 4) float32 input"))


@pytest.mark.question("q2", points=1)
def test_mydense_config_has_units(student):
    student.call("MyDense", 4, store_as="public_config_layer")
    expect_config_complete(
        student.config("public_config_layer"), {"units": 4}, what="MyDense(4).get_config()", base_keys=()
    )


@pytest.mark.question("q3", points=1)
def test_build_model_output_shape(student):
    student.call("build_model", store_as="public_model")
    out = student.call("public_model", np.ones([3, 4], np.float32))
    expect_tensor_spec(out, (3, 1), np.float32, what=_("build_model()'s model on a (3, 4) float32 input"))


@pytest.mark.question("q4", points=1)
def test_my_model_output_shape(student):
    student.call("MyModel", 8, store_as="public_my_model")
    out = student.call("public_my_model", np.ones([2, 4], np.float32))
    expect_tensor_spec(out, (2, 1), np.float32, what=_("MyModel(8) on a (2, 4) float32 input"))
