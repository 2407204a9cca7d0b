"""Grading on Dask workers that share no filesystem with the instructor gives the same files as one machine.

A real cluster: ``dask scheduler`` and ``dask worker`` as processes. Each worker runs in its own mount
namespace (``unshare``) with a tmpfs over the instructor's folder, which holds the course and the
submissions, and in a working folder of its own; so it can grade only with what Dask sends it.
"""

from __future__ import annotations

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

import pytest

from autograder.core import assignment, batch
from autograder.core.execution import ProcessExecutor
from autograder.sandbox import launcher as sandbox
from tests.conftest import NOTEBOOKS, ROOT
from tests.factories import write_notebook

distributed = pytest.importorskip("distributed")
from autograder.interop import dask_worker  # noqa: E402 - needs distributed, skipped above without it
from autograder.interop.distributed import DaskGrader, WorkerSettings  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("mount") is None,
                       reason="hiding the instructor's folder from the workers needs root and unshare/mount"),
    pytest.mark.skipif(not sandbox.detect(fork=False).isolated,
                       reason=f"the workers must sandbox, and here: {sandbox.detect(fork=False).description}"),
]

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

    def start_worker(self, name: str, *, path: str | None = None) -> str:
        """A worker in its own mount namespace with a tmpfs over the instructor's folder; returns its name."""
        home = self.workers_home / name
        home.mkdir()
        script = 'mount -t tmpfs -o size=1m hidden "$1" && cd "$2" && shift 2 && exec "$@"'
        command = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                   str(self.instructor), str(home), str(DASK), "worker", self.address, "--name", name,
                   "--nthreads", "1", "--no-nanny", "--no-dashboard", "--local-directory", str(home / "scratch")]
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TFGRADE")}
        if path is not None:
            environment["PATH"] = path
            command[0] = shutil.which("unshare") or "unshare"
            command[6] = command[6].replace("mount -t", f"{shutil.which('mount')} -t")
        self.processes.append(subprocess.Popen(command, env=environment, start_new_session=True,
                                               stdout=subprocess.DEVNULL, stderr=home.with_suffix(".log").open("wb")))
        return name


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    base = tmp_path_factory.mktemp("dask")
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


@pytest.fixture(scope="module")
def tiny(cluster: Cluster) -> assignment.Assignment:
    """A copy of the tiny assignment, with a data file, in a course inside the instructor's folder."""
    root = cluster.instructor / "course" / "assignments" / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", root)
    (root / "data").mkdir()
    (root / "data" / "offset.txt").write_text("10")
    shutil.copytree(NOTEBOOKS / "autograph", root / "samples")  # never sent: not something grading needs
    return assignment.load(root)


@pytest.fixture(scope="module")
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


def _on_workers(client: object, function: Callable[..., object]) -> dict[str, object]:
    """``function(dask_worker)`` on every worker, by worker name."""
    by_address = client.run(function)  # type: ignore[attr-defined]
    names = {address: info["name"] for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}  # type: ignore[attr-defined]
    return {names[address]: value for address, value in by_address.items()}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


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



def test_a_worker_that_joins_later_gets_the_assignment_and_says_what_it_lacks(cluster, tiny, submissions):
    with distributed.Client(cluster.address) as client, DaskGrader(cluster.address, tiny) as grader:
        cluster.start_worker("late-and-bare", path=str(DASK.parent))  # no bwrap, dot or tesseract on its PATH
        client.wait_for_workers(2, timeout=STARTUP_SECONDS)
        others = [a for a, w in client.scheduler_info(n_workers=-1)["workers"].items() if w["name"] != "late-and-bare"]
        client.retire_workers(others)
        unpacked = _on_workers(client, lambda: dict(dask_worker.UNPACKS))
        result = batch.grade_all(submissions[:2], tiny, ProcessExecutor(), cluster.instructor / "bare",
                                 progress=lambda _: None, jobs=2, grader=grader)

    assert unpacked == {"late-and-bare": {dask_worker.AssignmentBundle.of(tiny, WorkerSettings()).digest: 1}}
    for row in result.rows:
        assert row.result.status == "grader_error"
        message = row.result.message
        assert "Dask worker late-and-bare" in message and "cannot grade" in message, message
        assert "no sandbox" in message and "bwrap" in message, message
        assert "dot is not installed" in message and "tesseract is not installed" in message, message
