"""Reusing stored reports: only a readable report of this schema with the same keys is reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import autograph_checks, submission_result

from autograder.core import cache, codec
from autograder.core.assignment import load
from autograder.core.results import SubmissionStatus
from autograder.core.scoring import score

KEYS = {"submission_sha256": "a" * 64, "checks_sha256": "b" * 64, "grader_sha256": "d" * 64}


def store(folder: Path, status: SubmissionStatus = "graded", keys: dict[str, str] | None = None) -> codec.Report:
    result = submission_result(*autograph_checks("q2_hidden"), status=status)
    report = codec.Report(result, score(result, load("autograph").questions), cache=KEYS if keys is None else keys)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / cache.REPORT).write_text(codec.REPORT.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def test_a_stored_report_with_the_same_keys_gives_back_its_result(tmp_path: Path) -> None:
    report = store(tmp_path)

    assert cache.reusable(tmp_path, KEYS) == report.result


def test_other_keys_or_a_grader_error_are_graded_again(tmp_path: Path) -> None:
    store(tmp_path / "changed")
    store(tmp_path / "failed", status="grader_error")
    store(tmp_path / "dask", keys={})

    assert cache.reusable(tmp_path / "changed", {**KEYS, "checks_sha256": "c" * 64}) is None
    assert cache.reusable(tmp_path / "failed", KEYS) is None
    assert cache.reusable(tmp_path / "dask", KEYS) is None
    assert cache.reusable(tmp_path / "nothing-here", KEYS) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: {**d, "schema_version": 0},  # an older tfgrade's layout
        lambda d: {**d, "schema_version": 2},  # a newer one's
        lambda d: {**d, "checks": [{**d["checks"][0], "outcome": "maybe"}]},
        lambda d: {k: v for k, v in d.items() if k != "execution"},
        lambda d: [d],
    ],
    ids=["older schema", "newer schema", "unknown outcome", "no execution", "not an object"],
)
def test_a_report_this_tfgrade_cannot_read_is_graded_again_not_crashed_on(tmp_path: Path, damage) -> None:
    store(tmp_path)
    document = json.loads((tmp_path / cache.REPORT).read_text(encoding="utf-8"))
    (tmp_path / cache.REPORT).write_text(json.dumps(damage(document)), encoding="utf-8")

    assert cache.reusable(tmp_path, KEYS) is None


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe\x00", b"[" * 100_000], ids=["empty", "cut", "binary", "deep"])
def test_a_damaged_report_file_is_graded_again(tmp_path: Path, raw: bytes) -> None:
    (tmp_path / cache.REPORT).write_bytes(raw)

    assert cache.reusable(tmp_path, KEYS) is None


def test_a_new_deadline_or_late_rule_regrades_nothing_but_a_new_question_does(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text("{}")
    config = tmp_path / "assignment.toml"
    config.write_text('name = "a"\nnotebook = "a.ipynb"\n[questions]\nq1 = { points = 2 }\n')
    before = cache.checks_key(load(tmp_path))
    config.write_text(config.read_text() + '[late]\ndeadline = 2026-12-01T23:59:00Z\nper_day = 10\n')
    assert cache.checks_key(load(tmp_path)) == before
    config.write_text(config.read_text().replace("q1 = { points = 2 }", "q1 = { points = 3 }"))
    assert cache.checks_key(load(tmp_path)) != before
