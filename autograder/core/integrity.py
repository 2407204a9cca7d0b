"""Integrity flags: what a submission's code does to reach into the grader, read from its source.

The grader reads the cells it holds as bytes (:func:`autograder.core.source.parse_cells`), never
what the student's process says about itself, and finds four kinds of reaching in:

* ``grader-import``: imports ``autograder`` (``import``, ``from``, ``__import__`` or
  ``importlib.import_module`` with a string that names it), or a module whose name it computes as it runs;
* ``interpreter-walk``: walks the interpreter for objects it was not given: ``sys.modules``,
  ``gc.get_objects`` / ``get_referrers`` / ``get_referents``, frames (``sys._getframe``,
  ``inspect.currentframe`` / ``stack``, ``f_back`` / ``f_globals`` / ``f_locals``), tracing hooks;
* ``inherited-fd``: uses file descriptors it did not open (``os.write`` / ``os.fdopen`` / ``open``
  on a descriptor number, ``os.dup2``, ``socket.fromfd``, ``socket.socket(fileno=...)``) or lists
  them (``/proc/self/fd``);
* ``grader-patch``: replaces what the checks rely on around it: attributes of ``builtins``,
  ``operator``, pytest, ``numpy.testing``, ``tf.test`` / ``tf.debugging``, numpy's comparisons,
  ``sys.stdout`` and the import machinery.

A flag is for the instructor to review; it never changes a score, and a student reads only a
neutral line. Names are followed through aliases across cells (``import sys as s``, ``from gc import
get_objects``, ``m = sys.modules``) and indirect spellings (``getattr(sys, "modules")``,
``vars(sys)["modules"]``, ``os.sys.modules``), because a student who hides a call behind an alias has
not stopped making it. Code the kernel runs from a string is read too: the Python in ``%time``-style
magics and in literal ``exec``/``eval`` strings. A cell the grader cannot parse (the kernel may, with
a raised recursion limit) is searched as text for the same words. Honest idioms stay clean:
``"google.colab" in sys.modules``, writing to a descriptor the code opened itself
(``fd = os.open(...)``), ``np.float = float``, importing each of a literal list of packages.

This module reads the cells (and the code embedded in them) and keeps the flags; what a name stands for is
:mod:`autograder.core.integrity_names`, and the four rules are :mod:`autograder.core.integrity_rules`.

Pure: ``ast`` in, flags out; no TensorFlow, no process.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from autograder.core.integrity_names import constant_text, names_of, parents_of
from autograder.core.integrity_rules import STAR_NAMES, findings
from autograder.core.results import FLAG_KINDS, FlagKind, IntegrityFlag

if TYPE_CHECKING:
    from autograder.core.source import ParsedCell

__all__ = ["FLAG_KINDS", "FlagKind", "IntegrityFlag", "flags"]


FLAG_LIMIT = 200
"""Flags kept per submission, the first in notebook order: enough to review, bounded for a cell built to flood."""
DETAIL_LIMIT = 200
"""Characters kept of a flag's detail, which may quote the student's strings (a ``sys.modules`` key, a file name)."""


def flags(cells: tuple[ParsedCell, ...]) -> tuple[IntegrityFlag, ...]:
    """Every way the cells reach into the grader, once per kind, cell, line and detail, in notebook order
    (the first :data:`FLAG_LIMIT`)."""
    parsed = [(cell.number, tree, offset) for cell in cells if cell.tree is not None
              for tree, offset in _with_magic_code(cell.tree)]
    names = names_of([tree for _, tree, _ in parsed], STAR_NAMES)
    found: dict[IntegrityFlag, None] = dict.fromkeys(f for cell in cells if cell.tree is None for f in _unparsed(cell))
    for number, tree, offset in parsed:
        parents = parents_of(tree)
        for node in ast.walk(tree):
            for finding in findings(node, names, parents):
                line = offset + getattr(finding.node, "lineno", 1)
                found[IntegrityFlag(finding.kind, number, line, finding.detail[:DETAIL_LIMIT])] = None
    return tuple(sorted(found, key=lambda f: (f.cell, f.line, FLAG_KINDS.index(f.kind), f.detail))[:FLAG_LIMIT])


_UNPARSED_WORDS: tuple[tuple[FlagKind, re.Pattern[str]], ...] = (
    ("grader-import", re.compile(r"\bautograder\b")),
    ("interpreter-walk", re.compile(r"\bsys\s*\.\s*modules\b|\bget_(?:objects|referrers|referents)\b|\b_getframe\b"
                                   r"|\bcurrentframe\b|\bf_(?:back|globals|locals)\b|__subclasses__")),
    ("inherited-fd", re.compile(r"/proc/[^/\s]+/fd\b|/dev/fd\b|\bdup2\b|\bfromfd\b")),
    ("grader-patch", re.compile(r"\bbuiltins\s*\.\s*\w+\s*=(?!=)|\b(?:np|numpy)\s*\.\s*testing\b|\b_pytest\b"
                                r"|\bconftest\.py\b|\bsitecustomize\b")),
)
"""Words of each kind, looked for in the text of a cell the grader cannot parse."""


def _unparsed(cell: ParsedCell) -> Iterator[IntegrityFlag]:
    """A cell the grader cannot parse may still run: the kernel can raise its recursion limit and compile a chain
    the grader refuses to build. So the words of each kind are looked for in its text instead."""
    for kind, words in _UNPARSED_WORDS:
        for match in words.finditer(cell.python):
            line = cell.python.count("\n", 0, match.start()) + 1
            detail = f"mentions {match.group()[:60]!r} in code the grader cannot parse"
            yield IntegrityFlag(kind, cell.number, line, detail)


_CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture", "debug"})
"""Magics whose argument (line magic) or body (cell magic) is Python that the kernel runs."""


def _with_magic_code(tree: ast.Module) -> list[tuple[ast.Module, int]]:
    """The cell's tree (line offset 0), then the Python inside its ``%time``-style magics and ``exec`` strings.

    IPython turns ``%time import autograder`` into a call with the code as a string; the kernel runs
    that string, so the grader reads it too, at the magic's line. So for ``exec("...")`` with a literal,
    and for code nested in such code (up to :data:`EMBEDDED_LIMIT` pieces per cell).
    """
    found = [(tree, 0)]
    for current, offset in found:  # grows as it goes: embedded code is read for its own embedded code
        for node in ast.walk(current):
            inner = _magic_code(node)
            # A cell magic's body starts on the line after the magic's; other code is on its call's line.
            below = isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "run_cell_magic"
            line = offset + getattr(node, "lineno", 1) - (0 if below else 1)
            found += [(code, line) for code in inner][: EMBEDDED_LIMIT + 1 - len(found)]
    return found


EMBEDDED_LIMIT = 200
"""Pieces of embedded code (magics, ``exec`` strings) read per cell: bounded for a cell built to be expensive."""
_EXECUTORS = frozenset({"exec", "eval", "compile"})


def _magic_code(node: ast.AST) -> list[ast.Module]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _EXECUTORS and node.args:
        code = constant_text(node.args[0])  # exec("import autograder"): the same code, one string away
        return _parsed(code) if code is not None else []
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) >= 2):
        return []
    if constant_text(node.args[0]) not in _CODE_MAGICS:
        return []
    body = constant_text(node.args[-1])
    if node.func.attr == "run_cell_magic" and len(node.args) == 3 and body is not None:
        return _parsed(body)
    line = constant_text(node.args[1]) if node.func.attr == "run_line_magic" else None
    return _parsed_after_options(line) if line is not None else []


def _parsed_after_options(line: str) -> list[ast.Module]:
    """``-n 3 -r 2 f()``: the code after the magic's options, found by dropping leading words until it parses."""
    words = line.split()
    for start in range(len(words)):
        if start and not (words[start - 1].startswith("-") or words[start - 1].isdigit()):
            break  # past the options: what is left is code that does not parse
        tree = _parsed(" ".join(words[start:]))
        if tree:
            return tree
    return []


def _parsed(code: str) -> list[ast.Module]:
    try:
        return [ast.parse(code.strip())]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the kernel cannot run it either
