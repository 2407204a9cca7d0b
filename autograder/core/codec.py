"""One JSON codec per result type, written once and used by both sides.

Who writes and who reads each layout:

=================  =================================================  ======================================
codec              written by                                         read by
=================  =================================================  ======================================
``CHECK_RUN``      the check process                                  the grader (``grading/execution.py``)
                   (``check_side/check_process.py``)
``REPORT``         the batch's report.json (``reports/formats.py``,   the cache (``core/cache.py``) and the
                   ``grading/batch.py``), a Dask worker               Dask client (``interop/distributed.py``)
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

The machinery is :mod:`autograder.core.codec_fields`; the layouts of a result's parts are
:mod:`autograder.core.codec_results` and of a score's :mod:`autograder.core.codec_scores`. This module holds
the two documents that cross a boundary whole, and re-exports every codec: callers read ``codec.X``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from autograder.core.codec_fields import Codec, DecodeError, Fields, Json, SchemaMismatch
from autograder.core.codec_results import (
    CELL_ERROR,
    CHECK,
    EXECUTION,
    FLAG,
    SUBMISSION,
    SUBMISSION_HEAD,
    SUBMISSION_KEYS,
    SUBMISSION_OPTIONAL,
)
from autograder.core.codec_scores import (
    ADJUSTMENT,
    LATE,
    LATE_FIELD,
    OVERRIDE_FIELD,
    QUESTION_SCORE,
    SCORE,
    SCORE_KEYS,
)
from autograder.core.results import SCHEMA_VERSION, CheckResult, ExecutionSummary, SubmissionResult
from autograder.core.scoring import Score

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


# -- documents --------------------------------------------------------------------------------

_CHECK_RUN_KEYS = ("schema_version", "execution", "checks", "collection_errors")


def _encode_check_run(run: CheckRun) -> Json:
    return {
        "schema_version": CHECK_RUN_SCHEMA_VERSION,
        "execution": EXECUTION.encode(run.execution),
        "checks": [CHECK.encode(c) for c in run.checks],
        "collection_errors": list(run.collection_errors),
    }


def _read_check_run(f: Fields) -> CheckRun:
    f.expect_version(CHECK_RUN_SCHEMA_VERSION)
    f.expect_keys(_CHECK_RUN_KEYS)
    return CheckRun(
        execution=f.nested("execution", EXECUTION),
        checks=f.items("checks", CHECK),
        collection_errors=f.texts("collection_errors"),
    )


CHECK_RUN: Codec[CheckRun] = Codec("check process results", _encode_check_run, _read_check_run)

_REPORT_KEYS = ("schema_version", *SUBMISSION_HEAD, *SCORE_KEYS, "execution", "checks")


def _encode_report(report: Report) -> Json:
    """docs/report-schema.md: the submission's head, its score, execution and checks, then the cache keys."""
    result = SUBMISSION.encode(report.result)
    document = {
        "schema_version": SCHEMA_VERSION,
        **{k: result[k] for k in SUBMISSION_HEAD},
        **SCORE.encode(report.score),
        "execution": result["execution"],
        "checks": result["checks"],
        **{key: result[key] for key in SUBMISSION_OPTIONAL if key in result},
    }
    return document if report.cache is None else {**document, "cache": dict(report.cache)}


def _read_report(f: Fields) -> Report:
    f.expect_version(SCHEMA_VERSION)
    f.expect_keys(_REPORT_KEYS, optional=("cache", OVERRIDE_FIELD, LATE_FIELD, *SUBMISSION_OPTIONAL))
    score_keys = (*SCORE_KEYS, *(k for k in (OVERRIDE_FIELD, LATE_FIELD) if k in f.data))
    submission_keys = (*SUBMISSION_KEYS, *(k for k in SUBMISSION_OPTIONAL if k in f.data))
    return Report(
        result=SUBMISSION.read(Fields(f.subset(submission_keys), f.where)),
        score=SCORE.read(Fields(f.subset(score_keys), f.where)),
        cache=f.text_map("cache") if "cache" in f.data else None,
    )


REPORT: Codec[Report] = Codec("report", _encode_report, _read_report)
