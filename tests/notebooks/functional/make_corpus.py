"""Write the functional samples, wrong variants and correct alternatives.

They share the assignment's text. Its source is solutions/functional.ipynb (with the answer markers of
`tfgrade assign`); this file keeps a copy of the text and checks it still agrees. After changing the
solution, update the copy here and rerun (from the repository root):

    .venv/bin/tfgrade assign functional
    .venv/bin/python tests/notebooks/functional/make_corpus.py
    .venv/bin/tfgrade validate functional -j 1

* Each wrong variant is the solution with ONE mistake; its metadata names the requirement it
  breaks (``requirements.toml``), and it must lose points in that question only. Some are cascade
  cases: the mistake sits in an answer a later question uses (``draw_model`` draws
  ``build_model()``), and only the earlier question may lose points.
* Each correct alternative is written in another style a student could take from the text alone,
  and must get full marks. Two are saved as JupyterLab 4 and Colab save them (their metadata, cell
  ids, execution counts and outputs); three use IPython features (magics, ``!`` commands, ``?``,
  ``display`` and ``_``).
* The attack keeps the older form: the checks that must fail, and words of their messages.
"""

import ast
import base64
import json
import zlib
from pathlib import Path

import nbformat

from autograder.core.markers import without_markers

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




def notebook(answers: dict[str, str], *, first: str | None = None, expect: dict | None = None,
             extra: dict[str, list[str]] | None = None):
    """The template with ``answers`` in place; ``extra`` adds code cells after a cell (by id)."""
    nb = nbformat.v4.new_notebook()
    cells = []
    if first:
        cell = nbformat.v4.new_markdown_cell(first)
        cell.id = "mistake" if expect and (expect.get("failing") or expect.get("breaks")) else "about"
        cells.append(cell)
    for cell_id, kind, source in TEMPLATE:
        source = answers.get(cell_id, source)
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.id = cell_id
        cells.append(cell)
        for i, more in enumerate((extra or {}).get(cell_id, [])):
            cell = nbformat.v4.new_code_cell(more)
            cell.id = f"{cell_id}-more-{i}"
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


# --- how JupyterLab 4 and Colab save a notebook --------------------------------------------------


