"""Figures for a release: the size of each release zip and of the wheel, and what `tfgrade check` from a
release costs next to the bare script.

For each assignment of the course, the release is made and unpacked in a temporary folder, the
solution is saved there as ``my.ipynb``, and two commands run in that folder, interleaved, for
``--rounds`` rounds:

* ``tfgrade check my.ipynb``, as a student runs it (sandbox and fork server when available), twice: a
  first check with no warm fork server, and a repeat right after it, which finds the first one's warm
  server (:mod:`autograder.sandbox.warm`);
* the same two checks as a student on their own laptop runs them: as an unprivileged user (uid
  :data:`STUDENT_UID`, switched to with ``setpriv``; no sandbox without root), in a copy of the folder
  that user owns, where the warm server is :mod:`autograder.sandbox.plain_warm`'s. Only when run as
  root, which can switch users (the columns say "-" otherwise). A Python under root's 0700 home (pyenv)
  is made reachable by a bubblewrap mount namespace that puts an empty /root with only that Python in it;
  nothing else of the machine changes;
* the bare script: the notebook's code cells as one plain Python file (``nbconvert``'s script
  exporter), run with the same Python.

Wall times are medians over the rounds; the ratios are check / script. The machine is shared with
other work, so the figures are only as quiet as the machine was.

    .venv/bin/python benchmarks/release_check.py [--rounds 3] [--assignments autograph,functional]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nbconvert import PythonExporter

from autograder.authoring import release as releases
from autograder.core import assignment as assignments
from autograder.core import course as courses
from autograder.sandbox import warm

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STUDENT_UID = 60990
"""The student of the unprivileged runs: outside the sandbox's uids (61000 and up), no account needed."""
NOT_COPIED = (".venv", ".git", "build", "dist", "out", "tfgrade-out", "*.egg-info", "__pycache__", ".*_cache")


def wheel_size(folder: Path) -> int:
    """Bytes of the wheel built from a copy of this checkout (the checkout itself is left untouched)."""
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
                   check=True, capture_output=True)
    [wheel] = folder.glob("tfgrade-*.whl")
    return wheel.stat().st_size


def student_folder(assignment: assignments.Assignment, folder: Path) -> tuple[Path, int]:
    """The release unpacked as a student would, with the solution as my.ipynb and as my.py; the zip's size."""
    made = releases.release(assignment, folder / "instructor")
    with zipfile.ZipFile(made.zip) as archive:
        archive.extractall(folder / "student")
    unpacked = folder / "student" / assignment.name
    assert assignment.solution is not None
    shutil.copyfile(assignment.solution, unpacked / "my.ipynb")
    script, _ = PythonExporter().from_filename(str(assignment.solution))
    (unpacked / "my.py").write_text(script, encoding="utf-8")
    return unpacked, made.zip.stat().st_size


def as_student(command: list[str]) -> list[str]:
    switch = ["setpriv", f"--reuid={STUDENT_UID}", f"--regid={STUDENT_UID}", "--clear-groups", "--", *command]
    python = Path(sys.base_prefix)
    if not python.is_relative_to("/root"):
        return switch
    # The whole top folder (e.g. /root/.pyenv): folders bwrap makes on the way to a deeper one are 0700.
    top = str(Path("/root", python.relative_to("/root").parts[0]))
    return ["bwrap", "--dev-bind", "/", "/", "--tmpfs", "/root", "--ro-bind", top, top, *switch]


def student_copy(unpacked: Path) -> Path | None:
    """A copy of the unpacked release that :data:`STUDENT_UID` owns (its parents only enterable), or None
    where this process cannot switch users."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("bwrap") is None:
        return None
    copy = unpacked.parent.parent / "laptop" / unpacked.name
    shutil.copytree(unpacked, copy)
    for path in [copy.parent, *copy.rglob("*"), copy]:
        os.chown(path, STUDENT_UID, STUDENT_UID)
    for parent in copy.parents:  # the scratch folders are root's 0700: let the student through, not read
        if parent == Path(tempfile.gettempdir()):
            break
        parent.chmod(parent.stat().st_mode | 0o111)
    return copy


def timed(command: list[str], cwd: Path, home: Path | None = None) -> float:
    env = {k: v for k, v in os.environ.items() if k != courses.ENVIRONMENT}
    if home is not None:  # the student's own HOME, and no root's runtime folder
        env = {k: v for k, v in env.items() if k != "XDG_RUNTIME_DIR"} | {"HOME": str(home)}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


@dataclass(frozen=True)
class Figures:
    """Median wall seconds."""

    first: float
    repeat: float
    script: float
    student_first: float | None
    student_repeat: float | None


def measure(unpacked: Path, laptop: Path | None, rounds: int) -> Figures:
    """A first `tfgrade check` (no warm fork server), a repeat check right after it, the same two as the
    unprivileged student in ``laptop``, and the bare script, interleaved."""
    runs: dict[str, list[float]] = {"first": [], "repeat": [], "student_first": [], "student_repeat": [], "script": []}
    check = [str(BIN / "tfgrade"), "check", "my.ipynb"]
    for _ in range(rounds):
        warm.stop_all()  # a first check starts cold, as after a reboot or a long pause
        runs["first"].append(timed(check, unpacked))
        runs["repeat"].append(timed(check, unpacked))
        if laptop is not None:
            stop_student_servers(laptop)
            runs["student_first"].append(timed(as_student(check), laptop, home=laptop.parent))
            runs["student_repeat"].append(timed(as_student(check), laptop, home=laptop.parent))
        runs["script"].append(timed([sys.executable, "my.py"], unpacked))
    warm.stop_all()
    if laptop is not None:
        stop_student_servers(laptop)
    medians = {k: statistics.median(v) if v else None for k, v in runs.items()}
    return Figures(**medians)  # type: ignore[arg-type]


def stop_student_servers(laptop: Path) -> None:
    timed(as_student([sys.executable, "-c", "from autograder.sandbox import warm; warm.stop_all()"]), laptop,
          home=laptop.parent)


def ratio(seconds: float | None, script: float) -> str:
    return "-" if seconds is None else f"{seconds / script:.2f}"


def seconds_or_dash(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, metavar="N")
    parser.add_argument("--assignments", default="", metavar="NAMES", help="comma-separated (default: all)")
    args = parser.parse_args()
    course = courses.Course(ROOT)
    names = [n for n in args.assignments.split(",") if n] or course.names()
    with tempfile.TemporaryDirectory() as scratch:
        print(f"wheel: {wheel_size(Path(scratch)):,} bytes")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        header = (f"{'assignment':<14} {'zip bytes':>10} {'first s':>8} {'repeat s':>9} {'user 1st s':>10} "
                  f"{'user rep s':>10} {'script s':>9} {'first':>6} {'repeat':>6} {'user 1st':>8} {'user rep':>8}")
        print(f"{header}   (medians of {args.rounds} interleaved rounds; ratios to the script)")
        for name in names:
            folder = Path(scratch) / name
            unpacked, size = student_folder(assignments.load(course.assignments / name), folder)
            f = measure(unpacked, student_copy(unpacked), args.rounds)
            print(f"{name:<14} {size:>10,} {f.first:>8.1f} {f.repeat:>9.1f} {seconds_or_dash(f.student_first):>10} "
                  f"{seconds_or_dash(f.student_repeat):>10} {f.script:>9.1f} {f.first / f.script:>6.2f} "
                  f"{f.repeat / f.script:>6.2f} {ratio(f.student_first, f.script):>8} "
                  f"{ratio(f.student_repeat, f.script):>8}", flush=True)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
