"""Write the functional student template, solution, samples, wrong variants and correct alternatives.

They share their text, so edit the assignment here and rerun (from the repository root):

    .venv/bin/python tests/notebooks/functional/make_corpus.py
    .venv/bin/tfgrade validate functional

Each wrong variant is the solution with ONE mistake; its metadata lists the checks it must fail
and the words their messages must contain. Correct alternatives must get full marks.
"""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[3]

TITLE = """# Assignment: three ways to build a Keras model

Keras gives you three ways to describe a model:

* **Sequential**: `keras.Sequential([...])` is a plain stack: each layer feeds the next, with one
  input and one output.
* **Functional**: you start from `keras.Input(...)`, call layers on tensors as if they were
  functions, and finish with `keras.Model(inputs, outputs)`. The model can be any graph of
  layers: several inputs or outputs, layers shared between branches, connections that skip
  layers.
* **Subclassing**: you write a `keras.Model` subclass with a `call` method. It is the most
  flexible, but Keras (and the grader) cannot see the structure inside `call`, so this assignment
  uses only the first two.

Each question below describes a model exactly. The grader compares the **structure** of yours
with that description: the kinds of layers, their sizes and activations, which layer feeds which,
and which layers are shared. Layer names do not matter unless a question asks for a name, and you
may create the layers in any order.

**How to work on this notebook**

* Run the cells from top to bottom.
* Where you see `# YOUR CODE HERE`, delete the `raise NotImplementedError()` line and write your
  code. Keep the function names and arguments exactly as written: the grader calls them by name.
* Each `build_...` function must build and return a **new** model every time it is called.
* After each question there is a *public check* cell. Run it: if it prints nothing, those checks
  passed. More (hidden) checks run when you submit, so test your code on your own examples too."""

IMPORTS = """import os

import keras
import numpy as np"""

Q1_PROMPT = """## Question 1: a Sequential model (3 points)

Write `build_sequential()`, which returns a new `keras.Sequential` model made of, in this order:

1. `keras.Input(shape=(8,))`: each example is 8 numbers;
2. `keras.layers.Dense(16, activation="relu")`;
3. `keras.layers.Dense(1)`, with no activation.

Put the `keras.Input` first in the list, so the model is built at once and knows its input
shape. (A Functional model with exactly these layers also gets full marks.)

The model has 8·16 + 16 + 16·1 + 1 = 161 parameters."""

Q1_ANSWER = """def build_sequential():
    # YOUR CODE HERE
    raise NotImplementedError()"""

Q1_SOLUTION = """def build_sequential():
    return keras.Sequential([
        keras.Input(shape=(8,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),
    ])"""

Q1_CHECK = """# Public checks for Question 1: run this cell; no output means they passed.
model = build_sequential()
assert isinstance(model, keras.Model), "build_sequential() should return a Keras model"
assert model.input_shape == (None, 8), f"the input shape should be (None, 8), not {model.input_shape}"
assert model.output_shape == (None, 1), f"the output shape should be (None, 1), not {model.output_shape}"
assert model.count_params() == 161, f"the model should have 161 parameters, not {model.count_params()}"
assert build_sequential() is not model, "build_sequential() should build a new model on every call\""""

Q2_PROMPT = """## Question 2: two inputs, one shared layer, two outputs (4 points)

A Sequential model cannot do this one. Two short texts come in, each as a sequence of word ids
(integers from 0 to 999; any number of words). Both texts are read with the **same** word
embedding: one layer, one set of weights, called on both inputs. Each text's word vectors are
averaged, and each text gets its own prediction, a probability between 0 and 1.

Write `build_model()`, which returns a new Functional model with:

1. two inputs, in this order: `input_a = keras.Input(shape=(None,), dtype="int32")` and
   `input_b`, made the same way;
2. **one** `keras.layers.Embedding(1000, 128)`, created once and called on `input_a` and on
   `input_b` (a *shared* layer);
3. for each input, its own `keras.layers.GlobalAveragePooling1D()` applied to its embedded words;
4. `keras.layers.Dense(1, activation="sigmoid", name="prediction_a")` on the pooled vector of
   input a, and `keras.layers.Dense(1, activation="sigmoid", name="prediction_b")` on that of b;
5. `keras.Model(inputs=[input_a, input_b], outputs=[prediction_a, prediction_b])`: the outputs
   in this order, named exactly `prediction_a` and `prediction_b`.

The model has 1000·128 + 2·(128 + 1) = 128,258 parameters. Two separate Embedding layers would
give 256,258: that is how you can tell that yours is shared."""

