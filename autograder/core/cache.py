"""Reusing earlier results: a batch regrades only what changed.

A result can be reused when the submission's bytes and everything that decides its grade (the
assignment's config and checks, and the grader's own code) hash the same as when it was graded.
The hashes are stored in the submission's report.json, which is written last and atomically, so
an interrupted run leaves either a complete report or none.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import autograder
from autograder.core.assignment import Assignment
from autograder.core.results import CellError, ExecutionSummary, SubmissionResult, check_from_json

REPORT = "report.json"


def grading_key(assignment: Assignment) -> str:
    """Hash of what decides a grade: assignment.toml, the checks, and the grader's source."""
    digest = hashlib.sha256()
    named = [("assignment.toml", assignment.root / "assignment.toml")]
    named += [(str(p.relative_to(assignment.root)), p) for p in sorted(assignment.root.glob("checks/**/*.py"))]
    named += [(f"autograder/{p.relative_to(autograder.PACKAGE)}", p) for p in autograder.package_files()]
    for name, path in named:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def submission_key(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def keys(path: Path, grading: str) -> dict[str, str]:
    return {"submission_sha256": submission_key(path), "grading_sha256": grading}


def reusable(folder: Path, wanted: dict[str, str]) -> SubmissionResult | None:
    """The stored result, if the stored keys match and it was not a grader error."""
    try:
        document = json.loads((folder / REPORT).read_text(encoding="utf-8"))
        if document.get("cache") != wanted or document.get("status") == "grader_error":
            return None
        return result_from_report(document)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def result_from_report(document: dict[str, Any]) -> SubmissionResult:
    execution = document["execution"]
    return SubmissionResult(
        submission=str(document["submission"]),
        assignment=str(document["assignment"]),
        status=document["status"],
        message=str(document["message"]),
        execution=ExecutionSummary(
            status=execution["status"],
            message=str(execution["message"]),
            cell_errors=tuple(CellError(int(e["cell"]), str(e["error"])) for e in execution["cell_errors"]),
            output=str(execution.get("output", "")),
            isolation=str(execution.get("isolation", "")),
            limits_hit=tuple(execution.get("limits_hit", [])),
            missing_names=tuple(execution.get("missing_names", [])),
        ),
        checks=tuple(check_from_json(c) for c in document["checks"]),
    )


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
