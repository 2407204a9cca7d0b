"""Runs INSIDE the student's process: the notebook's cells, run by IPython as a Jupyter kernel runs them.

Each cell goes through IPython's own ``InteractiveShell.run_cell``: its input transformers turn
``%magic``, ``%%cell magic``, ``!cmd``, ``x = !cmd``, ``y = %time f()`` and ``obj?`` into Python;
its display hook keeps ``_``, ``__`` and ``Out`` and computes rich reprs; ``display()`` and
``get_ipython()`` exist. What differs from a Jupyter kernel is only what the sandbox needs:

* code is compiled under ``<notebook cell N>`` (N the cell's position in the notebook) and its
  source is kept in ``linecache`` under that name, so errors name the cell and the line the
  student sees, and AutoGraph can read the source of functions the cell defines;
* no history database, no profile or configuration read from a home folder (the shell's IPython
  folder is a fresh, empty temporary folder), no colours, no traceback printed (the cell's error
  is reported to the grader instead), and printed output is not also kept in memory;
* a shell command (``!cmd``, ``x = !cmd``, ``%pip``, an alias such as ``%ls``) runs under
  ``/bin/sh`` in the sandbox, with its output read into ``sys.stdout`` as ipykernel does; one
  that installs packages or needs the network is refused with a message that says why, as the
  grader has neither; :func:`end_processes_started_since` ends whatever a cell left running.
"""

from __future__ import annotations

import ast
import atexit
import importlib.util
import os
import re
import subprocess
import tempfile
import types
import warnings
from typing import Any

from IPython.core.compilerop import CachingCompiler
from IPython.core.inputtransformer2 import TransformerManager, leading_empty_lines
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.profiledir import ProfileDir
from IPython.utils.text import LSString, SList
from traitlets import Type
from traitlets.config import Config

from autograder.student_side.processes import (  # noqa: F401 - the cell runner's names, kept here
    adopt_orphans,
    descendants,
    end_processes_started_since,
    processes_end_with_the_cell,
)
from autograder.student_side.shell import (  # noqa: F401
    CannotInstallPackages,
    NoNetwork,
    _Collector,
    _Printer,
    _run_command,
    refuse_what_the_sandbox_lacks,
)


def cell_filename(number: int) -> str:
    """The name a cell's code is compiled under, as errors and ``linecache`` show it."""
    return f"<notebook cell {number}>"


class Kernel:
    """One IPython shell, whose user namespace is the ``__main__`` module the checks look names up in."""

    def __init__(self, module: types.ModuleType) -> None:
        # IPython wants a folder; this one is fresh and empty, in the HOME the grader gave this process
        # (the sandbox's /tmp, or the job's folder), so it goes when the job does.
        folder = tempfile.mkdtemp(prefix=".ipython-", dir=os.environ.get("HOME"))
        os.environ["IPYTHONDIR"] = folder  # for code that asks IPython.paths instead of the shell
        self.shell = _Shell.instance(
            config=_config(), ipython_dir=folder, profile_dir=ProfileDir(location=os.path.join(folder, "profile")),
            user_module=module,
        )
        self.shell.history_manager.outputs = _Discard()  # type: ignore[union-attr]
        self.shell.input_transformer_manager = _Transformers()  # type: ignore[no-untyped-call]  # IPython is untyped
        # At exit IPython would clear the namespace (every model and tensor: a fifth of a second after
        # TensorFlow) and save history it does not keep; the job's folder goes with the job anyway.
        atexit.unregister(self.shell.atexit_operations)
        # IPython adds this to a sys.exit() in a cell, which the grader reports as the cell's error.
        warnings.filterwarnings("ignore", message="To exit: use 'exit', 'quit', or Ctrl-D.")

    @property
    def namespace(self) -> dict[str, Any]:
        namespace: dict[str, Any] = self.shell.user_ns
        return namespace

    def run(self, number: int, source: str) -> BaseException | None:
        """Run one cell as Jupyter would; its error (None if it ran cleanly).

        An exception raised while IPython itself runs (a ``CellTimeout`` that arrives between two
        of IPython's steps) is the cell's error too.
        """
        self.shell.compile.start_cell(number, source)
        blank_lines_dropped = self.shell.compile.lines.top_offset
        self._shift_lines_if_needed()
        try:
            result = self.shell.run_cell(source, store_history=True)  # type: ignore[no-untyped-call]  # IPython is untyped
        except BaseException as exc:  # noqa: BLE001 - CellTimeout and SystemExit are cell errors
            return exc
        finally:
            self.shell.compile.end_cell()
        error: BaseException | None = result.error_before_exec or result.error_in_exec
        if isinstance(error, SyntaxError) and error.filename == cell_filename(number) and error.lineno:
            error.lineno += blank_lines_dropped  # parsed before its lines were moved back
        return error


    def _shift_lines_if_needed(self) -> None:
        """Only then: with any AST transformer, IPython walks every cell's tree once more."""
        lines = self.shell.compile.lines
        others = [t for t in self.shell.ast_transformers if t is not lines]
        self.shell.ast_transformers[:] = [*others, lines] if lines.needed else others


