"""Every request that crosses a process boundary, as a frozen dataclass with its op name.

Callers build these objects, never dicts with op strings, so a misspelt op (``requests.Gett``) or a
missing field is a mypy error, not an "unknown request" found while grading. On the wire a request
is its fields as a JSON header plus ``"op"`` (and the envelope's ``"id"``, :mod:`autograder.wire.envelope`);
fields that carry arrays hold trees already encoded with :func:`autograder.wire.protocol.encode_plain`.

:func:`decode` reads a header back into its type and refuses, as a :class:`~autograder.wire.protocol.ProtocolError`,
an unknown op, a missing field or a field of the wrong JSON type: a hostile or broken peer is data.

Who answers what:

- the student's process (:mod:`autograder.student_side.handlers`): ``describe`` ... ``read_file``;
- the runner (:mod:`autograder.runner_side.runner_process`): ``load_graph`` ... ``speedup``;
- the clean room (:mod:`autograder.runner_side.clean_room`): ``trace``;
- the grader's control channel (:mod:`autograder.grading.control`): ``freeze`` ... ``memo_put``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from autograder.wire.protocol import ProtocolError


class Request:
    """The base of every request type; ``op`` names it on the wire."""

    op: ClassVar[str]

    def to_wire(self) -> dict[str, Any]:
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        return {"op": self.op, **{f.name: getattr(self, f.name) for f in fields}}


# --- the student's process -------------------------------------------------------------------


@dataclass(frozen=True)
class Describe(Request):
    op: ClassVar[str] = "describe"
    name: str


@dataclass(frozen=True)
class Get(Request):
    op: ClassVar[str] = "get"
    name: str


@dataclass(frozen=True)
class Call(Request):
    op: ClassVar[str] = "call"
    name: str
    args: Any
    """A list, encoded (``{"__list__": [...]}``)."""
    kwargs: Any
    """A dict, encoded (``{"__dict__": {...}}``)."""
    store_as: str | None = None


@dataclass(frozen=True)
class SaveAndReload(Request):
    op: ClassVar[str] = "save_and_reload"
    name: str
    store_as: str
    custom_objects: bool = False


@dataclass(frozen=True)
class ExportModel(Request):
    op: ClassVar[str] = "export_model"
    name: str


@dataclass(frozen=True)
class Weights(Request):
    op: ClassVar[str] = "weights"
    name: str


@dataclass(frozen=True)
class Config(Request):
    op: ClassVar[str] = "config"
    name: str


@dataclass(frozen=True)
class ReadFile(Request):
    op: ClassVar[str] = "read_file"
    path: str


# --- the runner ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadGraph(Request):
    op: ClassVar[str] = "load_graph"
    artifact: dict[str, Any]
    """A :class:`~autograder.wire.graph_export.GraphArtifact`, encoded."""


@dataclass(frozen=True)
class RunGraph(Request):
    op: ClassVar[str] = "run_graph"
    handle: int
    inputs: list[Any]


@dataclass(frozen=True)
class Speedup(Request):
    op: ClassVar[str] = "speedup"
    handle: int
    reference: dict[str, Any]
    structure: Any
    inputs: list[Any]
    seed: int
    calls: int
    threshold: float
    rtol: float
    atol: float


@dataclass(frozen=True)
class LoadModel(Request):
    op: ClassVar[str] = "load_model"
    archive: Any


@dataclass(frozen=True)
class RunModel(Request):
    op: ClassVar[str] = "run_model"
    handle: int
    inputs: list[Any]


@dataclass(frozen=True)
class LayerWeights(Request):
    op: ClassVar[str] = "layer_weights"
    handle: int
    layer: str


# --- the clean room --------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace(Request):
    op: ClassVar[str] = "trace"
    source: str
    name: str
    specs: list[Any] | None = None
    args: Any = None
    weights: Any = None


# --- the grader's control channel ------------------------------------------------------------


@dataclass(frozen=True)
class Freeze(Request):
    op: ClassVar[str] = "freeze"


@dataclass(frozen=True)
class Thaw(Request):
    op: ClassVar[str] = "thaw"


@dataclass(frozen=True)
class JobUsage(Request):
    op: ClassVar[str] = "usage"
    job: str
    waiting: bool = True


@dataclass(frozen=True)
class ReportCosts(Request):
    op: ClassVar[str] = "costs"
    costs: dict[str, Any]


@dataclass(frozen=True)
class MemoGet(Request):
    op: ClassVar[str] = "memo_get"
    key: str


@dataclass(frozen=True)
class MemoPut(Request):
    op: ClassVar[str] = "memo_put"
    key: str
    value: str


STUDENT: tuple[type[Request], ...] = (Describe, Get, Call, SaveAndReload, ExportModel, Weights, Config, ReadFile)
RUNNER: tuple[type[Request], ...] = (LoadGraph, RunGraph, Speedup, LoadModel, RunModel, LayerWeights)
CLEAN_ROOM: tuple[type[Request], ...] = (Trace,)
CONTROL: tuple[type[Request], ...] = (Freeze, Thaw, JobUsage, ReportCosts, MemoGet, MemoPut)
ALL = STUDENT + RUNNER + CLEAN_ROOM + CONTROL


# --- reading a header back -------------------------------------------------------------------

R = TypeVar("R", bound=Request)

_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: type(v) is str,
    "int": lambda v: type(v) is int,
    "bool": lambda v: type(v) is bool,
    "float": lambda v: type(v) in (int, float),
    "Any": lambda _v: True,
    "dict[str, Any]": lambda v: type(v) is dict,
    "list[Any]": lambda v: type(v) is list,
}
"""What each field annotation accepts on the wire (``X | None`` also accepts null)."""


def accepts(annotation: str, value: Any) -> bool:
    """Whether ``value`` (parsed JSON) fits a field annotated ``annotation``."""
    if annotation.endswith(" | None"):
        return value is None or accepts(annotation.removesuffix(" | None"), value)
    return _JSON_TYPES[annotation](value)


def decode(header: Mapping[str, Any], known: Iterable[type[R]]) -> R:
    """The request ``header`` holds, if its op is one of ``known``; else a ProtocolError."""
    by_op = {kind.op: kind for kind in known}
    op = header.get("op")
    kind = by_op.get(op) if isinstance(op, str) else None
    if kind is None:
        raise ProtocolError(f"unknown request {str(header.get('op'))[:40]!r}")
    return kind(**{f.name: _field(header, f) for f in dataclasses.fields(kind)})  # type: ignore[arg-type]


def _field(header: Mapping[str, Any], field: dataclasses.Field[Any]) -> Any:
    if field.name not in header:
        if field.default is dataclasses.MISSING:
            raise ProtocolError(f"request without its {field.name!r}")
        return field.default
    value = header[field.name]
    if not accepts(str(field.type), value):
        raise ProtocolError(f"request with a malformed {field.name!r}")
    return value
