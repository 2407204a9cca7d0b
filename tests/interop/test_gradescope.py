"""The Gradescope autograder zip, run against a simulated /autograder layout."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from autograder.core import assignment
from autograder.interop import gradescope
from tests.conftest import NOTEBOOKS, ROOT


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return gradescope.build_zip(assignment.load("autograph"), tmp_path_factory.mktemp("gs") / "autograder.zip")


def test_zip_has_the_scripts_the_package_and_the_assignment(built):
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        run = archive.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "pyproject.toml", "autograder/grading/pipeline.py",
            "assignments/autograph/assignment.toml", "assignments/autograph/checks/hidden/test_hidden.py"} <= names
    assert not any("solutions/" in n or "tests/" in n for n in names)
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert '"$ROOT/source/assignments/autograph"' in run


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_setup_script_is_valid_bash_and_chooses_a_python_new_enough(built, tmp_path):
    with zipfile.ZipFile(built) as archive:
        setup = archive.read("setup.sh").decode()
    subprocess.run(["bash", "-n"], input=setup, text=True, check=True)
    # The Python it settles on, with the apt and pip steps left out.
    choose = setup[setup.index('python=""'):setup.index("# Debian and Ubuntu")]
    chosen = subprocess.run(["bash", "-c", choose + 'echo "$python"'], capture_output=True, text=True, check=True)
    version = subprocess.run([chosen.stdout.strip(), "-c", "import sys; print(sys.version_info >= (3, 11))"],
                             capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "True"


def _simulate(built, tmp_path, submission_files):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    for source in submission_files:
        shutil.copy(source, root / "submission" / source.name)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "TFGRADE_PYTHON": sys.executable}
    subprocess.run(["bash", str(root / "run_autograder")], env=env, check=True, capture_output=True, timeout=600)
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.slow
def test_run_autograder_writes_gradescope_results_for_a_submission(built, tmp_path):
    results = _simulate(built, tmp_path, [NOTEBOOKS / "autograph" / "wrong-constant.ipynb"])
    assert results["score"] == 9
    tests = results["tests"]
    assert all({"name", "score", "max_score", "status", "output"} <= set(t) for t in tests)
    assert sum(t["max_score"] for t in tests) == 11
    assert any(t["name"].startswith("q1") and t["status"] == "failed" for t in tests)
    text = json.dumps(results)
    assert "simple_nn_values" not in text  # a hidden check's name never reaches Gradescope


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_run_autograder_without_a_notebook_still_writes_results(built, tmp_path):
    results = _simulate(built, tmp_path, [ROOT / "README.md"])
    assert results["score"] == 0
    assert "No notebook" in results["output"]
