"""What the feedback notebook adds to writing a submission's reports: time per submission, and file sizes.

Takes N submissions (round-robin over the three assignments' solutions and scenario notebooks),
gets a result for each, then writes each submission's reports twice, as the batch does
(:func:`autograder.grading.batch.write_reports`): without the feedback notebook, and with it
(feedback.ipynb, and feedback-notebook.html by nbconvert). Prints the time per submission of each
(median and worst, the first one separately: it loads nbconvert's templates), and the mean size of
the two new files.

By default the results are made up (one check per question, every other one failing, a cell error in
every third notebook), so the benchmark takes seconds and measures only the writing. With
``--real`` the submissions are graded for real first (TensorFlow in the sandbox, two at a time), and
the grading time per submission is printed next to it for scale.

    .venv/bin/python benchmarks/feedback_notebook.py [--count 30] [--real] [--with-solutions]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.core import assignment as assignments
from autograder.core import scoring
from autograder.core.results import CellError, CheckResult, ExecutionSummary, SubmissionResult
from autograder.grading import batch
from autograder.grading.pipeline import Graded, grade

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("autograph", "functional", "custom_layers")


def pick(count: int) -> list[tuple[assignments.Assignment, Path]]:
    pools = {}
    for name in NAMES:
        a = assignments.load(name)
        notebooks = [a.solution, *sorted((ROOT / "tests" / "notebooks" / name).glob("*.ipynb"))]
        pools[name] = itertools.cycle([(a, p) for p in notebooks if p is not None])
    return [next(pools[name]) for name in itertools.islice(itertools.cycle(NAMES), count)]


def made_up(a: assignments.Assignment, path: Path, number: int) -> Graded:
    checks = tuple(
        CheckResult(f"{q.name}_check", q.name, q.points, q.points * (i % 2), "passed" if i % 2 else "failed",
                    "" if i % 2 else f"{q.name} returned the wrong values.", "public")
        for i, q in enumerate(a.questions, start=number)
    )
    errors = (CellError(4, "ZeroDivisionError: division by zero"),) if number % 3 == 0 else ()
    run = ExecutionSummary("completed", "The notebook ran.", errors)
    result = SubmissionResult(str(path), a.name, "graded", run.message, run, checks)
    return Graded(result, scoring.score(result, a.questions))


def real(chosen: list[tuple[assignments.Assignment, Path]]) -> tuple[list[Graded], float]:
    from autograder.grading.execution import ProcessExecutor

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        graded = list(pool.map(lambda item: grade(item[1], item[0], ProcessExecutor()), chosen))
    return graded, (time.perf_counter() - start) / len(chosen)


def write_all(rows: list[tuple[Graded, assignments.Assignment, Path]], out: Path, *, feedback: bool,
              with_solutions: bool) -> list[float]:
    seconds = []
    for number, (graded, a, path) in enumerate(rows):
        source = batch.NotebookFeedback(path, a, with_solutions) if feedback else None
        start = time.perf_counter()
        batch.write_reports(graded, out / str(number), {}, source)
        seconds.append(time.perf_counter() - start)
    return seconds


def line(label: str, seconds: list[float]) -> str:
    rest = seconds[1:] or seconds
    return (f"{label:<28} first {seconds[0] * 1000:6.0f} ms   then median {statistics.median(rest) * 1000:5.0f} ms, "
            f"worst {max(rest) * 1000:5.0f} ms per submission")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--real", action="store_true", help="grade the submissions for real first")
    parser.add_argument("--with-solutions", action="store_true")
    args = parser.parse_args()
    chosen = pick(args.count)
    if args.real:
        graded, grading = real(chosen)
        print(f"grading (real, 2 at a time): {grading:.1f} s per submission")
    else:
        graded = [made_up(a, path, n) for n, (a, path) in enumerate(chosen)]
    rows = [(g, a, path) for g, (a, path) in zip(graded, chosen, strict=True)]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        # Feedback notebook first: its first submission pays for loading nbconvert's templates.
        with_notebook = write_all(rows, out / "with", feedback=True, with_solutions=args.with_solutions)
        without = write_all(rows, out / "without", feedback=False, with_solutions=False)
        sizes = {name: [p.stat().st_size for p in (out / "with").glob(f"*/{name}")]
                 for name in ("feedback.ipynb", "feedback-notebook.html")}
    print(f"{len(rows)} submissions ({sum(g.result.status == 'graded' for g in graded)} graded)")
    print(line("reports without notebook", without))
    print(line("reports with notebook", with_notebook))
    extra = statistics.median(with_notebook[1:]) - statistics.median(without[1:])
    print(f"the feedback notebook adds {extra * 1000:.0f} ms per submission (median)")
    for name, found in sizes.items():
        if found:
            print(f"{name:<24} {statistics.mean(found) / 1024:6.0f} KiB on average")
    return 0


if __name__ == "__main__":
    sys.exit(main())
