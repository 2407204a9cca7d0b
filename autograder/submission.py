"""The documented entry point for notebooks: ``from autograder.submission import submit``.

It lives in :mod:`autograder.students.submission`; this name stays so that notebooks already
handed out keep working.
"""

from autograder.students.submission import submit

__all__ = ["submit"]
