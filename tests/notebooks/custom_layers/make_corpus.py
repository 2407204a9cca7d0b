"""Write the custom_layers wrong variants and correct alternatives.

They share the assignment's text. Its source is solutions/custom_layers.ipynb (with the answer markers
of `tfgrade assign`); this file keeps a copy of the text and checks it still agrees. After changing the
solution, update the copy here and rerun (from the repository root):

    .venv/bin/tfgrade assign custom_layers
    .venv/bin/python tests/notebooks/custom_layers/make_corpus.py
    .venv/bin/tfgrade validate custom_layers

Each wrong variant is the solution with ONE mistake; its metadata names the requirement it breaks
(requirements.toml), and it must fail that question only. A few mistakes in MyDense make any model
of stacked MyDense layers impossible (OTHER, below): those list the checks they fail, in every
question, with the words their messages must contain. Correct alternatives must get full marks;
two of them are saved as JupyterLab 4 and Colab save notebooks, with outputs.
"""

import ast
import json
import uuid
from pathlib import Path

import nbformat

from autograder.core.markers import without_markers

ROOT = Path(__file__).resolve().parents[3]

TITLE = """\
# Assignment: custom layers, and saving them

Keras models are made of **layers**. When no built-in layer does what you need, you write your own
by subclassing `keras.layers.Layer`. A layer has three parts:

* `__init__` stores the layer's hyper-parameters (how many units, which activation...).
* `build(input_shape)` creates the layer's **weights**. Keras calls it once, the first time the layer
  is called, because only then is the size of the input known.
* `call(inputs)` computes the output from the inputs and the weights.

To **save** a model that uses your layer and load it back, Keras also needs to know how to
re-create the layer: `get_config()` describes it as a dict of constructor arguments,
`from_config(config)` builds it again from that dict, and registering the class tells
`keras.saving.load_model` where to find it.

**How to work on this notebook**

* Run the cells from top to bottom.
* Where you see `# YOUR CODE HERE`, delete the `raise NotImplementedError()` line and write your
  code. Keep the class, function and argument names exactly as written: the grader uses them.
* After each question there is a *public check* cell. Run it: if it prints nothing, those checks
  passed. More (hidden) checks run when you submit, so test your code on your own examples too."""

IMPORTS = """\
import numpy as np
import keras
import tensorflow as tf"""

Q1_PROMPT = """\
## Question 1: a Dense layer of your own (5 points)

Write `MyDense(units, activation=None, use_bias=True, **kwargs)`, a subclass of
`keras.layers.Layer` that works like `keras.layers.Dense`:

* `__init__` stores `units`, `activation` and `use_bias`, and passes `**kwargs` (such as `name`)
  on with `super().__init__(**kwargs)`. It creates **no weights**: the layer does not know the size
  of its input yet. `activation` is the name of an activation such as `"relu"` or `"tanh"`, or
  `None` for none; `keras.activations.get(activation)` turns any of these into a function.
* `build(input_shape)` creates the weights with `self.add_weight(...)`: a kernel of shape
  `(input_dim, units)`, where `input_dim = input_shape[-1]` is the size of the input's last axis,
  and, only when `use_bias` is true, a bias of shape `(units,)` initialized to zeros. Both must be
  trainable (the default), so that training updates them.
* `call(inputs)` returns `activation(inputs @ kernel + bias)`, without `+ bias` when `use_bias` is
  false.

For a `float32` input of shape `(batch, input_dim)`, the output is `float32` of shape
`(batch, units)`, for **any** `input_dim`.

Leave `get_config` and the line above the class for Question 2."""

Q1_TEMPLATE = """\
# Question 2: register this class for saving (see Question 2).
class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        # YOUR CODE HERE
        raise NotImplementedError()

    def build(self, input_shape):
        # YOUR CODE HERE
        raise NotImplementedError()

    def call(self, inputs):
        # YOUR CODE HERE
        raise NotImplementedError()

    def get_config(self):
        # Question 2.
        # YOUR CODE HERE
        raise NotImplementedError()"""

Q1_SOLUTION = """\
@keras.saving.register_keras_serializable(package="my_layers")
class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer="glorot_uniform", name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        outputs = tf.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        })
        return config"""

Q1_CHECK = """\
# Public checks for Question 1: run this cell; no output means they passed.
layer = MyDense(3)
assert not layer.weights, "MyDense(3) should have no weights before it is called: create them in build()"
y = layer(tf.ones([2, 4]))
assert tuple(y.shape) == (2, 3), "MyDense(3) on a (2, 4) input should give a (2, 3) output"
assert sorted(tuple(w.shape) for w in layer.weights) == [(3,), (4, 3)], \\
    "MyDense(3) on a (2, 4) input should have a kernel of shape (4, 3) and a bias of shape (3,)"
assert tuple(MyDense(3, use_bias=False)(tf.ones([2, 5])).shape) == (2, 3), \\
    "MyDense(3, use_bias=False) on a (2, 5) input should give a (2, 3) output"
assert float(tf.reduce_min(MyDense(3, activation="relu")(tf.random.normal([8, 4])))) >= 0, \\
    "MyDense(3, activation='relu') should never output a negative number\""""

Q2_PROMPT = """\
## Question 2: describe the layer so it can be saved (4 points)

Go back to the cell with `MyDense`, complete it, and run it again:

* `get_config(self)` returns a dict with **every** constructor argument (`units`, `activation` and
  `use_bias`), including the ones left at their default values, added to the dict that
  `super().get_config()` returns (which holds the `name`, `trainable` and `dtype` every layer needs).
  Use plain values that JSON can store: for the activation, `keras.activations.serialize(...)`
  gives its name.
* `MyDense.from_config(config)` must build an equivalent layer. You do not need to write it: the
  one inherited from `Layer` calls `MyDense(**config)`, which works because `__init__` accepts
  every key of the config (the extra ones through `**kwargs`).
* Register the class for saving: put `@keras.saving.register_keras_serializable(package="my_layers")`
  on the line above `class MyDense`. Without it, `keras.saving.load_model` cannot find your class.

Beware: a `get_config` that forgets an argument with a default value does not fail. The layer
loaded back silently uses the default, and the model computes something else."""

