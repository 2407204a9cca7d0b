"""The allowlists for student artifacts, on real graphs and real Keras configs."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from autograder.wire import artifacts, graph_export
from tests.runner_side.test_runner_process import count_halvings

SPEC = tf.TensorSpec([None], tf.float32)


def frozen(fn, *specs) -> tf.compat.v1.GraphDef:
    """What the student's process exports: the traced function, frozen, as a parsed GraphDef."""
    concrete = tf.function(fn).get_concrete_function(*specs)
    return convert_variables_to_constants_v2(concrete, lower_control_flow=False).graph.as_graph_def()


def halvings(x):
    count = tf.constant(0)
    while tf.reduce_sum(x) > 1:
        x = x / 2
        count += 1
    return count


def test_an_autograph_loop_is_allowed_and_found_in_the_library():
    ops = artifacts.graph_ops(frozen(halvings, SPEC))
    assert ops.refused == ()
    assert ops.all_ops & artifacts.WHILE_OPS
    assert "Greater" in ops.nested_ops, "the loop's condition lives in the function library"


def test_an_unrolled_python_loop_has_no_while_op():
    def unrolled(x):
        count = tf.constant(0)
        for _ in range(3):
            if tf.reduce_sum(x) > 1:
                x, count = x / 2, count + 1
        return count

    ops = artifacts.graph_ops(frozen(unrolled, SPEC))
    assert not ops.all_ops & artifacts.WHILE_OPS
    assert ops.all_ops & artifacts.IF_OPS


def test_py_function_is_refused_even_inside_a_loop_body():
    def sneaky(x):
        while tf.reduce_sum(x) > 1:
            x = tf.ensure_shape(tf.py_function(lambda v: v / 2, [x], tf.float32), [None])
        return x

    assert "EagerPyFunc" in artifacts.graph_ops(frozen(sneaky, SPEC)).refused


def test_file_ops_are_refused():
    def reads(x):
        return tf.strings.length(tf.io.read_file("/etc/hostname")) + tf.cast(tf.reduce_sum(x), tf.int32)

    assert "ReadFile" in artifacts.graph_ops(frozen(reads, SPEC)).refused


def test_print_is_allowed_to_stderr_but_not_to_a_file():
    def prints(x):
        tf.print(x)
        return x

    def prints_to_file(x):
        tf.print(x, output_stream="file:///tmp/leak.txt")
        return x

    assert artifacts.graph_ops(frozen(prints, SPEC)).refused == ()
    assert artifacts.graph_ops(frozen(prints_to_file, SPEC)).refused == ("PrintV2 to file:///tmp/leak.txt",)


def test_an_lstm_step_freezes_to_allowed_ops_only():
    cell = keras.layers.LSTMCell(8)
    spec = tf.TensorSpec([2, 8], tf.float32)
    ops = artifacts.graph_ops(frozen(lambda x, s: cell(x, s), spec, [spec, spec]))
    assert ops.refused == ()
    assert "MatMul" in ops.all_ops


# --- Keras configs -----------------------------------------------------------------------------


def saved_config(model: keras.Model, tmp_path: Path) -> dict:
    model.save(tmp_path / "m.keras")
    return json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))


def test_a_model_of_built_in_layers_is_accepted(tmp_path):
    tokens = keras.Input((None,), dtype="int32")
    pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(10, 4)(tokens))
    model = keras.Model(tokens, keras.layers.Dense(1, activation="sigmoid", kernel_regularizer="l2")(pooled))
    assert artifacts.refused_objects(saved_config(model, tmp_path)) == []


def test_a_lambda_layer_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x * 2)])
    assert "Lambda" in artifacts.refused_objects(saved_config(model, tmp_path))


def test_a_custom_class_is_refused(tmp_path):
    @keras.saving.register_keras_serializable(package="course")
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return x * 2

    model = keras.Sequential([keras.Input((3,)), Doubler()])
    refused = artifacts.refused_objects(saved_config(model, tmp_path))
    assert refused and all("Doubler" in r for r in refused)


def test_a_lookalike_subclass_of_a_built_in_layer_is_refused(tmp_path):
    class Dense(keras.layers.Dense):
        def call(self, inputs):
            return super().call(inputs) + 1.0

    Dense.__module__ = "__main__"  # as when defined in a notebook cell
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), Dense(1)])
    assert artifacts.refused_objects(saved_config(model, tmp_path)) == ["Dense (a class defined in the notebook)"]


def test_a_hand_written_config_naming_another_module_is_refused():
    config = {"module": "keras.layers", "class_name": "Dense",
              "config": {"kernel_initializer": {"module": "os", "class_name": "system", "config": {}}}}
    assert artifacts.refused_objects(config) == ["system (from os)"]


