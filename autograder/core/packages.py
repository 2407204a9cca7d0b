"""The packages a course's notebooks may import besides TensorFlow, and whether this environment has them.

Students plot and load data next to their TensorFlow code, so the grading environment must have
what they import. Packages are declared as pip requirement strings, by distribution name
(``Pillow``, not ``PIL``):

* ``<course>/course.toml``: ``requirements = [...]``, the course's list. Without that file (or key),
  the course gets :data:`DEFAULT`. A course that writes the key states its whole list: it replaces
  the default, so a course can also leave a default package out.
* ``assignments/<name>/assignment.toml``: ``requirements = [...]`` *adds* to the course's list
  (an assignment is graded in the course's environment, which has the course's packages anyway);
  an entry for a distribution the course already lists replaces the course's entry for it, e.g.
  ``"matplotlib==3.9.2"`` to pin one assignment's version.
* a student's release (``tfgrade release``) writes the assignment's resolved list into its
  assignment.toml, and that list is complete: a release has no course above it.

Every installer installs :func:`autograder.core.course_packages.for_course` (the Makefile, through
``python -m autograder.core.course_packages``, which prints it for pip); the Gradescope zip installs one
assignment's list; :func:`missing` says what an environment lacks (Dask workers); ``tfgrade validate``
imports each package in the sandbox with the import names of :func:`import_names`.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from autograder.errors import TfgradeError

__all__ = ["COURSE_FILE", "DEFAULT", "KEY", "PackagesError", "combine", "for_assignment", "import_names",
           "missing", "names", "of_course", "parse"]

DEFAULT: tuple[str, ...] = (
    "matplotlib>=3.9",
    "pandas>=2.2",
    "Pillow>=10.4",
    "scipy>=1.13",
    "scikit-learn>=1.5",
)
"""The usual companions of TensorFlow in course notebooks: plots (matplotlib), tables and CSV files
(pandas), images (Pillow), and scipy and scikit-learn for splits, metrics and preprocessing. Keras 3
itself imports matplotlib, pandas and scikit-learn when they are installed. The lower bounds are the
first releases built for NumPy 2, which TensorFlow 2.21 needs. Left out on purpose: seaborn and plotly
(another plotting style on top of these), opencv (large, needs system libraries) and
tensorflow-datasets (it downloads its data, and graded notebooks have no network)."""

COURSE_FILE = "course.toml"
KEY = "requirements"


class PackagesError(TfgradeError):
    """A ``requirements`` list in course.toml or assignment.toml is not a list of pip requirements."""


def parse(source: Path, value: Any) -> tuple[str, ...]:
    """The requirement strings of a ``requirements`` value read from ``source``, each checked by pip's rules."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PackagesError(f'{source}: {KEY} must be a list of pip requirements, e.g. {KEY} = ["matplotlib>=3.9"]')
    for text in value:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            raise PackagesError(
                f"{source}: {text!r} in {KEY} is not a pip requirement ({exc}); write a distribution name as "
                'pip installs it, with an optional version, e.g. "Pillow>=10.4" (not "PIL")'
            ) from exc
    return tuple(value)


def of_course(root: Path) -> tuple[str, ...]:
    """The course's own list: ``requirements`` of its course.toml, else :data:`DEFAULT`."""
    config_file = root / COURSE_FILE
    if not config_file.is_file():
        return DEFAULT
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PackagesError(f"{config_file}: not valid TOML: {exc}") from exc
    return parse(config_file, data[KEY]) if KEY in data else DEFAULT


def combine(inherited: Sequence[str], own: Sequence[str]) -> tuple[str, ...]:
    """``inherited`` plus ``own``; an entry of ``own`` replaces the inherited entry for its distribution."""
    replaced = {_name(r) for r in own}
    kept = [r for r in inherited if _name(r) not in replaced]
    return tuple(dict.fromkeys([*kept, *own]))


def for_assignment(root: Path, declared: Sequence[str]) -> tuple[str, ...]:
    """An assignment's packages: its course's (a course holds it as ``assignments/<name>``), plus its own."""
    course_root = root.parent.parent if root.parent.name == "assignments" else None
    return combine(of_course(course_root) if course_root else DEFAULT, declared)


def missing(requirements: Iterable[str]) -> list[str]:
    """The requirements this Python environment does not satisfy: not installed, or installed at a
    version outside the requirement's range. Requirements whose marker excludes this platform are met."""
    absent = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            absent.append(text)
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            absent.append(text)
    return absent


def names(requirements: Iterable[str]) -> list[str]:
    """The distribution names of ``requirements``, as a student reads them in a list (``matplotlib``, ``Pillow``)."""
    return [Requirement(r).name for r in requirements]


def import_names(requirement: str) -> tuple[str, ...]:
    """The top-level modules an installed distribution provides (``Pillow`` -> ``PIL``), from its
    installed files; empty when it is not installed here. Private (``_``) modules are left out."""
    wanted = _name(requirement)
    provided = importlib.metadata.packages_distributions()
    return tuple(sorted(
        module for module, distributions in provided.items()
        if module.isidentifier() and not module.startswith("_")
        and any(canonicalize_name(d) == wanted for d in distributions)
    ))


def _name(requirement: str) -> str:
    return canonicalize_name(Requirement(requirement).name)
