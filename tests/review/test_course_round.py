"""README's course round, end to end, and every number it shows agreeing (issue 22, Acceptance 2).

One real batch of the TensorFlow-free ``tiny`` assignment (tests/fixtures/tiny) with a hand-graded question
added, graded by ``tfgrade grade`` with a roster, a deadline, a late rule and a times file, exported to Canvas.
The TAs then decide in the desk, through its ASGI app and a real HTTP client: a regrade request (a question
override with its reason), hand scores, and a waived late penalty. The instructor regrades with the overrides
file, as README says, and exports again. Every number must then agree: ``grades.csv``, the Canvas file, the
desk's class table and submission pages (before the regrade, as what the next run writes, and after it), and
each student's feedback (``feedback.txt``, the feedback notebook, report.json).

The expected numbers are worked out by hand below (EXPECTED), so agreeing on a wrong number fails too.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from starlette.testclient import TestClient

from autograder import cli
from autograder.review.app import Settings, build
from autograder.review.auth import Keys

pytestmark = pytest.mark.slow  # three real gradings of a TensorFlow-free notebook, twice

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"
KEYS = Keys(token="round-token")
HAND = """
[questions.q3]
points = 2
title = "Why is the graph version faster?"
manual = true
rubric = ["2: traced once, no Python per call", "1: says it is faster"]
"""
RIGHT = "def add(a, b):\n    return a + b\n\ndef mean_of(xs):\n    return sum(xs) / len(xs)\n"
WRONG_ADD = "def add(a, b):\n    return a - b\n\ndef mean_of(xs):\n    return sum(xs) / len(xs)\n"
SOURCES = {"ann": RIGHT, "bo": WRONG_ADD, "cy": RIGHT}
ROSTER = "student_id,file,name\ns001,ann*,Ann Lee\ns002,bo*,Bo Kim\ns003,cy*,Cy Park\n"
TIMES = ("submission,time\ns001,2026-12-02T10:00:00+09:00\ns002,2026-12-01T20:00:00+09:00\n"
         "cy.ipynb,2026-12-03T09:00:00+09:00\n")
LATE_OPTIONS = ["--deadline", "2026-12-01T23:59:00+09:00", "--late-per-day", "10", "--late-cap", "50"]


@dataclass(frozen=True)
class Numbers:
    """One student's numbers as one place shows them."""

    total: str
    questions: tuple[str, str, str]
    late: str
    """Points the late penalty takes ("" for none)."""


EXPECTED = {
    # q1 add (2: public 1 + hidden 1), q2 mean_of (1), q3 by hand (2). Deadline Dec 1 23:59 KST, 10 % a started day.
    # ann: 10 h late, one day: 10 % of (2 + 1 + 1.5) = 0.45 off -> 4.05.
    "s001": Numbers("4.05", ("2", "1", "1.5"), "0.45"),
    # bo: on time; add wrong (q1 0), a regrade request +1; hand score 2 -> 4.
    "s002": Numbers("4", ("1", "1", "2"), ""),
    # cy: 33 h late, two days: 20 % -- waived by a late row (0); q3 still waiting for a TA (0) -> 3.
    "s003": Numbers("3", ("2", "1", "0"), "0"),
}
FIRST = {  # before any decision: the checks and the late rule alone; q3 waits everywhere
    "s001": Numbers("2.7", ("2", "1", "0"), "0.3"),
    "s002": Numbers("1", ("0", "1", "0"), ""),
    "s003": Numbers("2.4", ("2", "1", "0"), "0.6"),
}
FOLDER = {"s001": "ann", "s002": "bo", "s003": "cy"}


@dataclass(frozen=True)
class Round:
    root: Path
    out: Path
    overrides: Path
    first: dict[str, dict[str, Numbers]]
    """Each place's numbers after the first grading: grades.csv, canvas."""
    desk_before: dict[str, dict[str, Numbers]]
    """The desk's pages after the decisions, before the regrade: class table, submission page."""
    decided_rows: list[dict[str, str]]


def grade(root: Path, *extra: str) -> None:
    code = cli.main(["grade", str(root / "subs"), "-a", str(root / "tiny"), "-o", str(root / "out"),
                     "--allow-unisolated", "--roster", str(root / "roster.csv"), "--times", str(root / "times.csv"),
                     *LATE_OPTIONS, "--export", "canvas", *extra])
    assert code == 0


