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

Pure: ``ast`` in, flags out; no TensorFlow, no process.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograder.core.results import FLAG_KINDS, FlagKind, IntegrityFlag

if TYPE_CHECKING:
    from autograder.core.source import ParsedCell

__all__ = ["FLAG_KINDS", "FlagKind", "IntegrityFlag", "flags"]

GRADER_PACKAGE = "autograder"

_WALKERS = {
    "gc.get_objects": "lists every live object (gc.get_objects)",
    "gc.get_referrers": "follows references between objects (gc.get_referrers)",
    "gc.get_referents": "follows references between objects (gc.get_referents)",
    "sys._getframe": "reads the call stack's frames (sys._getframe)",
    "sys._current_frames": "reads every thread's frames (sys._current_frames)",
    "inspect.currentframe": "reads the call stack's frames (inspect.currentframe)",
    "inspect.stack": "reads the call stack's frames (inspect.stack)",
    "inspect.trace": "reads the call stack's frames (inspect.trace)",
    "inspect.getouterframes": "reads the call stack's frames (inspect.getouterframes)",
    "traceback.walk_stack": "reads the call stack's frames (traceback.walk_stack)",
    "sys.settrace": "installs a tracing hook that sees every call (sys.settrace)",
    "sys.setprofile": "installs a profiling hook that sees every call (sys.setprofile)",
    "threading.settrace": "installs a tracing hook that sees every call (threading.settrace)",
    "threading.setprofile": "installs a profiling hook that sees every call (threading.setprofile)",
}
_REFLECTION_ATTRIBUTES = {
    **{name: f"reads a frame's {name}, the variables of code that called it" for name in ("f_back", "f_globals",
                                                                                           "f_locals", "f_builtins")},
    "tb_frame": "reads the frames of a traceback (tb_frame)",
    "__subclasses__": "lists every subclass of a class, the grader's included (__subclasses__)",
}

_FD_USERS = frozenset({"os.write", "os.writev", "os.pwrite", "os.fdopen", "os.sendfile", "os.read",
                       "os.lseek", "os.ftruncate"})
"""Calls whose first argument is a descriptor: flagged unless the code opened that descriptor itself."""
_FD_ALWAYS = {
    "os.dup2": "redirects a file descriptor onto another (os.dup2)",
    "socket.fromfd": "opens a socket on an existing descriptor (socket.fromfd)",
}
_FD_OPENERS = frozenset({"os.open", "os.pipe", "os.pipe2", "os.openpty", "pty.openpty", "os.dup",
                         "os.memfd_create", "os.eventfd", "tempfile.mkstemp", "os.posix_openpt"})
"""Calls that return descriptors of the code's own: writing to those is writing to its own files."""
_STANDARD_FDS = frozenset({0, 1, 2})
_OPEN_CALLS = frozenset({"open", "builtins.open", "io.open", "io.FileIO", "os.fdopen"})
_FD_LISTING = re.compile(r"/proc/[^/\s]+/fd\b|/dev/fd\b")

_PATCHED_MODULES = ("builtins", "__builtins__", "operator", "pytest", "_pytest", "unittest", "numpy.testing",
                    "numpy.ndarray", "tensorflow.test", "tensorflow.debugging", "tensorflow.Tensor", GRADER_PACKAGE)
"""Every attribute of these is something a check may rely on: replacing one is patching the grader."""
_PATCHED_ATTRIBUTES = {
    "sys": frozenset({"stdout", "stderr", "stdin", "__stdout__", "__stderr__", "__stdin__", "displayhook",
                      "excepthook", "modules", "meta_path", "path_hooks", "breakpointhook", "unraisablehook"}),
    "numpy": frozenset({"allclose", "isclose", "array_equal", "array_equiv", "all", "any", "equal", "not_equal",
                        "testing", "ndarray", "asarray", "array", "abs", "absolute", "save", "load", "isfinite"}),
    "tensorflow": frozenset({"test", "debugging", "function", "equal", "not_equal", "reduce_all", "reduce_any",
                             "Tensor", "Variable", "constant", "convert_to_tensor", "config"}),
}
"""Of these modules only the named attributes: ``np.float = float`` is an old habit, not an attack."""
_STARTUP_FILES = frozenset({"conftest.py", "sitecustomize.py", "usercustomize.py", "pytest.ini", "pytest.py"})
_SHADOWING_FOLDERS = (f"{GRADER_PACKAGE}/", "_pytest/", "pytest/")
_SETTERS = frozenset({"setattr", "delattr", "builtins.setattr", "builtins.delattr", "object.__setattr__",
                      "type.__setattr__", "object.__delattr__"})
