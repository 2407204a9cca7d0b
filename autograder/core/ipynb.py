"""nbformat, typed: the few calls tfgrade makes, with the types nbformat's own functions do not declare.

mypy runs in strict mode on the package (issue 20), and nbformat's readers, writers and cell factories
are untyped. Every module calls them through here, so the untyped surface is one file and a wrong
argument is a type error where it is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, cast

import nbformat
from nbformat import NotebookNode
from nbformat import v4 as _v4

__all__ = ["NotebookNode", "convert", "from_dict", "new_code_cell", "new_markdown_cell", "new_notebook",
           "read", "reads", "reads_any_version", "validate", "write", "writes"]

VERSION = 4
"""Every notebook tfgrade reads or writes is nbformat 4."""


def read(source: str | Path | IO[str], as_version: int = VERSION) -> NotebookNode:
    return cast(NotebookNode, nbformat.read(source, as_version=as_version))  # type: ignore[no-untyped-call]


def reads(text: str, as_version: int = VERSION) -> NotebookNode:
    return cast(NotebookNode, nbformat.reads(text, as_version=as_version))  # type: ignore[no-untyped-call]


def reads_any_version(text: str) -> NotebookNode:
    """The notebook as saved, in whatever nbformat version (no conversion, no validation)."""
    return cast(NotebookNode, nbformat.reader.reads(text))  # type: ignore[no-untyped-call]


def convert(node: NotebookNode, to_version: int = VERSION) -> NotebookNode:
    return cast(NotebookNode, nbformat.convert(node, to_version))  # type: ignore[no-untyped-call]


def validate(node: NotebookNode) -> None:
    nbformat.validate(node)


def writes(node: NotebookNode) -> str:
    return cast(str, nbformat.writes(node))  # type: ignore[no-untyped-call]


def write(node: NotebookNode, target: str | Path | IO[str]) -> None:
    nbformat.write(node, target)  # type: ignore[no-untyped-call]


def from_dict(document: Any) -> NotebookNode:
    return cast(NotebookNode, nbformat.from_dict(document))  # type: ignore[no-untyped-call]


def new_notebook(**fields: Any) -> NotebookNode:
    return cast(NotebookNode, _v4.new_notebook(**fields))  # type: ignore[no-untyped-call]


def new_code_cell(source: str = "", **fields: Any) -> NotebookNode:
    return cast(NotebookNode, _v4.new_code_cell(source, **fields))  # type: ignore[no-untyped-call]


def new_markdown_cell(source: str = "", **fields: Any) -> NotebookNode:
    return cast(NotebookNode, _v4.new_markdown_cell(source, **fields))  # type: ignore[no-untyped-call]
