"""Write the custom_layers student template, solution, wrong variants and correct alternatives.

They share their text, so edit the assignment here and rerun (from the repository root):

    .venv/bin/python tests/notebooks/custom_layers/make_corpus.py
    .venv/bin/tfgrade validate custom_layers

Each wrong variant is the solution with ONE mistake; its metadata lists the checks it must fail
(FAILING, below) and the words their messages must contain.
"""

from pathlib import Path

import nbformat

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


def write(path: Path, cells: dict, mistake: str | None = None, failing: dict | None = None) -> None:
    node = nbformat.v4.new_notebook()
    node.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "tfgrade": {"assignment": "custom_layers"},
    }
    if failing is not None:
        node.metadata["tfgrade"]["expect"] = {"failing": failing}
    items = list(cells.items())
    if mistake:
        items.insert(0, ("mistake", ("markdown", mistake)))
    for cell_id, (kind, source) in items:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.id = cell_id
        node.cells.append(cell)
    nbformat.validate(node)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(node, path)


def replace(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, (old, source)
    return source.replace(old, new)


def variant(changes: dict[str, list[tuple[str, str]]]) -> dict:
    cells = dict(SOLUTION)
    for cell_id, edits in changes.items():
        kind, source = cells[cell_id]
        for old, new in edits:
            source = replace(source, old, new)
        cells[cell_id] = (kind, source)
    return cells


WRONG = {
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
    ),
    "hardcoded-input-dim": (
        "`build` makes the kernel `(4, units)` whatever the input size.",
        {"q1-answer": [("input_dim = input_shape[-1]", "input_dim = 4")]},
    ),
    "missing-bias": (
        "`call` creates the bias but never adds it.",
        {"q1-answer": [("            outputs = outputs + self.bias\n", "            pass\n")]},
    ),
    "call-ignores-activation": (
        "`call` returns `inputs @ kernel + bias` without applying the activation.",
        {"q1-answer": [("return self.activation(outputs)", "return outputs")]},
    ),
    "weights-not-trainable": (
        "`build` creates the kernel and the bias with `trainable=False`.",
        {"q1-answer": [('name="kernel")', 'name="kernel", trainable=False)'),
                       ('name="bias")', 'name="bias", trainable=False)')]},
    ),
    "config-forgets-activation": (
        "`get_config` leaves out `activation` (an argument with a default): reloaded layers silently "
        "use no activation.",
        {"q1-answer": [('            "activation": keras.activations.serialize(self.activation),\n', "")]},
    ),
    "config-forgets-super": (
        "`get_config` returns a new dict instead of updating `super().get_config()`, so `name`, "
        "`trainable` and `dtype` are lost.",
        {"q1-answer": [("        config = super().get_config()\n        config.update({", "        config = ({")]},
    ),
    "no-get-config": (
        "`MyDense` has no `get_config`: it relies on the config Keras guesses from `__init__`'s arguments.",
        {"q1-answer": [("""

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
        })
        return config""", "")]},
    ),
    "init-without-kwargs": (
        "`__init__` takes no `**kwargs`, so `MyDense.from_config(config)` fails on `name`.",
        {"q1-answer": [("def __init__(self, units, activation=None, use_bias=True, **kwargs):\n"
                        "        super().__init__(**kwargs)",
                        "def __init__(self, units, activation=None, use_bias=True):\n        super().__init__()")]},
    ),
    "from-config-drops-activation": (
        "A hand-written `from_config` builds the layer without its activation.",
        {"q1-answer": [("        return config", "        return config\n\n    @classmethod\n"
                        "    def from_config(cls, config):\n"
                        "        return cls(config[\"units\"], use_bias=config[\"use_bias\"], "
                        "name=config[\"name\"])")]},
    ),
    "not-registered": (
        "`MyDense` is not registered with `@keras.saving.register_keras_serializable`.",
        {"q1-answer": [('@keras.saving.register_keras_serializable(package="my_layers")\n', "")]},
    ),
    "model-freezes-hidden": (
        "`MyModel` sets its hidden layer to `trainable = False`, so training never updates it.",
        {"q4-answer": [('self.hidden = MyDense(hidden_units, activation="relu")\n',
                        'self.hidden = MyDense(hidden_units, activation="relu")\n'
                        "        self.hidden.trainable = False\n")]},
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
    return keras.Sequential([
        keras.Input(shape=(4,)),
        MyDense(8, activation="relu"),
        MyDense(1),
    ])"""

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

ALTERNATIVES = {
    "alt-dict-merge": (
        "Correct alternative: activation kept as the given name, config built with `{**super().get_config(), ...}`, "
        "weights named `w` and `b`, registered under another name, layers of `MyModel` in a list.",
        SOLUTION | {"q1-answer": ("code", ALT_DICT_MERGE), "q4-answer": ("code", ALT_DICT_MERGE_MODEL)},
    ),
    "alt-bias-first": (
        "Correct alternative: the bias is created before the kernel, `build` reads a `TensorShape`, "
        "`build_model` uses `keras.Sequential`, registered with the default package.",
        SOLUTION | {"q1-answer": ("code", ALT_BIAS_FIRST), "q3-answer": ("code", ALT_BIAS_FIRST_MODEL)},
    ),
    "alt-tf-keras": (
        "Correct alternative: only `tf.keras` is imported (registered through `tf.keras.utils`), "
        "`from_config` is written out, named layers, "
        "`keras.ops` maths, and an activation passed as a function.",
        SOLUTION | {"q1-answer": ("code", ALT_TF_KERAS)} | ALT_TF_KERAS_REST,
    ),
}


STACK = "must work for any input size"
MODELS_BROKEN_BY_FIXED_INPUT_SIZE = {
    "build_model_output_shape": "MyDense.call()",
    "my_model_output_shape": "MyDense.call()",
    "build_model_layers_and_values": STACK,
    "build_model_reloads_with_same_outputs": STACK,
    "saved_file_holds_full_layer_configs": STACK,
    "my_model_values": STACK,
    "my_model_trains_all_weights": STACK,
}

# check name -> words its message must contain (a mistake in MyDense also breaks q3/q4 models).
FAILING = {
    "weights-in-init": {
        "mydense_creates_weights_in_build": "before it is called",
        "mydense_builds_for_any_input_size": "input_shape[-1]",
        **MODELS_BROKEN_BY_FIXED_INPUT_SIZE,
    },
    "hardcoded-input-dim": {
        "mydense_builds_for_any_input_size": "input_shape[-1]",
        **MODELS_BROKEN_BY_FIXED_INPUT_SIZE,
    },
    "missing-bias": {
        "mydense_linear_values": "inputs @ kernel + bias",
        "build_model_layers_and_values": "wrong values",
        "my_model_values": "wrong values",
        "my_model_trains_all_weights": "reported a loss",
    },
    "call-ignores-activation": {
        "mydense_applies_activation": "Apply the activation",
        "build_model_layers_and_values": "wrong values",
        "my_model_values": "wrong values",
        "my_model_trains_all_weights": "reported a loss",
    },
    "weights-not-trainable": {
        "mydense_builds_for_any_input_size": "0 trainable weight(s) out of 2",
        "my_model_trains_all_weights": "0 trainable weight(s) out of 4",
    },
    "config-forgets-activation": {
        "mydense_get_config_is_complete": "does not include `activation`",
        "mydense_from_config_round_trip": "different outputs",
        "build_model_reloads_with_same_outputs": "different outputs",
        "saved_file_holds_full_layer_configs": "does not include `activation`",
    },
    "config-forgets-super": {
        "mydense_get_config_is_complete": "lost `name`, `trainable` and `dtype`",
        "saved_file_holds_full_layer_configs": "super().get_config()",
    },
    "no-get-config": {"mydense_get_config_is_complete": "no get_config of its own"},
    "init-without-kwargs": {
        "mydense_from_config_round_trip": "unexpected keyword argument 'name'",
        "build_model_reloads_with_same_outputs": "**kwargs",
        "saved_file_holds_full_layer_configs": "**kwargs",
    },
    "from-config-drops-activation": {
        "mydense_from_config_round_trip": "differs in `activation`",
        "build_model_reloads_with_same_outputs": "different outputs",
    },
    "not-registered": {
        "mydense_is_registered": "register_keras_serializable",
        "build_model_reloads_with_same_outputs": "not registered",
    },
    "model-freezes-hidden": {"my_model_trains_all_weights": "2 trainable weight(s) out of 4"},
}


def main() -> None:
    write(ROOT / "assignments/custom_layers/custom_layers.ipynb", TEMPLATE)
    write(ROOT / "solutions/custom_layers.ipynb", SOLUTION)
    folder = ROOT / "tests/notebooks/custom_layers"
    for name, (what, changes) in WRONG.items():
        write(folder / f"{name}.ipynb", variant(changes), f"**Test variant `{name}`:** {what}", FAILING[name])
    for name, (what, cells) in ALTERNATIVES.items():
        write(folder / f"{name}.ipynb", cells, f"**Test variant `{name}`:** {what}", {})


if __name__ == "__main__":
    main()