Q2_CHECK = """\
# Public checks for Question 2: run this cell; no output means they passed.
config = MyDense(3, activation="relu").get_config()
for key in ("units", "activation", "use_bias", "name", "trainable", "dtype"):
    assert key in config, f"MyDense(3, activation='relu').get_config() should include {key!r}"
assert MyDense.from_config(config).get_config() == config, \\
    "MyDense.from_config(config) should build a layer with the same config\""""

Q3_PROMPT = """\
## Question 3: save and load a model that uses your layer (4 points)

Write `build_model()`, which returns a new Keras model (not compiled) made with the functional
API: an input `keras.Input(shape=(4,))`, then `MyDense(8, activation="relu")`, then `MyDense(1)`.

Saving the model with `model.save("model.keras")` and loading it back with
`keras.saving.load_model("model.keras")` (no `custom_objects`) must give a model that computes the
same outputs. The file is a zip archive: its `config.json` must hold each layer's full config."""

Q3_TEMPLATE = """\
def build_model():
    # YOUR CODE HERE
    raise NotImplementedError()"""

Q3_SOLUTION = """\
def build_model():
    inputs = keras.Input(shape=(4,))
    hidden = MyDense(8, activation="relu")(inputs)
    outputs = MyDense(1)(hidden)
    return keras.Model(inputs, outputs)"""

Q3_CHECK = """\
# Public checks for Question 3: run this cell; no output means they passed.
model = build_model()
x = tf.random.normal([5, 4])
assert tuple(model(x).shape) == (5, 1), "build_model()'s model should give one output per row"
model.save("model.keras")
reloaded = keras.saving.load_model("model.keras")
np.testing.assert_allclose(reloaded(x), model(x), rtol=1e-6, err_msg="the reloaded model computes something else")"""

Q4_PROMPT = """\
## Question 4: a model of your own, trained (3 points)

Write `MyModel(hidden_units, **kwargs)`, a subclass of `keras.Model`:

* `__init__` passes `**kwargs` on to `super().__init__(**kwargs)` and creates two layers:
  `MyDense(hidden_units, activation="relu")` and `MyDense(1)`;
* `call(inputs)` applies the first layer, then the second, and returns the result.

After `model.compile(optimizer="sgd", loss="mse")`, one training step (`model.train_on_batch(x, y)`
or `model.fit`) must update **all** of its weights: two kernels and two biases."""

Q4_TEMPLATE = """\
class MyModel(keras.Model):
    def __init__(self, hidden_units, **kwargs):
        # YOUR CODE HERE
        raise NotImplementedError()

    def call(self, inputs):
        # YOUR CODE HERE
        raise NotImplementedError()"""

Q4_SOLUTION = """\
class MyModel(keras.Model):
    def __init__(self, hidden_units, **kwargs):
        super().__init__(**kwargs)
        self.hidden = MyDense(hidden_units, activation="relu")
        self.output_layer = MyDense(1)

    def call(self, inputs):
        return self.output_layer(self.hidden(inputs))"""

Q4_CHECK = """\
# Public checks for Question 4: run this cell; no output means they passed.
my_model = MyModel(8)
assert tuple(my_model(tf.ones([2, 4])).shape) == (2, 1), "MyModel(8) on a (2, 4) input should give a (2, 1) output"
assert len(my_model.trainable_weights) == 4, "MyModel should have 4 trainable weights: two kernels and two biases"
my_model.compile(optimizer="sgd", loss="mse")
my_model.fit(tf.random.normal([16, 4]), tf.random.normal([16, 1]), epochs=1, verbose=0)"""

END = """\
## When you are done

Run `tfgrade check custom_layers.ipynb` in a terminal to run the public checks the way the grader
does; hidden checks run when you submit."""

TEMPLATE = {
    "title": ("markdown", TITLE),
    "imports": ("code", IMPORTS),
    "q1-prompt": ("markdown", Q1_PROMPT),
    "q1-answer": ("code", Q1_TEMPLATE),
    "q1-check": ("code", Q1_CHECK),
    "q2-prompt": ("markdown", Q2_PROMPT),
    "q2-check": ("code", Q2_CHECK),
    "q3-prompt": ("markdown", Q3_PROMPT),
    "q3-answer": ("code", Q3_TEMPLATE),
    "q3-check": ("code", Q3_CHECK),
    "q4-prompt": ("markdown", Q4_PROMPT),
    "q4-answer": ("code", Q4_TEMPLATE),
    "q4-check": ("code", Q4_CHECK),
    "end": ("markdown", END),
}
SOLUTION = TEMPLATE | {
    "q1-answer": ("code", Q1_SOLUTION),
    "q3-answer": ("code", Q3_SOLUTION),
    "q4-answer": ("code", Q4_SOLUTION),
}


def notebook(cells: dict, mistake: str | None = None, expect: dict | None = None) -> nbformat.NotebookNode:
    node = nbformat.v4.new_notebook()
    node.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "tfgrade": {"assignment": "custom_layers"},
    }
    if expect is not None:
        node.metadata["tfgrade"]["expect"] = expect
    items = list(cells.items())
    if mistake:
        items.insert(0, ("mistake", ("markdown", mistake)))
    for cell_id, (kind, source) in items:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.id = cell_id
        node.cells.append(cell)
    nbformat.validate(node)
    return node


def write(path: Path, cells: dict, mistake: str | None = None, expect: dict | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(cells, mistake, expect), path)