def _png_pixel() -> str:
    """A 1x1 white PNG, base64, standing in for the picture a saved output holds."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0]))
    png = b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00\xff")) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def saved_outputs(outputs: dict[str, list[tuple[str, str]]], count: int, cell_id: str) -> list[dict]:
    """Outputs as Jupyter saves them: ("stdout", text), ("result", repr) or ("image", alt text)."""
    saved: list[dict] = []
    for kind, text in outputs.get(cell_id, []):
        if kind == "stdout":
            saved.append({"name": "stdout", "output_type": "stream", "text": _lines(text)})
        elif kind == "result":
            saved.append({"data": {"text/plain": _lines(text)}, "execution_count": count, "metadata": {},
                          "output_type": "execute_result"})
        else:
            saved.append({"data": {"image/png": _png_pixel(), "text/plain": [text]}, "metadata": {},
                          "output_type": "display_data"})
    return saved


def as_jupyterlab(nb, outputs: dict[str, list[tuple[str, str]]]) -> dict:
    """``nb`` as JupyterLab 4 saves it after Run All: nbformat 4.5, uuid cell ids, counts, outputs."""
    cells, count = [], 0
    for i, cell in enumerate(nb.cells):
        saved = {"cell_type": cell.cell_type, "id": f"{zlib.crc32(cell.id.encode()):08x}-5d1e-4b7a-9c3f-{i:012x}",
                 "metadata": {}, "source": _lines(cell.source)}
        if cell.cell_type == "code":
            count += 1
            saved |= {"execution_count": count, "outputs": saved_outputs(outputs, count, cell.id)}
            saved = {k: saved[k] for k in ("cell_type", "execution_count", "id", "metadata", "outputs", "source")}
        cells.append(saved)
    metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                          "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                          "pygments_lexer": "ipython3", "version": "3.11.9"},
        "tfgrade": nb.metadata["tfgrade"],
    }
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def as_colab(nb, outputs: dict[str, list[tuple[str, str]]]) -> dict:
    """``nb`` as Colab saves it: nbformat 4.0, ids in cell metadata, colab/accelerator metadata."""
    cells, count = [], 0
    for i, cell in enumerate(nb.cells):
        ident = base64.b64encode(f"{cell.id}{i}".encode()).decode()[:12].replace("=", "A")
        saved = {"cell_type": cell.cell_type, "source": _lines(cell.source), "metadata": {"id": ident}}
        if cell.cell_type == "code":
            count += 1
            cell_outputs = saved_outputs(outputs, count, cell.id)
            saved["metadata"] = {"id": ident, "colab": {"base_uri": "https://localhost:8080/"}}
            if cell_outputs:
                saved["metadata"]["outputId"] = f"{zlib.crc32(ident.encode()):08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
            saved |= {"execution_count": count, "outputs": cell_outputs}
        cells.append(saved)
    metadata = {
        "colab": {"provenance": [], "toc_visible": True},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "gpuClass": "standard",
        "tfgrade": nb.metadata["tfgrade"],
    }
    return {"nbformat": 4, "nbformat_minor": 0, "metadata": metadata, "cells": cells}


# --- the corpus: one subtle mistake each, and correct alternatives ------------------------------

VARIANTS: dict[str, tuple[str, dict[str, str], str]] = {}


def variant(name: str, about: str, answers: dict[str, str], breaks: str) -> None:
    """One mistake: the notebook must fail a check of requirement ``breaks`` and only its question."""
    VARIANTS[name] = (about, answers, breaks)


CASCADE = " (A cascade case: `draw_model` draws this model, and question 4 must not lose points for it.)"

variant(
    "unshared-embedding",
    "`build_model` creates a separate `Embedding(1000, 128)` for each input instead of sharing one." + CASCADE,
    replace("q2-answer", """    pooled_a = keras.layers.GlobalAveragePooling1D()(embedding(input_a))
    pooled_b = keras.layers.GlobalAveragePooling1D()(embedding(input_b))""",
            """    embedding_b = keras.layers.Embedding(1000, 128)
    pooled_a = keras.layers.GlobalAveragePooling1D()(embedding(input_a))
    pooled_b = keras.layers.GlobalAveragePooling1D()(embedding_b(input_b))"""),
    "q2-shared-embedding",
)
variant(
    "shared-pooling",
    "`build_model` creates one `GlobalAveragePooling1D()` and calls it on both embedded texts, where the text "
    "asks for one per input. The layer holds no weights, so only the model's wiring shows the sharing; the "
    "outputs are the same." + CASCADE,
    replace("q2-answer", """    pooled_a = keras.layers.GlobalAveragePooling1D()(embedding(input_a))
    pooled_b = keras.layers.GlobalAveragePooling1D()(embedding(input_b))""",
            """    pooling = keras.layers.GlobalAveragePooling1D()
    pooled_a = pooling(embedding(input_a))
    pooled_b = pooling(embedding(input_b))"""),
    "q2-pooling-and-predictions",
)
variant(
    "swapped-output-names",
    "`build_model` names the output of branch a `prediction_b` and that of branch b `prediction_a`." + CASCADE,
    replace("q2-answer", """name="prediction_a")(pooled_a)
    prediction_b = keras.layers.Dense(1, activation="sigmoid", name="prediction_b")(pooled_b)""",
            """name="prediction_b")(pooled_a)
    prediction_b = keras.layers.Dense(1, activation="sigmoid", name="prediction_a")(pooled_b)"""),
    "q2-output-names",
)
variant(
    "missing-sigmoid",
    "`build_model`'s two prediction layers have no sigmoid activation." + CASCADE,
    {**SOLUTION, "q2-answer": SOLUTION["q2-answer"].replace('Dense(1, activation="sigmoid", ', "Dense(1, ")},
    "q2-pooling-and-predictions",
)
variant(
    "wrong-embedding-size",
    "`build_model` uses `Embedding(1000, 64)` instead of `Embedding(1000, 128)`, so every shape after it "
    "differs too." + CASCADE,
    replace("q2-answer", "Embedding(1000, 128)", "Embedding(1000, 64)"),
    "q2-shared-embedding",
)
variant(
    "embedding-mask-zero",
    "`build_model` passes `mask_zero=True` to the Embedding (a habit from padded texts), so word id 0 is "
    "skipped in the average although the text says ids run from 0 to 999." + CASCADE,
    replace("q2-answer", "Embedding(1000, 128)", "Embedding(1000, 128, mask_zero=True)"),
    "q2-shared-embedding",
)
variant(
    "only-one-output",
    "`build_model` returns a model with only the output `prediction_a`." + CASCADE,
    replace("q2-answer", "outputs=[prediction_a, prediction_b]", "outputs=prediction_a"),
    "q2-output-names",
)
variant(
    "wrong-input-dtype",
    "`build_model`'s inputs are `keras.Input(shape=(None,))`, float32 instead of int32." + CASCADE,
    {**SOLUTION, "q2-answer": SOLUTION["q2-answer"].replace(', dtype="int32"', "")},
    "q2-inputs",
)
variant(
    "model-fixed-length",
    "`build_model`'s inputs take exactly 20 words (`shape=(20,)`), as if every text were padded, although "
    "texts have any number of words." + CASCADE,
    replace("q2-answer", 'shape=(None,), dtype="int32")', 'shape=(20,), dtype="int32")'),
    "q2-any-number-of-words",
)
variant(
    "model-cached",
    "`build_model` keeps the model it built first in a dictionary and returns that same model on every "
    "later call." + CASCADE,
    {**SOLUTION, "q2-answer": "_built = {}\n\n\n" + SOLUTION["q2-answer"].replace(
        "def build_model():\n", 'def build_model():\n    if "model" in _built:\n        return _built["model"]\n'
    ).replace("    return keras.Model(inputs=[input_a, input_b], outputs=[prediction_a, prediction_b])",
              '    _built["model"] = keras.Model(inputs=[input_a, input_b], outputs=[prediction_a, prediction_b])\n'
              '    return _built["model"]')},
    "q2-new-model",
)
variant(
    "skip-connection-rewired",
    "`build_residual` adds the first Dense layer's output, not the block's input, to the second's.",
    replace("q3-answer", """    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h)
    y = keras.layers.Add()([x, h])""", """    h1 = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h1)
    y = keras.layers.Add()([h1, h])"""),
    "q3-block",
)
variant(
    "residual-missing-relu",
    "`build_residual` returns the sum directly, without the final ReLU.",
    replace("q3-answer", """    y = keras.layers.Activation("relu")(y)
