"""The table of Keras 2 / TF 1 habits (autograder/core/habits.py) against the installed TensorFlow and Keras.

For every habit, real code written with the habit runs here, in-process, and its real error text
must get that habit's hint; then the code the hint suggests (each span between backticks that is
Python) must run. A TensorFlow or Keras upgrade that changes an error's words fails here, not in
front of a student.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from factories import FakeExecutor, check_result, execution, summary, write_notebook

from autograder import messages
from autograder.core import habits
from autograder.core.assignment import Assignment, Limits, Question
from autograder.core.results import CellError
from autograder.grading.pipeline import grade

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

_SEQUENTIAL = "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"

# Real code with each habit, by the id of the habit's hint. Several snippets where the habit has
# several spellings or error texts.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "habits.python-keras": (
        "from tensorflow.python.keras.utils.vis_utils import plot_model\n" + _SEQUENTIAL + "plot_model(model)",
        "from tensorflow.python.keras.layers import Dense\nkeras.Sequential([keras.Input((3,)), Dense(1)])",
    ),
    "habits.vis-utils": (
        "from keras.utils.vis_utils import plot_model as draw_model",
        "from tensorflow.keras.utils.vis_utils import plot_model",
        "keras.utils.vis_utils.plot_model",
        "tf.keras.utils.vis_utils.plot_model",
    ),
    "habits.utils-modules": (
        "from keras.utils.np_utils import to_categorical",
        "from keras.utils.generic_utils import get_custom_objects",
        "from tensorflow.keras.utils.np_utils import to_categorical",
    ),
    "habits.preprocessing": (
        "from tensorflow.keras.layers.experimental.preprocessing import Normalization",
        "from keras.layers.experimental.preprocessing import Rescaling",
        "tf.keras.layers.experimental.preprocessing.Rescaling(1 / 255)",
        "keras.layers.experimental.preprocessing.Rescaling(1 / 255)",
        "from tensorflow.keras.layers.preprocessing import Rescaling",
    ),
    "habits.engine": (
        "from keras.engine.topology import Layer",
        "from keras.engine.base_layer import Layer",
        "import tensorflow.keras.engine",
    ),
    "habits.layers-modules": (
        "from keras.layers.core import Dense",
        "from tensorflow.keras.layers.core import Dense",
        "from keras.layers.convolutional import Conv2D",
        "from keras.layers.recurrent import LSTM",
        "from keras.layers.advanced_activations import LeakyReLU",
    ),
    "habits.contrib": ("tf.contrib.layers.flatten", "import tensorflow.contrib"),
    "habits.session": (
        "sess = tf.Session()",
        "x = tf.placeholder(tf.float32, [None, 3])",
        "init = tf.global_variables_initializer()",
        "w = tf.get_variable('w', [3])",
    ),
    "habits.compat-v1": (
        "x = tf.compat.v1.placeholder(tf.float32, [None, 3])",
        "sess = tf.compat.v1.Session()\nsess.run(tf.constant(1.0))",
        "tf.ones(2).eval()",
    ),
    "habits.enable-eager": ("tf.enable_eager_execution()", "tf.enable_v2_behavior()"),
    "habits.random": (
        "tf.random_normal([3])",
        "tf.random_uniform([3])",
        "tf.truncated_normal([3])",
        "tf.set_random_seed(1)",
        "tf.multinomial(tf.ones((1, 3)), 1)",
    ),
    "habits.casts": ("tf.to_float(tf.constant(1))", "tf.to_int32(tf.constant(1.0))", "tf.to_double(tf.constant(1))"),
    "habits.math": (
        "tf.log(tf.constant(1.0))",
        "tf.squared_difference(1.0, 2.0)",
        "tf.arg_max(tf.ones(3), 0)",
        "tf.div(1.0, 2.0)",
        "tf.matrix_inverse(tf.eye(2))",
        "tf.rsqrt(1.0)",
    ),
    "habits.print": ("tf.Print(tf.ones(3), [1])",),
    "habits.tf-layers": ("tf.layers.dense(tf.ones((1, 3)), 2)",),
    "habits.train-optimizers": ("tf.train.AdamOptimizer(0.01)", "tf.train.GradientDescentOptimizer(0.1)"),
    "habits.reduce-arguments": (
        "tf.reduce_sum(tf.ones(3), keep_dims=True)",
        "tf.reduce_mean(tf.ones(3), reduction_indices=0)",
    ),
    "habits.keep-prob": ("tf.nn.dropout(tf.ones(3), keep_prob=0.5)",),
    "habits.fit-generator": (
        _SEQUENTIAL + "model.compile('sgd', 'mse')\n"
        "def batches():\n    while True:\n        yield np.ones((2, 3)), np.ones((2, 2))\n"
        "model.fit_generator(batches(), steps_per_epoch=1)",
        _SEQUENTIAL + "model.predict_generator",
        _SEQUENTIAL + "model.evaluate_generator",
    ),
    "habits.predict-classes": (
        _SEQUENTIAL + "model.predict_classes(np.ones((2, 3)))",
        _SEQUENTIAL + "model.predict_proba(np.ones((2, 3)))",
    ),
    "habits.lr": (
        "keras.optimizers.Adam(lr=0.01)",
        "tf.keras.optimizers.SGD(lr=0.1, momentum=0.9)",
        _SEQUENTIAL + "model.compile(optimizer=keras.optimizers.RMSprop(lr=0.001), loss='mse')",
    ),
    "habits.legacy-optimizers": (
        "from tensorflow.keras.optimizers.legacy import Adam\nAdam(learning_rate=0.01)",
        "keras.optimizers.legacy.SGD()",
    ),
    "habits.backend": (
        "from keras import backend as K\nK.mean(tf.ones(3))",
        "from keras import backend as K\nK.get_session()",
        "from keras import backend as K\nK.get_value(tf.Variable(1.0))",
        "from keras.backend import sum",
    ),
    "habits.save-format": (
        _SEQUENTIAL + "model.save('model', save_format='h5')",
        _SEQUENTIAL + "model.save('model', save_format='tf')",
        _SEQUENTIAL + "model.save('saved_model_dir')",
        "keras.callbacks.ModelCheckpoint('best_model')",
    ),
    "habits.weights-file": (
        _SEQUENTIAL + "model.save_weights('weights')",
        _SEQUENTIAL + "model.save_weights('weights.h5')",
        "keras.callbacks.ModelCheckpoint('best', save_weights_only=True)",
    ),
    "habits.load-savedmodel": (
        _SEQUENTIAL + "model.export('exported')\nkeras.models.load_model('exported')",
    ),
    "habits.add-weight": (
        "class Linear(keras.layers.Layer):\n"
        "    def build(self, input_shape):\n"
        "        self.w = self.add_weight('kernel', (input_shape[-1], 2))\n"
        "    def call(self, x):\n"
        "        return x @ self.w\n"
        "Linear()(tf.ones((1, 3)))",
    ),
    "habits.output-shape": (
        "dense = keras.layers.Dense(2)\ndense(tf.ones((1, 3)))\ndense.output_shape",
    ),
    "habits.image-data-generator": ("from keras.preprocessing.image import ImageDataGenerator",),
    "habits.cudnn": ("from keras.layers import CuDNNLSTM", "tf.keras.layers.CuDNNGRU(3)"),
    "habits.dataset-iterators": (
        "tf.data.Dataset.range(3).make_one_shot_iterator()",
        "tf.data.Dataset.range(3).output_shapes",
    ),
    "habits.resize-images": ("tf.image.resize_images(tf.ones((1, 4, 4, 1)), (2, 2))",),
    "habits.cross-entropy-v2": (
        "tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.ones(3), logits=tf.ones(3))",
    ),
}


def error_text(source: str, where: Path) -> str:
    """What the grader records for a cell that raises: ``Type: message (line N)``, as the student's
    process writes it (``student_side/student_process.py``), from code run from a real file."""
    path = where / "cell.py"
    path.write_text(source, encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": "__main__", "tf": tf, "keras": keras, "np": np}
    try:
        # Compiled from a real file, as the grader runs a cell, so the error names its line.
        exec(compile(source, str(path), "exec"), namespace)
    except Exception as exc:  # noqa: BLE001 - any error is what we want to read
        line = next((f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == str(path)),
                    None)
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return messages.ERROR_AT_LINE.format(error=text[:500], line=line) if line else text[:500]
    raise AssertionError(f"this code no longer fails, so the habit may be gone from the table:\n{source}")


def examples() -> list[Any]:
    return [
        pytest.param(hint_id, source, id=f"{hint_id}-{i}")
        for hint_id, sources in EXAMPLES.items()
        for i, source in enumerate(sources)
    ]


HABIT_BY_HINT = {h.hint.id: h for h in habits.HABITS}


def test_every_habit_in_the_table_has_real_code_here() -> None:
    assert sorted(EXAMPLES) == sorted(HABIT_BY_HINT)
    assert len(HABIT_BY_HINT) == len(habits.HABITS), "two habits share a hint"


@pytest.mark.parametrize(("hint_id", "source"), examples())
def test_the_real_error_of_each_habit_gets_its_hint(
    hint_id: str, source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the saving habits write files
    error = error_text(source, tmp_path)

    found = habits.habit_of(error)

    assert found is not None, f"no habit explains {error!r}"
    assert found.hint.id == hint_id, f"{error!r} got {found.name!r}"
    assert habits.hint_for(error) == HABIT_BY_HINT[hint_id].hint.format()


def suggested_code(hint: messages.Message) -> list[str]:
    """The spans between backticks in a hint that are Python statements (the rest are fragments)."""
    spans = re.findall(r"`([^`]+)`", hint.format())
    runnable = []
    for span in spans:
        try:
            compile(span, "<hint>", "exec")
        except SyntaxError:
            continue
        runnable.append(span)
    return runnable


def hint_namespace() -> dict[str, Any]:
    """The names the hints' code uses, as a student's notebook would have them."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="mse")
    x = tf.ones((4, 3))
    layer = keras.layers.Dense(2)

    class Probe(keras.layers.Layer):
        """Stands in for ``self`` inside a custom layer's build()."""

    return {
        "tf": tf, "keras": keras, "np": np, "x": x, "y": tf.ones(2), "model": model, "layer": layer,
        "input_shape": (None, 3), "self": Probe(), "n_in": 3, "n_out": 2, "images": tf.ones((1, 4, 4, 1)),
        "height": 2, "width": 2, "labels": tf.constant([[0.0, 1.0]]), "logits": tf.constant([[0.5, 0.5]]),
        "dataset": tf.data.Dataset.from_tensor_slices((np.ones((4, 3)), np.ones((4, 2)))).batch(2),
    }


