"""The part of a course's ``checks/conftest.py`` that the public checks use, for a release.

(Named so that no file of the wheel ends in ``conftest.py``: the wheel test refuses any such file.)

Pure (``ast`` only): :func:`public_conftest` keeps the statements the public checks reach and
:func:`imported_modules` names the modules a check imports (a module beside the conftest ships
only if one of them is imported).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable


def public_conftest(source: str, public_checks: Iterable[str]) -> str | None:
    """The statements of ``checks/conftest.py`` that the public checks need; None if none.

    The conftest serves public and hidden checks alike (``functional``'s reads the diagram for a
    hidden check), and how a hidden check probes is not for students. So only what the public checks
    reach is kept: the fixtures and names they use, and, in turn, every name those use (a fixture's
    parameters are fixtures too), with pytest hooks and autouse fixtures, which run for every check.
    The module docstring, which may describe the hidden checks, is replaced.
    """
    tree = ast.parse(source)
    wanted = set().union(*(_names_used(ast.parse(text)) for text in public_checks))
    statements = [s for s in tree.body if not _is_docstring(s)]
    kept = [s for s in statements if _always_kept(s)]
    for statement in kept:
        wanted |= _names_used(statement)
    while True:
        more = [s for s in statements if s not in kept and _defines(s) & wanted]
        if not more:
            break
        for statement in more:
            kept.append(statement)
            wanted |= _names_used(statement)
    if not any(isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for s in kept):
        return None
    lines = source.splitlines()
    text = '"""The part of the course\'s checks/conftest.py that the public checks use (made by tfgrade release)."""\n'
    previous = ""
    for statement in (s for s in statements if s in kept):
        # Imports and constants stay in their runs, a blank line between runs, two before anything else.
        kind = _layout_kind(statement)
        text += ("" if kind == previous != "other" else "\n" if kind != "other" else "\n\n")
        text += _source_of(statement, lines) + "\n"
        previous = kind
    return text


def _layout_kind(statement: ast.stmt) -> str:
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return "import"
    return "constant" if isinstance(statement, ast.Assign | ast.AnnAssign) else "other"


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(
        statement.value.value, str
    )


def _always_kept(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
        return True
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        autouse = any(
            isinstance(d, ast.Call) and any(k.arg == "autouse" for k in d.keywords) for d in statement.decorator_list
        )
        return autouse or statement.name.startswith("pytest_")
    # Other statements (an `if`, a `try`) may define anything: kept rather than guessed at.
    return not isinstance(statement, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign | ast.ClassDef)


def _defines(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


def _names_used(node: ast.AST) -> set[str]:
    """Every name a piece of code reads, its functions' parameters (fixtures it requests) and the
    identifiers in its strings (``request.getfixturevalue("x")``, ``usefixtures("x")``)."""
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value.isidentifier():
            names.add(child.value)
    return names


def _source_of(statement: ast.stmt, lines: list[str]) -> str:
    decorators = getattr(statement, "decorator_list", [])
    first = min([statement.lineno, *(d.lineno for d in decorators)])
    return "\n".join(lines[first - 1 : statement.end_lineno])


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return modules
