"""An assignment packed as one zip of what grading needs, to grade it where the course is not.

Dask workers (:mod:`autograder.interop.dask_worker`) and otter autograder zips
(:mod:`autograder.interop.otter_plugin`) carry an assignment this way: its ``assignment.toml``,
``requirements.toml``, checks, data, catalogs and student template, never the solution or the
samples, and no path of the machine it was packed on. The same files always pack to the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from autograder.core.assignment import Assignment
from autograder.errors import TfgradeError

__all__ = ["BUNDLED", "ZIP_TIME", "BundleError", "pack", "unpack"]

BUNDLED = ("assignment.toml", "requirements.toml", "costs.toml", "checks", "data", "locale")
"""What of the assignment folder grading needs, besides the student template that assignment.toml names."""
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every member's timestamp, so the same files always pack to the same bytes (and hash)."""


class BundleError(TfgradeError):
    """The assignment cannot be packed; the message says what to change."""


def pack(assignment: Assignment) -> bytes:
    """The assignment folder as a zip of only what grading needs: the same bytes for the same files."""
    root = assignment.root
    if not assignment.template.resolve().is_relative_to(root):
        raise BundleError(f"{root / 'assignment.toml'}: the student notebook {assignment.template} is outside the "
                          "assignment folder, so the assignment cannot be packed. Move it into the folder.")
    tops = [root / name for name in BUNDLED] + [assignment.template]
    files = sorted({f for top in tops for f in ([top] if top.is_file() else top.rglob("*"))
                    if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pot"})  # .pot: for translators
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            member = zipfile.ZipInfo(path.relative_to(root).as_posix(), ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, path.read_bytes())
    return buffer.getvalue()


def unpack(archive: bytes, folder: Path) -> Path:
    """Write a :func:`pack`\\ ed assignment into ``folder`` (made if missing); the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(archive)) as packed:
        for member in packed.infolist():
            target = (folder / member.filename).resolve()
            if not target.is_relative_to(folder.resolve()):  # a member named ../x: not one of pack's
                raise BundleError(f"the packed assignment holds {member.filename!r}, outside its folder")
        packed.extractall(folder)
    return folder