def course(root: Path) -> None:
    shutil.copytree(TINY, root / "tiny")
    with (root / "tiny" / "assignment.toml").open("a", encoding="utf-8") as toml:
        toml.write(HAND)
    (root / "subs").mkdir()
    for name, source in SOURCES.items():
        nb = nbformat.v4.new_notebook(metadata={"tfgrade": {"assignment": "tiny"}})
        nb.cells = [nbformat.v4.new_code_cell(source),
                    nbformat.v4.new_markdown_cell("The graph is traced once, so no Python runs per call.")]
        nbformat.write(nb, root / "subs" / f"{name}.ipynb")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (root / "times.csv").write_text(TIMES, encoding="utf-8")


# -- reading each place -----------------------------------------------------------------------


def from_grades(out: Path) -> dict[str, Numbers]:
    rows = csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))
    return {r["roster_id"]: Numbers(r["score"], (r["q1"], r["q2"], r["q3"]), r["late_penalty"]) for r in rows}


def from_canvas(out: Path) -> dict[str, str]:
    """Each roster id's points in the Canvas file (its last column; two header lines)."""
    lines = list(csv.reader(io.StringIO((out / "tiny-canvas.csv").read_bytes().decode("utf-8-sig"))))
    assert lines[0][-1] == "tiny"
    return {line[2]: line[-1] for line in lines[2:]}


def from_feedback(out: Path, folder: str) -> tuple[str, str, str]:
    """The total as feedback.txt, the feedback notebook and report.json give it."""
    where = out / "submissions" / folder
    text = (where / "feedback.txt").read_text(encoding="utf-8").splitlines()[0]
    notebook = nbformat.read(where / "feedback.ipynb", as_version=4)
    said = "\n".join(c.source for c in notebook.cells if c.metadata.get("tfgrade", {}).get("feedback"))
    report = json.loads((where / "report.json").read_text(encoding="utf-8"))
    return (_total_of(text), _total_of(said), _number(report["score"]))


def _total_of(text: str) -> str:
    found = re.search(r"(\d+(?:\.\d+)?) ?/ ?5 points", text) or re.search(r"(\d+(?:\.\d+)?) of 5 points", text)
    assert found, text
    return found.group(1)


def _number(value: float) -> str:
    return f"{value:g}"


def from_class_report(out: Path) -> dict[str, tuple[str, str, str]]:
    """Each submission's (final total, late cell, hand-graded cell) in class.html's table of every submission."""
    page = (out / "class.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr><td><a href="submissions/(\w+)/feedback.html">.*?</a></td><td>graded</td>'
                      r'<td class="num">(\S+) / 5</td><td class="num late">([^<]*)</td>'
                      r'<td class="hand">([^<]*)</td>', page)
    return {folder: (total, html.unescape(late), html.unescape(hand)) for folder, total, late, hand in rows}


def from_desk_table(client: TestClient) -> dict[str, Numbers]:
    page = client.get("/").text
    found = {}
    for row in re.findall(r'<tr class="[^"]*" data-folder="[^"]+">(.*?)</tr>', page, re.S):
        cells = [_cell_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        roster_id = re.search(r'class="muted roster-id">([^<]+)<', row)
        assert roster_id, row
        late = cells[6].replace("\u2212", "").replace("-", "")
        found[roster_id.group(1)] = Numbers(cells[2].split(" / ")[0], (cells[3], cells[4], cells[5]), late)
    return found


def _cell_text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).replace("?", "").replace("*", "").strip()


def from_desk_page(client: TestClient, folder: str) -> Numbers:
    page = html.unescape(client.get(f"/s/{folder}").text)
    total = re.search(r"Score: (\S+) of 5 points", page)
    questions = re.findall(r"<td>q\d: [^<]*</td><td class=\"num\">(\S+) / \d", page)
    taken = re.search(r"The rule takes \S+%: (\S+) points off the total", page)
    assert total and len(questions) == 3, page
    return Numbers(total.group(1), tuple(questions), taken.group(1) if taken else "")  # type: ignore[arg-type]


