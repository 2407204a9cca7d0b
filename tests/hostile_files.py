"""Builders of hostile submission files: zips and notebooks that no honest tool writes.

Shared by the fast parser tests (test_notebook.py, test_serialization.py) and the real batch of
hostile submissions (tests/sandbox/test_hostile_batch.py). Large files are built in tmp_path, not
committed. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

HONEST_TINY = "def add(a, b):\n    return a + b\n\n\ndef mean_of(xs):\n    return sum(xs) / len(xs)\n"
"""The honest answers of the `tiny` test assignment (tests/fixtures/tiny): 3 points."""


def notebook_json(*sources: str, assignment: str | None = "tiny", metadata: Any = None) -> dict[str, Any]:
    """A v4 notebook as plain JSON, one code cell per source (built by hand, so it can be hostile)."""
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {}, "outputs": [],
         "source": source}
        for i, source in enumerate(sources)
    ]
    meta = {"tfgrade": {"assignment": assignment}} if assignment else {}
    if metadata is not None:
        meta["deep"] = metadata
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def deep_metadata_notebook(path: Path, depth: int = 100_000) -> Path:
    """An honest notebook whose metadata holds JSON nested ``depth`` levels deep (json.dumps would recurse)."""
    text = json.dumps(notebook_json(HONEST_TINY, metadata="HERE"))
    return _write_text(path, text.replace('"HERE"', "[" * depth + "]" * depth))


def many_cells_notebook(path: Path, count: int = 40_000) -> Path:
    """``count`` tiny code cells, then the honest answers."""
    return write_json(path, notebook_json(*(f"x{i % 7} = {i}" for i in range(count)), HONEST_TINY))


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- zips -------------------------------------------------------------------------------------


def zip_of(members: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch_headers(data: bytes, local_offset: int, central_offset: int, value: bytes) -> bytes:
    """Overwrite one field in every local and central header (both must agree, or zipfile notices)."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        start = patched.find(signature)
        while start != -1:
            patched[start + offset:start + offset + len(value)] = value
            start = patched.find(signature, start + 4)
    return bytes(patched)


def encrypted_zip(notebook: bytes, member: str = "answers.ipynb") -> bytes:
    """A one-notebook zip whose member says it is encrypted (general-purpose flag bit 0)."""
    return _patch_headers(zip_of({member: notebook}, zipfile.ZIP_STORED), 6, 8, b"\x01\x00")


def unknown_method_zip(notebook: bytes, member: str = "answers.ipynb") -> bytes:
    """A one-notebook zip compressed with a method zipfile does not know (99: AES)."""
    return _patch_headers(zip_of({member: notebook}, zipfile.ZIP_STORED), 8, 10, b"\x63\x00")


def corrupt_deflate_zip(notebook: bytes, member: str = "answers.ipynb") -> bytes:
    """A one-notebook zip whose deflate stream is garbage (zlib.error when read)."""
    data = bytearray(zip_of({member: notebook}))
    start = data.index(b"PK\x03\x04")
    name_len = int.from_bytes(data[start + 26:start + 28], "little")
    extra_len = int.from_bytes(data[start + 28:start + 30], "little")
    body = start + 30 + name_len + extra_len
    data[body:body + 8] = b"\xff" * 8  # an invalid deflate block type
    return bytes(data)


def lying_size_zip(size: int = 64 * 2**20) -> bytes:
    """A zip bomb: a member that inflates to ``size`` bytes (of spaces) but whose headers claim 2 bytes."""
    data = zip_of({"answers.ipynb": b" " * size})
    return _patch_headers(data, 22, 24, (2).to_bytes(4, "little"))


def zip_bomb(size: int = 64 * 2**20) -> bytes:
    """A member that honestly declares that it inflates to ``size`` bytes."""
    return zip_of({"answers.ipynb": b" " * size})


def many_members_zip(notebook: bytes, count: int = 20_000) -> bytes:
    return zip_of({"answers.ipynb": notebook} | {f"junk/{i}.txt": b"" for i in range(count)}, zipfile.ZIP_STORED)


def dotdot_zip(notebook: bytes) -> bytes:
    return zip_of({"../../answers.ipynb": notebook})


def zip64_lying_directory_zip(notebook: bytes, count: int = 70_000) -> bytes:
    """Enough members for zip64 end records; the plain end record then claims a tiny table of contents."""
    data = bytearray(many_members_zip(notebook, count))
    end = data.rindex(b"PK\x05\x06")
    data[end + 12:end + 16] = (100).to_bytes(4, "little")
    return bytes(data)