Q2_ANSWER = """def build_model():
    # YOUR CODE HERE
    raise NotImplementedError()"""

Q2_SOLUTION = """def build_model():
    input_a = keras.Input(shape=(None,), dtype="int32")
    input_b = keras.Input(shape=(None,), dtype="int32")
    embedding = keras.layers.Embedding(1000, 128)
    pooled_a = keras.layers.GlobalAveragePooling1D()(embedding(input_a))
    pooled_b = keras.layers.GlobalAveragePooling1D()(embedding(input_b))
    prediction_a = keras.layers.Dense(1, activation="sigmoid", name="prediction_a")(pooled_a)
    prediction_b = keras.layers.Dense(1, activation="sigmoid", name="prediction_b")(pooled_b)
    return keras.Model(inputs=[input_a, input_b], outputs=[prediction_a, prediction_b])"""

Q2_CHECK = """# Public checks for Question 2: run this cell; no output means they passed.
model = build_model()
assert len(model.inputs) == 2, f"the model should have 2 inputs, not {len(model.inputs)}"
assert [i.dtype for i in model.inputs] == ["int32", "int32"], "both inputs should have dtype int32"
assert model.output_names == ["prediction_a", "prediction_b"], \\
    f"the outputs should be named ['prediction_a', 'prediction_b'], in that order, not {model.output_names}"
words_a = np.array([[3, 14, 15, 92]], dtype="int32")
words_b = np.array([[6, 5]], dtype="int32")
prediction_a, prediction_b = model([words_a, words_b])
assert prediction_a.shape == (1, 1) and prediction_b.shape == (1, 1), "each prediction should have shape (1, 1)"
assert model.count_params() == 128_258, \\
    f"the model should have 128,258 parameters, not {model.count_params():,}: is the Embedding shared?\""""

Q3_PROMPT = """## Question 3: a connection that skips layers (3 points)

In a *residual block* the input skips over a few layers and is added back to their result, so
the layers only have to learn a correction to their input. The data no longer flows in one line,
so this too needs the Functional API.

Write `build_residual()`, which returns a new Functional model:

1. `x = keras.Input(shape=(32,))`;
2. `keras.layers.Dense(32, activation="relu")` on `x`;
3. `keras.layers.Dense(32)` (no activation) on the result;
4. **add the block's input `x`** to that result with `keras.layers.Add()` (`keras.layers.add`
   and `x + h` do the same);
5. a ReLU on the sum: `keras.layers.Activation("relu")` (or `keras.layers.ReLU()`);
6. `keras.Model(x, output)`.

The model has 2·(32·32 + 32) = 2,112 parameters."""

Q3_ANSWER = """def build_residual():
    # YOUR CODE HERE
    raise NotImplementedError()"""

Q3_SOLUTION = """def build_residual():
    x = keras.Input(shape=(32,))
    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h)
    y = keras.layers.Add()([x, h])
    y = keras.layers.Activation("relu")(y)
    return keras.Model(x, y)"""

Q3_CHECK = """# Public checks for Question 3: run this cell; no output means they passed.
model = build_residual()
assert model.input_shape == (None, 32), f"the input shape should be (None, 32), not {model.input_shape}"
assert model.output_shape == (None, 32), f"the output shape should be (None, 32), not {model.output_shape}"
assert model.count_params() == 2112, f"the model should have 2,112 parameters, not {model.count_params():,}"
outputs = model(np.random.default_rng(0).normal(size=(4, 32)).astype("float32"))
assert float(keras.ops.min(outputs)) >= 0, "the block should end with a ReLU, so no output is negative\""""

Q4_PROMPT = """## Question 4: draw the model (2 points)

`keras.utils.plot_model` draws a model's graph of layers into an image file. (It needs the
`pydot` package and the Graphviz program; both are installed where your notebook is graded.)

Write `draw_model(path)`, which draws the model returned by `build_model()` into the PNG file
`path`, showing the shape of every layer's inputs and outputs:

```python
keras.utils.plot_model(build_model(), to_file=path, show_shapes=True)
```

Then open the picture: the two inputs should meet at one Embedding box and split again after it."""

Q4_ANSWER = """def draw_model(path):
    # YOUR CODE HERE
    raise NotImplementedError()"""

Q4_SOLUTION = """def draw_model(path):
    keras.utils.plot_model(build_model(), to_file=path, show_shapes=True)"""

