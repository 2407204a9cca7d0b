"""Write the generated part of the autograph corpus: one-mistake variants and correct alternatives.

Every notebook here is the solution (solutions/autograph.ipynb, so the text stays the assignment's,
read without its `tfgrade assign` markers) with some answer cells replaced. Rerun from the
repository root after changing the solution:

    .venv/bin/python tests/notebooks/autograph/make_corpus.py
    .venv/bin/tfgrade validate autograph -j 1

- A one-mistake variant names the requirement it breaks (assignments/autograph/requirements.toml):
  it must fail a check of that requirement and lose points in that question only.
- A correct alternative is written in another style and must get full marks, with no cell error.
  Some are saved as JupyterLab 4 or Colab save them (metadata, cell ids, outputs).
- A Korean twin (`<name>.ko`, TWINS) is a one-mistake variant made from the Korean solution
  (`tfgrade.translations.ko` of each cell, docs/korean.md): the same code, Korean text, language ko.
- The IPython notebooks (`ipython-*`) use what only IPython's own machinery runs (`display`,
  `x = !cmd`, `y = %time f()`, `obj?`, `_`); they need the grader to run cells with IPython.

The other notebooks of this folder (attacks and the first variants) are written by hand.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import nbformat

from autograder.authoring.assign import translated
from autograder.core.markers import without_markers

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
_RAW = nbformat.read(ROOT / "solutions" / "autograph.ipynb", as_version=4)
KOREAN = translated(_RAW, "ko")  # the Korean solution, for the Korean twins (TWINS below)
SOLUTION = copy.deepcopy(_RAW)
for _solution in (SOLUTION, KOREAN):
    for _cell in _solution.cells:  # the solution's code as it runs: corpus notebooks carry no assign markers
        _cell.metadata.get("tfgrade", {}).pop("translations", None)  # nor the Korean text of each cell
        if not _cell.metadata.get("tfgrade", True):
            del _cell.metadata["tfgrade"]
        if _cell.cell_type == "code":
            _cell.source = without_markers(_cell.source)
ANSWERS = {cell.id: cell.source for cell in SOLUTION.cells if cell.cell_type == "code"}
TEMPLATE = {cell.id: cell.source for cell in nbformat.read(ROOT / "assignments/autograph/autograph.ipynb",
                                                            as_version=4).cells}


def replace(cell_id: str, old: str, new: str, base: dict[str, str] | None = None) -> dict[str, str]:
    answers = dict(base or {})
    source = answers.get(cell_id, ANSWERS[cell_id])
    assert old in source, (cell_id, old)
    answers[cell_id] = source.replace(old, new)
    return answers


def notebook(answers: dict[str, str], *, about: str, expect: dict[str, Any],
             after: dict[str, list[str]] | None = None, base: nbformat.NotebookNode = SOLUTION,
             ) -> nbformat.NotebookNode:
    """The solution (or ``base``) with ``answers`` (cell id -> source) and extra code cells ``after`` a cell id."""
    nb = copy.deepcopy(base)
    cells = [nbformat.v4.new_markdown_cell(about, id="about")]
    for cell in nb.cells:
        if cell.id in answers:
            cell.source = answers[cell.id]
        cells.append(cell)
        for number, source in enumerate((after or {}).get(cell.id, [])):
            cells.append(nbformat.v4.new_code_cell(source, id=f"{cell.id}-own-{number}"))
    nb.cells = cells
    language = {"language": base.metadata.tfgrade["language"]} if "language" in base.metadata.tfgrade else {}
    nb.metadata["tfgrade"] = {"assignment": "autograph", **language, "expect": expect}
    return nb


def breaks(requirement: str) -> dict[str, Any]:
    return {"breaks": requirement}


FULL_MARKS: dict[str, Any] = {"failing": {}}
NO_WHILE_WRITTEN = {"keras2-tf1-habits", "conversions-and-layers"}
"""Alternatives whose count_halvings is right but loops with `tf.while_loop`, not the `while` the text asks for."""

# --- one mistake each: (about, answers, requirement it breaks) -----------------------------------

MISTAKES: dict[str, tuple[str, dict[str, str], str]] = {
    "linear-flattens": (
        "`linear_layer` flattens its result to 1-D (fine for the 1-D examples, wrong for any other shape).",
        replace("q1-answer", "    return 3 * x + 2", "    return tf.reshape(3 * x + 2, [-1])"),
        "q1-linear-any-shape",
    ),
    "linear-decorated": (
        "`linear_layer` has an `@tf.function` of its own; the text asks for a plain Python function.",
        replace("q1-answer", "def linear_layer(x):", "@tf.function\ndef linear_layer(x):"),
        "q1-linear-plain-function",
    ),
    "simple-nn-1d-signature": (
        "`simple_nn` has an `input_signature` that only accepts 1-D tensors; the text says any shape.",
        replace("q1-answer", "@tf.function\ndef simple_nn",
                "@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])\ndef simple_nn"),
        "q1-simple-nn-values",
    ),
    "simple-nn-relu6": (
        "`simple_nn` uses `tf.nn.relu6` instead of `tf.nn.relu` (same on the public examples).",
        replace("q1-answer", "tf.nn.relu(", "tf.nn.relu6("),
        "q1-simple-nn-values",
    ),
    "floor-division": (
        "`count_halvings` halves with `x // 2` (floor division) instead of `x / 2`.",
        replace("q2-answer", "x = x / 2", "x = x // 2"),
        "q2-halves-while-sum-above-one",
    ),
    "at-least-one": (
        "`count_halvings` goes on while the sum is at least 1 (`>=`) instead of greater than 1.",
        replace("q2-answer", "tf.reduce_sum(x) > 1", "tf.reduce_sum(x) >= 1"),
        "q2-halves-while-sum-above-one",
    ),
    "fixed-range-loop": (
        "`count_halvings` loops a fixed 100 times over `tf.range` and halves only while needed (`tf.where`): "
        "a real loop op, but a fixed number of repetitions.",
        {"q2-answer": """@tf.function