@pytest.mark.parametrize("habit", habits.HABITS, ids=lambda h: h.hint.id)
def test_the_code_each_hint_suggests_runs(habit: habits.Habit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = hint_namespace()
    for code in suggested_code(habit.hint):
        exec(code, namespace)


def test_hints_that_suggest_code_show_it_between_backticks() -> None:
    """Only tf.contrib (no one TF 2 name for it) and the eager switch (delete the line) give no code."""
    without = sorted(h.hint.id for h in habits.HABITS if not suggested_code(h.hint))
    assert without == ["habits.contrib", "habits.enable-eager"]


def test_a_hint_never_quotes_the_error() -> None:
    """Hints are fixed catalog texts: safe next to a hidden check, whose message must not leak."""
    for habit in habits.HABITS:
        assert habit.hint.placeholders == frozenset()


def test_errors_of_other_causes_get_no_hint() -> None:
    for error in (
        "ZeroDivisionError: division by zero (line 2)",
        "NameError: name 'x' is not defined",
        "ModuleNotFoundError: No module named 'sklearn'",
        "AttributeError: module 'tensorflow' has no attribute 'reduce_summ'",
        "ValueError: Argument(s) not recognized: {'learning_rat': 0.1}",
    ):
        assert habits.hint_for(error) == "", error


# -- applying the table: cell errors and check messages (pure) ---------------------------------

VIS_UTILS = "ModuleNotFoundError: No module named 'keras.utils.vis_utils' (line 1)"


def test_each_cell_error_gets_the_hint_of_its_habit() -> None:
    run = summary("completed", "ran", (CellError(2, VIS_UTILS), CellError(5, "ZeroDivisionError: division by zero")))

    explained = habits.explain_cells(run, {2: "from keras.utils.vis_utils import plot_model", 5: "1 / 0"})

    assert [e.hint for e in explained.cell_errors] == [messages.HABIT_VIS_UTILS.format(), ""]
    assert [e.error for e in explained.cell_errors] == [VIS_UTILS, "ZeroDivisionError: division by zero"]


SOURCES = {
    2: "import keras",
    3: "from keras.utils.vis_utils import plot_model as draw_model\n\ndef show(m):\n    return draw_model(m)",
    4: "draw_model(model)  # uses it, does not define it",
    5: "1 / 0",
    6: "def helper():\n    never_written = 1\n    return never_written",
}
ERRORS = (CellError(3, VIS_UTILS), CellError(4, "NameError: name 'draw_model' is not defined (line 1)"),
          CellError(5, "ZeroDivisionError: division by zero"), CellError(6, "NameError: name 'x' is not defined"))


def test_a_name_error_in_a_cell_points_back_at_the_earlier_failed_cell_that_defines_the_name() -> None:
    explained = habits.explain_cells(summary("completed", "ran", ERRORS), SOURCES)

    assert [e.hint for e in explained.cell_errors] == [
        messages.HABIT_VIS_UTILS.format(), messages.FAILED_CELL_BEFORE.format(cells="3", count=1), "", ""]


def test_a_required_name_a_failed_cell_would_define_is_told_at_that_cell_not_as_never_defined() -> None:
    # The summary and the cell must tell one story: cell 3 stopped before defining Scale (issue 21).
    run = replace(summary("completed", "ran", (CellError(3, "SyntaxError: invalid syntax (line 1)"),)),
                  missing_names=("Scale", "build_model"))

    explained = habits.explain_cells(run, {2: "import keras", 3: "class Scale(keras.layers.Layer:\n    pass"})

    assert explained.missing_names == ("build_model",)
    assert explained.cell_errors[0].hint == messages.STOPPED_BEFORE_DEFINING.format(names="`Scale`")


def test_a_stopped_cell_keeps_its_habit_hint_and_adds_the_names_it_never_defined() -> None:
    run = replace(summary("completed", "ran", (CellError(3, VIS_UTILS),)), missing_names=("draw_model",))

    explained = habits.explain_cells(run, SOURCES)

    assert explained.missing_names == ()
    assert explained.cell_errors[0].hint.splitlines() == [
        messages.HABIT_VIS_UTILS.format(), messages.STOPPED_BEFORE_DEFINING.format(names="`draw_model`")]


STUB_CELL = "def scaled_sum(x, scale):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nscaled_sum(1, 2)"


def test_an_answer_still_at_the_templates_stub_is_not_answered_yet_not_a_raised_error() -> None:
    stopped = (CellError(4, "NotImplementedError (line 3)"), CellError(5, "NotImplementedError"))
    run = summary("completed", "ran", stopped)
    calls = check_result("calls", outcome="failed", message=messages.STUDENT_RAISED.format(
        action="Calling", name="scaled_sum", error="NotImplementedError"))
    hidden = replace(calls, name="hidden", visibility="hidden")

    explained = habits.explain_cells(run, {4: STUB_CELL, 5: "x = 1"})
    checks = habits.explain_checks((calls, hidden), explained.cell_errors, {4: STUB_CELL})

    # Cell 5 raised it without the stub in its source: a raised error like any other.
    assert [e.hint for e in explained.cell_errors] == [messages.NOT_ANSWERED_YET.format(), ""]
    assert checks[0].hint == messages.NOT_ANSWERED_YET.format()
    assert checks[1].hint == ""  # said at cell 4 already: not listed among the failed requirements


def test_a_missing_name_points_back_at_the_failed_cell_that_defines_it() -> None:
    missing = check_result("draws", outcome="failed", message=messages.NOT_DEFINED.format(name="draw_model"))
    calls = check_result("calls", outcome="failed", message=messages.STUDENT_RAISED.format(
        action="Calling", name="show", error="NameError: name 'draw_model' is not defined"))
    local = check_result("local", outcome="failed", message=messages.NOT_DEFINED.format(name="never_written"))
    other = check_result("other", outcome="failed", message=messages.NOT_DEFINED.format(name="model"))

    explained = habits.explain_checks((missing, calls, local, other), ERRORS, SOURCES)

    # Cell 4 also mentions draw_model and failed, but only because cell 3 did: it is not blamed.
    pointer = messages.FAILED_CELL_CAUSE.format(cells="3", count=1)
    assert [c.hint for c in explained] == [pointer, pointer, "", ""]


def test_a_cell_python_cannot_read_is_blamed_for_the_names_it_mentions() -> None:
    errors = (CellError(2, "SyntaxError: invalid syntax (line 1)"),)
    missing = check_result("f", outcome="failed", message=messages.NOT_DEFINED.format(name="f"))

    explained = habits.explain_checks((missing,), errors, {2: "def f(x) return x"})

    assert explained[0].hint == messages.FAILED_CELL_CAUSE.format(cells="2", count=1)


def test_a_check_message_that_carries_a_habit_error_gets_its_hint_after_the_requirement_hint() -> None:
    message = messages.STUDENT_RAISED.format(
        action="Calling", name="loss", error="AttributeError: module 'tensorflow' has no attribute 'log'")
    failed = check_result("loss_values", outcome="failed", message=message, visibility="hidden")
    failed = failed.__class__(**{**failed.__dict__, "hint": "loss must work for any batch size."})
    passed = check_result("loss_shape", message=message)

    explained = habits.explain_checks((failed, passed), (), {})

    assert explained[0].hint.splitlines() == ["loss must work for any batch size.", messages.HABIT_MATH.format()]
    assert explained[1] == passed  # a check that passed needs no hint


def test_grading_applies_the_table(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "a.ipynb", "from keras.utils.vis_utils import plot_model as draw_model",
                          assignment="habits")
    assignment = Assignment("habits", "Habits", tmp_path, path, (Question("q1", 1.0, "draw"),), Limits())
    missing = check_result("draws", outcome="failed", message=messages.NOT_DEFINED.format(name="draw_model"))
    run = summary("completed", "ran", (CellError(1, VIS_UTILS),))

    result = grade(path, assignment, FakeExecutor(execution(missing, run=run))).result

    assert result.execution.cell_errors[0].hint == messages.HABIT_VIS_UTILS.format()
    assert result.checks[0].hint == messages.FAILED_CELL_CAUSE.format(cells="1", count=1)