""", ""),
    "q3-block",
)
variant(
    "residual-second-dense-relu",
    "`build_residual`'s second Dense layer also has `activation=\"relu\"`, though the text says it has none.",
    replace("q3-answer", "    h = keras.layers.Dense(32)(h)", '    h = keras.layers.Dense(32, activation="relu")(h)'),
    "q3-block",
)
variant(
    "residual-cached",
    "`build_residual` is decorated with `functools.lru_cache`, so every call returns the model of the first.",
    {**SOLUTION, "q3-answer": "import functools\n\n\n@functools.lru_cache(maxsize=None)\n" + SOLUTION["q3-answer"]},
    "q3-new-model",
)
variant(
    "sequential-wrong-units",
    "`build_sequential`'s hidden layer has 32 units instead of 16.",
    replace("q1-answer", "Dense(16,", "Dense(32,"),
    "q1-layers",
)
variant(
    "sequential-relu-on-output",
    "`build_sequential`'s last layer is `Dense(1, activation=\"relu\")`, though the text says it has no activation.",
    replace("q1-answer", "keras.layers.Dense(1),", 'keras.layers.Dense(1, activation="relu"),'),
    "q1-layers",
)
variant(
    "sequential-without-input",
    "`build_sequential` leaves out `keras.Input(shape=(8,))`, so the model is not built.",
    replace("q1-answer", """        keras.Input(shape=(8,)),
""", ""),
    "q1-input-first",
)
variant(
    "sequential-layers-made-once",
    "`build_sequential` returns a new `Sequential` every call, but around the same two Dense layers, created "
    "once outside the function: every model it returns shares their weights.",
    {**SOLUTION, "q1-answer": """hidden = keras.layers.Dense(16, activation="relu")
output = keras.layers.Dense(1)


