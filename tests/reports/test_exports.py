"""Gradebook exports: each format's exact bytes, the rows a roster gives, and the command end to end."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from factories import FakeExecutor, autograph_checks, execution, submission_result, write_answer

from autograder import cli
from autograder.cli import main, seam
from autograder.core import scoring
from autograder.core.assignment import Assignment, load
from autograder.core.results import SubmissionStatus
from autograder.core.roster import Submitted, parse
from autograder.reports import exports
from tests.conftest import ROOT

DOCS = ROOT / "docs" / "exports.md"

ROSTER = '''student_id,file,name,email,section,login
s001,ann_*,"Lee, Ann",ann@uni.example,A,ann.lee
s002,bo_*,"Kim ""Bo"" 김보",bo@uni.example,B,bo.kim
s003,cy_*,Cy Young,cy@uni.example,A,cy.young
s004,dee_*,Dee Park,dee@uni.example,B,dee.park
s005,fay_*,Fay Wu,fay@uni.example,A,fay.wu
'''
"""The sample class of docs/exports.md: a comma, quotes and Hangul in a name; cy submits nothing."""


@pytest.fixture(scope="module")
def autograph() -> Assignment:
    return load("autograph")


def submission(assignment: Assignment, file: str, *failing: str, status: SubmissionStatus = "graded",
               message: str = "All cells ran without errors.") -> Submitted[exports.Pair]:
    checks = autograph_checks(*failing) if status == "graded" else ()
    result = submission_result(*checks, status=status, message=message, name=f"subs/{file}")
    return Submitted(result.submission, (file,), (result, scoring.score(result, assignment.questions)))


def sample_batch(assignment: Assignment) -> list[Submitted[exports.Pair]]:
    return [
        submission(assignment, "ann_1.ipynb", "q3_hidden"),
        submission(assignment, "bo_2.ipynb"),
        submission(assignment, "dee_3.zip", status="rejected",
                   message="This notebook is for the assignment 'functional', not 'autograph'."),
        submission(assignment, "eve_4.ipynb", "q1_public"),
        submission(assignment, "fay_5.ipynb", status="grader_error",
                   message="Grader error: GraderError: the check process died"),
    ]


def sample_rows(assignment: Assignment) -> list[exports.GradebookRow]:
    rows, _ = exports.gradebook(sample_batch(assignment), parse(ROSTER))
    return rows


EXPECTED = {
    "canvas": """\
Student,ID,SIS User ID,SIS Login ID,Section,autograph
Points Possible,,,,,11
"Lee, Ann",,s001,ann.lee,A,9
"Kim ""Bo"" 김보",,s002,bo.kim,B,11
Cy Young,,s003,cy.young,A,0
Dee Park,,s004,dee.park,B,0
""",
    "moodle": """\
ID number,Username,Email address,autograph,autograph (feedback)
s001,ann.lee,ann@uni.example,9,"9/11 points (q1 3/3, q2 3/3, q3 1/3, q4 2/2). Your feedback file lists each check."
s002,bo.kim,bo@uni.example,11,"11/11 points (q1 3/3, q2 3/3, q3 3/3, q4 2/2). Your feedback file lists each check."
s003,cy.young,cy@uni.example,0,0/11 points: no submission was received.
s004,dee.park,dee@uni.example,0,"0/11 points: not graded. This notebook is for the assignment 'functional', \
not 'autograph'."
""",
    "otter": """\
file,q1,q2,q3,q4,total_points_earned,percent_correct,grading_status
points-per-question,3,3,3,2,11,1,--
s001,3,3,1,2,9,0.8182,Completed
s002,3,3,3,2,11,1,Completed
s003,0,0,0,0,0,0,no submission
s004,0,0,0,0,0,0,"This notebook is for the assignment 'functional', not 'autograph'."
s005,0,0,0,0,0,0,Grader error: GraderError: the check process died
""",
    "csv": """\
