"""A course: the instructor's folder of assignments, kept apart from the installed tool.

A course is a folder that holds ``assignments/<name>/`` and, optionally, ``solutions/``. The
installed package carries no assignment; every command finds the course in this order:

1. ``--course DIR`` on the command line;
2. the ``TFGRADE_COURSE`` environment variable;
3. the nearest parent of the current folder (the folder itself first) whose ``assignments/`` holds
   an assignment (a folder with ``assignment.toml``): a test folder named ``assignments`` is no course.

This repository is itself a course, so commands run from its checkout find it by rule 3.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import TfgradeError

ENVIRONMENT = "TFGRADE_COURSE"


class CourseNotFound(TfgradeError):
    """No course where tfgrade looked; the message lists the places."""


@dataclass(frozen=True)
class Course:
    root: Path

    @property
    def assignments(self) -> Path:
        return self.root / "assignments"

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    def names(self) -> list[str]:
        """The assignments of this course: folders of ``assignments/`` that hold an ``assignment.toml``."""
        return sorted(p.parent.name for p in self.assignments.glob("*/assignment.toml"))


def locate(given: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Course:
    """The course, by the order above; raises :class:`CourseNotFound` saying where it looked."""
    if given is not None:
        return _explicit(Path(given), "--course")
    from_environment = os.environ.get(ENVIRONMENT)
    if from_environment:
        return _explicit(Path(from_environment), ENVIRONMENT)
    start = (cwd or Path.cwd()).resolve()
    found = nearest(start)
    if found is None:
        raise CourseNotFound(
            f"No course found. tfgrade looked for a folder holding assignments/<name>/assignment.toml in {start} "
            "and each of its "
            f"parents; --course was not given and {ENVIRONMENT} is not set. Run tfgrade inside your course "
            f"folder, pass --course DIR, or set {ENVIRONMENT}=DIR. Create a course with: tfgrade new NAME"
        )
    return found


def nearest(start: Path) -> Course | None:
    """The nearest folder, ``start`` itself first, whose ``assignments/`` holds an assignment."""
    for folder in (start, *start.parents):
        if Course(folder).names():
            return Course(folder)
    return None


def find(given: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Course | None:
    """Like :func:`locate`, but ``None`` where there is no course (for listings and help texts)."""
    try:
        return locate(given, cwd)
    except CourseNotFound:
        return None


def _explicit(path: Path, source: str) -> Course:
    root = path.expanduser().resolve()
    if not (root / "assignments").is_dir():
        raise CourseNotFound(
            f"{root} (from {source}) is not a course: it has no assignments/ folder. A course is a folder "
            "with assignments/<name>/assignment.toml in it; create one with: tfgrade new NAME"
        )
    return Course(root)
