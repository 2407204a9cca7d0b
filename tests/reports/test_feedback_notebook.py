"""The feedback notebook: the student's own notebook back, with the results where each answer is.

Most tests build the feedback notebook from the assignments' real templates, solutions and
scenario notebooks, with results made by the factories (no TensorFlow): where each question's
results land when a student added, deleted or moved cells, with and without cell ids; that the
student's cells stay as written; that nothing of a hidden check or (before the deadline) of the
solution gets in. Then the batch writes it, nbconvert renders it without running a cell, and
headless chromium shows it; one ``slow`` test grades a real notebook.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from factories import FakeExecutor, autograph_checks, check_result, execution, summary, write_notebook
from nbconvert import HTMLExporter

from autograder import messages
from autograder.cli import seam
from autograder.core import assignment as assignments
from autograder.core import scoring
from autograder.core.results import CellError, CheckResult, ExecutionSummary, IntegrityFlag, SubmissionResult
from autograder.grading import batch
from autograder.grading.pipeline import Graded, grade
from autograder.reports import notebook_page
from autograder.reports.feedback import feedback_markdown
from autograder.reports.feedback_notebook import (
    FEEDBACK_HTML,
    FEEDBACK_IPYNB,
    TAG,
    feedback_notebook,
    is_feedback_cell,
    render_html,
)
from tests.conftest import ROOT, TESTS
from tests.reports.test_hints import HINT_LOSS, HINT_SHAPE, SENTINELS, checks, make_assignment, readable

NOTEBOOKS = TESTS / "notebooks"
LABEL = messages.NOTEBOOK_LABEL.format()


@pytest.fixture(scope="module")
def autograph() -> assignments.Assignment:
    return assignments.load("autograph")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def graded_result(a: assignments.Assignment, *checks: CheckResult, cell_errors: tuple[CellError, ...] = ()) -> Graded:
    run = ExecutionSummary("completed", "The notebook ran.", cell_errors)
    result = SubmissionResult("alice.ipynb", a.name, "graded", run.message, run, checks or autograph_checks())
    return Graded(result, scoring.score(result, a.questions))


def annotate(student: nbformat.NotebookNode, a: assignments.Assignment, graded: Graded | None = None,
             *, with_solution: bool = False) -> nbformat.NotebookNode:
    graded = graded or graded_result(a)
    solution = read(a.solution) if with_solution and a.solution else None
    node = feedback_notebook(student, graded.result, graded.score, read(a.template), solution=solution)
    nbformat.validate(node)  # a notebook Jupyter opens: ids, v4.5
    return node


def results_after(node: nbformat.NotebookNode) -> dict[str, str]:
    """Each question's results cell -> the id of the student's cell just above it ('' at the very end, unplaced)."""
    placed: dict[str, str] = {}
    last = ""
    for cell in node.cells:
        mark = cell.metadata.get("tfgrade", {})
        if not is_feedback_cell(cell):
            last = cell.id
        elif mark["kind"] == "results":
            note = messages.NOTEBOOK_NOT_PLACED.format(question=mark["question"])
            placed[mark["question"]] = "" if note in cell.source else last
    return placed


def unquoted(source: str) -> str:
    return re.sub(r"^> ?", "", source, flags=re.MULTILINE)


def kind(cell: nbformat.NotebookNode) -> str:
    """What an added cell is (summary, results, cell-error, solution); empty for the student's own."""
    return str(cell.metadata["tfgrade"]["kind"]) if is_feedback_cell(cell) else ""