def build_sequential():
    return keras.Sequential([keras.Input(shape=(8,)), hidden, output])"""},
    "q1-new-model",
)
variant(
    "plot-not-written",
    "`draw_model` ignores `path`, so plot_model writes its default file `model.png` instead.",
    replace("q4-answer", "to_file=path, ", ""),
    "q4-png-at-path",
)
variant(
    "plot-without-shapes",
    "`draw_model` leaves out `show_shapes=True`.",
    replace("q4-answer", ", show_shapes=True", ""),
    "q4-shows-shapes",
)
variant(
    "plot-dtype-not-shapes",
    "`draw_model` passes `show_dtype=True` instead of `show_shapes=True`: the diagram shows each layer's "
    "dtype but no shape.",
    replace("q4-answer", "show_shapes=True", "show_dtype=True, dpi=96"),
    "q4-shows-shapes",
)
variant(
    "draw-wrong-model",
    "`draw_model` draws `build_sequential()` instead of `build_model()` (with shapes).",
    replace("q4-answer", "plot_model(build_model()", "plot_model(build_sequential()"),
    "q4-draws-build-model",
)

ATTACKS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "lookalike-dense-class": (
        "(an attack) the notebook defines its own `Dense`, a subclass of `keras.layers.Dense` whose "
        "config looks the same but whose `call` adds 1; `build_sequential` uses it for its last layer. "
        "The grader's runner refuses to load a model with a class defined in the notebook.",
        {
            **SOLUTION,
            "q1-answer": """class Dense(keras.layers.Dense):
    def call(self, inputs):
        return super().call(inputs) + 1.0


""" + SOLUTION["q1-answer"].replace("keras.layers.Dense(1)", "Dense(1)"),
        },
        {check: "not a built-in Keras layer" for check in (
            "sequential_inputs_and_outputs", "sequential_structure", "sequential_outputs",
            "sequential_new_model_every_call")},
    ),
}

# --- correct alternatives -------------------------------------------------------------------------

ALTERNATIVES: dict[str, tuple[str, dict[str, str], dict[str, list[str]]]] = {}


def alternative(name: str, about: str, answers: dict[str, str], extra: dict[str, list[str]] | None = None) -> None:
    ALTERNATIVES[name] = ("**Correct alternative:** " + about, answers, extra or {})


alternative(
    "functional-instead-of-sequential",
    "question 1 as a Functional model with a separate `ReLU` layer; question 3 with `keras.layers.add([h, x])` "
    "(inputs in the other order) and `keras.layers.ReLU()`.",
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
)
alternative(
    "named-layers-other-order",
    "every layer has its own name, and the layers are created in another order (prediction layers first, the "
    "Embedding last, input b before input a).",
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
)
alternative(
    "ops-and-tf-keras",
    "`tf.keras` spellings, the pooling layers made before they are called, the residual sum written as "
    "`keras.ops.relu(h + x)`, and the diagram drawn at `dpi=96`.",
    {
        **SOLUTION,
        "imports": IMPORTS + "\nimport tensorflow as tf",
        "q2-answer": """def build_model():
    input_a = tf.keras.layers.Input(shape=(None,), dtype=tf.int32)
    input_b = tf.keras.layers.Input(shape=(None,), dtype=tf.int32)
    embedding = tf.keras.layers.Embedding(1000, 128)
    pool_a, pool_b = tf.keras.layers.GlobalAveragePooling1D(), tf.keras.layers.GlobalAveragePooling1D()
    prediction_a = tf.keras.layers.Dense(1, activation=tf.nn.sigmoid, name="prediction_a")(pool_a(embedding(input_a)))
    prediction_b = tf.keras.layers.Dense(1, activation=tf.nn.sigmoid, name="prediction_b")(pool_b(embedding(input_b)))
    return tf.keras.Model([input_a, input_b], [prediction_a, prediction_b])""",
        "q3-answer": """def build_residual():
    x = keras.Input(shape=(32,))
    h = keras.layers.Dense(32)(x)
    h = keras.layers.Activation("relu")(h)
    h = keras.layers.Dense(32)(h)
    return keras.Model(x, keras.ops.relu(h + x))""",
        "q4-answer": """def draw_model(path):
    tf.keras.utils.plot_model(build_model(), to_file=path, show_shapes=True, dpi=96)""",
    },
)
alternative(
    "keras2-habits",
    "written with Keras 2 habits that still work: imports from `tensorflow.keras`, `input_shape=` on the first "
    "layer instead of a `keras.Input`, a compiled model, `layers.add`, and `plot_model` imported from "
    "`tensorflow.keras.utils` with the activations shown at `dpi=72`.",
    {
        **SOLUTION,
        "imports": """import os

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import Input, Model, Sequential, layers
from tensorflow.keras.utils import plot_model""",
        "q1-answer": """def build_sequential():
    model = Sequential()
    model.add(layers.Dense(16, activation="relu", input_shape=(8,)))
    model.add(layers.Dense(1))
    return model""",
        "q2-answer": """def build_model():
    input_a = Input(shape=(None,), dtype="int32", name="input_a")
    input_b = Input(shape=(None,), dtype="int32", name="input_b")
    shared_embedding = layers.Embedding(input_dim=1000, output_dim=128)
    encoded_a = layers.GlobalAveragePooling1D()(shared_embedding(input_a))
    encoded_b = layers.GlobalAveragePooling1D()(shared_embedding(input_b))
    prediction_a = layers.Dense(1, activation="sigmoid", name="prediction_a")(encoded_a)
    prediction_b = layers.Dense(1, activation="sigmoid", name="prediction_b")(encoded_b)
    model = Model(inputs=[input_a, input_b], outputs=[prediction_a, prediction_b])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model""",
        "q3-answer": """def build_residual():
    inputs = Input(shape=(32,))
    x = layers.Dense(32, activation="relu")(inputs)
    x = layers.Dense(32)(x)
    x = layers.add([inputs, x])
    outputs = layers.Activation("relu")(x)
    return Model(inputs=inputs, outputs=outputs)""",
        "q4-answer": """def draw_model(path):
    plot_model(build_model(), to_file=path, show_shapes=True, show_layer_activations=True, dpi=72)""",
    },
)
alternative(
    "helpers-and-loops",
    "helper functions and a loop over the two inputs; `keras.activations.relu` passed as a function; a separate "
    "`Activation` after the first residual Dense; `Dense(1, activation=None)`; the diagram drawn left to right.",
    {
        **SOLUTION,
        "q1-answer": """def dense_relu(units):
    return keras.layers.Dense(units, activation=keras.activations.relu)


