"""Grading on Dask workers that share no filesystem with the instructor gives the same files as one machine.

A real cluster: ``dask scheduler`` and ``dask worker`` as processes. Each worker runs in its own mount
namespace (``unshare``) with a tmpfs over the instructor's folder, which holds the course and the
submissions, and in a working folder of its own; so it can grade only with what Dask sends it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import distributed
import pytest

import autograder
from autograder.core import assignment
from autograder.grading import batch
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import Graded
from autograder.interop import dask_worker
from autograder.interop.distributed import DaskGrader, WorkerSettings
from autograder.sandbox import launcher as sandbox
from tests.conftest import NOTEBOOKS, ROOT
from tests.factories import write_notebook

UNSHARE, MOUNT = shutil.which("unshare"), shutil.which("mount")


def _why_no_blind_workers() -> str:
    """Why workers that cannot see the instructor's folder cannot be made here (empty: they can)."""
    if os.geteuid() != 0 or UNSHARE is None or MOUNT is None:
        return "hiding the instructor's folder from the workers needs root, unshare and mount"
    launcher = sandbox.detect(fork=False)
    return "" if launcher.isolated else f"the workers must sandbox, and here: {launcher.description}"


WHY_NOT = _why_no_blind_workers()
blind_workers = pytest.mark.skipif(bool(WHY_NOT), reason=WHY_NOT or "they can be made here")
DASK = Path(sys.executable).parent / "dask"
STARTUP_SECONDS = 60
GOOD = "def add(a, b):\n    return a + b + OFFSET - 10\n\ndef mean_of(xs):\n    return sum(xs) / len(xs)"
WRONG = "def add(a, b):\n    return a - b\n\ndef mean_of(xs):\n    return sum(xs) / len(xs)"
READS_DATA = "OFFSET = int(open('data/offset.txt').read())"  # so the data/ folder must travel too


@dataclass
class Cluster:
    address: str
    instructor: Path
    """Holds the course and the submissions; no worker can see into it."""
    workers_home: Path
    processes: list[subprocess.Popen[bytes]]

    def start_worker(self, name: str, *, path: str | None = None, pythonpath: Path | None = None) -> None:
        """A worker in its own mount namespace, with a tmpfs over the instructor's folder, in a folder of its
        own; ``path`` replaces its PATH (where it finds system tools), ``pythonpath`` goes before its packages."""
        home = self.workers_home / name
        home.mkdir()
        script = '"$1" -t tmpfs -o size=1m hidden "$2" && cd "$3" && shift 3 && exec "$@"'
        command = [str(UNSHARE), "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                   str(MOUNT), str(self.instructor), str(home), str(DASK), "worker", self.address, "--name", name,
                   "--nthreads", "1", "--no-nanny", "--no-dashboard", "--local-directory", str(home / "scratch")]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TFGRADE")}
        environment["PATH"] = path or environment.get("PATH", "")
        if pythonpath is not None:
            environment["PYTHONPATH"] = str(pythonpath)
        self.processes.append(subprocess.Popen(command, env=environment, start_new_session=True,
                                               stdout=subprocess.DEVNULL, stderr=home.with_suffix(".log").open("wb")))


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A scheduler of its own for each test (a second or so), so no test depends on another's workers."""
    base = tmp_path
    scheduler_file = base / "scheduler.json"
    scheduler = subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)], start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=(base / "scheduler.log").open("wb"))
    found = Cluster("", base / "instructor", base / "workers", [scheduler])
    found.instructor.mkdir()
    found.workers_home.mkdir()
    try:
        found.address = json.loads(_wait_for(scheduler_file).read_text())["address"]
        yield found
    finally:
        for process in found.processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for(path: Path) -> Path:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the Dask scheduler did not write {path} within {STARTUP_SECONDS} s")
        time.sleep(0.2)
    return path


@pytest.fixture
def tiny(cluster: Cluster) -> assignment.Assignment:
    """A copy of the tiny assignment, with a data file, in a course inside the instructor's folder."""
    root = cluster.instructor / "course" / "assignments" / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", root)
    (root / "data").mkdir()
    (root / "data" / "offset.txt").write_text("10")
    shutil.copytree(NOTEBOOKS / "autograph", root / "samples")  # never sent: not something grading needs
    return assignment.load(root)


@pytest.fixture
def submissions(cluster: Cluster) -> list[Path]:
    folder = cluster.instructor / "submissions"
    good = write_notebook(folder / "good.ipynb", READS_DATA, GOOD, assignment="tiny")
    wrong = write_notebook(folder / "wrong-add.ipynb", READS_DATA, WRONG, assignment="tiny")
    packed = folder / "packed-submission.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(good, "my-tiny.ipynb")
    corrupt = folder / "corrupt.ipynb"
    shutil.copy(NOTEBOOKS / "engine" / "corrupt.ipynb", corrupt)
    other = write_notebook(folder / "other-assignment.ipynb", "x = 1", assignment="autograph")
    return [good, wrong, packed, corrupt, other, folder / "missing.ipynb"]


