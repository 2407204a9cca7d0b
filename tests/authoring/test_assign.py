"""tfgrade assign: the student notebook generated from the solution's markers and tags."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import nbformat
import pytest

from autograder.authoring import assign, mutants
from autograder.cli import main
from autograder.core import assignment, markers

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = assignment.available(ROOT)

v4 = nbformat.v4


def solution(*cells: nbformat.NotebookNode, **tfgrade: str) -> nbformat.NotebookNode:
    notebook = v4.new_notebook()
    notebook.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python", "version": "3.11.7"},
                         "tfgrade": {"assignment": "old-name", **tfgrade}}
    notebook.cells = list(cells)
    return notebook


def code(source: str, cell_id: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    cell = v4.new_code_cell(source, id=cell_id, execution_count=3,
                            outputs=[v4.new_output("stream", name="stdout", text="ran\n")])
    cell.metadata = {"tags": list(tags), "execution": {"iopub.status.busy": "2026-11-28T10:00:00"}} if tags \
        else {"execution": {"iopub.status.busy": "2026-11-28T10:00:00"}}
    return cell


def course(tmp_path: Path, cells: list[nbformat.NotebookNode]) -> Path:
    """A course with one assignment, `demo`, whose solution has these cells (no student notebook yet)."""
    (tmp_path / "assignments" / "demo").mkdir(parents=True)
    (tmp_path / "assignments" / "demo" / "assignment.toml").write_text(
        'name = "demo"\n[questions]\nq1 = { points = 1 }\n', encoding="utf-8")
    (tmp_path / "solutions").mkdir()
    nbformat.write(solution(*cells), tmp_path / "solutions" / "demo.ipynb")
    return tmp_path


# -- one cell's source ----------------------------------------------------------------------------


def test_a_region_becomes_the_stub_at_the_indentation_of_its_begin_line() -> None:
    source = ("class Layer:\n    def call(self, x):\n        ### BEGIN SOLUTION\n        y = x + 1\n        return y\n"
              "        ### END SOLUTION\n\n\ndef f():\n# BEGIN SOLUTION\n    return 1\n# END SOLUTION")

    assert markers.student_source(source) == (
        "class Layer:\n    def call(self, x):\n        # YOUR CODE HERE\n        raise NotImplementedError()\n\n\n"
        "def f():\n# YOUR CODE HERE\nraise NotImplementedError()")


def test_a_prompt_block_replaces_the_region_verbatim_and_no_prompt_removes_it() -> None:
    source = ("### BEGIN SOLUTION\n@register(package='mine')\n### END SOLUTION\n### BEGIN PROMPT\n"
              "# Question 2: register this class.\n### END PROMPT\nclass A:\n    ### BEGIN SOLUTION NO PROMPT\n"
              "    extra = 1\n    ### END SOLUTION\n    x = 1")

    assert markers.student_source(source) == "# Question 2: register this class.\nclass A:\n    x = 1"
    assert markers.without_markers(source) == "@register(package='mine')\nclass A:\n    extra = 1\n    x = 1"


@pytest.mark.parametrize(("source", "words"), [
    ("x = 1\n### BEGIN SOLUTION\ny = 2", "line 2: ### BEGIN SOLUTION has no ### END SOLUTION"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
     "line 2: a BEGIN SOLUTION inside the region opened on line 1"),
    ("y = 2\n### END SOLUTION", "line 2: ### END SOLUTION without a ### BEGIN SOLUTION"),
    ("### BEGIN PROMPT\n# hi\n### END PROMPT", "line 1: a PROMPT marker that does not follow a solution region"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### BEGIN PROMPT\n# hi",
     "line 4: ### BEGIN PROMPT has no ### END PROMPT"),
    ("### BEGIN SOLUTION\n### BEGIN PROMPT\n### END SOLUTION", "line 2: a PROMPT marker inside the solution region"),
])
def test_bad_markers_are_an_error_naming_the_cell_and_line(source: str, words: str) -> None:
    notebook = solution(code("import tensorflow as tf", "imports"), code(source, "q1-answer"))

    with pytest.raises(markers.MarkerError) as caught:
        assign.student_notebook(notebook, "demo", "solutions/demo.ipynb")

    assert str(caught.value).startswith(f"solutions/demo.ipynb, cell 2 (id q1-answer), {words}")


def test_a_solution_that_marks_no_answer_is_refused() -> None:
    with pytest.raises(markers.MarkerError,
                       match="marks no answer: the student notebook would hold the whole solution"):
        assign.student_notebook(solution(code("def f():\n    return 1", "a")), "demo")


# -- the notebook ---------------------------------------------------------------------------------


def test_tags_hide_cells_and_outputs_counts_and_session_metadata_are_cleared() -> None:
    notebook = solution(
        v4.new_markdown_cell("# Demo", id="title"),
        code("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", "q1-answer"),
        code("answer = 42", "whole", tags=("solution", "keep-me")),
        code("secret = 'grader only'", "setup", tags=("instructor",)),
        code("print(secret)", "jb", tags=("remove-cell",)),
        v4.new_markdown_cell("Because it is.", id="why", metadata={"tags": ["solution"]}),
        language="en",
    )

    student = assign.student_notebook(notebook, "demo")

    assert [c.id for c in student.cells] == ["title", "q1-answer", "whole", "why"]
    assert [c.source for c in student.cells] == [
        "# Demo", "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()",
        "# YOUR CODE HERE\nraise NotImplementedError()", "YOUR ANSWER HERE"]
    code_cells = [c for c in student.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code_cells)
    assert [c.metadata for c in student.cells] == [{}, {}, {"tags": ["keep-me"]}, {}]
    assert student.metadata == {"kernelspec": notebook.metadata.kernelspec,
                                "tfgrade": {"assignment": "demo", "language": "en"}}
    nbformat.validate(student)


def test_the_same_solution_gives_the_same_bytes(tmp_path: Path) -> None:
    root = course(tmp_path, [code("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", "a")])
    paths = assignment.notebooks("demo", root)

    first = assign.write(paths).read_bytes()
    second = assign.write(paths).read_bytes()

    assert first == second and b"YOUR CODE HERE" in first and b"return 1" not in first
    assert assignment.load("demo", root).template == paths.template  # it loads as the student notebook


def test_check_lists_the_cells_that_differ_and_writes_nothing(tmp_path: Path) -> None:
    root = course(tmp_path, [code("x = 1", "given"), code("### BEGIN SOLUTION\ny = 2\n### END SOLUTION", "answer")])
    paths = assignment.notebooks("demo", root)
    assert assign.check(paths).differences == ("the student notebook does not exist yet",)
    assign.write(paths)
    assert assign.check(paths).fresh

    edited = nbformat.read(paths.solution, as_version=4)
    edited.cells[0].source = "x = 2"
    nbformat.write(edited, paths.solution)
    before = paths.template.read_bytes()

    assert assign.check(paths).differences == ("cell 1 (given): text differs",)
    assert paths.template.read_bytes() == before


# -- the command ----------------------------------------------------------------------------------


def test_the_command_writes_then_check_exits_1_with_the_cells_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = course(tmp_path / "c", [code("### BEGIN SOLUTION\ny = 2\n### END SOLUTION", "answer")])
    assert main(["assign", "demo", "--course", str(root)]) == 0
    assert main(["assign", "demo", "--check", "--course", str(root)]) == 0
    assert "is up to date" in capsys.readouterr().out

    template = root / "assignments" / "demo" / "demo.ipynb"
    stale = nbformat.read(template, as_version=4)
    stale.cells[0].source = "y = 2"
    nbformat.write(stale, template)

    assert main(["assign", "demo", "--check", "--course", str(root)]) == 1
    out = capsys.readouterr().out
    assert "is out of date" in out and "cell 1 (answer): text differs" in out
    assert f"tfgrade assign demo --course {root}" in out


def test_bad_markers_exit_2_naming_the_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = course(tmp_path, [code("### BEGIN SOLUTION\ny = 2", "answer")])

    assert main(["assign", "demo", "--course", str(root)]) == 2
    assert "cell 1 (id answer), line 1: ### BEGIN SOLUTION has no ### END SOLUTION" in capsys.readouterr().err
    assert not (root / "assignments" / "demo" / "demo.ipynb").exists()


# -- the bundled assignments ----------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_the_committed_student_notebook_is_what_assign_generates(name: str) -> None:
    staleness = assign.check(assignment.notebooks(name, ROOT))
    assert staleness.fresh, f"run: tfgrade assign {name}\n" + "\n".join(staleness.differences)


@pytest.mark.parametrize("name", BUNDLED)
def test_markers_change_no_mutant_and_every_reviewed_equivalent_names_one(name: str) -> None:
    loaded = assignment.load(name, ROOT)
    marked = nbformat.read(loaded.solution, as_version=4)
    bare = nbformat.read(loaded.solution, as_version=4)
    for cell in bare.cells:
        cell.source = markers.without_markers(cell.source) if cell.cell_type == "code" else cell.source
    template = nbformat.read(loaded.template, as_version=4)
    questions = [q.name for q in loaded.questions]

    with_markers, _ = mutants.generate(marked, template, questions)
    without, _ = mutants.generate(bare, template, questions)

    def what(found: list[mutants.Mutant]) -> Counter[tuple[str, str, int, str, str, str, str]]:
        return Counter((m.question, m.operator, m.cell, m.before, m.after, m.source, m.id.split(":")[-1])
                       for m in found)
    assert with_markers and what(with_markers) == what(without)
    assert not any("SOLUTION" in m.before + m.after + m.source for m in with_markers)
    assert set(mutants.load_equivalents(loaded.root)) <= {m.id for m in with_markers}
