"""Walking two topologies side by side from the outputs; the first difference, in the student's words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from autograder import messages
from autograder.check_side.student import CheckFailure, student_text
from autograder.checks.topology.canonical import Hasher
from autograder.checks.topology.graph import _spec, parse
from autograder.checks.topology.nodes import (
    COMMUTATIVE,
    MERGE_VERBS,
    Node,
    NodeId,
    Ref,
    Spec,
    Topology,
    TopologyError,
)
from autograder.checks.topology.wording import (
    config_differences,
    consts_text,
    input_label,
    joined,
    layer_text,
    listing,
    output_label,
    shown_value,
)

# --- comparing with a reference ------------------------------------------------------------------


class _Difference(Exception):
    """The first difference found; the message completes "<what>: ..."."""


def expect_same_topology(
    actual_info: Mapping[str, Any],
    expected_info: Mapping[str, Any],
    *,
    what: str,
    check_names: Iterable[str] = (),
) -> dict[str, str]:
    """Raise :class:`CheckFailure` naming the first way the student's model differs from the reference.

    ``actual_info`` comes from :func:`load_student_model`, ``expected_info`` from
    :func:`describe` of a reference built in the check. ``check_names`` lists the reference's
    layer and output names the student must use too. Returns which student layer plays each
    reference layer (reference name -> student name), for :func:`copy_weights`.
    """
    expected = parse(expected_info)
    try:
        actual = parse(actual_info)
    except TopologyError as exc:
        raise CheckFailure(student_text(messages.TOPOLOGY_UNREADABLE.format(what=what, error=exc), 1000)) from None
    names = frozenset(check_names)
    try:
        _expect_interface(actual, expected, names)
        pairs = _Matcher(actual, expected, names).run()
        _expect_parameter_count(actual, expected)
    except _Difference as diff:
        raise CheckFailure(student_text(f"{what}: {diff}", 1000)) from None
    except RecursionError:
        raise CheckFailure(messages.TOPOLOGY_TOO_DEEP.format(what=what)) from None
    return pairs


def expect_same_interface(
    actual_info: Mapping[str, Any], expected_info: Mapping[str, Any], *, what: str, check_names: Iterable[str] = ()
) -> None:
    """Like :func:`expect_same_topology`, but only the inputs and outputs (count, shape, dtype and
    the names in ``check_names``). ``expected_info`` needs only ``inputs``, ``outputs`` and
    ``output_names``, so a public check can write it by hand."""
    try:
        actual, expected = _interface_only(actual_info), _interface_only(expected_info)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckFailure(student_text(messages.INTERFACE_UNREADABLE.format(what=what, error=exc))) from None
    try:
        _expect_interface(actual, expected, frozenset(check_names))
    except _Difference as diff:
        raise CheckFailure(student_text(f"{what}: {diff}", 1000)) from None


def _interface_only(info: Mapping[str, Any]) -> Topology:
    return Topology(
        layers={}, nodes={}, outputs=(),
        inputs=tuple(_spec(s) for s in info.get("inputs") or []),
        output_specs=tuple(_spec(s) for s in info.get("outputs") or []),
        output_names=tuple(str(n) for n in info.get("output_names") or []),
    )


def _expect_interface(actual: Topology, expected: Topology, names: frozenset[str]) -> None:
    if expected.inputs and not actual.inputs:
        raise _Difference(messages.NOT_BUILT.format())
    if actual.output_count != expected.output_count:
        raise _Difference(messages.OUTPUT_COUNT.format(
            expected=expected.output_count, actual=actual.output_count, count=expected.output_count
        ))
    if len(actual.inputs) != len(expected.inputs):
        raise _Difference(messages.INPUT_COUNT.format(
            expected=len(expected.inputs), actual=len(actual.inputs), count=len(expected.inputs)
        ))
    for i, (a, e) in enumerate(zip(actual.inputs, expected.inputs, strict=True)):
        _expect_spec(a, e, input_label(len(expected.inputs), i), messages.DTYPE_HINT_INPUT.format(dtype=e.dtype))
    _expect_output_names(actual, expected, names)
    for i, (a, e) in enumerate(zip(actual.output_specs, expected.output_specs, strict=False)):
        _expect_spec(a, e, output_label(expected, i, names), "")


def _expect_spec(actual: Spec, expected: Spec, label: str, dtype_hint: str) -> None:
    if actual.shape != expected.shape:
        raise _Difference(
            messages.SPEC_SHAPE.format(label=label, expected=expected.shape_text, actual=actual.shape_text)
        )
    if actual.dtype != expected.dtype:
        hint = f" ({dtype_hint})" if dtype_hint else ""
        raise _Difference(
            messages.SPEC_DTYPE.format(label=label, expected=expected.dtype, actual=actual.dtype, hint=hint)
        )


def _expect_output_names(actual: Topology, expected: Topology, names: frozenset[str]) -> None:
    for i, name in enumerate(expected.output_names):
        if name not in names:
            continue
        mine = actual.output_names[i] if i < len(actual.output_names) else ""
        if mine == name:
            continue
        if name in actual.output_names:
            raise _Difference(messages.OUTPUT_NAMES_ORDER.format(
                expected=listing(expected.output_names), actual=listing(actual.output_names)
            ))
        yours = messages.YOURS_NAMED.format(name=mine) if mine else messages.YOURS_UNNAMED.format()
        raise _Difference(messages.OUTPUT_NAME.format(index=i + 1, name=name, yours=yours))


def _expect_parameter_count(actual: Topology, expected: Topology) -> None:
    if actual.count_params != expected.count_params:
        raise _Difference(messages.PARAMETER_COUNT.format(actual=actual.count_params, expected=expected.count_params))


@dataclass(frozen=True)
class _Where:
    output: str
    reader: str | None = None
    """The reference layer that reads the tensor being compared (None: a model output)."""

    def __str__(self) -> str:
        if self.reader is None:
            return messages.WHERE_OUTPUT.format(output=self.output)
        return messages.WHERE_READER.format(reader=self.reader, output=self.output)


class _Matcher:
    """Walks both graphs from the outputs, pairing reference nodes and layers with the student's."""

    def __init__(self, actual: Topology, expected: Topology, names: frozenset[str]) -> None:
        self.a, self.e, self.names = actual, expected, names
        self.a_hash, self.e_hash = Hasher(actual), Hasher(expected)
        self.nodes: dict[NodeId, NodeId] = {}
        self.nodes_back: dict[NodeId, NodeId] = {}
        self.first_seen: dict[NodeId, _Where] = {}
        self.layers: dict[str, str] = {}
        self.layers_back: dict[str, str] = {}

    def run(self) -> dict[str, str]:
        for i, (e_ref, a_ref) in enumerate(zip(self.e.outputs, self.a.outputs, strict=True)):
            self._visit(e_ref, a_ref, _Where(output_label(self.e, i, self.names)))
        return dict(self.layers)

    def _visit(self, e_ref: Ref, a_ref: Ref, where: _Where) -> None:
        e_node, a_node = self.e.nodes[e_ref.node], self.a.nodes[a_ref.node]
        if self._same_input(e_node, a_node, where):
            return
        seen = self._seen(e_node, a_node, where)
        if not seen:
            self._compare(e_node, a_node, where)
        if e_ref.tensor != a_ref.tensor:
            raise _Difference(messages.OTHER_TENSOR.format(
                where=where, expected=e_ref.tensor + 1, layer=self._desc_e(e_node), actual=a_ref.tensor + 1
            ))
        if seen:
            return
        self.nodes[e_node.id], self.nodes_back[a_node.id] = a_node.id, e_node.id
        self.first_seen[e_node.id] = where
        self._pair_layers(e_node, a_node, where)
        self._visit_inputs(e_node, a_node, where)

    def _same_input(self, e_node: Node, a_node: Node, where: _Where) -> bool:
        """True when both are the same model input; a difference if only one is an input."""
        e_in, a_in = e_node.model_input, a_node.model_input
        if e_in is None and a_in is None:
            return False
        count = len(self.e.inputs) or self.e.input_count
        if e_in is None:
            assert a_in is not None  # both None returned above
            raise _Difference(messages.MISSING_LAYER.format(
                where=where, layer=self._desc_e(e_node), input=input_label(count, a_in)
            ))
        if a_in is None:
            raise _Difference(messages.EXTRA_LAYER.format(
                where=where, input=input_label(count, e_in), layer=self._desc_a(a_node)
            ))
        if e_in != a_in:
            raise _Difference(messages.OTHER_INPUT.format(
                where=where, expected=input_label(count, e_in), actual=input_label(count, a_in)
            ))
        return True

    def _seen(self, e_node: Node, a_node: Node, where: _Where) -> bool:
        paired, back = self.nodes.get(e_node.id), self.nodes_back.get(a_node.id)
        if paired is None and back is None:
            return False
        if paired == a_node.id:
            return True
        if paired is not None:
            raise _Difference(messages.NOT_REUSED.format(
                where=where, layer=self._desc_e(e_node), first=self.first_seen[e_node.id]
            ))
        assert back is not None  # neither paired: returned above
        raise _Difference(messages.REUSED.format(where=where, layer=self._desc_e(e_node), first=self.first_seen[back]))

    def _compare(self, e_node: Node, a_node: Node, where: _Where) -> None:
        e, a = self.e.layers[e_node.layer], self.a.layers[a_node.layer]
        if e.kind != a.kind or (e.kind == "Model" and e.config != a.config):
            raise _Difference(messages.OTHER_LAYER.format(where=where, expected=layer_text(e), actual=layer_text(a)))
        differ = config_differences(e, a)
        if differ:
            wanted = ", ".join(f"{k}={shown_value(v)}" for k, v, _ in differ)
            got = ", ".join(f"{k}={shown_value(v)}" for k, _, v in differ)
            raise _Difference(messages.OTHER_CONFIG.format(where=where, kind=e.kind, expected=wanted, actual=got))
        if e_node.consts != a_node.consts:
            raise _Difference(messages.OTHER_ARGUMENTS.format(
                where=where, layer=layer_text(e), expected=consts_text(e_node), actual=consts_text(a_node)
            ))
        if e.name in self.names and a.name != e.name and e.name not in self.e.output_names:
            raise _Difference(
                messages.OTHER_LAYER_NAME.format(where=where, layer=layer_text(e), expected=e.name, actual=a.name)
            )

    def _pair_layers(self, e_node: Node, a_node: Node, where: _Where) -> None:
        e, a = self.e.layers[e_node.layer], self.a.layers[a_node.layer]
        if not (e.is_tracked or a.is_tracked):
            return
        known, back = self.layers.get(e.name), self.layers_back.get(a.name)
        if known is not None and known != a.name:
            raise _Difference(messages.NOT_SHARED.format(kind=e.kind, calls=e.calls))
        if back is not None and back != e.name:
            if e.has_weights:
                raise _Difference(messages.SHARED.format(where=where, layer=layer_text(e), kind=a.kind))
            raise _Difference(messages.SHARED_WITHOUT_WEIGHTS.format(
                where=where, layer=layer_text(e), kind=a.kind, first=self._first_use(back)
            ))
        self.layers[e.name], self.layers_back[a.name] = a.name, e.name

    def _first_use(self, layer: str) -> _Where:
        """Where the walk first met a call of the reference's ``layer``."""
        return next(where for node, where in self.first_seen.items() if node[0] == layer)

    def _visit_inputs(self, e_node: Node, a_node: Node, where: _Where) -> None:
        e_refs, a_refs = self.e_hash.inputs(e_node), self.a_hash.inputs(a_node)
        desc = self._desc_e(e_node)
        if len(e_refs) != len(a_refs):
            raise _Difference(messages.TAKES_INPUTS.format(
                where=where, layer=desc, expected=len(e_refs), actual=len(a_refs), count=len(e_refs)
            ))
        if len(e_refs) > 1:
            a_refs = self._pair_merge_inputs(e_node, e_refs, a_refs, where)
        inner = _Where(where.output, desc)
        for e_ref, a_ref in zip(e_refs, a_refs, strict=True):
            self._visit(e_ref, a_ref, inner)

    def _pair_merge_inputs(self, e_node: Node, e_refs: list[Ref], a_refs: list[Ref], where: _Where) -> list[Ref]:
        """The student's inputs in the order that pairs them with the reference's."""
        e_hashes = [self.e_hash.ref(r) for r in e_refs]
        a_hashes = [self.a_hash.ref(r) for r in a_refs]
        if e_hashes == a_hashes:
            return a_refs
        kind = self.e.layers[e_node.layer].kind
        if kind not in COMMUTATIVE and sorted(e_hashes) == sorted(a_hashes):
            raise self._merge_difference(e_node, e_refs, a_refs, where, wrong_order=True)
        order = _pairing(e_hashes, a_hashes) if kind in COMMUTATIVE else list(range(len(a_refs)))
        paired = [a_refs[j] for j in order]
        for e_ref, a_ref in zip(e_refs, paired, strict=True):
            if self._shallow(self.e, e_ref) != self._shallow(self.a, a_ref):
                raise self._merge_difference(e_node, e_refs, a_refs, where, wrong_order=False)
        return paired

    def _merge_difference(self, e_node: Node, e_refs: list[Ref], a_refs: list[Ref], where: _Where,
                          *, wrong_order: bool) -> _Difference:
        should, does = MERGE_VERBS.get(self.e.layers[e_node.layer].kind, ("combine", "combines"))
        wanted = joined([self._tensor_desc(self.e, r) for r in e_refs])
        got = joined([self._tensor_desc(self.a, r) for r in a_refs])
        layer = self._desc_e(e_node)
        if wrong_order:
            text = messages.MERGE_ORDER.format(where=where, layer=layer, should=should, expected=wanted, does=does,
                                               actual=got)
        else:
            text = messages.MERGE_INPUTS.format(where=where, layer=layer, should=should, expected=wanted, does=does,
                                                actual=got)
        return _Difference(text)

    def _shallow(self, graph: Topology, ref: Ref) -> tuple[Any, ...]:
        node = graph.nodes[ref.node]
        layer = graph.layers[node.layer]
        return (layer.kind, layer.config, node.model_input, node.consts, ref.tensor)

    def _tensor_desc(self, graph: Topology, ref: Ref) -> str:
        node = graph.nodes[ref.node]
        count = len(self.e.inputs) or self.e.input_count
        if node.model_input is not None:
            return input_label(count, node.model_input)
        layer = layer_text(graph.layers[node.layer])
        if count <= 1:
            return messages.OUTPUT_OF.format(layer=layer)
        sources = sorted(_sources(graph, ref.node))
        source = input_label(count, sources[0]) if len(sources) == 1 else messages.SEVERAL_INPUTS.format()
        return messages.OUTPUT_OF_FROM.format(layer=layer, source=source)

    def _desc_e(self, node: Node) -> str:
        return layer_text(self.e.layers[node.layer])

    def _desc_a(self, node: Node) -> str:
        return layer_text(self.a.layers[node.layer])


def _pairing(e_hashes: list[str], a_hashes: list[str]) -> list[int]:
    """For each reference input, the student's input to compare it with: equal ones first."""
    free = list(range(len(a_hashes)))
    order: list[int | None] = []
    for h in e_hashes:
        j = next((j for j in free if a_hashes[j] == h), None)
        if j is not None:
            free.remove(j)
        order.append(j)
    return [j if j is not None else free.pop(0) for j in order]


def _sources(graph: Topology, node_id: NodeId) -> set[int]:
    found: set[int] = set()
    stack, seen = [node_id], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        node = graph.nodes[current]
        if node.model_input is not None:
            found.add(node.model_input)
        stack.extend(r.node for r in node.inputs)
    return found
