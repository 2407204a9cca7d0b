"""What a course's grading environment installs: the course's packages and every assignment's additions.

It loads the course's assignments, so it sits above both :mod:`autograder.core.packages` (the lists'
rules, which the assignment loader uses) and :mod:`autograder.core.assignment`.
``python -m autograder.core.course_packages`` prints the list for pip (the Makefile does).
"""

from __future__ import annotations

import argparse
import sys

from autograder.core import assignment, packages
from autograder.core import course as courses
from autograder.errors import TfgradeError


def for_course(course: courses.Course) -> list[str]:
    """Everything an installer puts in the course's grading environment: the course's list and every
    assignment's additions (pip merges two entries for one distribution)."""
    every = [*packages.of_course(course.root)]
    for name in course.names():
        every += assignment.load(course.assignments / name).packages
    return list(dict.fromkeys(every))


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.core.course_packages [--course DIR] [--missing]``: one requirement a line, for pip."""
    parser = argparse.ArgumentParser(prog="python -m autograder.core.course_packages", description=main.__doc__)
    parser.add_argument("--course", metavar="FOLDER", help="the course (default: found as tfgrade finds it)")
    parser.add_argument("--missing", action="store_true", help="only those this environment does not satisfy")
    args = parser.parse_args(argv)
    try:
        listed = for_course(courses.locate(args.course))
    except TfgradeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for requirement in packages.missing(listed) if args.missing else listed:
        print(requirement)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
