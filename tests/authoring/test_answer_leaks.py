"""Answer code in hints and descriptions (issue 19, item 7): a hint says what, never how.

The detector's rules on small notebooks made here, then on the bundled autograph assignment, whose
old hints and check messages gave q2's loop and q4's signature away.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from factories import FakeExecutor

from autograder import cli
from autograder.authoring import answer_leaks, validate
from autograder.cli import seam
from autograder.core import assignment as assignments
from autograder.core import markers

REPO = Path(__file__).resolve().parents[2]
v4 = nbformat.v4

SOLUTION_CELL = """\
### BEGIN SOLUTION NO PROMPT
@tf.function
### END SOLUTION
def count_halvings(x):
    ### BEGIN SOLUTION
    # halve x until its sum is small
    count = tf.constant(0)
    while tf.reduce_sum(x) > 1:
        x = x / 2
        count += 1
    return count
    ### END SOLUTION"""
STUDENT_TEXT = """Write `count_halvings(x)`, a **`tf.function`**: while `tf.reduce_sum(x)` is greater than 1, it
halves `x` (`x = x / 2`), and it returns how many times."""
OLD_Q2_HINT = """count_halvings must be a tf.function whose graph holds a real loop that repeats as many times as the \
data needs: decorate it with @tf.function and write `while tf.reduce_sum(x) > 1:` on tensors, without \
tf.py_function, tf.numpy_function or a fixed number of repetitions."""
OLD_Q2_COUNT_HINT = """count_halvings must return an int32 tensor of shape (), both when the loop runs and when it \
does not run at all. Start the count with tf.constant(0) and do not add a dimension or cast it."""
OLD_Q4_MESSAGE = """The graph scaled_sum traced fixes the length of x (or takes other inputs), so a new length traces \
it again. Use input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.float32)]."""


def notebooks(solution: str, text: str = STUDENT_TEXT) -> answer_leaks.Answers:
    student_code = markers.student_source(solution)
    solved = v4.new_notebook(cells=[v4.new_markdown_cell(text), v4.new_code_cell(solution)])
    student = v4.new_notebook(cells=[v4.new_markdown_cell(text), v4.new_code_cell(student_code)])
    return answer_leaks.answers(solved, [student])


@pytest.fixture(scope="module")
def halvings() -> answer_leaks.Answers:
    return notebooks(SOLUTION_CELL)


@pytest.fixture(scope="module")
def autograph() -> answer_leaks.Answers:
    return answer_leaks.for_assignment(assignments.load(REPO / "assignments" / "autograph"))


def found(text: str, known: answer_leaks.Answers) -> list[str]:
    return [leak.code for leak in answer_leaks.find(text, known)]


# --- the rules, on a notebook made here ---------------------------------------------------------------


def test_the_old_q2_hint_is_caught_with_its_solution_line(halvings: answer_leaks.Answers) -> None:
    leaks = answer_leaks.find(OLD_Q2_HINT, halvings)

    assert [(leak.code, leak.line) for leak in leaks] == [("tf.reduce_sum(x) > 1", "while tf.reduce_sum(x) > 1:")]


def test_a_fragment_of_an_answer_line_is_caught_in_prose(halvings: answer_leaks.Answers) -> None:
    assert found("Start the count with tf.constant(0) before the loop.", halvings) == ["tf.constant(0)"]
    assert found("Start with count = tf.constant(0).", halvings) == ["count = tf.constant(0)"]
    assert found("the condition is tf.reduce_sum(x) > 1", halvings) == ["tf.reduce_sum(x) > 1"]
    assert found("then add one with count += 1", halvings) == ["count += 1"]


def test_whitespace_line_breaks_quotes_and_backticks_do_not_hide_it(halvings: answer_leaks.Answers) -> None:
    for text in ("tf.reduce_sum( x )>1", "tf.reduce_sum(x)\n    > 1", "`tf.reduce_sum(x) > 1`",
                 'write "tf.reduce_sum(x) > 1" as the condition', "write 'tf.reduce_sum(x) > 1' there",
                 "count_halvings's loop: tf.reduce_sum(x) > 1, the layer's way"):
        assert found(text, halvings) == ["tf.reduce_sum(x) > 1"], text


def test_what_the_student_notebook_shows_is_no_leak(halvings: answer_leaks.Answers) -> None:
    # The question's own words and the names it gives are what a hint should use.
    for text in (STUDENT_TEXT, "count_halvings must be a tf.function: put @tf.function above def count_halvings.",
                 "it halves x with x = x / 2 while tf.reduce_sum(x) is greater than 1",
                 "count_halvings must return the count", "compare (x) > 1 with the text", "x, count, tf.constant"):
        assert found(text, halvings) == [], text


def test_a_comment_of_the_answer_is_not_answer_code(halvings: answer_leaks.Answers) -> None:
    assert found("halve x until its sum is small", halvings) == []