def count_halvings(x):
    count = tf.constant(0)
    for _ in tf.range(100):
        keep_going = tf.reduce_sum(x) > 1
        x = tf.where(keep_going, x / 2, x)
        count += tf.cast(keep_going, tf.int32)
    return count"""},
        "q2-graph-loop",
    ),
    "count-fixed-length": (
        "`count_halvings` has an `input_signature` that fixes the length of `x` at 2, like the example.",
        replace("q2-answer", "@tf.function\n",
                "@tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])\n"),
        "q2-any-length",
    ),
    "count-shape-1": (
        "`count_halvings` starts the count with `tf.constant([0])`, so it returns shape (1,), not ().",
        replace("q2-answer", "count = tf.constant(0)", "count = tf.constant([0])"),
        "q2-int32-scalar",
    ),
    "lstm-returns-only-output": (
        "`lstm_fn` returns only the cell's output, not `(output, [h, c])`.",
        replace("q3-answer", "    return lstm_cell(input, state)", "    return lstm_cell(input, state)[0]"),
        "q3-output-structure",
    ),
    "lstm-returns-old-state": (
        "`lstm_fn` returns the cell's output with the state it was given instead of the new state.",
        replace("q3-answer", "    return lstm_cell(input, state)",
                "    output, new_state = lstm_cell(input, state)\n    return output, state"),
        "q3-returns-cell-output",
    ),
    "scaled-sum-fixed-length": (
        "`scaled_sum`'s `input_signature` fixes the length of `x` at 3.",
        replace("q4-answer", "tf.TensorSpec([None], tf.float32)", "tf.TensorSpec([3], tf.float32)"),
        "q4-any-length-and-scale",
    ),
    "scaled-sum-float64-scale": (
        "`scaled_sum` declares `scale` as float64 (a Python float is 64-bit) and casts it, so a float32 "
        "scalar tensor is refused.",
        {"q4-answer": """@tf.function(input_signature=[tf.TensorSpec([None], tf.float32),
                              tf.TensorSpec([], tf.float64)])
