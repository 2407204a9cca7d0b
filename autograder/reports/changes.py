"""What changed since the last run: each score that differs from the one an earlier run left, and why.

A batch compares each submission's new final score with the report an earlier run left in its
folder. A question whose score differs gets a row, and so does the total when it differs. ``why``
is made of these reasons, joined by ``; ``:

* ``file changed``: the submission's bytes differ;
* ``checks changed``: assignment.toml, the packages the notebooks may import, or a check file differs;
* ``grader changed``: tfgrade's own code differs;
* ``checks or grader changed``: the earlier report was written before tfgrade told the two apart;
* ``earlier grader error``: the earlier run failed on it, so it is graded again;
* ``override added``, ``override changed``, ``override removed``: an instructor's override;
* ``late penalty added``, ``late penalty changed``, ``late penalty removed``: a late penalty (a new
  deadline, time or rule, or a ``late`` override row; docs/late.md).

Each row gives only the causes that moved its score: a regrade's reasons when what the checks gave
moved, an override's when the override changed (issue 22: a score an override alone moved is not
put down to a changed file).

A submission with no earlier report gets one ``total`` row with an empty ``before`` and ``why`` =
``new``; it is not counted as a change. Every function here is pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autograder.core import cache, codec
from autograder.core.overrides import TOTAL
from autograder.core.scoring import Adjustment, LatePenalty, Score
from autograder.reports.formats import csv_text, format_number, safe_text

__all__ = ["HEADER", "NEW", "Change", "changes_csv", "compare", "regrade_reasons", "summary"]

FILE_CHANGED, CHECKS_CHANGED, GRADER_CHANGED = "file changed", "checks changed", "grader changed"
EITHER_CHANGED = "checks or grader changed"
EARLIER_ERROR = "earlier grader error"
OVERRIDE_ADDED, OVERRIDE_CHANGED, OVERRIDE_REMOVED = "override added", "override changed", "override removed"
LATE_ADDED, LATE_CHANGED, LATE_REMOVED = "late penalty added", "late penalty changed", "late penalty removed"
NEW = "new"
HEADER = ("submission", "question", "before", "after", "why")
ROSTER_COLUMN = "roster_id"
"""Last, with ``--roster``: the id of the roster student whose score changed."""
SHOWN = 20
"""Changes printed in the summary; changes.csv has them all."""


@dataclass(frozen=True)
class Change:
    submission: str
    question: str
    """A question's name, or ``total``."""
    before: float | None
    """None for a new submission, or a question the earlier report lacked."""
    after: float | None
    why: str

    @property
    def new(self) -> bool:
        return self.why == NEW


def regrade_reasons(earlier: codec.Report | None, wanted: Mapping[str, str]) -> tuple[str, ...]:
    """Why a submission with an earlier report was graded again, from the stored and the wanted keys."""
    if earlier is None:
        return ()
    stored = earlier.cache or {}
    reasons = [EARLIER_ERROR] if earlier.result.status == "grader_error" else []
    if stored.get(cache.SUBMISSION_KEY) != wanted.get(cache.SUBMISSION_KEY):
        reasons.append(FILE_CHANGED)
    if cache.CHECKS_KEY in stored or cache.GRADER_KEY in stored:
        reasons += [why for key, why in ((cache.CHECKS_KEY, CHECKS_CHANGED), (cache.GRADER_KEY, GRADER_CHANGED))
                    if stored.get(key) != wanted.get(key)]
    else:
        reasons.append(EITHER_CHANGED)  # written before tfgrade told the two apart: one grading_sha256
    return tuple(dict.fromkeys(reasons))


def compare(submission: str, earlier: codec.Report | None, after: Score, regraded: Sequence[str]) -> list[Change]:
    """The changes from ``earlier``'s final score to ``after``; ``regraded`` are the reasons it was graded again."""
    if earlier is None:
        return [Change(submission, TOTAL, None, after.earned, NEW)]
    before = earlier.score
    old = {q.question: q for q in before.questions}
    new = {q.question: q for q in after.questions}
    rows: list[Change] = []
    overrides: dict[str, None] = {}
    for name in dict.fromkeys([*new, *old]):
        was, now = old.get(name), new.get(name)
        was_score, now_score = (was.earned if was else None), (now.earned if now else None)
        if was_score == now_score:
            continue
        override = _override_reason(was.override if was else None, now.override if now else None)
        checks_moved = (was.automatic if was else None) != (now.automatic if now else None)
        overrides.update(dict.fromkeys([override] if override else []))
        rows.append(Change(submission, name, was_score, now_score, _why(regraded, checks_moved, [override])))
    if before.earned != after.earned:
        total = _override_reason(before.override, after.override)
        lateness = _late_reason(before.late, after.late)
        why = _why(regraded, before.automatic != after.automatic, [*overrides, total, lateness])
        rows.append(Change(submission, TOTAL, before.earned, after.earned, why))
    return rows


def _why(regraded: Sequence[str], checks_moved: bool, overrides: Sequence[str]) -> str:
    """The causes that moved a score, and only those: the regrade's reasons when what the checks gave moved,
    and the overrides that changed. An override alone moving a score is not put down to a changed file."""
    reasons = [*(regraded if checks_moved else ()), *(o for o in overrides if o)]
    # A score that moved with neither: the regrade's reasons, else rescored by the same code (should not happen).
    return "; ".join(dict.fromkeys(reasons or regraded)) or "rescored"


def _override_reason(before: Adjustment | None, after: Adjustment | None) -> str:
    if before is None and after is None:
        return ""
    if before is None:
        return OVERRIDE_ADDED
    if after is None:
        return OVERRIDE_REMOVED
    same = (before.change, before.reason) == (after.change, after.reason)
    return "" if same else OVERRIDE_CHANGED


def _late_reason(before: LatePenalty | None, after: LatePenalty | None) -> str:
    if before == after:
        return ""
    return LATE_ADDED if before is None else LATE_REMOVED if after is None else LATE_CHANGED


def changes_csv(changes: Sequence[Change], *, roster_ids: Mapping[str, str] | None = None) -> str:
    """``submission,question,before,after,why``: one line per change (and per new submission); with
    ``roster_ids`` (each submission's roster id by its name), a last ``roster_id`` column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*HEADER, *((ROSTER_COLUMN,) if roster_ids is not None else ())])
    for c in changes:
        ids = (csv_text(roster_ids.get(c.submission, "")),) if roster_ids is not None else ()
        writer.writerow([csv_text(c.submission), c.question, _number(c.before), _number(c.after), c.why, *ids])
    return buffer.getvalue()


def summary(changes: Sequence[Change], *, earlier: bool, where: str) -> str:
    """What the instructor reads after the run; empty on a first run (nothing to compare with)."""
    if not earlier:
        return ""
    changed = [c for c in changes if not c.new]
    added = len(changes) - len(changed)
    new = f" {_counted(added, 'new submission')}." if added else ""
    if not changed:
        return f"No score changed since the last run.{new}"
    lines = [f"{_counted(len(changed), 'score')} changed since the last run (all in {where}):{new}"]
    for c in changed[:SHOWN]:
        name = safe_text(c.submission, 60)
        lines.append(f"  {name} {c.question}: {_number(c.before) or '-'} -> {_number(c.after) or '-'} ({c.why})")
    if len(changed) > SHOWN:
        lines.append(f"  ... and {len(changed) - SHOWN} more.")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "" if value is None else format_number(value)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
