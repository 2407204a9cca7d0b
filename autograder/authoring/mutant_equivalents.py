"""Reviewed equivalent mutants: ``assignments/<name>/mutants.toml``, id and reason of each.

An equivalent mutant survives because its change alters nothing the text asks; the author reviews
it once and records it::

    [[equivalent]]
    id = "q3:cell10:line6:swap-elements"
    reason = "Add is commutative: Add()([h, x]) computes the same sum."
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from autograder.core.assignment import AssignmentError

FILE_NAME = "mutants.toml"


class EquivalentsError(AssignmentError):
    """``mutants.toml`` is malformed: an instructor problem."""


def load_equivalents(root: Path) -> dict[str, str]:
    """Reviewed equivalent mutants of the assignment in ``root``: id -> reason ({} without the file)."""
    path = root / FILE_NAME
    return parse_equivalents(path.read_text(encoding="utf-8"), path) if path.is_file() else {}


def parse_equivalents(text: str, path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EquivalentsError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"equivalent"})
    if unknown:
        raise EquivalentsError(f"{path}: unknown table {unknown[0]!r}; write [[equivalent]] tables only")
    rows = data.get("equivalent", [])
    if not isinstance(rows, list):
        raise EquivalentsError(f"{path}: write each entry as an [[equivalent]] table with id and reason")
    found: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        mutant_id, reason = _equivalent(path, number, row)
        if mutant_id in found:
            raise EquivalentsError(f"{path}: equivalent #{number}: id {mutant_id!r} is listed twice")
        found[mutant_id] = reason
    return found


def _equivalent(path: Path, number: int, row: Any) -> tuple[str, str]:
    where = f"{path}: equivalent #{number}"
    if not isinstance(row, dict):
        raise EquivalentsError(f"{where}: write it as an [[equivalent]] table with id and reason")
    extra = sorted(set(row) - {"id", "reason"})
    if extra:
        raise EquivalentsError(f"{where}: unknown key {extra[0]!r} (only id and reason)")
    mutant_id, reason = row.get("id"), row.get("reason")
    if not isinstance(mutant_id, str) or not mutant_id.strip():
        raise EquivalentsError(f"{where}: needs an id, as printed by tfgrade validate --mutants")
    if not isinstance(reason, str) or not reason.strip():
        raise EquivalentsError(f"{where} ({mutant_id}): needs a reason: why does this change not break the text?")
    return mutant_id.strip(), reason.strip()