def scaled_sum(x, scale):
    return tf.reduce_sum(x) * tf.cast(scale, tf.float32)"""},
        "q4-any-length-and-scale",
    ),
    "scaled-sum-keepdims": (
        "`scaled_sum` sums with `keepdims=True`, so it returns shape (1,) instead of a scalar.",
        replace("q4-answer", "tf.reduce_sum(x)", "tf.reduce_sum(x, keepdims=True)"),
        "q4-returns-float32-scalar",
    ),
    # Cascades: an earlier question left blank must cost points there only.
    "cascade-q1-blank": (
        "Question 1 is left as in the template (`raise NotImplementedError()`); the others are right.",
        {"q1-answer": TEMPLATE["q1-answer"]},
        "q1-linear-values",
    ),
    "cascade-q2-blank": (
        "Question 2 is left as in the template; questions 3 and 4 are right.",
        {"q2-answer": TEMPLATE["q2-answer"]},
        "q2-returns-count",
    ),
}

# --- correct alternatives: (about, answers, extra cells after a cell id) -------------------------

ALTERNATIVES: dict[str, tuple[str, dict[str, str], dict[str, list[str]]]] = {
    "keras-ops-style": (
        "Correct, with `import keras` and `keras.ops`, `x * 0.5` for halving and keyword arguments.",
        {
            "imports": "import timeit\n\nimport keras\nimport tensorflow as tf",
            "q1-answer": """def linear_layer(x):
    return keras.ops.add(keras.ops.multiply(x, 3.0), 2.0)


@tf.function
def simple_nn(x):
    return keras.ops.relu(linear_layer(x))""",
            "q2-answer": """@tf.function
def count_halvings(x):
    n = tf.constant(0, dtype=tf.int32)
    while tf.math.reduce_sum(x) > 1.0:
        x = x * 0.5
        n = n + 1
    return n""",
            "q3-answer": """@tf.function
def lstm_fn(input, state):
    return lstm_cell(inputs=input, states=state)""",
            "q4-answer": """@tf.function(
    input_signature=(
        tf.TensorSpec(shape=(None,), dtype=tf.float32, name="x"),
        tf.TensorSpec(shape=(), dtype=tf.float32, name="scale"),
    )
)
def scaled_sum(x, scale):
    return tf.multiply(scale, tf.math.reduce_sum(x))""",
        },
        {},
    ),
    "keras2-tf1-habits": (
        "Correct, written with Keras 2 / TF 1 habits that still work: `from tensorflow import keras`, "
        "`tf.math` names, `tf.while_loop` with `back_prop=False`, `experimental_relax_shapes`, dtype "
        "strings and `tf.function` applied to the layer itself.",
        {
            "imports": "import timeit\n\nimport numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras",
            "q1-answer": """def linear_layer(x):
    return tf.math.add(tf.math.multiply(x, tf.constant(3.0)), tf.constant(2.0))


@tf.function(experimental_relax_shapes=True)
def simple_nn(x):
    return tf.nn.relu(linear_layer(x))""",
            "q2-answer": """@tf.function
def count_halvings(x):
    def cond(i, v):
        return tf.math.greater(tf.math.reduce_sum(v), 1.0)

    def body(i, v):
        return [tf.math.add(i, 1), tf.math.divide(v, 2.0)]

    i, _ = tf.while_loop(cond, body, loop_vars=[tf.constant(0, dtype='int32'), x], back_prop=False)
    return i""",
            "q3-answer": "lstm_fn = tf.function(lstm_cell)",
            "q4-answer": """@tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype='float32'),
                              tf.TensorSpec(shape=[], dtype='float32')])
def scaled_sum(x, scale):
    return tf.math.reduce_sum(x) * scale""",
        },
        {},
    ),
    "tf-print-everywhere": (
        "Correct, with a `tf.print` in every graded function (left from debugging): each call prints, in the "
        "notebook and wherever the grader runs the graph; `lstm_fn` prints a whole row of its output, about a "
        "kilobyte per call, far more than a pipe holds over a timing run.",
        {
            "q1-answer": """def linear_layer(x):
    tf.print("linear_layer: x has shape", tf.shape(x))
    return 3 * x + 2


@tf.function
def simple_nn(x):
    tf.print("simple_nn: x =", x, summarize=4)
    return tf.nn.relu(linear_layer(x))""",
            "q2-answer": """@tf.function
def count_halvings(x):
    count = tf.constant(0)
    while tf.reduce_sum(x) > 1:
        tf.print("count_halvings: sum is", tf.reduce_sum(x), "after", count, "halvings")
        x = x / 2
        count += 1
    return count""",
            "q3-answer": """@tf.function
