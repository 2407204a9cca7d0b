"""Each command's options as one frozen value, checked once (:meth:`validate`) before any work starts.

The parser (:mod:`autograder.cli.parser`) names each command's options class; :func:`from_args` turns
argparse's namespace into it, so the commands (:mod:`autograder.cli.commands`) read typed fields, never
a namespace. Light on purpose: ``tfgrade --help`` imports this module.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from autograder.errors import TfgradeError

__all__ = [
    "AssignOptions",
    "BuildOptions",
    "CatalogsOptions",
    "CheckOptions",
    "ExportOptions",
    "GradeOptions",
    "GradescopeRunOptions",
    "ListOptions",
    "NewOptions",
    "Options",
    "ReleaseOptions",
    "ReviewOptions",
    "SubmitOptions",
    "UsageError",
    "ValidateOptions",
    "from_args",
]


class UsageError(TfgradeError):
    """A command's options cannot be used together (or one cannot be used at all); nothing was done."""


@dataclass(frozen=True)
class Options:
    """What every command's options share: a check that needs no file, run before anything else."""

    def validate(self) -> None:
        """Raise :class:`UsageError` if the options contradict each other; most commands have nothing to check."""


OptionsT = TypeVar("OptionsT", bound=Options)


def from_args(kind: type[OptionsT], args: argparse.Namespace) -> OptionsT:
    """``kind`` filled from argparse's ``args`` (a repeated option's list becomes a tuple), validated."""
    options = kind(**{f.name: _value(f, getattr(args, f.name)) for f in dataclasses.fields(kind)})
    options.validate()
    return options


def _value(field: dataclasses.Field[object], given: object) -> object:
    if isinstance(given, list):
        return tuple(given)
    return () if given is None and field.default == () else given  # an append option never given


def _expect_regex(option: str, pattern: str | None) -> None:
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"{option} {pattern!r} is not a regular expression: {exc}") from exc


@dataclass(frozen=True)
class GradeOptions(Options):
    """``tfgrade grade``."""

    submissions: tuple[str, ...]
    assignment: str
    out: Path
    jobs: int
    allow_unisolated: bool = False
    student_id: str | None = None
    scheduler: str | None = None
    no_sandbox: bool = False
    no_fork_server: bool = False
    overrides: Path | None = None
    with_solutions: bool = False
    export: tuple[str, ...] = ()
    roster: Path | None = None
    course: Path | None = None
    lang: str | None = None
    deadline: str | None = None
    timezone: str | None = None
    late_per_day: float | None = None
    late_per_hour: float | None = None
    late_cap: float | None = None
    grace_minutes: float | None = None
    times: Path | None = None

    def validate(self) -> None:
        _expect_regex("--student-id", self.student_id)

    @property
    def late_rule(self) -> dict[str, object | None]:
        """The late-work options as keys of assignment.toml's [late] table (None: not given here)."""
        return {"deadline": self.deadline, "timezone": self.timezone, "per_day": self.late_per_day,
                "per_hour": self.late_per_hour, "cap": self.late_cap, "grace_minutes": self.grace_minutes}

    @property
    def unisolated_allowed(self) -> bool:
        """Whether student code may run without a sandbox here. On a cluster the workers grade, and each
        refuses to without a sandbox (unless allowed): this machine's sandbox does not matter."""
        return self.allow_unisolated or self.no_sandbox or self.scheduler is not None

    @property
    def formats(self) -> list[str]:
        """The --export formats, each once, in the order first given."""
        return list(dict.fromkeys(self.export))


@dataclass(frozen=True)
class CheckOptions(Options):
    """``tfgrade check``: the student's own notebook, with the public checks."""

    notebook: Path
    assignment: str | None = None
    question: str | None = None
    course: Path | None = None
    lang: str | None = None


@dataclass(frozen=True)
class SubmitOptions(Options):
    """``tfgrade submit``."""

    notebook: Path
    assignment: str | None = None
    out: Path | None = None
    force: bool = False
    course: Path | None = None
    lang: str | None = None


@dataclass(frozen=True)
class ValidateOptions(Options):
    """``tfgrade validate``, and with --mutants, the mutation test of the checks."""

    assignment: str
    jobs: int = 2
    mutants: bool = False
    mutants_report: Path | None = None
    measure_costs: bool = False
    course: Path | None = None

    @property
    def of_mutants(self) -> bool:
        return self.mutants or self.mutants_report is not None


@dataclass(frozen=True)
class BuildOptions(Options):
    """``tfgrade gradescope`` and ``tfgrade otter``: an assignment packed into one zip for another grader."""

    assignment: str
    out: Path | None = None
    course: Path | None = None


@dataclass(frozen=True)
class GradescopeRunOptions(Options):
    """``tfgrade gradescope-run``, inside Gradescope's container."""

    root: Path
    assignment: str


@dataclass(frozen=True)
class ListOptions(Options):
    """``tfgrade list``."""

    course: Path | None = None


@dataclass(frozen=True)
class ReleaseOptions(Options):
    """``tfgrade release``."""

    assignment: str
    out: Path
    course: Path | None = None
    wheel: Path | None = None


@dataclass(frozen=True)
class AssignOptions(Options):
    """``tfgrade assign``."""

    assignment: str
    check: bool = False
    course: Path | None = None


@dataclass(frozen=True)
class NewOptions(Options):
    """``tfgrade new``."""

    name: str
    lang: tuple[str, ...] = ()
    course: Path | None = None


@dataclass(frozen=True)
class CatalogsOptions(Options):
    """``tfgrade catalogs``."""

    assignment: str
    lang: tuple[str, ...] = ()
    course: Path | None = None


@dataclass(frozen=True)
class ExportOptions(Options):
    """``tfgrade export``: an earlier batch's grades, for a gradebook."""

    folder: Path
    format: str
    roster: Path | None = None
    student_id: str | None = None
    column: str | None = None
    out: Path | None = None

    def validate(self) -> None:
        _expect_regex("--student-id", self.student_id)


@dataclass(frozen=True)
class ReviewOptions(Options):
    """``tfgrade review``: the TAs' desk in the browser over an earlier batch (docs/review.md)."""

    out: Path
    overrides: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    password: str | None = None
    assignment: str | None = None
    submissions: tuple[str, ...] = ()
    allow_unisolated: bool = False
    course: Path | None = None
    lang: str | None = None

    def validate(self) -> None:
        if not 0 <= self.port <= 65535:
            raise UsageError(f"--port {self.port} is not a port: give 1 to 65535, or 0 for a free one.")