_IMPORT_HOOK_LISTS = frozenset({"sys.meta_path", "sys.path_hooks"})
_STAR_NAMES = frozenset({*_WALKERS, "sys.modules", "os.write", "os.fdopen", "os.dup2", "socket.fromfd"})
"""The names a rule looks for that ``from module import *`` binds."""
_IMPORTERS = frozenset({"__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__"})


# -- names: what a name or an attribute chain stands for, through aliases ------------------------


@dataclass(frozen=True)
class _Names:
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
        text = _text(node)
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
                return _canonical(".".join([step, *reversed(attributes)]))
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
            key = _text(node.slice)  # globals()["__builtins__"] is the name __builtins__
            return self.aliases.get(key, key) if key else None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            container, key = _dict_of(node.value), _text(node.slice)
            return (container, key) if container is not node.value and key else None
        if not isinstance(node, ast.Call) or not node.args:
            return None
        callee = self.simple_path(node.func)
        if callee in _IMPORTERS:
            return _text(node.args[0])
        if callee in ("getattr", "builtins.getattr") and len(node.args) >= 2:
            attribute = _text(node.args[1])
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
        return _canonical(".".join([self.aliases.get(node.id, node.id), *reversed(attributes)]))


def _names(trees: list[ast.Module]) -> _Names:
    aliases: dict[str, str] = {}
    for node in _all_nodes(trees):
        aliases.update(_import_aliases(node))
    names = _Names(aliases, frozenset(), frozenset(), {})
    # Twice: an alias of an alias (m = sys; mods = m.modules) resolves on the second round.
    for _ in range(2):
        for node in _all_nodes(trees):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                path = names.path(node.value)
                if path and path != node.targets[0].id and _is_watched(path):
                    aliases[node.targets[0].id] = path
    return _Names(aliases, _own_fds(trees, names), _listed_fds(trees), _string_names(trees))


def _string_names(trees: list[ast.Module]) -> dict[str, frozenset[str]]:
    """Names bound only to string literals (``name = "numpy"``, ``for pkg in ("numpy", "tensorflow")``); any
    other binding of the name anywhere (another value, a parameter, an import, ``global``) makes it unknown."""
    known: dict[str, set[str]] = {}
    unknown: set[str] = set()
    for tree in trees:
        parents = _parents(tree)
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
        text = _text(parent.value)
        return [text] if text is not None else None
    if isinstance(parent, ast.For | ast.comprehension) and parent.target is target:
        if isinstance(parent.iter, ast.List | ast.Tuple | ast.Set):
            texts = [_text(element) for element in parent.iter.elts]
            return [t for t in texts if t is not None] if None not in texts else None
    return None


def _is_globals_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("globals", "locals")


def _import_aliases(node: ast.AST) -> dict[str, str]:
    if isinstance(node, ast.Import):
        # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``.
        return {a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0] for a in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        if any(a.name == "*" for a in node.names):  # ``from gc import *`` binds get_objects, among others
            return {path.rpartition(".")[2]: path for path in _STAR_NAMES if path.rpartition(".")[0] == node.module}
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


def _own_fds(trees: list[ast.Module], names: _Names) -> frozenset[str]:
    own: set[str] = set()
    for node in _all_nodes(trees):
        if isinstance(node, ast.Assign) and _opens_fd(node.value, names):
            own.update(_bound_names(node.targets))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None and _opens_fd(node.context_expr, names):
            own.update(_bound_names([node.optional_vars]))
    return frozenset(own)


