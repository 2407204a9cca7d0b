"""What grading the reference solution costs, measured once by ``tfgrade validate`` (``costs.toml``).

Grading derives its time limits from it (:func:`autograder.core.limits.derived_limits`), so that a
student who stalls costs a small multiple of an honest run rather than minutes. Every figure is in
job-clock seconds (:class:`autograder.clock.Usage`), which the machine's load does not
stretch, so a file measured on a busy machine holds on a quiet one. See docs/limits.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

FILE = "costs.toml"


@dataclass(frozen=True)
class Costs:
    notebook_cpu_seconds: float
    """CPU time of the student's process for running all the solution's cells (TensorFlow import included)."""
    slowest_request_seconds: float
    """The student's process's time for the slowest answer to a check."""
    checks_seconds: float
    """The student's process's and the runner's time answering all the checks' requests."""
    slowest_runner_seconds: float
    """The runner's time for its slowest request (examining, running or timing an artifact)."""
    grading_seconds: float = 0.0
    """The whole grading on the jobs' joint clock (wall time less the time any of them waited for a
    CPU): what an honest submission costs, against which a stalling one is bounded."""

    @classmethod
    def from_mapping(cls, data: Any) -> Costs:
        """From a mapping of the four figures (raises ValueError on anything else)."""
        if not isinstance(data, dict):
            raise ValueError("costs must be a table")
        values = {}
        for f in fields(cls):
            value = data.get(f.name, f.default)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{f.name} must be a number of seconds, 0 or more, not {value!r}")
            values[f.name] = float(value)
        return cls(**values)


def read(root: Path) -> Costs | None:
    """The assignment's measured costs, or None where it has no costs.toml."""
    path = root / FILE
    if not path.is_file():
        return None
    try:
        return Costs.from_mapping(tomllib.loads(path.read_text(encoding="utf-8")).get("solution"))
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}; run tfgrade validate to measure it again") from exc


def write(root: Path, costs: Costs) -> Path:
    path = root / FILE
    lines = [
        "# What grading the reference solution costs, in job-clock seconds (CPU time, or wall time less",
        "# the time spent waiting for a CPU). Written by `tfgrade validate`; grading derives the notebook,",
        "# request, checks and runner limits from it (docs/limits.md).",
        "[solution]",
        *(f"{name} = {value:.3f}" for name, value in asdict(costs).items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def worst(measured: list[Costs]) -> Costs:
    """The largest of each figure over several measurements."""
    return Costs(*(max(getattr(c, f.name) for c in measured) for f in fields(Costs)))
