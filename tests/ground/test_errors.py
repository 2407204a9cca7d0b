"""One exception root: every error class tfgrade defines is a TfgradeError (autograder/errors.py)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import autograder
from autograder.errors import TfgradeError

OUTSIDE_THE_TREE = {
    "autograder.student_side.student_process.CellTimeout",  # a BaseException on purpose: student code can't catch it
    "autograder.checks.topology.matching._Difference",  # private control flow inside one function
}


def test_every_error_class_of_the_package_is_a_tfgrade_error() -> None:
    found = []
    for module in pkgutil.walk_packages(autograder.__path__, "autograder."):
        if module.name == "autograder.__main__":
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.name:
                found.append(f"{module.name}.{name}")
                if f"{module.name}.{name}" not in OUTSIDE_THE_TREE:
                    assert issubclass(value, TfgradeError), f"{module.name}.{name} is not under TfgradeError"
    assert len(found) >= 15, found
