"""What changed since the last run: changes.csv names each score that moved, from what to what, and why."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from pathlib import Path

import nbformat
import pytest
from factories import FakeExecutor, autograph_checks, execution, submission_result, write_answer

from autograder import cli
from autograder.core import cache, codec
from autograder.core.assignment import Assignment, load
from autograder.core.overrides import Override, apply
from autograder.core.scoring import score
from autograder.grading.batch import BatchResult, grade_all
from autograder.reports import changes
from autograder.reports.changes import Change, compare, regrade_reasons
from tests.conftest import TESTS

KEYS = {"submission_sha256": "a", "checks_sha256": "b", "grader_sha256": "c"}


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load("autograph")


def stored(*failing: str, keys: dict[str, str] | None = None, status: str = "graded") -> codec.Report:
    result = submission_result(*autograph_checks(*failing), status=status)  # type: ignore[arg-type]
    return codec.Report(result, score(result, load("autograph").questions), cache=KEYS if keys is None else keys)


def override(question: str, points: str, reason: str = "Regrade request.") -> Override:
    return Override("alice.ipynb", question, points, reason, "o.csv:2")


# -- why, from the stored keys ------------------------------------------------------------------


@pytest.mark.parametrize(("keys", "why"), [
    ({**KEYS, "submission_sha256": "z"}, ("file changed",)),
    ({**KEYS, "checks_sha256": "z"}, ("checks changed",)),
    ({**KEYS, "grader_sha256": "z", "checks_sha256": "z"}, ("checks changed", "grader changed")),
    # a report from before the split had one grading key
    ({"submission_sha256": "a", "grading_sha256": "z"}, ("checks or grader changed",)),
])
def test_the_stored_keys_tell_why_a_submission_was_graded_again(keys: dict[str, str], why: tuple[str, ...]) -> None:
    assert regrade_reasons(stored(keys=keys), KEYS) == why


def test_an_earlier_grader_error_is_a_reason_of_its_own() -> None:
    assert regrade_reasons(stored(status="grader_error"), KEYS) == ("earlier grader error",)
    assert regrade_reasons(None, KEYS) == ()


# -- comparing scores ---------------------------------------------------------------------------


def test_each_changed_question_and_the_total_get_a_row() -> None:
    earlier = stored("q1_hidden", "q3_public")
    now = stored("q3_hidden").score  # q1 1 -> 3, q3 2 -> 1, total 8 -> 9

    found = compare("alice", earlier, now, ("checks changed",))

    assert found == [Change("alice", "q1", 1.0, 3.0, "checks changed"),
                     Change("alice", "q3", 2.0, 1.0, "checks changed"),
                     Change("alice", "total", 8.0, 9.0, "checks changed")]


def test_a_regrade_that_changes_no_score_is_no_change_and_a_new_submission_is_listed_as_new() -> None:
    assert compare("alice", stored("q2_public"), stored("q2_public").score, ("grader changed",)) == []
    assert compare("bo", None, stored().score, ()) == [Change("bo", "total", None, 11.0, "new")]


def test_overrides_added_changed_and_removed_say_so() -> None:
    automatic = stored("q1_hidden")
    first = codec.Report(automatic.result, apply(automatic.score, [override("q1", "+1"), override("total", "-1")]))
    second = apply(automatic.score, [override("q1", "+2")])

    # +1 on q1 and -1 on the total: the total is 9 before and after, so only q1 has a row.
    assert compare("alice", automatic, first.score, ()) == [Change("alice", "q1", 1.0, 2.0, "override added")]
    assert compare("alice", first, second, ()) == [
        Change("alice", "q1", 2.0, 3.0, "override changed"), Change("alice", "total", 9.0, 11.0,
                                                                     "override changed; override removed")]
    assert compare("alice", codec.Report(automatic.result, second), automatic.score, ()) == [
        Change("alice", "q1", 3.0, 1.0, "override removed"), Change("alice", "total", 11.0, 9.0, "override removed")]


def test_each_row_gives_only_the_cause_that_moved_its_score() -> None:
    # The file changed (q3's public check now passes) and an override was added on q1 in the same run:
    # q1 moved by the override alone, q3 by the checks alone, the total by both (issue 22).
    earlier = stored("q1_hidden", "q3_public")
    now = apply(stored("q1_hidden").score, [override("q1", "+2")])

    found = compare("alice", earlier, now, ("file changed",))

    assert found == [Change("alice", "q1", 1.0, 3.0, "override added"),
                     Change("alice", "q3", 2.0, 3.0, "file changed"),
                     Change("alice", "total", 8.0, 11.0, "file changed; override added")]


def test_changes_csv_has_a_header_even_when_nothing_changed() -> None:
    assert changes.changes_csv([]) == "submission,question,before,after,why\n"
    assert changes.changes_csv([Change("=bo", "total", None, 2.5, "new")]).splitlines()[1] == "'=bo,total,,2.5,new"


def test_the_summary_says_when_nothing_changed_and_is_silent_on_a_first_run() -> None:
    new = [Change("bo", "total", None, 3.0, "new")]
    moved = [Change("ann", "q1", 1.0, 2.0, "checks changed")]

    assert changes.summary(new, earlier=False, where="out/changes.csv") == ""
    assert changes.summary(new, earlier=True, where="x") == "No score changed since the last run. 1 new submission."
    assert changes.summary(moved, earlier=True, where="out/changes.csv").splitlines() == [
        "1 score changed since the last run (all in out/changes.csv):", "  ann q1: 1 -> 2 (checks changed)"]


# -- in a batch (fake executor) -----------------------------------------------------------------


def run(paths: list[Path], assignment: Assignment, out: Path, executor: FakeExecutor | None = None,
        adjust: list[Override] | None = None) -> BatchResult:
    return grade_all(paths, assignment, executor or FakeExecutor(), out, lambda _: None, adjust=adjust or [])


def changes_rows(out: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((out / "changes.csv").read_text(encoding="utf-8"))))[1:]


def test_a_changed_file_and_a_changed_grader_are_told_apart(tmp_path: Path, assignment: Assignment,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    paths, out = [write_answer(tmp_path / f"{n}.ipynb") for n in ("ann", "bo")], tmp_path / "out"
    first = run(paths, assignment, out)
    assert [c.why for c in first.changes] == ["new", "new"] and first.earlier == 0

    paths[1].write_text(paths[1].read_text(encoding="utf-8").replace("math.pi", "math.e"), encoding="utf-8")
    run(paths, assignment, out, FakeExecutor(canned=execution(*autograph_checks("q4_hidden"))))
    assert changes_rows(out) == [[str(paths[1]), "q4", "2", "1", "file changed"],
                                 [str(paths[1]), "total", "11", "10", "file changed"]]

    monkeypatch.setattr(cache, "grader_key", lambda: "a new tfgrade")
    run(paths, assignment, out, FakeExecutor(canned=execution(*autograph_checks("q2_public"))))
    # bo: q2 3 -> 2 and q4 1 -> 2, so its total stays 10 and gets no row.
    assert [(row[0], row[1], row[4]) for row in changes_rows(out)] == [
        (str(paths[0]), "q2", "grader changed"), (str(paths[0]), "total", "grader changed"),
        (str(paths[1]), "q2", "grader changed"), (str(paths[1]), "q4", "grader changed")]


def test_a_rerun_that_changes_nothing_leaves_a_changes_csv_with_only_its_header(tmp_path: Path,
                                                                                 assignment: Assignment) -> None:
    paths, out = [write_answer(tmp_path / "ann.ipynb")], tmp_path / "out"
    run(paths, assignment, out, adjust=[Override("ann.ipynb", "q1", "-1", "Copied.", "o:2")])

    again = run(paths, assignment, out, adjust=[Override("ann.ipynb", "q1", "-1", "Copied.", "o:2")])

    assert again.changes == () and again.earlier == 1
    assert (out / "changes.csv").read_text(encoding="utf-8") == "submission,question,before,after,why\n"


# -- acceptance: a real batch of the TensorFlow-free `tiny`, graded twice ---------------------------

TINY = TESTS / "fixtures" / "tiny"
ANSWERS = {"ann": "a + b", "bo": "a + b + 1", "cy": "a + b"}  # bo's add is off by one


@pytest.fixture(scope="module")
def regraded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Grade with overrides; fix a hidden check (off by one is now accepted); grade again; then once more."""
    root = tmp_path_factory.mktemp("regrade")
    tiny = root / "tiny"
    shutil.copytree(TINY, tiny)
    for name, body in ANSWERS.items():
        nb = nbformat.v4.new_notebook(metadata={"tfgrade": {"assignment": "tiny"}})
        nb.cells = [nbformat.v4.new_code_cell(f"def add(a, b):\n    return {body}\n\n"
                                              "def mean_of(xs):\n    return sum(xs) / len(xs)")]
        (root / "subs").mkdir(exist_ok=True)
        nbformat.write(nb, root / "subs" / f"{name}.ipynb")
    sheet = root / "overrides.csv"
    sheet.write_text("student,question,points,reason\n"
                     "bo.ipynb,q2,+0,Checked by hand.\n"  # a change that changes nothing: still shown
                     "cy.ipynb,,-0.5,Late by one day.\n", encoding="utf-8")
    out = root / "out"

    def grade() -> tuple[int, str, str, str]:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = cli.main(["grade", str(root / "subs"), "-a", str(tiny), "-j", "2", "-o", str(out),
                             "--allow-unisolated", "--overrides", str(sheet)])
        grades = (out / "grades.csv").read_text(encoding="utf-8")
        return code, grades, (out / "changes.csv").read_text(encoding="utf-8"), printed.getvalue()

    first = grade()
    check = tiny / "checks" / "hidden" / "test_hidden.py"
    fixed = check.read_text(encoding="utf-8").replace("if value != a + b:", "if value not in (a + b, a + b + 1):")
    check.write_text(fixed, encoding="utf-8")
    second = grade()
    third = grade()
    return {"root": root, "out": out, "sheet": sheet, "tiny": tiny, "first": first, "second": second, "third": third}