def build_sequential():
    stack = [keras.Input(shape=(8,)), dense_relu(16), keras.layers.Dense(1, activation=None)]
    return keras.Sequential(stack)""",
        "q2-answer": """def build_model():
    inputs = [keras.Input(shape=(None,), dtype="int32") for _ in range(2)]
    embed = keras.layers.Embedding(1000, 128)
    outputs = []
    for name, words in zip(["prediction_a", "prediction_b"], inputs):
        pooled = keras.layers.GlobalAveragePooling1D()(embed(words))
        outputs.append(keras.layers.Dense(1, activation="sigmoid", name=name)(pooled))
    return keras.Model(inputs=inputs, outputs=outputs)""",
        "q3-answer": """def residual_block(x, units=32):
    h = keras.layers.Dense(units)(x)
    h = keras.layers.Activation("relu")(h)
    h = keras.layers.Dense(units, activation="linear")(h)
    return keras.layers.ReLU()(keras.layers.Add()([h, x]))


def build_residual():
    x = keras.Input(shape=(32,))
    return keras.Model(x, residual_block(x))""",
        "q4-answer": """def draw_model(path):
    model = build_model()
    keras.utils.plot_model(model, path, show_shapes=True, rankdir="LR", dpi=96)
    return path""",
    },
)
alternative(
    "model-to-dot",
    "`keras.layers.InputLayer` in the Sequential list, `keras.layers.add` with an `Activation(keras.activations."
    "relu)`, and the diagram made with `keras.utils.model_to_dot(...)` and written with `write_png`, with the "
    "layer names shown.",
    {
        **SOLUTION,
        "q1-answer": """def build_sequential():
    return keras.Sequential([
        keras.layers.InputLayer(shape=(8,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),
    ])""",
        "q3-answer": """def build_residual():
    x = keras.Input(shape=(32,))
    h = keras.layers.Dense(32, activation="relu")(x)
    out = keras.layers.Activation(keras.activations.relu)(keras.layers.add([x, keras.layers.Dense(32)(h)]))
    return keras.Model(inputs=x, outputs=out)""",
        "q4-answer": """def draw_model(path):
    dot = keras.utils.model_to_dot(build_model(), show_shapes=True, show_layer_names=True, dpi=120)
    dot.write_png(path)""",
    },
)
alternative(
    "extras-seeds-and-training",
    "extra prints, summaries and a short training run between the answers, `keras.utils.set_random_seed` "
    "inside the builders (each call still builds a new model), and the diagram drawn bottom-up with every "
    "option (`expand_nested`, `show_trainable`, `show_dtype`, `show_layer_activations`) at `dpi=150`.",
    {
        **SOLUTION,
        "q1-answer": """def build_sequential():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input(shape=(8,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),
    ])
    print("built a model with", model.count_params(), "parameters")
    return model""",
        "q3-answer": """def build_residual():
    keras.utils.set_random_seed(3)
    x = keras.Input(shape=(32,))
    h = keras.layers.Dense(32, activation="relu")(x)
    h = keras.layers.Dense(32)(h)
    return keras.Model(x, keras.layers.Activation("relu")(keras.layers.Add()([x, h])))""",
        "q4-answer": """def draw_model(path):
    keras.utils.plot_model(build_model(), to_file=path, show_shapes=True, show_dtype=True, expand_nested=True,
                           show_trainable=True, show_layer_activations=True, rankdir="BT", dpi=150)
    print("diagram written to", path)""",
    },
    {
        "q1-check": ["""model = build_sequential()
