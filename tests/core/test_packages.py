"""The packages a course's notebooks may import: declared, installed, imported in the sandbox, explained.

The fast tests read real TOML files and the real environment (``importlib.metadata``); the slow ones
grade real notebooks in the real sandbox.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from factories import FakeExecutor, execution, summary, write_notebook
from packaging.version import Version

from autograder import messages
from autograder.authoring import release, validate
from autograder.core import assignment, cache, course_packages, habits, packages
from autograder.core.course import Course
from autograder.core.results import CellError
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.interop import gradescope
from tests.conftest import TESTS

TINY = TESTS / "fixtures" / "tiny"


def course_with_tiny(root: Path, course_toml: str | None = None, requirements: str | None = None) -> Path:
    """A course at ``root`` holding the tiny assignment, with the given course.toml and requirements line."""
    folder = root / "assignments" / "tiny"
    shutil.copytree(TINY, folder)
    if course_toml is not None:
        (root / "course.toml").write_text(course_toml, encoding="utf-8")
    if requirements is not None:
        config = folder / "assignment.toml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace('tensorflow = false', f"{requirements}\ntensorflow = false"), encoding="utf-8")
    return folder


# -- declaring: course.toml, assignment.toml ---------------------------------------------------


def test_the_bundled_assignments_inherit_the_default_list() -> None:
    for name in assignment.available():
        assert assignment.load(name).packages == packages.DEFAULT


def test_without_a_course_toml_a_course_gets_the_default(tmp_path: Path) -> None:
    assert assignment.load(course_with_tiny(tmp_path)).packages == packages.DEFAULT
    assert packages.of_course(tmp_path) == packages.DEFAULT


def test_a_course_toml_replaces_the_default_and_an_assignment_adds_to_it(tmp_path: Path) -> None:
    folder = course_with_tiny(tmp_path, 'requirements = ["matplotlib>=3.8", "pandas"]\n',
                              'requirements = ["seaborn>=0.13", "matplotlib==3.9.2"]')

    loaded = assignment.load(folder)

    # The assignment's matplotlib entry replaces the course's; seaborn is added; Pillow is not there.
    assert loaded.packages == ("pandas", "seaborn>=0.13", "matplotlib==3.9.2")
    assert course_packages.for_course(Course(tmp_path)) == ["matplotlib>=3.8", "pandas", "seaborn>=0.13",
                                                     "matplotlib==3.9.2"]


def test_a_course_toml_without_requirements_keeps_the_default(tmp_path: Path) -> None:
    course_with_tiny(tmp_path, 'title = "Deep learning 101"\n')
    assert packages.of_course(tmp_path) == packages.DEFAULT


@pytest.mark.parametrize("line, says", [
    ('requirements = "matplotlib"', "must be a list of pip requirements"),
    ('requirements = ["matplotlib >= three"]', "is not a pip requirement"),
])
def test_a_bad_requirements_list_names_the_file_and_what_to_write(tmp_path: Path, line: str, says: str) -> None:
    folder = course_with_tiny(tmp_path, requirements=line)
    with pytest.raises(assignment.AssignmentError, match=says) as raised:
        assignment.load(folder)
    assert str(folder / "assignment.toml") in str(raised.value)


@pytest.mark.slow
def test_a_release_keeps_the_assignments_list_without_its_course(tmp_path: Path) -> None:
    """A release has no course above it: the list it carries is complete, not added to the default."""
    folder = course_with_tiny(tmp_path / "course", 'requirements = ["pandas"]\n', 'requirements = ["Pillow"]')
    made = release.release(assignment.load(folder), tmp_path / "out")

    assert assignment.load(made.folder).packages == assignment.load(folder).packages == ("pandas", "Pillow")


def test_a_changed_course_list_regrades_the_course(tmp_path: Path) -> None:
    """A notebook that imports a package graded before the course allowed it must not keep its old result."""
    folder = course_with_tiny(tmp_path, 'requirements = ["pandas"]\n')
    before = cache.checks_key(assignment.load(folder))

    (tmp_path / "course.toml").write_text('requirements = ["pandas", "seaborn"]\n', encoding="utf-8")

    assert cache.checks_key(assignment.load(folder)) != before


def test_the_list_for_installers_is_printed_one_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    course_with_tiny(tmp_path, 'requirements = ["pandas"]\n', 'requirements = ["Pillow>=10"]')

    assert course_packages.main(["--course", str(tmp_path)]) == 0

    assert capsys.readouterr().out == "pandas\nPillow>=10\n"


# -- this environment: what is missing, what a distribution is imported as ----------------------


def test_missing_compares_installed_versions() -> None:
    numpy = Version(importlib.metadata.version("numpy"))
    wanted = [f"numpy>={numpy}", f"numpy<{numpy}", "tfgrade-surely-not-a-distribution",
              'tfgrade-surely-not-a-distribution-either; python_version < "3"']

    assert packages.missing(wanted) == [f"numpy<{numpy}", "tfgrade-surely-not-a-distribution"]


@pytest.mark.slow
def test_import_names_come_from_the_installed_files() -> None:
    # Distributions tfgrade itself needs, whose names differ from their modules' (as Pillow -> PIL).
    assert packages.import_names("PyYAML>=5") == ("yaml",)
    assert packages.import_names("ipython") == ("IPython",)
    assert packages.import_names("tfgrade-surely-not-a-distribution") == ()


# -- a notebook that imports what the grader does not have --------------------------------------

SEABORN = "ModuleNotFoundError: No module named 'seaborn' (line 1)"


def test_a_missing_package_names_the_package_the_cell_and_what_the_notebook_may_use() -> None:
    run = summary("completed", "ran", (CellError(2, SEABORN),
                                       CellError(3, "ModuleNotFoundError: No module named 'pandas.nothing'")))

    explained = habits.explain_cells(run, {2: "import seaborn as sns", 3: "import pandas.nothing"},
                                     ("matplotlib>=3.9", "Pillow>=10.4"))

    allowed = "TensorFlow, Keras, NumPy, matplotlib, Pillow"
    assert explained.cell_errors[0].hint == messages.MISSING_PACKAGE.format(cell=2, module="seaborn", packages=allowed)
    assert explained.cell_errors[1].hint == ""  # a missing part of an installed package is another mistake


def test_an_allowed_package_missing_where_the_notebook_ran_says_how_to_install_it() -> None:
    """A student's own computer, where ``tfgrade check`` runs, may lack what the assignment allows."""
    run = summary("completed", "ran", (CellError(1, "ModuleNotFoundError: No module named 'matplotlib' (line 3)"),))

    explained = habits.explain_cells(run, {}, packages.DEFAULT)

    assert explained.cell_errors[0].hint == messages.ALLOWED_PACKAGE_MISSING.format(
        cell=1, module="matplotlib", requirement="matplotlib>=3.9")


