"""A model's signature: the canonical form of its parsed graph, with the layer names that were asked for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from autograder.checks.topology.canonical import canonical
from autograder.checks.topology.graph import parse


def signature(info: Mapping[str, Any], *, names: Iterable[str] = ()) -> dict[str, Any]:
    """A canonical, JSON-able form of a model's structure: equal for models built alike.

    Layer names are left out except those in ``names``; node and layer ids come from a walk from
    the outputs, so they do not depend on the order the layers were created in.
    """
    return canonical(parse(info), frozenset(names))