def _on_workers(client: distributed.Client, function: Callable[[], object]) -> dict[str, object]:
    """What ``function()`` returns on each worker, by the worker's name."""
    by_address = client.run(function)
    names = {address: info["name"] for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}
    return {names[address]: value for address, value in by_address.items()}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
@blind_workers
def test_workers_that_cannot_see_the_instructors_files_grade_exactly_as_this_machine(cluster, tiny, submissions):
    cluster.start_worker("blind")
    hidden, toml = str(cluster.instructor), str(tiny.root / "assignment.toml")
    with distributed.Client(cluster.address) as client:
        client.wait_for_workers(1, timeout=STARTUP_SECONDS)
        seen = _on_workers(client, lambda: (os.listdir(hidden), os.getcwd(), os.path.exists(toml)))
        assert seen == {"blind": ([], str(cluster.workers_home / "blind"), False)}

        local = batch.grade_all(submissions, tiny, ProcessExecutor(), cluster.instructor / "local",
                                progress=lambda _: None, jobs=2)
        with DaskGrader(cluster.address, tiny) as grader:
            remote = batch.grade_all(submissions, tiny, ProcessExecutor(), cluster.instructor / "dask",
                                     progress=lambda _: None, jobs=2, grader=grader)
        unpacked = _on_workers(client, lambda: dict(dask_worker.UNPACKS))

    statuses = [(Path(g.result.submission).name, g.result.status, g.score.earned) for g in remote.rows]
    assert statuses == [("good.ipynb", "graded", 3), ("wrong-add.ipynb", "graded", 1),
                        ("packed-submission.zip", "graded", 3), ("corrupt.ipynb", "rejected", 0),
                        ("other-assignment.ipynb", "rejected", 0), ("missing.ipynb", "rejected", 0)]
    local_files, dask_files = _files(cluster.instructor / "local"), _files(cluster.instructor / "dask")
    assert dask_files["grades.csv"] == local_files["grades.csv"]
    assert dask_files == local_files  # every report of every submission, byte for byte
    # Five submissions went to the worker (the missing one is rejected here), the assignment once.
    assert unpacked == {"blind": {dask_worker.AssignmentBundle.of(tiny, WorkerSettings()).digest: 1}}
    assert [g.score for g in remote.rows] == [g.score for g in local.rows]


@pytest.mark.slow
@blind_workers
def test_a_worker_that_joins_later_gets_the_assignment_and_says_what_it_lacks(cluster, tiny, submissions):
    full_path = os.environ["PATH"]
    with distributed.Client(cluster.address) as client, DaskGrader(cluster.address, tiny) as grader:
        # Registered while no worker was there: this one gets the assignment from the scheduler when it joins.
        cluster.start_worker("late-and-bare", path=str(DASK.parent))  # no bwrap, dot or tesseract on its PATH
        client.wait_for_workers(1, timeout=STARTUP_SECONDS)
        unpacked = _on_workers(client, lambda: dict(dask_worker.UNPACKS))
        result = batch.grade_all(submissions[:2], tiny, ProcessExecutor(), cluster.instructor / "bare",
                                 progress=lambda _: None, jobs=2, grader=grader)
        client.run(lambda: os.environ.update(PATH=full_path))  # the tools are "installed" now: rerun the batch
        again = batch.grade_all(submissions[:2], tiny, ProcessExecutor(), cluster.instructor / "bare",
                                progress=lambda _: None, jobs=2, grader=grader)

    assert [row.result.status for row in again.rows] == ["graded", "graded"]
    assert unpacked == {"late-and-bare": {dask_worker.AssignmentBundle.of(tiny, WorkerSettings()).digest: 1}}
    for row in result.rows:
        assert row.result.status == "grader_error"
        message = row.result.message
        assert "Dask worker late-and-bare" in message and "cannot grade" in message, message
        assert "no sandbox" in message and "bwrap" in message, message
        assert "dot is not installed" in message and "tesseract is not installed" in message, message


def _unfit_worker_says(cluster: Cluster, task: assignment.Assignment, submission: Path, worker: str) -> str:
    """Grade one submission on the cluster's only worker, which cannot grade: the message of its row."""
    with distributed.Client(cluster.address) as client, DaskGrader(cluster.address, task) as grader:
        client.wait_for_workers(1, timeout=STARTUP_SECONDS)
        result = batch.grade_all([submission], task, ProcessExecutor(), cluster.instructor / worker,
                                 progress=lambda _: None, grader=grader)
    [row] = result.rows
    assert row.result.status == "grader_error"
    assert f"Dask worker {worker}" in row.result.message, row.result.message
    return row.result.message