def test_a_cell_tagged_solution_is_answer_code_and_a_given_cell_is_not() -> None:
    tagged = v4.new_code_cell("scale = tf.Variable(2.0)\nresult = x * scale", metadata={"tags": ["solution"]})
    given = v4.new_code_cell("lstm_cell = tf.keras.layers.LSTMCell(100)")
    solved = v4.new_notebook(cells=[given, tagged])
    student = v4.new_notebook(cells=[given, v4.new_code_cell("# YOUR CODE HERE\nraise NotImplementedError()")])
    known = answer_leaks.answers(solved, [student])

    assert found("use scale = tf.Variable(2.0)", known) == ["scale = tf.Variable(2.0)"]
    assert found("the cell lstm_cell = tf.keras.layers.LSTMCell(100) is given", known) == []


def test_problems_name_where_the_text_is_and_the_solution_line(halvings: answer_leaks.Answers) -> None:
    found_problems = answer_leaks.problems([("the hint of requirement q2-graph-loop", OLD_Q2_HINT),
                                            ("the title of q2", "count_halvings: Python control flow")], halvings)

    assert found_problems == (
        "the hint of requirement q2-graph-loop holds answer code `tf.reduce_sum(x) > 1` (solution line: "
        "while tf.reduce_sum(x) > 1:); say what the requirement asks in the question's words, not how to write it",
    )


def test_tokens_drop_whitespace_and_backticks_and_spell_strings_alike() -> None:
    assert answer_leaks.tokens("`f(x, 'a')`  >= 1.5") == ("f", "(", "x", ",", '"a"', ")", ">=", "1.5")
    assert answer_leaks.tokens("the layer's input") == ("the", "layer", "'", "s", "input")


# --- the bundled autograph assignment ------------------------------------------------------------------


def test_autograph_old_hints_and_messages_are_caught(autograph: answer_leaks.Answers) -> None:
    assert found(OLD_Q2_HINT, autograph) == ["tf.reduce_sum(x) > 1"]
    assert found(OLD_Q4_MESSAGE, autograph) == [
        "input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.float32)]"]
    assert found("Check the shapes in your input_signature: [None] for x", autograph) == ["[None]"]


def test_autograph_text_gives_the_count_start_so_saying_it_is_no_leak(autograph: answer_leaks.Answers) -> None:
    # The notebook's own hint says "start the count with `count = tf.constant(0)`": quoting it gives nothing away.
    assert found(OLD_Q2_COUNT_HINT, autograph) == []
    assert found("linear_layer must return 3 * x + 2; simple_nn returns tf.nn.relu(linear_layer(x))", autograph) == []


@pytest.mark.parametrize("name", ["autograph", "custom_layers", "functional"])
def test_no_bundled_hint_or_shipped_catalog_entry_holds_answer_code(name: str) -> None:
    course = assignments.load(REPO / "assignments" / name)
    texts = answer_leaks.published_texts(course)

    assert len(answer_leaks.for_assignment(course).fragments) >= 10  # something to look for
    assert sum(where.startswith("the hint of") for where, _ in texts) >= 10
    assert any("(msgstr)" in where for where, _ in texts)  # the Korean catalog is read too
    assert validate.hint_problems(course) == ()


def course_with_old_q2_hint(tmp_path: Path) -> Path:
    """A copy of the autograph assignment (and its solution) whose q2-graph-loop hint is the one before issue 19."""
    root = shutil.copytree(REPO / "assignments" / "autograph", tmp_path / "assignments" / "autograph")
    (tmp_path / "solutions").mkdir()
    shutil.copyfile(REPO / "solutions" / "autograph.ipynb", tmp_path / "solutions" / "autograph.ipynb")
    table = root / "requirements.toml"
    text = table.read_text(encoding="utf-8")
    start = text.index('hint = """', text.index('id = "q2-graph-loop"'))
    end = text.index('"""', start + len('hint = """')) + 3
    table.write_text(text[:start] + f'hint = """{OLD_Q2_HINT}"""' + text[end:], encoding="utf-8")
    return root


def test_validate_names_the_hint_and_the_line_when_a_hint_gives_the_answer(tmp_path: Path) -> None:
    problems = validate.hint_problems(assignments.load(course_with_old_q2_hint(tmp_path)))

    assert problems == (
        "the hint of requirement q2-graph-loop holds answer code `tf.reduce_sum(x) > 1` (solution line: "
        "while tf.reduce_sum(x) > 1:); say what the requirement asks in the question's words, not how to write it",
    )


@pytest.mark.slow
def test_tfgrade_validate_prints_the_leak_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Grading is faked (every notebook gets the same canned checks): only the static step is looked at here.
    monkeypatch.setattr(seam, "ProcessExecutor", FakeExecutor)
    root = course_with_old_q2_hint(tmp_path)

    code = cli.main(["validate", str(root), "--course", str(tmp_path)])

    out = capsys.readouterr().out
    assert code == 1
    assert [line.strip() for line in out.splitlines() if "BAD hints" in line] == [
        "BAD hints: the hint of requirement q2-graph-loop holds answer code `tf.reduce_sum(x) > 1` (solution line: "
        "while tf.reduce_sum(x) > 1:); say what the requirement asks in the question's words, not how to write it"]
    assert "The requirements table and its hints have 1 problem; see above." in out
