"""Reading a `.keras` archive the student's process saved, from its bytes: nothing is extracted or loaded.

The archive is a zip file the student's code wrote, so it is read as hostile data: bounded in size, in
members and in JSON depth, with only the members Keras writes, and ``config.json`` parsed with :mod:`json`
and never handed to Keras. What it tells the student is worded in :mod:`autograder.messages`.
"""

from __future__ import annotations

import io
import json
import posixpath
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

from autograder import messages
from autograder.check_side.student import CheckFailure, student_text
from autograder.wire.protocol import nested_deeper_than

__all__ = ["ArchiveError", "archive_layer_configs", "keras_archive_config"]

# Limits for reading a .keras archive that the student's process produced.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_MEMBERS = 256
MAX_CONFIG_DEPTH = 200
"""A model's config nests a few levels per nested model; past this it is hostile (walking it would recurse)."""
ARCHIVE_FILES = frozenset({"config.json", "metadata.json", "model.weights.h5", "model.weights.npz"})
ARCHIVE_FOLDERS = ("assets/",)


class ArchiveError(CheckFailure):
    """The saved `.keras` file is not one the grader can read."""


def keras_archive_config(data: bytes) -> dict[str, Any]:
    """``config.json`` of a `.keras` file, read from its bytes: nothing is extracted or loaded."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(messages.ARCHIVE_TOO_LARGE.format(megabytes=MAX_ARCHIVE_BYTES >> 20))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = _config_member(archive.infolist())
            with archive.open(info) as member:
                raw = member.read(MAX_CONFIG_BYTES + 1)
    except ArchiveError:
        raise
    except Exception as exc:  # zipfile raises many kinds (zlib.error, NotImplementedError...)
        raise ArchiveError(messages.ARCHIVE_NOT_ZIP.format(error=type(exc).__name__)) from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise ArchiveError(messages.ARCHIVE_CONFIG_TOO_LARGE.format(megabytes=MAX_CONFIG_BYTES >> 20))
    return _parse_config(raw)


def _config_member(members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    if len(members) > MAX_MEMBERS:
        raise ArchiveError(messages.ARCHIVE_TOO_MANY.format(count=len(members)))
    names = [m.filename for m in members]
    odd = next((n for n in names if not _expected_member(n)), None)
    if odd is not None:
        raise ArchiveError(messages.ARCHIVE_UNEXPECTED.format(name=student_text(repr(odd), 80)))
    if len(set(names)) != len(names):
        raise ArchiveError(messages.ARCHIVE_DUPLICATE.format())
    info = next((m for m in members if m.filename == "config.json"), None)
    if info is None:
        raise ArchiveError(messages.ARCHIVE_NO_CONFIG.format())
    if info.file_size > MAX_CONFIG_BYTES:
        raise ArchiveError(messages.ARCHIVE_CONFIG_TOO_LARGE.format(megabytes=MAX_CONFIG_BYTES >> 20))
    return info


def _expected_member(name: str) -> bool:
    if name in ARCHIVE_FILES:
        return True
    if not name.startswith(ARCHIVE_FOLDERS) or "\\" in name or "\x00" in name:
        return False
    return posixpath.normpath(name).startswith(ARCHIVE_FOLDERS) and ".." not in name.split("/")


def _parse_config(raw: bytes) -> dict[str, Any]:
    try:
        config = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ArchiveError(messages.ARCHIVE_CONFIG_NOT_JSON.format(error=type(exc).__name__)) from exc
    if not isinstance(config, dict):
        raise ArchiveError(messages.ARCHIVE_CONFIG_NOT_OBJECT.format())
    if nested_deeper_than(config, MAX_CONFIG_DEPTH):
        raise ArchiveError(messages.ARCHIVE_CONFIG_TOO_DEEP.format(depth=MAX_CONFIG_DEPTH))
    return config


def archive_layer_configs(archive_config: Mapping[str, Any], class_name: str) -> list[dict[str, Any]]:
    """The ``config`` of every serialized object of class ``class_name``, nested models included,
    in file order (for a functional or Sequential model: the order of its layers)."""
    return [node["config"] for node in serialized_objects(archive_config) if node.get("class_name") == class_name]


def serialized_objects(tree: Any) -> Iterator[dict[str, Any]]:
    """Every serialized Keras object of a config (a dict with a ``class_name`` and a ``config``), in file order."""
    if isinstance(tree, dict):
        if isinstance(tree.get("class_name"), str) and isinstance(tree.get("config"), dict):
            yield tree
        for value in tree.values():
            yield from serialized_objects(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from serialized_objects(value)