def _config() -> Config:
    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file, no saving thread
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autocall = 0
    config.InteractiveShell.autoindent = False
    return config


class _Discard(dict[int, list[Any]]):
    """IPython keeps every cell's printed output for its history; a flood of output would fill the memory."""

    def __contains__(self, key: object) -> bool:
        return False

    def __getitem__(self, key: int) -> list[Any]:
        return []


# --- where code comes from: the cell's number and lines -----------------------------------------


class _LineShift(ast.NodeTransformer):
    """Moves a parsed cell's line numbers back to where the student sees them.

    IPython drops a cell's leading blank lines before parsing it, and a cell magic (``%%time``)
    hands its body, which starts one line further down, to code that parses it again. The first
    AST transformed in a cell is the cell itself; any later one is the body of its cell magic.
    """

    def __init__(self) -> None:
        self.top_offset = 0
        self.body_offset: int | None = None
        self._top_done = False

    def start(self, top_offset: int, body_offset: int | None) -> None:
        self.top_offset, self.body_offset, self._top_done = top_offset, body_offset, False

    @property
    def needed(self) -> bool:
        return bool(self.top_offset) or self.body_offset is not None

    def visit(self, node: ast.AST) -> ast.AST:
        offset = self.body_offset if self._top_done else self.top_offset
        self._top_done = True
        if offset:
            ast.increment_lineno(node, offset)
        return node


class _Transformers(TransformerManager):
    """IPython's input transformers, which leave a cell without any IPython syntax as it is.

    They tokenize every cell, a third of the time IPython spends on a short one. A cell with none
    of the characters IPython's syntax starts with (``%``, ``!``, ``?``; ``/``, ``,``, ``;`` or a
    prompt starting a line; a blank or indented first line) comes out unchanged, so it skips them.
    """

    def transform_cell(self, cell: str) -> str:
        if _MAYBE_IPYTHON.search(cell):
            return super().transform_cell(cell)
        return cell if cell.endswith("\n") else cell + "\n"


_MAYBE_IPYTHON = re.compile(r"[%!?]|^[ \t]*[/,;]|>>>|\.\.\.|In \[|\A\s", re.MULTILINE)
_TRANSFORMER = TransformerManager()


