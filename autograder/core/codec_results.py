"""The JSON layouts of a submission's result and its parts (for :mod:`autograder.core.codec`).

``CELL_ERROR``, ``CHECK``, ``EXECUTION``, ``FLAG`` and ``SUBMISSION``: the result as the grader holds it,
before any score. Layouts are the documents' schema: a change here is a change of schema version.
"""

from __future__ import annotations

from typing import get_args

from autograder.core.codec_fields import Codec, Fields, Json
from autograder.core.results import (
    FLAG_KINDS,
    CellError,
    CheckResult,
    ExecutionStatus,
    ExecutionSummary,
    IntegrityFlag,
    Outcome,
    SubmissionResult,
    SubmissionStatus,
    Visibility,
)

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
VISIBILITIES: tuple[Visibility, ...] = get_args(Visibility)
EXECUTION_STATUSES: tuple[ExecutionStatus, ...] = get_args(ExecutionStatus)
SUBMISSION_STATUSES: tuple[SubmissionStatus, ...] = get_args(SubmissionStatus)


# -- CellError --------------------------------------------------------------------------------

_CELL_ERROR_KEYS = ("cell", "error")
_CELL_ERROR_OPTIONAL = ("hint",)
"""The grader adds it from the table of habits (``core/habits.py``); reports written before it have none."""


def _encode_cell_error(error: CellError) -> Json:
    # Written only when there is one, so an error without a hint keeps the layout it always had.
    return {"cell": error.cell, "error": error.error, **({"hint": error.hint} if error.hint else {})}


def _read_cell_error(f: Fields) -> CellError:
    f.expect_keys(_CELL_ERROR_KEYS, _CELL_ERROR_OPTIONAL)
    return CellError(cell=f.integer("cell"), error=f.text("error"), hint=f.text("hint") if "hint" in f.data else "")


CELL_ERROR: Codec[CellError] = Codec("cell error", _encode_cell_error, _read_cell_error)


# -- CheckResult ------------------------------------------------------------------------------

_CHECK_KEYS = ("name", "question", "points", "earned", "outcome", "message", "visibility", "details")
_CHECK_OPTIONAL = ("requirement", "hint")
"""The grader adds these from the assignment's requirements table; the check process leaves them out."""


def _encode_check(check: CheckResult) -> Json:
    return {
        "name": check.name,
        "question": check.question,
        "points": check.points,
        "earned": check.earned,
        "outcome": check.outcome,
        "message": check.message,
        "visibility": check.visibility,
        "details": check.details,
        # Written only when set, so a check outside any requirements table keeps the layout it always had.
        **{key: value for key, value in (("requirement", check.requirement), ("hint", check.hint)) if value},
    }


def _read_check(f: Fields) -> CheckResult:
    f.expect_keys(_CHECK_KEYS, _CHECK_OPTIONAL)
    return CheckResult(
        name=f.text("name"),
        question=f.text("question"),
        points=f.number("points"),
        earned=f.number("earned"),
        outcome=f.choice("outcome", OUTCOMES),
        message=f.text("message"),
        visibility=f.choice("visibility", VISIBILITIES),
        details=f.text("details"),
        requirement=f.text("requirement") if "requirement" in f.data else "",
        hint=f.text("hint") if "hint" in f.data else "",
    )


CHECK: Codec[CheckResult] = Codec("check result", _encode_check, _read_check)


# -- ExecutionSummary: one layout, in the check process's document and in report.json --------

_EXECUTION_KEYS = ("status", "message", "cell_errors", "limits_hit", "missing_names", "output", "isolation")


def _encode_execution(summary: ExecutionSummary) -> Json:
    return {
        "status": summary.status,
        "message": summary.message,
        "cell_errors": [CELL_ERROR.encode(e) for e in summary.cell_errors],
        "limits_hit": list(summary.limits_hit),
        "missing_names": list(summary.missing_names),
        "output": summary.output,
        "isolation": summary.isolation,
    }


def _read_execution(f: Fields) -> ExecutionSummary:
    f.expect_keys(_EXECUTION_KEYS)
    return ExecutionSummary(
        status=f.choice("status", EXECUTION_STATUSES),
        message=f.text("message"),
        cell_errors=f.items("cell_errors", CELL_ERROR),
        output=f.text("output"),
        isolation=f.text("isolation"),
        limits_hit=f.texts("limits_hit"),
        missing_names=f.texts("missing_names"),
    )


EXECUTION: Codec[ExecutionSummary] = Codec("execution summary", _encode_execution, _read_execution)


# -- IntegrityFlag ----------------------------------------------------------------------------

_FLAG_KEYS = ("kind", "cell", "line", "detail")


def _encode_flag(flag: IntegrityFlag) -> Json:
    return {"kind": flag.kind, "cell": flag.cell, "line": flag.line, "detail": flag.detail}


def _read_flag(f: Fields) -> IntegrityFlag:
    f.expect_keys(_FLAG_KEYS)
    return IntegrityFlag(kind=f.choice("kind", FLAG_KINDS), cell=f.integer("cell"), line=f.integer("line"),
                         detail=f.text("detail"))


FLAG: Codec[IntegrityFlag] = Codec("integrity flag", _encode_flag, _read_flag)


# -- SubmissionResult -------------------------------------------------------------------------

SUBMISSION_HEAD = ("submission", "assignment", "status", "message")
SUBMISSION_KEYS = (*SUBMISSION_HEAD, "execution", "checks")
SUBMISSION_OPTIONAL = ("language", "flags")
"""language: absent in reports written before issue 14, and for English feedback; flags: absent before issue 19,
and when the source does not reach into the grader. Both are written only when set, so a report without them
keeps the layout it always had (``schema_version`` stays 1)."""


def _encode_submission(result: SubmissionResult) -> Json:
    return {
        "submission": result.submission,
        "assignment": result.assignment,
        "status": result.status,
        "message": result.message,
        "execution": EXECUTION.encode(result.execution),
        "checks": [CHECK.encode(c) for c in result.checks],
        # Written only when not English: a report of English feedback stays byte for byte what it was.
        **({"language": result.language} if result.language != "en" else {}),
        **({"flags": [FLAG.encode(flag) for flag in result.flags]} if result.flags else {}),
    }


def _read_submission(f: Fields) -> SubmissionResult:
    f.expect_keys(SUBMISSION_KEYS, optional=SUBMISSION_OPTIONAL)
    return SubmissionResult(
        submission=f.text("submission"),
        assignment=f.text("assignment"),
        status=f.choice("status", SUBMISSION_STATUSES),
        message=f.text("message"),
        execution=f.nested("execution", EXECUTION),
        checks=f.items("checks", CHECK),
        language=f.text("language") if "language" in f.data else "en",
        flags=f.items("flags", FLAG) if "flags" in f.data else (),
    )


SUBMISSION: Codec[SubmissionResult] = Codec("submission result", _encode_submission, _read_submission)
