"""``autograder.checks`` is the one import surface of a course's checks (issue 20, item 6).

A course's checks import from ``autograder.checks`` only, so that a module moved inside the grader
breaks no course; ``__all__`` names everything they may use, and every name in it resolves. Pure:
the files are read with ``ast``, never run.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import autograder.checks as checks
from autograder.authoring import scaffold
from tests.conftest import ROOT

SURFACE = "autograder.checks"


def _course_check_files() -> list[Path]:
    return sorted((ROOT / "assignments").glob("*/checks/**/*.py"))


def _scaffold_check_files(tmp_path: Path) -> list[Path]:
    created = scaffold.create("week1", course=tmp_path / "course", cwd=tmp_path)
    return [path for path in created.files if path.suffix == ".py"]


def _grader_imports(tree: ast.AST) -> Iterator[tuple[int, str, list[str]]]:
    """Every import of the grader's package in ``tree`` (nested ones too): line, module, names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            if node.module == "autograder" or node.module.startswith("autograder."):
                yield node.lineno, node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "autograder" or alias.name.startswith("autograder."):
                    yield node.lineno, alias.name, []


def _off_surface(source: str) -> list[str]:
    """Each import of ``source`` that reaches past ``autograder.checks``, as ``line: module``."""
    return [f"{line}: {module}" for line, module, _names in _grader_imports(ast.parse(source))
            if module != SURFACE]


def _names_from_surface(source: str) -> set[str]:
    return {name for _line, module, names in _grader_imports(ast.parse(source)) if module == SURFACE
            for name in names}


def test_the_courses_have_check_files_to_look_at() -> None:
    files = _course_check_files()
    assert {path.relative_to(ROOT / "assignments").parts[0] for path in files} >= {
        "autograph", "custom_layers", "functional"}
    assert any(path.name == "conftest.py" for path in files)


@pytest.mark.parametrize("path", _course_check_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_a_course_check_imports_the_grader_only_through_autograder_checks(path: Path) -> None:
    assert _off_surface(path.read_text(encoding="utf-8")) == []


def test_the_scaffolds_checks_import_the_grader_only_through_autograder_checks(tmp_path: Path) -> None:
    files = _scaffold_check_files(tmp_path)
    assert len(files) == 2
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert _off_surface(source) == [], path
        assert _names_from_surface(source), path


@pytest.mark.parametrize("source", [
    "from autograder.check_side.student import Student\n",
    "from autograder.checks.properties import property_check\n",
    "import autograder.checks.topology\n",
    "from autograder import messages\n",
    "def f():\n    from autograder.wire.protocol import ArrayValue\n    return ArrayValue\n",
])
def test_an_import_past_the_surface_is_found(source: str) -> None:
    assert len(_off_surface(source)) == 1


def test_imports_of_the_surface_and_of_other_packages_pass() -> None:
    source = "import numpy as np\nfrom hypothesis import given\nfrom autograder.checks import _, Student\n"
    assert _off_surface(source) == []
    assert _names_from_surface(source) == {"_", "Student"}


def test_every_name_in_all_resolves_once() -> None:
    assert len(checks.__all__) == len(set(checks.__all__))
    missing = [name for name in checks.__all__ if not hasattr(checks, name)]
    assert missing == []


def test_every_name_a_check_imports_is_in_all(tmp_path: Path) -> None:
    files = _course_check_files() + _scaffold_check_files(tmp_path)
    used = set().union(*(_names_from_surface(path.read_text(encoding="utf-8")) for path in files))
    assert "*" not in used
    assert used - set(checks.__all__) == set()


@pytest.mark.parametrize("name", [
    "Student", "StudentUnavailable", "Runner", "RunnerUnavailable", "Reference", "Model", "Graph",
    "OpaqueValue", "ArrayValue", "CheckFailure", "_", "property_check", "float32_arrays", "shapes",
    "expect_config_complete", "config_differences", "reload_model", "load_student_model", "copy_weights",
    "describe", "expect_same_topology", "expect_same_interface", "parse", "TopologyError", "expect_tensor",
    "expect_tf_function", "expect_ops", "IF_OPS", "PY_FUNCTION_OPS", "WHILE_OPS",
])
def test_what_the_issue_names_is_on_the_surface(name: str) -> None:
    assert name in checks.__all__


def test_a_re_export_is_the_object_of_its_home_module() -> None:
    from autograder.check_side.student import Student
    from autograder.checks.properties import property_check
    from autograder.checks.topology import expect_same_topology

    assert checks.Student is Student
    assert checks.property_check is property_check
    assert checks.expect_same_topology is expect_same_topology


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_helper"):
        _ = checks.no_such_helper


def test_the_surface_imports_neither_hypothesis_nor_tensorflow() -> None:
    # The student's process imports autograder.wire.model_description, and so this package.
    code = ("import sys, autograder.wire.model_description; "
            "print(sorted({'hypothesis', 'tensorflow', 'keras'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.mark.parametrize("doc", [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"],
                         ids=lambda path: path.name)
def test_check_code_in_the_docs_imports_the_surface(doc: Path) -> None:
    # Notebooks import autograder.selfcheck and autograder.submission; check code must not reach
    # past autograder.checks into its modules or into the channel.
    off = [import_ for block in _FENCE.findall(doc.read_text(encoding="utf-8"))
           for import_ in re.findall(r"^\s*from (autograder\.(?:checks\.\w+|channel)[\w.]*) import", block,
                                     re.MULTILINE)]
    assert off == []
