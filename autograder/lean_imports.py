"""Third-party packages imported without optional parts that the grader never uses and that are slow to load.

jsonschema, which nbformat validates every notebook with, imports rfc3987-syntax when it is installed
(Jupyter's own packages install it) to check the ``iri`` string formats. That package builds a Lark
grammar at import: about a second of CPU in every command that reads a notebook, three times the
rest of nbformat's import. No notebook schema uses those formats, so jsonschema is imported here as if
the package were missing, and the package stays importable for anyone who asks for it by name.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

SLOW_OPTIONAL = "rfc3987_syntax"


def jsonschema() -> None:
    """Import jsonschema (and so nbformat's validator) without rfc3987-syntax; nothing if it is loaded already."""
    if "jsonschema" in sys.modules or importlib.util.find_spec(SLOW_OPTIONAL) is None:
        return
    held = SLOW_OPTIONAL not in sys.modules
    if held:
        sys.modules[SLOW_OPTIONAL] = None  # type: ignore[assignment]  # the import system's "not importable" mark
    try:
        importlib.import_module("jsonschema")
    finally:
        if held and sys.modules.get(SLOW_OPTIONAL, ...) is None:
            del sys.modules[SLOW_OPTIONAL]
