"""The grader's clean room, in process: definitions in, an exported graph (or whose failure it is) out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

from autograder.runner_side import clean_room, runner_process
from autograder.wire import protocol
from autograder.wire.graph_export import GraphArtifact

SOURCE = '''import tensorflow as tf

dense = tf.keras.layers.Dense(2)


@tf.function
def count_halvings(x):
    count = tf.constant(0)
    while tf.reduce_sum(x) > 1:
        x = x / 2
        count += 1
    return count


@tf.function
def project(x):
    return dense(x)


def plain(x):
    return x


@tf.function
def broken(x):
    return x + not_defined_anywhere
'''
VECTOR = {"shape": [None], "dtype": "float32"}


@pytest.fixture(autouse=True)
def work_folder(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The clean room writes the definitions it executes to its working folder."""
    monkeypatch.chdir(tmp_path)


def trace(name: str, specs: list[Any], weights: dict[str, list[np.ndarray]] | None = None) -> dict[str, Any]:
    arrays: list[np.ndarray] = []
    request = {"op": "trace", "source": SOURCE, "name": name, "specs": specs,
               "weights": protocol.encode_plain(weights or {}, arrays)}
    reply, out = clean_room.answer(request, arrays)
    return {**reply, "artifact": GraphArtifact.decode(reply["result"], out) if reply["ok"] else None}


def run(artifact: Any, *inputs: np.ndarray) -> list[np.ndarray]:
    loaded: dict[int, Any] = {}
    arrays: list[np.ndarray] = []
    request = {"op": "load_graph", "artifact": artifact.encode(arrays)}
    reply, out = runner_process._answer(request, arrays, loaded)
    handle = protocol.decode_value(reply["result"], out)["handle"]
    arrays = []
    request = {"op": "run_graph", "handle": handle, "inputs": [protocol.encode_plain(x, arrays) for x in inputs]}
    reply, out = runner_process._answer(request, arrays, loaded)
    return [v.array for v in protocol.decode_value(reply["result"], out)]


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_loop_written_as_a_python_while_leaves_as_a_graph_that_counts() -> None:
    reply = trace("count_halvings", [VECTOR])
    assert reply["ok"], reply
    [count] = run(reply["artifact"], np.array([3.0e38], np.float32))
    assert int(count) == 128  # 3e38 / 2**128 is about 0.88


def test_globals_hold_the_students_weights_after_the_first_trace() -> None:
    kernel, bias = np.arange(6, dtype=np.float32).reshape(3, 2), np.array([1.0, -1.0], np.float32)
    reply = trace("project", [{"shape": [None, 3], "dtype": "float32"}], {"dense": [kernel, bias]})
    x = np.ones((1, 3), np.float32)
    [got] = run(reply["artifact"], x)
    np.testing.assert_allclose(got, x @ kernel + bias)


@pytest.mark.parametrize(("name", "kind", "words"), [
    ("plain", "not_tf_function", "function"),
    ("broken", "raised", "NameError"),
    ("absent", "not_tf_function", "not defined"),
])
def test_a_failure_says_whose_it_is(name: str, kind: str, words: str) -> None:
    reply = trace(name, [VECTOR])
    assert not reply["ok"] and reply["kind"] == kind and words in reply["error"]


def test_weights_that_do_not_fit_are_the_notebooks_not_the_students_code() -> None:
    reply = trace("project", [{"shape": [None, 3], "dtype": "float32"}], {"dense": [np.ones((5, 5), np.float32)]})
    assert reply["kind"] == "weights" and reply["error"].startswith("dense: ")


def test_a_failing_export_is_the_graders_never_the_students(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(concrete: Any) -> Any:
        raise ValueError("Input 0 of node AssignVariableOp was passed int32")

    monkeypatch.setattr(clean_room, "export", fails)
    reply = trace("count_halvings", [VECTOR])
    assert reply["kind"] == "grader" and "AssignVariableOp" in reply["error"]


def _ask(sock: socket.socket, request: dict[str, Any]) -> dict[str, Any]:
    protocol.send_message(sock, {**request, "id": "r"}, [])
    reply, out = protocol.recv_message(sock, max_bytes=1 << 26, deadline=time.monotonic() + 120)
    assert reply["id"] == "r"
    return {**reply, "artifact": GraphArtifact.decode(reply["result"], out) if reply["ok"] else None}


SEEDED = """import tensorflow as tf

state = tf.Variable(tf.random.uniform([3]))


@tf.function
def f(x):
    return x + state
"""


@pytest.mark.slow  # a fresh Python with TensorFlow, forking its worker
def test_a_failed_or_stuck_trace_never_reaches_the_next_and_every_request_is_seeded_alike(tmp_path: Any) -> None:
    ours, theirs = socket.socketpair()
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder.runner_side.clean_room", "--fd", str(theirs.fileno()), "--seed", "1",
         "--trace-seconds", "20"], pass_fds=[theirs.fileno()], cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""})
    theirs.close()
    try:
        patch = "import tensorflow as tf\ntf.function = lambda f: f\n@tf.function\ndef f(x):\n    return x"
        assert _ask(ours, {"op": "trace", "source": patch, "name": "f", "specs": [VECTOR]})["kind"] == "not_tf_function"
        assert _ask(ours, {"op": "trace", "source": SOURCE, "name": "count_halvings", "specs": [VECTOR]})["ok"]
        first = _ask(ours, {"op": "trace", "source": SEEDED, "name": "f", "specs": [VECTOR]})
        again = _ask(ours, {"op": "trace", "source": SEEDED, "name": "f", "specs": [VECTOR]})
        assert first["ok"] and again["ok"]
        np.testing.assert_array_equal(first["artifact"].captures[0].value, again["artifact"].captures[0].value)
        stuck = "import tensorflow as tf\nwhile True:\n    pass"
        reply = _ask(ours, {"op": "trace", "source": stuck, "name": "f", "specs": [VECTOR]})
        assert reply["kind"] == "raised" and "did not finish within 20 s" in reply["error"]
        assert _ask(ours, {"op": "trace", "source": SOURCE, "name": "count_halvings", "specs": [VECTOR]})["ok"]
    finally:
        ours.close()
        process.wait(30)


def test_a_malformed_request_is_the_graders() -> None:
    reply, _ = clean_room.answer({"op": "trace", "source": SOURCE, "name": "count_halvings",
                                  "specs": [{"shape": [None]}]}, [])
    assert reply["kind"] == "grader" and "malformed" in reply["error"]
    assert clean_room.answer({"op": "trace", "name": "f"}, [])[0]["kind"] == "grader"