student_id,autograph,percent,status
s001,9,81.82,graded
s002,11,100,graded
s003,0,0,no_submission
s004,0,0,rejected
s005,,,grader_error
""",
}
BOM = b"\xef\xbb\xbf"


# -- the formats --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_each_format_writes_exactly_its_layout(fmt: exports.Format, tmp_path: Path, autograph: Assignment) -> None:
    path = tmp_path / f"{fmt}.csv"

    exports.write(path, fmt, exports.render(fmt, sample_rows(autograph), column="autograph"))

    # Excel reads UTF-8 as the local code page unless the file starts with a BOM; the LMS files get one.
    prefix = BOM if fmt in ("canvas", "moodle") else b""
    assert path.read_bytes() == prefix + EXPECTED[fmt].encode("utf-8")


def test_canvas_s_importer_finds_its_header_and_the_student_in_each_row(autograph: Assignment, tmp_path: Path) -> None:
    path = tmp_path / "canvas.csv"
    exports.write(path, "canvas", exports.render("canvas", sample_rows(autograph), column="Autograph (1234)"))

    # As Canvas's GradebookImporter reads the file: no BOM stripping, substring tests on the headings.
    header, points, *students = csv.reader(io.StringIO(path.read_bytes().decode("utf-8")))
    assert "Student" in header[0] and "ID" in header[1] and "Section" in header[4]
    assert re.fullmatch(r"SIS\s+User\s+ID", header[2]) and re.fullmatch(r"SIS\s+Login\s+ID", header[3])
    assert header[5:] == ["Autograph (1234)"]
    assert "Points Possible" in points[0] and points[5] == "11"
    assert [s[0] for s in students] == ["Lee, Ann", 'Kim "Bo" 김보', "Cy Young", "Dee Park"]


def test_a_column_name_or_id_that_looks_like_a_formula_is_kept_as_text(autograph: Assignment) -> None:
    hostile = submission(autograph, "x.ipynb")
    renamed = Submitted('=HYPERLINK("http://evil")', hostile.files, hostile.item)
    rows, _ = exports.gradebook([renamed], None)

    text = exports.render("csv", rows, column="@SUM(A1)")

    assert text.splitlines() == ["student_id,'@SUM(A1),percent,status",
                                 "\"'=HYPERLINK(\"\"http://evil\"\")\",11,100,graded"]


# -- the rows -----------------------------------------------------------------------------------


def test_a_roster_gives_a_row_per_student_and_warns_of_files_it_does_not_know(autograph: Assignment) -> None:
    rows, warnings = exports.gradebook(sample_batch(autograph), parse(ROSTER))

    assert [(r.student.id, r.status, r.score.earned) for r in rows] == [
        ("s001", "graded", 9.0), ("s002", "graded", 11.0), ("s003", "no_submission", 0.0),
        ("s004", "rejected", 0.0), ("s005", "grader_error", 0.0)]
    assert rows[2].score.points == 11.0 and [q.points for q in rows[2].score.questions] == [3, 3, 3, 2]
    assert warnings == ["1 submission matches no roster row and is left out of the export: eve_4.ipynb. "
                        "Add a row for it (or fix its file pattern) and export again."]


def test_without_a_roster_each_submission_is_a_row_named_by_its_id(autograph: Assignment) -> None:
    rows, warnings = exports.gradebook(sample_batch(autograph), None)

    assert [r.student.id for r in rows] == ["subs/ann_1.ipynb", "subs/bo_2.ipynb", "subs/dee_3.zip",
                                            "subs/eve_4.ipynb", "subs/fay_5.ipynb"]
    assert warnings == []
    [errors] = exports.warnings_for("canvas", rows)
    assert errors.startswith("1 submission hit a grader error and is left out")
    # Rows named by file path: Canvas and Moodle would reject the file, so it is refused (issue 22).
    refusal = exports.refusal_for("canvas", rows)
    assert refusal.startswith("4 rows have no student id Canvas knows (e.g. subs/ann_1.ipynb): Canvas would reject")
    assert exports.refusal_for("moodle", rows).startswith("4 rows have no student id Moodle knows")
    assert exports.refusal_for("csv", rows) == exports.refusal_for("otter", rows) == ""
    assert exports.warnings_for("otter", rows) == []


def test_two_submissions_with_one_student_id_are_refused(autograph: Assignment) -> None:
    one, two = (Submitted("ann", s.files, s.item) for s in sample_batch(autograph)[:2])

    with pytest.raises(exports.ExportError, match=r"two submissions have the student id 'ann' \(ann_1.ipynb and "):
        exports.gradebook([one, two], None)


def test_a_batch_of_two_assignments_is_refused(autograph: Assignment) -> None:
    first, second = sample_batch(autograph)[:2]
    result, score = second.item
    other = Submitted(second.id, second.files, (dataclasses.replace(result, assignment="functional"), score))

    with pytest.raises(exports.ExportError, match=r"mixes assignments \(autograph, functional\)"):
        exports.gradebook([first, other], None)


# -- the command --------------------------------------------------------------------------------


@pytest.fixture
def executor(monkeypatch: pytest.MonkeyPatch) -> FakeExecutor:
    fake = FakeExecutor(execution(*autograph_checks("q3_hidden")))
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    return fake


@pytest.fixture
def batch_files(tmp_path: Path) -> tuple[list[str], Path]:
    paths = [str(write_answer(tmp_path / "subs" / f)) for f in ("ann_1.ipynb", "bo_2.ipynb", "eve_4.ipynb")]
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return paths, roster


def test_grade_with_export_writes_each_format_after_grading(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, roster = batch_files
    out = tmp_path / "out"

    code = main(["grade", *paths, "-a", "autograph", "-o", str(out),
                 "--export", "canvas", "--export", "otter", "--roster", str(roster)])

    captured = capsys.readouterr()
    assert code == 0
    assert f"Class report (open it in a browser): {out / 'class.html'}" in captured.out
    assert (out / "class.html").is_file()
    canvas = (out / "autograph-canvas.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert canvas[2:] == ['"Lee, Ann",,s001,ann.lee,A,9', '"Kim ""Bo"" 김보",,s002,bo.kim,B,9',
                          "Cy Young,,s003,cy.young,A,0", "Dee Park,,s004,dee.park,B,0", "Fay Wu,,s005,fay.wu,A,0"]
    otter = (out / "final_grades.csv").read_text(encoding="utf-8").splitlines()
    assert otter[4] == "s003,0,0,0,0,0,0,no submission"
    assert f"Wrote {out / 'autograph-canvas.csv'} (canvas: 5 rows, 3 with no submission)." in captured.out
    assert "warning: 1 submission matches no roster row and is left out of the export: eve_4.ipynb." in captured.err


def test_export_reads_an_earlier_batch_and_names_rows_by_student_id(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, _ = batch_files
    out = tmp_path / "out"
    assert main(["grade", *paths, "-a", "autograph", "-o", str(out)]) == 0
    capsys.readouterr()

    code = main(["export", str(out), "--format", "csv", "--student-id", r"([a-z]+)_\d", "--column", "HW 1",
                 "--out", str(tmp_path / "hw1.csv")])

    assert code == 0
    assert (tmp_path / "hw1.csv").read_text(encoding="utf-8") == (
        "student_id,HW 1,percent,status\nann,9,81.82,graded\nbo,9,81.82,graded\neve,9,81.82,graded\n")
    assert capsys.readouterr().out == f"Wrote {tmp_path / 'hw1.csv'} (csv: 3 rows).\n"


def test_export_matches_roster_file_names_in_a_batch_graded_with_student_ids(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path]
) -> None:
    paths, roster = batch_files
    out = tmp_path / "out"
    assert main(["grade", *paths, "-a", "autograph", "-o", str(out), "--student-id", r"([a-z]+)_\d"]) == 0

    assert main(["export", str(out), "--format", "moodle", "--roster", str(roster)]) == 0

    moodle = (out / "autograph-moodle.csv").read_bytes()
    assert moodle.startswith(BOM)
    ids = [row[0] for row in csv.reader(io.StringIO(moodle.decode("utf-8-sig")))]
    assert ids == ["ID number", "s001", "s002", "s003", "s004", "s005"]


@pytest.mark.parametrize(
    ("roster_text", "words"),
    [
        ("student_id,file\ns001,ann_*\ns002,a*\n", "ann_1.ipynb matches 's001' and 's002'"),
        ("name,file\nAnn,ann_*\n", "has no column that names a student"),
    ],
)
def test_an_export_that_would_guess_exits_2_and_writes_nothing(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path], roster_text: str, words: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths, roster = batch_files
    roster.write_text(roster_text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["grade", *paths, "-a", "autograph", "-o", str(out)]) == 0
    capsys.readouterr()

    assert main(["export", str(out), "--format", "canvas", "--roster", str(roster)]) == 2

    assert words in capsys.readouterr().err
    assert not (out / "autograph-canvas.csv").exists()


def test_grade_refuses_a_bad_roster_before_grading(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, roster = batch_files
    roster.write_text("name\nAnn\n", encoding="utf-8")
    out = tmp_path / "out"

    assert main(["grade", *paths, "-a", "autograph", "-o", str(out), "--export", "csv", "--roster", str(roster)]) == 2
    assert main(["grade", *paths, "-a", "autograph", "-o", str(out), "--roster", str(roster)]) == 2

    err = capsys.readouterr().err
    assert err.count("has no column that names a student") == 2  # --roster works, and is checked, without --export
    assert executor.calls == []


def test_export_of_a_folder_without_a_batch_or_with_a_damaged_report_exits_2(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, _ = batch_files
    out = tmp_path / "out"
    assert main(["export", str(out), "--format", "csv"]) == 2
    assert "holds no graded submissions" in capsys.readouterr().err
    assert main(["grade", *paths, "-a", "autograph", "-o", str(out)]) == 0
    report = out / "submissions" / "bo_2" / "report.json"
    report.write_text(json.dumps({"schema_version": 1}), encoding="utf-8")

    assert main(["export", str(out), "--format", "csv"]) == 2

    assert f"cannot read 1 report: {report}. Run the same tfgrade grade command again" in capsys.readouterr().err
    assert not (out / "autograph-csv.csv").exists()


# -- the documentation --------------------------------------------------------------------------


def test_the_samples_in_the_documentation_are_what_the_code_writes(autograph: Assignment) -> None:
    blocks = re.findall(r"<!-- sample: (\w+) -->\n```\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)

    assert dict(blocks) == {**EXPECTED, "roster": ROSTER}
    assert all(exports.render(f, sample_rows(autograph), column="autograph") == EXPECTED[f] for f in exports.FORMATS)


# -- the registry --------------------------------------------------------------------------------


def _choices(parser: argparse.ArgumentParser, option: str) -> tuple[str, ...]:
    [action] = [a for a in parser._actions if option in a.option_strings]
    return tuple(action.choices or ())


def _subcommand(name: str) -> argparse.ArgumentParser:
    [commands] = [a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return commands.choices[name]


def test_the_cli_offers_and_lists_exactly_the_registrys_formats() -> None:
    names = tuple(f.name for f in exports.REGISTRY)
    grade, export = _subcommand("grade"), _subcommand("export")

    assert _choices(grade, "--export") == _choices(export, "--format") == names
    assert len(set(names)) == len(names)
    listed = re.findall(r"^  (\w+)  +\S", export.format_help().split("formats (")[1].split("\n\n")[0], flags=re.M)
    assert listed == list(names)
    helps = [a.help or "" for a in (*grade._actions, *export._actions)
             if {"--export", "--format"} & {*a.option_strings}]
    assert len(helps) == 2 and all(n in h for h in helps for n in names)
    grade_help = grade.format_help()
    for entry in exports.REGISTRY:
        default = entry.file_name.format(assignment="<assignment>", format="<format>")
        assert re.search(rf"FOLDER/{re.escape(default)} +with --export [\w|]*\b{entry.name}\b", grade_help)


@pytest.mark.parametrize("entry", exports.REGISTRY, ids=lambda e: e.name)
def test_each_entry_decides_its_mark_and_default_file(entry: exports.ExportFormat, tmp_path: Path) -> None:
    exports.write(tmp_path / "f.csv", entry.name, "a\n")

    assert (tmp_path / "f.csv").read_bytes() == (BOM if entry.bom else b"") + b"a\n"
    assert exports.default_path(tmp_path, entry.name, "autograph").name == entry.file_name.format(
        assignment="autograph", format=entry.name)


def test_an_unknown_format_is_an_export_error() -> None:
    with pytest.raises(exports.ExportError, match=r"no export format 'xlsx'; the formats are canvas, moodle"):
        exports.format_named("xlsx")


def test_moodles_feedback_line_is_in_the_students_language(autograph: Assignment) -> None:
    [ann, _, cy, dee] = [r for r in sample_rows(autograph) if r.status != "grader_error"]
    korean = [dataclasses.replace(ann, result=dataclasses.replace(ann.result, language="ko")), cy,
              dataclasses.replace(dee, result=dataclasses.replace(dee.result, language="ko"))]

    lines = exports.moodle(korean, "autograph").splitlines()[1:]

    assert lines[0].endswith(',"9/11점 (q1 3/3, q2 3/3, q3 1/3, q4 2/2). '
                             '검사별 결과는 피드백 파일에서 확인할 수 있습니다."')
    assert lines[1].endswith(",0/11 points: no submission was received.")  # no result, so the batch's language
    assert lines[2].startswith("s004,dee.park,dee@uni.example,0,\"0/11점: 채점되지 않았습니다. This notebook is for")


# -- late work and roster ids through the whole command (issue 22) --------------------------------

LATE_ROSTER = ROSTER.replace("section,login\n", "section,login,deadline\n").replace(
    "B,bo.kim\n", "B,bo.kim,2026-12-03T23:59:00+09:00\n")
"""The sample class, with an extension for bo."""
TIMES = "submission,time\ns001,2026-12-03T05:59:00+09:00\nbo_2.ipynb,2026-12-03T05:59:00+09:00\n"
"""ann by roster id, 30 hours late; bo by file name, within the extension; eve has no time."""


def test_grade_with_a_deadline_and_a_roster_shows_the_penalty_and_the_ids_everywhere(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, roster = batch_files
    roster.write_text(LATE_ROSTER, encoding="utf-8")
    (tmp_path / "times.csv").write_text(TIMES, encoding="utf-8")
    out = tmp_path / "out"
    late = ["--deadline", "2026-12-01T23:59:00+09:00", "--late-per-day", "10", "--late-cap", "50",
            "--times", str(tmp_path / "times.csv"), "--roster", str(roster)]

    assert main(["grade", *paths, "-a", "autograph", "-o", str(out), *late]) == 0

    err = capsys.readouterr().err
    assert f"warning: no submission time for {paths[2]}: no late penalty applied." in err
    grades = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    assert [(g["score"], g["late_penalty"], g["roster_id"]) for g in grades] == [
        ("7.2", "1.8", "s001"), ("9", "", "s002"), ("9", "", "")]
    assert grades[0]["submission"] == paths[0]  # the path column stays
    feedback = (out / "submissions" / "ann_1" / "feedback.txt").read_text(encoding="utf-8")
    assert "Late: submitted 2026-12-03 05:59 (UTC+09:00), after the deadline 2026-12-01 23:59 (UTC+09:00)." in feedback

    # A late row naming the roster id waives the penalty; changes.csv says why, with the id.
    (tmp_path / "overrides.csv").write_text("student,question,points,reason\ns001,late,0,illness\n", encoding="utf-8")
    assert main(["grade", *paths, "-a", "autograph", "-o", str(out), *late,
                 "--overrides", str(tmp_path / "overrides.csv"), "--export", "canvas"]) == 0
    assert (out / "changes.csv").read_text(encoding="utf-8").splitlines() == [
        "submission,question,before,after,why,roster_id", f"{paths[0]},total,7.2,9,late penalty changed,s001"]
    canvas = (out / "autograph-canvas.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert canvas[2] == '"Lee, Ann",,s001,ann.lee,A,9'


def test_an_export_canvas_cannot_use_exits_2_and_writes_nothing(
    tmp_path: Path, executor: FakeExecutor, batch_files: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    paths, _ = batch_files
    out = tmp_path / "out"
    assert main(["grade", *paths, "-a", "autograph", "-o", str(out)]) == 0
    capsys.readouterr()

    assert main(["export", str(out), "--format", "canvas"]) == 2

    assert "3 rows have no student id Canvas knows" in capsys.readouterr().err
    assert not (out / "autograph-canvas.csv").exists()
