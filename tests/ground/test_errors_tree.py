"""errors.py draws every exception class of the package: a documented list is a tested list.

Read from the package's source (no imports, so it costs milliseconds): every class that derives,
directly or through another, from ``TfgradeError`` or from a built-in exception must appear in a tree
of ``errors.py``'s docstring, under its own name and with the module it lives in.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

import autograder
from autograder import errors

PACKAGE = Path(autograder.__file__).parent


def _classes() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every class of the package: name -> (module, names of its bases)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = tuple(b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases)
                found[node.name] = (module, bases)
    return found


def _derived(roots: set[str]) -> dict[str, str]:
    """Name -> module of every class of the package that derives, at any depth, from one of ``roots``."""
    classes = _classes()
    derived: dict[str, str] = {}
    grew = True
    while grew:
        grew = False
        for name, (module, bases) in classes.items():
            if name not in derived and any(b in roots or b in derived for b in bases):
                derived[name] = module
                grew = True
    return derived


def _tfgrade_errors() -> dict[str, str]:
    """Name -> module of every class that derives from TfgradeError (errors.py's root excluded)."""
    return _derived({"TfgradeError"})


BUILT_IN_EXCEPTIONS = {name for name, value in vars(builtins).items()
                       if isinstance(value, type) and issubclass(value, BaseException)}


def _exception_classes() -> dict[str, str]:
    """Name -> module of every exception class of the package (TfgradeError's subclasses among them)."""
    return {name: module for name, module in _derived(BUILT_IN_EXCEPTIONS).items() if name != "TfgradeError"}


def _tree_lines() -> list[str]:
    doc = errors.__doc__ or ""
    return [line for line in doc.splitlines() if "──" in line or line.strip().startswith("│")]


def test_every_error_class_is_drawn_in_the_tree_with_its_module() -> None:
    lines = _tree_lines()
    missing = []
    for name, module in sorted(_exception_classes().items()):
        drawn = [line for line in lines if f"── {name} " in line or line.rstrip().endswith(f"── {name}")]
        if not drawn or module not in drawn[0]:
            missing.append(f"{name} ({module})")
    assert not missing, f"errors.py's tree lacks: {', '.join(missing)}"


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_the_tree_draws_no_class_that_does_not_exist() -> None:
    known = set(_exception_classes())
    drawn = {line.split("── ", 1)[1].split()[0] for line in _tree_lines() if "── " in line}
    assert drawn - known == set()