def without_ids(node: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """As Colab and older Jupyter save it: no cell ids (nbformat 4.4)."""
    copied = copy.deepcopy(node)
    copied.nbformat_minor = 4
    for cell in copied.cells:
        cell.pop("id", None)
    return copied


def by_id(node: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    return next(c for c in node.cells if c.get("id") == cell_id)


AFTER_CHECKS = {"q1": "q1-check", "q2": "q2-check", "q3": "q3-check", "q4": "q4-check"}


# -- where the results go ---------------------------------------------------------------------


def test_each_questions_results_follow_its_last_cell_and_the_summary_comes_first(autograph) -> None:
    node = annotate(read(autograph.solution), autograph)

    assert results_after(node) == AFTER_CHECKS
    first = node.cells[0]
    assert first.metadata["tfgrade"] == {"feedback": True, "kind": "summary"}
    assert "Score: 11 / 11 points" in first.source
    assert messages.FEEDBACK_TITLE.format(submission="alice.ipynb") in first.source


def test_without_cell_ids_the_cells_are_found_by_their_source(autograph) -> None:
    node = annotate(without_ids(read(autograph.solution)), autograph)

    # Ids are given to the cells in order; the template's check cells are found by their text.
    sources = {c.id: c.source for c in node.cells}
    assert {q: sources[cell_id].splitlines()[0] for q, cell_id in results_after(node).items()} == {
        q: by_id(read(autograph.template), cell_id).source.splitlines()[0] for q, cell_id in AFTER_CHECKS.items()
    }


@pytest.mark.parametrize("ids", [True, False], ids=["with-ids", "without-ids"])
def test_cells_a_student_adds_belong_to_the_question_above_them(autograph, ids: bool) -> None:
    student = read(autograph.solution)
    index = [c.id for c in student.cells].index("q2-check")
    student.cells.insert(index + 1, _cell("scratch-2", "code", "count_halvings(tf.constant([8.0]))"))
    student.cells.insert(index, _cell("scratch-1", "markdown", "My notes on the loop."))
    student.cells.append(_cell("after-end", "code", "print('done')"))
    node = annotate(student if ids else without_ids(student), autograph)

    placed = results_after(node)
    assert (placed["q2"] == "scratch-2") if ids else (_source(node, placed["q2"]).startswith("count_halvings("))
    assert [q for q, cell in placed.items() if cell == ""] == []
    assert node.cells[-1].source == "print('done')"  # after the last question's region: not the results' place


@pytest.mark.parametrize("ids", [True, False], ids=["with-ids", "without-ids"])
def test_a_question_whose_check_cell_was_deleted_gets_its_results_after_its_answer(autograph, ids: bool) -> None:
    student = read(autograph.solution)
    student.cells = [c for c in student.cells if c.id != "q2-check"]
    node = annotate(student if ids else without_ids(student), autograph)

    assert "def count_halvings(x):" in _source(node, results_after(node)["q2"])


@pytest.mark.parametrize("ids", [True, False], ids=["with-ids", "without-ids"])
def test_a_question_moved_below_another_takes_its_results_with_it(autograph, ids: bool) -> None:
    student = read(autograph.solution)
    q2 = [c for c in student.cells if c.id.startswith("q2-")]
    rest = [c for c in student.cells if not c.id.startswith("q2-")]
    at = [c.id for c in rest].index("q3-check") + 1
    student.cells = rest[:at] + q2 + rest[at:]
    node = annotate(student if ids else without_ids(student), autograph)

    placed = results_after(node)
    order = [c.metadata["tfgrade"].get("question") for c in node.cells if is_feedback_cell(c)][1:]
    assert order == ["q1", "q3", "q2", "q4"]
    assert _source(node, placed["q2"]).startswith("# Public checks for Question 2")
    assert _source(node, placed["q3"]).startswith("# Public checks for Question 3")


def test_a_question_whose_cells_are_all_gone_is_reported_at_the_end_with_a_note(autograph) -> None:
    student = read(autograph.solution)
    student.cells = [c for c in student.cells if not c.id.startswith("q3-")]
    node = annotate(student, autograph)

    placed = results_after(node)
    assert placed["q3"] == "" and placed["q4"] == "q4-check"
    last = node.cells[-1]
    assert last.metadata["tfgrade"]["question"] == "q3"
    assert messages.NOTEBOOK_NOT_PLACED.format(question="q3") in last.source.replace("> ", "")


def test_a_question_answered_in_another_questions_cell_gets_its_results_after_its_own_check(tmp_path) -> None:
    """custom_layers' q2 is answered in q1's cell: it has a prompt and a check cell, no answer cell."""
    a = assignments.load("custom_layers")
    graded = graded_result(a, *(check_result(f"{q.name}_c", q.name, points=q.points) for q in a.questions))
    node = annotate(without_ids(read(a.solution)), a, graded)

    placed = results_after(node)
    assert [_source(node, placed[q]).splitlines()[0] for q in ("q1", "q2")] == [
        "# Public checks for Question 1: run this cell; no output means they passed.",
        "# Public checks for Question 2: run this cell; no output means they passed.",
    ]


def scenario_notebooks() -> list[Path]:
    folders = [NOTEBOOKS / name for name in ("autograph", "functional", "custom_layers")]
    return sorted(path for folder in folders for path in folder.glob("*.ipynb"))


@pytest.mark.parametrize("path", scenario_notebooks(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_question_of_every_scenario_notebook_is_placed_in_its_own_region(path: Path) -> None:
    a = assignments.load(path.parent.name)
    graded = graded_result(a, *(check_result(f"{q.name}_c", q.name, points=q.points) for q in a.questions))
    node = annotate(read(path), a, graded)

    placed = results_after(node)
    assert list(placed) == [q.name for q in a.questions] and "" not in placed.values()
    # Each question's results come after its own prompt and before the next question's prompt.
    prompts = [i for i, c in enumerate(node.cells)  # korean: and the .ko twin's headings
               if c.cell_type == "markdown" and re.match(r"#+ (Question|문제) \d", c.source)]
    results = [i for i, c in enumerate(node.cells) if kind(c) == "results"]
    assert len(prompts) == len(results)
    assert all(p < r for p, r in zip(prompts, results, strict=True))
    assert all(r < p for r, p in zip(results, prompts[1:], strict=False))


# -- what the added cells say, and what stays the student's ------------------------------------


def test_a_results_cell_says_what_feedback_md_says_for_its_question(autograph) -> None:
    checks = autograph_checks("q1_public", "q2_hidden")
    checks = tuple(dataclasses.replace(c, hint="Look at the loop's condition.") if c.name == "q2_hidden" else c
                   for c in checks)
    graded = graded_result(autograph, *checks)
    node = annotate(read(autograph.solution), autograph, graded)

    markdown = feedback_markdown(graded.result, graded.score)
    for question in ("q1", "q2"):
        cell = next(c for c in node.cells if c.metadata.get("tfgrade", {}).get("question") == question)
        block = "\n".join(line[2:] for line in cell.source.splitlines()[2:])
        assert block in markdown
        assert cell.metadata["tags"] == [TAG] and cell.source.startswith(f"> **{LABEL}**")
    assert "Look at the loop" in node_text(node) and "q2_hidden" not in node_text(node)


def test_a_cell_error_follows_the_cell_that_raised_with_its_hint(autograph) -> None:
    student = read(autograph.solution)
    number = [c.id for c in student.cells].index("q2-answer") + 1
    errors = (CellError(number, "NameError: name 'tf_log' is not defined", "Write tf.math.log."),
              CellError(999, "RuntimeError: a cell the notebook no longer has"))
    node = annotate(student, autograph, graded_result(autograph, *autograph_checks(), cell_errors=errors))

    ids = [c.id for c in node.cells]
    error = node.cells[ids.index("q2-answer") + 1]
    assert error.metadata["tfgrade"]["kind"] == "cell-error"
    assert messages.CELL_STOPPED.format(cell=number, error="NameError: name 'tf\\_log' is not defined") in error.source
    assert messages.HINT.format(hint="Write tf.math.log.") in error.source
    assert "a cell the notebook no longer has" in node.cells[-1].source  # never lost


def test_the_students_cells_keep_their_source_and_lose_their_outputs_and_stale_feedback(autograph) -> None:
    student = read(autograph.solution)
    answer = by_id(student, "q1-answer")
    answer.outputs = [nbformat.v4.new_output("stream", name="stdout", text="saved output from an earlier run")]
    answer.execution_count = 7
    answer.metadata["collapsed"] = True
    forged = nbformat.v4.new_markdown_cell("> **tfgrade feedback**\n> Score: 11 / 11 (forged)",
                                           metadata={"tfgrade": {"feedback": True, "kind": "summary"}})
    student.cells.insert(1, forged)
    before = copy.deepcopy(student)
    node = annotate(student, autograph)

    assert student == before  # the argument is not changed
    theirs = [c for c in node.cells if not is_feedback_cell(c)]
    kept = [c for c in before.cells if not is_feedback_cell(c)]
    assert [(c.id, c.cell_type, c.source) for c in theirs] == [(c.id, c.cell_type, c.source) for c in kept]
    assert by_id(node, "q1-answer").metadata == {"collapsed": True}
    assert all(c.outputs == [] and c.execution_count is None for c in theirs if c.cell_type == "code")
    assert "forged" not in node_text(node)


def test_a_notebook_that_was_not_graded_gets_only_the_summary(autograph) -> None:
    result = SubmissionResult("alice.ipynb", "autograph", "grader_error", "Grader error: boom")
    node = annotate(read(autograph.solution), autograph, Graded(result, scoring.score(result, autograph.questions)))

    added = [c for c in node.cells if is_feedback_cell(c)]
    assert [c.metadata["tfgrade"]["kind"] for c in added] == ["summary"]
    assert messages.GRADER_ERROR_FOR_STUDENT.format() in added[0].source and "boom" not in added[0].source


def test_a_flagged_submission_gets_one_neutral_line_in_the_summary_and_no_flag(autograph) -> None:
    flag = IntegrityFlag("interpreter-walk", 4, 2, "lists every live object (gc.get_objects)")
    graded = graded_result(autograph)
    result = dataclasses.replace(graded.result, flags=(flag,))
    node = annotate(read(autograph.solution), autograph, Graded(result, graded.score))

    added = "\n".join(c.source for c in node.cells if is_feedback_cell(c))
    summary = next(c for c in node.cells if is_feedback_cell(c) and c.metadata["tfgrade"]["kind"] == "summary")
    assert messages.INTEGRITY_REVIEW.format() in summary.source
    assert added.count(messages.INTEGRITY_REVIEW.format()) == 1
    assert "interpreter-walk" not in added and "gc.get_objects" not in added


def test_text_a_student_controls_is_shown_as_typed_not_as_markup(autograph) -> None:
    hostile = "<script>alert(1)</script> **bold** [link](http://x.example) ```"
    checks = (check_result("q1_public", "q1", points=1, outcome="failed", message=f"{hostile}\nline two"),
              *autograph_checks()[1:])
    node = annotate(read(autograph.solution), autograph, graded_result(
        autograph, *checks, cell_errors=(CellError(4, f"ValueError: {hostile}"),)))

    page = render_html(node, "alice")
    assert "<script>alert" not in page and "<strong>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** [link](" in page


# -- the solution, after the deadline ---------------------------------------------------------


def test_with_the_solution_each_question_gets_the_answer_cells_the_template_lacks(autograph) -> None:
    node = annotate(without_ids(read(autograph.template)), autograph, with_solution=True)

    solutions = {c.metadata["tfgrade"]["question"]: c.source for c in node.cells
                 if kind(c) == "solution"}
    assert list(solutions) == ["q1", "q2", "q3", "q4"]
    assert "return 3 * x + 2" in solutions["q1"] and "input_signature" in solutions["q4"]
    assert "LSTMCell(100)" not in solutions["q3"]  # given code, the same in the template: not an answer
    assert "@tf.function\ndef count_halvings(x):\n    count = tf.constant(0)" in unquoted(solutions["q2"])
    assert not [q for q, s in solutions.items() if "SOLUTION" in s]  # as it runs: no marker lines
    assert all(s.startswith(f"> **{LABEL}**") and "```python" in s for s in solutions.values())
    assert "return 3 * x + 2" not in node_text(annotate(read(autograph.template), autograph))


# -- written by the batch, rendered, and leaking nothing -------------------------------------------


def node_text(node: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in node.cells)


SOLUTION_SENTINEL = "SOLUTION-SENTINEL-77aa"
INSTRUCTOR_CELL = "INSTRUCTOR-CELL-SENTINEL"
"""In a solution cell tagged ``instructor``: never in a student's notebook, solutions or not."""
INSTRUCTOR_ONLY = ("PROGRAM-OUTPUT-SENTINEL", "ISOLATION-SENTINEL bubblewrap, uid 65534")
"""What the student's program printed and how it was isolated: in report.json, for the instructor only."""


@pytest.fixture(scope="module")
def leak_files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[bool], dict[str, str]]:
    """feedback.ipynb and its page, as the batch writes them, for results full of hidden sentinels."""
    root = tmp_path_factory.mktemp("leak")
    notebook = write_notebook(root / "nb" / "alice.ipynb", "import keras",
                              "from keras.utils.vis_utils import plot_model as draw_model", assignment="hinted")
    template = write_notebook(root / "template.ipynb", nbformat.v4.new_markdown_cell("## Question 1: shapes"),
                              "# YOUR CODE HERE", assignment="hinted")
    instructor = nbformat.v4.new_code_cell(f"notes = '{INSTRUCTOR_CELL}'", metadata={"tags": ["instructor"]})
    solution = write_notebook(root / "solution.ipynb", nbformat.v4.new_markdown_cell("## Question 1: shapes"),
                              f"### BEGIN SOLUTION\ndraw_model = '{SOLUTION_SENTINEL}'\n### END SOLUTION", instructor,
                              assignment="hinted")
    assignment = dataclasses.replace(make_assignment(root / "assignment", template), solution=solution)
    run = summary("completed", "The notebook ran; 1 cell raised an error (cell 2).",
                  (CellError(2, "ModuleNotFoundError: No module named 'keras.utils.vis_utils' (line 1)"),))
    run = dataclasses.replace(run, output=INSTRUCTOR_ONLY[0], isolation=INSTRUCTOR_ONLY[1])
    graded = grade(notebook, assignment, FakeExecutor(execution(*checks(), run=run)))
    assert graded.result.execution.isolation == INSTRUCTOR_ONLY[1]  # there to leak

    def files(with_solutions: bool) -> dict[str, str]:
        out = root / f"out-{with_solutions}"
        batch.write_reports(graded, out, notebook_feedback=batch.NotebookFeedback(notebook, assignment, with_solutions))
        return {name: (out / name).read_text(encoding="utf-8") for name in (FEEDBACK_IPYNB, FEEDBACK_HTML)}

    return files


def shown(name: str, text: str) -> str:
    """What a reader sees: the page's text, or the notebook's cells as Jupyter renders them."""
    if not name.endswith(".ipynb"):
        return readable(name, text)
    sources = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
    return readable("cells.md", unquoted(sources))


def test_no_hidden_input_message_name_or_detail_reaches_the_feedback_notebook(leak_files) -> None:
    for with_solutions in (False, True):
        for name, text in leak_files(with_solutions).items():
            for seen in (text, shown(name, text)):
                assert [s for s in (*SENTINELS, *INSTRUCTOR_ONLY, INSTRUCTOR_CELL) if s in seen] == [], name


def test_the_solution_reaches_the_feedback_notebook_only_when_asked(leak_files) -> None:
    for name, text in leak_files(False).items():
        assert SOLUTION_SENTINEL not in text, name
    for name, text in leak_files(True).items():
        assert SOLUTION_SENTINEL in text and "BEGIN SOLUTION" not in text, name


def test_the_feedback_notebook_shows_the_hints_of_the_failed_hidden_checks(leak_files) -> None:
    for name, text in leak_files(False).items():
        seen = shown(name, text)
        for hint in (HINT_SHAPE, HINT_LOSS, messages.HABIT_VIS_UTILS.format()):
            assert hint in seen, (name, hint)


def test_rendering_runs_no_cell_and_the_page_fetches_and_runs_nothing(autograph, tmp_path) -> None:
    marker = tmp_path / "ran.txt"
    student = read(autograph.solution)
    student.cells.insert(2, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')"))
    student.cells.insert(2, nbformat.v4.new_markdown_cell("<img src=x onerror=alert(1)><script>alert(2)</script>"))
    page = render_html(annotate(student, autograph), "alice <b>")

    assert not marker.exists()
    # The student's own HTML stays as they wrote it, and the page's policy keeps it from running or fetching.
    policy = re.search(r'<meta content="([^"]+)" http-equiv="Content-Security-Policy"/>', page)
    assert policy and page.index(policy.group(0)) < page.lower().index("<script")
    assert policy.group(1).startswith("default-src 'none';") and "script-src" not in policy.group(1)
    assert not re.search(r"""<(script|link|iframe)[^>]*(src|href)=""", page)  # and the page itself loads nothing
    assert "<title>alice &lt;b&gt;</title>" in page
    assert 'class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput celltag_tfgrade-feedback' in page


def attached(source: str, png: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.attachments = {"dot.png": {"image/png": png}}
    return cell


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_page_is_what_plain_nbconvert_makes_whether_its_cells_were_rendered_before_or_not(
    autograph, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Cells are remembered across the batch's pages (most are the template's): the bytes must not change.
    monkeypatch.setattr(notebook_page, "REMEMBERED_CHARACTERS", 2000)
    plain = HTMLExporter(**notebook_page._settings())
    nodes = [annotate(read(path), autograph) for path in (
        autograph.solution, NOTEBOOKS / "autograph" / "plots-pandas-pillow.ipynb")]
    # The same Markdown with other attachments, and a cell too long to remember, in both notebooks.
    for node, png in zip(nodes, ("iVBORw0KGgoAAAANSUhEUg==", "R0lGODlhAQABAAAAACw="), strict=True):
        node.cells += [attached("![a dot](attachment:dot.png)", png), nbformat.v4.new_markdown_cell("*long* " * 300)]
    pages = [render_html(node, "alice") for node in [*nodes, *nodes]]  # the second round all remembered
    assert pages == [notebook_page._page(plain, node, "alice") for node in [*nodes, *nodes]]
    assert "iVBORw0KGgoAAAANSUhEUg==" in pages[2] and "R0lGODlhAQABAAAAACw=" in pages[3]


def batch_run(tmp_path: Path, autograph: assignments.Assignment, executor: FakeExecutor, **options: bool):
    submission = tmp_path / "in" / "alice.ipynb"
    if not submission.exists():
        submission.parent.mkdir(parents=True)
        shutil.copy(autograph.solution, submission)  # type: ignore[arg-type]
    return batch.grade_all([submission, tmp_path / "in" / "bob.ipynb"], autograph, executor, tmp_path / "out",
                           progress=lambda _: None, **options)


def test_the_batch_writes_it_for_graded_submissions_and_rewrites_it_when_solutions_are_added(
    tmp_path, autograph
) -> None:
    first = FakeExecutor()
    batch_run(tmp_path, autograph, first)
    alice, bob = tmp_path / "out" / "submissions" / "alice", tmp_path / "out" / "submissions" / "bob"
    assert not (bob / FEEDBACK_IPYNB).exists() and not (bob / FEEDBACK_HTML).exists()  # missing file: rejected
    written = read(alice / FEEDBACK_IPYNB)
    assert results_after(written) == AFTER_CHECKS
    assert "Reference solution" not in (alice / FEEDBACK_HTML).read_text(encoding="utf-8")

    again = FakeExecutor()
    result = batch_run(tmp_path, autograph, again, with_solutions=True)
    assert again.calls == [] and result.reused == 2  # nothing graded again
    page = (alice / FEEDBACK_HTML).read_text(encoding="utf-8")
    assert messages.NOTEBOOK_SOLUTION.format(question="q1") in page
    assert read(alice / FEEDBACK_IPYNB).metadata["tfgrade"]["feedback"] == {"with_solutions": True}

    before = (alice / FEEDBACK_IPYNB).stat().st_mtime_ns
    batch_run(tmp_path, autograph, FakeExecutor(), with_solutions=True)
    assert (alice / FEEDBACK_IPYNB).stat().st_mtime_ns == before  # current: left alone
    batch_run(tmp_path, autograph, FakeExecutor())
    assert "Reference solution" not in (alice / FEEDBACK_HTML).read_text(encoding="utf-8")

    (tmp_path / "in" / "alice.ipynb").write_text("not a notebook any more", encoding="utf-8")
    batch_run(tmp_path, autograph, FakeExecutor())
    assert not (alice / FEEDBACK_IPYNB).exists() and not (alice / FEEDBACK_HTML).exists()  # none stale left


def test_grade_refuses_with_solutions_when_the_assignment_has_none(tmp_path, monkeypatch, capsys) -> None:
    from autograder import cli

    course = tmp_path / "course"
    shutil.copytree(ROOT / "assignments" / "autograph", course / "assignments" / "autograph")
    fake = FakeExecutor()
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    notebook = write_notebook(tmp_path / "alice.ipynb", "x = 1")

    code = cli.main(["grade", str(notebook), "-a", "autograph", "--course", str(course), "-o", str(tmp_path / "out"),
                     "--with-solutions"])

    assert code == 2 and fake.calls == []
    assert "--with-solutions needs the solution notebook" in capsys.readouterr().err


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine to render the page with")
def test_headless_chromium_shows_the_summary_and_the_results_cells(tmp_path, autograph) -> None:
    checks = autograph_checks("q2_public")
    student = read(autograph.solution)
    ran = "document.body.setAttribute('data-ran', 'yes')"
    student.cells.insert(1, nbformat.v4.new_markdown_cell(f'<script>{ran}</script><img src=x onerror="{ran}">'))
    node = annotate(student, autograph, graded_result(autograph, *checks))
    page = tmp_path / FEEDBACK_HTML
    page.write_text(render_html(node, "alice"), encoding="utf-8")
    bare = tmp_path / "bare.html"
    bare.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")

    dom = _chromium("--dump-dom", page.as_uri()).stdout.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", dom).split())
    assert "Score: 10 / 11 points" in text
    assert "q2: count_halvings: Python control flow in a graph (2 / 3 points)" in text
    assert "q2_public is wrong; fix it." in text and LABEL in text
    assert "<script>document.body" in dom and "data-ran" not in dom.split("<script>")[0]  # kept, never run
    shot, blank = tmp_path / "page.png", tmp_path / "blank.png"
    _chromium(f"--screenshot={shot}", "--window-size=1100,1600", page.as_uri())
    _chromium(f"--screenshot={blank}", "--window-size=1100,1600", bare.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(shot.read_bytes()) > 5 * len(blank.read_bytes())  # text and colour, not a white page


def _chromium(*arguments: str) -> subprocess.CompletedProcess[bytes]:
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", *arguments]
    return subprocess.run(command, check=True, capture_output=True, timeout=60)


# -- one real grading -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_grading_hands_the_notebook_back_with_its_cell_error_and_results(tmp_path) -> None:
    from conftest import fast_limits

    from autograder.grading.execution import ProcessExecutor

    a = fast_limits(assignments.load("autograph"))
    student = read(a.solution)
    student.cells.insert([c.id for c in student.cells].index("q2-answer"), nbformat.v4.new_code_cell("1 / 0"))
    path = tmp_path / "alice.ipynb"
    nbformat.write(student, path)

    result = batch.grade_all([path], a, ProcessExecutor(), tmp_path / "out", progress=lambda _: None)

    (graded,) = result.rows
    assert graded.result.status == "graded", graded.result.message
    node = read(tmp_path / "out" / "submissions" / "alice" / FEEDBACK_IPYNB)
    assert results_after(node) == AFTER_CHECKS
    [error] = [c for c in node.cells if kind(c) == "cell-error"]
    assert node.cells[node.cells.index(error) - 1].source == "1 / 0"
    assert "ZeroDivisionError" in error.source
    assert json.loads((tmp_path / "out" / "submissions" / "alice" / "student.json").read_text())["score"] == 11


def _cell(cell_id: str, kind: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    return cell


def _source(node: nbformat.NotebookNode, cell_id: str) -> str:
    return by_id(node, cell_id).source


def test_headings_tell_question_1_from_question_10_without_ids() -> None:
    questions = tuple(assignments.Question(f"q{n}", 1.0, f"Part {n}") for n in range(1, 12))
    cells = [nbformat.v4.new_markdown_cell("# Eleven small questions")]
    for n in range(1, 12):
        cells += [nbformat.v4.new_markdown_cell(f"## Question {n}: part {n}"), nbformat.v4.new_code_cell(f"a{n} = {n}")]
    template = nbformat.v4.new_notebook(cells=cells)
    result = SubmissionResult("alice.ipynb", "eleven", "graded", "ran", ExecutionSummary("completed", "ran"),
                              tuple(check_result(f"c{q.name}", q.name) for q in questions))
    node = feedback_notebook(without_ids(template), result, scoring.score(result, questions), template)

    placed = results_after(node)
    assert {q: _source(node, cell) for q, cell in placed.items()} == {f"q{n}": f"a{n} = {n}" for n in range(1, 12)}


def test_the_template_is_parsed_once_per_batch_and_again_when_it_changes(tmp_path, autograph, monkeypatch) -> None:
    template = tmp_path / "template.ipynb"
    shutil.copy(autograph.template, template)
    autograph = dataclasses.replace(autograph, template=template)
    submissions = []
    for name in ("alice", "carol", "dave"):
        submissions.append(tmp_path / "in" / f"{name}.ipynb")
        submissions[-1].parent.mkdir(exist_ok=True)
        shutil.copy(autograph.solution, submissions[-1])
    reads: list[Path] = []
    real_read = nbformat.read
    monkeypatch.setattr(nbformat, "read", lambda path, **kw: (reads.append(Path(path)), real_read(path, **kw))[1])
    batch.grade_all(submissions, autograph, FakeExecutor(), tmp_path / "out", progress=lambda _: None)
    assert reads.count(template) <= 1  # not once per submission
    placed = read(tmp_path / "out" / "submissions" / "dave" / FEEDBACK_IPYNB)
    assert results_after(placed) == AFTER_CHECKS  # the shared template still places every question

    node = nbformat.read(template, as_version=4)
    node.cells = [c for c in node.cells if c.cell_type == "code"]  # headings gone: no question can be placed
    nbformat.write(node, template)
    reads.clear()
    batch.grade_all(submissions[:1], autograph, FakeExecutor(), tmp_path / "again", progress=lambda _: None)
    assert reads.count(template) == 1
    assert results_after(read(tmp_path / "again" / "submissions" / "alice" / FEEDBACK_IPYNB)) != AFTER_CHECKS