def _opens_fd(value: ast.expr, names: _Names) -> bool:
    if not isinstance(value, ast.Call):
        return False
    return names.path(value.func) in _FD_OPENERS or _is_fileno_call(value)


def _is_fileno_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fileno"


def _listed_fds(trees: list[ast.Module]) -> frozenset[str]:
    """Names bound from an expression that mentions ``/proc/<pid>/fd``: loop variables over the listing."""
    listed: set[str] = set()
    for node in _all_nodes(trees):
        if isinstance(node, ast.For | ast.comprehension) and _lists_fds(node.iter):
            listed.update(_bound_names([node.target]))
        elif isinstance(node, ast.Assign) and _lists_fds(node.value):
            listed.update(_bound_names(node.targets))
    return frozenset(listed)


def _lists_fds(node: ast.AST) -> bool:
    return any(_FD_LISTING.search(text) for text in _strings(node))


def _bound_names(targets: Iterable[ast.expr]) -> set[str]:
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


# -- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Finding:
    kind: FlagKind
    node: ast.AST
    detail: str


FLAG_LIMIT = 200
"""Flags kept per submission, the first in notebook order: enough to review, bounded for a cell built to flood."""
DETAIL_LIMIT = 200
"""Characters kept of a flag's detail, which may quote the student's strings (a ``sys.modules`` key, a file name)."""


def flags(cells: tuple[ParsedCell, ...]) -> tuple[IntegrityFlag, ...]:
    """Every way the cells reach into the grader, once per kind, cell, line and detail, in notebook order
    (the first :data:`FLAG_LIMIT`)."""
    parsed = [(cell.number, tree, offset) for cell in cells if cell.tree is not None
              for tree, offset in _with_magic_code(cell.tree)]
    names = _names([tree for _, tree, _ in parsed])
    found: dict[IntegrityFlag, None] = dict.fromkeys(f for cell in cells if cell.tree is None for f in _unparsed(cell))
    for number, tree, offset in parsed:
        parents = _parents(tree)
        for node in ast.walk(tree):
            for finding in _findings(node, names, parents):
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
        code = _text(node.args[0])  # exec("import autograder"): the same code, one string away
        return _parsed(code) if code is not None else []
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) >= 2):
        return []
    if _text(node.args[0]) not in _CODE_MAGICS:
        return []
    body = _text(node.args[-1])
    if node.func.attr == "run_cell_magic" and len(node.args) == 3 and body is not None:
        return _parsed(body)
    line = _text(node.args[1]) if node.func.attr == "run_line_magic" else None
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


def _findings(node: ast.AST, names: _Names, parents: dict[ast.AST, ast.AST]) -> Iterator[_Finding]:
    yield from _grader_imports(node, names)
    yield from _interpreter_walks(node, names, parents)
    yield from _inherited_fds(node, names)
    yield from _grader_patches(node, names)


def _names_grader(path: str | None) -> bool:
    return bool(path) and (path == GRADER_PACKAGE or str(path).startswith(GRADER_PACKAGE + "."))


def _grader_imports(node: ast.AST, names: _Names) -> Iterator[_Finding]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if _names_grader(alias.name):
                yield _Finding("grader-import", node, f"imports {alias.name}")
    elif isinstance(node, ast.ImportFrom) and not node.level and _names_grader(node.module):
        yield _Finding("grader-import", node, f"imports from {node.module}")
    elif isinstance(node, ast.Call) and names.path(node.func) in _IMPORTERS and node.args:
        modules, importer = names.texts(node.args[0]), names.path(node.func)
        if modules is None:  # "".join(reversed("redargotua")): a name the code hides until it runs
            yield _Finding("grader-import", node, f"imports a module whose name is computed as it runs ({importer})")
        for module in sorted(m for m in modules or () if _names_grader(m)):
            yield _Finding("grader-import", node, f"imports {module} ({importer})")


