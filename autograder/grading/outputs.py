"""Each submission's files in ``out/submissions/<name>/``: the :class:`Output` registry and their writing.

:data:`BUILT_IN` holds one :class:`Output` per file (its name, who reads it, its text); installed
packages add their own (:mod:`autograder.plugins`), and report.json comes last. The batch writes each
submission's files through :func:`write_reports`; ``tfgrade grade --help`` lists them from
:func:`outputs_help` (docs/plugins.md: a new file is one entry and one test).
"""

from __future__ import annotations

import functools
import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from autograder import i18n, messages, plugins
from autograder.core import cache, codec, scoring
from autograder.core.results import SubmissionResult
from autograder.reports import formats as report
from autograder.reports.feedback import feedback_html, feedback_markdown
from autograder.reports.feedback_notebook import FEEDBACK_HTML, FEEDBACK_IPYNB, feedback_notebook, render_html

# Imported where used: `tfgrade grade --help` reads OUTPUTS, and should not wait for nbformat, IPython or the sandbox.
if TYPE_CHECKING:
    import nbformat

    from autograder.core.assignment import Assignment
    from autograder.grading.pipeline import Graded

SUBMISSIONS = "submissions"
"""Each submission's reports go in ``out/submissions/<name>/``: a folder of its own, so no file name
(``grades.csv.ipynb``, ``class.html.zip``) can make a submission's folder collide with the batch's files."""


def write_reports(
    graded: Graded,
    folder: Path,
    cache_keys: dict[str, str] | None = None,
    notebook_feedback: NotebookFeedback | None = None,
) -> None:
    """All of a submission's files; report.json last, since its presence marks the set complete.

    With ``notebook_feedback``, also the student's notebook annotated with the results (a graded
    submission's only: a rejected one has no notebook to return).
    """
    with i18n.using(graded.result.language):  # each submission's files in its own language (issue 14)
        _write_reports(graded, folder, cache_keys, notebook_feedback)


