"""The ``tfgrade`` command: parse, call, write, exit. The work lives in importable modules.

* :mod:`autograder.cli.parser`     every command, option and help text (light: ``--help`` imports only it);
* :mod:`autograder.cli.options`    each command's options as one frozen value, validated once;
* :mod:`autograder.cli.commands`   what grade, check, submit, list and export do (imported when one runs);
* :mod:`autograder.cli.authoring`  what validate, release, assign, new, catalogs, gradescope and otter do.

:func:`main` is the one place an error tfgrade raises on purpose becomes a line on stderr and an exit code
(:attr:`autograder.errors.TfgradeError.exit_code`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autograder import lean_imports
from autograder.cli import options
from autograder.cli.parser import build as _parser
from autograder.errors import TfgradeError

if TYPE_CHECKING:  # at run time, __getattr__ imports them on first use
    from autograder.interop import gradescope

__all__ = ["gradescope", "main", "runners"]

_LAZY = {
    # Names tests reach through the package, as they did when the CLI was one module.
    "gradescope": ("autograder.interop.gradescope", None),
    "_for_notebook": ("autograder.cli.commands", "for_notebook"),
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        chosen = options.from_args(args.options, args)  # checked before anything is read
        lean_imports.jsonschema()  # before anything imports nbformat
        return int(runners()[args.command](chosen))
    except TfgradeError as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return exc.exit_code


def runners() -> dict[str, Callable[[Any], int]]:
    """Each command's name and what runs it (the parser names the options class of each)."""
    from autograder.cli import authoring, commands  # the heavy part: only for a command that runs

    return {**commands.RUNNERS, **authoring.RUNNERS, "review": _run_review}


def _run_review(o: options.ReviewOptions) -> int:
    """``tfgrade review``: the desk needs the optional extra ``review`` (Starlette, uvicorn)."""
    try:
        from autograder.cli import review
    except ImportError as exc:
        raise options.UsageError(f"tfgrade review needs {exc.name}: pip install 'tfgrade[review]'") from exc
    return review.run_review(o)


def __getattr__(name: str) -> object:
    """Heavy names, imported on first use: ``autograder.cli.gradescope`` imports the sandbox."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    found = importlib.import_module(module)
    return getattr(found, attribute) if attribute else found