def lstm_fn(input, state):
    output, new_state = lstm_cell(input, state)
    tf.print("lstm_fn: first row of the output", output[0], summarize=-1)
    return output, new_state""",
            "q4-answer": """@tf.function(input_signature=[tf.TensorSpec([None], tf.float32),
                              tf.TensorSpec([], tf.float32)])
def scaled_sum(x, scale):
    tf.print("scaled_sum: length", tf.size(x), "scale", scale)
    return tf.reduce_sum(x) * scale""",
        },
        {},
    ),
    "variable-counter": (
        "Correct, with the count kept in a `tf.Variable` (made once, outside the function) that the loop "
        "increments with `assign_add`: valid TF 2 state inside a tf.function.",
        {
            "q2-answer": """halvings = tf.Variable(0, dtype=tf.int32, trainable=False)


@tf.function
def count_halvings(x):
    halvings.assign(0)
    while tf.reduce_sum(x) > 1:
        x = x / 2
        halvings.assign_add(1)
    return halvings.read_value()""",
        },
        {},
    ),
    "stateful-accumulator": (
        "Correct, with state the functions keep between calls: `simple_nn` counts its calls and `lstm_fn` its "
        "steps, each in a `tf.Variable` updated inside the tf.function.",
        {
            "q1-answer": """def linear_layer(x):
    return 3 * x + 2


calls = tf.Variable(0, dtype=tf.int64, trainable=False)


@tf.function
def simple_nn(x):
    calls.assign_add(1)
    return tf.nn.relu(linear_layer(x))""",
            "q3-answer": """steps = tf.Variable(0, dtype=tf.int64, trainable=False)


@tf.function
def lstm_fn(input, state):
    steps.assign_add(1)
    return lstm_cell(input, state)""",
        },
        {},
    ),
    "plots-pandas-pillow": (
        "Correct, with `%matplotlib inline` and matplotlib, pandas and Pillow imported next to TensorFlow in the "
        "first cell: the student "
        "plots `simple_nn`, calls `plt.show()`, saves the figure to /tmp, reopens it with Pillow and keeps the "
        "timings in a DataFrame. The grading environment has the packages the assignment allows "
        "(docs/packages.md), draws without a display, and `plt.show()` returns.",
        {
            "imports": "%matplotlib inline\nimport timeit\n\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
                       "import pandas as pd\nimport tensorflow as tf\nfrom PIL import Image",
        },
        {
            "q1-answer": ["""xs = np.linspace(-3.0, 3.0, 61, dtype=np.float32)
plt.plot(xs, simple_nn(tf.constant(xs)).numpy(), label="simple_nn")
plt.legend()
plt.title("relu(3x + 2)")
plt.show()
plt.savefig("/tmp/simple_nn.png")
with Image.open("/tmp/simple_nn.png") as image:
    print("saved a plot of", image.size)
Image.fromarray((np.eye(8) * 255).astype(np.uint8)).save("/tmp/eye.png")"""],
            "q3-timing": ["""timings = pd.DataFrame({
    "version": ["eager", "tf.function"],
    "seconds": [timeit.timeit(lambda: lstm_cell(input, state), number=5),
                timeit.timeit(lambda: lstm_fn(input, state), number=5)],
})
timings.plot.bar(x="version", y="seconds")
plt.show()
print(timings)"""],
        },
    ),
    "helpers-and-prints": (
        "Correct, with helper functions, a Python `0` as the first count, `tf.print` inside the graph, "
        "and the student's own test cells that print.",
        {
            "q1-answer": """SLOPE, OFFSET = 3.0, 2.0


def linear_layer(x):
    \"\"\"3x + 2, elementwise.\"\"\"
    return SLOPE * x + OFFSET


def _relu(t):
    return tf.maximum(t, 0.0)


@tf.function
def simple_nn(x):
    print("tracing simple_nn for", x.shape)
    return _relu(linear_layer(x))""",
            "q2-answer": """def _total(x):
    return tf.reduce_sum(x)


@tf.function
def count_halvings(x):
    count = 0
    while _total(x) > 1:
        x /= 2
        count += 1
    tf.print("halvings:", count)
    return count""",
            "q4-answer": """SIGNATURE = [
    tf.TensorSpec(shape=[None], dtype=tf.float32),
    tf.TensorSpec(shape=[], dtype=tf.float32),
]


