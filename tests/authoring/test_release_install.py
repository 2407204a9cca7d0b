"""A student installs a release with only its README's command, in a fresh venv, and self-checks (issue 21).

The release is built as an instructor builds it (the wheel comes from this checkout), unpacked where a
student would, and installed into a fresh ``python -m venv`` (no system site-packages) by running the
README's one ``pip install`` line in the unpacked folder, with the venv first on PATH. pip reaches the
package index only for the wheel's own dependencies (TensorFlow, ...) and for Jupyter; tfgrade itself
comes from the folder. Then, once with the sandbox tools and once with them hidden from PATH (a
laptop, Colab or a container): ``tfgrade check``, ``tfgrade submit`` and ``check("q1")`` in a Jupyter
kernel of that venv, run by nbclient.

Installing TensorFlow takes minutes, so this test has its own marker, ``install``: ``make test`` leaves
it out, ``make test-install`` runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.authoring import release as releases
from autograder.core import assignment as assignments
from autograder.core import course as courses

pytestmark = [pytest.mark.slow, pytest.mark.install]

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "autograph"
SANDBOX_TOOLS = ("bwrap", "setpriv", "prlimit")
INSTALL_SECONDS = 1800
RUN_SECONDS = 900
LEFT_OUT = ("otter", "dask", "distributed")
"""The instructor's extras: a student's install has none of them."""


@dataclass(frozen=True)
class Student:
    venv: Path
    folder: Path
    """The unpacked release, with the solution saved as my.ipynb."""

    def env(self, path: str) -> dict[str, str]:
        """A student's shell: this venv first on PATH, no course, no checkout, no other venv."""
        env = {k: v for k, v in os.environ.items()
               if k not in (courses.ENVIRONMENT, "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        return {**env, "PATH": f"{self.venv / 'bin'}{os.pathsep}{path}"}

    def run(self, command: str, path: str, seconds: int = RUN_SECONDS) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-c", command], cwd=self.folder, env=self.env(path), capture_output=True,
                              text=True, timeout=seconds, check=False)


def install_line(readme: str) -> str:
    """The README's one install command."""
    [line] = [line.strip() for line in readme.splitlines() if line.strip().startswith("pip install")]
    return line


def system_path() -> str:
    """The PATH without this checkout's environment: the student has only the system's tools and the new venv."""
    ours = Path(sys.executable).parent
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != ours)


def without_sandbox_tools(root: Path) -> str:
    """A PATH of every tool of :func:`system_path` but the sandbox's, linked into one folder."""
    tools = root / "bin"
    tools.mkdir()
    for folder in system_path().split(os.pathsep):
        for tool in sorted(Path(folder).glob("*")) if Path(folder).is_dir() else []:
            if tool.name not in SANDBOX_TOOLS and not (tools / tool.name).exists():
                (tools / tool.name).symlink_to(tool)
    return str(tools)


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Student:
    course = assignments.load(courses.Course(REPO).assignments / ASSIGNMENT)
    made = releases.release(course, tmp_path_factory.mktemp("instructor"))
    downloads = tmp_path_factory.mktemp("downloads")
    with zipfile.ZipFile(made.zip) as archive:
        archive.extractall(downloads)
    folder = downloads / ASSIGNMENT
    assert course.solution is not None
    shutil.copyfile(course.solution, folder / "my.ipynb")
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=RUN_SECONDS)
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    installed = Student(venv, folder)
    command = install_line((folder / releases.README).read_text(encoding="utf-8"))
    done = installed.run(command, system_path(), INSTALL_SECONDS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return installed


def kernel_check(student: Student, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``check("q1")`` shows in a Jupyter kernel of the student's venv, run by nbclient."""
    kernels = tmp_path / "jupyter" / "kernels" / "student"
    kernels.mkdir(parents=True)
    spec = {"argv": [str(student.venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "student", "language": "python"}
    (kernels / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    for key, value in student.env(path).items():
        monkeypatch.setenv(key, value)
    for key in (courses.ENVIRONMENT, "PYTHONPATH", "VIRTUAL_ENV"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JPY_SESSION_NAME", str(student.folder / "my.ipynb"))  # as Jupyter Server tells its kernels
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('from autograder.selfcheck import check\n'
                                                                   'check("q1")')])
    NotebookClient(nb, kernel_name="student", timeout=RUN_SECONDS,
                   resources={"metadata": {"path": str(student.folder)}}).execute()
    [shown] = [o for o in nb.cells[0].outputs if o["output_type"] == "execute_result"]
    return str(shown["data"]["text/plain"])


def self_check(student: Student, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """check, submit and check("q1") in a kernel, each passing; their output, for what else to assert."""
    (student.folder / "my-submission.zip").unlink(missing_ok=True)
    checked = student.run("tfgrade check my.ipynb", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"(\d+)/\1 public checks passed \(all questions\)", checked.stdout), checked.stdout
    submitted = student.run("tfgrade submit my.ipynb", path)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    with zipfile.ZipFile(student.folder / "my-submission.zip") as archive:
        assert "my.ipynb" in archive.namelist()
    shown = kernel_check(student, path, tmp_path, monkeypatch)
    passed = re.search(r"(\d+)/(\d+) public checks passed \(question q1\)", shown)
    assert passed is not None and passed[1] == passed[2] != "0", shown
    return checked.stdout + checked.stderr + submitted.stdout + submitted.stderr


def test_a_fresh_venv_installs_the_release_with_its_readme_command_and_self_checks_with_and_without_sandbox(
    student: Student, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    system = system_path()
    found = student.run("python -c 'import autograder, importlib.util as u, json, sys; print(json.dumps("
                        f"[autograder.__file__, [m for m in {json.dumps(LEFT_OUT)} if u.find_spec(m)]]))'", system)
    where, extras = json.loads(found.stdout)
    assert Path(where).is_relative_to(student.venv) and extras == [], found.stdout + found.stderr

    self_check(student, system, tmp_path / "sandboxed", monkeypatch)
    bare = self_check(student, without_sandbox_tools(tmp_path), tmp_path / "bare", monkeypatch)

    # Said once per command (check, submit), in one line.
    assert len([line for line in bare.splitlines() if "not isolated" in line]) == 2, bare
