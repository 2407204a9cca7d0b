"""A student's install has no otter and no Dask: what they use imports without them, the rest says which extra.

The extras are declared in pyproject.toml and explained by autograder/extras.py (issue 21). The imports are
tried in a fresh interpreter in which the extras' packages cannot be imported, as in a student's venv.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from autograder import extras
from tests.conftest import ROOT

EXTRA_PACKAGES = ("otter", "dask", "distributed")
STUDENT_MODULES = (
    "autograder.cli", "autograder.selfcheck", "autograder.students.selfcheck", "autograder.students.submission",
    "autograder.grading.pipeline", "autograder.grading.execution", "autograder.check_side.check_process",
    "autograder.student_side.student_process", "autograder.runner_side.runner_process", "autograder.reports.formats",
    "autograder.authoring.release", "autograder.interop.distributed",
)
"""check, submit, the in-notebook check and the grading engine's processes (and the modules the CLI loads)."""


def without_extras(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run in a fresh interpreter where importing any extra's package fails, as where it is missing."""
    block = f"import sys\nfor name in {EXTRA_PACKAGES!r}:\n    sys.modules[name] = None\n"
    return subprocess.run([sys.executable, "-c", block + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT)


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_the_student_path_imports_without_any_extra_and_an_instructor_command_names_its_extra() -> None:
    # One interpreter for both (each costs seconds of imports): the student's modules, then `tfgrade otter`.
    imports = "".join(f"importlib.import_module({m!r})\n" for m in STUDENT_MODULES)
    done = without_extras(f"""
import importlib
{imports}
print("imported")
from autograder import cli
raise SystemExit(cli.main(["otter", "autograph", "--course", "."]))
""")

    out = done.stdout + done.stderr
    assert done.stdout.startswith("imported"), out
    assert done.returncode != 0
    assert 'pip install "tfgrade[otter]"' in out and "Traceback" not in out, out


def test_require_names_the_extra_of_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)

    with pytest.raises(extras.MissingExtra, match=r'Grading on a cluster needs distributed.*"tfgrade\[dask\]"'):
        extras.require("distributed", "Grading on a cluster")


def test_require_leaves_a_broken_install_of_the_package_its_own_error(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "otter").mkdir()
    (tmp_path / "otter" / "__init__.py").write_text("import surely_not_a_module_tfgrade_knows\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "otter", raising=False)

    with pytest.raises(ModuleNotFoundError, match="surely_not_a_module_tfgrade_knows"):
        extras.require("otter", "tfgrade otter")


def test_the_extras_install_what_the_student_install_leaves_out_and_dev_has_them_all() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = " ".join(project["dependencies"])
    optional = project["optional-dependencies"]

    assert not [p for p in ("otter-grader", "dask") if p in required]
    assert "tensorflow==" not in required and "tensorflow>=" in required
    assert {extras.EXTRAS[m] for m in extras.EXTRAS} | {"instructor"} <= set(optional)
    assert "tfgrade[otter,dask,review]" in optional["instructor"] and "tfgrade[instructor]" in optional["dev"]
