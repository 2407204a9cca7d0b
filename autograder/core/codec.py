"""One JSON codec per result type, written once and used by both sides.

Who writes and who reads each layout:

=================  =================================================  ======================================
codec              written by                                         read by
=================  =================================================  ======================================
``CHECK_RUN``      the check process (``channel/check_process.py``)   the grader (``core/execution.py``)
``REPORT``         the batch's report.json (``reports/formats.py``,   the cache (``core/cache.py``) and the
                   ``core/batch.py``), a Dask worker                  Dask client (``interop/distributed.py``)
``SUBMISSION``,    parts of the two above; student.json is the report with hidden details taken out
``EXECUTION``,     (``reports/formats.py``)
``CHECK``,
``CELL_ERROR``,
``FLAG``,
``SCORE``,
``QUESTION_SCORE``,
``ADJUSTMENT``
=================  =================================================  ======================================

Each codec has ``encode(value) -> dict`` and ``decode(data) -> value`` for JSON-ready objects, and
``dumps``/``loads`` for JSON text; ``loads(dumps(v)) == v`` for every value. The execution summary
has one layout everywhere: the check process writes all of its fields (those it cannot know, such as
``output``, empty) and the grader replaces what it measures itself.

Decoding fails closed. A missing or unknown field, a value of the wrong JSON type (``true`` is not a
number), an outcome, status or visibility outside its set, JSON nested too deep, or a document of
another schema version raises :class:`DecodeError`, whose message names the field
(``checks[2].outcome``); nothing half-read is ever returned. Numbers may be ``NaN`` or infinite,
as Python's ``json`` writes them: scoring, not decoding, decides what such a check earns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_args

from autograder.core.results import (
    FLAG_KINDS,
    SCHEMA_VERSION,
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
from autograder.core.scoring import Adjustment, LatePenalty, QuestionScore, Score
from autograder.errors import TfgradeError

__all__ = [
    "ADJUSTMENT",
    "LATE",
    "CELL_ERROR",
    "CHECK",
    "CHECK_RUN",
    "CHECK_RUN_SCHEMA_VERSION",
    "EXECUTION",
    "FLAG",
    "QUESTION_SCORE",
    "REPORT",
    "SCORE",
    "SUBMISSION",
    "CheckRun",
    "Codec",
    "DecodeError",
    "Report",
    "SchemaMismatch",
]

CHECK_RUN_SCHEMA_VERSION = 2
"""The check process's results document. 1 had an execution summary without ``limits_hit``,
``output`` and ``isolation``; 2 has the one layout of :data:`EXECUTION`. (The report's version is
:data:`autograder.core.results.SCHEMA_VERSION`.)"""

Json = dict[str, Any]
T = TypeVar("T")
Choice = TypeVar("Choice", bound=str)

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
VISIBILITIES: tuple[Visibility, ...] = get_args(Visibility)
EXECUTION_STATUSES: tuple[ExecutionStatus, ...] = get_args(ExecutionStatus)
SUBMISSION_STATUSES: tuple[SubmissionStatus, ...] = get_args(SubmissionStatus)


class DecodeError(TfgradeError, ValueError):
    """JSON that is not a valid document of the expected type; the message names the field."""


class SchemaMismatch(DecodeError):
    """A document of another schema version: an older or newer tfgrade wrote it."""


@dataclass(frozen=True)
class CheckRun:
    """What the check process sends the grader: the notebook's run as it saw it, and every check."""

    execution: ExecutionSummary
    checks: tuple[CheckResult, ...]
    collection_errors: tuple[str, ...] = ()
    """pytest could not load these check files (then no score can be trusted)."""


@dataclass(frozen=True)
class Report:
    """The instructor's report.json: a submission's result, its score, and (in a batch) the cache keys."""

    result: SubmissionResult
    score: Score
    cache: Mapping[str, str] | None = None
    """What a rerun compares (``core/cache.py``); a Dask worker's report has none."""


