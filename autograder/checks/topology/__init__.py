"""Model topology compared by structure, not by names: what the student built vs. a reference.

Both sides are described as the same JSON: :func:`describe` makes it here, for a reference model
built on the trusted side, and the grader's runner makes it for the student's model, loaded from
the ``.keras`` archive the student's process saved (Keras 3 ``model.get_config()`` plus inputs,
outputs and parameter counts). :func:`parse` turns a
description into a :class:`Topology`, a graph of layer calls (nodes) joined by tensors.

* :func:`signature` gives a canonical, JSON-able form: two models with the same structure have
  equal signatures, whatever their layer names and the order their layers were created in.
* :func:`expect_same_topology` walks both graphs side by side from the outputs and raises
  :class:`~autograder.check_side.student.CheckFailure` at the first difference, in the student's words
  ("Embedding should be ONE shared layer called 2 times; yours is not shared ...").
* :func:`copy_weights` then gives the reference the student's weights, so the two models'
  outputs can be compared on fresh inputs.

What counts as "the same":

* layer classes and their key config (units, activation, input_dim, ...); names only where a
  check asks for them (e.g. an output called ``prediction_a``);
* wiring: which layer call feeds which. Commutative merges (Add, Multiply, Average, Maximum,
  Minimum) ignore the order of their inputs; Concatenate, Subtract and the rest do not;
* sharing: a layer called several times in *this* model is shared, with weights or without (one
  pooling layer called on two inputs is not two pooling layers: the signature and the walk see
  which layer object each call uses when the layer has weights or more than one call);
* spellings of the same computation: ``Dense(n)`` followed only by an activation equals
  ``Dense(n, activation=...)``; ``Activation("relu")``, ``ReLU()``, ``keras.ops.relu`` and
  ``keras.activations.relu`` are one thing; so are ``x + y`` and ``keras.layers.Add()([x, y])``.

Layers of a nested model are compared as one block (its own signature), not inlined.

The sentences a student reads are in :mod:`autograder.messages`; the parts this module fills into
them (a layer described as ``Dense(units=1)``, the verbs of :data:`MERGE_VERBS`, lists of names) are
built here, with the comparison.
"""

from __future__ import annotations

from autograder.checks.topology.graph import parse
from autograder.checks.topology.matching import expect_same_interface, expect_same_topology
from autograder.checks.topology.models import copy_weights, describe, describe_student_model, load_student_model
from autograder.checks.topology.nodes import MERGE_VERBS, Layer, Node, Ref, Spec, Topology, TopologyError
from autograder.checks.topology.signature import signature

__all__ = [
    "MERGE_VERBS",
    "Layer",
    "Node",
    "Ref",
    "Spec",
    "Topology",
    "TopologyError",
    "copy_weights",
    "describe",
    "describe_student_model",
    "expect_same_interface",
    "expect_same_topology",
    "load_student_model",
    "parse",
    "signature",
]