Q4_CHECK = """# Public checks for Question 4: run this cell; no output means they passed.
if os.path.exists("my_model.png"):
    os.remove("my_model.png")
draw_model("my_model.png")
assert os.path.isfile("my_model.png"), "draw_model('my_model.png') should write the file my_model.png"
with open("my_model.png", "rb") as image:
    assert image.read(8) == b"\\x89PNG\\r\\n\\x1a\\n", "my_model.png should be a PNG image\""""

END = """## When you are done

Run `tfgrade check functional.ipynb` in a terminal to run the public checks the way the grader
does; hidden checks run when you submit."""

TEMPLATE = [
    ("title", "markdown", TITLE), ("imports", "code", IMPORTS),
    ("q1-prompt", "markdown", Q1_PROMPT), ("q1-answer", "code", Q1_ANSWER), ("q1-check", "code", Q1_CHECK),
    ("q2-prompt", "markdown", Q2_PROMPT), ("q2-answer", "code", Q2_ANSWER), ("q2-check", "code", Q2_CHECK),
    ("q3-prompt", "markdown", Q3_PROMPT), ("q3-answer", "code", Q3_ANSWER), ("q3-check", "code", Q3_CHECK),
    ("q4-prompt", "markdown", Q4_PROMPT), ("q4-answer", "code", Q4_ANSWER), ("q4-check", "code", Q4_CHECK),
    ("end", "markdown", END),
]
SOLUTION = {"q1-answer": Q1_SOLUTION, "q2-answer": Q2_SOLUTION, "q3-answer": Q3_SOLUTION, "q4-answer": Q4_SOLUTION}


def notebook(answers: dict[str, str], *, first: str | None = None, expect: dict | None = None):
    nb = nbformat.v4.new_notebook()
    cells = []
    if first:
        cell = nbformat.v4.new_markdown_cell(first)
        cell.id = "mistake" if expect and expect.get("failing") else "about"
        cells.append(cell)
    for cell_id, kind, source in TEMPLATE:
        source = answers.get(cell_id, source)
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.id = cell_id
        cells.append(cell)
    nb.cells = cells
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["tfgrade"] = {"assignment": "functional"}
    if expect is not None:
        nb.metadata["tfgrade"]["expect"] = expect
    return nb


def replace(cell_id: str, old: str, new: str, base: dict[str, str] = SOLUTION) -> dict[str, str]:
    source = base[cell_id]
    assert old in source, (cell_id, old)
    return {**base, cell_id: source.replace(old, new)}


# --- the corpus: one typical mistake each, and correct alternatives -------------------------------

VARIANTS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {}


def variant(name: str, about: str, answers: dict[str, str], failing: dict[str, str]) -> None:
    VARIANTS[name] = (about, answers, failing)


