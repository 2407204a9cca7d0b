"""Traceable requirements: each sentence of a question's text that asks for something, and the checks that test it.

An assignment keeps them in ``assignments/<name>/requirements.toml``, one table per requirement::

    [[requirement]]
    id = "q1-linear-any-shape"
    question = "q1"
    text = "`x` is a `float32` tensor of any shape"   # quoted from the notebook's markdown
    checks = ["linear_layer_any_shape"]
    hint = "linear_layer must work for a tensor of any shape, not only 1-D ones."

``text`` is quoted word for word from the student notebook (whitespace may differ), so a reader can
find it. ``hint`` is what a student reads when a *hidden* check of the requirement fails: which
requirement failed, never the check's inputs or expected values (it defaults to ``text``).

``tfgrade validate`` fails when a check names no requirement, a requirement names no check (or one
that does not exist), a check is claimed by two requirements, or a text is not in the notebook.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from autograder.core import ipynb
from autograder.core.results import CheckResult
from autograder.errors import TfgradeError

FILE_NAME = "requirements.toml"
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class RequirementsError(TfgradeError):
    """The requirements table itself is malformed: an instructor problem."""


@dataclass(frozen=True)
class Requirement:
    id: str
    question: str
    text: str
    checks: tuple[str, ...]
    hint: str


@dataclass(frozen=True)
class Requirements:
    items: tuple[Requirement, ...] = ()

    def of_check(self, check: str) -> Requirement | None:
        name = check.split("[", 1)[0]  # a parametrized check shares its function's requirement
        return next((r for r in self.items if name in r.checks), None)

    def get(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.items if r.id == requirement_id), None)


def load(root: Path) -> Requirements:
    """The table in ``root/requirements.toml``; an empty table when there is none."""
    path = root / FILE_NAME
    if not path.is_file():
        return Requirements()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RequirementsError(f"{path}: not valid TOML: {exc}") from exc
    rows = data.get("requirement", [])
    if not isinstance(rows, list):
        raise RequirementsError(f"{path}: write each requirement as a [[requirement]] table")
    return Requirements(tuple(_requirement(path, i, row) for i, row in enumerate(rows, 1)))


def _requirement(path: Path, number: int, row: Any) -> Requirement:
    where = f"{path}: requirement {number}"
    if not isinstance(row, dict):
        raise RequirementsError(f"{where} is not a table")
    unknown = sorted(set(row) - {"id", "question", "text", "checks", "hint"})
    if unknown:
        raise RequirementsError(f"{where}: unknown key {unknown[0]!r} (keys: id, question, text, checks, hint)")
    for key in ("id", "question", "text"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise RequirementsError(f"{where}: needs {key} = \"...\"")
    if not _ID.match(row["id"]):
        raise RequirementsError(f"{where}: id {row['id']!r} should be lower-case words joined by '-'")
    checks = row.get("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
        raise RequirementsError(f"{where}: checks should be a list of check names, e.g. [\"model_outputs\"]")
    hint = row.get("hint", row["text"])
    if not isinstance(hint, str):
        raise RequirementsError(f"{where}: hint should be text")
    return Requirement(row["id"], row["question"], " ".join(row["text"].split()), tuple(checks), hint.strip())


def annotate(checks: tuple[CheckResult, ...], table: Requirements) -> tuple[CheckResult, ...]:
    """Each check with its requirement's id and, for a hidden check, its student-safe hint (pure)."""
    out = []
    for check in checks:
        requirement = table.of_check(check.name)
        if requirement is None:
            out.append(check)
            continue
        hint = requirement.hint if check.visibility == "hidden" else ""
        out.append(replace(check, requirement=requirement.id, hint=hint))
    return tuple(out)


def check_names(checks_dir: Path) -> dict[str, str]:
    """Every check the folder defines (``test_*`` functions of ``test_*.py``), by name -> file.

    Read from the source, without importing it: an author can validate the table without TensorFlow.
    """
    names: dict[str, str] = {}
    for path in sorted(checks_dir.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                names[node.name.removeprefix("test_")] = str(path.relative_to(checks_dir))
    return names


def notebook_text(template: Path) -> str:
    """The markdown of the student notebook, whitespace collapsed, where requirement texts are quoted from."""
    nb = ipynb.read(template, as_version=4)
    return " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


def problems(table: Requirements, checks: dict[str, str], questions: tuple[str, ...], text: str) -> list[str]:
    """What does not hold in the table, for ``tfgrade validate`` (pure)."""
    found: list[str] = []
    claimed: dict[str, str] = {}
    for r in table.items:
        if r.question not in questions:
            found.append(f"requirement {r.id} names question {r.question!r}, which assignment.toml does not declare")
        if r.text not in text:
            found.append(f"requirement {r.id}: its text is not in the student notebook, word for word: {r.text!r}")
        if not r.checks:
            found.append(f"requirement {r.id} has no check: no check tests {r.text!r}")
        for name in r.checks:
            if name not in checks:
                found.append(f"requirement {r.id} names check {name!r}, which no check file defines")
            elif name in claimed:
                found.append(f"check {name} is claimed by requirements {claimed[name]} and {r.id}; give it one")
            claimed.setdefault(name, r.id)
    found += [f"check {name} ({where}) names no requirement: add it to a requirement's checks in {FILE_NAME}"
              for name, where in checks.items() if name not in claimed]
    ids = [r.id for r in table.items]
    found += [f"requirement id {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    return found
