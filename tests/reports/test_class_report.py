"""The instructor's class page: its charts must say what the scores say, and it must be safe to open."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import check_result

from autograder import i18n
from autograder.core.assignment import Question
from autograder.core.results import (
    CellError,
    CheckResult,
    ExecutionSummary,
    IntegrityFlag,
    SubmissionResult,
    SubmissionStatus,
)
from autograder.core.scoring import Score, score
from autograder.reports.class_report import (
    FAILURE_ROWS,
    FLAG_ROWS,
    check_rates_csv,
    class_report_html,
    normalize_message,
)
from autograder.reports.feedback import feedback_html, feedback_markdown

QUESTIONS = (
    Question(name="q1", points=3.0, title="Build the model"),
    Question(name="q2", points=2.0, title="Train it"),
)
PLOT_HEIGHT = 180.0  # the histogram's tallest bar
HIDDEN_NAME = "secret_weights_are_orthogonal"
SCRIPT = "<script>alert('hi')</script>"

Row = tuple[SubmissionResult, Score]


# -- building batches -------------------------------------------------------------------------


def row(
    *checks: CheckResult,
    name: str = "alice.ipynb",
    status: SubmissionStatus = "graded",
    message: str = "All cells ran without errors.",
    cell_errors: tuple[CellError, ...] = (),
) -> Row:
    run = ExecutionSummary("completed", "All cells ran without errors.", cell_errors)
    result = SubmissionResult(name, "autograph", status, message, run, checks)
    return result, score(result, QUESTIONS)


def scoring(q1: float, q2: float, name: str = "s.ipynb") -> Row:
    """A graded row earning ``q1`` of 3 and ``q2`` of 2 points."""
    return row(
        check_result("build", "q1", points=3.0, earned=q1, outcome="passed" if q1 == 3 else "failed"),
        check_result("train", "q2", points=2.0, earned=q2, outcome="passed" if q2 == 2 else "failed"),
        name=name,
    )


def rejected(name: str = "empty.ipynb", message: str = "This file is empty.") -> Row:
    return row(name=name, status="rejected", message=message)


# -- reading the page -------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TreeParser(HTMLParser):
    """html.parser events into an ElementTree, failing on any end tag that does not match."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = ET.TreeBuilder()
        self.builder.start("document", {})
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.builder.start(tag, {k: v or "" for k, v in attrs})
        if tag in VOID:
            self.builder.end(tag)
        else:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.builder.start(tag, {k: v or "" for k, v in attrs})
        self.builder.end(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> does not close <{self.open[-1:]}>"
        self.open.pop()
        self.builder.end(tag)

    def handle_data(self, data: str) -> None:
        self.builder.data(data)


def parse_html(page: str) -> ET.Element:
    parser = _TreeParser()
    parser.feed(page)
    parser.close()
    assert parser.open == [], f"unclosed elements: {parser.open}"
    parser.builder.end("document")
    return parser.builder.close()


def chart(root: ET.Element, name: str) -> ET.Element:
    found = root.findall(f".//svg[@data-chart='{name}']")
    assert len(found) == 1, f"expected one {name} chart, found {len(found)}"
    svg = found[0]
    assert svg.get("role") == "img" and svg.get("aria-label")
    return svg


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter("rect") if "bar" in r.get("class", "").split()]


def texts(svg: ET.Element, css: str) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter("text") if css in t.get("class", "").split()]


def text_of(root: ET.Element) -> str:
    return " ".join("".join(root.itertext()).split())


def render(rows: Sequence[Row], title: str = "Week 3") -> ET.Element:
    return parse_html(class_report_html(rows, title=title))


def card(root: ET.Element, label: str) -> str:
    for div in root.iter("div"):
        if div.get("class") == "card" and div[0].text == label:
            return div[1].text or ""
    raise AssertionError(f"no {label!r} card")


# -- summary and histogram --------------------------------------------------------------------


