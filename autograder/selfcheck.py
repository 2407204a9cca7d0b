"""The documented entry point for notebooks: ``from autograder.selfcheck import check``.

It lives in :mod:`autograder.students.selfcheck`; this name stays so that notebooks already handed
out keep working.
"""

from autograder import lean_imports

lean_imports.jsonschema()  # before anything imports nbformat (a second of CPU less per check)

from autograder.students.selfcheck import check  # noqa: E402

__all__ = ["check"]
