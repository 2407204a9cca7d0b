""""Regrade this one" and the runs around it: what changes.csv holds, and what a desk regrade keeps.

A desk regrade is a run of one submission: its changes.csv holds that submission's changes only. The next
``tfgrade grade`` compares with the scores as they are then, the regraded one included (docs/review.md), so
it neither repeats the desk's change nor misses a later one. A regrade keeps what the batch's run gave the
submission that the desk cannot read from the notebook: its late case and its roster id. Canned checks, no
TensorFlow: fast.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from factories import autograph_checks, execution

from autograder.core import late, overrides
from autograder.core.assignment import Assignment
from autograder.grading.batch import grade_all
from autograder.review import desk, regrade
from tests.review.batches import PerNotebook, executor, graded_batch

KST = timezone(timedelta(hours=9))
DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=KST)
RULE = late.Rule(DEADLINE, per_day=10, cap=50)


def changes(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "changes.csv").read_text(encoding="utf-8"))))


def fixed_bo() -> PerNotebook:
    """The batch's checks with bo's failing hidden check of q2 fixed (bo: 8 -> 10 of 11)."""
    fixed = executor()
    fixed.by_name["bo.ipynb"] = execution(*autograph_checks("q3_public"))
    return fixed


def test_the_next_full_run_compares_with_the_scores_after_the_desk_regrade(
    graded: tuple[Path, list[Path]], autograph: Assignment
) -> None:
    out, paths = graded
    entry = desk.read(out, None).entry("bo")
    assert entry is not None
    regrade.regrade_one(out, entry, paths[1], autograph, fixed_bo())
    assert [(c["submission"], c["question"], c["before"], c["after"]) for c in changes(out)] == [
        (str(paths[1]), "q2", "1", "3"), (str(paths[1]), "total", "8", "10")]  # that regrade's, and only bo's

    again = fixed_bo()
    grade_all(paths, autograph, again, out, lambda _: None)
    assert changes(out) == [] and again.calls == []  # nothing moved since the desk wrote bo: every result reused

    (out / "overrides.csv").write_text("student,question,points,reason\nbo.ipynb,total,-1,Late.\n", encoding="utf-8")
    grade_all(paths, autograph, again, out, lambda _: None, adjust=overrides.read(out / "overrides.csv"))
    assert [(c["question"], c["before"], c["after"], c["why"]) for c in changes(out)] == [
        ("total", "10", "9", "override added")]  # from the regraded 10, not the 8 of the run before the desk


def test_a_desk_regrade_keeps_the_late_penalty_and_the_roster_ids(tmp_path: Path, autograph: Assignment) -> None:
    out, paths = graded_batch(tmp_path, autograph)
    ids = {paths[0]: "s001", paths[1]: "s002", paths[2]: "s003"}
    dues = {path: late.Due(DEADLINE + timedelta(hours=30), DEADLINE, RULE) for path in paths[1:2]}  # bo: 2 days
    grade_all(paths, autograph, executor(), out, lambda _: None, dues=dues, roster_ids=ids)
    entry = desk.read(out, None).entry("bo")
    assert entry is not None and entry.roster_id == "s002" and entry.stored.earned == 6.4  # 8 less 20 %

    score = regrade.regrade_one(out, entry, paths[1], autograph, fixed_bo())

    assert score.earned == 8.0 and score.late is not None and score.late.percent == 20.0  # 10 less 20 %
    grades = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    assert [(g["roster_id"], g["score"], g["late_penalty"]) for g in grades] == [
        ("s001", "11", ""), ("s002", "8", "2"), ("s003", "9", "")]
    assert [(c["roster_id"], c["question"], c["before"], c["after"]) for c in changes(out)] == [
        ("s002", "q2", "1", "3"), ("s002", "total", "6.4", "8")]
