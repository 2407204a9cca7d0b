"""The rows of a gradebook: one per roster student (or per submission), gathered from a batch.

:func:`read_batch` reads an earlier batch's report.json files; :func:`gradebook` turns them into
:class:`GradebookRow` values (a roster student who submitted nothing scores 0), refusing what it
would have to guess: a batch of two assignments, two submissions of one student id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder import messages
from autograder.core import cache, codec
from autograder.core.results import SubmissionResult
from autograder.core.roster import Roster, RosterEntry, Submitted, match
from autograder.core.scoring import Score
from autograder.errors import TfgradeError

NO_SUBMISSION = "no_submission"
"""The status of a roster student with no submission (plain and otter exports)."""
Pair = tuple[SubmissionResult, Score]


class ExportError(TfgradeError):
    """An export cannot be made without guessing; the message says what to do."""


@dataclass(frozen=True)
class GradebookRow:
    student: RosterEntry
    result: SubmissionResult | None
    """None: a roster student who submitted nothing."""
    score: Score
    """The final score; all zero when nothing was submitted."""

    @property
    def status(self) -> str:
        return self.result.status if self.result else NO_SUBMISSION


def read_batch(out_dir: Path) -> list[Submitted[Pair]]:
    """Every submission of an earlier batch in ``out_dir``: its id, its folder's name, its result and score.

    Refuses a batch it cannot read whole: a missing submission would export as a 0.
    """
    folders = sorted(p.parent for p in (out_dir / "submissions").glob(f"*/{cache.REPORT}"))
    if not folders:
        raise ExportError(f"{out_dir} holds no graded submissions ({out_dir}/submissions/*/{cache.REPORT}). "
                          f"Grade first: tfgrade grade SUBMISSIONS --assignment NAME --out {out_dir}")
    found: list[Submitted[Pair]] = []
    damaged: list[str] = []
    for folder in folders:
        try:
            report = codec.REPORT.loads((folder / cache.REPORT).read_bytes())
        except (OSError, codec.DecodeError):
            damaged.append(str(folder / cache.REPORT))
            continue
        name = report.result.submission
        found.append(Submitted(name, (Path(name).name, folder.name), (report.result, report.score)))
    if damaged:
        raise ExportError(messages.EXPORT_DAMAGED_REPORTS.format(count=len(damaged), reports=", ".join(damaged[:5])))
    return found


def gradebook(submitted: Sequence[Submitted[Pair]], roster: Roster | None) -> tuple[list[GradebookRow], list[str]]:
    """The rows to export and the warnings to show: one row per roster student (those who submitted
    nothing score 0), or without a roster one per submission, named by its id."""
    if not submitted:
        raise ExportError("there are no submissions to export.")
    _expect_one_assignment(submitted)
    if roster is None:
        _expect_unique_ids(submitted)
        rows = [GradebookRow(RosterEntry(student_id=s.id), *s.item) for s in submitted]
        return rows, []
    matching = match(roster, submitted)
    blank = _zero(submitted[0].item[1])
    rows = [GradebookRow(p.student, *(p.item or (None, blank))) for p in matching.placed]
    return rows, matching.warnings()


def assignment_of(submitted: Sequence[Submitted[Pair]]) -> str:
    return submitted[0].item[0].assignment


def _expect_one_assignment(submitted: Sequence[Submitted[Pair]]) -> None:
    names = sorted({s.item[0].assignment for s in submitted})
    if len(names) > 1:
        raise ExportError(f"the batch mixes assignments ({', '.join(names)}); an export is for one. "
                          "Grade each assignment into its own --out folder.")


def _expect_unique_ids(submitted: Sequence[Submitted[Pair]]) -> None:
    seen: dict[str, str] = {}
    for s in submitted:
        if s.id in seen:
            raise ExportError(f"two submissions have the student id {s.id!r} ({seen[s.id]} and {s.files[-1]}); "
                              "a gradebook would keep one of them at random. Keep one submission per student, "
                              "or map files to students with --roster.")
        seen[s.id] = s.files[-1]


def _zero(template: Score) -> Score:
    """The score of a student who submitted nothing: 0 of the assignment's points, per question."""
    questions = tuple(dataclasses.replace(q, earned=0.0) for q in template.questions)
    return Score(earned=0.0, points=template.points, questions=questions)
