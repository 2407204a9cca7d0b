"""Load and validate a submitted notebook: the first stage, before any student code runs.

Everything wrong with the file itself becomes :class:`NotebookRejected`, whose message (from
:mod:`autograder.messages`) tells the student what to fix. Cells are kept exactly as written:
the student's process runs them with IPython (:mod:`autograder.student_side.kernel`), so ``%magic``,
``!shell`` and ``obj?`` mean what they mean in Jupyter.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import i18n, messages
from autograder.core import ipynb
from autograder.errors import TfgradeError
from autograder.text import safe_text
from autograder.wire.protocol import nested_deeper_than

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
MAX_JSON_DEPTH = 100
"""Deepest JSON nesting accepted; Jupyter's own notebooks nest about ten levels."""


class NotebookRejected(TfgradeError):
    """The file cannot be graded as a notebook for this assignment; the message says why."""


@dataclass(frozen=True)
class Cell:
    number: int
    """1-based position among all cells, as the student sees them in Jupyter."""
    source: str


@dataclass(frozen=True)
class Notebook:
    path: Path
    assignment: str | None
    cells: tuple[Cell, ...]
    language: str | None = None
    """``metadata.tfgrade.language`` (the Korean notebook says ``ko``): read in the same parse as the cells."""
    data: bytes = field(default=b"", repr=False)
    """The submitted file's bytes that were parsed (and so graded): the feedback notebook is made from these,
    never from the file read again, which may have changed since."""


def load(path: Path, expected_assignment: str | None, data: bytes | None = None) -> Notebook:
    """Read (or take the file's ``data``, read once by the caller) and validate; ``expected_assignment`` None
    accepts a notebook of any assignment."""
    data = read_bytes(path) if data is None else data
    node = parse_node(data, path.name)
    assignment = _assignment_of(node)
    if None not in (assignment, expected_assignment) and assignment != expected_assignment:
        raise NotebookRejected(messages.WRONG_ASSIGNMENT.format(
            file=path.name, found=safe_text(str(assignment), 80), expected=expected_assignment
        ))
    cells = tuple(
        Cell(number=i, source=cell.source)
        for i, cell in enumerate(node.cells, start=1)
        if cell.cell_type == "code" and cell.source.strip()
    )
    if not cells:
        raise NotebookRejected(messages.NO_CODE.format(file=path.name))
    return Notebook(path=path, assignment=assignment, cells=cells, language=i18n.language_of(node.metadata),
                    data=data)


def read_node(path: Path) -> nbformat.NotebookNode:
    """The whole notebook (v4) as :func:`load` reads it, with the same cell numbers: to hand it back annotated."""
    return parse_node(read_bytes(path), path.name)


def parse_node(data: bytes, name: str) -> nbformat.NotebookNode:
    """The whole notebook (v4) in a submitted file's bytes (a notebook, or a zip of one), as :func:`load` parses it."""
    return _parse(_decode(data, name), name)


def _parse(text: str, name: str) -> nbformat.NotebookNode:
    """The validated v4 notebook; anything else (whatever nbformat raises on it) is a rejection."""
    try:
        document = json.loads(text)
    except RecursionError as exc:
        raise NotebookRejected(messages.TOO_DEEP.format(file=name, depth=MAX_JSON_DEPTH)) from exc
    except ValueError as exc:  # JSONDecodeError is a ValueError, so is a 5000-digit number
        raise NotebookRejected(messages.NOT_NOTEBOOK_JSON.format(file=name)) from exc
    if not isinstance(document, dict):
        kind = JSON_KINDS.get(type(document), messages.JSON_OTHER).format()
        raise NotebookRejected(_damaged(name, messages.JSON_INSTEAD_OF_OBJECT.format(kind=kind)))
    if nested_deeper_than(document, MAX_JSON_DEPTH):  # nbformat walks the tree recursively
        raise NotebookRejected(messages.TOO_DEEP.format(file=name, depth=MAX_JSON_DEPTH))
    try:
        node = ipynb.convert(ipynb.reads_any_version(text))
        ipynb.validate(node)
    except Exception as exc:  # nbformat raises many kinds (ValidationError, KeyError...) on bad input
        raise NotebookRejected(_damaged(name, type(exc).__name__)) from exc
    return node


def _damaged(name: str, error: str) -> str:
    return f"{messages.NOT_VALID_NOTEBOOK.format(file=name, error=error)} {messages.RESAVE.format()}"


JSON_KINDS: dict[type, messages.Message] = {
    list: messages.JSON_LIST, str: messages.JSON_STRING, int: messages.JSON_NUMBER, float: messages.JSON_NUMBER,
    bool: messages.JSON_BOOLEAN, type(None): messages.JSON_NULL,
}