def replace(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, (old, source)
    return source.replace(old, new)


def variant(changes: dict[str, list[tuple[str, str]]], base: dict | None = None) -> dict:
    cells = dict(base or SOLUTION)
    for cell_id, edits in changes.items():
        kind, source = cells[cell_id]
        for old, new in edits:
            source = replace(source, old, new)
        cells[cell_id] = (kind, source)
    return cells


SOLUTION_GET_CONFIG = """

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        })
        return config"""

# name -> (what is wrong, edits of the solution's cells, the requirement it breaks)
WRONG = {
    # --- Question 1 -----------------------------------------------------------------------
    "missing-bias": (
        "`call` creates the bias but never adds it.",
        {"q1-answer": [("            outputs = outputs + self.bias\n", "            pass\n")]},
        "q1-call-values",
    ),
    "call-ignores-activation": (
        "`call` returns `inputs @ kernel + bias` without applying the activation.",
        {"q1-answer": [("return self.activation(outputs)", "return outputs")]},
        "q1-call-values",
    ),
    "activation-before-bias": (
        "`call` applies the activation before adding the bias: `activation(inputs @ kernel) + bias`.",
        {"q1-answer": [("""        outputs = tf.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)""", """        outputs = self.activation(tf.matmul(inputs, self.kernel))
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs""")]},
        "q1-call-values",
    ),
    "activation-lookup-table": (
        "`call` looks the activation up in a table of the two names the text gives as examples (and "
        "`None`), so any other activation name fails.",
        {"q1-answer": [
            ("        self.activation = keras.activations.get(activation)\n",
             "        self.activation = activation\n"),
            ("        return self.activation(outputs)",
             "        table = {None: tf.identity, \"relu\": tf.nn.relu, \"tanh\": tf.tanh}\n"
             "        return table[self.activation](outputs)"),
            ('"activation": keras.activations.serialize(self.activation)', '"activation": self.activation'),
        ]},
        "q1-call-values",
    ),
    "transposed-kernel": (
        "`build` stores the kernel as `(units, input_dim)` and `call` multiplies by its transpose: the "
        "outputs are right, the kernel's shape is not the one the text asks for.",
        {"q1-answer": [
            ("shape=(input_dim, self.units)", "shape=(self.units, input_dim)"),
            ("tf.matmul(inputs, self.kernel)", "tf.matmul(inputs, self.kernel, transpose_b=True)"),
        ]},
        "q1-build-weights",
    ),
    "bias-random-init": (
        "`build` creates the bias with the kernel's initializer (random), not with zeros.",
        {"q1-answer": [('shape=(self.units,), initializer="zeros"',
                        'shape=(self.units,), initializer="random_normal"')]},
        "q1-build-weights",
    ),
    "bias-despite-use-bias-false": (
        "`build` always creates a bias, even when `use_bias` is false (`call` leaves it out then).",
        {"q1-answer": [("""        if self.use_bias:
            self.bias = self.add_weight(""", """        if True:
            self.bias = self.add_weight(""")]},
        "q1-build-weights",
    ),
    "weights-not-trainable": (
        "`build` creates the kernel and the bias with `trainable=False`.",
        {"q1-answer": [('name="kernel")', 'name="kernel", trainable=False)'),
                       ('name="bias")', 'name="bias", trainable=False)')]},
        "q1-build-weights",
    ),
    "wrong-default-use-bias": (
        "`__init__`'s `use_bias` defaults to false, where the text fixes `use_bias=True`: `MyDense(3)` has no "
        "bias. A cascade case: `build_model` and `MyModel` write `MyDense(1)` as the text does, and Questions 2-4 "
        "must not lose points for the default.",
        {"q1-answer": [("def __init__(self, units, activation=None, use_bias=True, **kwargs):",
                        "def __init__(self, units, activation=None, use_bias=False, **kwargs):")]},
        "q1-build-weights",
    ),
    "wrong-default-activation": (
        "`__init__`'s `activation` defaults to `\"relu\"`, where the text fixes `activation=None`. A cascade "
        "case: `MyDense(1)` in `build_model` and `MyModel` then ends with a relu, which is Question 1's mistake.",
        {"q1-answer": [("def __init__(self, units, activation=None, use_bias=True, **kwargs):",
                        "def __init__(self, units, activation=\"relu\", use_bias=True, **kwargs):")]},
        "q1-call-values",
    ),
    # --- Question 2 -----------------------------------------------------------------------
    "config-stores-activation-function": (
        "`get_config` stores the activation function itself, not its name (`keras.activations.serialize`), "
        "which is not a plain value JSON can store. Keras still saves it, so the model reloads; a cascade case: "
        "Question 3's check of config.json must not charge it.",
        {"q1-answer": [('"activation": keras.activations.serialize(self.activation)',
                        '"activation": self.activation')]},
        "q2-get-config-every-argument",
    ),
    "config-not-written": (
        "`get_config` is left as the template gives it (`raise NotImplementedError()`): Question 2 is not done. "
        "No model of MyDense layers can be saved; a cascade case: Question 3's checks of the model's structure "
        "must not charge it.",
        {"q1-answer": [("""        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        })
        return config""", """        raise NotImplementedError()""")]},
        "q2-get-config-every-argument",
    ),
    "config-forgets-activation": (
        "`get_config` leaves out `activation` (an argument with a default): reloaded layers silently "
        "use no activation.",
        {"q1-answer": [('            "activation": keras.activations.serialize(self.activation),\n', "")]},
        "q2-get-config-every-argument",
    ),
    "config-forgets-use-bias": (
        "`get_config` leaves out `use_bias`, whose default is true: a layer made with `use_bias=False` "
        "comes back with a bias.",
        {"q1-answer": [('            "use_bias": self.use_bias,\n', "")]},
        "q2-get-config-every-argument",
    ),
    "config-forgets-super": (
        "`get_config` returns a new dict instead of updating `super().get_config()`, so `name`, "
        "`trainable` and `dtype` are lost.",
        {"q1-answer": [("        config = super().get_config()\n        config.update({", "        config = ({")]},
        "q2-get-config-every-argument",
    ),
    "no-get-config": (
        "`MyDense` has no `get_config`: it relies on the config Keras guesses from `__init__`'s arguments.",
        {"q1-answer": [(SOLUTION_GET_CONFIG, "")]},
        "q2-get-config-every-argument",
    ),
    "from-config-drops-activation": (
        "A hand-written `from_config` builds the layer without its activation.",
        {"q1-answer": [("        return config", "        return config\n\n    @classmethod\n"
                        "    def from_config(cls, config):\n"
                        "        return cls(config[\"units\"], use_bias=config[\"use_bias\"], "
                        "name=config[\"name\"])")]},
        "q2-from-config-equivalent",
    ),
    "not-registered": (
        "`MyDense` is not registered with `@keras.saving.register_keras_serializable`.",
        {"q1-answer": [('@keras.saving.register_keras_serializable(package="my_layers")\n', "")]},
        "q2-registered",
    ),
    # --- Question 3 -----------------------------------------------------------------------
    "model-dense-output": (
        "`build_model` ends with a built-in `keras.layers.Dense(1)` instead of `MyDense(1)`.",
        {"q3-answer": [("outputs = MyDense(1)(hidden)", "outputs = keras.layers.Dense(1)(hidden)")]},
        "q3-functional-chain",
    ),
    "model-hidden-without-relu": (
        "`build_model`'s first layer is `MyDense(8)`, without the relu activation.",
        {"q3-answer": [('MyDense(8, activation="relu")(inputs)', "MyDense(8)(inputs)")]},
        "q3-functional-chain",
    ),
    "model-sequential": (
        "`build_model` makes a `keras.Sequential` model, not a functional one.",
        {"q3-answer": [("""    inputs = keras.Input(shape=(4,))
    hidden = MyDense(8, activation="relu")(inputs)
    outputs = MyDense(1)(hidden)
    return keras.Model(inputs, outputs)""", """\
    return keras.Sequential([keras.Input(shape=(4,)), MyDense(8, activation="relu"), MyDense(1)])""")]},
        "q3-functional-chain",
    ),
    "model-cached": (
        "`build_model` builds the model once and returns that same model on every later call.",
        {"q3-answer": [("def build_model():\n    inputs", "_MODEL = []\n\n\ndef build_model():\n"
                        "    if _MODEL:\n        return _MODEL[0]\n    inputs"),
                       ("    return keras.Model(inputs, outputs)",
                        "    _MODEL.append(keras.Model(inputs, outputs))\n    return _MODEL[0]")]},
        "q3-new-model",
    ),
    "model-compiled": (
        "`build_model` compiles the model before returning it.",
        {"q3-answer": [("    return keras.Model(inputs, outputs)",
                        "    model = keras.Model(inputs, outputs)\n"
                        "    model.compile(optimizer=\"adam\", loss=\"mse\")\n    return model")]},
        "q3-new-model",
    ),
    "model-lambda-activation": (
        "`build_model` gives the first layer its relu as a `lambda`: the model computes the right "
        "values, but Keras cannot load the saved lambda back.",
        {"q3-answer": [('MyDense(8, activation="relu")(inputs)',
                        "MyDense(8, activation=lambda t: tf.maximum(t, 0.0))(inputs)")]},
        "q3-reload-same-outputs",
    ),
    # --- Question 4 -----------------------------------------------------------------------
    "model-freezes-hidden": (
        "`MyModel` sets its hidden layer to `trainable = False`, so training never updates it.",
        {"q4-answer": [('self.hidden = MyDense(hidden_units, activation="relu")\n',
                        'self.hidden = MyDense(hidden_units, activation="relu")\n'
                        "        self.hidden.trainable = False\n")]},
        "q4-training-updates-all-weights",
    ),
    "model-stop-gradient": (
        "`MyModel.call` wraps the hidden layer's output in `tf.stop_gradient`, so training never "
        "updates the hidden layer.",
        {"q4-answer": [("return self.output_layer(self.hidden(inputs))",
                        "return self.output_layer(tf.stop_gradient(self.hidden(inputs)))")]},
        "q4-training-updates-all-weights",
    ),
    "model-relu-output": (
        "`MyModel`'s second layer is `MyDense(1, activation=\"relu\")`.",
        {"q4-answer": [("self.output_layer = MyDense(1)", 'self.output_layer = MyDense(1, activation="relu")')]},
        "q4-init-two-layers",
    ),
    "model-ignores-kwargs": (
        "`MyModel.__init__` accepts `**kwargs` but calls `super().__init__()` without them.",
        {"q4-answer": [("        super().__init__(**kwargs)", "        super().__init__()")]},
        "q4-init-two-layers",
    ),
    "model-skips-hidden": (
        "`MyModel.call` applies only the second layer to the inputs.",
        {"q4-answer": [("return self.output_layer(self.hidden(inputs))", "return self.output_layer(inputs)")]},
        "q4-call-first-then-second",
    ),
}

MODELS_BROKEN_BY_FIXED_INPUT_SIZE = {
    "build_model_output_shape": "MyDense.call()",
    "my_model_output_shape": "MyDense.call()",
    "build_model_is_a_functional_input_mydense_mydense_chain": "build_model()",
    "build_model_layers_are_the_ones_the_text_names": "build_model()",
    "build_model_returns_a_new_model_every_call": "build_model()",
    "build_model_reloads_with_same_outputs": "build_model()",
    "saved_file_holds_each_layer_config": "build_model()",
    "my_model_creates_the_two_layers_the_text_names": "MyModel(",
    "my_model_applies_the_first_layer_then_the_second": "MyModel(",
    "my_model_trains_all_weights": "MyModel(6)",
}

# Mistakes that fail several questions on purpose: a MyDense fixed to 4 input features cannot be the
# second layer of any model (it gets 8), so Questions 3 and 4 cannot be judged with it; and an
# __init__ without **kwargs breaks Question 1's text and, through it, from_config (Question 2).
# name -> (what is wrong, edits, check name -> words its message must contain)
OTHER = {
    "weights-in-init": (
        "`MyDense` creates its weights in `__init__`, for a fixed `input_dim=4`, instead of in `build`.",
        {"q1-answer": [
            ("def __init__(self, units, activation=None, use_bias=True, **kwargs):",
             "def __init__(self, units, activation=None, use_bias=True, input_dim=4, **kwargs):"),
            ("        self.use_bias = use_bias\n",
             "        self.use_bias = use_bias\n        self.input_dim = input_dim\n"
             "        self.kernel = self.add_weight(shape=(input_dim, units), initializer=\"glorot_uniform\", "
             "name=\"kernel\")\n        if use_bias:\n"
             "            self.bias = self.add_weight(shape=(units,), initializer=\"zeros\", name=\"bias\")\n"),
            ("""    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer="glorot_uniform", name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

""", ""),
            ('"use_bias": self.use_bias,\n', '"use_bias": self.use_bias,\n            "input_dim": self.input_dim,\n'),
        ]},
        {
            "mydense_init_passes_kwargs_and_creates_no_weights": "before it is called",
            "mydense_builds_its_weights_for_any_input_dim": "input_shape[-1]",
            "mydense_computes_activation_of_inputs_times_kernel_plus_bias": "failed",
            "mydense_output_is_float32_batch_by_units_for_any_input_dim": "input_shape[-1]",
            "mydense_from_config_builds_an_equivalent_layer": "failed",
            **MODELS_BROKEN_BY_FIXED_INPUT_SIZE,
        },
    ),
    "hardcoded-input-dim": (
        "`build` makes the kernel `(4, units)` whatever the input size.",
        {"q1-answer": [("input_dim = input_shape[-1]", "input_dim = 4")]},
        {
            "mydense_init_passes_kwargs_and_creates_no_weights": "input_shape[-1]",
            "mydense_builds_its_weights_for_any_input_dim": "input_shape[-1]",
            "mydense_computes_activation_of_inputs_times_kernel_plus_bias": "failed",
            "mydense_output_is_float32_batch_by_units_for_any_input_dim": "input_shape[-1]",
            "mydense_from_config_builds_an_equivalent_layer": "failed",
            **MODELS_BROKEN_BY_FIXED_INPUT_SIZE,
        },
    ),
    "init-without-kwargs": (
        "`__init__` takes no `**kwargs`, so `MyDense.from_config(config)` fails on `name`.",
        {"q1-answer": [("def __init__(self, units, activation=None, use_bias=True, **kwargs):\n"
                        "        super().__init__(**kwargs)",
                        "def __init__(self, units, activation=None, use_bias=True):\n        super().__init__()")]},
        {
            "mydense_init_passes_kwargs_and_creates_no_weights": "unexpected keyword argument",
            "mydense_from_config_builds_an_equivalent_layer": "unexpected keyword argument 'name'",
        },
    ),
}

ALT_DICT_MERGE = """\
@keras.saving.register_keras_serializable(package="coursework", name="Dense2")
class MyDense(keras.layers.Layer):
    \"\"\"Keeps the activation's name as given; config built with dict unpacking.\"\"\"

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation_name = activation
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros") if self.use_bias else None

    def call(self, inputs):
        z = inputs @ self.w
        if self.b is not None:
            z = z + self.b
        return keras.activations.get(self.activation_name)(z)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation_name,
                "use_bias": self.use_bias}"""

ALT_DICT_MERGE_MODEL = """\
class MyModel(keras.Model):
    def __init__(self, hidden_units, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [MyDense(hidden_units, activation="relu"), MyDense(1)]

    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = block(x)
        return x"""

ALT_BIAS_FIRST = """\
@keras.saving.register_keras_serializable()
class MyDense(keras.layers.Layer):
    \"\"\"Bias created before the kernel; shape from a TensorShape; bias added with tf.nn.bias_add.\"\"\"

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        if self.use_bias:
            self.bias = self.add_weight(shape=[self.units], initializer=keras.initializers.Zeros())
        last = tf.TensorShape(input_shape)[-1]
        self.kernel = self.add_weight(shape=[last, self.units], initializer=keras.initializers.GlorotNormal())
        super().build(input_shape)

    def call(self, inputs):
        out = tf.linalg.matmul(inputs, self.kernel)
        return self.activation(tf.nn.bias_add(out, self.bias) if self.use_bias else out)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        config["activation"] = keras.activations.serialize(self.activation)
        config["use_bias"] = self.use_bias
        return config"""

ALT_BIAS_FIRST_MODEL = """\
def build_model():
    x = keras.Input((4,))
    return keras.Model(x, MyDense(1)(MyDense(8, activation="relu")(x)))"""

ALT_TF_KERAS = """\
@tf.keras.utils.register_keras_serializable(package="hw3")
class MyDense(tf.keras.layers.Layer):
    \"\"\"Only tf.keras; an explicit from_config; keras.ops for the maths.\"\"\"

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.act = tf.keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        n_in = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(n_in, self.units), trainable=True)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)
        self.built = True

    def call(self, inputs):
        y = tf.keras.ops.matmul(inputs, self.kernel)
        if self.use_bias:
            y = tf.keras.ops.add(y, self.bias)
        return self.act(y)

    def get_config(self):
        base = super().get_config()
        return dict(base, units=self.units, activation=tf.keras.activations.serialize(self.act),
                    use_bias=self.use_bias)

    @classmethod
    def from_config(cls, config):
        return cls(**config)"""

ALT_TF_KERAS_REST = {
    "imports": ("code", "import numpy as np\nimport tensorflow as tf"),
    "q3-answer": ("code", """\
def build_model():
    x_in = tf.keras.Input(shape=(4,), name="features")
    h = MyDense(8, activation="relu", name="hidden")(x_in)
    return tf.keras.Model(inputs=x_in, outputs=MyDense(1, name="out")(h), name="regressor")"""),
    "q4-answer": ("code", """\
class MyModel(tf.keras.Model):
    def __init__(self, hidden_units, **kwargs):
        super().__init__(**kwargs)
        self.d1 = MyDense(hidden_units, activation=tf.keras.activations.relu)
        self.d2 = MyDense(1)

    def call(self, inputs, training=None):
        return self.d2(self.d1(inputs))"""),
    "q3-check": ("code", Q3_CHECK.replace("keras.saving.load_model", "tf.keras.models.load_model")),
    "q2-check": ("code", Q2_CHECK),
}


ALT_EINSUM = """\
@keras.saving.register_keras_serializable(package="my_layers")
class MyDense(keras.layers.Layer):
    \"\"\"keras.ops.einsum for the product, the activation kept as its name, config merged with |.\"\"\"

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.activation_name, self.use_bias = units, activation, use_bias

    def build(self, input_shape):
        *_, input_dim = input_shape
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer="he_normal", name="w")
        self.bias = (
            self.add_weight(shape=(self.units,), initializer=keras.initializers.Zeros(), name="b")
            if self.use_bias else None
        )

    def call(self, inputs):
        z = keras.ops.einsum("bi,iu->bu", inputs, self.kernel)
        if self.bias is not None:
            z = keras.ops.add(z, self.bias)
        return keras.activations.get(self.activation_name)(z)

    def get_config(self):
        return super().get_config() | {
            "units": self.units,
            "activation": self.activation_name,
            "use_bias": self.use_bias,
        }"""

ALT_EINSUM_MODELS = {
    "q3-answer": ("code", """\
def build_model():
    features = keras.Input(shape=(4,), name="features")
    hidden_layer = MyDense(units=8, activation="relu", name="hidden")
    output_layer = MyDense(units=1, name="score")
    return keras.Model(inputs=features, outputs=output_layer(hidden_layer(features)), name="scorer")"""),
    "q4-answer": ("code", """\
class MyModel(keras.Model):
    \"\"\"The output layer is created first: the text fixes what call applies first, not creation order.\"\"\"

    def __init__(self, hidden_units, **kwargs):
        super().__init__(**kwargs)
        self.head = MyDense(1)
        self.body = MyDense(hidden_units, activation="relu")

    def call(self, inputs):
        features = self.body(inputs)
        return self.head(features)"""),
}

ALT_KERAS2 = """\
@tf.keras.utils.register_keras_serializable(package="my_layers")
class MyDense(tf.keras.layers.Layer):
    \"\"\"Keras 2 / TF 1 habits that still work: super(Class, self), TensorShape, self.built, tf.nn.bias_add.\"\"\"

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super(MyDense, self).__init__(**kwargs)
        self.units = int(units)
        self.activation = tf.keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        input_shape = tf.TensorShape(input_shape)
        last_dim = tf.compat.dimension_value(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=[last_dim, self.units],
                                      initializer="glorot_uniform", trainable=True)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=[self.units], initializer="zeros", trainable=True)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, training=None):
        outputs = tf.linalg.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def get_config(self):
        config = {
            "units": self.units,
            "activation": tf.keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }
        base_config = super(MyDense, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))"""

ALT_KERAS2_REST = {
    "imports": ("code", "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
                "print(tf.__version__)"),
    "q3-answer": ("code", """\
def build_model():
    inp = tf.keras.layers.Input(shape=(4,))
    x = MyDense(8, activation="relu")(inp)
    x = MyDense(1)(x)
    model = tf.keras.models.Model(inputs=[inp], outputs=[x])
    return model"""),
    "q4-answer": ("code", """\
class MyModel(tf.keras.Model):
    def __init__(self, hidden_units, **kwargs):
        super(MyModel, self).__init__(**kwargs)
        self.dense_1 = MyDense(hidden_units, activation="relu")
        self.dense_2 = MyDense(1)

    def call(self, inputs, training=False):
        x = self.dense_1(inputs)
        return self.dense_2(x)"""),
    "q3-check": ("code", Q3_CHECK.replace("keras.saving.load_model", "keras.models.load_model")),
}

ALT_KERAS2_TRAIN = {
    "q4-train": ("code", """\
# Train for a few epochs the Keras 2 way and look at the loss.
xs = np.random.rand(64, 4).astype("float32")
ys = xs.sum(axis=1, keepdims=True)
trained = MyModel(16)
trained.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.05), loss="mean_squared_error")
history = trained.fit(xs, ys, batch_size=16, epochs=3, verbose=0)
print("loss per epoch:", [round(v, 4) for v in history.history["loss"]])"""),
}

ALT_POSITIONAL = """\
@keras.saving.register_keras_serializable("my_layers")
class MyDense(keras.layers.Layer):
    \"\"\"add_weight with positional arguments, weights in a dict-free style, a helper for the maths.\"\"\"

    def __init__(self, units, activation=None, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1], self.units), "random_normal")
        self.b = self.add_weight((self.units,), "zeros") if self.use_bias else None

    def affine(self, inputs):
        product = tf.tensordot(inputs, self.w, axes=[[1], [0]])
        return product if self.b is None else product + self.b

    def call(self, inputs):
        return self.activation(self.affine(inputs))

    def get_config(self):
        config = super().get_config()
        for key in ("units", "use_bias"):
            config[key] = getattr(self, key)
        config["activation"] = keras.activations.serialize(self.activation)
        return config"""

ALT_PRINTS = {
    "q3-extra": ("code", """\
# Look at the model and at what was saved.
import json
import zipfile

model = build_model()
model.summary()
print(model.layers)
model.save("look.keras")
with zipfile.ZipFile("look.keras") as archive:
    print(archive.namelist())
    print(json.dumps(json.loads(archive.read("config.json"))["config"]["layers"][1]["config"], indent=1))"""),
    "q4-extra": ("code", """\
# Train it a little and watch the loss go down.
xs = tf.random.normal([32, 4])
ys = tf.reduce_sum(xs, axis=1, keepdims=True)
m = MyModel(8)
m.compile(optimizer="sgd", loss="mse")
for step in range(3):
    print(step, float(m.train_on_batch(xs, ys)))
tf.print("weights:", [w.shape for w in m.weights])
m.summary()"""),
}

# --- notebooks saved by other front ends ------------------------------------------------------

LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python",
    "name": "python", "nbconvert_exporter": "python", "pygments_lexer": "ipython3", "version": "3.11.9",
}

