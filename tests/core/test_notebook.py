"""Loading a submitted notebook: what is rejected (and what the student is told); cells kept as written."""

from __future__ import annotations

import json
from pathlib import Path

import hostile_files
import nbformat
import pytest
from factories import code, markdown, write_notebook

from autograder.core import notebook
from autograder.core.notebook import Cell, NotebookRejected, load


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
    [(b"{}", "ValidationError"), (b"[1, 2]", "a list instead of an object"), (b'{"cells": "x", "nbformat": 4}', "")],
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

    assert loaded.cells == (Cell(2, "a = 1"), Cell(5, "b = a + 1"))


def test_older_notebook_format_is_upgraded(tmp_path: Path) -> None:
    v3 = nbformat.v3.new_notebook(
        worksheets=[nbformat.v3.new_worksheet(cells=[nbformat.v3.new_code_cell(input="x = 1")])]
    )
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.writes(v3, version=3), encoding="utf-8")

    assert load(path, None).cells == (Cell(1, "x = 1"),)


# -- IPython syntax: kept for the student's IPython shell ------------------------------------------


@pytest.mark.parametrize("source", [
    "%matplotlib inline\nimport math\nif True:\n    !pip list\n    y = math.pi",
    "%%time\ntotal = sum(range(10))\nprint(total)",
    "x = !ls\ny = %time f()\nlen?\n%time h = model.fit(x)",
    "ratio = 10 % 3\nflag = not (1 != 2)\ntext = '%d items' % 3",
])
def test_cells_are_kept_exactly_as_written(tmp_path: Path, source: str) -> None:
    path = write_notebook(tmp_path / "hw.ipynb", source)

    (cell,) = load(path, "autograph").cells

    assert cell.source == source


# -- hostile notebooks: every one is a clear rejection, never another exception ---------------


def honest_bytes() -> bytes:
    return json.dumps(hostile_files.notebook_json(hostile_files.HONEST_TINY)).encode()


def test_metadata_nested_a_hundred_thousand_deep_is_rejected(tmp_path: Path) -> None:
    message = rejection(hostile_files.deep_metadata_notebook(tmp_path / "deep.ipynb"), "tiny")

    assert message.startswith(f"deep.ipynb holds data nested more than {notebook.MAX_JSON_DEPTH} levels deep")


def test_metadata_nested_deeper_than_nbformat_can_walk_is_rejected(tmp_path: Path) -> None:
    path = hostile_files.deep_metadata_notebook(tmp_path / "deep.ipynb", depth=notebook.MAX_JSON_DEPTH + 1)

    message = rejection(path, "tiny")

    assert f"nested more than {notebook.MAX_JSON_DEPTH} levels deep" in message
    assert "Copy your code into a fresh notebook" in message


def test_metadata_nested_within_the_limit_is_accepted(tmp_path: Path) -> None:
    path = hostile_files.deep_metadata_notebook(tmp_path / "ok.ipynb", depth=notebook.MAX_JSON_DEPTH - 5)

    assert len(load(path, "tiny").cells) == 1


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ('"just a string"', "a string instead of an object"),
        ("42", "a number instead of an object"),
        ("null", "null instead of an object"),
        ('{"cells": [{"cell_type": "code", "source": 5, "metadata": {}, "outputs": [], "execution_count": null}], '
         '"metadata": {}, "nbformat": 4, "nbformat_minor": 4}', "not a valid notebook"),
        ('{"cells": [{"cell_type": "code", "source": ["a", 1], "metadata": {}, "outputs": [], '
         '"execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}', "not a valid notebook"),
        ('{"cells": [{"cell_type": "spell", "source": "x"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}',
         "not a valid notebook"),
        ('{"cells": [], "metadata": [], "nbformat": 4, "nbformat_minor": 4}', "not a valid notebook"),
        ('{"cells": {}, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}', "not a valid notebook"),
        ('{"cells": [], "metadata": {}, "nbformat": 99, "nbformat_minor": 0}', "not a valid notebook"),
        ('{"cells": [], "metadata": {}, "nbformat": "4", "nbformat_minor": 4}', "not a valid notebook"),
        ('{"cells": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0, "worksheets": 7}', "not a valid notebook"),
        ('{"nbformat": 4, "x": ' + "9" * 5000 + "}", "not valid notebook JSON"),
    ],
    ids=["string", "number", "null", "source-an-int", "source-list-with-an-int", "unknown-cell-type",
         "metadata-a-list", "cells-a-dict", "nbformat-99", "nbformat-a-string", "v3-worksheets-an-int",
         "5000-digit-number"],
)
def test_json_of_the_wrong_shape_is_a_clear_rejection(tmp_path: Path, document: str, words: str) -> None:
    message = rejection(write_bytes(tmp_path / "odd.ipynb", document.encode()))

    assert message.startswith("odd.ipynb ")
    assert words in message