def test_a_config_nested_without_end_is_refused_not_a_crash():
    config: dict = {"class_name": "Dense"}
    for _ in range(artifacts.MAX_CONFIG_DEPTH + 5):
        config = {"inner": config}
    try:
        artifacts.refused_objects(config)
    except ValueError as exc:
        assert "nested too deeply" in str(exc)
    else:
        raise AssertionError("a config nested past the limit must be refused")


def test_numbers_in_configs_are_not_objects():
    assert artifacts.refused_objects({"units": 3, "shape": [None, 2], "values": np.arange(2).tolist()}) == []


# --- variables, kept as variables ------------------------------------------------------------


def traced(fn, *specs) -> tuple[tf.compat.v1.GraphDef, frozenset[str]]:
    """What the grader exports: the graph as traced, and its variables' placeholder nodes."""
    artifact = graph_export.export(fn.get_concrete_function(*specs))
    graph_def = tf.compat.v1.GraphDef.FromString(artifact.graph)
    return graph_def, frozenset(c.placeholder.split(":")[0] for c in artifact.captures if c.kind == "variable")


def test_variable_ops_are_allowed_on_the_graphs_own_variables_only():
    graph_def, variables = traced(count_halvings, SPEC)
    ops = artifacts.graph_ops(graph_def, variables)
    assert ops.refused == () and {"AssignVariableOp", "AssignAddVariableOp", "ReadVariableOp"} <= ops.all_ops
    unwired = artifacts.graph_ops(graph_def)
    assert unwired.refused == ("Placeholder of a resource that is not one of the graph's variables",)


def test_a_variable_the_graph_makes_by_name_is_refused():
    @tf.function
    def shared(x):
        handle = tf.raw_ops.VarHandleOp(dtype=tf.float32, shape=[], shared_name="someone_elses")
        return x + tf.raw_ops.ReadVariableOp(resource=handle, dtype=tf.float32)

    graph_def, variables = traced(shared, SPEC)
    assert "VarHandleOp" in artifacts.graph_ops(graph_def, variables).refused


def test_a_constant_that_holds_a_resource_handle_is_refused():
    graph_def = tf.compat.v1.GraphDef()
    node = graph_def.node.add(name="handle", op="Const")
    node.attr["dtype"].type = artifacts.DT_RESOURCE
    node.attr["value"].tensor.dtype = artifacts.DT_RESOURCE
    graph_def.node.add(name="read", op="ReadVariableOp", input=["handle"]).attr["dtype"].type = 1
    assert artifacts.graph_ops(graph_def).refused == ("Const of a resource that is not one of the graph's variables",)


# --- names resolve as TensorFlow resolves them ------------------------------------------------


def shadowing_graph(name: str) -> tf.compat.v1.GraphDef:
    """A handcrafted graph whose library holds a harmless function called ``name``, and a node calling it."""
    graph_def = tf.compat.v1.GraphDef()
    function = graph_def.library.function.add()
    function.signature.name = name
    function.signature.input_arg.add(name="x", type=tf.string.as_datatype_enum)
    function.signature.output_arg.add(name="y", type=tf.string.as_datatype_enum)
    function.node_def.add(name="same", op="Identity", input=["x"]).attr["T"].type = tf.string.as_datatype_enum
    function.ret["y"] = "same:output:0"
    path = graph_def.node.add(name="path", op="Placeholder")
    path.attr["dtype"].type = tf.string.as_datatype_enum
    graph_def.node.add(name="call", op=name, input=["path"])
    return graph_def


def test_a_library_function_named_like_a_registered_op_is_refused_not_taken_for_a_call():
    refused = artifacts.graph_ops(shadowing_graph("ReadFile")).refused
    # TensorFlow runs the registered op, not the library's function: the node really reads a file.
    assert refused == ("ReadFile", "ReadFile (a library function with the name of a TensorFlow op)")


@pytest.mark.parametrize("name", ["__inference_same_12", "__inference_" + "long_" * 40 + "12"])
def test_a_library_function_with_a_name_of_its_own_is_a_call(name):
    graph_def = shadowing_graph(name)
    call = graph_def.node.add(name="called", op="StatefulPartitionedCall", input=["path"])
    call.attr["f"].func.name = name
    assert artifacts.graph_ops(graph_def).refused == ()


def test_a_call_attribute_must_name_a_function_of_the_library():
    graph_def = tf.compat.v1.GraphDef()
    path = graph_def.node.add(name="path", op="Placeholder")
    path.attr["dtype"].type = tf.string.as_datatype_enum
    call = graph_def.node.add(name="call", op="StatefulPartitionedCall", input=["path"])
    call.attr["f"].func.name = "ReadFile"  # TensorFlow would run the op itself as a function
    assert artifacts.graph_ops(graph_def).refused == ("ReadFile (called by StatefulPartitionedCall, not a function "
                                                      "of the graph)",)


def test_names_resolve_against_tensorflows_registry():
    assert artifacts.registered_op("ReadFile") and artifacts.registered_op("AddV2")
    assert not artifacts.registered_op("__inference_same_12")
