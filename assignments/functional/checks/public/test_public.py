"""Public checks for `functional`: students can read and run these (`tfgrade check`).

They check each model's inputs and outputs; the hidden checks compare the whole structure.
"""

import pytest

from autograder.checks import _, expect_same_interface

FLOAT = "float32"


def _io(inputs, outputs, output_names=()):
    return {
        "inputs": [{"shape": list(shape), "dtype": dtype} for shape, dtype in inputs],
        "outputs": [{"shape": list(shape), "dtype": dtype} for shape, dtype in outputs],
        "output_names": list(output_names),
    }


PREDICTIONS = ("prediction_a", "prediction_b")
SEQUENTIAL = _io([((None, 8), FLOAT)], [((None, 1), FLOAT)])
TWO_TEXTS = _io([((None, None), "int32")] * 2, [((None, 1), FLOAT)] * 2, PREDICTIONS)
RESIDUAL = _io([((None, 32), FLOAT)], [((None, 32), FLOAT)])


@pytest.mark.question("q1", points=1)
def test_sequential_inputs_and_outputs(student_model):
    info = student_model("build_sequential").description
    expect_same_interface(info, SEQUENTIAL, what=_("The model from build_sequential()"))


@pytest.mark.question("q2", points=0.5)
def test_model_inputs_and_outputs(student_model):
    info = student_model("build_model").description
    expect_same_interface(info, TWO_TEXTS, what=_("The model from build_model()"))


@pytest.mark.question("q2", points=0.5)
def test_model_output_names(student_model):
    info = student_model("build_model").description
    # Only the outputs: the inputs have their own check.
    outputs_only = {**TWO_TEXTS, "inputs": info.get("inputs") or []}
    expect_same_interface(info, outputs_only, what=_("The model from build_model()"), check_names=PREDICTIONS)


@pytest.mark.question("q3", points=1)
def test_residual_inputs_and_outputs(student_model):
    info = student_model("build_residual").description
    expect_same_interface(info, RESIDUAL, what=_("The model from build_residual()"))


@pytest.mark.question("q4", points=1)
def test_draw_model_writes_a_png(diagram_size):
    diagram_size("diagram.png")