def test_summary_counts_statuses_and_averages_only_graded_scores() -> None:
    rows = [scoring(0, 0), scoring(2, 0), scoring(1, 1), scoring(3, 2), scoring(3, 2), scoring(3, 2), rejected()]
    rows.append(row(name="crash.ipynb", status="grader_error", message="Grader error: boom"))
    root = render(rows)

    assert [card(root, k) for k in ("Submissions", "Graded", "Rejected", "Grader errors")] == ["8", "6", "1", "1"]
    assert card(root, "Mean score") == "3.17"  # (0 + 2 + 2 + 5 + 5 + 5) / 6
    assert card(root, "Median score") == "3.5"


def test_histogram_has_one_bar_per_possible_score_with_heights_in_proportion() -> None:
    rows = [scoring(0, 0), scoring(2, 0), scoring(1, 1), scoring(3, 2), scoring(3, 2), scoring(3, 2), rejected()]
    svg = chart(render(rows), "histogram")

    counts = [1, 0, 2, 0, 0, 3]  # totals 0, 2, 2, 5, 5, 5 out of 5; the rejected file is left out
    heights = [float(r.get("height", "nan")) for r in bars(svg)]
    assert len(heights) == 6
    assert heights == pytest.approx([PLOT_HEIGHT * c / max(counts) for c in counts], abs=0.1)
    assert texts(svg, "axis") == ["0", "1", "2", "3", "4", "5"]
    assert texts(svg, "tick") == ["0", "2", "3"]  # gridlines at 0, half and the tallest count
    assert texts(svg, "count") == ["1", "2", "3"]
    xs = [float(r.get("x", "nan")) for r in bars(svg)]
    assert xs == sorted(xs)
    # Each bar stands on the same baseline.
    bottoms = {round(float(r.get("y", "nan")) + float(r.get("height", "nan")), 1) for r in bars(svg)}
    assert len(bottoms) == 1


def test_histogram_uses_ten_ranges_when_scores_are_fractional() -> None:
    rows = [scoring(0.5, 0), scoring(2.5, 2), scoring(3, 2), scoring(3, 1.75)]
    svg = chart(render(rows), "histogram")

    labels = texts(svg, "axis")
    assert len(labels) == 10
    assert labels[0] == "0–0.5" and labels[-1] == "4.5–5"
    heights = [float(r.get("height", "nan")) for r in bars(svg)]
    # totals 0.5, 4.5, 5, 4.75: one in the second range, three in the last (which includes 5)
    assert heights == pytest.approx([0, PLOT_HEIGHT / 3, 0, 0, 0, 0, 0, 0, 0, PLOT_HEIGHT], abs=0.1)


# -- per-question means and pass rates --------------------------------------------------------


def test_question_means_are_bars_scaled_to_the_questions_points() -> None:
    svg = chart(render([scoring(3, 0), scoring(0, 1), rejected()]), "question-means")

    assert texts(svg, "value") == ["1.5 / 3 (50%)", "0.5 / 2 (25%)"]
    track = float(next(r for r in svg.iter("rect") if r.get("class") == "track").get("width", "nan"))
    widths = [float(r.get("width", "nan")) for r in bars(svg)]
    assert widths == pytest.approx([track * 0.5, track * 0.25], abs=0.1)


def test_pass_rates_are_ordered_lowest_first_and_labelled_with_percentages() -> None:
    def batch_row(i: int) -> Row:
        return row(
            check_result("always", "q1", outcome="passed"),
            check_result("rarely", "q1", outcome="passed" if i == 0 else "failed"),
            check_result("mostly", "q2", outcome="failed" if i == 0 else "passed", visibility="hidden"),
            check_result("half", "q2", outcome="passed" if i % 2 else "error"),
        )

    svg = chart(render([batch_row(i) for i in range(4)]), "pass-rates")

    labels = ["".join(t.itertext()) for t in svg.iter("text") if t.get("class") == "label"]
    assert labels == ["q1 · rarely", "q2 · half", "q2 · mostly(hidden)", "q1 · always"]
    assert texts(svg, "value") == ["25% (1 of 4)", "50% (2 of 4)", "75% (3 of 4)", "100% (4 of 4)"]
    widths = [float(r.get("width", "nan")) for r in bars(svg)]
    assert widths == sorted(widths) and widths[0] > 0
    assert widths[1] == pytest.approx(2 * widths[0], abs=0.1)
    assert "low" in bars(svg)[0].get("class", "") and "high" in bars(svg)[-1].get("class", "")


