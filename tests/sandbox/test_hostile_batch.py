"""A real batch of hostile submission files, graded together with honest ones through the sandbox.

`tfgrade grade` runs once (module fixture, two at a time, the real sandbox) on a folder holding
hostile files next to correct notebooks: zips with an encrypted member, a corrupt deflate stream,
a lying size, too many members or a ``..`` name; notebooks named like the batch's own files;
notebooks too deep, too long, not UTF-8 or not a JSON object; notebooks that attack the channel
or answer slowly. The batch must finish with exit code 0 (no grader error), write grades.csv and
the class report, give every file a row that scores exactly what its honest part earns, and
leave nothing running.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder import cli
from autograder.sandbox import launcher as sandbox
from tests import hostile_files
from tests.conftest import NOTEBOOKS
from tests.sandbox import leftover_cgroups, leftover_processes, settled

if not sandbox.detect().isolated:
    pytest.skip("the hostile batch needs the sandbox, which is off", allow_module_level=True)

pytestmark = pytest.mark.slow

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"
ATTACKS = NOTEBOOKS / "attacks"


@dataclass(frozen=True)
class Expected:
    status: str
    score: float
    words: str = ""
    """Part of the row's message (rejections) or of a check's message."""


FULL = Expected("graded", 3)
EXPECTED = {
    "correct.ipynb": FULL,
    "grades.csv.ipynb": FULL,
    "class.html.ipynb": FULL,
    "submissions.ipynb": FULL,
    "honest.zip": FULL,
    "forty-thousand-cells.ipynb": FULL,
    "npy-negative-dims.ipynb": Expected("graded", 0, "could not read (array payload has a negative"),
    "slow-answers.ipynb": Expected("graded", 2, "the checks ran out of their 30 s budget"),
    "deep-metadata.ipynb": Expected("rejected", 0, "nested more than 100 levels deep"),
    "encrypted-member.zip": Expected("rejected", 0, "password-protected"),
    "corrupt-deflate.zip": Expected("rejected", 0, "damaged zip file"),
    "lying-size.zip": Expected("rejected", 0, "damaged zip file"),
    "many-members.zip": Expected("rejected", 0, "holds 2001 files"),
    "dotdot-name.zip": Expected("rejected", 0, "unsafe name"),
    "latin1.ipynb": Expected("rejected", 0, "not a text file"),
    "not-an-object.ipynb": Expected("rejected", 0, "a list instead of an object"),
}
"""File name -> what its row must say. The honest notebooks score 3 of 3."""


def _write_submissions(folder: Path) -> None:
    honest = (ATTACKS / "correct.ipynb").read_bytes()
    files: dict[str, bytes] = {
        "correct.ipynb": honest,
        "grades.csv.ipynb": honest,
        "class.html.ipynb": honest,
        "submissions.ipynb": honest,
        "honest.zip": hostile_files.zip_of({"correct.ipynb": honest, "tfgrade-submission.json": "{}"}),
        "encrypted-member.zip": hostile_files.encrypted_zip(honest),
        "corrupt-deflate.zip": hostile_files.corrupt_deflate_zip(honest),
        "lying-size.zip": hostile_files.lying_size_zip(),
        "many-members.zip": hostile_files.many_members_zip(honest, 2000),
        "dotdot-name.zip": hostile_files.dotdot_zip(honest),
        "latin1.ipynb": honest.replace(b'"tiny"', b'"tiny\xe9"'),
        "not-an-object.ipynb": b"[1, 2, 3]",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    for name in ("npy-negative-dims", "slow-answers"):
        shutil.copy(ATTACKS / f"{name}.ipynb", folder / f"{name}.ipynb")
    hostile_files.many_cells_notebook(folder / "forty-thousand-cells.ipynb")
    hostile_files.deep_metadata_notebook(folder / "deep-metadata.ipynb")


@dataclass
class Batch:
    code: int
    out: Path
    rows: dict[str, dict[str, str]]
    leftover_processes: list[str]
    leftover_cgroups: list[str]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("graded") / "out"
    _write_submissions(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXPECTED)
    code = cli.main(["grade", str(folder), "-a", str(TINY), "-j", "2", "--out", str(out)])
    rows = {}
    if (out / "grades.csv").is_file():
        for row in csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))):
            rows[Path(row["submission"]).name] = row
    return Batch(code, out, rows, settled(leftover_processes), settled(leftover_cgroups))


def test_the_batch_finishes_without_a_grader_error_and_writes_its_files(batch: Batch) -> None:
    assert batch.code == 0
    assert {p.name for p in batch.out.iterdir()} == {"grades.csv", "class.html", "changes.csv", "checks.csv",
                                                     "submissions"}
    assert sorted(batch.rows) == sorted(EXPECTED)
    assert [name for name, row in batch.rows.items() if row["status"] == "grader_error"] == []


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_file_scores_what_its_honest_part_earns_and_says_why(batch: Batch, name: str) -> None:
    expected, row = EXPECTED[name], batch.rows[name]
    assert (row["status"], float(row["score"])) == (expected.status, expected.score), row
    report = _report(batch, name)
    messages = [report["message"], *(c["message"] for c in report["checks"])]
    assert any(expected.words in m for m in messages), messages


def test_every_file_gets_its_reports_in_a_folder_of_its_own(batch: Batch) -> None:
    folders = sorted(p.name for p in (batch.out / "submissions").iterdir())
    assert len(folders) == len(EXPECTED)
    for folder in folders:
        names = {p.name for p in (batch.out / "submissions" / folder).iterdir()}
        assert {"report.json", "student.json", "results.json", "feedback.txt"} <= names, folder


def test_nothing_outlives_the_batch(batch: Batch) -> None:
    assert batch.leftover_processes == []
    assert batch.leftover_cgroups == []


def _report(batch: Batch, name: str) -> dict:
    for folder in (batch.out / "submissions").iterdir():
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        if Path(report["submission"]).name == name:
            return report
    raise AssertionError(f"no report for {name}")