class _CellCompiler(CachingCompiler):
    """IPython's compiler, naming code after the notebook cell it comes from."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # IPython is untyped
        self.cell = 0
        self.lines = _LineShift()
        self._magic_body: str | None = None

    def start_cell(self, number: int, source: str) -> None:
        self.cell = number
        lines = source.splitlines(keepends=True)
        top_offset = len(lines) - len(leading_empty_lines(lines))
        rest = lines[top_offset:]
        self._magic_body = "".join(rest[1:]) if rest and rest[0].startswith("%%") else None
        body_offset = None
        if self._magic_body is not None:
            body = rest[1:]
            body_offset = top_offset + 1 + len(body) - len(leading_empty_lines(body))
        self.lines.start(top_offset, body_offset)

    def end_cell(self) -> None:
        self.lines.start(0, None)
        self._magic_body = None

    def get_code_name(self, raw_code: str, transformed_code: str, number: int) -> str:
        return cell_filename(self.cell)

    def cache(self, transformed_code: str, number: int = 0, raw_code: str | None = None) -> str:
        name = cell_filename(self.cell)
        if self.lines._top_done and self.lines.body_offset is not None:
            return name  # a cell magic's body run as a cell (%%capture): the whole cell is registered
        super().cache(self._registered_text(transformed_code), number, raw_code)
        return name

    def _registered_text(self, transformed: str) -> str:
        """The cell's code as compiled, each line where the student sees it (AutoGraph reads it)."""
        text = "\n" * self.lines.top_offset + transformed
        if self._magic_body is None or self.lines.body_offset is None:
            return text
        try:
            body = _TRANSFORMER.transform_cell(self._magic_body)
        except Exception:  # noqa: BLE001 - a body that is not Python (%%bash, %%html): kept as written
            body = self._magic_body
        padding = self.lines.body_offset - text.count("\n") - (0 if text.endswith("\n") else 1)
        return text.rstrip("\n") + "\n" + "\n" * max(padding, 0) + body

    def __call__(self, source: Any, filename: str, symbol: str, **kwargs: Any) -> Any:
        if filename in ("<timed exec>", "<timed eval>") and self.lines.body_offset is not None:
            filename = cell_filename(self.cell)  # %%time's body: its lines were shifted into the cell's
        return super().__call__(source, filename, symbol, **kwargs)


# --- the shell ----------------------------------------------------------------------------------


class _Shell(InteractiveShell):
    """IPython's shell, with shell commands run under the sandbox and no traceback printed."""

    compiler_class = Type(_CellCompiler)
    compile: _CellCompiler

    def ask_exit(self) -> None:
        """``exit()`` and ``quit()`` end a Jupyter kernel; here they are a cell error, as ``sys.exit()`` is."""
        raise SystemExit()

    def enable_matplotlib(self, gui: str | None = None) -> tuple[str | None, str | None]:
        """``%matplotlib inline`` (or widget, qt...): plots stay on the headless Agg backend the grader
        sets (``MPLBACKEND``), so ``plt.show()`` returns; there is no display or front end to draw in.
        IPython's own would ask for a GUI event loop, which a shell without a kernel cannot give."""
        return gui, "agg" if importlib.util.find_spec("matplotlib") is not None else None

    def system(self, cmd: str) -> None:
        """``!cmd``, ``%pip``, ``%ls``: run it, its output printed; the exit code in ``_exit_code``."""
        if cmd.rstrip().endswith("&"):
            raise OSError("Background processes not supported.")  # IPython's own words and refusal
        command = self.var_expand(cmd, depth=1)  # type: ignore[no-untyped-call]  # IPython is untyped
        refuse_what_the_sandbox_lacks(command)
        code = _run_command(command, _Printer())
        self.user_ns["_exit_code"] = code
        if self.system_raise_on_error and code != 0:
            raise subprocess.CalledProcessError(code, cmd)

    def getoutput(self, cmd: str, split: bool = True, depth: int = 0) -> SList | LSString:
        """``x = !cmd``: the command's output (stderr included) as IPython's list of lines."""
        if cmd.rstrip().endswith("&"):
            raise OSError("Background processes not supported.")
        command = self.var_expand(cmd, depth=depth + 1)  # type: ignore[no-untyped-call]  # IPython is untyped
        refuse_what_the_sandbox_lacks(command)
        collector = _Collector()
        code = _run_command(command, collector)
        if self.system_raise_on_error:
            self.user_ns["_exit_code"] = code
            if code != 0:
                raise subprocess.CalledProcessError(code, cmd)
        text = collector.text().replace("\r\n", "\n")
        return SList(text.splitlines()) if split else LSString(text)

    def run_cell_magic(self, magic_name: str, line: str, cell: str) -> Any:
        if magic_name in SHELL_CELL_MAGICS:  # %%bash runs its body without self.system
            for body_line in cell.splitlines():
                refuse_what_the_sandbox_lacks(body_line)
        return super().run_cell_magic(magic_name, line, cell)  # type: ignore[no-untyped-call]  # IPython is untyped

    # The grader reports a cell's error itself (cell number, line); printing IPython's traceback too
    # would only fill the output the grader keeps.
    def showtraceback(self, *args: Any, **kwargs: Any) -> None:
        return None

    def showsyntaxerror(self, *args: Any, **kwargs: Any) -> None:
        return None

    def showindentationerror(self) -> None:
        return None


SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system"})