def test_percentages_round_down_so_nearly_all_is_not_shown_as_all() -> None:
    rows = [row(check_result("c", "q1", outcome="failed" if i == 0 else "passed")) for i in range(300)]
    svg = chart(render(rows), "pass-rates")

    assert texts(svg, "value") == ["99% (299 of 300)"]


# -- failure messages -------------------------------------------------------------------------


def failure_rows(root: ET.Element, section: str) -> list[list[str]]:
    table = root.find(f".//section[@aria-labelledby='{section}']/table")
    assert table is not None, f"no table in section {section}"
    return [[text_of(td) for td in tr] for tr in table.iter("tr") if tr.find("td") is not None]


def test_a_long_check_name_is_shown_whole_with_room_for_it() -> None:
    long = "count_halvings_converts_to_graph_loop_for_every_input_length"
    svg = chart(render([row(check_result(long, "q2", outcome="passed"), check_result("short", "q1"))]), "pass-rates")

    label = next(t for t in svg.iter("text") if "".join(t.itertext()) == f"q2 · {long}")
    assert float(label.get("x", "0")) >= 7.0 * len(f"q2 · {long}")  # its right end leaves room for every letter
    assert float(svg.get("viewbox", "").split()[2]) > float(label.get("x", "0"))  # the parser lowercases names


def test_check_pass_rates_are_written_as_csv_lowest_first_for_item_analysis() -> None:
    rows = [scoring(3, 2, "ann.ipynb"), scoring(1, 2, "bo.ipynb"), row(name="x.ipynb", status="rejected")]

    table = list(csv.DictReader(io.StringIO(check_rates_csv(rows))))

    assert [(r["question"], r["check"], r["runs"], r["passed"], r["pass_rate"]) for r in table] == [
        ("q1", "build", "2", "1", "0.5000"), ("q2", "train", "2", "2", "1.0000")]


def test_every_submission_is_listed_with_a_link_to_its_feedback() -> None:
    rows = [scoring(3, 2, "ann.ipynb"), scoring(1, 0, "<b>bo</b>.ipynb")]
    links = ["submissions/ann/feedback.html", "submissions/%3Cb%3Ebo%3C%2Fb%3E/feedback.html"]
    root = parse_html(class_report_html(rows, title="Week 3", feedback=links))

    anchors = [(a.get("href"), "".join(a.itertext())) for a in root.iter("a")]
    assert anchors == [(links[0], "ann.ipynb"), (links[1], "<b>bo</b>.ipynb")]
    assert "5 / 5" in text_of(root) and "1 / 5" in text_of(root)
    assert not list(parse_html(class_report_html(rows, title="Week 3")).iter("a"))  # no links: no table