def _interpreter_walks(node: ast.AST, names: _Names, parents: dict[ast.AST, ast.AST]) -> Iterator[_Finding]:
    if isinstance(node, ast.Attribute) and node.attr in _REFLECTION_ATTRIBUTES:
        yield _Finding("interpreter-walk", node, _REFLECTION_ATTRIBUTES[node.attr])
        return
    if not isinstance(node, ast.Name | ast.Attribute | ast.Call | ast.Subscript) or _inner_link(node, parents, names):
        return  # only the whole chain: ``sys.modules.values`` is judged once, at its outermost node
    path = names.path(node)
    if path in _WALKERS:
        yield _Finding("interpreter-walk", node, _WALKERS[path])
    modules = _sys_modules_use(node, names, parents)
    if modules:
        yield _Finding("interpreter-walk", node, modules)


def _inner_link(node: ast.AST, parents: dict[ast.AST, ast.AST], names: _Names) -> bool:
    """Whether ``node`` is part of a longer chain (``sys`` in ``sys.modules``, ``x`` in ``getattr(x, "y")``)."""
    parent = parents.get(node)
    step = names.step(parent) if parent is not None else None
    return isinstance(step, tuple) and step[0] is node


def _sys_modules_use(node: ast.AST, names: _Names, parents: dict[ast.AST, ast.AST]) -> str:
    """What a use of ``sys.modules`` (or an attribute of it) does, or "" for an honest look-up."""
    chain = _chain_to(node, "sys.modules", names)
    if chain is None or _looks_up_a_named_module(chain, parents):
        return ""
    parent = parents.get(chain)
    if isinstance(parent, ast.Subscript) and not isinstance(parent.ctx, ast.Load):
        return ""  # a store into sys.modules is a patch (see _grader_patches)
    return "reads sys.modules, every module the process has loaded (the grader's included)"


def _looks_up_a_named_module(chain: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """``"google.colab" in sys.modules``, ``sys.modules["numpy"]``, ``sys.modules.get("numpy")``: one module,
    named in the code and not the grader's, which the code could have imported itself."""
    parent = parents.get(chain)
    name: str | None = None
    if isinstance(parent, ast.Compare) and parent.comparators and parent.comparators[0] is chain:
        name = _text(parent.left)
    elif isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Load):
        own = isinstance(parent.slice, ast.Name) and parent.slice.id == "__name__"  # the notebook's own module
        name = "__main__" if own else _text(parent.slice)
    else:
        get = _method_call(chain, parents, "get")
        name = _text(get.args[0]) if get is not None and get.args else None
    return name is not None and not _names_grader(name)


def _chain_to(node: ast.AST, target: str, names: _Names) -> ast.AST | None:
    """The part of a chain that stands for ``target`` (``sys.modules`` in ``sys.modules.values``), or None."""
    path = names.path(node)
    if path is None or not (path == target or path.startswith(target + ".")):
        return None
    current = node
    for _ in range(path.count(".") - target.count(".")):  # one link per attribute past the target
        step = names.step(current)
        if not isinstance(step, tuple):
            return None
        current = step[0]
    return current


def _method_call(node: ast.AST, parents: dict[ast.AST, ast.AST], method: str) -> ast.Call | None:
    attribute = parents.get(node)
    if isinstance(attribute, ast.Attribute) and attribute.attr == method:
        call = parents.get(attribute)
        if isinstance(call, ast.Call) and call.func is attribute:
            return call
    return None


