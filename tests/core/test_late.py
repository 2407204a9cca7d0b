"""Late work: the penalty rule, times and their parsing, and where the penalty shows (pure, in ms)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder.core import codec, late, overrides
from autograder.core.results import SubmissionResult
from autograder.core.scoring import LatePenalty, QuestionScore, Score
from autograder.reports import changes, formats
from tests.conftest import TESTS

KST = timezone(timedelta(hours=9))
DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=KST)
DAILY = late.Rule(DEADLINE, per_day=10, cap=50, grace_minutes=15)


def after(**delta: float) -> datetime:
    return DEADLINE + timedelta(**delta)


def score(earned: float = 8.0, points: float = 10.0) -> Score:
    return Score(earned, points, (QuestionScore("q1", "One", earned, points),))


# -- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "percent"),
    [
        (after(minutes=-5), 0.0),  # early
        (after(minutes=15), 0.0),  # within the grace period
        (after(minutes=16), 10.0),  # past grace: the first started day, counted from the deadline
        (after(hours=24), 10.0),
        (after(hours=24, seconds=1), 20.0),
        (after(days=4, hours=1), 50.0),  # 5 started days, 50%: the cap
        (after(days=30), 50.0),
    ],
)
def test_a_started_day_past_the_grace_period_costs_its_percent_up_to_the_cap(submitted: datetime,
                                                                              percent: float) -> None:
    assert late.percent_taken(DAILY, submitted, DEADLINE) == percent


def test_per_hour_counts_started_hours_and_never_passes_100_percent() -> None:
    hourly = late.Rule(DEADLINE, per_hour=2)
    assert late.percent_taken(hourly, after(minutes=1), DEADLINE) == 2.0
    assert late.percent_taken(hourly, after(hours=3, minutes=1), DEADLINE) == 8.0
    assert late.percent_taken(hourly, after(days=10), DEADLINE) == 100.0


def test_the_penalty_is_a_percent_of_the_final_score_and_is_kept_on_the_score() -> None:
    penalized = late.apply(score(8.0), late.Due(after(hours=30), DEADLINE, DAILY))

    assert penalized.earned == 6.4
    assert penalized.automatic == 8.0  # what the checks gave, before lateness
    assert penalized.late == LatePenalty(
        submitted="2026-12-03T05:59:00+09:00", deadline="2026-12-01T23:59:00+09:00", percent=20.0, taken=1.6,
        per_day=10, cap=50, grace_minutes=15)


def test_on_time_or_without_a_time_the_score_is_untouched() -> None:
    assert late.apply(score(), late.Due(after(minutes=10), DEADLINE, DAILY)) == score()
    assert late.apply(score(), late.Due(None, DEADLINE, DAILY)) == score()
    assert late.apply(score(), None) == score()


def test_a_late_override_row_sets_the_points_taken_and_zero_waives_them() -> None:
    due = late.Due(after(days=2), DEADLINE, DAILY)

    waived = late.apply(score(8.0), due, "0", "doctor's note")
    assert (waived.earned, waived.late_taken, waived.late and waived.late.waived) == (8.0, 0.0, "doctor's note")
    assert late.apply(score(8.0), due, "1", "half").earned == 7.0
    assert late.apply(score(0.5), due, "1", "more than earned").earned == 0.0  # never below 0
    on_time = late.Due(after(minutes=-1), DEADLINE, DAILY)
    assert late.apply(score(8.0), on_time, "1", "not late: nothing to change") == score(8.0)


# -- reading the rule and the times --------------------------------------------------------------


def test_the_rule_merges_assignment_toml_with_the_options_which_win() -> None:
    table = {"deadline": "2026-12-01 23:59", "timezone": "Asia/Seoul", "per_day": 10, "cap": 50}
    rule = late.rule_from(table, {"per_day": 5.0, "grace_minutes": 15.0, "cap": None}, "a.toml")

    assert rule is not None
    assert (rule.deadline, rule.per_day, rule.cap, rule.grace_minutes) == (DEADLINE, 5.0, 50.0, 15.0)
    assert late.rule_from({}, {"deadline": None}, "a.toml") is None


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"per_day": 10}, "a late penalty needs a deadline"),
        ({"deadline": "2026-12-01T23:59:00+09:00", "per_day": 1, "per_hour": 1}, "not both"),
        ({"deadline": "2026-12-01T23:59:00+09:00", "cap": 150}, "not a percent"),
        ({"deadline": "2026-12-01T23:59:00+09:00", "per_day": "ten"}, "is not a number"),
        ({"deadline": "2026-12-01 23:59"}, "has no UTC offset"),
        ({"deadline": "December 1st"}, "is not a time"),
        ({"deadline": "2026-12-01T23:59:00", "timezone": "Mars/Olympus"}, "no time zone"),
    ],
)
def test_a_rule_that_cannot_be_used_says_what_to_fix(table: dict[str, object], words: str) -> None:
    with pytest.raises(late.LateError, match=words):
        late.rule_from(table, {}, "a.toml")


def test_the_late_table_of_assignment_toml_refuses_unknown_keys(tmp_path: Path) -> None:
    (tmp_path / "assignment.toml").write_text('name = "x"\n[late]\ndeadline = "2026-12-01T23:59:00Z"\nper_week = 3\n')
    with pytest.raises(late.LateError, match="no key per_week"):
        late.table_of(tmp_path)
    (tmp_path / "assignment.toml").write_text('name = "x"\n')
    assert late.table_of(tmp_path) == {}


def test_times_match_a_submission_by_any_of_its_names_and_list_every_problem() -> None:
    rows = late.parse_times("\ufeffsubmission,time\nann_1.ipynb,2026-12-02T01:00:00+09:00\n\n"
                            "s002,2026-12-01 10:00\nzed,2026-12-01 10:00\n", "t.csv", KST)
    names = {Path("subs/ann_1.ipynb"): ("subs/ann_1.ipynb", "ann_1.ipynb", "s001"),
             Path("subs/bo_2.ipynb"): ("subs/bo_2.ipynb", "bo_2.ipynb", "s002")}

    times, problems = late.times_by_path(rows, names)

    assert times == {Path("subs/ann_1.ipynb"): after(hours=1, minutes=1),
                     Path("subs/bo_2.ipynb"): datetime(2026, 12, 1, 10, 0, tzinfo=KST)}
    assert problems == ["t.csv:5: 'zed' names no submission of this batch."]


def test_a_times_file_with_unreadable_rows_is_refused_whole() -> None:
    with pytest.raises(late.LateError, match=r"t.csv:2: 'yesterday' is not a time"):
        late.parse_times("submission,time\nann,yesterday\n", "t.csv", None)
    with pytest.raises(late.LateError, match="must name the columns submission,time"):
        late.parse_times("who,when\n", "t.csv", None)


def test_a_submission_without_a_time_gets_no_penalty_and_a_warning_naming_it() -> None:
    paths = [Path("subs/ann_1.ipynb"), Path("dl/leeann_LATE_1234_5678_hw.ipynb"), Path("subs/bo_2.ipynb")]
    found, warnings = late.dues(DAILY, paths, {paths[2]: after(days=1)}, {paths[2]: "2026-12-03T23:59:00+09:00"})

    assert found[paths[0]] == late.Due(None, DEADLINE, DAILY)
    assert found[paths[2]].deadline == after(days=2)  # the roster's extension
    assert warnings == [
        "no submission time for subs/ann_1.ipynb: no late penalty applied. Add it to --times.",
        "no submission time for dl/leeann_LATE_1234_5678_hw.ipynb (Canvas marked it late): no late penalty applied. "
        "Add it to --times.",
    ]


def test_canvas_marks_late_files_in_their_names_but_gives_no_time() -> None:
    assert late.canvas_marked_late("kimbo_LATE_1234_567890_hw1.ipynb")
    assert late.canvas_marked_late("kimbo_late_1234_567890_hw1-1.ipynb")
    assert not late.canvas_marked_late("kimbo_1234_567890_hw1.ipynb")
    assert not late.canvas_marked_late("late_1234_567890_hw1.ipynb")


# -- overrides ------------------------------------------------------------------------------------


def test_a_late_override_row_is_checked_and_not_applied_as_a_question() -> None:
    rows = overrides.parse("student,question,points,reason\nann,late,0,illness\nbo,late,+1,x\ncy,late,99,x\n", "o.csv")
    questions = {"q1": 10.0}
    with pytest.raises(overrides.OverridesError) as raised:
        overrides.resolve(rows, {Path("ann"): "ann", Path("bo"): "bo", Path("cy"): "cy"}, questions)
    assert "o.csv:3: points +1 of a late row" in str(raised.value)
    assert "o.csv:4: points 99 of a late row" in str(raised.value)
    assert "o.csv:2" not in str(raised.value)
    assert overrides.apply(score(), rows[:1]) == score()
    assert overrides.late_waiver(rows[:1]) == ("0", "illness")
    assert overrides.late_waiver(()) == ("", "")


def test_overrides_naming_a_roster_id_are_renamed_to_the_submission_path() -> None:
    rows = overrides.parse("student,question,points,reason\ns001,q1,3,regrade\nbo_2.ipynb,q1,2,x\n", "o.csv")
    renamed = overrides.with_paths(rows, {"s001": "subs/ann_1.ipynb"})
    assert [o.student for o in renamed] == ["subs/ann_1.ipynb", "bo_2.ipynb"]


# -- where it shows: report.json, grades.csv, changes.csv, the feedback ---------------------------


def penalized() -> Score:
    return late.apply(score(8.0), late.Due(after(hours=30), DEADLINE, DAILY))


def test_report_json_keeps_the_penalty_and_reads_it_back() -> None:
    assert codec.SCORE.decode(codec.SCORE.encode(penalized()), "score") == penalized()
    assert "late" not in codec.SCORE.encode(score())  # an on-time score keeps the layout it had


def test_grades_csv_adds_late_and_roster_columns_only_when_asked_for() -> None:
    result = SubmissionResult("subs/ann_1.ipynb", "autograph", "graded", "ok")
    plain = formats.grades_csv([(result, score())])
    assert "late_penalty" not in plain and "roster_id" not in plain

    lines = formats.grades_csv([(result, penalized()), (result, score())], roster_ids=["s001", ""]).splitlines()
    assert lines[0].endswith(",flags,late_penalty,late_percent,submitted_at,deadline,roster_id")
    assert lines[1].endswith(",8,,,1.6,20,2026-12-03T05:59:00+09:00,2026-12-01T23:59:00+09:00,s001")
    assert lines[1].split(",")[2] == "6.4"
    assert lines[2].endswith(",8,,,,,,,")


def test_changes_csv_puts_a_new_penalty_down_to_lateness_and_names_the_roster_id() -> None:
    result = SubmissionResult("subs/ann_1.ipynb", "autograph", "graded", "ok")
    earlier = codec.Report(result, score(), cache={})

    found = changes.compare("subs/ann_1.ipynb", earlier, penalized(), regraded=("file changed",))
    assert found == [changes.Change("subs/ann_1.ipynb", "total", 8.0, 6.4, "late penalty added")]
    text = changes.changes_csv(found, roster_ids={"subs/ann_1.ipynb": "s001"})
    assert text.splitlines() == ["submission,question,before,after,why,roster_id",
                                 "subs/ann_1.ipynb,total,8,6.4,late penalty added,s001"]


def test_the_feedback_gives_the_time_the_deadline_the_rule_and_the_points() -> None:
    lines = formats.override_lines(penalized(), questions=True)
    assert lines == ["Late: submitted 2026-12-03 05:59 (UTC+09:00), after the deadline 2026-12-01 23:59 (UTC+09:00). "
                     "Rule: 10% per started day late, at most 50%, after 15 minutes of grace. "
                     "Points taken from your total: 1.6."]
    waived = late.apply(score(8.0), late.Due(after(hours=30), DEADLINE, DAILY), "0", "illness")
    assert formats.override_lines(waived, questions=True)[1] == (
        "Your instructor set the points taken for lateness to 0. Reason: illness")
    result = SubmissionResult("ann", "autograph", "graded", "ok")
    assert ",8,late 0 (illness),," in formats.grades_csv([(result, waived)]).splitlines()[1]


def test_a_deadline_in_utc_compares_with_times_in_any_zone() -> None:
    rule = late.Rule(DEADLINE.astimezone(UTC), per_day=10)
    assert late.percent_taken(rule, after(minutes=1), rule.deadline) == 10.0


# -- acceptance: a real batch of the TensorFlow-free `tiny`, with [late] and a roster -----------------

TINY = TESTS / "fixtures" / "tiny"


@pytest.mark.slow
def test_a_real_batch_takes_the_late_penalty_from_assignment_toml_and_names_roster_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io
    import shutil

    import nbformat

    from autograder import cli

    tiny = tmp_path / "tiny"
    shutil.copytree(TINY, tiny)
    with (tiny / "assignment.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[late]\ndeadline = "2026-12-01 23:59"\ntimezone = "Asia/Seoul"\nper_hour = 10\ncap = 50\n')
    for name in ("ann", "bo", "cy"):
        nb = nbformat.v4.new_notebook(metadata={"tfgrade": {"assignment": "tiny"}})
        nb.cells = [nbformat.v4.new_code_cell("def add(a, b):\n    return a + b\n\n"
                                              "def mean_of(xs):\n    return sum(xs) / len(xs)")]
        (tmp_path / "subs").mkdir(exist_ok=True)
        nbformat.write(nb, tmp_path / "subs" / f"{name}.ipynb")
    (tmp_path / "roster.csv").write_text("student_id,file,name\ns1,ann*,Ann\ns2,bo*,Bo\ns3,cy*,Cy\n", encoding="utf-8")
    (tmp_path / "times.csv").write_text("submission,time\ns1,2026-12-02 01:30\nbo.ipynb,2026-12-01 20:00\n",
                                        encoding="utf-8")
    out = tmp_path / "out"

    code = cli.main(["grade", str(tmp_path / "subs"), "-a", str(tiny), "-o", str(out), "--allow-unisolated",
                     "--roster", str(tmp_path / "roster.csv"), "--times", str(tmp_path / "times.csv"),
                     "--export", "canvas"])

    assert code == 0
    assert f"no submission time for {tmp_path / 'subs' / 'cy.ipynb'}" in capsys.readouterr().err
    grades = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    # ann: 1 h 31 min late, two started hours at 10 %: 3 - 0.6; bo on time; cy has no time.
    assert [(g["score"], g["automatic_score"], g["late_penalty"], g["roster_id"]) for g in grades] == [
        ("2.4", "3", "0.6", "s1"), ("3", "3", "", "s2"), ("3", "3", "", "s3")]
    canvas = (out / "tiny-canvas.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert canvas[2:] == ["Ann,,s1,,,2.4", "Bo,,s2,,,3", "Cy,,s3,,,3"]
    feedback = (out / "submissions" / "ann" / "feedback.txt").read_text(encoding="utf-8")
    assert "Rule: 10% per started hour late, at most 50%. Points taken from your total: 0.6." in feedback


def test_moodle_feedback_tells_the_student_of_the_penalty_and_every_export_gives_the_final_points() -> None:
    from autograder.core.roster import Student
    from autograder.reports import exports

    result = SubmissionResult("subs/ann_1.ipynb", "autograph", "graded", "ok")
    rows = [exports.GradebookRow(Student(student_id="s001"), result, penalized())]

    moodle = exports.moodle(rows, "HW").splitlines()
    assert moodle[1].startswith('s001,6.4,"6.4/10 points (q1 8/10). Your feedback file lists each check. '
                                "Late: submitted 2026-12-03 05:59 (UTC+09:00)")
    assert exports.plain(rows, "HW").splitlines()[1] == "s001,6.4,64,graded"


def test_the_readme_round_a_regrade_request_and_a_waived_penalty_in_one_run() -> None:
    questions = (QuestionScore("q1", "", 5.0, 8.0), QuestionScore("q2", "", 2.0, 3.0))
    automatic = Score(7.0, 11.0, questions)
    due = late.Due(after(hours=30), DEADLINE, DAILY)
    before = late.apply(automatic, due)
    rows = overrides.parse("student,question,points,reason\ns001,q2,+1,Regrade request.\ns001,late,0,Note.\n", "o")
    after_ = late.apply(overrides.apply(automatic, rows), due, *overrides.late_waiver(rows))

    earlier = codec.Report(SubmissionResult("ann", "autograph", "graded", "ok"), before, cache={})
    assert [(c.question, c.before, c.after, c.why) for c in changes.compare("ann", earlier, after_, ())] == [
        ("q2", 2.0, 3.0, "override added"), ("total", 5.6, 8.0, "override added; late penalty changed")]