def test_every_submission_shows_its_late_penalty_and_its_hand_graded_questions() -> None:
    from dataclasses import replace

    from autograder.core.scoring import Adjustment, LatePenalty, QuestionScore

    hand = (QuestionScore("q1", "Build the model", 3.0, 3.0), QuestionScore("q3", "Why?", 0.0, 2.0, manual=True))
    scored = replace(hand[1], earned=1.5, override=Adjustment(0.0, "1.5", "Names tracing."))
    penalty = LatePenalty("2026-12-02T10:00:00+09:00", "2026-12-01T23:59:00+09:00", 10.0, 0.45, per_day=10.0)
    waived = replace(penalty, percent=20.0, taken=0.0, waived="Doctor's note", change="0")
    ann = (scoring(3, 2, "ann.ipynb")[0], Score(4.05, 5.0, (hand[0], scored), late=penalty))
    bo = (scoring(3, 2, "bo.ipynb")[0], Score(3.0, 5.0, hand))
    cy = (scoring(3, 2, "cy.ipynb")[0], Score(3.0, 5.0, hand, late=waived))
    links = [f"submissions/{n}/feedback.html" for n in ("ann", "bo", "cy")]
    root = parse_html(class_report_html([ann, bo, cy], title="Week 3", feedback=links))

    table = next(t for t in root.iter("table") if t.find(".//a") is not None)
    head = ["".join(th.itertext()) for th in table.iter("th")]
    assert head == ["Submission", "Status", "Final", "Late penalty", "Hand-graded", "Flag"]
    cells = [["".join(td.itertext()) for td in tr.iter("td")] for tr in table.iter("tr") if tr.find("td") is not None]
    assert [c[2:5] for c in cells] == [
        ["4.05 / 5", "−0.45 (10% late)", "scored by a TA: q3"],
        ["3 / 5", "", "waiting for a TA: q3"],
        ["3 / 5", "−0 (set by a late row: Doctor's note)", "waiting for a TA: q3"]]
    cards = [" | ".join("".join(e.itertext()).strip() for e in card) for card in root.iter("div")
             if "card" in card.get("class", "").split()]
    assert "Answers waiting for a TA | 2 | in 2 submissions: they count 0 until scored" in cards
    assert "Late submissions | 2 | 0.45 points taken in all" in cards

    plain = parse_html(class_report_html([scoring(3, 2, "ann.ipynb")], title="Week 3", feedback=links[:1]))
    assert "Late penalty" not in text_of(plain) and "Hand-graded" not in text_of(plain)  # no column without a case
    with i18n.using("ko"):
        korean = text_of(parse_html(class_report_html([ann, bo], title="Week 3", feedback=links[:2])))
    assert "waiting for a TA" not in korean and "Late penalty" not in korean


def test_failure_messages_that_differ_only_in_numbers_group_together() -> None:
    def failing(message: str, name: str = "shape") -> Row:
        return row(check_result(name, "q1", outcome="failed", message=message))

    rows = [
        failing("expected shape (3, 1), got (3,)"),
        failing("expected shape (32, 1), got (32,)"),
        failing("expected shape (5, 1), got (5,)"),
        failing("activation should be relu"),
        failing("expected shape (3, 1), got (3,)", name="other"),  # same words, another check: its own row
        row(check_result(HIDDEN_NAME, "q2", outcome="failed", message="", visibility="hidden")),
    ]
    table = failure_rows(render(rows), "failures")

    assert table[0] == ["3", "q1 · shape", "expected shape (3, 1), got (3,) (+2 variants)"]
    assert sorted(table[1:]) == [
        ["1", "q1 · other", "expected shape (3, 1), got (3,)"],
        ["1", "q1 · shape", "activation should be relu"],
        ["1", f"q2 · {HIDDEN_NAME} (hidden)", "(no message)"],
    ]


def test_failures_and_pass_rates_name_the_requirement_a_check_tests() -> None:
    hidden = check_result(HIDDEN_NAME, "q2", outcome="failed", message="expected 0.4242", visibility="hidden")
    hidden = CheckResult(*[getattr(hidden, f) for f in ("name", "question", "points", "earned", "outcome", "message",
                                                        "visibility", "details")], "q2-any-shape", "a hint")
    root = render([row(hidden)])

    assert failure_rows(root, "failures") == [["1", f"q2 · {HIDDEN_NAME} (hidden) → q2-any-shape", "expected 0.4242"]]
    tooltips = [t.text or "" for t in chart(root, "pass-rates").iter() if t.tag.endswith("title")]
    assert any("tests requirement q2-any-shape" in t for t in tooltips)


def test_failure_table_is_capped_and_says_how_many_more() -> None:
    rows = [row(check_result("c", "q1", outcome="failed", message=f"wrong {chr(97 + i)}")) for i in range(26)]
    root = render(rows)

    assert len(failure_rows(root, "failures")) == FAILURE_ROWS
    assert f"{26 - FAILURE_ROWS} more messages not shown" in text_of(root)