def test_a_keras_2_module_keeps_its_habit_hint() -> None:
    error = CellError(2, "ModuleNotFoundError: No module named 'keras.utils.vis_utils' (line 1)")
    explained = habits.explain_cells(summary("completed", "ran", (error,)), {}, packages.DEFAULT)
    assert explained.cell_errors[0].hint == messages.HABIT_VIS_UTILS.format()


# -- tfgrade validate: each package imported in the student's sandbox ---------------------------


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_validate_reports_packages_not_installed_and_imports_that_fail(tmp_path: Path) -> None:
    tiny = dataclasses.replace(assignment.load(TINY), packages=("Jinja2", "PyYAML", "tfgrade-surely-not-installed"))
    failing = CellError(2, "ImportError: libyaml.so: cannot open shared object file")
    executor = FakeExecutor(canned=execution(run=summary("completed", "ran", (failing,))))

    problems = validate.package_problems(tiny, executor)

    [call] = executor.calls
    assert [c.source for c in call.notebook.cells] == ["import jinja2", "import yaml"]
    assert not call.include_hidden
    assert problems == (
        "tfgrade-surely-not-installed is not installed where tfgrade runs: run pip install "
        "'tfgrade-surely-not-installed' in tfgrade's environment (make setup installs all the course's packages)",
        f"PyYAML: `import yaml` fails in the student's sandbox: {failing.error}",
    )


@pytest.mark.slow
def test_validate_imports_the_default_packages_in_the_real_sandbox() -> None:
    tiny = assignment.load(TINY)
    assert tiny.packages == packages.DEFAULT
    assert packages.missing(tiny.packages) == [], "run make setup: it installs the course's packages"

    assert validate.package_problems(tiny, ProcessExecutor()) == ()


@pytest.mark.slow
def test_an_undeclared_import_is_explained_and_the_next_cells_still_run(tmp_path: Path) -> None:
    if importlib.util.find_spec("seaborn") is not None:
        pytest.skip("seaborn is installed here; this test needs a package the grader does not have")
    path = write_notebook(
        tmp_path / "with-seaborn.ipynb",
        "def add(a, b):\n    return a + b",
        "import seaborn as sns\nsns.set_theme()",
        "def mean_of(xs):\n    return sum(xs) / len(xs)",
        assignment="tiny",
    )

    graded = grade(path, assignment.load(TINY), ProcessExecutor())

    [error] = graded.result.execution.cell_errors
    assert error.cell == 2 and "seaborn" in error.error
    assert error.hint.startswith("Cell 2 imports seaborn, which the grader does not have.")
    assert "matplotlib, pandas, Pillow, scipy, scikit-learn" in error.hint
    # Cell 3 ran after the failed import: mean_of is defined and its check passes.
    assert graded.score.earned == graded.score.points == 3


# -- Gradescope: setup.sh installs the assignment's packages ------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gradescope.build_zip(assignment.load("autograph"), tmp_path_factory.mktemp("gs") / "autograder.zip")


def test_the_gradescope_zip_lists_the_assignments_packages(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        listed = archive.read("packages.txt").decode()
    lines = [line for line in listed.splitlines() if not line.startswith("#")]
    assert lines == list(assignment.load("autograph").packages)


@pytest.mark.slow
def test_setup_sh_installs_the_packages_with_pip(built: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        setup = archive.read("setup.sh").decode()
        archive.extractall(tmp_path / "source")
    step = setup[setup.index("# What the assignment's notebooks may import"):]
    # The step as written, with this environment's pip resolving (not installing) from what it has.
    step = step.replace("/autograder/venv/bin/pip install", f"{sys.executable} -m pip install --dry-run --no-index")
    step = step.replace("/autograder/source", str(tmp_path / "source"))

    ran = subprocess.run(["bash", "-euo", "pipefail", "-c", step], capture_output=True, text=True, timeout=300)

    assert ran.returncode == 0, ran.stderr
    assert "matplotlib" in ran.stdout and "scikit-learn" in ran.stdout
