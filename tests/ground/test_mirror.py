"""tests/ mirrors the package's folders (issue 20, item 7): a test sits in the folder of what it tests.

``tests/<folder>/`` tests ``autograder/<folder>/``; ``tests/ground/`` the modules at the package's root and
the package as a whole; ``tests/assignments/`` the assignments' corpora and ``tests/benchmarks/`` the
benchmarks' arithmetic, as the repository's own folders. Beside them only the shared helpers and data.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT, TESTS

NOT_PACKAGE_FOLDERS = ("ground", "assignments", "benchmarks")
"""Test folders that mirror no folder of autograder/ (see above)."""
SHARED_FILES = ("conftest.py", "factories.py", "hostile_files.py", "kernel_runs.py")
SHARED_FOLDERS = ("fixtures", "notebooks")
"""Data the grader reads (scenario notebooks, a tiny assignment, stored reports): nothing here is collected."""


def _allowed_folders() -> set[str]:
    package = {init.parent.name for init in (ROOT / "autograder").glob("*/__init__.py")}
    return package | set(NOT_PACKAGE_FOLDERS)


def _python_folders() -> list[Path]:
    """tests/'s folders that hold Python files (an empty folder, or one with only caches, is nothing)."""
    return sorted(d for d in TESTS.iterdir()
                  if d.is_dir() and d.name not in SHARED_FOLDERS and any(d.rglob("*.py")))


def test_no_test_file_sits_at_the_top_of_tests() -> None:
    flat = sorted(p.name for p in TESTS.glob("*.py") if p.name not in SHARED_FILES)
    assert flat == [], f"move these into the tests/ folder of what they test: {flat}"


def test_every_test_folder_mirrors_a_package_folder() -> None:
    strays = [d.name for d in _python_folders() if d.name not in _allowed_folders()]
    assert strays == [], f"tests/{{{','.join(strays)}}} mirror no folder of autograder/"


def test_every_test_folder_is_a_package() -> None:
    """pytest names a module by its package (``core.test_x``): without __init__.py two test_x.py would clash."""
    bare = [d.name for d in _python_folders() if not (d / "__init__.py").exists()]
    assert bare == []


def test_the_mirror_is_checked_against_the_real_package() -> None:
    """The rule above would pass vacuously if it read no folders: it reads the package's and tests/'s."""
    assert {"core", "grading", "sandbox", "wire"} <= _allowed_folders()
    assert TESTS / "ground" in _python_folders()
