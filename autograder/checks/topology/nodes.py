"""A model's structure as data: calls (:class:`Node`) of layers (:class:`Layer`), and what counts as the same layer.

:mod:`autograder.checks.topology.graph` reads a description into these; the canonical form
(:mod:`autograder.checks.topology.canonical`) and the matching read them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autograder.errors import TfgradeError

COMMUTATIVE = frozenset({"Add", "Multiply", "Average", "Maximum", "Minimum"})
MERGE_VERBS = {  # layer kind -> (what it should do, what yours does)
    "Add": ("add", "adds"),
    "Subtract": ("subtract", "subtracts"),
    "Multiply": ("multiply", "multiplies"),
    "Average": ("average", "averages"),
    "Maximum": ("take the maximum of", "takes the maximum of"),
    "Minimum": ("take the minimum of", "takes the minimum of"),
    "Concatenate": ("concatenate", "concatenates"),
}
ACTIVATION_OPS = {  # keras.ops / keras.activations called on Keras tensors -> activation name
    "Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh", "Silu": "silu",
    "Softplus": "softplus", "Softsign": "softsign", "Selu": "selu",
}
OP_MODULES = ("keras.src.ops", "keras.src.activations")
IGNORED_KEYS = frozenset({"name", "trainable", "dtype", "seed", "quantization_config", "registered_name"})
IGNORED_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
IGNORED_CALL_KWARGS = frozenset({"mask", "training"})
SHOWN_FIRST = ("units", "filters", "kernel_size", "input_dim", "output_dim", "rate", "activation", "axis")
HIDDEN_DEFAULTS = {
    "activation": "linear", "use_bias": True, "mask_zero": False, "data_format": "channels_last",
    "keepdims": False, "axis": -1, "padding": "valid", "sparse": False,
}
MODEL_KINDS = frozenset({"Functional", "Sequential", "Model"})

NodeId = tuple[str, int]
"""A layer call: (layer name, index of the call among that layer's calls in this model)."""


class TopologyError(TfgradeError, ValueError):
    """A model description that cannot be read as a graph of layers."""


@dataclass(frozen=True)
class Ref:
    """A tensor: output ``tensor`` of layer call ``node``."""

    node: NodeId
    tensor: int = 0


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str
    """Class name, with spellings of the same thing merged (``ReLU`` -> ``Activation``)."""
    config: tuple[tuple[str, str], ...]
    """The config that matters, as (key, JSON text) pairs sorted by key."""
    params: int | None
    """Parameter count; None when unknown (layers inside a nested model)."""
    calls: int

    @property
    def has_weights(self) -> bool:
        return self.params is None or self.params > 0

    @property
    def is_tracked(self) -> bool:
        """Whether which layer object this is matters to the structure: one with weights, or one
        called more than once in this model (a shared layer, even without weights: one pooling layer
        called on two inputs is not two pooling layers)."""
        return self.kind != "Input" and (self.has_weights or self.calls > 1)

    def setting(self, key: str) -> Any:
        return next((json.loads(v) for k, v in self.config if k == key), None)


@dataclass(frozen=True)
class Node:
    id: NodeId
    layer: str
    inputs: tuple[Ref, ...] = ()
    consts: tuple[str, ...] = ()
    """Non-tensor arguments of the call (e.g. the 2.0 of ``x * 2.0``), as JSON text."""
    model_input: int | None = None
    """For an Input: which of the model's inputs it is."""


@dataclass(frozen=True)
class Spec:
    shape: tuple[int | None, ...]
    dtype: str

    @property
    def shape_text(self) -> str:
        dims = ", ".join("None" if d is None else str(d) for d in self.shape)
        return f"({dims},)" if len(self.shape) == 1 else f"({dims})"


@dataclass(frozen=True)
class Topology:
    layers: Mapping[str, Layer]
    nodes: Mapping[NodeId, Node]
    outputs: tuple[Ref, ...]
    inputs: tuple[Spec, ...] = ()
    output_specs: tuple[Spec, ...] = ()
    output_names: tuple[str, ...] = ()
    count_params: int = 0
    built: bool = True
    input_count: int = field(default=0)

    @property
    def output_count(self) -> int:
        return len(self.output_specs) if self.output_specs else len(self.outputs)
