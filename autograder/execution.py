"""Execution behind one small interface: run a notebook's cells and the checks against them.

:class:`ProcessExecutor` is the real thing: the student's cells run in one process, the checks in
another, trusted one, joined by a socket pair; this (grader) process only starts them, keeps what
the student printed (capped), reads the check process's results from a pipe (capped), and kills
both at the end. Tests of later stages use a fake with the same ``run`` method.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from autograder.assignment import Assignment
from autograder.notebook import Notebook
from autograder.results import (
    SCHEMA_VERSION,
    CellError,
    CheckResult,
    ExecutionSummary,
    check_from_json,
)

MAX_RESULTS_BYTES = 16 * 1024 * 1024
SHUTDOWN_SLACK_SECONDS = 60.0


class GraderError(Exception):
    """The grader could not produce a trustworthy result; the message is for the instructor."""


@dataclass(frozen=True)
class Execution:
    summary: ExecutionSummary
    checks: tuple[CheckResult, ...]


class Executor(Protocol):
    def run(self, notebook: Notebook, assignment: Assignment, *, include_hidden: bool) -> Execution:
        """Execute the notebook and run the assignment's checks (public, and hidden if asked)."""
        ...


class ProcessExecutor:
    """Student process + trusted check process, as described in the module docstring."""

    def run(self, notebook: Notebook, assignment: Assignment, *, include_hidden: bool) -> Execution:
        with tempfile.TemporaryDirectory(prefix="tfgrade-") as job:
            return _run_job(Path(job), notebook, assignment, include_hidden)


def _run_job(job: Path, notebook: Notebook, assignment: Assignment, include_hidden: bool) -> Execution:
    limits = assignment.limits
    workdir = job / "student"
    workdir.mkdir()
    cells_file = job / "cells.json"
    cells_file.write_text(json.dumps({"cells": [{"cell": c.number, "source": c.source} for c in notebook.cells]}))
    student_end, checks_end = socket.socketpair()
    results_read, results_write = os.pipe()
    with student_end, checks_end:
        student = _spawn(
            ["autograder.student_process", "--fd", str(student_end.fileno()),
             "--cells", str(cells_file), "--seed", str(limits.seed),
             "--cell-seconds", str(limits.cell_seconds)],
            pass_fds=[student_end.fileno()], cwd=workdir,
        )
        check_dirs = [assignment.public_checks] + ([assignment.hidden_checks] if include_hidden else [])
        checker = _spawn(
            ["autograder.check_process", "--student-fd", str(checks_end.fileno()),
             "--results-fd", str(results_write), "--checks", *map(str, check_dirs),
             "--hidden", str(assignment.hidden_checks),
             "--notebook-seconds", str(limits.notebook_seconds),
             "--request-seconds", str(limits.request_seconds),
             "--reply-bytes", str(limits.reply_bytes)],
            pass_fds=[checks_end.fileno(), results_write], cwd=assignment.root,
        )
    os.close(results_write)
    student_output = _CappedReader(student.stdout, limits.output_bytes)
    checker_output = _CappedReader(checker.stdout, 256 * 1024)
    with os.fdopen(results_read, "rb") as results_pipe:
        results = _CappedReader(results_pipe, MAX_RESULTS_BYTES)
        try:
            _wait(checker, limits.notebook_seconds + limits.checks_seconds + SHUTDOWN_SLACK_SECONDS)
        finally:
            _kill(student)
            _kill(checker)
        document = _parse_results(results.text(), checker_output.text())
    return _execution(document, student_output.text())


def _spawn(args: list[str], *, pass_fds: list[int], cwd: Path) -> subprocess.Popen[bytes]:
    # -I: no user site, no PYTHON* variables, and the working directory is not on sys.path, so a
    # file the student planted (numpy.py, sitecustomize.py) is not imported in its place.
    return subprocess.Popen(
        [sys.executable, "-I", "-m", *args],
        pass_fds=pass_fds,
        cwd=cwd,
        env=_child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _child_env() -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "",
        "HOME": tempfile.gettempdir(),
    }


def _wait(process: subprocess.Popen[bytes], seconds: float) -> None:
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        raise GraderError(f"the checks did not finish within {seconds:g} s") from exc


def _kill(process: subprocess.Popen[bytes]) -> None:
    # SIGKILL the whole session: code that ignores SIGTERM cannot outlive the job.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


class _CappedReader:
    """Drains a pipe in a thread so the writer never blocks; keeps only the first ``limit`` bytes."""

    def __init__(self, stream: IO[bytes] | None, limit: int) -> None:
        self._chunks: list[bytes] = []
        self._kept = 0
        self._limit = limit
        self.truncated = False
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536):
            room = self._limit - self._kept
            if room > 0:
                self._chunks.append(chunk[:room])
                self._kept += min(room, len(chunk))
            if len(chunk) > room:
                self.truncated = True

    def text(self, timeout: float = 5.0) -> str:
        self._thread.join(timeout)
        text = b"".join(self._chunks).decode("utf-8", errors="replace")
        return text + ("\n[output truncated]" if self.truncated else "")


def _parse_results(text: str, checker_log: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GraderError(f"the check process wrote no readable results; its log ends:\n{checker_log[-3000:]}") from exc
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        raise GraderError("the check process wrote results in an unknown format")
    if document.get("collection_errors"):
        raise GraderError("the checks could not be loaded:\n" + "\n".join(map(str, document["collection_errors"])))
    return document


def _execution(document: dict[str, Any], output: str) -> Execution:
    try:
        raw = document["execution"]
        summary = ExecutionSummary(
            status=raw["status"],
            message=str(raw["message"]),
            cell_errors=tuple(CellError(int(e["cell"]), str(e["error"])) for e in raw["cell_errors"]),
            output=output,
        )
        checks = tuple(check_from_json(c) for c in document["checks"])
    except (KeyError, TypeError, ValueError) as exc:
        raise GraderError(f"the check process wrote malformed results: {exc}") from exc
    return Execution(summary=summary, checks=checks)