def test_cell_errors_group_by_message_and_list_their_cells() -> None:
    rows = [
        row(cell_errors=(CellError(3, "NameError: name 'model' is not defined"),)),
        row(cell_errors=(CellError(5, "NameError: name 'model' is not defined"),)),
        row(cell_errors=(CellError(3, "ValueError: 12 is too big"),)),
    ]
    table = failure_rows(render(rows), "cell-errors")

    assert table == [
        ["2", "3, 5", "NameError: name 'model' is not defined"],
        ["1", "3", "ValueError: 12 is too big"],
    ]


def test_normalize_message_replaces_numbers_but_keeps_names() -> None:
    assert normalize_message("expected (32, 10) got -1.5e-3") == "expected (#, #) got #"
    assert normalize_message("conv2d and x0 and dense_1") == "conv2d and x0 and dense_1"
    assert normalize_message("\x1b[31mred\x1b[0m  12\n13") == "red # #"


# -- visibility and safety --------------------------------------------------------------------


def test_hidden_checks_are_named_in_the_class_report_but_not_in_feedback() -> None:
    hidden = check_result(HIDDEN_NAME, "q1", outcome="failed", message="kernel[0, 0] is 0.42", visibility="hidden")
    graded = row(check_result("shape", "q1"), hidden)
    page = class_report_html([graded], title="Week 3")

    assert HIDDEN_NAME in page and "kernel[0, 0] is 0.42" in page
    for feedback in (feedback_markdown(*graded), feedback_html(*graded)):
        assert HIDDEN_NAME not in feedback and "kernel[0, 0]" not in feedback
        assert "shape" in feedback


def test_student_text_is_escaped_and_terminal_escapes_are_removed() -> None:
    rows = [
        row(
            check_result(f"c{SCRIPT}", "q1", outcome="failed", message=f"\x1b[31mgot {SCRIPT}\x1b]0;title\x07"),
            name=f"{SCRIPT}.ipynb",
            cell_errors=(CellError(2, f"ValueError: {SCRIPT}"),),
        ),
        rejected(name=f"\x1b[2J{SCRIPT}.zip", message=f"Not a notebook: {SCRIPT}"),
    ]
    page = class_report_html(rows, title=f"Week {SCRIPT}")
    root = parse_html(page)

    assert "<script" not in page.lower()
    assert root.find(".//script") is None
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", page)
    assert f"got {SCRIPT}" in text_of(root)  # the text survives, as text
    assert root.findtext(".//h1") == f"Week {SCRIPT}"
    ET.fromstring(page)  # and it is still well-formed XML


