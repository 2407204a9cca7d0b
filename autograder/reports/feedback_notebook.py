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
HTML, which :data:`_TEMPLATE` styles). Cells with that mark in the submitted notebook (an earlier
feedback notebook handed in again) are left out: they are stale, and nothing a student writes may
pass for the grader's words.

Outputs are cleared, not kept. The results are what the grader found when it ran the notebook from
the top; saved outputs may come from another run, in another order, and would contradict them
next to them. Dropping them also keeps the student's HTML and scripts out of a page the instructor
may open, and keeps the files small.

Where a question is, in a notebook students edited (added, deleted, moved cells): each template
cell tied to a question (its cell id ``q1-...``, a ``check("q1")`` call, a heading that names
Question 1, or ``{"tfgrade": {"question": "q1"}}`` metadata) makes the template's cells from the
first of them to the next question's the question's *region* (after the last question, only code
cells). Student cells are matched to template cells by
cell id (JupyterLab keeps them), then by identical source, then by similar source between two
matched cells; a matched cell takes its template cell's region and an unmatched one (an answer, a
scratch cell) the region of the matched cell above it. A question's results go after the last
student cell in its region; a question with none goes at the end, with a note that says so.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import re
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from autograder import i18n, messages
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

# Imported where used: `tfgrade grade --help` imports this module (for FEEDBACK_IPYNB) and should not wait for
# nbconvert, nbformat or the assignment loader.
if TYPE_CHECKING:
    import nbformat
    from nbconvert import HTMLExporter

__all__ = ["FEEDBACK_HTML", "FEEDBACK_IPYNB", "TAG", "feedback_notebook", "is_feedback_cell", "render_html"]

FEEDBACK_IPYNB, FEEDBACK_HTML = "feedback.ipynb", "feedback-notebook.html"
TAG = "tfgrade-feedback"
"""The tag of every cell the grader adds (nbconvert's HTML gives the cell the class ``celltag_<tag>``)."""
SIMILAR = 0.8
"""How alike (difflib's ratio) a student's cell must be to a template cell it has no id or exact match for."""
COMPARED_CHARS = 4000
"""Characters of a cell compared for similarity: enough to tell cells apart, bounded for a huge cell."""
COMPARED_CELLS = 200
"""Student cells compared with one template cell, at most: bounded for a notebook of thousands of cells."""

Kind = Literal["summary", "results", "cell-error", "solution"]
Cells = Sequence["nbformat.NotebookNode"]


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
    regions = _regions(template.cells, names)
    after = _last_cells(_labels(student.cells, template.cells, regions))
    answers = _answers(solution, template.cells, regions) if solution is not None else {}
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


def is_feedback_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is one the grader added (its metadata says so)."""
    mark = cell.get("metadata", {}).get("tfgrade")
    return isinstance(mark, dict) and mark.get("feedback") is True


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
    import nbformat

    label = f"**{md_escape(messages.NOTEBOOK_LABEL.format())}**"
    quoted = [f"> {line}" if line else ">" for line in [label, "", *lines]]
    cell = nbformat.v4.new_markdown_cell("\n".join(quoted))
    mark: dict[str, Any] = {"feedback": True, "kind": kind}
    if question is not None:
        mark["question"] = question
    # editable/deletable: Jupyter keeps students from editing the grader's words by accident.
    cell.metadata = {"tfgrade": mark, "tags": [TAG], "editable": False, "deletable": False}
    return cell


def _cleared(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    import nbformat

    # Outputs are left behind before copying: a notebook may carry megabytes of them.
    copied = nbformat.from_dict(copy.deepcopy({key: value for key, value in cell.items() if key != "outputs"}))
    if copied.cell_type == "code":
        copied.outputs, copied.execution_count = [], None
    return copied


def _notebook(
    student: nbformat.NotebookNode, cells: list[nbformat.NotebookNode], *, with_solutions: bool
) -> nbformat.NotebookNode:
    import nbformat

    node = nbformat.v4.new_notebook(metadata=copy.deepcopy(student.metadata))
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


# -- where each question is -------------------------------------------------------------------

_HEADING = re.compile(r"^\s{0,3}#+\s+(.*)$", re.MULTILINE)
_WORD = re.compile(r"\w+(?:[.-]\w+)*")
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


def _regions(template: Cells, names: Sequence[str]) -> list[str | None]:
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


def _labels(cells: Cells, template: Cells, regions: Sequence[str | None]) -> list[str | None]:
    """Each student cell's question: its template cell's, or for an unmatched cell, the one above it's."""
    matched = {student: original for original, student in _match(cells, template).items()}
    labels: list[str | None] = []
    current: str | None = None
    for index in range(len(cells)):
        if index in matched:
            current = regions[matched[index]]
        labels.append(current)
    return labels


def _last_cells(labels: Sequence[str | None]) -> dict[str, int]:
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


def _answers(solution: nbformat.NotebookNode, template: Cells, regions: Sequence[str | None]) -> dict[str, list[str]]:
    """Each question's reference answer: the solution's cells in its region that the template lacks, as they run.

    Cells the instructor tagged to leave out of the student notebook (``instructor``, ``remove-cell``)
    stay out here too, and answers lose their ``### BEGIN SOLUTION`` marker lines and prompt blocks.
    """
    from autograder.core import markers

    blank = {cell.source.strip() for cell in template}
    answers: dict[str, list[str]] = {}
    for cell, name in zip(solution.cells, _labels(solution.cells, template, regions), strict=True):
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


