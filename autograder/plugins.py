"""Plugins: gradebook formats and per-submission files from other installed packages, by entry point.

A package adds an export format under the entry-point group ``tfgrade.exports`` (an
:class:`autograder.reports.exports.ExportFormat`) and a file in every submission's folder under
``tfgrade.outputs`` (an :class:`autograder.grading.batch.Output`). In its ``pyproject.toml``::

    [project.entry-points."tfgrade.exports"]
    blackboard = "my_course_tools.blackboard:FORMAT"

Once the package is installed beside tfgrade, ``--export blackboard`` is offered and listed in
``--help``, and the format is written like the built-in ones (docs/plugins.md). A plugin that cannot be
loaded, is not of the registry's type or takes a name already taken is left out with one line on
stderr: a broken plugin never stops a grading.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Callable, Iterable
from typing import TypeVar

EXPORTS = "tfgrade.exports"
OUTPUTS = "tfgrade.outputs"

T = TypeVar("T")


def load(group: str, kind: type[T], taken: Iterable[str], name_of: Callable[[T], str]) -> tuple[T, ...]:
    """The group's plugins of type ``kind`` whose names are not in ``taken``, in the order of their entry
    points' names (so the same set of packages always gives the same order)."""
    names = set(taken)
    found: list[T] = []
    for entry in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name):
        try:
            value = entry.load()
        except Exception as exc:  # noqa: BLE001 - whatever a plugin's import raises, the grader goes on
            _left_out(group, entry, f"it could not be loaded ({type(exc).__name__}: {exc})")
            continue
        if not isinstance(value, kind):
            _left_out(group, entry, f"it is a {type(value).__name__}, not a {kind.__name__}")
        elif name_of(value) in names:
            _left_out(group, entry, f"the name {name_of(value)!r} is taken")
        else:
            names.add(name_of(value))
            found.append(value)
    return tuple(found)


def _left_out(group: str, entry: importlib.metadata.EntryPoint, why: str) -> None:
    package = entry.dist.name if entry.dist is not None else "an unknown package"
    print(f"tfgrade: warning: the plugin {entry.name!r} ({group}, from {package}) is left out: {why}. "
          f"Fix or uninstall {package}.", file=sys.stderr)
