"""What decides a grade is every file of every subpackage: the cache key and the Gradescope zip take them all."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

import autograder
from autograder.core import assignment, cache
from autograder.interop import gradescope
from tests.conftest import TESTS


def every_module() -> set[Path]:
    return {Path(folder) / name for folder, _, names in os.walk(autograder.PACKAGE)
            for name in names if name.endswith(".py")}


def test_package_files_include_every_module_of_every_subpackage() -> None:
    files = set(autograder.package_files())
    assert every_module() <= files
    assert autograder.PACKAGE / "runner_side" / "runner_process.py" in files


@pytest.mark.parametrize("left_out",
                         ["runner_side/runner_process.py", "checks/topology/matching.py", "grading/pipeline.py"])
def test_the_cache_key_changes_when_any_module_is_left_out(left_out: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = assignment.load(TESTS / "fixtures" / "tiny")
    whole = cache.grading_keys(tiny)
    every = autograder.package_files()
    monkeypatch.setattr(autograder, "package_files", lambda: [p for p in every if p != autograder.PACKAGE / left_out])
    assert cache.grading_keys(tiny) != whole


def test_the_gradescope_zip_packs_every_module(tmp_path: Path) -> None:
    built = gradescope.build_zip(assignment.load("autograph"), tmp_path / "autograder.zip")
    names = set(zipfile.ZipFile(built).namelist())
    wanted = {f"autograder/{p.relative_to(autograder.PACKAGE)}" for p in every_module()}
    assert wanted <= names
