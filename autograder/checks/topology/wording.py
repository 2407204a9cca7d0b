"""How the parts of a topology are named in the student's messages: a layer as ``Dense(units=1)``, a value,
an input or output of the model, a list of names, the settings two layers differ in.

The sentences themselves are in :mod:`autograder.messages`; :mod:`autograder.checks.topology.matching`
fills these parts into them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from autograder import messages
from autograder.checks.topology.nodes import HIDDEN_DEFAULTS, SHOWN_FIRST, Layer, Node, Topology


def config_differences(e: Layer, a: Layer) -> list[tuple[str, Any, Any]]:
    e_config, a_config = dict(e.config), dict(a.config)
    keys = sorted(set(e_config) | set(a_config), key=_shown_order)
    return [
        (k, _loads(e_config.get(k)), _loads(a_config.get(k))) for k in keys if e_config.get(k) != a_config.get(k)
    ]


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _shown_order(key: str) -> tuple[int, str]:
    return (SHOWN_FIRST.index(key) if key in SHOWN_FIRST else len(SHOWN_FIRST), key)


def layer_text(layer: Layer) -> str:
    """How a layer is named in messages, e.g. ``Dense(units=1, activation='sigmoid')``."""
    if layer.kind == "Input":
        return messages.AN_INPUT.format()
    if layer.kind == "Model":
        return messages.A_NESTED_MODEL.format()
    if layer.kind == "Activation":
        return f"Activation({shown_value(layer.setting('activation'))})"
    shown = []
    for key in sorted((k for k, _ in layer.config), key=_shown_order):
        value = layer.setting(key)
        if value is not None and HIDDEN_DEFAULTS.get(key, object()) != value:
            shown.append(f"{key}={shown_value(value)}")
    return f"{layer.kind}({', '.join(shown)})"


def shown_value(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "(" + ", ".join(shown_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return json.dumps(value)


def consts_text(node: Node) -> str:
    return ", ".join(shown_value(json.loads(c)) for c in node.consts) or messages.NO_EXTRA_ARGUMENTS.format()


def input_label(count: int, index: int) -> str:
    return messages.THE_MODELS_INPUT.format() if count == 1 else messages.INPUT_NUMBER.format(number=index + 1)


def output_label(graph: Topology, index: int, names: frozenset[str]) -> str:
    if graph.output_count == 1:
        return messages.THE_MODELS_OUTPUT.format()
    name = graph.output_names[index] if index < len(graph.output_names) else ""
    if name in names:
        return messages.OUTPUT_CALLED.format(name=name)
    return messages.OUTPUT_NUMBER.format(number=index + 1)


def joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def listing(names: Iterable[str]) -> str:
    return "[" + ", ".join(names) + "]"
