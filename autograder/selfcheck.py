"""The documented entry point for notebooks: ``from autograder.selfcheck import check``.

It lives in :mod:`autograder.students.selfcheck`; this name stays so that notebooks already handed
out keep working.
"""

from autograder.students.selfcheck import check

__all__ = ["check"]
