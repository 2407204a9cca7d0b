"""A student with only the installed wheel and an unpacked release: check, submit, and check("q1") in Jupyter.

The wheel is built from a copy of this checkout and installed in a fresh virtual environment outside
it. TensorFlow and the other dependencies are not downloaded again: every package of this
checkout's environment is hard-linked into the new one, except tfgrade itself. (A ``.pth`` file
pointing at this environment's site-packages is not enough: the sandbox shows the student's
process only the interpreter's prefix and the package, so TensorFlow would be missing there.)
The test then checks that the tfgrade it runs is the wheel's, and that no path of the checkout is
on its sys.path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.authoring import release as releases
from autograder.core import assignment as assignments
from autograder.core import course as courses
from autograder.core.requirements import check_names

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "functional"
"""The assignment whose public checks need part of checks/conftest.py: the release's pruned copy must do."""
NOT_COPIED = (".venv", ".git", "build", "dist", "out", "tfgrade-out", "*.egg-info", "__pycache__", ".*_cache")
OWN = ("__editable__", "tfgrade-", "tfgrade.", "autograder")
"""This checkout's own install in its environment (the editable finder and its .pth): never linked."""
SECONDS = 900


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self) -> dict[str, str]:
        """The environment of a student's shell: this venv first on PATH, no course, no checkout."""
        env = {k: v for k, v in os.environ.items()
               if k not in (courses.ENVIRONMENT, "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        return {**env, "PATH": f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}

    def run(self, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=cwd, env=self.env(), capture_output=True, text=True, timeout=SECONDS,
                              check=False)


def build_wheel(out: Path) -> Path:
    source = out / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                          capture_output=True, text=True, timeout=SECONDS, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = out.glob("tfgrade-*.whl")
    return wheel


def link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another filesystem: a copy costs disk and time, but works
        shutil.copy2(source, target)


def make_venv(root: Path, wheel: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=SECONDS)
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = next((root / "lib").glob("python3*/site-packages"))
    for entry in sorted(ours.iterdir()):
        target = theirs / entry.name
        if entry.name.startswith(OWN) or target.exists():
            continue
        if entry.is_dir():
            shutil.copytree(entry, target, symlinks=True, copy_function=link_or_copy)
        else:
            link_or_copy(str(entry), str(target))
    python = root / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=SECONDS, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    return Installed(wheel, make_venv(tmp_path_factory.mktemp("student") / "venv", wheel))


@pytest.fixture(scope="module")
def course_assignment() -> assignments.Assignment:
    return assignments.load(courses.Course(REPO).assignments / ASSIGNMENT)


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory, course_assignment: assignments.Assignment) -> Path:
    """The release zip unpacked where a student would, with the solution saved as my.ipynb."""
    made = releases.release(course_assignment, tmp_path_factory.mktemp("instructor"))
    downloads = tmp_path_factory.mktemp("downloads")
    with zipfile.ZipFile(made.zip) as archive:
        archive.extractall(downloads)
    folder = downloads / ASSIGNMENT
    assert course_assignment.solution is not None
    shutil.copyfile(course_assignment.solution, folder / "my.ipynb")
    return folder


def hidden_note(course: assignments.Assignment, question: str | None = None) -> str:
    shares = [h for h in releases.summary(course) if question in (None, h.question)]
    points = sum(h.points for h in shares)
    checks = sum(h.checks for h in shares)
    return (f"{checks} hidden check{'' if checks == 1 else 's'} worth {points:g} point{'' if points == 1 else 's'} "
            f"run{'s' if checks == 1 else ''} when your notebook is graded")


# --- the wheel and the environment ------------------------------------------------------------------


def test_the_wheel_holds_the_package_and_no_assignment_hidden_check_or_solution(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = wheel.namelist()

    assert all(n.startswith(("autograder/", "tfgrade-")) for n in names), names
    assert not [n for n in names if n.endswith((".ipynb", ".toml")) or "hidden" in n or "solution" in n
                or "assignments/" in n or "samples" in n or n.endswith("conftest.py")]
    assert {"autograder/authoring/release.py", "autograder/reports/templates/selfcheck.html"} <= set(names)


def test_the_student_runs_the_wheel_not_the_checkout(installed: Installed, unpacked: Path) -> None:
    done = installed.run([str(installed.python), "-c",
                          "import autograder, json, sys; print(json.dumps([autograder.__file__, sys.path]))"], unpacked)
    where, path = json.loads(done.stdout)

    assert Path(where).is_relative_to(installed.venv)
    assert not [p for p in path if p and Path(p).resolve().is_relative_to(REPO)]


# --- what the student runs ---------------------------------------------------------------------------


def test_tfgrade_check_in_the_release_gives_full_public_marks_and_counts_the_hidden_checks(
    installed: Installed, unpacked: Path, course_assignment: assignments.Assignment
) -> None:
    done = installed.run(["tfgrade", "check", "my.ipynb"], unpacked)

    public = len(check_names(course_assignment.public_checks))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{public}/{public} public checks passed (all questions); {hidden_note(course_assignment)}" in done.stdout
    assert "will test:" in done.stdout


def test_tfgrade_submit_in_the_release_writes_the_zip(installed: Installed, unpacked: Path) -> None:
    done = installed.run(["tfgrade", "submit", "my.ipynb"], unpacked)

    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(unpacked / "my-submission.zip") as archive:
        assert "my.ipynb" in archive.namelist()


def test_check_q1_in_a_jupyter_kernel_of_the_installed_python(
    installed: Installed, unpacked: Path, course_assignment: assignments.Assignment, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kernels = tmp_path / "jupyter" / "kernels" / "student"
    kernels.mkdir(parents=True)
    spec = {"argv": [str(installed.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "student", "language": "python"}
    (kernels / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    for key, value in installed.env().items():
        monkeypatch.setenv(key, value)
    for key in (courses.ENVIRONMENT, "PYTHONPATH", "VIRTUAL_ENV"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # Jupyter tells the kernel which notebook it runs; check() finds the notebook from it.
    monkeypatch.setenv("JPY_SESSION_NAME", str(unpacked / "my.ipynb"))
    cells = ["import autograder; print(autograder.__file__)", 'from autograder.selfcheck import check\ncheck("q1")']
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])

    client = NotebookClient(nb, kernel_name="student", timeout=SECONDS, resources={"metadata": {"path": str(unpacked)}})
    client.execute()

    assert Path(nb.cells[0].outputs[0]["text"].strip()).is_relative_to(installed.venv)
    [shown] = [o for o in nb.cells[1].outputs if o["output_type"] == "execute_result"]
    text = shown["data"]["text/plain"]
    passed = re.search(r"(\d+)/(\d+) public checks passed \(question q1\); (.*)\.", text)
    assert passed is not None, text
    assert passed[1] == passed[2] != "0"
    assert passed[3] == hidden_note(course_assignment, "q1")
    assert "text/html" in shown["data"]