def _inherited_fds(node: ast.AST, names: _Names) -> Iterator[_Finding]:
    for text in _path_texts(node, names):
        for match in _FD_LISTING.finditer(text):
            yield _Finding("inherited-fd", node, f"lists the open file descriptors ({match.group()})")
    if not isinstance(node, ast.Call):
        return
    callee = names.path(node.func) or ""
    if callee in _FD_ALWAYS:
        yield _Finding("inherited-fd", node, _FD_ALWAYS[callee])
    elif callee in ("socket.socket", "socket.SocketType") and _fileno_argument(node):
        yield _Finding("inherited-fd", node, "opens a socket on an existing descriptor (socket.socket(fileno=...))")
    elif callee in _FD_USERS and node.args and not _own_fd(node.args[0], names):
        yield _Finding("inherited-fd", node, f"uses a file descriptor it did not open ({callee})")
    elif callee in _OPEN_CALLS and node.args and _foreign_fd_number(node.args[0], names):
        yield _Finding("inherited-fd", node, f"opens a file descriptor it did not open ({callee}(<number>))")


def _path_texts(node: ast.AST, names: _Names) -> list[str]:
    """The text of a string literal, f-string, ``"a" + "b"`` or ``os.path.join("a", "b")``, as a path."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return list(_strings(node))
    if isinstance(node, ast.BinOp):
        text = _text(node)
        return [text] if text else []
    if isinstance(node, ast.Call) and names.simple_path(node.func) in ("os.path.join", "posixpath.join"):
        parts = [_text(a) for a in node.args]
        return ["/".join(p for p in parts if p is not None).replace("//", "/")] if None not in parts else []
    return []


def _fileno_argument(call: ast.Call) -> bool:
    return len(call.args) >= 4 or any(k.arg == "fileno" for k in call.keywords)


def _own_fd(node: ast.expr, names: _Names) -> bool:
    if isinstance(node, ast.Constant) and node.value in _STANDARD_FDS and not isinstance(node.value, bool):
        return True
    if isinstance(node, ast.Subscript):  # r, w = os.pipe() as pipe[1]
        node = node.value
    return (isinstance(node, ast.Name) and node.id in names.own_fds) or _is_fileno_call(node) or _opens_fd(node, names)


def _foreign_fd_number(node: ast.expr, names: _Names) -> bool:
    """An int literal past stdin/stdout/stderr, or a number taken from a listing of descriptors."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value not in _STANDARD_FDS
    if isinstance(node, ast.Call) and names.path(node.func) == "int" and node.args:
        node = node.args[0]
    return isinstance(node, ast.Name) and node.id in names.listed_fds


def _grader_patches(node: ast.AST, names: _Names) -> Iterator[_Finding]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_startup_file(node.value):
        yield _Finding("grader-patch", node, f"names a file that Python or pytest would load ({node.value[:60]})")
    for target in _store_targets(node):
        path = _stored_path(target, names)
        if path and _is_patched(path):
            yield _Finding("grader-patch", node, f"replaces {path}")
    if isinstance(node, ast.Call):
        yield from _patching_call(node, names)


def _is_startup_file(text: str) -> bool:
    """``conftest.py``, ``sitecustomize.py``, ``autograder/checks.py``: once written, it runs in the grader."""
    path = text.strip().replace("\\", "/")
    return path.rsplit("/", 1)[-1] in _STARTUP_FILES or path.startswith(_SHADOWING_FOLDERS)


def _store_targets(node: ast.AST) -> list[ast.expr]:
    """What ``node`` assigns or deletes: ``a.b = ...``, ``a[k] = ...``, ``x, a.b = ...``, ``del a.b``."""
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in _unpacked(target)]
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    if isinstance(node, ast.Delete):
        return list(node.targets)
    return []


