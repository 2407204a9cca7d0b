"""Load and validate a submitted notebook: the first stage, before any student code runs.

Everything wrong with the file itself becomes :class:`NotebookRejected`, whose message tells
the student what to fix. IPython-only lines (``%magic``, ``!shell``) are neutralised here,
because the grader runs cells as plain Python.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
_MAGIC = re.compile(r"^(\s*)(%|!)")
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
"""Cell magics whose body is Python: the body runs, the magic line is skipped."""


class NotebookRejected(Exception):
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


def load(path: Path, expected_assignment: str | None) -> Notebook:
    """Read and validate; ``expected_assignment`` None accepts a notebook of any assignment."""
    raw = _read(path)
    try:
        node = nbformat.reads(raw, as_version=4)
        nbformat.validate(node)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        raise NotebookRejected(
            f"{path.name} is not a Jupyter notebook (it is not valid notebook JSON). Save your "
            "work from Jupyter as .ipynb and submit that file."
        ) from exc
    except (nbformat.ValidationError, KeyError, AttributeError, TypeError, ValueError) as exc:
        raise NotebookRejected(
            f"{path.name} is damaged: it is JSON but not a valid notebook ({type(exc).__name__}). "
            "Open it in Jupyter, save it again, and resubmit."
        ) from exc
    assignment = _assignment_of(node)
    if None not in (assignment, expected_assignment) and assignment != expected_assignment:
        raise NotebookRejected(
            f"{path.name} is the notebook for assignment '{assignment}', not '{expected_assignment}'. "
            "Submit the notebook of this assignment."
        )
    cells = tuple(
        Cell(number=i, source=_plain_python(cell.source))
        for i, cell in enumerate(node.cells, start=1)
        if cell.cell_type == "code" and cell.source.strip()
    )
    if not cells:
        raise NotebookRejected(f"{path.name} has no code in it. Did you submit the right file?")
    return Notebook(path=path, assignment=assignment, cells=cells)


def _read(path: Path) -> str:
    if not path.is_file():
        raise NotebookRejected(f"{path} is not a file that can be read.")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise NotebookRejected(
            f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB. Clear its outputs "
            "(Kernel > Restart & Clear Output), save, and submit again."
        )
    try:
        data = _from_zip(path) if zipfile.is_zipfile(path) else path.read_bytes()
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookRejected(f"{path.name} is not a text file, so it cannot be a notebook.") from exc


def _from_zip(path: Path) -> bytes:
    """The one notebook in a submission zip (ours, otter's export, or a plain zip of a notebook)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                m for m in archive.infolist()
                if m.filename.endswith(".ipynb") and not m.is_dir() and "__MACOSX" not in m.filename
                and ".ipynb_checkpoints" not in m.filename
            ]
            if len(members) != 1:
                found = ", ".join(m.filename for m in members) or "none"
                raise NotebookRejected(
                    f"{path.name} should hold exactly one notebook (.ipynb); it holds {len(members)} ({found}). "
                    "Zip only your notebook, or use `tfgrade submit`."
                )
            if members[0].file_size > MAX_NOTEBOOK_BYTES:
                raise NotebookRejected(f"The notebook in {path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB.")
            return archive.read(members[0])
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        raise NotebookRejected(f"{path.name} is a damaged zip file ({exc}). Make the zip again.") from exc


def _assignment_of(node: nbformat.NotebookNode) -> str | None:
    meta = node.get("metadata", {}).get("tfgrade", {})
    name = meta.get("assignment") if isinstance(meta, dict) else None
    return str(name) if name is not None else None


def _plain_python(source: str) -> str:
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)[0] if lines[0].strip() != "%%" else ""
        if magic not in PYTHON_CELL_MAGICS:
            return f"pass  # tfgrade: %%{magic} cell skipped\n"
        lines[0] = "pass  # tfgrade: cell magic skipped"
    for i, line in enumerate(lines):
        if _is_magic_line(line) and _starts_statement(lines[:i]):
            lines[i] = _MAGIC.sub(r"\1pass  # tfgrade: skipped: \2", line)
    return "\n".join(lines) + "\n"


def _is_magic_line(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("%") or (stripped.startswith("!") and not stripped.startswith("!="))


def _starts_statement(before: list[str]) -> bool:
    """True when the lines before end a complete statement (no open bracket, string or ``\\``)."""
    if before and before[-1].rstrip().endswith("\\"):
        return False
    try:
        for _ in tokenize.generate_tokens(io.StringIO("\n".join(before) + "\n").readline):
            pass
    except tokenize.TokenError:
        return False  # EOF inside a bracket or a triple-quoted string: this line continues it
    except (SyntaxError, IndentationError):
        return True  # earlier lines are broken anyway; running the cell will report it
    return True