@dataclass(frozen=True)
class Codec(Generic[T]):
    """The JSON layout of one type: ``encode`` to a JSON-ready dict, ``decode`` back (or DecodeError)."""

    what: str
    """The document's name in error messages when it is decoded on its own, e.g. ``report``."""
    encode: Callable[[T], Json]
    read: Callable[[_Fields], T]

    def decode(self, data: object, where: str = "") -> T:
        return self.read(_Fields(data, where or self.what))

    def dumps(self, value: T, *, indent: int | None = None) -> str:
        return json.dumps(self.encode(value), indent=indent)

    def loads(self, text: str | bytes) -> T:
        try:
            data = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
        except RecursionError as exc:
            raise DecodeError(f"{self.what}: the JSON is nested too deep to read") from exc
        except ValueError as exc:  # JSONDecodeError, bad UTF-8, a number of too many digits
            raise DecodeError(f"{self.what}: not valid JSON ({exc})") from exc
        return self.decode(data)


class _Fields:
    """One JSON object being decoded; every accessor checks the type and names the field if it is wrong."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise DecodeError(f"{where}: expected an object, got {_kind(data)}")
        self.data: dict[str, Any] = data
        self.where = where

    def expect_keys(self, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> _Fields:
        missing = [k for k in required if k not in self.data]
        if missing:
            raise DecodeError(f"{self.where}: missing field {missing[0]!r}")
        unknown = sorted(k for k in self.data if k not in required and k not in optional)
        if unknown:
            raise DecodeError(f"{self.where}: unknown field {unknown[0]!r}")
        return self

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}"

    def text(self, key: str) -> str:
        return _text(self.data[key], self._at(key))

    def number(self, key: str) -> float:
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DecodeError(f"{self._at(key)}: expected a number, got {_kind(value)}")
        return float(value)

    def integer(self, key: str) -> int:
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise DecodeError(f"{self._at(key)}: expected a whole number, got {_kind(value)}")
        return value

    def choice(self, key: str, options: tuple[Choice, ...]) -> Choice:
        value = self.text(key)
        for option in options:
            if value == option:
                return option
        allowed = ", ".join(repr(o) for o in options)
        raise DecodeError(f"{self._at(key)}: expected one of {allowed}, got {value[:80]!r}")

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(_text(item, f"{self._at(key)}[{i}]") for i, item in enumerate(self._list(key)))

    def items(self, key: str, codec: Codec[T]) -> tuple[T, ...]:
        return tuple(codec.decode(item, f"{self._at(key)}[{i}]") for i, item in enumerate(self._list(key)))

    def nested(self, key: str, codec: Codec[T]) -> T:
        return codec.decode(self.data[key], self._at(key))

    def text_map(self, key: str) -> dict[str, str]:
        inner = _Fields(self.data[key], self._at(key))
        return {k: inner.text(k) for k in inner.data}

    def subset(self, keys: tuple[str, ...]) -> dict[str, Any]:
        return {k: self.data[k] for k in keys}

    def _list(self, key: str) -> list[Any]:
        value = self.data[key]
        if not isinstance(value, list):
            raise DecodeError(f"{self._at(key)}: expected a list, got {_kind(value)}")
        return value

    def expect_version(self, version: int) -> None:
        found = self.data.get("schema_version")
        if isinstance(found, bool) or found != version:
            raise SchemaMismatch(f"{self.where}: schema_version {found!r}, this tfgrade reads {version}")


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise DecodeError(f"{where}: expected a string, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "a list", str: "a string", bool: "true or false",
                              int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


# -- CellError --------------------------------------------------------------------------------

_CELL_ERROR_KEYS = ("cell", "error")
_CELL_ERROR_OPTIONAL = ("hint",)
"""The grader adds it from the table of habits (``core/habits.py``); reports written before it have none."""


def _encode_cell_error(error: CellError) -> Json:
    # Written only when there is one, so an error without a hint keeps the layout it always had.
    return {"cell": error.cell, "error": error.error, **({"hint": error.hint} if error.hint else {})}


def _read_cell_error(f: _Fields) -> CellError:
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


def _read_check(f: _Fields) -> CheckResult:
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


def _read_execution(f: _Fields) -> ExecutionSummary:
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


def _read_flag(f: _Fields) -> IntegrityFlag:
    f.expect_keys(_FLAG_KEYS)
    return IntegrityFlag(kind=f.choice("kind", FLAG_KINDS), cell=f.integer("cell"), line=f.integer("line"),
                         detail=f.text("detail"))


FLAG: Codec[IntegrityFlag] = Codec("integrity flag", _encode_flag, _read_flag)


# -- SubmissionResult -------------------------------------------------------------------------

_SUBMISSION_HEAD = ("submission", "assignment", "status", "message")
_SUBMISSION_KEYS = (*_SUBMISSION_HEAD, "execution", "checks")
_SUBMISSION_OPTIONAL = ("language", "flags")
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


def _read_submission(f: _Fields) -> SubmissionResult:
    f.expect_keys(_SUBMISSION_KEYS, optional=_SUBMISSION_OPTIONAL)
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


# -- Score and QuestionScore: "score" is what was earned, "max_score" what was possible ----------

_QUESTION_SCORE_KEYS = ("question", "title", "score", "max_score")
_SCORE_KEYS = ("score", "max_score", "questions")
_OVERRIDE = "override"
"""Optional on a question and on the whole score: written only when an instructor's override applies,
so a score without one keeps the layout it always had, and reports written before overrides read as before."""
_ADJUSTMENT_KEYS = ("automatic", "points", "reason")


def _encode_adjustment(adjustment: Adjustment) -> Json:
    return {"automatic": adjustment.automatic, "points": adjustment.change, "reason": adjustment.reason}


def _read_adjustment(f: _Fields) -> Adjustment:
    f.expect_keys(_ADJUSTMENT_KEYS)
    return Adjustment(automatic=f.number("automatic"), change=f.text("points"), reason=f.text("reason"))


ADJUSTMENT: Codec[Adjustment] = Codec("override", _encode_adjustment, _read_adjustment)


def _override_field(adjustment: Adjustment | None) -> Json:
    return {} if adjustment is None else {_OVERRIDE: ADJUSTMENT.encode(adjustment)}


def _read_override(f: _Fields) -> Adjustment | None:
    return f.nested(_OVERRIDE, ADJUSTMENT) if _OVERRIDE in f.data else None


def _encode_question_score(q: QuestionScore) -> Json:
    return {"question": q.question, "title": q.title, "score": q.earned, "max_score": q.points,
            **_override_field(q.override), **({_MANUAL: True} if q.manual else {})}


def _read_question_score(f: _Fields) -> QuestionScore:
    f.expect_keys(_QUESTION_SCORE_KEYS, (_OVERRIDE, _MANUAL))
    return QuestionScore(
        question=f.text("question"), title=f.text("title"), earned=f.number("score"), points=f.number("max_score"),
        override=_read_override(f), manual=f.data.get(_MANUAL) is True,
    )


_MANUAL = "manual"
"""Present (true) only on a hand-graded question's score."""


