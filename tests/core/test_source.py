"""The grader's own reading of a submission's source (autograder/core/source.py): pure and fast."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder.core import notebook
from autograder.core.source import (
    SourceRefused,
    definitions_for,
    eager_switch,
    function_facts,
    parse_cells,
)
from autograder.core.source_scopes import bound_names, statement_bindings
from tests.conftest import NOTEBOOKS, ROOT

GRADED = ("linear_layer", "simple_nn", "count_halvings", "lstm_fn", "scaled_sum")


def cells(*sources: str):
    return parse_cells(enumerate(sources, start=1))


def _honest() -> list[Path]:
    found = [ROOT / "solutions" / "autograph.ipynb"]
    for path in sorted((NOTEBOOKS / "autograph").glob("*.ipynb")):
        expect = notebook.read_node(path).metadata.get("tfgrade", {}).get("expect", {})
        if expect.get("failing") == {} and not expect.get("breaks"):
            found.append(path)
    return found


@pytest.mark.parametrize("path", _honest(), ids=lambda p: p.stem)
def test_every_honest_notebook_is_readable(path: Path) -> None:
    loaded = notebook.load(path, None)
    parsed = parse_cells((c.number, c.source) for c in loaded.cells)
    for name in GRADED:
        definitions = definitions_for(parsed, name)
        assert name in definitions.globals
        compile(definitions.source, "<definitions>", "exec")
    assert eager_switch(parsed) is None


NOTEBOOK = (
    "import timeit\nimport numpy as np, tensorflow as tf",
    "lstm_cell = tf.keras.layers.LSTMCell(100)\nunused = 3",
    "@tf.function\ndef lstm_fn(input, state):\n    return lstm_cell(input, state)",
    "input = tf.zeros([100, 100])\nlstm_fn(input, [input, input])\nfor i in range(3):\n    print(i)",
)


def test_definitions_hold_the_function_and_what_it_uses_in_notebook_order() -> None:
    found = definitions_for(cells(*NOTEBOOK), "lstm_fn")
    assert found.source.splitlines()[0] == "import tensorflow as tf"  # not timeit, not numpy
    assert "lstm_cell = tf.keras.layers.LSTMCell(100)" in found.source
    assert "unused" not in found.source and "zeros" not in found.source and "print" not in found.source
    assert found.source.index("lstm_cell =") < found.source.index("def lstm_fn")
    assert [o.cell for o in found.origins] == [1, 2, 3]


def test_the_last_binding_counts_and_eager_reads_see_the_binding_before() -> None:
    source = definitions_for(cells(
        "import tensorflow as tf\nSCALE = 1.0",
        "def f(x):\n    return x * SCALE",
        "SCALE = 3.0\ndef g(x, s=SCALE):\n    return f(x) * s",
        "SCALE = 5.0",
    ), "g").source
    assert "SCALE = 3.0" in source and "SCALE = 5.0" in source and "SCALE = 1.0" not in source


def test_a_parameter_named_like_a_builtin_or_a_global_is_not_a_dependency() -> None:
    source = definitions_for(cells(
        "import tensorflow as tf",
        "for x in range(3):\n    pass",
        "def f(x, input):\n    return [input + v for v in x]",
    ), "f").source
    assert "for x" not in source


@pytest.mark.parametrize(("extra", "words"), [
    ("for helper in [abs]:\n    pass", "`for`"),
    ("del helper", "`del`"),
    ("exec('helper = abs')", "`exec`"),
    ("globals()['helper'] = abs", "`globals`"),
    ("def reset():\n    global helper\n    helper = abs", "`global helper`"),
])
def test_a_binding_that_cannot_be_read_is_refused(extra: str, words: str) -> None:
    with pytest.raises(SourceRefused) as refused:
        definitions_for(cells("def helper(x):\n    return x", extra, "def f(x):\n    return helper(x)"), "f")
    assert words in str(refused.value) and "cell 2" in str(refused.value)


@pytest.mark.parametrize(("body", "what"), [
    ("import os\n    return x", "import os"),
    ("return sys.modules", "sys"),
    ("return x.__globals__", ".__globals__"),
    ("return type(x).__subclasses__()", ".__subclasses__"),
    ("return eval('x')", "eval"),
    ("return getattr(x, 'y')", "getattr"),
    ("return open('/proc/self/maps')", "open"),
    ("return x + len('/PROC/1')", "/PROC"),
    ("return tf.constant('autograder')", "autograder"),
    ("return x.gi_frame", ".gi_frame"),
    # where it runs: "__main__" in the notebook, not in the clean room, so a body could branch on it
    ("return x if __name__ == '__main__' else -x", "__name__"),
    ("return tf.constant(__file__)", "__file__"),
])
def test_a_body_reaching_beyond_tensorflow_is_refused_with_where(body: str, what: str) -> None:
    with pytest.raises(SourceRefused) as refused:
        definitions_for(cells("import tensorflow as tf", f"def f(x):\n    {body}"), "f")
    assert what in str(refused.value) and "cell 2, line 2" in str(refused.value)


def test_a_helper_or_constant_reaching_beyond_is_refused_too() -> None:
    with pytest.raises(SourceRefused, match="import gc"):
        definitions_for(cells("import gc as collector", "def f(x):\n    return collector"), "f")
    with pytest.raises(SourceRefused, match="sys"):
        definitions_for(cells("import tensorflow as tf\nimport sys", "K = sys", "def f(x):\n    return K"), "f")


def test_honest_layer_code_is_not_refused_and_other_cells_may_do_anything() -> None:
    found = definitions_for(cells(
        "import sys, os\nimport tensorflow as tf",
        "class Dense(tf.keras.layers.Layer):\n    def __init__(self, **kw):\n        super().__init__(**kw)\n"
        "    def __call__(self, x):\n        return tf.identity(x, name=type(self).__name__)",
        "print(sys.modules, open('/proc/self/status'))",
        "def f(x):\n    return Dense()(x)",
    ), "f")
    assert "import tensorflow as tf" in found.source and "import sys" not in found.source


def test_an_undefined_name_is_refused_as_not_defined() -> None:
    with pytest.raises(SourceRefused, match="not defined"):
        definitions_for(cells("x = 1"), "f")


@pytest.mark.parametrize(("source", "is_tf_function"), [
    ("import tensorflow as tf\n@tf.function\ndef f(x):\n    return x", True),
    ("import tensorflow as tf\n@tf.function(reduce_retracing=True)\ndef f(x):\n    return x", True),
    ("from tensorflow import function\n@function\ndef f(x):\n    return x", True),
    ("from tensorflow import function as compiled\n@compiled\ndef f(x):\n    return x", True),
    ("import tensorflow\n@tensorflow.function\ndef f(x):\n    return x", True),
    ("import tensorflow as tf\ndef g(x):\n    return x\nf = tf.function(g)", True),
    ("import tensorflow as tf\ndef g(x):\n    return x\nf = tf.function(jit_compile=True)(g)", True),
    ("import tensorflow as tf\ndef f(x):\n    return x", False),
    ("import tensorflow as tf\n@tf.function\ndef f(x):\n    return x\ndef f(x):\n    return x", False),
    ("import functools as tf\n@tf.function\ndef f(x):\n    return x", False),
    ("import tensorflow as tf\ndef g(x):\n    return x\nf = tf.function", False),
])
def test_a_tf_function_is_read_from_how_it_is_written(source: str, is_tf_function: bool) -> None:
    assert function_facts(cells(source), "f").tf_function is is_tf_function


def test_a_while_is_read_from_the_graded_body() -> None:
    loop = "import tensorflow as tf\ndef g(x):\n    while tf.reduce_sum(x) > 1:\n        x = x / 2\n    return x"
    assert function_facts(cells(loop + "\nf = tf.function(g)"), "f").has_while
    assert not function_facts(cells(loop + "\n@tf.function\ndef f(x):\n    return tf.while_loop(c, b, [x])"),
                              "f").has_while


@pytest.mark.parametrize(("line", "switched"), [
    ("tf.config.run_functions_eagerly(False)", False),
    ("tf.config.run_functions_eagerly(True)", True),
    ("tf.config.run_functions_eagerly(1 == 1)", True),
    ("tf.config.run_functions_eagerly(run_eagerly=False)", True),
    ("switch = tf.config.run_functions_eagerly", True),
    ("def debug():\n    tf.config.experimental_run_functions_eagerly(True)", True),
    ("from tensorflow.config import run_functions_eagerly as eager", True),
    ("print('run_functions_eagerly(True)')", False),
])
def test_the_eager_switch_is_found_anywhere(line: str, switched: bool) -> None:
    found = eager_switch(cells("import tensorflow as tf", line))
    assert (found is not None) is switched
    if switched:
        assert found is not None and found.cell == 2


def test_a_statement_keeps_its_decorators_however_spaced_and_its_neighbours_on_a_line_stay_out() -> None:
    found = definitions_for(cells("import tensorflow as tf; import os", "@ tf.function (jit_compile=True)\n"
                                  "@tf.function\ndef f(x):\n    return x"), "f").source
    assert found.startswith("import tensorflow as tf\n") and "import os" not in found
    assert "@ tf.function (jit_compile=True)\n@tf.function\ndef f(x):" in found
    compile(found, "<definitions>", "exec")


def test_cell_magics_that_run_code_are_read_as_that_code() -> None:
    found = definitions_for(cells("import tensorflow as tf", "%%time\ndef f(x):\n    return x"), "f")
    assert found.origins[-1].cell == 2 and found.origins[-1].line == 2


def test_the_fast_reading_of_bindings_agrees_with_the_full_walk() -> None:
    sample = (
        "for i, (a, *b) in x:\n    c = 1\nelse:\n    d = 2\n"
        "with open(p) as f, g() as (h, k):\n    pass\n"
        "try:\n    import numpy as np\nexcept ValueError as e:\n    m = 3\nfinally:\n    del n\n"
        "while x:\n    if y:\n        o: int = 4\n    q += 1\n"
        "class C(B):\n    r = 5\n"
        "@dec\ndef s(t=1):\n    u = 6\n"
        "v.w = z[0] = 7\n[aa for bb in cc]\nlambda dd: dd\n"
    )
    statements = list(ast.parse(sample).body)
    for path in _honest():
        statements += [s for c in notebook.load(path, None).cells if (t := _tree(c.source)) for s in t.body]
    for statement in statements:
        assert statement_bindings(statement, walrus=False) == bound_names([statement]), ast.unparse(statement)


def _tree(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None
