"""The four rules of :mod:`autograder.core.integrity`: how a node of a submission reaches into the grader.

``grader-import``, ``interpreter-walk``, ``inherited-fd`` and ``grader-patch``, each judged on the paths
:mod:`autograder.core.integrity_names` resolves, with the tables of what each rule looks for.

Pure: ``ast`` in, findings out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from autograder.core.integrity_names import (
    FD_LISTING,
    GRADER_PACKAGE,
    IMPORTERS,
    Names,
    canonical_path,
    constant_text,
    dict_of,
    is_fileno_call,
    opens_fd,
    string_literals,
)
from autograder.core.results import FlagKind

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


_STANDARD_FDS = frozenset({0, 1, 2})
_OPEN_CALLS = frozenset({"open", "builtins.open", "io.open", "io.FileIO", "os.fdopen"})

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
STAR_NAMES = frozenset({*_WALKERS, "sys.modules", "os.write", "os.fdopen", "os.dup2", "socket.fromfd"})
"""The names a rule looks for that ``from module import *`` binds."""


@dataclass(frozen=True)
class Finding:
    kind: FlagKind
    node: ast.AST
    detail: str


def findings(node: ast.AST, names: Names, parents: dict[ast.AST, ast.AST]) -> Iterator[Finding]:
    yield from _grader_imports(node, names)
    yield from _interpreter_walks(node, names, parents)
    yield from _inherited_fds(node, names)
    yield from _grader_patches(node, names)


def _names_grader(path: str | None) -> bool:
    return bool(path) and (path == GRADER_PACKAGE or str(path).startswith(GRADER_PACKAGE + "."))


def _grader_imports(node: ast.AST, names: Names) -> Iterator[Finding]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if _names_grader(alias.name):
                yield Finding("grader-import", node, f"imports {alias.name}")
    elif isinstance(node, ast.ImportFrom) and not node.level and _names_grader(node.module):
        yield Finding("grader-import", node, f"imports from {node.module}")
    elif isinstance(node, ast.Call) and names.path(node.func) in IMPORTERS and node.args:
        modules, importer = names.texts(node.args[0]), names.path(node.func)
        if modules is None:  # "".join(reversed("redargotua")): a name the code hides until it runs
            yield Finding("grader-import", node, f"imports a module whose name is computed as it runs ({importer})")
        for module in sorted(m for m in modules or () if _names_grader(m)):
            yield Finding("grader-import", node, f"imports {module} ({importer})")


def _interpreter_walks(node: ast.AST, names: Names, parents: dict[ast.AST, ast.AST]) -> Iterator[Finding]:
    if isinstance(node, ast.Attribute) and node.attr in _REFLECTION_ATTRIBUTES:
        yield Finding("interpreter-walk", node, _REFLECTION_ATTRIBUTES[node.attr])
        return
    if not isinstance(node, ast.Name | ast.Attribute | ast.Call | ast.Subscript) or _inner_link(node, parents, names):
        return  # only the whole chain: ``sys.modules.values`` is judged once, at its outermost node
    path = names.path(node)
    if path in _WALKERS:
        yield Finding("interpreter-walk", node, _WALKERS[path])
    modules = _sys_modules_use(node, names, parents)
    if modules:
        yield Finding("interpreter-walk", node, modules)


def _inner_link(node: ast.AST, parents: dict[ast.AST, ast.AST], names: Names) -> bool:
    """Whether ``node`` is part of a longer chain (``sys`` in ``sys.modules``, ``x`` in ``getattr(x, "y")``)."""
    parent = parents.get(node)
    step = names.step(parent) if parent is not None else None
    return isinstance(step, tuple) and step[0] is node


def _sys_modules_use(node: ast.AST, names: Names, parents: dict[ast.AST, ast.AST]) -> str:
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
        name = constant_text(parent.left)
    elif isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Load):
        own = isinstance(parent.slice, ast.Name) and parent.slice.id == "__name__"  # the notebook's own module
        name = "__main__" if own else constant_text(parent.slice)
    else:
        get = _method_call(chain, parents, "get")
        name = constant_text(get.args[0]) if get is not None and get.args else None
    return name is not None and not _names_grader(name)


def _chain_to(node: ast.AST, target: str, names: Names) -> ast.AST | None:
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


def _inherited_fds(node: ast.AST, names: Names) -> Iterator[Finding]:
    for text in _path_texts(node, names):
        for match in FD_LISTING.finditer(text):
            yield Finding("inherited-fd", node, f"lists the open file descriptors ({match.group()})")
    if not isinstance(node, ast.Call):
        return
    callee = names.path(node.func) or ""
    if callee in _FD_ALWAYS:
        yield Finding("inherited-fd", node, _FD_ALWAYS[callee])
    elif callee in ("socket.socket", "socket.SocketType") and _fileno_argument(node):
        yield Finding("inherited-fd", node, "opens a socket on an existing descriptor (socket.socket(fileno=...))")
    elif callee in _FD_USERS and node.args and not _own_fd(node.args[0], names):
        yield Finding("inherited-fd", node, f"uses a file descriptor it did not open ({callee})")
    elif callee in _OPEN_CALLS and node.args and _foreign_fd_number(node.args[0], names):
        yield Finding("inherited-fd", node, f"opens a file descriptor it did not open ({callee}(<number>))")


def _path_texts(node: ast.AST, names: Names) -> list[str]:
    """The text of a string literal, f-string, ``"a" + "b"`` or ``os.path.join("a", "b")``, as a path."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return list(string_literals(node))
    if isinstance(node, ast.BinOp):
        text = constant_text(node)
        return [text] if text else []
    if isinstance(node, ast.Call) and names.simple_path(node.func) in ("os.path.join", "posixpath.join"):
        parts = [constant_text(a) for a in node.args]
        return ["/".join(p for p in parts if p is not None).replace("//", "/")] if None not in parts else []
    return []


