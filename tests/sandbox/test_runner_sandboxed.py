"""The grader's runner in its real sandbox, started as a grading starts it, with a graph that holds
variables and prints: the variables are recreated there, and its output is drained as the grader
drains it (a pipe nobody reads would block the runner after 64 KiB)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from autograder.check_side import runner
from autograder.core import assignment
from autograder.grading import capped_reader, execution
from autograder.sandbox import launcher as sandbox
from autograder.wire import graph_export
from tests.runner_side.test_runner_process import count_and_print

if not sandbox.detect().isolated:
    pytest.skip("needs the sandbox, which is off", allow_module_level=True)

pytestmark = pytest.mark.slow

TOTAL = tf.Variable(10.0)


@tf.function
def accumulate(x):
    for value in tf.unstack(x):
        TOTAL.assign_add(value)
    tf.print("total", TOTAL)
    return TOTAL.read_value()


@pytest.fixture
def sandboxed_runner(tmp_path: Path) -> Iterator[tuple[runner.Runner, capped_reader.CappedReader]]:
    limits = assignment.load("autograph").limits
    resources = sandbox.Resources(limits.memory_bytes, limits.processes, limits.tmp_bytes)
    ours, theirs = socket.socketpair()
    with theirs:
        launcher = sandbox.detect().with_programs(execution.PROGRAMS)
        started = execution._start_helper(launcher, execution.RUNNER, tmp_path, theirs,
                                          execution._child_env("/tmp"), resources, limits)
    try:  # whatever fails from here on, the job is stopped: a leftover runner fails later tests
        output = capped_reader.CappedReader(started.stdout, execution.HELPER_OUTPUT_BYTES)
        yield runner.Runner(ours, None), output
    finally:
        ours.close()
        started.stop()


def test_stateful_graphs_that_print_run_in_the_sandboxed_runner(sandboxed_runner) -> None:
    handle, output = sandboxed_runner
    spec = tf.TensorSpec([None], tf.float32)
    counter = handle.load_graph(graph_export.export(count_and_print.get_concrete_function(spec)), "count_and_print")
    for run_number in range(250):  # about 20 printed lines a run, some 200 KB in all
        (count,) = handle.run_graph(counter, np.array([1.0e6, float(run_number)], np.float32))
        assert int(count) == int(np.ceil(np.log2(1.0e6 + run_number))), run_number
    pair = tf.TensorSpec([2], tf.float32)
    totals = handle.load_graph(graph_export.export(accumulate.get_concrete_function(pair)), "accumulate")
    for _ in range(3):  # every run starts from the exported totals
        assert float(handle.run_graph(totals, np.array([1.0, 2.0], np.float32))[0]) == 13.0
    assert "halved to" in output.text(timeout=0.5) and output.truncated
