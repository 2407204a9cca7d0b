"""Hints for hidden failures reach every student-facing file, and hidden inputs reach none.

A submission is graded (with a fake executor, then for real in a ``slow`` test) whose hidden checks
fail with messages and details full of distinctive sentinel inputs and expected values. Every
student-facing file is written: feedback.txt, .md and .html, student.json, Gradescope's
results.json, and the self-check's text and HTML. Each must show every hint of a failed hidden
check (and the hint of the habit behind a cell error) and no sentinel; the instructor's files
keep the full messages and add the requirement's id.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import FakeExecutor, check_result, execution, summary, write_notebook

from autograder import messages
from autograder.core.assignment import Assignment, Question
from autograder.core.limits import Limits
from autograder.core.requirements import Requirement, Requirements
from autograder.core.results import CellError, CheckResult, Outcome
from autograder.grading import batch
from autograder.grading.pipeline import Graded, grade
from autograder.reports.class_report import class_report_html
from autograder.students import selfcheck
from tests.conftest import TESTS

# What a hidden check knows and a student must never read: inputs, expected values, names, details.
SENTINELS = (
    "secret_any_shape_check",
    "secret_batch_check",
    "secret_loss_check",
    "secret_broken_check",
    "4417.625",
    "(7, 11, 13)",
    "-9.0625e+03",
    "EXPECTED-8835",
    "DETAIL-INPUT-3b1f",
    "SENTINEL-PASSED-MESSAGE",
    "SENTINEL-BROKEN-CHECK",
)

HINT_SHAPE = "linear_layer must work for a tensor of any shape, not only 1-D ones."
HINT_LOSS = "The loss must be the mean over the batch, whatever its size."
HINT_SCALAR = "The loss must return a scalar."
TEXTS = {"q1-any-shape": "`x` is a tensor of any shape", "q2-mean-loss": "the mean over the batch",
         "q2-all-passed": "returns a scalar", "q3-saved": "survives saving"}
VIS_UTILS = "ModuleNotFoundError: No module named 'keras.utils.vis_utils' (line 1)"
TF_LOG = "AttributeError: module 'tensorflow' has no attribute 'log'"


def requirement(rid: str, question: str, checks: tuple[str, ...], hint: str) -> Requirement:
    return Requirement(rid, question, TEXTS[rid], checks, hint)


TABLE = Requirements((
    requirement("q1-any-shape", "q1", ("draws", "secret_any_shape_check", "secret_batch_check"), HINT_SHAPE),
    requirement("q2-mean-loss", "q2", ("secret_loss_check",), HINT_LOSS),
    requirement("q2-all-passed", "q2", ("secret_scalar_check",), HINT_SCALAR),
    requirement("q3-saved", "q3", ("secret_broken_check",), "Save and reload must give the same outputs."),
))


def hidden(name: str, question: str, message: str, *, outcome: Outcome = "failed", details: str = "") -> CheckResult:
    check = check_result(name, question, outcome=outcome, message=message, visibility="hidden")
    return dataclasses.replace(check, details=details)


def checks() -> tuple[CheckResult, ...]:
    return (
        check_result("draws", "q1", outcome="failed", message=messages.NOT_DEFINED.format(name="draw_model")),
        hidden("secret_any_shape_check", "q1", "linear_layer(x) for x of shape (7, 11, 13) filled with 4417.625 "
               "returned -9.0625e+03, EXPECTED-8835", details="inputs=DETAIL-INPUT-3b1f"),
        hidden("secret_batch_check", "q1", "batch of 4417.625: EXPECTED-8835"),
        hidden("secret_loss_check", "q2", messages.STUDENT_RAISED.format(
            action="Calling", name="loss", error=f"{TF_LOG} (input 4417.625, EXPECTED-8835)")),
        hidden("secret_scalar_check", "q2", "SENTINEL-PASSED-MESSAGE", outcome="passed"),
        hidden("secret_broken_check", "q3", "SENTINEL-BROKEN-CHECK 4417.625", outcome="error"),
    )


def make_assignment(root: Path, template: Path) -> Assignment:
    """An assignment whose check folders the self-check reads (never runs): one hidden test per check."""
    for visibility, names in (("public", ["draws"]), ("hidden", [c.name for c in checks()][1:])):
        folder = root / "checks" / visibility
        folder.mkdir(parents=True, exist_ok=True)
        question = {c.name: c.question for c in checks()}
        tests = "".join(f"@pytest.mark.question({question[n]!r}, points=1)\ndef test_{n}(student):\n    pass\n\n"
                        for n in names)
        (folder / f"test_{visibility}.py").write_text("import pytest\n\n" + tests, encoding="utf-8")
    questions = (Question("q1", 3.0, "Any shape"), Question("q2", 2.0, "Loss"), Question("q3", 1.0, "Saving"))
    return Assignment("hinted", "Hints", root, template, questions, Limits(), requirements=TABLE)


@pytest.fixture()
def graded_files(tmp_path: Path) -> tuple[Graded, dict[str, str], Assignment]:
    notebook = write_notebook(tmp_path / "nb" / "alice.ipynb", "import keras",
                              "from keras.utils.vis_utils import plot_model as draw_model", assignment="hinted")
    assignment = make_assignment(tmp_path / "assignment", notebook)
    run = summary("completed", "The notebook ran; 1 cell raised an error (cell 2).", (CellError(2, VIS_UTILS),))
    executor = FakeExecutor(execution(*checks(), run=run))
    graded = grade(notebook, assignment, executor)
    out = tmp_path / "out"
    batch.write_reports(graded, out)
    files = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    check = selfcheck.run_self_check(notebook, assignment, executor=executor)
    files["selfcheck.txt"], files["selfcheck.html"] = check.text(), check.html()
    return graded, files, assignment


STUDENT_FILES = ("feedback.txt", "feedback.md", "feedback.html", "student.json", "results.json",
                 "selfcheck.txt", "selfcheck.html")


def readable(name: str, text: str) -> str:
    """What a reader sees in a file: JSON strings, HTML and Markdown unescaped, whitespace collapsed."""
    if name.endswith(".json"):
        text = "\n".join(_strings(json.loads(text)))
    elif name.endswith(".html"):  # code is shown as code: written back as `code` to compare with the messages
        text = re.sub(r"<code>([^<]*)</code>", r"`\1`", text)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    elif name.endswith(".md"):
        text = html.unescape(re.sub(r"\\(.)", r"\1", text))
    return " ".join(text.split())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_no_student_facing_file_holds_a_hidden_input_a_hidden_message_or_a_hidden_name(graded_files) -> None:
    _, files, _ = graded_files
    assert set(STUDENT_FILES) <= set(files)
    for name in STUDENT_FILES:
        for text in (files[name], readable(name, files[name])):
            assert [s for s in SENTINELS if s in text] == [], name


def test_every_student_facing_file_shows_the_hints_of_the_failed_hidden_checks_once(graded_files) -> None:
    _, files, _ = graded_files
    for name in STUDENT_FILES[:5]:
        seen = readable(name, files[name])
        for hint in (HINT_SHAPE, HINT_LOSS, messages.HABIT_MATH.format()):
            assert seen.count(hint) == 1, (name, hint)
        # The habit behind the cell error, and the cell behind the public check's missing name.
        assert messages.HABIT_VIS_UTILS.format() in seen, name
        assert messages.FAILED_CELL_CAUSE.format(cells="2", count=1) in seen, name
        # Passed hidden checks teach nothing; a check that broke is the grader's problem, not a hint.
        assert HINT_SCALAR not in seen and "Save and reload" not in seen, name


def test_the_self_check_lists_what_each_questions_hidden_checks_will_test(graded_files) -> None:
    _, files, _ = graded_files
    for name in ("selfcheck.txt", "selfcheck.html"):
        seen = readable(name, files[name])
        assert "q1: 2 hidden checks, worth 2 points, will test:" in seen, name
        assert "q3: 1 hidden check, worth 1 point, will test:" in seen, name
        for hint in (HINT_SHAPE, HINT_LOSS, HINT_SCALAR, "Save and reload must give the same outputs."):
            assert seen.count(hint) == 1, (name, hint)
        assert messages.HABIT_VIS_UTILS.format() in seen, name


def test_the_instructor_keeps_every_hidden_message_and_sees_each_requirement(graded_files) -> None:
    graded, files, _ = graded_files
    report = json.loads(files["report.json"])
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["secret_any_shape_check"]["message"].endswith("EXPECTED-8835")
    assert by_name["secret_any_shape_check"]["details"] == "inputs=DETAIL-INPUT-3b1f"
    assert by_name["secret_any_shape_check"]["requirement"] == "q1-any-shape"
    assert by_name["secret_loss_check"]["hint"].splitlines() == [HINT_LOSS, messages.HABIT_MATH.format()]
    assert report["execution"]["cell_errors"] == [
        {"cell": 2, "error": VIS_UTILS, "hint": messages.HABIT_VIS_UTILS.format()}
    ]
    page = html.unescape(class_report_html([(graded.result, graded.score)], title="Class"))
    assert "secret_any_shape_check (hidden) → q1-any-shape" in page
    assert "EXPECTED-8835" in page


def test_student_json_lists_the_hints_per_question(graded_files) -> None:
    _, files, _ = graded_files
    hints = {h["question"]: h["hints"] for h in json.loads(files["student.json"])["hidden_checks"]}
    assert hints == {"q1": [HINT_SHAPE], "q2": [HINT_LOSS, messages.HABIT_MATH.format()], "q3": []}


# -- a real grading ---------------------------------------------------------------------------

TINY = TESTS / "fixtures" / "tiny"


@pytest.mark.slow
def test_a_real_grading_shows_hints_and_no_hidden_check_text(tmp_path: Path) -> None:
    """The `tiny` assignment, with a requirements table, graded in the real sandboxed processes."""
    from autograder.core import assignment as assignments
    from autograder.grading.execution import ProcessExecutor

    tiny = assignments.load(TINY)
    table = Requirements((
        Requirement("q1-add", "q1", "add(a, b) returns the sum", ("add_small_ints", "add_more_ints"),
                    "add must return a + b for every pair of ints, negative ones too."),
        Requirement("q2-mean", "q2", "mean_of(xs) returns the mean", ("mean_of_three_floats",), "mean_of: the mean."),
    ))
    # Importing keras takes longer than tiny's 3 s per cell.
    limits = dataclasses.replace(tiny.limits, cell_seconds=60, notebook_seconds=120, memory_bytes=4 * 2**30)
    tiny = dataclasses.replace(tiny, requirements=table, limits=limits)
    notebook = write_notebook(
        tmp_path / "bob.ipynb",
        "def add(a, b):\n    return abs(a) + abs(b)",
        "from keras.utils.vis_utils import plot_model\n\ndef mean_of(xs):\n    return sum(xs) / len(xs)",
        assignment="tiny",
    )
    graded = grade(notebook, tiny, ProcessExecutor())
    assert graded.result.status == "graded", graded.result.message
    hidden = [c for c in graded.result.checks if c.visibility == "hidden"]
    assert [c.outcome for c in hidden] == ["failed"]

    out = tmp_path / "out"
    batch.write_reports(graded, out)
    # What the hidden check knows: its name, its message, its inputs and expected sums, its source.
    sentinels = ["add_more_ints", hidden[0].message, "1000000", "1000001", "10**6", "HIDDEN-CHECK-SOURCE-7f3a"]
    for name in STUDENT_FILES[:5]:
        text = (out / name).read_text(encoding="utf-8")
        seen = readable(name, text)
        assert [s for s in sentinels if s in text or s in seen] == [], name
        assert "add must return a + b for every pair of ints, negative ones too." in seen, name
        assert messages.HABIT_VIS_UTILS.format() in seen, name
        assert messages.FAILED_CELL_CAUSE.format(cells="2", count=1) in seen, name
    assert hidden[0].message in (out / "report.json").read_text(encoding="utf-8")
