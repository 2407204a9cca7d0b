"""Loading a submitted notebook: what is rejected (and what the student is told), and magics."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from factories import code, markdown, write_notebook

from autograder import notebook
from autograder.notebook import Cell, NotebookRejected, load


def rejection(path: Path, expected: str | None = "autograph") -> str:
    with pytest.raises(NotebookRejected) as caught:
        load(path, expected)
    return str(caught.value)


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- rejected files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b'{"cells": [', b"print('hello')\n", b""],
    ids=["truncated-json", "python-source", "empty-file"],
)
def test_text_that_is_not_json_is_rejected(tmp_path: Path, data: bytes) -> None:
    message = rejection(write_bytes(tmp_path / "hw.ipynb", data))

    assert message.startswith("hw.ipynb is not a Jupyter notebook (it is not valid notebook JSON)")
    assert "Save your work from Jupyter as .ipynb" in message


def test_binary_file_is_rejected(tmp_path: Path) -> None:
    message = rejection(write_bytes(tmp_path / "photo.ipynb", bytes(range(256))))

    assert message == "photo.ipynb is not a text file, so it cannot be a notebook."


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"{}", "ValidationError"), (b"[1, 2]", "AttributeError"), (b'{"cells": "x", "nbformat": 4}', "")],
    ids=["empty-object", "json-list", "wrong-shape"],
)
def test_json_that_is_not_a_notebook_is_damaged(tmp_path: Path, data: bytes, reason: str) -> None:
    message = rejection(write_bytes(tmp_path / "hw.ipynb", data))

    assert message.startswith("hw.ipynb is damaged: it is JSON but not a valid notebook (")
    assert reason in message
    assert "Open it in Jupyter, save it again, and resubmit." in message


def test_notebook_without_cells_is_rejected(tmp_path: Path) -> None:
    message = rejection(write_notebook(tmp_path / "blank.ipynb"))

    assert message == "blank.ipynb has no code in it. Did you submit the right file?"


def test_notebook_with_only_markdown_and_blank_code_is_rejected(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "prose.ipynb", markdown("# Answers"), "   \n", markdown("text"))

    assert "prose.ipynb has no code in it" in rejection(path)


def test_notebook_of_another_assignment_names_both(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "hw.ipynb", "x = 1", assignment="functional")

    message = rejection(path, "autograph")

    assert "hw.ipynb is the notebook for assignment 'functional', not 'autograph'" in message
    assert "Submit the notebook of this assignment." in message


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.ipynb"

    assert rejection(path) == f"{path} is not a file that can be read."


def test_folder_is_rejected(tmp_path: Path) -> None:
    assert rejection(tmp_path) == f"{tmp_path} is not a file that can be read."


def test_oversized_file_is_rejected_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notebook, "MAX_NOTEBOOK_BYTES", 3 * 2**20)
    path = write_bytes(tmp_path / "big.ipynb", b" " * (3 * 2**20 + 1))

    message = rejection(path)

    assert message.startswith("big.ipynb is larger than 3 MB.")
    assert "Clear its outputs" in message


# -- accepted notebooks -----------------------------------------------------------------------


def test_any_assignment_is_accepted_when_none_is_expected(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "hw.ipynb", "x = 1", assignment="functional")

    loaded = load(path, expected_assignment=None)

    assert loaded.assignment == "functional"
    assert loaded.path == path


def test_notebook_without_metadata_is_accepted_for_any_assignment(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "hw.ipynb", "x = 1", assignment=None)

    assert load(path, "autograph").assignment is None


def test_cell_numbers_count_every_cell_from_one(tmp_path: Path) -> None:
    path = write_notebook(
        tmp_path / "hw.ipynb",
        markdown("# Title"),
        "a = 1",
        markdown("## Q1"),
        "",
        code("b = a + 1"),
    )

    loaded = load(path, "autograph")

    assert loaded.cells == (Cell(2, "a = 1\n"), Cell(5, "b = a + 1\n"))


def test_older_notebook_format_is_upgraded(tmp_path: Path) -> None:
    v3 = nbformat.v3.new_notebook(
        worksheets=[nbformat.v3.new_worksheet(cells=[nbformat.v3.new_code_cell(input="x = 1")])]
    )
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.writes(v3, version=3), encoding="utf-8")

    assert load(path, None).cells == (Cell(1, "x = 1\n"),)


# -- IPython-only lines -----------------------------------------------------------------------


def test_line_magics_and_shell_lines_become_pass_and_the_rest_is_kept(tmp_path: Path) -> None:
    source = "%matplotlib inline\nimport math\nif True:\n    !pip list\n    y = math.pi\n"
    path = write_notebook(tmp_path / "hw.ipynb", source)

    (cell,) = load(path, "autograph").cells

    assert cell.source.splitlines() == [
        "pass  # tfgrade: skipped: %matplotlib inline",
        "import math",
        "if True:",
        "    pass  # tfgrade: skipped: !pip list",
        "    y = math.pi",
    ]
    compile(cell.source, "cell", "exec")


def test_cell_magic_first_line_becomes_pass_and_the_body_is_kept(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "hw.ipynb", "%%time\ntotal = sum(range(10))\nprint(total)")

    (cell,) = load(path, "autograph").cells

    assert cell.source == "pass  # tfgrade: cell magic skipped\ntotal = sum(range(10))\nprint(total)\n"


def test_plain_python_is_left_alone(tmp_path: Path) -> None:
    source = "ratio = 10 % 3\nflag = not (1 != 2)\ntext = '%d items' % 3"
    path = write_notebook(tmp_path / "hw.ipynb", source)

    assert load(path, "autograph").cells[0].source == source + "\n"


def test_continuation_line_starting_with_an_operator_stays_python(tmp_path: Path) -> None:
    source = "same = (1\n        != 2)\n"
    path = write_notebook(tmp_path / "hw.ipynb", source)

    (cell,) = load(path, "autograph").cells

    compile(cell.source, "cell", "exec")
    assert cell.source == source