def read_bytes(path: Path) -> bytes:
    """The submitted file's bytes, as :func:`load` reads them: a regular file, at most the size cap.

    Grading elsewhere (a Dask worker) sends these bytes, so the rejections that need the path are given here.
    """
    try:
        if not path.is_file():
            raise NotebookRejected(messages.NOT_READABLE.format(path=path))
        with path.open("rb") as handle:
            data = handle.read(MAX_NOTEBOOK_BYTES + 1)  # never more, even if the file grows meanwhile
    except OSError as exc:
        raise NotebookRejected(messages.NOT_READABLE_ERROR.format(path=path, error=type(exc).__name__)) from exc
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookRejected(messages.TOO_LARGE.format(file=path.name, megabytes=MAX_NOTEBOOK_BYTES // 2**20))
    return data


def _decode(data: bytes, name: str) -> str:
    if data.startswith(ZIP_MAGIC):
        data = _from_zip(data, name)
    try:
        return data.decode("utf-8-sig")  # a byte-order mark is harmless; Jupyter never writes one
    except UnicodeDecodeError as exc:
        raise NotebookRejected(messages.NOT_TEXT.format(file=name)) from exc


ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
"""How a zip starts (an empty one is only its end record); a notebook starts with ``{``."""
MAX_ZIP_MEMBERS = 1000
MAX_ZIP_DIRECTORY_BYTES = 1 << 20
"""Largest table of contents read; zipfile would parse all of it (a million members) before we could count."""


def _from_zip(data: bytes, name: str) -> bytes:
    """The one notebook in a submission zip (ours, otter's export, or a plain zip of a notebook)."""
    directory = _zip_directory_bytes(data)
    if directory is None:
        raise NotebookRejected(_rezip(messages.ZIP_CUT_SHORT.format(file=name)))
    if directory > MAX_ZIP_DIRECTORY_BYTES:
        raise NotebookRejected(_rezip(messages.ZIP_DIRECTORY_TOO_LARGE.format(file=name, size=directory)))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member = _notebook_member(archive.infolist(), name)
            return _read_member(archive, member, name)
    except NotebookRejected:
        raise
    except Exception as exc:  # zipfile raises many kinds on hostile bytes (zlib.error, EOFError...)
        raise NotebookRejected(_rezip(messages.ZIP_DAMAGED.format(file=name, error=type(exc).__name__))) from exc


def _rezip(problem: str) -> str:
    return f"{problem} {messages.REZIP.format()}"


def _zip_directory_bytes(data: bytes) -> int | None:
    """The central directory's size as the end records say, found the way zipfile finds them."""
    end = len(data) - 22
    if not (end >= 0 and data[end:end + 4] == b"PK\x05\x06" and data[-2:] == b"\0\0"):
        end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - (1 << 16)))
    if end < 0 or end + 22 > len(data):
        return None
    size = int.from_bytes(data[end + 12:end + 16], "little")
    record = end - 20 - 56  # a zip64 locator right before the end record points zipfile to a zip64 record
    if record >= 0 and data[end - 20:end - 16] == b"PK\x06\x07" and data[record:record + 4] == b"PK\x06\x06":
        size = max(size, int.from_bytes(data[record + 40:record + 48], "little"))
    return size


def _notebook_member(members: list[zipfile.ZipInfo], name: str) -> zipfile.ZipInfo:
    if len(members) > MAX_ZIP_MEMBERS:
        raise NotebookRejected(_rezip(messages.ZIP_TOO_MANY_FILES.format(file=name, count=len(members))))
    unsafe = next((m.filename for m in members if _unsafe_member_name(m.filename)), None)
    if unsafe is not None:
        raise NotebookRejected(_rezip(messages.ZIP_UNSAFE_NAME.format(file=name, name=safe_text(repr(unsafe), 80))))
    notebooks = [
        m for m in members
        if m.filename.endswith(".ipynb") and not m.is_dir() and "__MACOSX" not in m.filename
        and ".ipynb_checkpoints" not in m.filename
    ]
    if len(notebooks) != 1:
        found = safe_text(", ".join(m.filename for m in notebooks[:5]), 300) or messages.ZIP_NONE_FOUND.format()
        raise NotebookRejected(messages.ZIP_NOTEBOOK_COUNT.format(file=name, count=len(notebooks), found=found))
    return notebooks[0]


def _unsafe_member_name(filename: str) -> bool:
    parts = filename.replace("\\", "/").split("/")
    return filename.startswith(("/", "\\")) or ".." in parts or "\0" in filename


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> bytes:
    if member.flag_bits & 0x1:
        raise NotebookRejected(messages.ZIP_PASSWORD.format(file=name))
    if member.file_size > MAX_NOTEBOOK_BYTES:
        raise NotebookRejected(messages.ZIP_NOTEBOOK_TOO_LARGE.format(file=name, megabytes=MAX_NOTEBOOK_BYTES // 2**20))
    with archive.open(member) as stream:
        # zipfile stops at the declared size and checks the CRC; reading one byte past the cap bounds it anyway.
        data = stream.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookRejected(messages.ZIP_NOTEBOOK_TOO_LARGE.format(file=name, megabytes=MAX_NOTEBOOK_BYTES // 2**20))
    return data


def _assignment_of(node: nbformat.NotebookNode) -> str | None:
    meta = node.get("metadata", {}).get("tfgrade", {})
    name = meta.get("assignment") if isinstance(meta, dict) else None
    return str(name) if name is not None else None