def _unpacked(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [t for element in target.elts for t in _unpacked(element)]
    return [target]


def _stored_path(target: ast.expr, names: _Names) -> str | None:
    """The dotted path a store replaces, canonical (``numpy.allclose``), or None when it is a plain variable.

    ``vars(m)[k]``, ``m.__dict__[k]`` and ``__builtins__[k]`` replace the attribute ``k`` of ``m``;
    ``sys.modules[k]`` replaces an entry of sys.modules.
    """
    if isinstance(target, ast.Attribute):
        path = names.path(target)
        return _canonical(path) if path else None
    if not isinstance(target, ast.Subscript):
        return None
    key = _text(target.slice) or "<name>"
    container = _dict_of(target.value)
    base = names.path(container)
    if not base:
        return None
    if container is not target.value or base == "__builtins__":
        return f"{_canonical(base)}.{key}"
    return f"sys.modules[{key!r}]" if base == "sys.modules" else None


def _dict_of(node: ast.expr) -> ast.expr:
    """``vars(m)``, ``m.__dict__`` -> ``m``, whose attributes a subscript store replaces; else ``node``."""
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars" and node.args:
        return node.args[0]
    return node


def _is_patched(path: str) -> bool:
    if path.startswith("sys.modules["):
        return True
    canonical = _canonical(path)
    if any(canonical.startswith(module + ".") for module in _PATCHED_MODULES):
        return True
    module, _, attribute = canonical.rpartition(".")
    return attribute in _PATCHED_ATTRIBUTES.get(module, frozenset())


def _canonical(path: str) -> str:
    """``np.allclose`` -> ``numpy.allclose``, ``os.sys.modules`` -> ``sys.modules``."""
    parts = path.split(".")
    for index in range(1, len(parts) - 1):
        if parts[index] in _REROOTS:
            return ".".join(parts[index:])
    root, dot, rest = path.partition(".")
    return _CANONICAL.get(root, root) + dot + rest


def _patching_call(call: ast.Call, names: _Names) -> Iterator[_Finding]:
    callee = names.path(call.func) or ""
    if callee in _SETTERS and len(call.args) >= 2:
        base = names.path(call.args[0])
        attribute = _text(call.args[1])
        if base and _patches_by_name(base, attribute):
            yield _Finding("grader-patch", call, f"replaces {_canonical(base)}.{attribute or '<name>'} ({callee})")
    yield from _mock_patches(call, callee, names)
    owner, _, method = callee.rpartition(".")
    if owner in _IMPORT_HOOK_LISTS and method in ("insert", "append", "extend"):
        yield _Finding("grader-patch", call, f"installs an import hook ({owner})")
    if method == "update" and isinstance(call.func, ast.Attribute):
        target = _dict_of(call.func.value)
        base = names.path(target) if target is not call.func.value else None
        if base and _patches_by_name(base, None):
            yield _Finding("grader-patch", call, f"replaces attributes of {_canonical(base)}")


def _mock_patches(call: ast.Call, callee: str, names: _Names) -> Iterator[_Finding]:
    """``mock.patch("numpy.allclose", ...)`` and ``mock.patch.object(np, "allclose", ...)``: patches by another name."""
    if callee.endswith("mock.patch") and call.args:
        target = _text(call.args[0])
        if target and _is_patched(target):
            yield _Finding("grader-patch", call, f"replaces {_canonical(target)} (mock.patch)")
    elif callee.endswith("mock.patch.object") and len(call.args) >= 2:
        base, attribute = names.path(call.args[0]), _text(call.args[1])
        if base and _patches_by_name(base, attribute):
            yield _Finding("grader-patch", call, f"replaces {_canonical(base)}.{attribute or '<name>'} (mock.patch)")


def _patches_by_name(base: str, attribute: str | None) -> bool:
    """``setattr(base, attribute, ...)``: a named attribute as above; an unknown one of any module watched."""
    if attribute is not None:
        return _is_patched(f"{base}.{attribute}")
    canonical = _canonical(base)
    return canonical in _PATCHED_ATTRIBUTES or _is_patched(canonical + ".x")


# -- small helpers -------------------------------------------------------------------------------


def _text(node: ast.AST) -> str | None:
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


def _strings(node: ast.AST) -> Iterator[str]:
    """Every string literal in ``node``; an f-string's fields count as ``{}``, so ``f"/proc/{pid}/fd"`` reads as one."""
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr):
            yield "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in child.values)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def _all_nodes(trees: list[ast.Module]) -> Iterator[ast.AST]:
    for tree in trees:
        yield from ast.walk(tree)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