variant(
    "unshared-embedding",
    "`build_model` creates a separate `Embedding(1000, 128)` for each input instead of sharing one.",
    replace("q2-answer", """    pooled_a = keras.layers.GlobalAveragePooling1D()(embedding(input_a))
    pooled_b = keras.layers.GlobalAveragePooling1D()(embedding(input_b))""",
            """    embedding_b = keras.layers.Embedding(1000, 128)
    pooled_a = keras.layers.GlobalAveragePooling1D()(embedding(input_a))
    pooled_b = keras.layers.GlobalAveragePooling1D()(embedding_b(input_b))"""),
    {"model_structure": "Embedding should be ONE shared layer called 2 times; yours is not shared"},
)
variant(
    "swapped-output-names",
    "`build_model` names the output of branch a `prediction_b` and that of branch b `prediction_a`.",
    replace("q2-answer", """name="prediction_a")(pooled_a)
    prediction_b = keras.layers.Dense(1, activation="sigmoid", name="prediction_b")(pooled_b)""",
            """name="prediction_b")(pooled_a)
    prediction_b = keras.layers.Dense(1, activation="sigmoid", name="prediction_a")(pooled_b)"""),
    {
        "model_inputs_and_outputs": "should be named [prediction_a, prediction_b], in this order; yours are "
                                    "[prediction_b, prediction_a]",
        "model_structure": "should be named [prediction_a, prediction_b], in this order",
    },
)
variant(
    "missing-sigmoid",
    "`build_model`'s two prediction layers have no sigmoid activation.",
    {**SOLUTION, "q2-answer": SOLUTION["q2-answer"].replace('Dense(1, activation="sigmoid", ', "Dense(1, ")},
    {"model_structure": "the Dense layer should have activation='sigmoid'; yours has activation='linear'"},
)
variant(
    "wrong-embedding-size",
    "`build_model` uses `Embedding(1000, 64)` instead of `Embedding(1000, 128)`.",
    replace("q2-answer", "Embedding(1000, 128)", "Embedding(1000, 64)"),
    {"model_structure": "the Embedding layer should have output_dim=128; yours has output_dim=64"},
)
variant(
    "only-one-output",
    "`build_model` returns a model with only the output `prediction_a`.",
    replace("q2-answer", "outputs=[prediction_a, prediction_b]", "outputs=prediction_a"),
    {
        "model_inputs_and_outputs": "it should have 2 outputs; yours has 1",
        "model_structure": "it should have 2 outputs; yours has 1",
        "model_outputs": "returned 1 tensor(s) for new inputs; it should return 2",
    },
)
variant(
    "wrong-input-dtype",
    "`build_model`'s inputs are `keras.Input(shape=(None,))`, float32 instead of int32.",
    {**SOLUTION, "q2-answer": SOLUTION["q2-answer"].replace(', dtype="int32"', "")},
    {
        "model_inputs_and_outputs": "input 1 should have dtype int32; yours has float32",
        "model_structure": 'pass dtype="int32" to keras.Input',
    },
)
variant(
    "skip-connection-rewired",
    "`build_residual` adds the first Dense layer's output, not the block's input, to the second's.",
    replace("q3-answer", """    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h)
    y = keras.layers.Add()([x, h])""", """    h1 = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h1)
    y = keras.layers.Add()([h1, h])"""),
    {"residual_structure": "Add() should add the model's input and the output of Dense(units=32); yours adds"},
)
variant(
    "residual-missing-relu",
    "`build_residual` returns the sum directly, without the final ReLU.",
    replace("q3-answer", """    y = keras.layers.Activation("relu")(y)
""", ""),
    {"residual_structure": "at the model's output, the model should have Activation('relu'); yours has Add()"},
)
variant(
    "sequential-wrong-units",
    "`build_sequential`'s hidden layer has 32 units instead of 16.",
    replace("q1-answer", "Dense(16,", "Dense(32,"),
    {"sequential_structure": "the Dense layer should have units=16; yours has units=32"},
)
variant(
    "sequential-without-input",
    "`build_sequential` leaves out `keras.Input(shape=(8,))`, so the model is not built.",
    replace("q1-answer", """        keras.Input(shape=(8,)),
""", ""),
    {
        "sequential_inputs_and_outputs": "it is not built",
        "sequential_structure": "Start it with keras.Input(shape=...)",
    },
)
variant(
    "plot-not-written",
    "`draw_model` ignores `path`, so plot_model writes its default file `model.png` instead.",
    replace("q4-answer", "to_file=path, ", ""),
    {
        "draw_model_writes_a_png": "did not write the file diagram.png",
        "diagram_shows_build_model": "did not write the file",
    },
)
variant(
    "plot-without-shapes",
    "`draw_model` leaves out `show_shapes=True`.",
    replace("q4-answer", ", show_shapes=True", ""),
    {"diagram_shows_build_model": "pass show_shapes=True"},
)

variant(
    "lookalike-dense-class",
    "(an attack) the notebook defines its own `Dense`, a subclass of `keras.layers.Dense` whose "
    "config looks the same but whose `call` adds 1; `build_sequential` uses it for its last layer. "
    "The structure matches, so the reference gets the same weights, and the outputs then differ.",
    {
        **SOLUTION,
        "q1-answer": """class Dense(keras.layers.Dense):
    def call(self, inputs):
        return super().call(inputs) + 1.0


""" + SOLUTION["q1-answer"].replace("keras.layers.Dense(1)", "Dense(1)"),
    },
    {"sequential_outputs": "wrong values"},
)