@pytest.mark.slow
@blind_workers
def test_a_worker_without_a_package_the_courses_notebooks_may_import_says_which(cluster, tiny, submissions):
    # The course's own list (course.toml) stays on this machine; the worker must still judge by it.
    (cluster.instructor / "course" / "course.toml").write_text(
        'requirements = ["matplotlib", "tfgrade-probe-never-installed>=1.0"]\n', encoding="utf-8")
    course_tiny = assignment.load(tiny.root)
    assert "tfgrade-probe-never-installed>=1.0" in course_tiny.packages
    cluster.start_worker("without-the-package")

    message = _unfit_worker_says(cluster, course_tiny, submissions[0], "without-the-package")
    assert "tfgrade-probe-never-installed>=1.0" in message and "matplotlib" not in message, message


@pytest.mark.slow
@blind_workers
def test_a_worker_with_another_tfgrade_says_so(cluster, tiny, submissions):
    other = cluster.workers_home / "another-tfgrade"
    shutil.copytree(autograder.PACKAGE, other / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    init = other / "autograder" / "__init__.py"
    init.write_text(init.read_text().replace(f'__version__ = "{autograder.__version__}"', '__version__ = "0.0.1"'))
    cluster.start_worker("outdated", pythonpath=other)

    message = _unfit_worker_says(cluster, tiny, submissions[0], "outdated")
    assert f"tfgrade 0.0.1 is installed here but {autograder.__version__} where you run tfgrade grade" in message


@pytest.mark.slow
@blind_workers
def test_a_tensorflow_notebook_grades_the_same_on_a_worker(cluster):
    root = cluster.instructor / "course" / "assignments" / "autograph"
    shutil.copytree(ROOT / "assignments" / "autograph", root, ignore=shutil.ignore_patterns("samples"))
    autograph = assignment.load(root)
    submitted = cluster.instructor / "submissions" / "wrong-constant.ipynb"
    submitted.parent.mkdir()
    shutil.copy(NOTEBOOKS / "autograph" / "wrong-constant.ipynb", submitted)
    cluster.start_worker("blind")

    local = batch.grade_all([submitted], autograph, ProcessExecutor(), cluster.instructor / "local",
                            progress=lambda _: None)
    with DaskGrader(cluster.address, autograph) as grader:
        remote = batch.grade_all([submitted], autograph, ProcessExecutor(), cluster.instructor / "dask",
                                 progress=lambda _: None, grader=grader)

    assert remote.rows[0].result.status == "graded"
    assert 0 < remote.rows[0].score.earned < autograph.max_points
    # Not every byte: the notebook prints its own timings, and the speed check measures afresh.
    assert (cluster.instructor / "dask" / "grades.csv").read_bytes() == \
        (cluster.instructor / "local" / "grades.csv").read_bytes()
    assert _outcomes(remote.rows[0]) == _outcomes(local.rows[0])


def _outcomes(graded: Graded) -> list[tuple[str, str, float]]:
    return [(check.name, check.outcome, check.earned) for check in graded.result.checks]


def test_the_bundle_holds_what_grading_needs_and_packs_the_same_every_time(tmp_path):
    course = tmp_path / "course"
    root = course / "assignments" / "autograph"
    shutil.copytree(ROOT / "assignments" / "autograph", root)
    (root / "corpus").mkdir()
    (root / "corpus" / "expected-to-fail.ipynb").write_text("{}")
    (root / "data").mkdir()
    (root / "data" / "table.csv").write_text("a,b\n1,2\n")
    (root / "checks" / "__pycache__").mkdir()
    (root / "checks" / "__pycache__" / "conftest.cpython-311.pyc").write_bytes(b"\0")
    (course / "solutions").mkdir()
    (course / "solutions" / "autograph.ipynb").write_text("{}")
    autograph = assignment.load(root)

    first = dask_worker.pack(autograph)
    os.utime(root / "assignment.toml", (0, 0))  # a new timestamp alone changes nothing that travels
    assert dask_worker.pack(autograph) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = sorted(archive.namelist())
    # costs.toml travels: the limits a worker derives from it must be the ones this machine derives.
    assert names == ["assignment.toml", "autograph.ipynb", "checks/hidden/test_hidden.py",
                     "checks/public/test_public.py", "costs.toml", "data/table.csv",
                     "locale/ko/LC_MESSAGES/assignment.po", "requirements.toml"]