# -- the web page -----------------------------------------------------------------------------

_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{#- No scripts and nothing fetched: the page is a record, like feedback.html. The policy comes first, so it
    also stops what a student's own Markdown or raw cells hold (<script>, onerror=, remote images). -#}
{%- block html_head -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.tfgrade_policy }}">
{{ super() }}
{%- endblock html_head -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style>
.celltag_tfgrade-feedback { background: #eef3fa; border-left: 6px solid #1f5fa8; border-radius: 4px;
  padding: 0.4em 1em; margin: 0.6em 0; }
.celltag_tfgrade-feedback blockquote { border-left: none; background: none; margin: 0; padding: 0; }
/* Fonts with Hangul before the generic family, for Korean notebooks and feedback (issue 14). */
body { --jp-content-font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans KR", "Noto Sans CJK KR",
  "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; --jp-ui-font-family: var(--jp-content-font-family); }
</style>
{%- endblock extra_css -%}
"""
_TEMPLATE_NAME = "tfgrade-feedback-notebook.html.j2"
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
"""The page's Content-Security-Policy: inline styles and embedded images only; no script runs, nothing is fetched.

nbconvert's own ``sanitize_html`` is no use here: it escapes the paragraphs and headings of every
Markdown cell (jupyter/nbconvert#2016)."""
_EXPORTER_LOCK = threading.Lock()
"""The batch writes reports from several threads; one exporter, used by one at a time."""


def render_html(node: nbformat.NotebookNode, title: str) -> str:
    """``node`` as one HTML page (nbconvert's lab layout, no scripts); nothing in it is executed."""
    with _EXPORTER_LOCK:
        return _page(_exporter(), node, title)


def _page(exporter: HTMLExporter, node: nbformat.NotebookNode, title: str) -> str:
    exporter.language_code = i18n.current()  # <html lang>, the feedback's language
    resources = {"metadata": {"name": title}, "tfgrade_policy": POLICY}  # the template escapes the title
    body, _ = exporter.from_notebook_node(node, resources=resources)
    return str(body)


REMEMBERED_CELLS = 2048
REMEMBERED_CHARACTERS = 32_768
"""Per-cell HTML kept for the batch's later notebooks: that many cells of at most that many characters
each (an embedded image is rendered each time), so at most some 100 MB, usually a few."""


@functools.lru_cache(maxsize=REMEMBERED_CELLS)
def _clean_html(text: str) -> str:
    from nbconvert import filters as nbconvert_filters

    return str(nbconvert_filters.clean_html(text))


def _remembered_clean_html(element: str | bytes) -> str:
    """nbconvert's ``clean_html`` (bleach, over half of a page's CPU), remembered per text: most cells of a
    batch's notebooks are the template's own (the assignment's text, the given code), and the filter is
    a function of its text alone, so a remembered result is the same bytes."""
    from nbconvert import filters as nbconvert_filters

    text = element.decode() if isinstance(element, bytes) else str(element)
    return _clean_html(text) if len(text) <= REMEMBERED_CHARACTERS else str(nbconvert_filters.clean_html(text))


@cache
def _exporter_class() -> type[HTMLExporter]:
    """nbconvert's HTML exporter, with each Markdown cell's HTML remembered as :func:`_remembered_clean_html`
    remembers its cleaning: by everything the filter reads (the text, the cell's attachments, the path).
    Made on first use: `tfgrade grade --help` imports this module and should not wait for nbconvert."""
    import jinja2
    from nbconvert import HTMLExporter

    class _Exporter(HTMLExporter):
        @jinja2.pass_context
        def markdown2html(self, context: Any, source: str) -> str:
            attachments = json.dumps(context.get("cell", {}).get("attachments", {}), sort_keys=True)
            path = str(context.get("resources", {}).get("metadata", {}).get("path", ""))
            if len(source) + len(attachments) + len(path) > REMEMBERED_CHARACTERS:
                return str(super().markdown2html(context, source))
            return self._markdown(source, attachments, path)

        @functools.cached_property
        def _markdown(self) -> Callable[[str, str, str], str]:
            @functools.lru_cache(maxsize=REMEMBERED_CELLS)
            def render(source: str, attachments: str, path: str) -> str:
                context = {"cell": {"attachments": json.loads(attachments)}, "resources": {"metadata": {"path": path}}}
                return str(HTMLExporter.markdown2html(self, context, source))

            return render

    return _Exporter


@cache
def _exporter() -> HTMLExporter:
    return _exporter_class()(filters={"clean_html": _remembered_clean_html}, **_settings())


def _settings() -> dict[str, Any]:
    """The exporter's settings (also those of a plain nbconvert exporter, to compare pages with)."""
    import jinja2

    return {
        "template_file": _TEMPLATE_NAME,
        "extra_loaders": [jinja2.DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
        "exclude_anchor_links": True,
        # Validated once, after every preprocessor, not after each of them (a dozen times): the same page.
        "optimistic_validation": True,
    }