@tf.function(input_signature=SIGNATURE)
def scaled_sum(x, scale):
    total = tf.reduce_sum(x)
    return total * scale""",
        },
        {
            "q1-answer": ["print(linear_layer(tf.ones([2, 2])))\nprint(simple_nn(tf.constant([[-1.0], [1.0]])))"],
            "q2-answer": ["for example in ([4.0], [3.0, 3.0], [0.5, 0.25]):\n"
                          "    print(example, int(count_halvings(tf.constant(example))))"],
            "q4-answer": ["for s in (0.5, 1.5, 2.5):\n    print(float(scaled_sum(tf.range(5, dtype=tf.float32), s)))\n"
                          "print('traces:', scaled_sum.experimental_get_tracing_count())"],
        },
    ),
    "any-rank-signatures": (
        "Correct, with input signatures of unknown rank (`TensorSpec(None)`) for `simple_nn` and "
        "`scaled_sum`, and `reduce_retracing` on `count_halvings`.",
        {
            "q1-answer": """def linear_layer(x):
    return x * 3 + 2


@tf.function(input_signature=[tf.TensorSpec(shape=None, dtype=tf.float32)])
def simple_nn(x):
    return tf.nn.relu(linear_layer(x))""",
            "q2-answer": ANSWERS["q2-answer"].replace("@tf.function", "@tf.function(reduce_retracing=True)"),
            "q4-answer": """ANY = tf.TensorSpec(None, tf.float32)


@tf.function(input_signature=[ANY, ANY])
def scaled_sum(x, scale):
    return tf.reduce_sum(x) * scale""",
        },
        {},
    ),
    "renamed-arguments-xla": (
        "Correct, with other argument names, a compiled (`jit_compile=True`) `lstm_fn`, and "
        "`tf.reduce_sum(x * scale)`.",
        {
            "q1-answer": """def linear_layer(t):
    return 2 + 3 * t


@tf.function
def simple_nn(inputs):
    hidden = linear_layer(inputs)
    return tf.nn.relu(hidden)""",
            "q2-answer": """@tf.function
def count_halvings(values):
    steps = tf.zeros([], tf.int32)
    while tf.reduce_sum(values) > 1:
        values = values / 2.0
        steps += 1
    return steps""",
            "q3-answer": """@tf.function(jit_compile=True)
def lstm_fn(inputs, states):
    return lstm_cell(inputs, states)""",
            "q4-answer": """@tf.function(input_signature=[tf.TensorSpec([None]), tf.TensorSpec([])])
def scaled_sum(vector, factor):
    return tf.reduce_sum(vector * factor)""",
        },
        {},
    ),
    "conversions-and-layers": (
        "Correct, converting inputs defensively, a Keras `ReLU` layer inside the graph, `tf.while_loop` "
        "with `maximum_iterations`, and `scale` cast to float32.",
        {
            "q1-answer": """def linear_layer(x):
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    return tf.math.scalar_mul(3.0, x) + 2.0


relu = tf.keras.layers.ReLU()


@tf.function
def simple_nn(x):
    return relu(linear_layer(x))""",
            "q2-answer": """@tf.function
def count_halvings(x):
    count, _ = tf.while_loop(
        lambda count, x: tf.reduce_sum(x) > 1,
        lambda count, x: (count + 1, x / 2),
        (tf.zeros([], tf.int32), x),
        maximum_iterations=10_000,
    )
    return count""",
            "q3-answer": """@tf.function
def lstm_fn(input, state):
    output, (h, c) = lstm_cell(input, state, training=False)
    return output, [h, c]""",
            "q4-answer": """@tf.function(input_signature=[tf.TensorSpec([None], "float32"), tf.TensorSpec([])])