@pytest.mark.slow
def test_a_fixed_check_shows_in_changes_csv_and_the_overrides_survive_the_regrade(regraded, capsys) -> None:
    out, root = regraded["out"], regraded["root"]
    (code1, _, changes1, printed1), (code2, grades2, changes2, printed2) = regraded["first"], regraded["second"]
    bo, cy = str(root / "subs" / "bo.ipynb"), str(root / "subs" / "cy.ipynb")

    assert (code1, code2) == (0, 0)
    assert "since the last run" not in printed1  # a first run has nothing to compare with
    assert "2 overrides applied" in printed1 and "2 overrides applied" in printed2
    assert f"2 scores changed since the last run (all in {out / 'changes.csv'}):" in printed2
    assert f"  {bo} q1: 0 -> 1 (checks changed)" in printed2
    assert changes1.splitlines()[1:] == [f"{root / 'subs' / n}.ipynb,total,,{s},new" for n, s in
                                         (("ann", 3), ("bo", 1), ("cy", 2.5))]
    assert changes2.splitlines() == ["submission,question,before,after,why",
                                     f"{bo},q1,0,1,checks changed", f"{bo},total,1,2,checks changed"]
    by_name = {row["submission"]: row for row in csv.DictReader(io.StringIO(grades2))}
    assert (by_name[cy]["score"], by_name[cy]["automatic_score"]) == ("2.5", "3")
    assert by_name[cy]["overrides"] == "total -0.5: 3 -> 2.5 (Late by one day.)"
    assert by_name[bo]["overrides"] == "q2 +0: 1 -> 1 (Checked by hand.)"
    feedback = (out / "submissions" / "cy" / "feedback.txt").read_text(encoding="utf-8")
    assert "from 3 to 2.5. Reason: Late by one day." in feedback


@pytest.mark.slow
def test_a_rerun_after_the_regrade_says_no_score_changed(regraded) -> None:
    code, grades, found, printed = regraded["third"]

    assert code == 0 and grades == regraded["second"][1]
    assert found == "submission,question,before,after,why\n"
    assert "No score changed since the last run." in printed


@pytest.mark.slow
def test_an_override_for_an_unknown_student_changes_nothing_in_the_out_folder(regraded, capsys) -> None:
    out, root = regraded["out"], regraded["root"]
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    bad = root / "bad.csv"
    sheet = regraded["sheet"].read_text(encoding="utf-8")
    bad.write_text(sheet + "dee.ipynb,q1,2,Regrade request.\n", encoding="utf-8")
    capsys.readouterr()

    code = cli.main(["grade", str(root / "subs"), "-a", str(regraded["tiny"]), "-o", str(out), "--allow-unisolated",
                     "--overrides", str(bad)])

    assert code == 2
    assert f"{bad}:4: no submission of this batch is 'dee.ipynb'" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