# Outputs as the notebook's cells print them when run in Jupyter (cell id -> outputs).
JUPYTER_OUTPUTS = {
    "imports": [{"name": "stderr", "output_type": "stream", "text": [
        "2026-11-20 10:12:31.123456: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.\n"]}],
    "q3-extra": [{"name": "stdout", "output_type": "stream", "text": ["(5, 1)\n"]}],
    "q4-extra": [
        {"data": {"text/plain": ["4"]}, "execution_count": 9, "metadata": {}, "output_type": "execute_result"}
    ],
}

FRONT_END_EXTRA = {
    "q3-extra": ("code", "print(build_model()(tf.ones([5, 4])).shape)"),
    "q4-extra": ("code", "m3 = MyModel(3)\nm3(tf.ones([1, 4]))\nlen(m3.weights)"),
}


def jupyterlab4(cells: dict, mistake: str) -> dict:
    """A notebook as JupyterLab 4 saves it: nbformat 4.5, uuid cell ids, execution counts and outputs."""
    node = json.loads(nbformat.writes(notebook(cells, mistake, {"failing": {}})))
    node["nbformat_minor"] = 5
    node["metadata"]["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    node["metadata"]["language_info"] = LANGUAGE_INFO
    count = 0
    for i, cell in enumerate(node["cells"]):
        name = cell["id"]
        cell["id"] = str(uuid.UUID(int=0x5EED0000 + i))
        if cell["cell_type"] == "code":
            count += 1
            cell["execution_count"] = count
            cell["outputs"] = JUPYTER_OUTPUTS.get(name, [])
            cell["metadata"] = {"scrolled": True} if name == "q3-extra" else {}
    return node


def colab(cells: dict, mistake: str) -> dict:
    """A notebook as Colab saves it: nbformat 4.0, ids in cell metadata, colab/accelerator metadata, outputs."""
    node = json.loads(nbformat.writes(notebook(cells, mistake, {"failing": {}})))
    node["nbformat_minor"] = 0
    node["metadata"] = {
        "colab": {"provenance": [], "gpuType": "T4", "toc_visible": True},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "tfgrade": node["metadata"]["tfgrade"],
    }
    for i, cell in enumerate(node["cells"]):
        name = cell.pop("id")
        cell["metadata"] = {"id": f"c{i:02d}Xk9Qz{name[:3].replace('-', '_')}"}
        if cell["cell_type"] == "code":
            cell["execution_count"] = i
            cell["outputs"] = JUPYTER_OUTPUTS.get(name, [])
            if cell["outputs"]:
                cell["metadata"] |= {"colab": {"base_uri": "https://localhost:8080/"}, "outputId": f"{i:04x}-out"}
    return node


# --- notebooks that use IPython features (they wait for the grader to run cells with IPython) -----

IPYTHON_MAGICS = {
    "q1-try": ("code", """\
%%time
layer = MyDense(3, activation="tanh")
print(layer(tf.ones([2, 6])).shape)"""),
    "q3-try": ("code", """\
%timeit -n1 -r1 build_model()
here = !echo saved
y = %time build_model()(tf.ones([2, 4]))
print(here, y.shape)"""),
    "q4-try": ("code", """\
m = MyModel(8)
m.compile(optimizer="sgd", loss="mse")
%time h = m.fit(tf.ones([8, 4]), tf.zeros([8, 1]), epochs=2, verbose=0)
print(len(h.history["loss"]))"""),
}

IPYTHON_DISPLAY = {
    "q1-try": ("code", """\
layer = MyDense(2)
display(layer(tf.ones([1, 3])))
layer.weights"""),
    "q3-try": ("code", """\
model = build_model()
model.count_params()"""),
    "q3-look": ("code", """\
display(_ == 49, model.get_layer(index=1).get_config())"""),
}

IPYTHON_HELP = {
    "q1-help": ("code", """\
keras.layers.Layer.add_weight?
keras.activations.get?"""),
    "q2-help": ("code", """\
keras.saving.register_keras_serializable?
MyDense(4, activation="relu").get_config()"""),
    "q2-look": ("code", """\
config = _
display(config["activation"])"""),
}


def with_cells(base: dict, extra: dict, after: dict[str, str]) -> dict:
    """``base`` with each cell of ``extra`` inserted after the cell ``after[its id]``."""
    cells: dict = {}
    for cell_id, cell in base.items():
        cells[cell_id] = cell
        for new_id, new in extra.items():
            if after[new_id] == cell_id:
                cells[new_id] = new
    return cells


AFTER = {
    "q1-try": "q1-check", "q1-help": "q1-prompt", "q2-help": "q2-prompt", "q2-look": "q2-help",
    "q3-try": "q3-check", "q3-look": "q3-try", "q3-extra": "q3-check", "q4-try": "q4-check",
    "q4-extra": "q4-check", "q4-train": "q4-check",
}

ALTERNATIVES = {
    "alt-dict-merge": (
        "Correct alternative: activation kept as the given name, config built with `{**super().get_config(), ...}`, "
        "weights named `w` and `b`, registered under another name, layers of `MyModel` in a list.",
        SOLUTION | {"q1-answer": ("code", ALT_DICT_MERGE), "q4-answer": ("code", ALT_DICT_MERGE_MODEL)},
    ),
    "alt-bias-first": (
        "Correct alternative: the bias is created before the kernel, `build` reads a `TensorShape`, "
        "`build_model` nests its calls in one line, registered with the default package.",
        SOLUTION | {"q1-answer": ("code", ALT_BIAS_FIRST), "q3-answer": ("code", ALT_BIAS_FIRST_MODEL)},
    ),
    "alt-tf-keras": (
        "Correct alternative: only `tf.keras` is imported (registered through `tf.keras.utils`), "
        "`from_config` is written out, named layers, "
        "`keras.ops` maths, and an activation passed as a function.",
        SOLUTION | {"q1-answer": ("code", ALT_TF_KERAS)} | ALT_TF_KERAS_REST,
    ),
    "alt-einsum-names": (
        "Correct alternative: `keras.ops.einsum`, the activation kept as its name, a `|`-merged config, "
        "keyword arguments and named layers in `build_model`, and `MyModel` creating its output layer first.",
        SOLUTION | {"q1-answer": ("code", ALT_EINSUM)} | ALT_EINSUM_MODELS,
    ),
    "alt-keras2-habits": (
        "Correct alternative in Keras 2 / TF 1 habits that still work: `from tensorflow import keras`, "
        "`super(MyDense, self)`, `tf.compat.dimension_value`, `self.built = True`, `training` arguments, "
        "and a few epochs of `fit` in an extra cell.",
        with_cells(SOLUTION | {"q1-answer": ("code", ALT_KERAS2)} | ALT_KERAS2_REST, ALT_KERAS2_TRAIN, AFTER),
    ),
    "alt-positional-tensordot": (
        "Correct alternative: `add_weight` with positional arguments, `tf.tensordot`, a helper method, "
        "and the package given positionally to `register_keras_serializable`.",
        SOLUTION | {"q1-answer": ("code", ALT_POSITIONAL)},
    ),
    "alt-prints-and-summaries": (
        "Correct alternative with extra cells: summaries, prints, a look inside the saved file, and a "
        "short training loop.",
        with_cells(SOLUTION, ALT_PRINTS, AFTER),
    ),
}

FRONT_ENDS = {
    "alt-jupyterlab4": (
        "Correct alternative saved by JupyterLab 4 (nbformat 4.5, cell ids, execution counts, outputs), "
        "with an einsum `MyDense`.",
        with_cells(SOLUTION | {"q1-answer": ("code", ALT_EINSUM)}, FRONT_END_EXTRA, AFTER),
        jupyterlab4,
    ),
    "alt-colab": (
        "Correct alternative saved by Colab (colab and accelerator metadata, ids in cell metadata, "
        "outputs), with a `tensordot` `MyDense`.",
        with_cells(SOLUTION | {"q1-answer": ("code", ALT_POSITIONAL)}, FRONT_END_EXTRA, AFTER),
        colab,
    ),
}

# Correct notebooks that need cells run by IPython itself (`x = !cmd`, `y = %time f()`, `obj?`,
# `display`, `_`): they get full marks once the grader executes cells with IPython's machinery.
IPYTHON = {
    "alt-ipython-magics": (
        "Correct alternative with IPython magics: `%%time`, `%timeit -n1 -r1`, `x = !echo`, "
        "`y = %time ...` and `%time h = model.fit(...)`.",
        with_cells(SOLUTION, IPYTHON_MAGICS, AFTER),
    ),
    "alt-ipython-display": (
        "Correct alternative that uses `display(...)`, a bare expression as a cell's result, and `_`.",
        with_cells(SOLUTION, IPYTHON_DISPLAY, AFTER),
    ),
    "alt-ipython-help": (
        "Correct alternative that asks for help with `obj?` and reuses a result through `_`.",
        with_cells(SOLUTION, IPYTHON_HELP, AFTER),
    ),
}


def agree_with_the_course(template: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> None:
    """solutions/custom_layers.ipynb is the assignment's source (`tfgrade assign custom_layers` writes the student
    notebook from it). The notebooks here are built from this file's copy of their text: it must not drift."""
    committed = nbformat.read(ROOT / "assignments/custom_layers/custom_layers.ipynb", as_version=4)
    source = nbformat.read(ROOT / "solutions/custom_layers.ipynb", as_version=4)
    assert [c.source for c in template.cells] == [c.source for c in committed.cells], \
        "the student notebook is not this file's TEMPLATE: run tfgrade assign custom_layers, or update TEMPLATE"
    for mine, theirs in zip(solution.cells, source.cells, strict=True):
        code = without_markers(theirs.source) if theirs.cell_type == "code" else theirs.source
        same = ast.dump(ast.parse(mine.source)) == ast.dump(ast.parse(code)) if mine.cell_type == "code" \
            else mine.source == code
        assert same, f"cell {mine.id} is not the solution's: update SOLUTION here from solutions/custom_layers.ipynb"


def main() -> None:
    agree_with_the_course(notebook(TEMPLATE), notebook(SOLUTION))
    folder = ROOT / "tests/notebooks/custom_layers"
    for name, (what, changes, requirement) in WRONG.items():
        write(folder / f"{name}.ipynb", variant(changes), f"**Test variant `{name}`:** {what}", {"breaks": requirement})
    for name, (what, changes, failing) in OTHER.items():
        write(folder / f"{name}.ipynb", variant(changes), f"**Test variant `{name}`:** {what}", {"failing": failing})
    for name, (what, cells) in (ALTERNATIVES | IPYTHON).items():
        write(folder / f"{name}.ipynb", cells, f"**Test variant `{name}`:** {what}", {"failing": {}})
    for name, (what, cells, front_end) in FRONT_ENDS.items():
        node = front_end(cells, f"**Test variant `{name}`:** {what}")
        nbformat.validate(nbformat.from_dict(node))
        (folder / f"{name}.ipynb").write_text(json.dumps(node, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
