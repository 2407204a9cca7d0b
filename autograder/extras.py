"""The optional parts of tfgrade, installed as pip extras, and the one error when one is missing.

A student's install is light (``pip install tfgrade``): checking, submitting and the grading engine
need none of these. The instructor's tools that lean on a large package import it through
:func:`require`, so a missing extra is a sentence naming what to install, not an ``ImportError``
from deep inside. The extras themselves are declared in ``pyproject.toml``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from autograder.errors import TfgradeError

EXTRAS = {"distributed": "dask", "otter": "otter"}
"""The top-level module an optional feature imports -> the extra that installs it."""


class MissingExtra(TfgradeError):
    """A feature needs a package that only one of tfgrade's extras installs."""


def require(module: str, feature: str) -> ModuleType:
    """``module`` imported, or :class:`MissingExtra` saying which extra ``feature`` needs."""
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        # Only the package itself missing is ours to explain; a broken install of it is its own error.
        if exc.name is None or exc.name.split(".")[0] != top:
            raise
        extra = EXTRAS.get(top, "instructor")
        raise MissingExtra(
            f"{feature} needs {top}, which the student install leaves out. Install it with: "
            f'pip install "tfgrade[{extra}]" (or "tfgrade[instructor]" for every instructor tool).'
        ) from exc
