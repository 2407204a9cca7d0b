"""The student's own notebook handed back, with the grader's results where each answer is.

:func:`feedback_notebook` is pure (nbformat nodes and result values in, a new node out) and adds:

* a summary cell at the top: the score, each question's points, the notices and cell errors, what
  to do next (the lines of ``feedback.md``);
* after each question's last cell, a results cell: the question's block of ``feedback.md``, drawn
  by the same renderer (:mod:`autograder.reports.feedback`), so the public checks with their
  messages and the hints of failed hidden checks, never a hidden check's name, message, inputs or
  details;
* after each cell that raised when the grader ran the notebook, that error and its hint;
* with a solution (after the deadline), each question's reference answer cells, after its results.

Every added cell is a Markdown cell quoted as one block that starts with a bold label, with
``{"tfgrade": {"feedback": true, ...}}`` in its metadata and the tag :data:`TAG` (a class in the
HTML, which :mod:`autograder.reports.notebook_page` styles). Cells with that mark in the submitted notebook (an earlier
feedback notebook handed in again) are left out: they are stale, and nothing a student writes may
pass for the grader's words.

Outputs are cleared, not kept. The results are what the grader found when it ran the notebook from
the top; saved outputs may come from another run, in another order, and would contradict them
next to them. Dropping them also keeps the student's HTML and scripts out of a page the instructor
may open, and keeps the files small.

Where each question's results go: :mod:`autograder.reports.question_regions`. The web page:
:func:`render_html` (:mod:`autograder.reports.notebook_page`), importable from here.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Literal

from autograder import messages
from autograder.core.results import CellError, CheckResult, SubmissionResult
from autograder.core.scoring import Score

# The renderers of feedback.md, so a question's results read the same in both files.
from autograder.reports.feedback import (
    feedback_view,
    md_code_block,
    md_escape,
    md_paragraph,
    md_question,
    question_view,
)
from autograder.reports.formats import NAME_LIMIT, cell_error_lines, safe_text
from autograder.reports.notebook_page import render_html
from autograder.reports.question_regions import (
    is_feedback_cell,
    last_cells,
    question_labels,
    question_regions,
    reference_answers,
)

# Imported where used: `tfgrade grade --help` imports this module (for FEEDBACK_IPYNB) and should not wait for
# nbconvert, nbformat or the assignment loader.
if TYPE_CHECKING:
    import nbformat

__all__ = ["FEEDBACK_HTML", "FEEDBACK_IPYNB", "TAG", "feedback_notebook", "is_feedback_cell", "render_html"]

FEEDBACK_IPYNB, FEEDBACK_HTML = "feedback.ipynb", "feedback-notebook.html"
TAG = "tfgrade-feedback"
"""The tag of every cell the grader adds (nbconvert's HTML gives the cell the class ``celltag_<tag>``)."""

Kind = Literal["summary", "results", "cell-error", "solution"]


def feedback_notebook(
    student: nbformat.NotebookNode,
    result: SubmissionResult,
    score: Score,
    template: nbformat.NotebookNode,
    *,
    solution: nbformat.NotebookNode | None = None,
) -> nbformat.NotebookNode:
    """``student`` with the results added (see the module's docstring); ``student`` itself is not changed.

    ``template`` is the assignment's blank notebook, to find each question in; ``solution``, when
    given, adds the reference answer cells (its cells that differ from the template).
    """
    names = _question_names(result, score)
    regions = question_regions(template.cells, names)
    after = last_cells(question_labels(student.cells, template.cells, regions))
    answers = reference_answers(solution, template.cells, regions) if solution is not None else {}
    # A submission that was not graded ran no checks: the summary says why, and there is nothing to place.
    unplaced = dict.fromkeys(names if result.status == "graded" else [])
    errors: dict[int, list[CellError]] = {}
    for error in result.execution.cell_errors:
        errors.setdefault(error.cell - 1, []).append(error)

    cells = [_cell(_summary_lines(result, score), "summary")]
    for index, cell in enumerate(student.cells):
        if not is_feedback_cell(cell):
            cells.append(_cleared(cell))
        cells += [_cell(_error_lines(e), "cell-error") for e in errors.pop(index, [])]
        for name in [n for n in unplaced if after.get(n) == index]:
            cells += _results(name, result, score, answers.get(name, []))
            del unplaced[name]
    cells += [_cell(_error_lines(e), "cell-error") for rest in errors.values() for e in rest]
    for name in unplaced:
        note = messages.NOTEBOOK_NOT_PLACED.format(question=safe_text(name, NAME_LIMIT))
        cells += _results(name, result, score, answers.get(name, []), note=note)
    return _notebook(student, cells, with_solutions=solution is not None)


# -- what the added cells say -----------------------------------------------------------------


def _question_names(result: SubmissionResult, score: Score) -> list[str]:
    """The assignment's questions in order, then any question a check named that it lacks."""
    names = dict.fromkeys(q.question for q in score.questions)
    names.update(dict.fromkeys(c.question for c in result.checks))
    return list(names)


def _summary_lines(result: SubmissionResult, score: Score) -> list[str]:
    view = feedback_view(result, score)
    lines = [f"## {md_escape(messages.FEEDBACK_TITLE.format(submission=view.submission))}", ""]
    lines += [md_escape(messages.FEEDBACK_ASSIGNMENT.format(assignment=view.assignment)), ""]
    lines += [f"**{md_escape(view.status_label)}: {view.total}**", ""]
    for notice in view.notices:
        lines += [*md_paragraph(notice).split("\n"), ""]
    if view.questions:
        lines += [f"- {md_escape(q.heading)}: {md_escape(q.points)}" for q in view.questions] + [""]
    if view.cell_errors:
        lines += [f"### {messages.HEADING_CELL_ERRORS.format()}", ""]
        lines += [f"- {messages.CELL.format(cell=e.cell)}: {md_escape(e.error)}" for e in view.cell_errors] + [""]
    if view.next_steps:
        lines += [f"### {messages.HEADING_NEXT.format()}", ""] + [f"- {md_escape(step)}" for step in view.next_steps]
        lines.append("")
    if view.closing:
        lines += [md_escape(view.closing), ""]
    label = f'"{messages.NOTEBOOK_LABEL.format()}"'
    return [*lines, md_escape(messages.NOTEBOOK_INTRO.format(label=label))]


def _results(
    name: str, result: SubmissionResult, score: Score, answers: list[str], *, note: str = ""
) -> list[nbformat.NotebookNode]:
    """The results cell of question ``name`` (``note`` first) and, with a solution, its reference answer cell."""
    checks: list[CheckResult] = [c for c in result.checks if c.question == name]
    question = question_view(name, next((q for q in score.questions if q.question == name), None), checks)
    lines = md_question(question)[:-1]  # its trailing blank line would end the quote
    cells = [_cell([md_escape(note), "", *lines] if note else lines, "results", name)]
    if answers:
        title = messages.NOTEBOOK_SOLUTION.format(question=safe_text(name, NAME_LIMIT))
        lines = [f"**{md_escape(title)}**"]
        for source in answers:
            fence = md_code_block(source, indent="")
            lines += ["", fence[0] + "python", *fence[1:]]
        cells.append(_cell(lines, "solution", name))
    return cells


def _error_lines(error: CellError) -> list[str]:
    stopped, *hints = cell_error_lines(error)
    lines = [md_escape(stopped)]
    for hint in hints:
        lines += ["", md_escape(hint.strip())]
    return lines


# -- the added cells and the new notebook -----------------------------------------------------


def _cell(lines: list[str], kind: Kind, question: str | None = None) -> nbformat.NotebookNode:
    from autograder.core import ipynb

    label = f"**{md_escape(messages.NOTEBOOK_LABEL.format())}**"
    quoted = [f"> {line}" if line else ">" for line in [label, "", *lines]]
    cell = ipynb.new_markdown_cell("\n".join(quoted))
    mark: dict[str, Any] = {"feedback": True, "kind": kind}
    if question is not None:
        mark["question"] = question
    # editable/deletable: Jupyter keeps students from editing the grader's words by accident.
    cell.metadata = {"tfgrade": mark, "tags": [TAG], "editable": False, "deletable": False}
    return cell


def _cleared(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    from autograder.core import ipynb

    # Outputs are left behind before copying: a notebook may carry megabytes of them.
    copied = ipynb.from_dict(copy.deepcopy({key: value for key, value in cell.items() if key != "outputs"}))
    if copied.cell_type == "code":
        copied.outputs, copied.execution_count = [], None
    return copied


def _notebook(
    student: nbformat.NotebookNode, cells: list[nbformat.NotebookNode], *, with_solutions: bool
) -> nbformat.NotebookNode:
    from autograder.core import ipynb

    node = ipynb.new_notebook(metadata=copy.deepcopy(student.metadata))
    node.cells = cells
    mark = node.metadata.get("tfgrade")
    feedback = {"feedback": {"with_solutions": with_solutions}}  # a rerun with other options rewrites the file
    node.metadata["tfgrade"] = {**(mark if isinstance(mark, dict) else {}), **feedback}
    _number_cells(node)
    return node


def _number_cells(node: nbformat.NotebookNode) -> None:
    """Every cell an id, unique, and the same on every run (nbformat 4.5 requires ids)."""
    node.nbformat, node.nbformat_minor = 4, max(int(node.get("nbformat_minor", 5)), 5)
    seen: set[str] = set()
    for number, cell in enumerate(node.cells, start=1):
        wanted = str(cell.get("id") or "")
        if is_feedback_cell(cell) or not wanted or wanted in seen:
            wanted = f"tfgrade-{cell.metadata['tfgrade']['kind']}" if is_feedback_cell(cell) else "cell"
            wanted = f"{wanted}-{number}"
        cell.id = wanted
        seen.add(wanted)
