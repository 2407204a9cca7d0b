"""Write the provenance attacks of issue 19: notebooks whose process hands over a graph it chose.

Each is the autograph solution with one honest difference (what it scores) and a cell that patches
the student process's request handlers to hand over a chosen graph, as an exporter would have. The
grader reads how functions are written from the source and traces them in its clean room, so each
must score exactly its honest part. Rerun from the repository root:

    .venv/bin/python tests/notebooks/attacks/autograph/make_provenance_attacks.py
"""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
_SPEC = importlib.util.spec_from_file_location("make_corpus", ROOT / "tests/notebooks/autograph/make_corpus.py")
assert _SPEC is not None and _SPEC.loader is not None
mc = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(mc)
OUT = Path(__file__).resolve().parent

FIND_HANDLERS = '''import gc
import sys


def tfgrade_handlers():
    """The student process's request handlers, found the way an attacker would: in loaded modules."""
    candidates = [getattr(m, "HANDLERS", None) for m in list(sys.modules.values())] + gc.get_objects()
    for obj in candidates:
        if isinstance(obj, dict) and "call" in obj and "describe" in obj and callable(obj.get("call")):
            return obj
    raise RuntimeError("no handlers found")


handlers = tfgrade_handlers()
honest = dict(handlers)
'''

FREEZE = '''

def frozen(fn, specs):
    """What an exporter hands over: the graph of ``fn`` for these specs, frozen, as bytes and tensor names."""
    import numpy as np
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    def spec(s):
        return [spec(t) for t in s] if isinstance(s, list) else tf.TensorSpec(s["shape"], s["dtype"])

    graph = convert_variables_to_constants_v2(fn.get_concrete_function(*[spec(s) for s in specs]),
                                              lower_control_flow=False)
    return {"graph": np.frombuffer(graph.graph.as_graph_def().SerializeToString(), np.uint8),
            "inputs": [t.name for t in graph.inputs], "outputs": [t.name for t in graph.outputs]}
'''

replaced = mc.notebook(
    mc.replace("q1-answer", "@tf.function\ndef simple_nn", "def simple_nn"),
    about="Attack: `simple_nn` is a plain eager function (no `@tf.function`: worth 10.5 of 11), and a cell replaces "
          "the student process's exporter so that it hands over the graph of `tf.function(simple_nn)` and claims "
          "a tf.function. The grader reads how `simple_nn` is written and traces it itself: the claim and the "
          "handed-over graph are never asked for.",
    expect={"failing": {"simple_nn_is_tf_function": "is a plain Python function, not a tf.function"}},
    after={"q4-answer": [FIND_HANDLERS + FREEZE + '''

def replaced_exporter(request, arrays, ns):
    fn = ns[str(request["name"])]
    compiled = fn if hasattr(fn, "get_concrete_function") else tf.function(fn)
    return frozen(compiled, request.get("specs") or [{"shape": [None, None], "dtype": "float32"}])


def claim_tf_function(request, arrays, ns):
    answer = honest["describe"](request, arrays, ns)
    return {**answer, "is_python_function": False, "type": "PolymorphicFunction"} if answer.get("defined") else answer


handlers["export_function"] = replaced_exporter
handlers["describe"] = claim_tf_function
print("exporter replaced:", sorted(handlers))
''']},
)

LEAN = '''@tf.function
def lstm_fn(input, state):
    output, new_state = lstm_cell(input, state)
    h, s = output, new_state
    for _ in range(24):  # 24 more steps, each on the last one's output and state: 25 times the work
        h, s = lstm_cell(h, s)
    # The extra steps change nothing (h - 1e9 is always below output), but the graph must compute them.
    return tf.maximum(output, h - 1e9), new_state'''
lean = mc.notebook(
    {"q3-answer": LEAN},
    about="Attack: `lstm_fn` is a tf.function that really does 25 LSTM steps for one (right values, slow graph: "
          "worth 10 of 11), and a cell makes the student's process hand over the graph of a lean one-step "
          "function instead. The grader traces `lstm_fn` from its own definition and times that graph. "
          "(Nine steps were not enough: a graph's per-call cost is mostly fixed, and nine steps still ran "
          "about 1.2x as fast as one eager step, too near the 1.5x bar to fail the same way on every run.)",
    expect={"failing": {"lstm_fn_graph_is_faster_than_eager": "as fast as the eager"}},
    after={"q4-answer": [FIND_HANDLERS + FREEZE + '''

lean_step = tf.function(lambda input, state: lstm_cell(input, state))


def lean_exporter(request, arrays, ns):
    if request.get("name") == "lstm_fn":
        return frozen(lean_step, request["specs"])
    return frozen(ns[str(request["name"])], request.get("specs") or [{"shape": [None], "dtype": "float32"}])


handlers["export_function"] = lean_exporter
print("lean graph swapped in for lstm_fn")
''']},
)

EAGER = "uses `tf.config.run_functions_eagerly` with something other than `False`"
toggle = mc.notebook(
    mc.replace("imports", "import tensorflow as tf",
               "import tensorflow as tf\n\ntf.config.run_functions_eagerly(True)"),
    about="Attack: every tf.function runs eagerly (`run_functions_eagerly(True)` from the first cell: the graph checks "
          "are worth nothing, 7.5 of 11), and the student process's exporter switches eager mode off only while it "
          "exports, then on again. The grader reads the switch in the source and never asks the process for a graph.",
    expect={"failing": {c: EAGER for c in ("simple_nn_is_tf_function", "count_halvings_converts_to_graph_loop",
                                           "lstm_fn_graph_is_faster_than_eager", "scaled_sum_traces_once")}},
    after={"q4-answer": [FIND_HANDLERS + FREEZE + '''

def graph_only_while_exporting(request, arrays, ns):
    tf.config.run_functions_eagerly(False)
    try:
        return frozen(ns[str(request["name"])], request.get("specs") or [{"shape": [None], "dtype": "float32"}])
    finally:
        tf.config.run_functions_eagerly(True)


handlers["export_function"] = graph_only_while_exporting
print("functions run eagerly:", tf.config.functions_run_eagerly())
''']},
)

if __name__ == "__main__":
    written = {"replaced-exporter": replaced, "lean-graph-swap": lean, "eager-toggle-around-export": toggle}
    for name, nb in written.items():
        (OUT / f"{name}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(written)} notebooks to {OUT.relative_to(ROOT)}")