def _fileno_argument(call: ast.Call) -> bool:
    return len(call.args) >= 4 or any(k.arg == "fileno" for k in call.keywords)


def _own_fd(node: ast.expr, names: Names) -> bool:
    if isinstance(node, ast.Constant) and node.value in _STANDARD_FDS and not isinstance(node.value, bool):
        return True
    if isinstance(node, ast.Subscript):  # r, w = os.pipe() as pipe[1]
        node = node.value
    return (isinstance(node, ast.Name) and node.id in names.own_fds) or is_fileno_call(node) or opens_fd(node, names)


def _foreign_fd_number(node: ast.expr, names: Names) -> bool:
    """An int literal past stdin/stdout/stderr, or a number taken from a listing of descriptors."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value not in _STANDARD_FDS
    if isinstance(node, ast.Call) and names.path(node.func) == "int" and node.args:
        node = node.args[0]
    return isinstance(node, ast.Name) and node.id in names.listed_fds


def _grader_patches(node: ast.AST, names: Names) -> Iterator[Finding]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_startup_file(node.value):
        yield Finding("grader-patch", node, f"names a file that Python or pytest would load ({node.value[:60]})")
    for target in _store_targets(node):
        path = _stored_path(target, names)
        if path and _is_patched(path):
            yield Finding("grader-patch", node, f"replaces {path}")
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


def _stored_path(target: ast.expr, names: Names) -> str | None:
    """The dotted path a store replaces, canonical (``numpy.allclose``), or None when it is a plain variable.

    ``vars(m)[k]``, ``m.__dict__[k]`` and ``__builtins__[k]`` replace the attribute ``k`` of ``m``;
    ``sys.modules[k]`` replaces an entry of sys.modules.
    """
    if isinstance(target, ast.Attribute):
        path = names.path(target)
        return canonical_path(path) if path else None
    if not isinstance(target, ast.Subscript):
        return None
    key = constant_text(target.slice) or "<name>"
    container = dict_of(target.value)
    base = names.path(container)
    if not base:
        return None
    if container is not target.value or base == "__builtins__":
        return f"{canonical_path(base)}.{key}"
    return f"sys.modules[{key!r}]" if base == "sys.modules" else None


def _is_patched(path: str) -> bool:
    if path.startswith("sys.modules["):
        return True
    canonical = canonical_path(path)
    if any(canonical.startswith(module + ".") for module in _PATCHED_MODULES):
        return True
    module, _, attribute = canonical.rpartition(".")
    return attribute in _PATCHED_ATTRIBUTES.get(module, frozenset())


def _patching_call(call: ast.Call, names: Names) -> Iterator[Finding]:
    callee = names.path(call.func) or ""
    if callee in _SETTERS and len(call.args) >= 2:
        base = names.path(call.args[0])
        attribute = constant_text(call.args[1])
        if base and _patches_by_name(base, attribute):
            yield Finding("grader-patch", call, f"replaces {canonical_path(base)}.{attribute or '<name>'} ({callee})")
    yield from _mock_patches(call, callee, names)
    owner, _, method = callee.rpartition(".")
    if owner in _IMPORT_HOOK_LISTS and method in ("insert", "append", "extend"):
        yield Finding("grader-patch", call, f"installs an import hook ({owner})")
    if method == "update" and isinstance(call.func, ast.Attribute):
        target = dict_of(call.func.value)
        base = names.path(target) if target is not call.func.value else None
        if base and _patches_by_name(base, None):
            yield Finding("grader-patch", call, f"replaces attributes of {canonical_path(base)}")


def _mock_patches(call: ast.Call, callee: str, names: Names) -> Iterator[Finding]:
    """``mock.patch("numpy.allclose", ...)`` and ``mock.patch.object(np, "allclose", ...)``: patches by another name."""
    if callee.endswith("mock.patch") and call.args:
        target = constant_text(call.args[0])
        if target and _is_patched(target):
            yield Finding("grader-patch", call, f"replaces {canonical_path(target)} (mock.patch)")
    elif callee.endswith("mock.patch.object") and len(call.args) >= 2:
        base, attribute = names.path(call.args[0]), constant_text(call.args[1])
        if base and _patches_by_name(base, attribute):
            yield Finding("grader-patch", call, f"replaces {canonical_path(base)}.{attribute or '<name>'} (mock.patch)")


def _patches_by_name(base: str, attribute: str | None) -> bool:
    """``setattr(base, attribute, ...)``: a named attribute as above; an unknown one of any module watched."""
    if attribute is not None:
        return _is_patched(f"{base}.{attribute}")
    canonical = canonical_path(base)
    return canonical in _PATCHED_ATTRIBUTES or _is_patched(canonical + ".x")
