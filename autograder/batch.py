"""Grade many submissions and write every report: the instructor's batch.

Every submission gets a row, whatever happens to it: a student's problem is a score and a
message, and even a bug in the grader becomes a visible ``grader_error`` row while the batch
goes on.
"""

from __future__ import annotations

import glob
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder import report, scoring
from autograder.assignment import Assignment
from autograder.execution import Executor
from autograder.grading import Graded, grade
from autograder.results import SubmissionResult

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BatchResult:
    rows: tuple[Graded, ...]
    out_dir: Path


def expand(specs: Iterable[str]) -> list[Path]:
    """Files as given; folders become their ``*.ipynb`` and ``*.zip`` files (recursively); globs expand."""
    paths: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            found = [*path.rglob("*.ipynb"), *path.rglob("*.zip")]
            paths += sorted(p for p in found if not _hidden(p.relative_to(path)))
        elif path.exists() or path.is_symlink():
            paths.append(path)
        else:
            matches = sorted(Path(m) for m in glob.glob(spec, recursive=True))
            paths += matches or [path]  # a missing file still gets its (rejected) row
    return list(dict.fromkeys(paths))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def grade_all(
    paths: list[Path], assignment: Assignment, executor: Executor, out_dir: Path, progress: Progress
) -> BatchResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    started = time.monotonic()
    for number, (path, folder) in enumerate(zip(paths, _report_folders(paths), strict=True), start=1):
        graded = _grade_one(path, assignment, executor)
        write_reports(graded, out_dir / folder)
        rows.append(graded)
        progress(_progress_line(number, len(paths), graded, started))
    (out_dir / "grades.csv").write_text(report.grades_csv([(g.result, g.score) for g in rows]), encoding="utf-8")
    return BatchResult(rows=tuple(rows), out_dir=out_dir)


def _grade_one(path: Path, assignment: Assignment, executor: Executor) -> Graded:
    try:
        return grade(path, assignment, executor)
    except Exception as exc:  # noqa: BLE001 - the batch boundary: a grader bug becomes a row
        message = f"Grader error: {type(exc).__name__}: {exc}"
        result = SubmissionResult(str(path), assignment.name, "grader_error", message)
        return Graded(result=result, score=scoring.score(result, assignment.questions))


def write_reports(graded: Graded, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    documents = {
        "report.json": report.submission_report(graded.result, graded.score),
        "student.json": report.student_report(graded.result, graded.score),
        "results.json": report.gradescope_results(graded.result, graded.score),
    }
    for name, document in documents.items():
        (folder / name).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    feedback = report.feedback_text(graded.result, graded.score, show_hidden=False)
    (folder / "feedback.txt").write_text(feedback + "\n", encoding="utf-8")


def _report_folders(paths: list[Path]) -> list[str]:
    """One folder name per submission, unique even when two files share a name."""
    names: list[str] = []
    for path in paths:
        base = re.sub(r"[^\w.-]", "_", report.safe_text(path.stem, 80)).lstrip(".") or "submission"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


def _progress_line(number: int, total: int, graded: Graded, started: float) -> str:
    elapsed = time.monotonic() - started
    eta = elapsed / number * (total - number)
    score = f"{report.format_number(graded.score.earned)}/{report.format_number(graded.score.points)}"
    name = report.safe_text(Path(graded.result.submission).name, 60)
    status = graded.result.status
    return f"[{number}/{total}] {name}: {score} ({status}); elapsed {elapsed:.0f} s, about {eta:.0f} s left"