ALTERNATIVES = {
    "functional-instead-of-sequential": (
        "**Correct alternative:** question 1 as a Functional model with a separate `ReLU` layer; "
        "question 3 with `keras.layers.add([h, x])` (inputs in the other order) and `keras.layers.ReLU()`.",
        {
            **SOLUTION,
            "q1-answer": """def build_sequential():
    inputs = keras.Input(shape=(8,))
    hidden = keras.layers.Dense(16)(inputs)
    hidden = keras.layers.ReLU()(hidden)
    return keras.Model(inputs, keras.layers.Dense(1)(hidden))""",
            "q3-answer": """def build_residual():
    x = keras.Input(shape=(32,))
    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h)
    return keras.Model(x, keras.layers.ReLU()(keras.layers.add([h, x])))""",
        },
    ),
    "named-layers-other-order": (
        "**Correct alternative:** every layer has its own name, and the layers are created in another "
        "order (prediction layers first, the Embedding last, input b before input a).",
        {
            **SOLUTION,
            "q1-answer": """def build_sequential():
    model = keras.Sequential(name="small_stack")
    model.add(keras.Input(shape=(8,), name="features"))
    model.add(keras.layers.Dense(16, activation="relu", name="hidden"))
    model.add(keras.layers.Dense(1, name="score"))
    return model""",
            "q2-answer": """def build_model():
    head_a = keras.layers.Dense(1, activation="sigmoid", name="prediction_a")
    head_b = keras.layers.Dense(1, activation="sigmoid", name="prediction_b")
    pool_b = keras.layers.GlobalAveragePooling1D(name="mean_b")
    pool_a = keras.layers.GlobalAveragePooling1D(name="mean_a")
    words_b = keras.Input(shape=(None,), dtype="int32", name="words_b")
    words_a = keras.Input(shape=(None,), dtype="int32", name="words_a")
    shared_words = keras.layers.Embedding(input_dim=1000, output_dim=128, name="shared_words")
    out_b = head_b(pool_b(shared_words(words_b)))
    out_a = head_a(pool_a(shared_words(words_a)))
    return keras.Model(inputs=[words_a, words_b], outputs=[out_a, out_b], name="two_texts")""",
            "q3-answer": """def build_residual():
    block_input = keras.Input(shape=(32,), name="block_input")
    second = keras.layers.Dense(32, name="second")
    first = keras.layers.Dense(32, activation="relu", name="first")
    total = keras.layers.Add(name="skip")([block_input, second(first(block_input))])
    return keras.Model(block_input, keras.layers.Activation("relu", name="out")(total))""",
        },
    ),
    "ops-and-tf-keras": (
        "**Correct alternative:** `tf.keras` spellings, one pooling layer (it has no weights) used for "
        "both inputs, and the residual sum written as `keras.ops.relu(h + x)`.",
        {
            **SOLUTION,
            "imports": IMPORTS + "\nimport tensorflow as tf",
            "q2-answer": """def build_model():
    input_a = tf.keras.layers.Input(shape=(None,), dtype=tf.int32)
    input_b = tf.keras.layers.Input(shape=(None,), dtype=tf.int32)
    embedding = tf.keras.layers.Embedding(1000, 128)
    pool = tf.keras.layers.GlobalAveragePooling1D()
    prediction_a = tf.keras.layers.Dense(1, activation=tf.nn.sigmoid, name="prediction_a")(pool(embedding(input_a)))
    prediction_b = tf.keras.layers.Dense(1, activation=tf.nn.sigmoid, name="prediction_b")(pool(embedding(input_b)))
    return tf.keras.Model([input_a, input_b], [prediction_a, prediction_b])""",
            "q3-answer": """def build_residual():
    x = keras.Input(shape=(32,))
    h = keras.layers.Dense(32)(x)
    h = keras.layers.Activation("relu")(h)
    h = keras.layers.Dense(32)(h)
    return keras.Model(x, keras.ops.relu(h + x))""",
        },
    ),
}


def main() -> None:
    nbformat.write(notebook({}), ROOT / "assignments/functional/functional.ipynb")
    nbformat.write(notebook(SOLUTION), ROOT / "solutions/functional.ipynb")
    corpus = ROOT / "tests/notebooks/functional"
    for name, (about, answers, failing) in VARIANTS.items():
        first = f"**Test variant `{name}`:** {about}"
        nbformat.write(notebook(answers, first=first, expect={"failing": failing}), corpus / f"{name}.ipynb")
    for name, (about, answers) in ALTERNATIVES.items():
        nbformat.write(notebook(answers, first=about, expect={"failing": {}}), corpus / f"{name}.ipynb")
    samples = ROOT / "assignments/functional/samples"
    nbformat.write(notebook(ALTERNATIVES["named-layers-other-order"][1]), samples / "ana.ipynb")
    nbformat.write(notebook(VARIANTS["unshared-embedding"][1]), samples / "ben.ipynb")
    partial = {k: v for k, v in VARIANTS["plot-without-shapes"][1].items() if k != "q3-answer"}
    nbformat.write(notebook(partial), samples / "chloe.ipynb")


if __name__ == "__main__":
    main()
