"""A check process's job: everything it needs to know, in one read-only JSON file written by the grader.

The grader (:mod:`autograder.grading.execution`) writes one :class:`JobSpec` per grading with
:func:`write` (mode 0444, in a folder of the job that the student's sandbox does not mount) and binds
it read-only into the check process's sandbox; the check process reads it with :func:`read` and takes
no other argument. The inherited channels travel as their fd numbers (:class:`Channels`).

A spec is JSON (never pickle), decoded strictly: a field of the wrong type, a missing field or
another schema is a :class:`~autograder.wire.protocol.ProtocolError`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from autograder.wire.protocol import ProtocolError

SCHEMA = "tfgrade-check-job/1"


@dataclass(frozen=True)
class Channels:
    """The fd numbers of the check process's inherited channels (None: that peer was not started)."""

    student: int
    results: int
    """A pipe: the check process writes its results there, never to a file the student could reach."""
    runner: int | None = None
    clean_room: int | None = None
    control: int | None = None
    """The grader's control channel: freeze and thaw the student, the jobs' clocks, the memo."""


@dataclass(frozen=True)
class CheckLimits:
    notebook_seconds: float
    """The student's CPU time for its cells."""
    request_seconds: float
    """The student's time for one answer."""
    checks_seconds: float
    """The student's and the runner's time answering all the checks (``check_side/budget.py``)."""
    reply_bytes: int
    runner_seconds: float = 300.0
    """The runner's (and the clean room's) time for one request, on its job clock."""


@dataclass(frozen=True)
class JobSpec:
    channels: Channels
    limits: CheckLimits
    assignment_root: str
    """The assignment's folder: the checks' working folder, and where its own catalog lives."""
    checks: tuple[str, ...]
    """The folders of checks to run (public, then hidden if asked)."""
    hidden: tuple[str, ...]
    """Checks under these folders are hidden."""
    required: tuple[str, ...]
    """Names the notebook must define."""
    language: str
    """The submission's language: the check messages are written in it."""
    cells: tuple[int, ...] | None = None
    """The notebook's code cell numbers, in order: the events of its run must follow them."""
    sources_file: str | None = None
    """The notebook's code cells (numbers and sources), JSON: the grader's own reading, for the clean room."""


def write(spec: JobSpec, path: Path) -> Path:
    """Write ``spec`` to ``path``, read-only for everyone (nothing after the grader may change it)."""
    path.write_text(json.dumps({"schema": SCHEMA, **dataclasses.asdict(spec)}), encoding="utf-8")
    os.chmod(path, 0o444)
    return path


def read(path: str | Path) -> JobSpec:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProtocolError(f"no readable job file at {path}: {exc}") from exc
    return decode(document)


def decode(document: Any) -> JobSpec:
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ProtocolError("a job file of another schema")
    return _decoded(JobSpec, {k: v for k, v in document.items() if k != "schema"})


T = TypeVar("T")

_NESTED: dict[str, type[Any]] = {"Channels": Channels, "CheckLimits": CheckLimits}
_SCALARS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: type(v) is str,
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) in (int, float),
    "tuple[str, ...]": lambda v: type(v) is list and all(type(i) is str for i in v),
    "tuple[int, ...]": lambda v: type(v) is list and all(type(i) is int for i in v),
}


def _decoded(kind: type[T], data: Any) -> T:
    if not isinstance(data, Mapping):
        raise ProtocolError(f"a job file whose {kind.__name__} is not an object")
    names = {f.name for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    if set(data) - names:
        raise ProtocolError(f"a job file with unknown fields: {sorted(set(data) - names)}")
    values = {}
    for field in dataclasses.fields(kind):  # type: ignore[arg-type]
        if field.name in data:
            values[field.name] = _value(str(field.type), data[field.name], field.name)
        elif field.default is dataclasses.MISSING:
            raise ProtocolError(f"a job file without its {field.name!r}")
    return kind(**values)


def _value(annotation: str, value: Any, name: str) -> Any:
    if annotation.endswith(" | None"):
        return None if value is None else _value(annotation.removesuffix(" | None"), value, name)
    if annotation in _NESTED:
        return _decoded(_NESTED[annotation], value)
    if not _SCALARS[annotation](value):
        raise ProtocolError(f"a job file with a malformed {name!r}")
    return tuple(value) if annotation.startswith("tuple") else value