def test_page_is_standalone_without_scripts_or_external_resources() -> None:
    page = class_report_html([scoring(3, 2), scoring(1, 0)], title="Week 3")

    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script|\b(src|href)=|@import|url\(|\bon\w+=", page, flags=re.IGNORECASE)


# -- edge batches -----------------------------------------------------------------------------


def test_empty_batch_renders_a_page_without_charts() -> None:
    root = render([])

    assert card(root, "Submissions") == "0"
    assert card(root, "Mean score") == "–"
    assert root.find(".//svg") is None
    assert "No graded submissions" in text_of(root)


def test_all_rejected_batch_lists_every_reason_and_draws_no_bars() -> None:
    rows = [rejected("a.zip", "This zip has no notebook."), rejected("b.ipynb", "This file is empty.")]
    root = render(rows)

    assert [card(root, k) for k in ("Submissions", "Graded", "Rejected")] == ["2", "0", "2"]
    assert root.find(".//svg") is None
    assert "No graded submissions" in text_of(root)
    assert failure_rows(root, "not-graded") == [
        ["a.zip", "rejected", "This zip has no notebook."],
        ["b.ipynb", "rejected", "This file is empty."],
    ]


# -- integrity flags --------------------------------------------------------------------------


def flagged(name: str, *flags: IntegrityFlag) -> Row:
    result, _ = scoring(1, 2, name)
    result = dataclasses.replace(result, flags=flags)
    return result, score(result, QUESTIONS)


def test_flagged_submissions_are_listed_with_what_each_flag_is_and_where() -> None:
    rows = [scoring(3, 2, "ann.ipynb"),
            flagged("eve.ipynb", IntegrityFlag("grader-import", 2, 3, "imports autograder.wire.protocol"),
                    IntegrityFlag("interpreter-walk", 5, 1, "lists every live object (gc.get_objects)")),
            flagged("mallory.ipynb", IntegrityFlag("grader-patch", 7, 12, f"replaces sys.modules['{SCRIPT}']"))]
    root = render(rows)

    section = root.find(".//section[@aria-labelledby='flags']")
    assert section is not None and "Integrity flags (2)" in text_of(section)
    assert failure_rows(root, "flags") == [
        ["eve.ipynb", "imports the grader (grader-import)", "2", "3", "imports autograder.wire.protocol"],
        ["eve.ipynb", "walks the interpreter (interpreter-walk)", "5", "1", "lists every live object (gc.get_objects)"],
        ["mallory.ipynb", "patches the grader's surroundings (grader-patch)", "7", "12",
         f"replaces sys.modules['{SCRIPT}']"],
    ]
    assert card(root, "Mean score") == card(render([scoring(3, 2), scoring(1, 2), scoring(1, 2)]), "Mean score")


def test_the_flags_section_comes_right_after_the_summary_and_only_when_something_is_flagged() -> None:
    flag = IntegrityFlag("inherited-fd", 2, 33, "uses a file descriptor it did not open (os.write)")
    sections = [s.get("aria-labelledby") for s in render([flagged("eve.ipynb", flag)]).iter("section")]

    assert sections[:2] == ["summary", "flags"]
    assert "flags" not in [s.get("aria-labelledby") for s in render([scoring(3, 2)]).iter("section")]


def test_a_submission_with_many_flags_shows_the_first_few_and_counts_the_rest() -> None:
    many = [IntegrityFlag("grader-patch", 2, line, f"replaces builtins.f{line}") for line in range(1, FLAG_ROWS + 4)]
    rows = failure_rows(render([flagged("eve.ipynb", *many)]), "flags")

    assert len(rows) == FLAG_ROWS + 1
    assert rows[-1] == ["eve.ipynb", "…and 3 more flags", "", "", ""]


# -- the written file -------------------------------------------------------------------------


def small_batch() -> list[Row]:
    return [
        scoring(3, 2, "ann.ipynb"),
        scoring(1, 2, "bob.ipynb"),
        row(
            check_result("build", "q1", points=3.0, outcome="failed", message="expected 3 layers, got 2"),
            check_result(HIDDEN_NAME, "q2", points=2.0, outcome="passed", visibility="hidden"),
            name="cy.ipynb",
            cell_errors=(CellError(4, "ZeroDivisionError: division by zero"),),
        ),
        rejected(),
    ]


def test_written_report_parses_and_has_charts_made_of_rects(tmp_path: Path) -> None:
    path = tmp_path / "class.html"
    path.write_text(class_report_html(small_batch(), title="Week 3"), encoding="utf-8")
    page = path.read_text(encoding="utf-8")

    root = parse_html(page)
    charts = [svg for svg in root.iter("svg") if svg.find(".//rect") is not None]
    assert len(charts) >= 2
    assert all(svg.get("role") == "img" and svg.get("aria-label") for svg in root.iter("svg"))
    assert ET.fromstring(page).tag == "html"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine to render the page with")
def test_headless_chromium_renders_the_page_with_its_charts(tmp_path: Path) -> None:
    page = class_report_html(small_batch(), title="Week 3")
    without_charts = re.sub(r"<svg.*?</svg>", "", page, flags=re.DOTALL)
    assert without_charts != page

    shots = [_screenshot(html, tmp_path / name) for html, name in ((page, "class"), (without_charts, "bare"))]

    assert all(shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000 for shot in shots)  # more than blank
    assert shots[0] != shots[1]  # the charts drew pixels of their own


def _screenshot(html: str, stem: Path) -> bytes:
    page, shot = stem.with_suffix(".html"), stem.with_suffix(".png")
    page.write_text(html, encoding="utf-8")
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
               "--window-size=1100,1600", page.as_uri()]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return shot.read_bytes()