def scaled_sum(x, scale):
    return tf.reduce_sum(x) * tf.cast(scale, tf.float32)""",
        },
        {},
    ),
    "leading-magics": (
        "Correct, with the IPython magics that start a line or a cell: `%time`, `%timeit -n1 -r1`, "
        "`%%time` and `!echo`.",
        {
            "q1-answer": "%%time\n" + ANSWERS["q1-answer"],
            "q2-answer": ANSWERS["q2-answer"] + "\n\n\n%time count_halvings(tf.constant([3.0, 3.0]))",
        },
        {
            "q3-timing": ["%timeit -n1 -r1 lstm_fn(input, state)"],
            "q4-answer": ["!echo checking scaled_sum\n%time scaled_sum(tf.constant([1.0, 2.0]), 0.5)"],
        },
    ),
}

# Need IPython's own machinery in the grader (being built on another branch).
IPYTHON: dict[str, tuple[str, dict[str, str], dict[str, list[str]]]] = {
    "ipython-display-and-help": (
        "Correct, looking at things with `display(...)`, `obj?` help lines and `_`, as in Jupyter.",
        {
            "q1-answer": ANSWERS["q1-answer"] + "\n\n\nsimple_nn?",
            "q2-answer": "display(tf.constant([3.0, 3.0]))\n\n\n" + ANSWERS["q2-answer"],
        },
        {"q1-answer": ["linear_layer(tf.constant(1.5))", "print('last result:', _)"]},
    ),
    "ipython-captured-shell-and-time": (
        "Correct, with the results of `!` and `%time` assigned: `x = !pwd`, `y = %time f()`, "
        "`%time y = f()`.",
        {
            "q1-answer": ANSWERS["q1-answer"] + "\n\n\n%time y = simple_nn(tf.constant([-1.0, 2.0]))\nprint(y)",
            "q2-answer": "where = !pwd\nprint(where)\n\n\n" + ANSWERS["q2-answer"],
            "q4-answer": ANSWERS["q4-answer"] + "\n\n\nvalue = %time scaled_sum(tf.constant([1.0, 2.0]), 0.5)"
                                                "\nprint(float(value))",
        },
        {},
    ),
    "ipython-timeit-and-capture": (
        "Correct, timing with `%timeit -o` into a variable and a `%%capture` cell that defines an answer.",
        {
            "q2-answer": ANSWERS["q2-answer"] + "\n\n\ntimes = %timeit -o -n1 -r1 count_halvings(tf.constant([3.0]))",
            "q4-answer": "%%capture log\n" + ANSWERS["q4-answer"] + "\nprint(scaled_sum(tf.constant([1.0]), 2.0))",
        },
        {
            "q3-timing": ["graph_time = %timeit -o -n1 -r1 lstm_fn(input, state)\nprint(graph_time.best > 0)"],
            "q4-answer": ["print(log.stdout)"],
        },
    ),
}


# --- how JupyterLab 4 and Colab save a notebook --------------------------------------------------


def _stream(text: str) -> dict[str, Any]:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _result(count: int, text: str) -> dict[str, Any]:
    return nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=count)


def jupyterlab4(nb: nbformat.NotebookNode, outputs: dict[str, list[dict[str, Any]]]) -> nbformat.NotebookNode:
    """As JupyterLab 4 writes it: nbformat 4.5, uuid-like cell ids, ipykernel metadata, counts."""
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata.kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata.language_info = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3", "version": "3.11.9",
    }
    count = 0
    for number, cell in enumerate(nb.cells):
        given = cell.id
        cell.id = f"{0x3f1c2a00 + number:08x}-5e7b-4c1d-9a2e-{number:012x}"
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            cell.outputs = [dict(o, execution_count=count) if o["output_type"] == "execute_result" else o
                            for o in outputs.get(given, [])]
    return nb


def colab(nb: nbformat.NotebookNode, outputs: dict[str, list[dict[str, Any]]]) -> nbformat.NotebookNode:
    """As Colab writes it: nbformat 4.0 (ids only in cell metadata), colab and accelerator metadata."""
    nb.nbformat, nb.nbformat_minor = 4, 0
    nb.metadata = {
        "colab": {"provenance": [], "toc_visible": True, "gpuType": "T4"},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
        "tfgrade": nb.metadata.tfgrade,
    }
    count = 0
    for number, cell in enumerate(nb.cells):
        given = cell.pop("id")
        cell.metadata = {"id": f"c{number:02d}Xq{given[:6].replace('-', 'k')}Zp"}
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            cell.outputs = outputs.get(given, [])
            if cell.outputs:
                cell.metadata["colab"] = {"base_uri": "https://localhost:8080/"}
                cell.metadata["outputId"] = f"6b1e{number:04x}-21c3-4f0e-8d5a-0000{number:08x}"
    return nb


SAVED: dict[str, tuple[str, Any, dict[str, str], dict[str, list[str]], dict[str, list[dict[str, Any]]]]] = {
    "jupyterlab4-saved": (
        "Correct, saved by JupyterLab 4 after a run (outputs kept), with `import keras` and own checks.",
        jupyterlab4,
        {
            "imports": "import timeit\n\nimport keras\nimport numpy as np\nimport tensorflow as tf",
            "q2-answer": """@tf.function