model.compile(optimizer="adam", loss="mse")
rng = np.random.default_rng(0)
history = model.fit(rng.normal(size=(64, 8)), rng.normal(size=(64, 1)), epochs=2, batch_size=16, verbose=0)
print("loss after training:", round(history.history["loss"][-1], 3))
model.summary()"""],
        "q3-check": ["""for i in range(2):
    print(i, build_residual().count_params())"""],
    },
)

JUPYTERLAB_OUTPUTS = {
    "q1-check-more-0": [("stdout", "161\n")],
    "q2-check-more-0": [("result", "128258")],
    "q4-check-more-0": [("image", "<IPython.core.display.Image object>")],
}
alternative(
    "saved-by-jupyterlab-4",
    "saved by JupyterLab 4 after Run All (nbformat 4.5, cell ids, kernelspec and language_info, execution "
    "counts and outputs), with the diagram drawn at `dpi=96` and shown with `IPython.display.Image`.",
    replace("q4-answer", "show_shapes=True)", "show_shapes=True, dpi=96)"),
    {
        "q1-check": ["print(build_sequential().count_params())"],
        "q2-check": ["build_model().count_params()"],
        "q4-check": ["from IPython.display import Image\n\nImage(\"my_model.png\")"],
    },
)
COLAB_OUTPUTS = {
    "imports": [("stdout", "2.21.0\n")],
    "q3-check-more-0": [("result", "(None, 32)")],
}
alternative(
    "saved-by-colab",
    "saved by Colab (nbformat 4.0, `colab` and `accelerator` metadata, cell ids in cell metadata, outputs), "
    "`from tensorflow import keras`, and the diagram drawn left to right with layer names and dtypes.",
    {
        **SOLUTION,
        "imports": """import os

import numpy as np
import tensorflow as tf
from tensorflow import keras

print(tf.__version__)""",
        "q4-answer": """def draw_model(path):
    keras.utils.plot_model(build_model(), to_file=path, show_shapes=True, show_layer_names=True,
                           show_dtype=True, rankdir="LR")""",
    },
    {"q3-check": ["build_residual().output_shape"]},
)

# Cells that use IPython's own syntax; they run in the grader once cells run through IPython.
alternative(
    "ipython-magics",
    "uses IPython magics as students do in Jupyter: `%%time` on an answer cell, `%time`, `%timeit -n1 -r1`, "
    "`%matplotlib inline` and `x = !echo hi`.",
    {
        **SOLUTION,
        "imports": "%matplotlib inline\n" + IMPORTS,
        "q1-answer": "%%time\n" + SOLUTION["q1-answer"],
        "q3-answer": "%%time\n" + SOLUTION["q3-answer"],
    },
    {
        "q1-check": ["%time model = build_sequential()\nprint(model.count_params())"],
        "q2-check": ["%timeit -n1 -r1 build_model()"],
        "q4-check": ["listing = !echo hi\nprint(listing)"],
    },
)
alternative(
    "ipython-display-and-help",
    "uses `display(...)`, `?` help lines and `_` (the last result), as in Jupyter.",
    SOLUTION,
    {
        "imports": ["keras.utils.plot_model?"],
        "q1-check": ["build_sequential().count_params()", "assert _ == 161\ndisplay(build_sequential())"],
        "q2-check": ["build_model?", "display(build_model().output_names)"],
    },
)
alternative(
    "ipython-assigned-magics",
    "assigns the results of magics: `y = %time f()`, `%time h = model.fit(...)` and `files = !ls`.",
    SOLUTION,
    {
        "q1-check": ["""model = build_sequential()