def test_latin1_text_is_not_a_notebook(tmp_path: Path) -> None:
    data = json.dumps(hostile_files.notebook_json("s = 'caf\u00e9'")).encode("utf-8").replace(b"\\u00e9", b"\xe9")

    assert rejection(write_bytes(tmp_path / "latin1.ipynb", data)) == "latin1.ipynb is not a text file, so it cannot " \
        "be a notebook."


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "bom.ipynb", b"\xef\xbb\xbf" + honest_bytes())

    assert len(load(path, "tiny").cells) == 1


@pytest.mark.slow
def test_forty_thousand_cells_load_with_their_numbers(tmp_path: Path) -> None:
    loaded = load(hostile_files.many_cells_notebook(tmp_path / "many.ipynb", 40_000), "tiny")

    assert len(loaded.cells) == 40_001
    assert loaded.cells[-1].number == 40_001


def test_a_long_assignment_name_is_cut_in_the_message(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "hw.ipynb", "x = 1", assignment="x" * 10_000)

    assert len(rejection(path)) < 300


# -- submission zips --------------------------------------------------------------------------


def test_a_zip_with_the_notebook_and_a_manifest_loads(tmp_path: Path) -> None:
    data = hostile_files.zip_of({"answers.ipynb": honest_bytes(), "tfgrade-submission.json": "{}",
                                 "__MACOSX/._answers.ipynb": b"\0"})

    assert len(load(write_bytes(tmp_path / "sub.zip", data), "tiny").cells) == 1


HOSTILE_ZIPS = {
    "encrypted-member": (hostile_files.encrypted_zip, "password-protected"),
    "corrupt-deflate-stream": (hostile_files.corrupt_deflate_zip, "damaged zip file (error)"),
    "unknown-compression": (hostile_files.unknown_method_zip, "damaged zip file (NotImplementedError)"),
    "dotdot-member-name": (hostile_files.dotdot_zip, "unsafe name ('../../answers.ipynb')"),
    "many-members": (lambda nb: hostile_files.many_members_zip(nb, 2000), "holds 2001 files"),
    "huge-table-of-contents": (lambda nb: hostile_files.many_members_zip(nb, 20_000), "holds too many files"),
    "zip64-table-the-end-record-hides": (hostile_files.zip64_lying_directory_zip, "holds too many files"),
    "member-that-claims-to-be-huge": (lambda _: hostile_files.zip_bomb(), "larger than 50 MB"),
    "member-that-lies-about-its-size": (lambda _: hostile_files.lying_size_zip(), "damaged zip file (BadZipFile)"),
    "truncated": (lambda nb: hostile_files.zip_of({"answers.ipynb": nb})[:-30], "damaged zip file"),
    "no-notebook": (lambda _: hostile_files.zip_of({"answers.py": "x = 1"}), "it holds 0 (none)"),
    "empty-zip": (lambda _: hostile_files.zip_of({}), "it holds 0 (none)"),
}


@pytest.mark.parametrize(("build", "words"), HOSTILE_ZIPS.values(), ids=HOSTILE_ZIPS.keys())
@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_hostile_zips_are_clear_rejections(tmp_path: Path, build, words: str) -> None:
    message = rejection(write_bytes(tmp_path / "sub.zip", build(honest_bytes())), "tiny")

    assert words in message
    assert message.startswith(("sub.zip ", "The notebook in sub.zip")) and message.rstrip().endswith(".")


def test_the_language_is_read_with_the_cells(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", "x = 1")
    assert load(path, "autograph").language is None
    node = nbformat.read(path, as_version=4)
    node.metadata["tfgrade"]["language"] = "ko"
    nbformat.write(node, path)
    assert load(path, "autograph").language == "ko"
