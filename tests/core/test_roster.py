"""The roster: reading it (ours, or an LMS's own export) and placing each submission on its student."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.core.roster import Roster, RosterEntry, RosterError, Submitted, match, parse, read

ROSTER = """student_id,file,name,section
s001,ann_*,"Lee, Ann",A
s002,bo_2.ipynb,Bo Kim,B
s003,cy_3,Cy Young,A
"""


def submitted(*files: str) -> list[Submitted[str]]:
    """Submissions named by path, as a batch without --student-id names them; the item is the file."""
    return [Submitted(f"subs/{f}", (f,), f) for f in files]


def placed(roster: Roster, subs: list[Submitted[str]]) -> dict[str, str | None]:
    return {p.student.student_id: p.item for p in match(roster, subs).placed}


# -- reading ------------------------------------------------------------------------------------


def test_a_roster_row_becomes_a_student_with_every_column_it_has() -> None:
    roster = parse(ROSTER)

    assert roster.by_file
    assert roster.students[0] == RosterEntry(student_id="s001", name="Lee, Ann", section="A", file="ann_*")
    assert [s.id for s in roster.students] == ["s001", "s002", "s003"]


def test_canvas_s_own_gradebook_export_reads_as_a_roster(tmp_path: Path) -> None:
    # As Canvas writes it (Excel-friendly): a byte-order mark, its own headings, a Points Possible row.
    export = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Autograph (1234)\n"
              "    Points Possible,,,,,11.00\n"
              '"Lee, Ann",81234,s001,ann.lee,Section A,\n')
    path = tmp_path / "canvas.csv"
    path.write_bytes(export.encode("utf-8"))

    roster = read(path)

    assert not roster.by_file
    assert roster.students == (
        RosterEntry(student_id="s001", name="Lee, Ann", section="Section A", canvas_id="81234", login="ann.lee"),
    )


def test_a_roster_saved_with_semicolons_or_a_byte_order_mark_reads_the_same() -> None:
    assert parse(ROSTER.replace(",", ";").replace('"Lee; Ann"', '"Lee, Ann"')).students == parse(ROSTER).students
    assert parse("\ufeff" + ROSTER).students == parse(ROSTER).students


def test_a_roster_without_an_id_column_is_refused_naming_its_columns() -> None:
    with pytest.raises(RosterError, match="has no column that names a student") as caught:
        parse("name,file\nAnn,ann_*\n", source="class.csv")

    assert str(caught.value).startswith("class.csv has no column")
    assert str(caught.value).endswith("Its columns are: name, file.")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("student_id,file\n", "has a header but no students"),
        ("", "is empty"),
        ("student_id,file\ns001,ann_*\n,bo_*\n", "row 3 has no student id"),
        ("student_id,file\ns001,ann_*\ns001,bo_*\n", "rows 2 and 3 have the same student_id 's001'"),
        ("student_id,file\ns001,ann_*\ns002,\n", "row 3 has an empty file column"),
    ],
)
def test_a_roster_that_would_need_guessing_is_refused(text: str, words: str) -> None:
    with pytest.raises(RosterError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_a_roster_that_is_not_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_bytes("student_id,name\ns001,Jos\u00e9\n".encode("latin-1"))

    with pytest.raises(RosterError, match='Save it as "CSV UTF-8"'):
        read(path)


# -- matching -----------------------------------------------------------------------------------


def test_files_match_by_pattern_or_by_name_with_or_without_suffix() -> None:
    subs = submitted("ann_1_attempt.ipynb", "bo_2.ipynb", "cy_3.zip")

    assert placed(parse(ROSTER), subs) == {"s001": "ann_1_attempt.ipynb", "s002": "bo_2.ipynb", "s003": "cy_3.zip"}


def test_a_student_with_no_submission_is_placed_with_nothing() -> None:
    matching = match(parse(ROSTER), submitted("ann_1.ipynb"))

    assert [(p.student.student_id, p.item) for p in matching.placed] == [
        ("s001", "ann_1.ipynb"), ("s002", None), ("s003", None)]
    assert matching.warnings() == []


def test_a_submission_no_row_matches_is_a_warning_that_lists_the_files() -> None:
    matching = match(parse(ROSTER), submitted("ann_1.ipynb", "eve_9.ipynb", "zed.zip"))

    assert [s.item for s in matching.unmatched] == ["eve_9.ipynb", "zed.zip"]
    [warning] = matching.warnings()
    assert warning.startswith("2 submissions match no roster row and are left out of the export: "
                              "eve_9.ipynb, zed.zip.")


def test_without_a_file_column_submissions_match_any_of_a_student_s_ids() -> None:
    roster = parse("Student,ID,SIS User ID,SIS Login ID,Section\nAnn,81234,s001,ann.lee,A\nBo,81235,s002,bo.kim,B\n")
    # ids as --student-id took them from the file names: Canvas's user id, or the login
    subs = [Submitted("81234", ("lee_81234_9_hw.ipynb",), "ann"), Submitted("bo.kim", ("bo.kim.ipynb",), "bo")]

    assert [p.item for p in match(roster, subs).placed] == ["ann", "bo"]


def test_a_submission_two_rows_match_is_an_error_naming_both() -> None:
    roster = parse("student_id,file\ns001,ann*\ns002,ann_b*\n")

    with pytest.raises(RosterError, match=r"ann_b_1.ipynb matches 's001' and 's002'\. Make the file patterns"):
        match(roster, submitted("ann_b_1.ipynb"))


def test_two_submissions_for_one_student_are_an_error_listing_them() -> None:
    with pytest.raises(RosterError, match=r"'s001': ann_1.ipynb, ann_2.ipynb\. Keep one submission per student"):
        match(parse(ROSTER), submitted("ann_1.ipynb", "ann_2.ipynb"))
