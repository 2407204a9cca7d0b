"""Reusing earlier results: a batch regrades only what changed.

A result can be reused when the submission's bytes and everything that decides its grade (the
assignment's config and checks, and the grader's own code) hash the same as when it was graded.
The hashes are stored in the submission's report.json, which is written last and atomically, so
an interrupted run leaves either a complete report or none.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import autograder
from autograder.core import codec
from autograder.core.assignment import Assignment
from autograder.core.results import SubmissionResult

REPORT = "report.json"


def grading_key(assignment: Assignment) -> str:
    """Hash of what decides a grade: assignment.toml, the packages it allows, the checks, and the grader's source."""
    digest = hashlib.sha256()
    named = [("assignment.toml", assignment.root / "assignment.toml")]
    named += [(str(p.relative_to(assignment.root)), p) for p in sorted(assignment.root.glob("checks/**/*.py"))]
    named += [(f"autograder/{p.relative_to(autograder.PACKAGE)}", p) for p in autograder.package_files()]
    for name, path in named:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    # What the notebooks may import comes from course.toml too, outside the assignment's folder.
    digest.update(b"packages\0" + "\n".join(assignment.packages).encode())
    return digest.hexdigest()


def submission_key(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def keys(path: Path, grading: str) -> dict[str, str]:
    return {"submission_sha256": submission_key(path), "grading_sha256": grading}


def reusable(folder: Path, wanted: dict[str, str]) -> SubmissionResult | None:
    """The stored result, if the stored keys match and it was not a grader error.

    A report that cannot be read (another schema version, damaged, not a report) is simply graded again.
    """
    try:
        stored = codec.REPORT.loads((folder / REPORT).read_bytes())
    except (OSError, codec.DecodeError):
        return None
    if stored.cache != wanted or stored.result.status == "grader_error":
        return None
    return stored.result


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
