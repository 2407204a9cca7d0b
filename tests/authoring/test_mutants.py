"""The mutation report: operators on small code, answer cells only, stable ids, reviewed equivalents,
scores and the report (all pure and fast), then one real run of ``tfgrade validate --mutants``."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from factories import check_result, code, markdown

from autograder.authoring import mutants, mutation
from autograder.cli import main
from autograder.core import assignment
from autograder.core.notebook import Notebook
from autograder.core.results import ExecutionSummary, SubmissionResult
from autograder.core.scoring import score
from autograder.grading.execution import Execution, ProcessExecutor
from autograder.grading.pipeline import Graded
from tests.conftest import TESTS

TINY = TESTS / "fixtures" / "tiny"


def changes(source: str, operator: str) -> list[str]:
    """The mutated cells that ``operator`` makes of ``source``."""
    return [m.source for m in mutation.mutate_source(textwrap.dedent(source)) if m.operator == operator]


def one_change(source: str, operator: str) -> str:
    found = changes(source, operator)
    assert len(found) == 1, f"{operator}: {found}"
    return found[0]


# -- operators --------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "operator", "expected"), [
    ("y = 3 * x + 2", "arith-add-to-sub", "y = 3 * x - 2"),
    ("y = 3 * x + 2", "arith-mul-to-div", "y = 3 / x + 2"),
    ("n += 1", "arith-add-to-sub", "n -= 1"),
    ("ok = s > 1", "compare-gt-to-ge", "ok = s >= 1"),
    ("ok = a is None", "compare-is-to-is-not", "ok = a is not None"),
    ("ok = a and b", "bool-and-to-or", "ok = a or b"),
    ("ok = not a", "drop-not", "ok = a"),
    ("d = shape[-1]", "drop-minus", "d = shape[1]"),
    ("n = tf.constant(0)", "const-0-to-1", "n = tf.constant(1)"),
    ("x = x / 2", "const-2-to-3", "x = x / 3"),
    ("f(flag=True)", "const-true-to-false", "f(flag=False)"),
    ("r = 0.5 * x", "const-float-to-zero", "r = 0.0 * x"),
    ("d = Dense(4, activation='relu')", "string-relu-to-tanh", "d = Dense(4, activation='tanh')"),
    ("w = add_weight(initializer='zeros')", "string-zeros-to-ones", "w = add_weight(initializer='ones')"),
    ("d = Dense(1, name='out')", "string-rename", "d = Dense(1, name='out_renamed')"),
    ("s = tf.reduce_sum(x)", "api-reduce-sum-to-reduce-mean", "s = tf.reduce_mean(x)"),
    ("y = tf.nn.relu(x)", "api-relu-to-relu6", "y = tf.nn.relu6(x)"),
    ("d = Dense(4, activation='relu')", "call-drop-activation", "d = Dense(4)"),
    ("super().__init__(**kwargs)", "call-drop-kwargs", "super().__init__()"),
    ("y = tf.matmul(a, k)", "call-swap-args-matmul", "y = tf.matmul(k, a)"),
    ("y = tf.nn.relu(h)", "call-skipped-relu", "y = h"),
    ("p = Pool()(e(a))", "call-skipped-pool", "p = e(a)"),
    ("m = Model(inputs=[a, b], outputs=[c])", "swap-elements", "m = Model(inputs=[b, a], outputs=[c])"),
    ("def f():\n    return (a, b)", "swap-return", "def f():\n    return (b, a)"),
    ("@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])\ndef f(x):\n    return x",
     "signature-fixed-length",
     "@tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])\ndef f(x):\n    return x"),
    ("@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])\ndef f(x):\n    return x",
     "call-drop-input-signature", "@tf.function()\ndef f(x):\n    return x"),
    ("@tf.function\ndef f(x):\n    return x", "drop-decorator-function", "def f(x):\n    return x"),
    ("@keras.saving.register_keras_serializable(package='p')\nclass L(Layer):\n    pass",
     "drop-decorator-register-keras-serializable", "class L(Layer):\n    pass"),
    ("class L(Layer):\n    def __init__(self, **kw):\n        super().__init__(**kw)\n        self.u = 1",
     "drop-super-init", "class L(Layer):\n\n    def __init__(self, **kw):\n        pass\n        self.u = 1"),
    ("def get_config(self):\n    c = super().get_config()\n    return c", "drop-super-get-config",
     "def get_config(self):\n    c = {}\n    return c"),
    ("def get_config(self):\n    return {'units': 1, 'bias': 2}", "config-drop-units",
     "def get_config(self):\n    return {'bias': 2}"),
    ("def draw(p):\n    plot_model(m, to_file=p)", "drop-call", "def draw(p):\n    pass"),
    ("if use_bias:\n    y = y + b", "if-always-false", "if False:\n    y = y + b"),
])
def test_each_operator_makes_its_one_change(source: str, operator: str, expected: str) -> None:
    assert one_change(source, operator) == expected


def test_a_while_loop_is_unrolled_into_guarded_repetitions_without_a_loop_op() -> None:
    unrolled = one_change("while s(x) > 1:\n    x = x / 2\n", "while-unrolled")
    assert unrolled == f"for _unrolled in range({mutation.UNROLL_COUNT}):\n    if s(x) > 1:\n        x = x / 2"


def test_the_first_argument_is_flattened_where_the_cell_uses_tf() -> None:
    assert one_change("def f(x):\n    return tf.abs(x)", "flatten-input") == \
        "def f(x):\n    x = tf.reshape(x, [-1])\n    return tf.abs(x)"
    assert "inputs = tf.reshape(inputs, [-1])" in one_change(
        "class L:\n    def build(self, s):\n        pass\n\n    def call(self, inputs):\n        return tf.abs(inputs)",
        "flatten-input")
    assert changes("def f(x):\n    return abs(x)", "flatten-input") == []  # no tf: only a NameError


def test_a_layer_called_twice_becomes_two_layers() -> None:
    source = """
    def build():
        e = Embedding(10, 4)
        a = e(x)
        b = e(y)
        return a, b
    """
    unshared = one_change(source, "unshare-e")
    assert "b = Embedding(10, 4)(y)" in unshared and "a = e(x)" in unshared


def test_a_cached_function_returns_its_first_result_forever_and_keeps_its_signature() -> None:
    namespace: dict[str, Any] = {}
    exec(one_change("def build(n):\n    return [n]\n", "cached-result"), namespace)  # our own mutant
    first = namespace["build"](1)
    assert namespace["build"](2) is first == [1]
    assert str(__import__("inspect").signature(namespace["build"])) == "(n)"
    shown = next(m for m in mutation.mutate_source("def build(n):\n    return [n]\n") if m.operator == "cached-result")
    assert shown.before == "def build(n):"
    assert shown.after == "def build(n):  # every call returns the first call's result"


def test_statements_are_swapped_only_where_the_order_matters() -> None:
    assert changes("a = 1\nb = 2\n", "swap-statements") == []  # independent: the swap would change nothing
    assert changes("a = 1\nb = a\n", "swap-statements") == ["b = a\na = 1"]
    assert changes("super().__init__()\nself.u = 1\n", "swap-statements") == ["self.u = 1\nsuper().__init__()"]
    [shown] = [m for m in mutation.mutate_source("def f(self):\n    super().__init__()\n    self.u = 1")
               if m.operator == "swap-statements"]
    assert shown.before == "    super().__init__()\n    self.u = 1"
    assert shown.after == "    self.u = 1\n    super().__init__()"


def test_docstrings_are_never_mutated_and_identical_mutants_are_kept_once() -> None:
    found = mutation.mutate_source('def f():\n    """Return 2 + 2 > 1."""\n    return 2 + 2\n')
    assert found and all('"""Return 2 + 2 > 1."""' in m.source for m in found)
    assert len({m.source for m in found}) == len(found)
    # 3 + 2 and 2 + 3 are different code, so both stay
    assert sorted(m.operator for m in found) == sorted(
        ["arith-add-to-sub", "const-2-to-3", "const-2-to-1", "const-2-to-3", "const-2-to-1", "cached-result"])


def test_a_cell_that_is_not_plain_python_gets_no_mutants() -> None:
    assert mutation.mutate_source("%time f(1 + 2)") == []


def test_each_mutant_shows_the_line_it_changed_before_and_after() -> None:
    mutant = next(m for m in mutation.mutate_source("def f(x):\n    y = 1\n    return x + y\n")
                  if m.operator == "arith-add-to-sub")
    assert (mutant.line, mutant.before, mutant.after) == (3, "    return x + y", "    return x - y")
    assert mutant.scope == ("f",) and not mutant.in_decorator
    added = next(m for m in mutation.mutate_source("def f(x):\n    return tf.abs(x)") if m.operator == "flatten-input")
    assert (added.before, added.after) == ("def f(x):", "def f(x):\n    x = tf.reshape(x, [-1])")


# -- generation from notebooks ----------------------------------------------------------------


def notebook(*cells: str | nbformat.NotebookNode) -> nbformat.NotebookNode:
    node = nbformat.v4.new_notebook()
    node.cells = [code(c) if isinstance(c, str) else c for c in cells]
    node.metadata["tfgrade"] = {"assignment": "demo"}
    return node


TEMPLATE = notebook(
    markdown("# Demo"), "import math",
    markdown("## Question 1: add"), "def add(a, b):\n    raise NotImplementedError()", "assert add(1, 2) == 3",
    markdown("## Question 2: a layer"),
    "# Question 3: register it.\nclass L:\n    def call(self, x):\n        raise NotImplementedError()\n\n"
    "    def get_config(self):\n        # Question 3.\n        raise NotImplementedError()",
)
SOLUTION = notebook(
    markdown("# Demo"), "import math",
    markdown("## Question 1: add"), "def add(a, b):\n    return a + b", "assert add(1, 2) == 3",
    markdown("## Question 2: a layer"),
    "@register(package='p')\nclass L:\n    def call(self, x):\n        return x * 2\n\n"
    "    def get_config(self):\n        return {'units': 1}",
)
QUESTIONS = ("q1", "q2", "q3")


def test_only_the_answer_cells_are_mutated_and_each_mutant_knows_its_question() -> None:
    found, skipped = mutants.generate(SOLUTION, TEMPLATE, QUESTIONS)
    assert {m.cell for m in found} == {4, 7} and skipped == []  # not the given import, not the public check
    by_id = {m.id: m for m in found}
    assert "q1:cell4:line2:arith-add-to-sub" in by_id
    assert "q2:cell7:line4:arith-mul-to-div" in by_id  # the heading's question
    # the template marks get_config and the line above the class as Question 3:
    assert "q3:cell7:line7:config-drop-units" in by_id
    assert "q3:cell7:line1:drop-decorator-register" in by_id


def test_ids_are_unique_and_the_same_on_every_run() -> None:
    first = [m.id for m in mutants.generate(SOLUTION, TEMPLATE, QUESTIONS)[0]]
    second = [m.id for m in mutants.generate(nbformat.from_dict(SOLUTION), TEMPLATE, QUESTIONS)[0]]
    assert first == second and len(set(first)) == len(first)
    assert all(mutants.ID_SHAPE.match(i) for i in first)


def test_two_changes_of_one_kind_on_one_line_get_numbered_ids() -> None:
    solution = notebook(markdown("## Question 1"), "def f(a, b):\n    return a + b + 1")
    template = notebook(markdown("## Question 1"), "def f(a, b):\n    pass")
    ids = [m.id for m in mutants.generate(solution, template, ["q1"])[0] if "arith-add-to-sub" in m.id]
    assert ids == ["q1:cell2:line2:arith-add-to-sub", "q1:cell2:line2:arith-add-to-sub-2"]


def test_an_answer_cell_with_ipython_syntax_is_reported_as_left_unmutated() -> None:
    solution = notebook(markdown("## Question 1"), "x = !ls")
    assert mutants.generate(solution, notebook(markdown("## Question 1"), "x = None"), ["q1"]) == ([], [2])


def test_a_mutant_notebook_keeps_the_metadata_and_changes_only_its_cell() -> None:
    mutant = next(m for m in mutants.generate(SOLUTION, TEMPLATE, QUESTIONS)[0] if m.operator == "arith-add-to-sub")
    written = mutants.mutant_notebook(SOLUTION, mutant)
    assert written.metadata == SOLUTION.metadata
    assert written.cells[3].source == "def add(a, b):\n    return a - b"
    assert [c.source for i, c in enumerate(written.cells) if i != 3] == \
        [c.source for i, c in enumerate(SOLUTION.cells) if i != 3]
    assert SOLUTION.cells[3].source == "def add(a, b):\n    return a + b"  # the solution is left as it was


# -- reviewed equivalents ---------------------------------------------------------------------


def test_equivalents_are_read_with_their_reasons(tmp_path: Path) -> None:
    (tmp_path / "mutants.toml").write_text(
        '[[equivalent]]\nid = "q3:cell10:line5:swap-elements"\nreason = "Add is commutative."\n')
    assert mutants.load_equivalents(tmp_path) == {"q3:cell10:line5:swap-elements": "Add is commutative."}
    assert mutants.load_equivalents(tmp_path / "nowhere") == {}


@pytest.mark.parametrize(("text", "words"), [
    ("[[equivalent]\n", "not valid TOML"),
    ('[[equivalents]]\nid = "a"\nreason = "b"\n', "unknown table 'equivalents'"),
    ('equivalent = "a"\n', "[[equivalent]] table"),
    ('[[equivalent]]\nreason = "b"\n', "needs an id"),
    ('[[equivalent]]\nid = "a"\n', "needs a reason"),
    ('[[equivalent]]\nid = "a"\nreason = "  "\n', "needs a reason"),
    ('[[equivalent]]\nid = "a"\nreason = "b"\nwhy = "c"\n', "unknown key 'why'"),
    ('[[equivalent]]\nid = "a"\nreason = "b"\n[[equivalent]]\nid = "a"\nreason = "c"\n', "listed twice"),
])
def test_a_malformed_equivalents_file_says_what_to_fix(text: str, words: str) -> None:
    with pytest.raises(mutants.EquivalentsError, match=None) as raised:
        mutants.parse_equivalents(text, Path("a/mutants.toml"))
    assert words in str(raised.value) and "a/mutants.toml" in str(raised.value)
    assert isinstance(raised.value, assignment.AssignmentError)  # the CLI turns it into exit code 2


# -- verdicts, scores and the report ----------------------------------------------------------

Q = (assignment.Question("q1", 2, "add"), assignment.Question("q2", 1, "mean"))


def graded(*failing: str, status: str = "graded") -> Graded:
    checks = (check_result("add_small", "q1", outcome="failed" if "add_small" in failing else "passed"),
              check_result("add_more", "q1", outcome="failed" if "add_more" in failing else "passed",
                           message="add_more is wrong" if "add_more" in failing else ""),
              check_result("mean", "q2", outcome="failed" if "mean" in failing else "passed"))
    result = SubmissionResult("m.ipynb", "tiny", status, "stopped" if status != "graded" else "",  # type: ignore[arg-type]
                              ExecutionSummary("completed", ""), checks if status == "graded" else ())
    return Graded(result, score(result, Q))


def test_a_mutant_is_killed_by_any_lost_point_and_a_grader_error_is_neither() -> None:
    assert mutants.verdict(graded()) == mutants.Verdict("survived")
    assert mutants.verdict(graded("add_more")) == mutants.Verdict("killed", ("q1",), ("add_more",),
                                                                  reasons=("add_more is wrong",))
    assert mutants.verdict(graded(status="rejected")).status == "killed"
    assert mutants.verdict(graded(status="grader_error")) == mutants.Verdict("error", message="stopped")
    assert mutants.verdict(graded()).run == "completed"


def mutant(mutant_id: str, question: str = "q1") -> mutants.Mutant:
    return mutants.Mutant(mutant_id, question, 3, 2, "arith-add-to-sub", "    return a + b", "    return a - b", "")


KILLED_Q1 = mutants.Verdict("killed", ("q1",), ("add_more",), reasons=("add(-4, 7) returned 11",))
SURVIVED = mutants.Verdict("survived")


def test_scores_leave_reviewed_equivalents_out_and_stale_reviews_are_listed() -> None:
    report = mutants.build_report("tiny", ["q1", "q2"], [
        (mutant("q1:a"), KILLED_Q1), (mutant("q1:b"), SURVIVED), (mutant("q1:c"), SURVIVED),
        (mutant("q2:a", "q2"), mutants.Verdict("killed", ("q1",), ("add_more",))),
        (mutant("q2:b", "q2"), mutants.Verdict("killed", ("q1", "q2"), ("add_more", "mean"))),
        (mutant("q2:c", "q2"), mutants.Verdict("killed", ("q2",), ("mean",))),
        (mutant("q2:d", "q2"), mutants.Verdict("killed", ("q1", "q2"), ("add_more", "mean"), run="timeout")),
    ], {"q1:c": "the same sum", "q1:gone": "an old review"})
    q1, q2 = report.questions
    assert (q1.mutants, q1.killed, q1.survived, q1.equivalent, q1.score) == (3, 1, 2, 1, 0.5)
    assert (q2.mutants, q2.killed, q2.score) == (4, 4, 1.0)
    assert [m.id for m, _ in report.unreviewed()] == ["q1:b"]
    assert [m.id for m, _ in report.reviewed()] == ["q1:c"]
    # q2 mistakes charged to q1; not the one that ran out of time, which costs points everywhere
    assert [m.id for m, _ in report.cascades()] == ["q2:a", "q2:b"]
    assert report.stale == ("q1:gone",) and not report.ok


def test_an_equivalent_that_is_killed_is_flagged_as_a_check_that_rejects_a_correct_answer() -> None:
    report = mutants.build_report("tiny", ["q1"], [(mutant("q1:a"), KILLED_Q1)], {"q1:a": "renames a weight"})
    assert [m.id for m, _ in report.wrongly_equivalent()] == ["q1:a"] and not report.ok
    assert report.questions[0].killed == 0 and report.questions[0].score is None
    assert "rejects a correct answer" in mutants.text(report)


def test_a_mutant_of_no_question_takes_the_question_whose_checks_it_fails() -> None:
    report = mutants.build_report("tiny", ["q1", "q2"], [(mutant("unassigned:x", "unassigned"), KILLED_Q1)], {})
    assert [(q.question, q.mutants) for q in report.questions] == [("q1", 1), ("q2", 0)]


def test_the_text_report_shows_scores_survivors_with_their_lines_reviews_and_stale_ids() -> None:
    report = mutants.build_report("tiny", ["q1", "q2"], [
        (mutant("q1:a"), KILLED_Q1), (mutant("q1:b"), SURVIVED), (mutant("q1:c"), SURVIVED),
    ], {"q1:c": "the same sum", "q1:gone": "an old review"})
    shown = mutants.text(report)
    assert "q1:   50%  3 mutants, 1 killed, 2 survived (1 reviewed equivalent)" in shown
    assert "q2:   n/a  0 mutants" in shown
    assert "Survivors to review" in shown and "  q1:b\n      -     return a + b\n      +     return a - b" in shown
    assert "Reviewed equivalents: 1\n  q1:c\n      the same sum" in shown
    assert "remove them from mutants.toml): 1\n  q1:gone" in shown


def test_the_json_report_holds_scores_and_every_mutant_with_its_verdict() -> None:
    report = mutants.build_report("tiny", ["q1"], [(mutant("q1:a"), KILLED_Q1), (mutant("q1:b"), SURVIVED)],
                                  {"q1:gone": "old"})
    document = json.loads(json.dumps(mutants.as_json(report)))
    assert document["schema"] == mutants.SCHEMA and document["ok"] is False
    assert document["questions"]["q1"] == {"mutants": 2, "killed": 1, "survived": 1, "equivalent": 0,
                                           "errors": 0, "score": 0.5}
    assert document["mutants"][1] == {"id": "q1:b", "question": "q1", "cell": 3, "line": 2,
                                      "operator": "arith-add-to-sub", "before": "    return a + b",
                                      "after": "    return a - b", "status": "survived", "lost": [],
                                      "failed": {}, "message": "", "run": "completed", "equivalent": None}
    assert document["mutants"][0]["failed"] == {"add_more": "add(-4, 7) returned 11"}
    assert document["stale_equivalents"] == ["q1:gone"]


# -- running, with a fake executor ------------------------------------------------------------


@dataclass
class ExecExecutor:
    """Runs the tiny assignment's cells in this process with ``exec`` and scores its three checks:
    real verdicts for real mutants, in milliseconds (only our own mutants of our own solution run)."""

    isolated: bool = True
    isolation: str = "exec in the test process"
    seen: list[str] = field(default_factory=list)

    def run(self, notebook: Notebook, assignment: assignment.Assignment, *, include_hidden: bool) -> Execution:
        names: dict[str, Any] = {}
        for cell in notebook.cells:
            self.seen.append(cell.source)
            try:
                exec(cell.source, names)  # the test's own solution and its mutants
            except Exception:  # noqa: BLE001 - a cell error is data, as in the real executor
                continue
        checks = (self._check(names, "add_small_ints", "q1", lambda f: f(2, 3) == 5, "add"),
                  self._check(names, "add_more_ints", "q1", lambda f: f(-4, 7) == 3 and f(0, 0) == 0, "add"),
                  self._check(names, "mean_of_three_floats", "q2", lambda f: f([1.0, 2.0, 3.0]) == 2.0, "mean_of"))
        return Execution(ExecutionSummary("completed", "ran"), checks)

    @staticmethod
    def _check(names: dict[str, Any], name: str, question: str, test: Callable[[Any], bool], function: str) -> Any:
        try:
            passed = bool(test(names[function]))
        except Exception:  # noqa: BLE001 - any error fails the check, as in the real checks
            passed = False
        return check_result(name, question, outcome="passed" if passed else "failed")


def tiny_with_solution(folder: Path, equivalents: str | None = None) -> assignment.Assignment:
    """The tiny fixture assignment with a solution notebook (and a mutants.toml if given)."""
    root = folder / "tiny"
    shutil.copytree(TINY, root)
    template = nbformat.read(root / "tiny.ipynb", as_version=4)
    template.cells[2].source = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    return a + b"
    template.cells[4].source = "def mean_of(xs):\n    \"\"\"Return the mean of xs.\"\"\"\n    return sum(xs) / len(xs)"
    nbformat.write(template, root / "solution.ipynb")
    config = (root / "assignment.toml").read_text()
    (root / "assignment.toml").write_text(config.replace('notebook = "tiny.ipynb"',
                                                         'notebook = "tiny.ipynb"\nsolution = "solution.ipynb"'))
    if equivalents is not None:
        (root / "mutants.toml").write_text(equivalents)
    return assignment.load(root)


SURVIVOR = "q2:cell5:line1:cached-result"
"""mean_of called once only: caching its first result changes nothing the tiny checks see."""


def test_run_grades_the_solution_then_every_mutant_and_finds_the_survivor(tmp_path: Path) -> None:
    tiny = tiny_with_solution(tmp_path)
    fake = ExecExecutor()
    steps: list[mutants.Progress] = []
    report = mutants.run(tiny, lambda: fake, workers=2, progress=steps.append)
    assert steps[0].mutant is None and steps[0].verdict.status == "survived"  # the solution, first
    assert [s.done for s in steps[1:]] == list(range(1, len(report.mutants) + 1))
    assert [m.id for m, _ in report.unreviewed()] == [SURVIVOR] and not report.ok
    assert {m.question for m, _ in report.mutants} == {"q1", "q2"}
    assert all("return a - b" not in s for s in fake.seen[:2])  # the solution ran unmutated


def test_run_stops_when_the_solution_itself_loses_points(tmp_path: Path) -> None:
    tiny = tiny_with_solution(tmp_path)
    broken = nbformat.read(tiny.solution, as_version=4)
    broken.cells[2].source = "def add(a, b):\n    return a - b"
    nbformat.write(broken, tiny.solution)
    report = mutants.run(tiny, ExecExecutor)
    assert not report.ok and report.mutants == ()
    assert "the solution itself does not get full marks" in mutants.text(report)


def test_the_cli_prints_the_report_writes_json_and_exits_1_for_an_unreviewed_survivor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = tiny_with_solution(tmp_path)
    monkeypatch.setattr("autograder.cli.seam.ProcessExecutor", ExecExecutor)
    out = tmp_path / "report.json"
    assert main(["validate", str(tiny.root), "--mutants", "--mutants-report", str(out)]) == 1
    shown = capsys.readouterr()
    assert "solution: full marks" in shown.err and f"{SURVIVOR}: SURVIVED" in shown.err
    assert re.search(r"\[1/\d+\] q1:\S+: .*; elapsed \d+ s, about \d+ s left", shown.err), shown.err
    assert f"Survivors to review (a check is missing, or record them in mutants.toml with a reason): 1\n" \
           f"  {SURVIVOR}" in shown.out
    assert json.loads(out.read_text())["mutants"][0]["status"] in {"killed", "survived"}

    (tiny.root / "mutants.toml").write_text(f'[[equivalent]]\nid = "{SURVIVOR}"\nreason = "called once"\n')
    assert main(["validate", str(tiny.root), "--mutants"]) == 0


def test_the_cli_exits_2_for_a_malformed_equivalents_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = tiny_with_solution(tmp_path, equivalents='[[equivalent]]\nid = "x"\n')
    monkeypatch.setattr("autograder.cli.seam.ProcessExecutor", ExecExecutor)
    assert main(["validate", str(tiny.root), "--mutants"]) == 2
    assert "needs a reason" in capsys.readouterr().err


# -- the real pipeline ------------------------------------------------------------------------


@pytest.mark.slow
def test_validate_mutants_end_to_end_on_the_tiny_assignment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tiny = tiny_with_solution(tmp_path, equivalents='[[equivalent]]\nid = "q1:cell3:line9:gone"\nreason = "old"\n')
    assert ProcessExecutor  # graded by the real executor (sandboxed where the machine allows it)
    out = tmp_path / "before.json"
    assert main(["validate", str(tiny.root), "--mutants", "-j", "2", "--mutants-report", str(out)]) == 1
    document = json.loads(out.read_text())
    statuses = {m["id"]: m["status"] for m in document["mutants"]}
    assert statuses[SURVIVOR] == "survived"
    assert statuses["q1:cell3:line3:arith-add-to-sub"] == "killed"
    assert statuses["q2:cell5:line3:arith-div-to-mul"] == "killed"
    assert document["questions"]["q1"]["score"] == 1.0 and document["questions"]["q2"]["survived"] == 1
    assert document["stale_equivalents"] == ["q1:cell3:line9:gone"]
    shown = capsys.readouterr().out
    assert "Reviewed ids no mutant has any more" in shown
    cached = "def mean_of(xs):  # every call returns the first call's result"
    assert f"  {SURVIVOR}\n      - def mean_of(xs):\n      + {cached}" in shown