QUESTION_SCORE: Codec[QuestionScore] = Codec("question score", _encode_question_score, _read_question_score)


_LATE = "late"
"""Optional on the whole score, like an override: written only for a submission a late penalty applies to."""
_LATE_NUMBERS = ("percent", "taken", "per_day", "per_hour", "cap", "grace_minutes")
_LATE_TEXTS = ("submitted", "deadline", "waived", "change")


def _encode_late(late: LatePenalty) -> Json:
    return {key: getattr(late, key) for key in (*_LATE_TEXTS, *_LATE_NUMBERS)}


def _read_late(f: _Fields) -> LatePenalty:
    f.expect_keys((*_LATE_TEXTS, *_LATE_NUMBERS))
    return LatePenalty(
        submitted=f.text("submitted"), deadline=f.text("deadline"), percent=f.number("percent"),
        taken=f.number("taken"), per_day=f.number("per_day"), per_hour=f.number("per_hour"), cap=f.number("cap"),
        grace_minutes=f.number("grace_minutes"), waived=f.text("waived"), change=f.text("change"),
    )


LATE: Codec[LatePenalty] = Codec("late penalty", _encode_late, _read_late)


def _encode_score(score: Score) -> Json:
    return {
        "score": score.earned,
        "max_score": score.points,
        "questions": [QUESTION_SCORE.encode(q) for q in score.questions],
        **_override_field(score.override),
        **({} if score.late is None else {_LATE: LATE.encode(score.late)}),
    }


