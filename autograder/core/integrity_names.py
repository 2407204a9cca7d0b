"""What a name or an attribute chain of a submission stands for, through aliases (for :mod:`autograder.core.integrity`).

A student who hides a call behind an alias has not stopped making it, so the integrity rules judge paths, not
spellings: ``import sys as s``, ``from gc import get_objects``, ``m = sys.modules``, ``getattr(sys, "modules")``,
``vars(sys)["modules"]`` and ``os.sys.modules`` all resolve here to the canonical dotted path. The same reading
knows which names hold descriptors the code opened itself, which come from a listing of open descriptors, and
which are only ever string literals.

Pure: ``ast`` in, names out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

GRADER_PACKAGE = "autograder"


_FD_OPENERS = frozenset({"os.open", "os.pipe", "os.pipe2", "os.openpty", "pty.openpty", "os.dup",
                         "os.memfd_create", "os.eventfd", "tempfile.mkstemp", "os.posix_openpt"})
"""Calls that return descriptors of the code's own: writing to those is writing to its own files."""


FD_LISTING = re.compile(r"/proc/[^/\s]+/fd\b|/dev/fd\b")


IMPORTERS = frozenset({"__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__"})


@dataclass(frozen=True)
class Names:
    aliases: dict[str, str]
    """A local name -> the dotted path it stands for (``s`` -> ``sys``, ``get_objects`` -> ``gc.get_objects``)."""
    own_fds: frozenset[str]
    """Names bound to descriptors the code opened itself."""
    listed_fds: frozenset[str]
    """Names bound from a listing of open descriptors (``/proc/self/fd``)."""
    strings: dict[str, frozenset[str]]
    """Names whose every binding is a string literal: ``for pkg in ("numpy", "tensorflow")``, ``name = "numpy"``."""

    def texts(self, node: ast.AST) -> frozenset[str] | None:
        """Every string ``node`` can be when it runs, or None when the code computes it."""
        text = constant_text(node)
        if text is not None:
            return frozenset({text})
        return self.strings.get(node.id) if isinstance(node, ast.Name) else None

    def path(self, node: ast.AST) -> str | None:
        """The dotted path ``node`` stands for, or None for an expression that is not a plain name.

        Follows ``a.b``, ``getattr(a, "b")``, ``vars(a)["b"]`` / ``a.__dict__["b"]`` and ``__import__("a")``
        in a loop, not by recursion: a chain of thousands of attributes parses, and must not crash the grader.
        """
        attributes: list[str] = []
        while True:
            step = self.step(node)
            if isinstance(step, str):
                return canonical_path(".".join([step, *reversed(attributes)]))
            if step is None:
                return None
            node, attribute = step
            attributes.append(attribute)

    def step(self, node: ast.AST) -> str | tuple[ast.AST, str] | None:
        """One link of a chain: the whole path's start (a str), or the inner node and the attribute it names."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            return node.value, node.attr
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_globals_call(node.value):
            key = constant_text(node.slice)  # globals()["__builtins__"] is the name __builtins__
            return self.aliases.get(key, key) if key else None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            container, key = dict_of(node.value), constant_text(node.slice)
            return (container, key) if container is not node.value and key else None
        if not isinstance(node, ast.Call) or not node.args:
            return None
        callee = self.simple_path(node.func)
        if callee in IMPORTERS:
            return constant_text(node.args[0])
        if callee in ("getattr", "builtins.getattr") and len(node.args) >= 2:
            attribute = constant_text(node.args[1])
            return (node.args[0], attribute) if attribute else None
        return None

    def simple_path(self, node: ast.AST) -> str | None:
        """The path of a plain ``a.b.c`` (no calls or subscripts): what a callee such as ``getattr`` is."""
        attributes: list[str] = []
        while isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        return canonical_path(".".join([self.aliases.get(node.id, node.id), *reversed(attributes)]))


def names_of(trees: list[ast.Module], star_names: frozenset[str]) -> Names:
    """What every name of the cells stands for; ``star_names`` are the paths ``from module import *`` binds."""
    aliases: dict[str, str] = {}
    for node in all_nodes(trees):
        aliases.update(_import_aliases(node, star_names))
    names = Names(aliases, frozenset(), frozenset(), {})
    # Twice: an alias of an alias (m = sys; mods = m.modules) resolves on the second round.
    for _ in range(2):
        for node in all_nodes(trees):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                path = names.path(node.value)
                if path and path != node.targets[0].id and _is_watched(path):
                    aliases[node.targets[0].id] = path
    return Names(aliases, _own_fds(trees, names), _listed_fds(trees), _string_names(trees))


def _string_names(trees: list[ast.Module]) -> dict[str, frozenset[str]]:
    """Names bound only to string literals (``name = "numpy"``, ``for pkg in ("numpy", "tensorflow")``); any
    other binding of the name anywhere (another value, a parameter, an import, ``global``) makes it unknown."""
    known: dict[str, set[str]] = {}
    unknown: set[str] = set()
    for tree in trees:
        parents = parents_of(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                texts = _literal_binding(node, parents.get(node))
                if texts is None:
                    unknown.add(node.id)
                else:
                    known.setdefault(node.id, set()).update(texts)
            elif isinstance(node, ast.arg):
                unknown.add(node.arg)
            elif isinstance(node, ast.alias):
                unknown.add(node.asname or node.name.split(".")[0])
            elif isinstance(node, ast.Global | ast.Nonlocal):
                unknown.update(node.names)
    return {name: frozenset(texts) for name, texts in known.items() if name not in unknown}


def _literal_binding(target: ast.Name, parent: ast.AST | None) -> list[str] | None:
    """The strings ``target`` is bound to by ``parent``, when they are all literals; else None."""
    if isinstance(parent, ast.Assign) and parent.targets == [target]:
        text = constant_text(parent.value)
        return [text] if text is not None else None
    if isinstance(parent, ast.For | ast.comprehension) and parent.target is target:
        if isinstance(parent.iter, ast.List | ast.Tuple | ast.Set):
            texts = [constant_text(element) for element in parent.iter.elts]
            return [t for t in texts if t is not None] if None not in texts else None
    return None


def _is_globals_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("globals", "locals")


def _import_aliases(node: ast.AST, star_names: frozenset[str]) -> dict[str, str]:
    if isinstance(node, ast.Import):
        # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``.
        return {a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0] for a in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        if any(a.name == "*" for a in node.names):  # ``from gc import *`` binds get_objects, among others
            return {path.rpartition(".")[2]: path for path in star_names if path.rpartition(".")[0] == node.module}
        return {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names}
    return {}


_CANONICAL = {"np": "numpy", "tf": "tensorflow", "posix": "os", "_io": "io", "_socket": "socket"}
"""Usual aliases used without their import, and modules another one re-exports (``posix.write`` is ``os.write``)."""
_REROOTS = frozenset({"sys", "gc", "builtins", "inspect"})
"""Modules other modules carry as attributes: ``os.sys.modules`` and ``importlib.sys.modules`` are ``sys.modules``."""


def _is_watched(path: str) -> bool:
    """Whether an alias of ``path`` matters here: a module or object any rule below looks at."""
    root = path.split(".")[0]
    return root in {"sys", "gc", "inspect", "traceback", "threading", "os", "socket", "io", "builtins", "__builtins__",
                    "operator", "pytest", "_pytest", "unittest", "numpy", "tensorflow", "importlib", "pty",
                    "tempfile", GRADER_PACKAGE}


def _own_fds(trees: list[ast.Module], names: Names) -> frozenset[str]:
    own: set[str] = set()
    for node in all_nodes(trees):
        if isinstance(node, ast.Assign) and opens_fd(node.value, names):
            own.update(_bound_names(node.targets))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None and opens_fd(node.context_expr, names):
            own.update(_bound_names([node.optional_vars]))
    return frozenset(own)


def opens_fd(value: ast.expr, names: Names) -> bool:
    if not isinstance(value, ast.Call):
        return False
    return names.path(value.func) in _FD_OPENERS or is_fileno_call(value)


def is_fileno_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fileno"


def _listed_fds(trees: list[ast.Module]) -> frozenset[str]:
    """Names bound from an expression that mentions ``/proc/<pid>/fd``: loop variables over the listing."""
    listed: set[str] = set()
    for node in all_nodes(trees):
        if isinstance(node, ast.For | ast.comprehension) and _lists_fds(node.iter):
            listed.update(_bound_names([node.target]))
        elif isinstance(node, ast.Assign) and _lists_fds(node.value):
            listed.update(_bound_names(node.targets))
    return frozenset(listed)


def _lists_fds(node: ast.AST) -> bool:
    return any(FD_LISTING.search(text) for text in string_literals(node))


def _bound_names(targets: Iterable[ast.expr]) -> set[str]:
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def dict_of(node: ast.expr) -> ast.expr:
    """``vars(m)``, ``m.__dict__`` -> ``m``, whose attributes a subscript store replaces; else ``node``."""
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars" and node.args:
        return node.args[0]
    return node


def canonical_path(path: str) -> str:
    """``np.allclose`` -> ``numpy.allclose``, ``os.sys.modules`` -> ``sys.modules``."""
    parts = path.split(".")
    for index in range(1, len(parts) - 1):
        if parts[index] in _REROOTS:
            return ".".join(parts[index:])
    root, dot, rest = path.partition(".")
    return _CANONICAL.get(root, root) + dot + rest


def constant_text(node: ast.AST) -> str | None:
    """A string the expression always evaluates to: a literal, literals joined by ``+``, an f-string without fields.

    A loop over a stack, not recursion: ``"a" + "a" + ...`` a thousand times parses, and must not crash the grader.
    """
    parts: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Constant) and isinstance(current.value, str):
            parts.append(current.value)
        elif isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack += [current.right, current.left]
        elif isinstance(current, ast.JoinedStr):
            stack += reversed(current.values)
        else:
            return None
    return "".join(parts)


def string_literals(node: ast.AST) -> Iterator[str]:
    """Every string literal in ``node``; an f-string's fields count as ``{}``, so ``f"/proc/{pid}/fd"`` reads as one."""
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr):
            yield "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in child.values)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def all_nodes(trees: list[ast.Module]) -> Iterator[ast.AST]:
    for tree in trees:
        yield from ast.walk(tree)


def parents_of(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