def decide(client: TestClient, folder: str, question: str, points: str, reason: str) -> None:
    page = client.get(f"/s/{folder}").text
    form_key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert form_key
    data = {"form_key": form_key.group(1), "question": question, "points": points, "reason": reason, "by": "TA Kim"}
    response = client.post(f"/s/{folder}/override", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


# -- the round --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def round_(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Round]:
    root = tmp_path_factory.mktemp("round")
    course(root)
    out, decided = root / "out", root / "overrides.csv"
    grade(root)
    canvas = {rid: Numbers(total, ("", "", ""), "") for rid, total in from_canvas(out).items()}
    first = {"grades": from_grades(out), "canvas": canvas}
    settings = Settings(out=out, overrides=decided, keys=KEYS)
    with TestClient(build(settings)) as client:
        client.get(f"/?token={KEYS.token}")
        decide(client, "bo", "q1", "+1", "Regrade request: your add is right for ints; the check was too strict.")
        decide(client, "ann", "q3", "1.5", "Names tracing; misses the Python overhead per call.")
        decide(client, "bo", "q3", "2", "Traced once, no Python per call: full marks.")
        decide(client, "cy", "late", "0", "Doctor's note: no penalty.")
        desk_before = {"table": from_desk_table(client),
                       "page": {rid: from_desk_page(client, folder) for rid, folder in FOLDER.items()}}
    rows = list(csv.DictReader(io.StringIO(decided.read_text(encoding="utf-8"))))
    grade(root, "--overrides", str(decided))
    yield Round(root, out, decided, first, desk_before, rows)


def test_the_first_run_takes_the_late_penalty_and_waits_for_the_ta(round_: Round) -> None:
    assert round_.first["grades"] == FIRST
    assert {rid: n.total for rid, n in round_.first["canvas"].items()} == {rid: n.total for rid, n in FIRST.items()}


def test_the_desk_writes_each_decision_under_the_roster_id_with_its_reason_and_who(round_: Round) -> None:
    assert [(r["student"], r["question"], r["points"], r["by"]) for r in round_.decided_rows] == [
        ("s002", "q1", "+1", "TA Kim"), ("s001", "q3", "1.5", "TA Kim"), ("s002", "q3", "2", "TA Kim"),
        ("s003", "late", "0", "TA Kim")]


def test_the_desk_showed_before_the_regrade_what_the_regrade_wrote(round_: Round) -> None:
    assert round_.desk_before["table"] == EXPECTED
    assert round_.desk_before["page"] == EXPECTED


def test_grades_csv_and_canvas_agree_after_the_regrade(round_: Round) -> None:
    assert from_grades(round_.out) == EXPECTED
    assert from_canvas(round_.out) == {rid: n.total for rid, n in EXPECTED.items()}


def test_the_desk_agrees_after_the_regrade(round_: Round) -> None:
    with TestClient(build(Settings(out=round_.out, overrides=round_.overrides, keys=KEYS))) as client:
        client.get(f"/?token={KEYS.token}")
        assert from_desk_table(client) == EXPECTED
        assert {rid: from_desk_page(client, folder) for rid, folder in FOLDER.items()} == EXPECTED
        page = client.get("/").text
        assert "pending" not in re.findall(r'<tr class="([^"]*)" data-folder', page)
        assert page.count('class="bad waiting"') == 1  # cy's q3, still waiting for a TA


def test_class_html_agrees_and_shows_the_late_penalty_and_the_hand_graded_status(round_: Round) -> None:
    assert from_class_report(round_.out) == {
        "ann": ("4.05", "−0.45 (10% late)", "scored by a TA: q3"),
        "bo": ("4", "", "scored by a TA: q3"),
        "cy": ("3", "−0 (set by a late row: Doctor's note: no penalty.)", "waiting for a TA: q3"),
    }


def test_each_students_feedback_agrees(round_: Round) -> None:
    for rid, folder in FOLDER.items():
        assert from_feedback(round_.out, folder) == (EXPECTED[rid].total,) * 3, folder
    ann = (round_.out / "submissions" / "ann" / "feedback.txt").read_text(encoding="utf-8")
    assert "Points taken from your total: 0.45." in ann
    assert "Scored by a teaching assistant: 1.5 of 2. Names tracing" in ann
    cy = (round_.out / "submissions" / "cy" / "feedback.txt").read_text(encoding="utf-8")
    assert "A teaching assistant reads this answer and scores it" in cy


def test_changes_csv_gives_each_moved_score_its_cause_and_roster_id(round_: Round) -> None:
    rows = list(csv.DictReader(io.StringIO((round_.out / "changes.csv").read_text(encoding="utf-8"))))
    moved = {(r["roster_id"], r["question"]): (r["before"], r["after"]) for r in rows}
    assert moved[("s001", "total")] == ("2.7", "4.05") and moved[("s001", "q3")] == ("0", "1.5")
    assert moved[("s002", "q1")] == ("0", "1") and moved[("s003", "total")] == ("2.4", "3")
    assert all(r["why"] for r in rows)
