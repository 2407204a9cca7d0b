"""The JSON codecs: every result type round-trips, stored reports stay readable, bad JSON is refused."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

import pytest

from autograder.core import codec
from autograder.core.codec import CheckRun, Codec, DecodeError, Report, SchemaMismatch
from autograder.core.results import (
    SCHEMA_VERSION,
    CellError,
    CheckResult,
    ExecutionSummary,
    IntegrityFlag,
    SubmissionResult,
)
from autograder.core.scoring import Adjustment, LatePenalty, QuestionScore, Score
from autograder.errors import TfgradeError
from tests.conftest import ROOT, TESTS

STORED = TESTS / "fixtures" / "reports"

# Text a student controls: accents, emoji, right-to-left override, zero-width joiner, NUL, escapes,
# a lone surrogate (JSON can carry it as \ud800), quotes, backslashes, HTML and a long line.
UNICODE = 'é ☃ 😀 \u202egnp.exe \u200d \x00 \x1b[31mred\x1b[0m \ud800 "q" \\ </script> 𝔘'
LONG = "x" * 100_000
EDGE_NUMBERS = (0.0, -0.0, 0.1 + 0.2, 1e308, 5e-324, -1e-300, math.inf, -math.inf, 2.0**53 + 2)

CELL_ERRORS = (CellError(1, "ZeroDivisionError: division by zero"), CellError(2**63, UNICODE), CellError(0, ""),
               CellError(3, "ModuleNotFoundError: No module named 'keras.engine'", UNICODE))
CHECKS = (
    CheckResult("shape", "q1", 1.0, 1.0, "passed", "", "public"),
    CheckResult("weights", "q1", 2.0, 0.0, "failed", "Layer 2 uses sigmoid; use relu.", "hidden", "speedup=2.1"),
    CheckResult(UNICODE, UNICODE, 0.5, 0.25, "error", UNICODE, "public", UNICODE),
    CheckResult("", "", 0.0, -0.0, "failed", LONG, "hidden", LONG),
    *(CheckResult("edge", "q9", n, n, "passed", "", "public") for n in EDGE_NUMBERS),
    CheckResult("any_shape", "q1", 1.0, 0.0, "failed", "x", "hidden", "", "q1-any-shape", f"{UNICODE}\nsecond line"),
)
EXECUTIONS = (
    ExecutionSummary("not_run", "The notebook was not run."),
    ExecutionSummary("completed", "All cells ran without errors.", CELL_ERRORS[:1]),
    ExecutionSummary("timeout", UNICODE, CELL_ERRORS, UNICODE, "bubblewrap sandbox, own uid", ("memory", "processes"),
                     ("simple_nn", UNICODE)),
    ExecutionSummary("died", "", (), LONG, "", (), ()),
)
FLAGS = (IntegrityFlag("grader-import", 2, 3, "imports autograder.wire.protocol"),
         IntegrityFlag("interpreter-walk", 2**63, 0, UNICODE), IntegrityFlag("inherited-fd", 1, 1, ""),
         IntegrityFlag("grader-patch", 7, 12, "replaces numpy.testing.assert_allclose"))
SUBMISSIONS = (
    SubmissionResult("alice.ipynb", "autograph", "graded", "All cells ran.", EXECUTIONS[1], CHECKS),
    SubmissionResult(UNICODE, UNICODE, "rejected", UNICODE),
    SubmissionResult("", "", "grader_error", "Grader error: the checks could not be loaded:\n" + LONG),
    SubmissionResult("mallory.ipynb", "autograph", "graded", "All cells ran.", EXECUTIONS[1], CHECKS, "ko", FLAGS),
    SubmissionResult("eve.ipynb", "tiny", "grader_error", "Grader error: x", flags=FLAGS[:1]),
)
ADJUSTMENTS = (Adjustment(1.5, "+1", "Regrade request: the text was ambiguous."), Adjustment(-0.0, "7", UNICODE))
QUESTION_SCORES = (QuestionScore("q1", "Build the model", 2.5, 3.0), QuestionScore(UNICODE, UNICODE, -0.0, math.inf),
                   QuestionScore("q2", "", 2.5, 3.0, ADJUSTMENTS[0]))
LATES = (LatePenalty("2026-12-03T05:59:00+09:00", "2026-12-01T23:59:00+09:00", 20.0, 1.6, per_day=10.0, cap=50.0),
         LatePenalty("2026-12-03T05:59:00Z", "2026-12-01T23:59:00Z", 100.0, 0.0, per_hour=2.5, grace_minutes=15.0,
                     waived=UNICODE, change="0"))
SCORES = (Score(0.0, 0.0, ()), Score(6.5, 11.0, QUESTION_SCORES), Score(1e308, 5e-324, QUESTION_SCORES[:1]),
          Score(5.5, 6.0, QUESTION_SCORES[2:], ADJUSTMENTS[1]), Score(4.9, 11.0, QUESTION_SCORES, late=LATES[0]))
CHECK_RUNS = (
    CheckRun(EXECUTIONS[0], ()),
    CheckRun(EXECUTIONS[2], CHECKS, ("checks/hidden/test_q1.py: SyntaxError", UNICODE)),
)
REPORTS = (
    Report(SUBMISSIONS[0], SCORES[1]),
    Report(SUBMISSIONS[1], SCORES[0], cache={}),
    Report(SUBMISSIONS[2], SCORES[2], cache={"submission_sha256": "ab" * 32, "grading_sha256": UNICODE}),
    Report(SUBMISSIONS[0], SCORES[3],
           cache={"submission_sha256": "ab" * 32, "checks_sha256": "c", "grader_sha256": "d"}),
    Report(SUBMISSIONS[3], SCORES[1], cache={"submission_sha256": "ab" * 32}),
    Report(SUBMISSIONS[4], SCORES[0]),
    Report(SUBMISSIONS[1], SCORES[4], cache={"submission_sha256": "ab" * 32}),
)

CASES: list[tuple[Codec[Any], Any]] = [
    *((codec.CELL_ERROR, v) for v in CELL_ERRORS),
    *((codec.CHECK, v) for v in CHECKS),
    *((codec.FLAG, v) for v in FLAGS),
    *((codec.EXECUTION, v) for v in EXECUTIONS),
    *((codec.SUBMISSION, v) for v in SUBMISSIONS),
    *((codec.ADJUSTMENT, v) for v in ADJUSTMENTS),
    *((codec.LATE, v) for v in LATES),
    *((codec.QUESTION_SCORE, v) for v in QUESTION_SCORES),
    *((codec.SCORE, v) for v in SCORES),
    *((codec.CHECK_RUN, v) for v in CHECK_RUNS),
    *((codec.REPORT, v) for v in REPORTS),
]


def all_codecs() -> dict[str, Codec[Any]]:
    return {name: value for name, value in vars(codec).items() if isinstance(value, Codec)}


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value"), CASES, ids=[f"{c.what}-{i}" for i, (c, _) in enumerate(CASES)])
def test_every_value_survives_json_text_unchanged(kind: Codec[Any], value: Any) -> None:
    text = kind.dumps(value)

    decoded = kind.loads(text)

    assert decoded == value
    assert type(decoded) is type(value)
    assert dataclasses.is_dataclass(decoded) and type(decoded).__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert kind.loads(text.encode("utf-8")) == value  # as read from a file
    assert kind.dumps(decoded) == text  # and it encodes back to the very same text


def test_every_codec_of_the_module_has_round_trip_cases() -> None:
    tested = {kind.what for kind, _ in CASES}

    assert {kind.what for kind in all_codecs().values()} == tested
    assert set(all_codecs()) <= set(codec.__all__)


def test_a_number_that_is_not_a_number_stays_one() -> None:
    check = CheckResult("nan", "q1", math.nan, math.nan, "passed", "", "public")

    decoded = codec.CHECK.loads(codec.CHECK.dumps(check))

    assert math.isnan(decoded.points) and math.isnan(decoded.earned)
    assert dataclasses.replace(decoded, points=0.0, earned=0.0) == dataclasses.replace(check, points=0.0, earned=0.0)


def test_whole_numbers_in_json_are_read_as_points() -> None:
    data = {**codec.CHECK.encode(CHECKS[0]), "points": 2, "earned": 0}

    assert codec.CHECK.decode(data) == dataclasses.replace(CHECKS[0], points=2.0, earned=0.0)


def test_hints_and_requirements_are_written_only_when_there_are_some() -> None:
    """So a report without them keeps the layout it always had (the stored reports below)."""
    assert codec.CELL_ERROR.encode(CELL_ERRORS[0]) == {"cell": 1, "error": "ZeroDivisionError: division by zero"}
    assert codec.CELL_ERROR.encode(CELL_ERRORS[3])["hint"] == UNICODE
    assert not {"requirement", "hint"} & set(codec.CHECK.encode(CHECKS[0]))
    assert codec.CHECK.encode(CHECKS[-1])["requirement"] == "q1-any-shape"


def test_integrity_flags_are_written_only_when_there_are_some() -> None:
    """A report of a submission that reaches into nothing keeps the layout (and schema version) it always had."""
    assert "flags" not in codec.REPORT.encode(REPORTS[0])
    flagged = codec.REPORT.encode(REPORTS[4])
    assert flagged["flags"][0] == {"kind": "grader-import", "cell": 2, "line": 3,
                                   "detail": "imports autograder.wire.protocol"}
    assert flagged["schema_version"] == SCHEMA_VERSION == 1


def test_the_execution_summary_has_one_layout_in_both_documents() -> None:
    run = codec.CHECK_RUN.encode(CHECK_RUNS[1])
    report = codec.REPORT.encode(Report(dataclasses.replace(SUBMISSIONS[0], execution=EXECUTIONS[2]), SCORES[1]))

    assert run["execution"] == report["execution"] == codec.EXECUTION.encode(EXECUTIONS[2])
    assert run["checks"][0] == report["checks"][0] == codec.CHECK.encode(CHECKS[0])


# -- stored reports ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in STORED.glob("*.json")))
def test_reports_written_before_the_codec_are_read_and_written_back_byte_for_byte(name: str) -> None:
    text = (STORED / name).read_text(encoding="utf-8")

    report = codec.REPORT.loads(text)

    assert report.result.assignment == "autograph"
    assert codec.REPORT.dumps(report, indent=2) + "\n" == text


def test_the_stored_report_of_a_batch_keeps_its_cache_keys() -> None:
    report = codec.REPORT.loads((STORED / "graded-schema-1.json").read_bytes())

    assert set(report.cache or {}) == {"submission_sha256", "grading_sha256"}
    assert (report.result.submission, report.score.earned, len(report.result.checks)) == ("submissions/alice.ipynb",
                                                                                            8.0, 8)


def test_the_example_in_the_report_schema_document_is_a_report_this_tfgrade_reads() -> None:
    schema = (ROOT / "docs" / "report-schema.md").read_text(encoding="utf-8")
    example = schema.split("## JSON report, instructor variant")[1].split("```jsonc\n")[1].split("```")[0]
    without_comments = re.sub(r"\s*//[^\n]*", "", example)

    report = codec.REPORT.decode(json.loads(without_comments))

    assert report.result.execution.cell_errors == (CellError(4, "ZeroDivisionError: division by zero"),)
    assert report.score.questions[0] == QuestionScore("q1", "Build the model", 2.5, 3.0)
    assert report.cache is not None


# -- failing closed ---------------------------------------------------------------------------


def stored_report() -> dict[str, Any]:
    return json.loads((STORED / "timeout-unicode-schema-1.json").read_text(encoding="utf-8"))


def edit(change: Any) -> dict[str, Any]:
    document = stored_report()
    change(document)
    return document


BROKEN_REPORTS = [
    ("a list", [], "report: expected an object, got a list"),
    ("no status", edit(lambda d: d.pop("status")), "report: missing field 'status'"),
    ("an extra field", edit(lambda d: d.update(grade="A+")), "report: unknown field 'grade'"),
    ("an extra check field", edit(lambda d: d["checks"][1].update(bonus=5)), "report.checks[1]: unknown field 'bonus'"),
    ("points as text", edit(lambda d: d["checks"][2].update(points="1")), "report.checks[2].points: expected a number, "
                                                                          "got a string"),
    ("earned as true", edit(lambda d: d["checks"][0].update(earned=True)), "report.checks[0].earned: expected a "
                                                                           "number, got true or false"),
    ("an unknown outcome", edit(lambda d: d["checks"][0].update(outcome="maybe")),
     "report.checks[0].outcome: expected one of 'passed', 'failed', 'error', got 'maybe'"),
    ("an unknown visibility", edit(lambda d: d["checks"][0].update(visibility="secret")),
     "report.checks[0].visibility: expected one of 'public', 'hidden', got 'secret'"),
    ("an unknown status", edit(lambda d: d.update(status="passed")),
     "report.status: expected one of 'graded', 'rejected', 'grader_error', got 'passed'"),
    ("a fractional cell", edit(lambda d: d["execution"]["cell_errors"][0].update(cell=3.0)),
     "report.execution.cell_errors[0].cell: expected a whole number, got a number"),
    ("a null message", edit(lambda d: d["execution"].update(message=None)),
     "report.execution.message: expected a string, got null"),
    ("checks as an object", edit(lambda d: d.update(checks={})), "report.checks: expected a list, got an object"),
    ("a number in a name list", edit(lambda d: d["execution"].update(missing_names=["x", 1])),
     "report.execution.missing_names[1]: expected a string, got a number"),
    ("no output", edit(lambda d: d["execution"].pop("output")), "report.execution: missing field 'output'"),
    ("a question score as text", edit(lambda d: d["questions"][1].update(score="3")),
     "report.questions[1].score: expected a number, got a string"),
    ("cache keys that are not text", edit(lambda d: d.update(cache={"grading_sha256": 1})),
     "report.cache.grading_sha256: expected a string, got a number"),
    ("an unknown flag kind", edit(lambda d: d.update(flags=[{"kind": "cheating", "cell": 1, "line": 1, "detail": ""}])),
     "report.flags[0].kind: expected one of 'grader-import', 'interpreter-walk', 'inherited-fd', 'grader-patch', "
     "got 'cheating'"),
    ("a flag without its line", edit(lambda d: d.update(flags=[{"kind": "grader-patch", "cell": 1, "detail": ""}])),
     "report.flags[0]: missing field 'line'"),
    ("flags as an object", edit(lambda d: d.update(flags={})), "report.flags: expected a list, got an object"),
]


@pytest.mark.parametrize(("document", "message"), [(d, m) for _, d, m in BROKEN_REPORTS],
                         ids=[name for name, _, _ in BROKEN_REPORTS])
def test_a_malformed_report_is_refused_with_the_field_named(document: Any, message: str) -> None:
    with pytest.raises(DecodeError) as caught:
        codec.REPORT.decode(document)

    assert str(caught.value) == message
    assert not isinstance(caught.value, SchemaMismatch)


@pytest.mark.parametrize("version", [None, 0, 2, "1", True, 1.5])
def test_a_report_of_another_schema_version_is_refused_as_such(version: object) -> None:
    document = stored_report()
    if version is None:
        del document["schema_version"]
    else:
        document["schema_version"] = version

    with pytest.raises(SchemaMismatch) as caught:
        codec.REPORT.decode(document)

    assert str(caught.value) == f"report: schema_version {version!r}, this tfgrade reads 1"


def test_the_check_process_document_of_the_older_layout_is_refused() -> None:
    old = {"schema_version": 1, "execution": {"status": "completed", "message": "", "cell_errors": []},
           "checks": [], "collection_errors": []}

    with pytest.raises(SchemaMismatch):
        codec.CHECK_RUN.decode(old)
    with pytest.raises(DecodeError, match="check process results.execution: missing field 'limits_hit'"):
        codec.CHECK_RUN.decode({**old, "schema_version": codec.CHECK_RUN_SCHEMA_VERSION})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "report: not valid JSON"),
        ('{"schema_version": 1,', "report: not valid JSON"),
        (b"\xff\xfe{}", "report: not valid JSON"),
        ("1" * 5000, "report: not valid JSON"),
        ("[" * 200_000 + "]" * 200_000, "report: the JSON is nested too deep to read"),
        ("null", "report: expected an object, got null"),
    ],
    ids=["empty", "cut short", "not utf-8", "5000 digits", "nested 200000 deep", "null"],
)
def test_text_that_is_not_a_report_is_refused_not_crashed_on(text: str | bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=re.escape(message)):
        codec.REPORT.loads(text)


def test_decode_errors_are_value_errors_under_the_one_root() -> None:
    assert issubclass(SchemaMismatch, DecodeError)
    assert issubclass(DecodeError, TfgradeError) and issubclass(DecodeError, ValueError)


def test_the_report_version_is_the_documented_one() -> None:
    assert codec.REPORT.encode(REPORTS[0])["schema_version"] == SCHEMA_VERSION == 1


# -- both sides of the check process's pipe ---------------------------------------------------


def test_the_grader_reads_what_the_check_process_writes_and_says_itself_what_it_measured() -> None:
    from autograder.core.assignment import load
    from autograder.grading import execution
    from autograder.sandbox.launcher import Facts

    claimed = dataclasses.replace(EXECUTIONS[2], limits_hit=("memory",), output="forged", isolation="forged")
    limits = load("autograph").limits

    run = execution._parse_results(codec.CHECK_RUN.dumps(CheckRun(claimed, CHECKS)), "")
    done = execution._execution(run, "what was printed", Facts(), "bubblewrap", limits)

    assert done.checks == CHECKS
    measured = dataclasses.replace(claimed, output="what was printed", isolation="bubblewrap", limits_hit=())
    assert done.summary == measured
    hit = execution._execution(run, "", Facts(pids_limit_hits=1), "", limits).summary
    assert hit.limits_hit == ("processes",) and hit.message.endswith(claimed.message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the check process wrote no readable results; its log ends:\nTraceback"),
        ("[" * 200_000, "the check process wrote no readable results; its log ends:\nTraceback"),
        ('{"schema_version": 1, "execution": {}, "checks": [], "collection_errors": []}',
         "the check process wrote results in an unknown format"),
        (json.dumps({**codec.CHECK_RUN.encode(CHECK_RUNS[0]), "checks": [{"name": "x"}]}),
         "the check process wrote malformed results: check process results.checks[0]: missing field 'question'"),
        (codec.CHECK_RUN.dumps(CheckRun(EXECUTIONS[0], (), ("test_q1.py: SyntaxError", "test_q2.py: ImportError"))),
         "the checks could not be loaded:\ntest_q1.py: SyntaxError\ntest_q2.py: ImportError"),
    ],
    ids=["empty", "nested too deep", "older layout", "malformed", "checks that do not load"],
)
def test_results_the_grader_cannot_trust_are_a_grader_error(text: str, message: str) -> None:
    from autograder.grading.execution import GraderError, _parse_results

    with pytest.raises(GraderError) as caught:
        _parse_results(text, "Traceback")

    assert str(caught.value) == message