def _write_reports(
    graded: Graded, folder: Path, cache_keys: dict[str, str] | None, notebook_feedback: NotebookFeedback | None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    made = _Made(graded, notebook_feedback, cache_keys or {})
    for output in outputs():  # in the registry's order, so report.json comes last
        if notebook_feedback is not None or not output.from_notebook:
            _write_output(folder, output, made)


def _write_output(folder: Path, output: Output, made: _Made) -> None:
    text = output.render(made)
    if text is None:  # nothing to return now: a stale file from an earlier run goes
        (folder / output.file).unlink(missing_ok=True)
    else:
        cache.write_atomically(folder / output.file, text)


@dataclass(frozen=True)
class NotebookFeedback:
    """What a feedback notebook is made from besides the result: the submitted file and the assignment."""

    path: Path
    assignment: Assignment
    with_solutions: bool = False
    """Put each question's reference solution after its results (after the deadline)."""


class _Made:
    """What a submission's outputs are rendered from; the feedback notebook is built once for its two files."""

    def __init__(self, graded: Graded, source: NotebookFeedback | None, cache_keys: dict[str, str]) -> None:
        self.graded, self.source, self.cache_keys = graded, source, cache_keys

    @functools.cached_property
    def notebook_files(self) -> dict[str, str]:
        return _feedback_notebook_files(self.graded, self.source) if self.source else {}


Audience = Literal["instructor", "student", "gradescope"]


@dataclass(frozen=True)
class Output:
    """One file of ``out/submissions/<name>/``: its name, who reads it, and its text."""

    file: str
    audience: Audience
    render: Callable[[_Made], str | None]
    """The file's text; None: the file should not exist (then an earlier run's copy is removed)."""
    help: str
    """Its line in ``tfgrade grade --help``."""
    from_notebook: bool = False
    """Made from the submitted notebook: written only when the batch asks for the feedback notebook."""


def _json(document: Callable[[SubmissionResult, scoring.Score], object]) -> Callable[[_Made], str]:
    return lambda made: json.dumps(document(made.graded.result, made.graded.score), indent=2) + "\n"


def _feedback_text(made: _Made) -> str:
    return report.feedback_text(made.graded.result, made.graded.score, show_hidden=False) + "\n"


def _report_json(made: _Made) -> str:
    full = codec.Report(made.graded.result, made.graded.score, cache=made.cache_keys)  # what the cache reads back
    return codec.REPORT.dumps(full, indent=2) + "\n"


FEEDBACK_PAGE = "feedback.html"
"""The student's feedback page, which class.html links each submission to."""
BUILT_IN: tuple[Output, ...] = (
    Output("student.json", "student", _json(report.student_report),
           "for the student: hidden checks only as counts and points"),
    Output("results.json", "gradescope", _json(report.gradescope_results), "Gradescope's results format"),
    Output("feedback.txt", "student", _feedback_text, "the student's feedback as text,"),
    Output("feedback.md", "student", lambda made: feedback_markdown(made.graded.result, made.graded.score),
           "as Markdown"),
    Output(FEEDBACK_PAGE, "student", lambda made: feedback_html(made.graded.result, made.graded.score),
           "and as a web page"),
    Output(FEEDBACK_IPYNB, "student", lambda made: made.notebook_files.get(FEEDBACK_IPYNB),
           "the student's own notebook, with the results after each question and each cell error "
           "(graded submissions only)", from_notebook=True),
    Output(FEEDBACK_HTML, "student", lambda made: made.notebook_files.get(FEEDBACK_HTML),
           "that notebook as a web page", from_notebook=True),
)
_COMPLETE = Output(cache.REPORT, "instructor", _report_json, "everything, for you (docs/report-schema.md)")
"""Written last: its presence marks the set complete (cache.stored reads it)."""


@functools.cache
def outputs() -> tuple[Output, ...]:
    """Every per-submission file, in the order written: the built-in ones, those installed packages add
    (:mod:`autograder.plugins`; ``render`` gets an object whose ``graded`` is the submission's
    :class:`~autograder.grading.pipeline.Graded`), then report.json. Read on first use, not at import, since a
    plugin imports this module to make its entry."""
    taken = (o.file for o in (*BUILT_IN, _COMPLETE))
    return (*BUILT_IN, *plugins.load(plugins.OUTPUTS, Output, taken, lambda o: o.file), _COMPLETE)


def __getattr__(name: str) -> Any:
    """``OUTPUTS``: :func:`outputs`, on first use."""
    if name == "OUTPUTS":
        return outputs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
_READERS: tuple[Audience, ...] = ("instructor", "student", "gradescope")


def outputs_help() -> str:
    """The files of ``out/submissions/<name>/`` for ``tfgrade grade --help``: the instructor's, the
    student's, then Gradescope's, each with its line wrapped to 100 columns."""
    lines: list[str] = []
    for output in sorted(outputs(), key=lambda o: _READERS.index(o.audience)):
        path = f"FOLDER/{SUBMISSIONS}/<name>/{output.file}"
        wrapped = textwrap.wrap(output.help, 100 - 43)
        lines.append(f"  {path:<40} {wrapped[0]}")
        lines += [" " * 43 + more for more in wrapped[1:]]
    return "\n".join(lines)


def write_feedback_notebook(graded: Graded, folder: Path, source: NotebookFeedback) -> None:
    """feedback.ipynb and feedback-notebook.html; a stale pair goes when there is no notebook to return now."""
    with i18n.using(graded.result.language):
        made = _Made(graded, source, {})
        for output in outputs():
            if output.from_notebook:
                _write_output(folder, output, made)


def _feedback_notebook_files(graded: Graded, source: NotebookFeedback) -> dict[str, str]:
    from autograder.core import ipynb, notebook

    if graded.result.status != "graded":
        return {}
    try:  # the bytes graded; a result reused from an earlier run has none, and its cache key vouches for the file
        data = notebook.read_bytes(source.path) if graded.submitted is None else graded.submitted
        student = notebook.parse_node(data, source.path.name)
    except notebook.NotebookRejected:  # the file changed or went since it was graded
        return {}
    assignment = source.assignment
    template = _reference(assignment.template) or ipynb.new_notebook()  # then every result goes at the end
    solution = _reference(assignment.solution) if source.with_solutions and assignment.solution else None
    node = feedback_notebook(student, graded.result, graded.score, template, solution=solution)
    title = messages.FEEDBACK_TITLE.format(submission=report.safe_text(graded.result.submission, report.NAME_LIMIT))
    return {FEEDBACK_IPYNB: ipynb.writes(node) + "\n", FEEDBACK_HTML: render_html(node, title)}


def _reference(path: Path) -> nbformat.NotebookNode | None:
    """The template or solution notebook; None if it cannot be read (the batch goes on without it).

    Parsed once per batch, not per submission: the same file (by its size and modification time)
    gives the same node, which :func:`feedback_notebook` only reads.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    return _parsed_reference(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _parsed_reference(path: Path, _mtime_ns: int, _size: int) -> nbformat.NotebookNode | None:
    from autograder.core import ipynb

    try:
        return ipynb.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an instructor's file: OSError, bad JSON, nbformat's many errors
        return None


def feedback_notebook_current(graded: Graded, folder: Path, source: NotebookFeedback) -> bool:
    """Whether a reused result's feedback notebook was written with the options of this run."""
    from autograder.core import ipynb

    if graded.result.status != "graded":
        return True
    try:
        written = ipynb.read(folder / FEEDBACK_IPYNB, as_version=4).metadata["tfgrade"]["feedback"]
    except Exception:  # noqa: BLE001 - missing, damaged or of an older tfgrade: write it again
        return False
    return bool(written == {"with_solutions": source.with_solutions})

