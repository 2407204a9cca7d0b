"""`tfgrade submit` zips the bytes it checked, never the file as saved again since (pure, no grading)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from autograder.students import submission


def test_the_zip_carries_the_checked_bytes_even_when_the_file_changed_since(tmp_path: Path) -> None:
    path = tmp_path / "hw.ipynb"
    path.write_text('{"saved": "after the check"}')
    checked = b'{"saved": "when checked"}'
    readiness = submission.Readiness(path, "autograph", None, (), data=checked)

    zipped = submission.package(readiness, tmp_path / "hw-submission.zip")

    with zipfile.ZipFile(zipped) as archive:
        assert archive.read("hw.ipynb") == checked