def count_halvings(x):
    count = tf.constant(0)
    while tf.reduce_sum(x) > 1:
        x = tf.math.divide(x, 2)
        count = count + 1
    return count""",
        },
        {"q1-answer": ["simple_nn(tf.constant([[-1.0, 0.0], [1.0, 2.0]]))"],
         "q4-answer": ["%time scaled_sum(tf.constant([1.0, 2.0, 3.0]), 2.0)"]},
        {
            "q1-answer-own-0": [_result(0, "<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\n"
                                           "array([[0., 2.],\n       [5., 8.]], dtype=float32)>")],
            "q3-timing": [_stream("eager lstm: 0.0162\nfunction lstm: 0.0061\n")],
            "q4-answer-own-0": [_stream("CPU times: user 3.1 ms, sys: 0 ns, total: 3.1 ms\nWall time: 2.9 ms\n"),
                                _result(0, "<tf.Tensor: shape=(), dtype=float32, numpy=12.0>")],
        },
    ),
    "colab-saved": (
        "Correct, saved by Colab (GPU runtime) after a run, with `tf.keras` names and a Colab-style test.",
        colab,
        {
            "q1-answer": """def linear_layer(x):
  return 3. * x + 2.

@tf.function
def simple_nn(x):
  return tf.keras.activations.relu(linear_layer(x))""",
            "q3-answer": """@tf.function
def lstm_fn(input, state):
  output, new_state = lstm_cell(input, state)
  return output, new_state""",
            "q4-answer": """@tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32),
                              tf.TensorSpec(shape=[], dtype=tf.float32)])
def scaled_sum(x, scale):
  return tf.reduce_sum(x) * scale""",
        },
        {"imports": ["print(tf.__version__)\nprint(tf.config.list_physical_devices('GPU'))"]},
        {
            "imports-own-0": [_stream("2.21.0\n[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n")],
            "q3-timing": [_stream("eager lstm: 0.0251\nfunction lstm: 0.0093\n")],
        },
    ),
}


# --- Korean twins: a one-mistake notebook above, in the Korean notebook (same code, Korean text) ----
# It must lose the same points as its English twin, with the messages in Korean (issue 14).

TWINS: dict[str, str] = {
    "count-shape-1": "`count_halvings`가 횟수를 `tf.constant([0])`으로 시작해서, 형태가 ()가 아니라 (1,)인 값을 "
                     "반환합니다.",
}


def main() -> None:
    written = []
    for name, (about, answers, requirement) in MISTAKES.items():
        written.append((name, notebook(answers, about=f"**Test variant `{name}`:** {about}",
                                       expect=breaks(requirement))))
    for name, about in TWINS.items():
        _, answers, requirement = MISTAKES[name]
        written.append((f"{name}.ko", notebook(answers, about=f"**시험용 변형 `{name}.ko`** (`{name}`의 한국어 "
                                               f"쌍둥이): {about}", expect=breaks(requirement), base=KOREAN)))
    for name, (about, answers, after) in {**ALTERNATIVES, **IPYTHON}.items():
        expect = breaks("q2-graph-loop") if name in NO_WHILE_WRITTEN else FULL_MARKS
        written.append((name, notebook(answers, about=about, expect=expect, after=after)))
    for name, (about, save, answers, after, outputs) in SAVED.items():
        written.append((name, save(notebook(answers, about=about, expect=FULL_MARKS, after=after), outputs)))
    for name, nb in written:
        path = HERE / f"{name}.ipynb"
        if nb.nbformat_minor >= 5:
            nbformat.validate(nb)
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(written)} notebooks to {HERE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
