"""What runs on a Dask worker (see :mod:`autograder.interop.distributed` for the whole picture).

The assignment arrives once per worker as :class:`AssignmentBundle`, a worker plugin. A plugin
rather than ``client.scatter(..., broadcast=True)``: the scheduler keeps registered plugins and
hands them to every worker that joins later (a scattered value reaches only the workers there at
the time), and its setup runs once per worker, which is where the worker unpacks the assignment
and checks that it can grade at all, instead of in every task.

Each task (:func:`grade_on_worker`) gets a submission's bytes and file name, writes them into a
private temporary folder, grades that copy and returns the JSON report as text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import socket
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin, get_worker

import autograder
from autograder.core import codec, packages
from autograder.core.assignment import Assignment, load
from autograder.core.bundle import pack, unpack
from autograder.errors import TfgradeError
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.interop.worker_settings import WorkerSettings
from autograder.sandbox import launcher as sandbox

GRADING_TOOLS = {
    "dot": "Graphviz, which plot_model draws with (Debian: apt-get install graphviz)",
    "tesseract": "Tesseract, which reads the model diagrams students draw (Debian: apt-get install tesseract-ocr)",
}
"""System tools that checks use besides the sandbox's own (make setup and Gradescope's setup.sh install them)."""
UNPACKS: dict[str, int] = {}
"""How many times this worker process unpacked each bundle (by hash): once, whatever the number of tasks."""


class WorkerUnfit(TfgradeError):
    """This worker cannot grade as the instructor's machine would; the message names it and what it lacks."""


@dataclass(frozen=True)
class Expected:
    """What the instructor's machine grades with; a worker needs the same to give the same grades."""

    version: str
    code: str
    """Hash of the tfgrade package's files: two development copies of one version may differ."""
    python: str
    tensorflow: str

    @staticmethod
    def here() -> Expected:
        return Expected(autograder.__version__, _code_hash(), f"{sys.version_info.major}.{sys.version_info.minor}",
                        _installed("tensorflow"))


def _code_hash() -> str:
    digest = hashlib.sha256()
    for path in autograder.package_files():
        digest.update(str(path.relative_to(autograder.PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _installed(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


class AssignmentBundle(WorkerPlugin):
    """The assignment, unpacked once on each worker (workers that join later get it from the scheduler)."""

    idempotent = True  # registered again by a later batch: workers keep what they unpacked

    def __init__(
        self, folder: str, archive: bytes, settings: WorkerSettings, expected: Expected, packages: tuple[str, ...] = ()
    ) -> None:
        self.folder, self.archive, self.settings, self.expected = folder, archive, settings, expected
        # Resolved where the course is: the bundle has no course.toml above it on the worker.
        self.packages = packages
        self.digest = hashlib.sha256(archive).hexdigest()
        # The settings, versions and packages are in the name: another choice is another plugin.
        identity = repr((self.digest, settings, expected, packages))
        self.name = f"tfgrade-{hashlib.sha256(identity.encode()).hexdigest()[:20]}"
        self.assignment: Assignment | None = None
        self.executor: ProcessExecutor | None = None
        self.problems: list[str] = []

    @staticmethod
    def of(assignment: Assignment, settings: WorkerSettings) -> AssignmentBundle:
        return AssignmentBundle(assignment.root.name, pack(assignment), settings, Expected.here(), assignment.packages)

    def __getstate__(self) -> dict[str, Any]:
        """Only what the client made travels; what setup builds stays on its worker."""
        return {**self.__dict__, "assignment": None, "executor": None, "problems": []}

    def setup(self, worker: Any) -> None:
        """Unpack and check. Never raise: that would fail the registration, not just this worker's tasks."""
        place = Path(worker.local_directory) / "tfgrade" / self.digest
        try:
            shutil.rmtree(place, ignore_errors=True)
            unpack(self.archive, place / self.folder)
            UNPACKS[self.digest] = UNPACKS.get(self.digest, 0) + 1
            self.assignment = dataclasses.replace(load(place / self.folder), packages=self.packages)
        except (OSError, zipfile.BadZipFile, TfgradeError) as exc:
            self.problems = [f"cannot unpack the assignment into {place}: {exc}"]
            return
        self.check()

    def check(self) -> None:
        """Find what this worker lacks; again at each task while something is missing, so a fix counts at once."""
        if self.assignment is None:
            return
        self.executor = ProcessExecutor(sandbox.choose(sandbox=self.settings.sandbox, fork=self.settings.fork_server))
        self.problems = _worker_problems(self.assignment, self.executor, self.settings, self.expected)

    def teardown(self, worker: Any) -> None:
        shutil.rmtree(Path(worker.local_directory) / "tfgrade" / self.digest, ignore_errors=True)


def _worker_problems(
    assignment: Assignment, executor: ProcessExecutor, settings: WorkerSettings, expected: Expected
) -> list[str]:
    """Why this worker would not grade ``assignment`` as the instructor's machine does (empty: it would)."""
    here = Expected.here()
    problems = [
        f"{what} {mine} is installed here but {theirs} where you run tfgrade grade; install {theirs} on the worker"
        for what, mine, theirs in (("tfgrade", here.version, expected.version),
                                   ("Python", here.python, expected.python),
                                   ("TensorFlow", here.tensorflow, expected.tensorflow))
        if mine != theirs
    ]
    if not problems and here.code != expected.code:
        problems.append(f"tfgrade {here.version} here has other code than where you run tfgrade grade "
                        "(a changed copy?); install the same tfgrade on both")
    if not (executor.isolated or settings.allow_unisolated):
        problems.append(f"no sandbox: student code would run {executor.isolation}. Run the worker as root on "
                        "Linux with bubblewrap installed, or grade with --allow-unisolated")
    problems += [f"{tool} is not installed: {why}" for tool, why in GRADING_TOOLS.items() if shutil.which(tool) is None]
    problems += [f"the Python package {p} that the assignment's notebooks may import is not installed (pip install "
                 f"'{p}')" for p in packages.missing(assignment.packages)]
    return problems


def grade_on_worker(bundle: str, file_name: str, data: bytes, language: str | None = None) -> str:
    """Runs ON the worker: grade one submission (its bytes, under its own file name); return the JSON report.

    ``language`` is the command's ``--lang``, which wins over the notebook's (docs/languages.md)."""
    worker = get_worker()
    plugin = worker.plugins.get(bundle)
    who = f"Dask worker {worker.name} at {worker.address} (host {socket.gethostname()})"
    if not isinstance(plugin, AssignmentBundle):
        raise WorkerUnfit(f"{who} has not received the assignment (its plugin {bundle} is missing)")
    if plugin.problems:
        plugin.check()
    if plugin.problems or plugin.assignment is None or plugin.executor is None:
        raise WorkerUnfit(f"{who} cannot grade: {'; '.join(plugin.problems) or 'its setup did not finish'}")
    if Path(file_name).name != file_name or file_name in ("", ".", ".."):
        raise WorkerUnfit(f"{who} was sent a submission without a plain file name: {file_name!r}")
    asked = dataclasses.replace(plugin.assignment, requested_language=language) if language else plugin.assignment
    graded = grade(Path(file_name), asked, plugin.executor, data=data)  # the bytes sent, parsed once: no file written
    return codec.REPORT.dumps(codec.Report(graded.result, graded.score))
