"""Reusing earlier results: a batch regrades only what changed.

A result can be reused when the submission's bytes and everything that decides its grade hash the
same as when it was graded. What decides a grade is kept as two hashes, so that a rerun can say
why a score changed (:mod:`autograder.reports.changes`): the assignment's config, the packages its
notebooks may import and its checks (``checks_sha256``), and the grader's own code
(``grader_sha256``). A report written before the split has one ``grading_sha256``; it never
matches, so its submission is simply graded again.

The hashes are stored in the submission's report.json, which is written last and atomically, so
an interrupted run leaves either a complete report or none. Overrides are not part of any key:
they are applied afresh on every run, to reused results too.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import autograder
from autograder.core import codec
from autograder.core.results import SubmissionResult

if TYPE_CHECKING:  # only named: the CLI's help imports the cache's file names without the assignment loader
    from autograder.core.assignment import Assignment

REPORT = "report.json"
SUBMISSION_KEY, CHECKS_KEY, GRADER_KEY = "submission_sha256", "checks_sha256", "grader_sha256"
LANGUAGE_KEY = "language"


def checks_key(assignment: Assignment) -> str:
    """Hash of the assignment's part of a grade: assignment.toml (less its late rule), the packages it
    allows, and the checks."""
    named: list[tuple[str, Path]] = []
    # Its translations of hints and check messages (docs/languages.md) are in its feedback too.
    for pattern in ("checks/**/*.py", "locale/*/LC_MESSAGES/*.po"):
        named += [(str(p.relative_to(assignment.root)), p) for p in sorted(assignment.root.glob(pattern))]
    # What the notebooks may import comes from course.toml too, outside the assignment's folder.
    packages = b"packages\0" + "\n".join(assignment.packages).encode()
    return _hash(named, extra=b"assignment.toml\0" + _settings(assignment.root / "assignment.toml") + packages)


def _settings(config: Path) -> bytes:
    """assignment.toml as what it says, less ``[late]``: a new deadline or rule changes no check's verdict
    (the penalty is applied to every result, reused ones too), so it must not regrade the class."""
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    data.pop("late", None)
    return json.dumps(data, sort_keys=True, default=str).encode()


def grader_key() -> str:
    """Hash of the grader's source: every file of the installed package."""
    return _hash((f"autograder/{p.relative_to(autograder.PACKAGE)}", p) for p in autograder.package_files())


def grading_keys(assignment: Assignment) -> dict[str, str]:
    """What decides a grade besides the submission; computed once per batch."""
    keys = {CHECKS_KEY: checks_key(assignment), GRADER_KEY: grader_key()}
    # The feedback's language: the notebook's own choice is in its bytes, the assignment's default in
    # assignment.toml; only the command's --lang is outside both (and absent, old reports still match).
    return keys | ({LANGUAGE_KEY: assignment.requested_language} if assignment.requested_language else {})


def _hash(named: Iterable[tuple[str, Path]], extra: bytes = b"") -> str:
    digest = hashlib.sha256()
    for name, path in named:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(extra)
    return digest.hexdigest()


def submission_key(path: Path, data: bytes | None = None) -> str:
    """The submission's hash: of ``data``, its bytes as the caller read them to grade, else of the file read now."""
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def keys(path: Path, grading: Mapping[str, str], data: bytes | None = None) -> dict[str, str]:
    return {SUBMISSION_KEY: submission_key(path, data), **grading}


def stored(folder: Path) -> codec.Report | None:
    """The report an earlier run left in ``folder``; None if there is none or this tfgrade cannot read it."""
    try:
        return codec.REPORT.loads((folder / REPORT).read_bytes())
    except (OSError, codec.DecodeError):
        return None


def reusable_result(report: codec.Report | None, wanted: Mapping[str, str]) -> SubmissionResult | None:
    """The stored result, if the stored keys match and it was not a grader error."""
    if report is None or report.cache != wanted or report.result.status == "grader_error":
        return None
    return report.result


def reusable(folder: Path, wanted: Mapping[str, str]) -> SubmissionResult | None:
    """The result stored in ``folder`` if it can be reused; a report that cannot be read is simply graded again."""
    return reusable_result(stored(folder), wanted)


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