model.compile(optimizer="adam", loss="mse")
x, y = np.ones((32, 8), "float32"), np.zeros((32, 1), "float32")
%time h = model.fit(x, y, epochs=1, verbose=0)
print(len(h.history["loss"]))"""],
        "q2-check": ["m = %time build_model()\nprint(m.count_params())"],
        "q4-check": ["files = !ls\nprint(len(files) > 0)"],
    },
)
IPYTHON_PENDING = ("ipython-magics", "ipython-display-and-help", "ipython-assigned-magics")
"""Alternatives that need cells run by IPython's own machinery (issue 11, item 6)."""


def write_json(nb: dict, path: Path) -> None:
    nbformat.validate(nbformat.from_dict(nb))
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def agree_with_the_course(template: nbformat.NotebookNode, solution: nbformat.NotebookNode) -> None:
    """solutions/functional.ipynb is the assignment's source (`tfgrade assign functional` writes the student
    notebook from it). The notebooks here are built from this file's copy of their text: it must not drift."""
    committed = nbformat.read(ROOT / "assignments/functional/functional.ipynb", as_version=4)
    source = nbformat.read(ROOT / "solutions/functional.ipynb", as_version=4)
    assert [c.source for c in template.cells] == [c.source for c in committed.cells], \
        "the student notebook is not this file's TEMPLATE: run tfgrade assign functional, or update TEMPLATE"
    for mine, theirs in zip(solution.cells, source.cells, strict=True):
        code = without_markers(theirs.source) if theirs.cell_type == "code" else theirs.source
        same = ast.dump(ast.parse(mine.source)) == ast.dump(ast.parse(code)) if mine.cell_type == "code" \
            else mine.source == code
        assert same, f"cell {mine.id} is not the solution's: update SOLUTION here from solutions/functional.ipynb"


def main() -> None:
    agree_with_the_course(notebook({}), notebook(SOLUTION))
    corpus = ROOT / "tests/notebooks/functional"
    for name, (about, answers, breaks) in VARIANTS.items():
        first = f"**Test variant `{name}`:** {about}"
        nbformat.write(notebook(answers, first=first, expect={"breaks": breaks}), corpus / f"{name}.ipynb")
    for name, (about, answers, failing) in ATTACKS.items():
        first = f"**Test variant `{name}`:** {about}"
        nbformat.write(notebook(answers, first=first, expect={"failing": failing}), corpus / f"{name}.ipynb")
    for name, (about, answers, extra) in ALTERNATIVES.items():
        nb = notebook(answers, first=about, expect={"failing": {}}, extra=extra)
        if name == "saved-by-jupyterlab-4":
            write_json(as_jupyterlab(nb, JUPYTERLAB_OUTPUTS), corpus / f"{name}.ipynb")
        elif name == "saved-by-colab":
            write_json(as_colab(nb, COLAB_OUTPUTS), corpus / f"{name}.ipynb")
        else:
            nbformat.write(nb, corpus / f"{name}.ipynb")
    samples = ROOT / "assignments/functional/samples"
    nbformat.write(notebook(ALTERNATIVES["named-layers-other-order"][1]), samples / "ana.ipynb")
    nbformat.write(notebook(VARIANTS["unshared-embedding"][1]), samples / "ben.ipynb")
    partial = {k: v for k, v in VARIANTS["plot-without-shapes"][1].items() if k != "q3-answer"}
    nbformat.write(notebook(partial), samples / "chloe.ipynb")


if __name__ == "__main__":
    main()