def _read_score(f: _Fields) -> Score:
    f.expect_keys(_SCORE_KEYS, (_OVERRIDE, _LATE))
    return Score(earned=f.number("score"), points=f.number("max_score"), questions=f.items("questions", QUESTION_SCORE),
                 override=_read_override(f), late=f.nested(_LATE, LATE) if _LATE in f.data else None)


SCORE: Codec[Score] = Codec("score", _encode_score, _read_score)


# -- documents --------------------------------------------------------------------------------

_CHECK_RUN_KEYS = ("schema_version", "execution", "checks", "collection_errors")


def _encode_check_run(run: CheckRun) -> Json:
    return {
        "schema_version": CHECK_RUN_SCHEMA_VERSION,
        "execution": EXECUTION.encode(run.execution),
        "checks": [CHECK.encode(c) for c in run.checks],
        "collection_errors": list(run.collection_errors),
    }


def _read_check_run(f: _Fields) -> CheckRun:
    f.expect_version(CHECK_RUN_SCHEMA_VERSION)
    f.expect_keys(_CHECK_RUN_KEYS)
    return CheckRun(
        execution=f.nested("execution", EXECUTION),
        checks=f.items("checks", CHECK),
        collection_errors=f.texts("collection_errors"),
    )


CHECK_RUN: Codec[CheckRun] = Codec("check process results", _encode_check_run, _read_check_run)

_REPORT_KEYS = ("schema_version", *_SUBMISSION_HEAD, *_SCORE_KEYS, "execution", "checks")


def _encode_report(report: Report) -> Json:
    """docs/report-schema.md: the submission's head, its score, execution and checks, then the cache keys."""
    result = SUBMISSION.encode(report.result)
    document = {
        "schema_version": SCHEMA_VERSION,
        **{k: result[k] for k in _SUBMISSION_HEAD},
        **SCORE.encode(report.score),
        "execution": result["execution"],
        "checks": result["checks"],
        **{key: result[key] for key in _SUBMISSION_OPTIONAL if key in result},
    }
    return document if report.cache is None else {**document, "cache": dict(report.cache)}


def _read_report(f: _Fields) -> Report:
    f.expect_version(SCHEMA_VERSION)
    f.expect_keys(_REPORT_KEYS, optional=("cache", _OVERRIDE, _LATE, *_SUBMISSION_OPTIONAL))
    score_keys = (*_SCORE_KEYS, *(k for k in (_OVERRIDE, _LATE) if k in f.data))
    submission_keys = (*_SUBMISSION_KEYS, *(k for k in _SUBMISSION_OPTIONAL if k in f.data))
    return Report(
        result=SUBMISSION.read(_Fields(f.subset(submission_keys), f.where)),
        score=SCORE.read(_Fields(f.subset(score_keys), f.where)),
        cache=f.text_map("cache") if "cache" in f.data else None,
    )


REPORT: Codec[Report] = Codec("report", _encode_report, _read_report)
