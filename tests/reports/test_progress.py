"""The progress line shared by grade, validate and validate --mutants."""

from __future__ import annotations

from autograder.reports import progress


def test_the_line_says_which_of_how_many_and_the_time_left_from_the_pace_so_far() -> None:
    assert progress.line(3, 12, "bob.ipynb: 9/11 (graded)", 30.0) == \
        "[3/12] bob.ipynb: 9/11 (graded); elapsed 30 s, about 90 s left"
    assert progress.line(12, 12, "last", 95.4) == "[12/12] last; elapsed 95 s, about 0 s left"
    assert progress.line(0, 5, "nothing yet", 3.0).endswith("about 0 s left")


def test_a_counter_numbers_each_item_in_turn() -> None:
    counter = progress.Counter(2, started=0.0)
    first, second = counter.next("a"), counter.next("b")
    assert first.startswith("[1/2] a; elapsed ") and second.startswith("[2/2] b; elapsed ")
    assert second.endswith("about 0 s left")
