"""Where each question is in a notebook students edited (added, deleted, moved cells).

Each template
cell tied to a question (its cell id ``q1-...``, a ``check("q1")`` call, a heading that names
Question 1, or ``{"tfgrade": {"question": "q1"}}`` metadata) makes the template's cells from the
first of them to the next question's the question's *region* (after the last question, only code
cells). Student cells are matched to template cells by
cell id (JupyterLab keeps them), then by identical source, then by similar source between two
matched cells; a matched cell takes its template cell's region and an unmatched one (an answer, a
scratch cell) the region of the matched cell above it. A question's results go after the last
student cell in its region; a question with none goes at the end, with a note that says so.

:func:`reference_answers` finds each question's reference answer in the solution the same way.
Cells the grader added (:func:`is_feedback_cell`) are never matched.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat

SIMILAR = 0.8
"""How alike (difflib's ratio) a student's cell must be to a template cell it has no id or exact match for."""
COMPARED_CHARS = 4000
"""Characters of a cell compared for similarity: enough to tell cells apart, bounded for a huge cell."""
COMPARED_CELLS = 200
"""Student cells compared with one template cell, at most: bounded for a notebook of thousands of cells."""

Cells = Sequence["nbformat.NotebookNode"]


def is_feedback_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is one the grader added (its metadata says so)."""
    mark = cell.get("metadata", {}).get("tfgrade")
    return isinstance(mark, dict) and mark.get("feedback") is True



_HEADING = re.compile(r"^\s{0,3}#+\s+(.*)$", re.MULTILINE)
_WORD = re.compile(r"\w+(?:[.-]\w+)*")
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


def question_regions(template: Cells, names: Sequence[str]) -> list[str | None]:
    """Each template cell's question: from the first to the last cell tied to it; None outside them."""
    tied: dict[str, list[int]] = {}
    for index, cell in enumerate(template):
        name = _question_of(cell, names)
        if name is not None:
            tied.setdefault(name, []).append(index)
    regions: list[str | None] = [None] * len(template)
    for name in names:
        for index in range(min(tied.get(name, [0])), max(tied.get(name, [-1])) + 1):
            regions[index] = regions[index] or name
    # Cells between two questions belong to the one above (a heading, then its answer cell); after the
    # last question only code cells do, since a template's closing words are Markdown.
    last = max((i for i, name in enumerate(regions) if name is not None), default=len(template))
    for index in range(1, len(template)):
        if regions[index] is None and (index < last or template[index].cell_type == "code"):
            regions[index] = regions[index - 1]
    return regions


def _question_of(cell: nbformat.NotebookNode, names: Sequence[str]) -> str | None:
    mark = cell.get("metadata", {}).get("tfgrade")
    if isinstance(mark, dict) and mark.get("question") in names:
        return str(mark["question"])
    cell_id = str(cell.get("id") or "")
    called = set(_CHECK_CALL.findall(cell.source)) if cell.cell_type == "code" else set()
    heading = _HEADING.search(cell.source) if cell.cell_type == "markdown" else None
    # The heading's words, space-separated and padded, so " q1 " never matches "q10" nor "Question 1" "Question 10".
    words = " {} ".format(" ".join(_WORD.findall(heading.group(1).lower()))) if heading else ""
    for number, name in enumerate(names, start=1):
        if cell_id == name or cell_id.startswith((f"{name}-", f"{name}_")) or name in called:
            return name
        if f" {name.lower()} " in words or f" question {number} " in words:
            return name
    return None


def question_labels(cells: Cells, template: Cells, regions: Sequence[str | None]) -> list[str | None]:
    """Each student cell's question: its template cell's, or for an unmatched cell, the one above it's."""
    matched = {student: original for original, student in _match(cells, template).items()}
    labels: list[str | None] = []
    current: str | None = None
    for index in range(len(cells)):
        if index in matched:
            current = regions[matched[index]]
        labels.append(current)
    return labels


def last_cells(labels: Sequence[str | None]) -> dict[str, int]:
    return {name: index for index, name in enumerate(labels) if name is not None}


def _match(cells: Cells, template: Cells) -> dict[int, int]:
    """Template cell index -> student cell index: by cell id, then identical source, then similar source."""
    pairs: dict[int, int] = {}
    ids: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell.get("id") and not is_feedback_cell(cell):
            ids.setdefault(str(cell.id), index)
    for original, cell in enumerate(template):
        found = ids.get(str(cell.get("id") or ""))
        if found is not None:
            pairs[original] = found
    for original, cell in enumerate(template):
        if original not in pairs and cell.source.strip():
            _pair(pairs, original, _same_source(cells, cell, pairs))
    for original, cell in enumerate(template):
        if original not in pairs and cell.source.strip():
            _pair(pairs, original, _most_similar(cells, cell, _gap(pairs, original, len(cells)), pairs))
    return pairs


def _pair(pairs: dict[int, int], original: int, found: int | None) -> None:
    if found is not None:
        pairs[original] = found


def _candidates(cells: Cells, wanted: nbformat.NotebookNode, pairs: dict[int, int], span: range) -> list[int]:
    used = set(pairs.values())
    return [
        i for i in span
        if i not in used and cells[i].cell_type == wanted.cell_type and not is_feedback_cell(cells[i])
    ]


def _same_source(cells: Cells, wanted: nbformat.NotebookNode, pairs: dict[int, int]) -> int | None:
    source = wanted.source.strip()
    found = [i for i in _candidates(cells, wanted, pairs, range(len(cells))) if cells[i].source.strip() == source]
    # Of several identical cells, the first below the cells matched so far keeps the template's order.
    below = max(pairs.values(), default=-1)
    return next((i for i in found if i > below), found[0] if found else None)


def _gap(pairs: dict[int, int], original: int, count: int) -> range:
    """The student cells between the matches of the template cells around ``original``."""
    before = [pairs[o] for o in pairs if o < original]
    after = [pairs[o] for o in pairs if o > original]
    low = max(before, default=-1) + 1
    return range(low, min(after, default=count))


def _most_similar(cells: Cells, wanted: nbformat.NotebookNode, span: range, pairs: dict[int, int]) -> int | None:
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(wanted.source[:COMPARED_CHARS])
    best, found = SIMILAR, None
    for index in _candidates(cells, wanted, pairs, span)[:COMPARED_CELLS]:
        matcher.set_seq1(cells[index].source[:COMPARED_CHARS])
        if matcher.real_quick_ratio() >= best and matcher.quick_ratio() >= best and matcher.ratio() >= best:
            best, found = matcher.ratio(), index
    return found


def reference_answers(
    solution: nbformat.NotebookNode, template: Cells, regions: Sequence[str | None]
) -> dict[str, list[str]]:
    """Each question's reference answer: the solution's cells in its region that the template lacks, as they run.

    Cells the instructor tagged to leave out of the student notebook (``instructor``, ``remove-cell``)
    stay out here too, and answers lose their ``### BEGIN SOLUTION`` marker lines and prompt blocks.
    """
    from autograder.core import markers

    blank = {cell.source.strip() for cell in template}
    answers: dict[str, list[str]] = {}
    for cell, name in zip(solution.cells, question_labels(solution.cells, template, regions), strict=True):
        hidden = set(cell.get("metadata", {}).get("tags", ())) & set(markers.INSTRUCTOR_TAGS)
        if name is None or hidden or cell.cell_type not in ("code", "markdown") or cell.source.strip() in blank:
            continue
        answers.setdefault(name, []).append(_as_it_runs(cell.source).strip())
    return answers


def _as_it_runs(source: str) -> str:
    from autograder.core import markers
    from autograder.core.assignment import AssignmentError

    try:
        return markers.without_markers(source)
    except AssignmentError:  # markers tfgrade assign refuses: show the instructor's cell as written
        return source
