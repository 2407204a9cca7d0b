"""Which notebook a ``check("q1")`` or ``submit()`` cell means, found from the kernel's own context.

A kernel does not know which file it runs: Jupyter Server and VS Code say so, Colab's frontend hands
the notebook over on request, and nbclient, ``jupyter nbconvert --execute`` or papermill say
nothing. So the locator tries, in order:

1. the notebook the student names (``notebook=``);
2. the hints of the frontend that started the kernel: Jupyter Server (and so JupyterLab, Notebook,
   JupyterHub) sets ``JPY_SESSION_NAME``; VS Code puts ``__vsc_ipynb_file__`` in the namespace;
3. Colab's frontend: ``google.colab._message.blocking_request("get_ipynb")`` returns the open notebook
   as JSON (it is on no disk the kernel sees), which is written to a temporary file and checked;
4. the kernel's own history: IPython keeps the source of every cell this kernel ran, the running one
   included, so of the folder's notebooks the one whose code cells hold them is the one being run.
   nbclient and nbconvert run a notebook from its file, so this finds it beside any copies;
5. the folder's only notebook.

Otherwise :class:`NotebookNotFound` says which notebooks it saw and how to name one.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from autograder import messages
from autograder.errors import TfgradeError
from autograder.reports.formats import safe_text

How = Literal["given", "jupyter", "vscode", "colab", "history", "only"]

COLAB_TIMEOUT_SECONDS = 30
"""How long Colab's frontend may take to hand the notebook over (it answers in well under a second)."""

_HOW_TEXT = {
    "given": messages.FOUND_GIVEN,
    "jupyter": messages.FOUND_JUPYTER,
    "vscode": messages.FOUND_VSCODE,
    "colab": messages.FOUND_COLAB,
    "history": messages.FOUND_HISTORY,
    "only": messages.FOUND_ONLY,
}


class NotebookNotFound(TfgradeError, ValueError):
    """No notebook, or more than one, fits what this kernel ran; the message names them."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for it in a notebook: the sentence, not a traceback into tfgrade."""
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True)
class Located:
    """The notebook to check, and how it was found."""

    path: Path
    """The file to grade: the notebook itself, or for Colab a temporary copy of what its frontend sent."""
    home: Path
    """The folder the notebook belongs to: where its assignment is looked for and a submission zip goes."""
    how: How

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def seat(self) -> Path:
        """Where the notebook stands for the student (for Colab, in the working folder, not the temporary one)."""
        return self.home / self.name

    def sentence(self) -> str:
        """Which notebook was checked and how it was found, for the student."""
        name = safe_text(self.name, 200)  # a file name is the student's text: no terminal escapes
        return messages.CHECKED_NOTEBOOK.format(file=name, how=_HOW_TEXT[self.how].format())


@contextmanager
def located(given: str | os.PathLike[str] | None = None, folder: Path | None = None) -> Iterator[Located]:
    """:func:`locate`, removing Colab's temporary copy afterwards."""
    found = locate(given, folder)
    try:
        yield found
    finally:
        if found.how == "colab":
            shutil.rmtree(found.path.parent, ignore_errors=True)


def locate(given: str | os.PathLike[str] | None = None, folder: Path | None = None) -> Located:
    """The notebook a check cell means (see the module's docstring for the order)."""
    folder = folder or Path.cwd()
    if given is not None:
        path = Path(given)
        return Located(path, path.resolve().parent, "given")
    found = _from_frontend() or _from_colab(folder)
    if found is not None:
        return found
    candidates = sorted(folder.glob("*.ipynb"))
    chosen = by_history(candidates, kernel_history())
    if chosen is not None:
        return Located(chosen, folder, "history")
    if len(candidates) == 1:
        return Located(candidates[0], folder, "only")
    raise NotebookNotFound(_not_found(folder, candidates))


# --- the frontends' hints ------------------------------------------------------------------------


def _from_frontend() -> Located | None:
    """The notebook Jupyter Server or VS Code says this kernel runs, when that file is here."""
    session = os.environ.get("JPY_SESSION_NAME")
    # Jupyter Server gives the full path; older servers gave it relative to their root, and then
    # the kernel runs in the notebook's folder.
    for path in (Path(session), Path(Path(session).name)) if session else ():
        if path.is_file():
            return Located(path, path.resolve().parent, "jupyter")
    vscode = _shell_namespace().get("__vsc_ipynb_file__") or os.environ.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and Path(vscode).is_file():
        return Located(Path(vscode), Path(vscode).resolve().parent, "vscode")
    return None


def _shell() -> Any:
    """The running IPython shell, or None outside IPython (never imports IPython itself)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _shell_namespace() -> dict[str, Any]:
    namespace = getattr(_shell(), "user_ns", None)
    return namespace if isinstance(namespace, dict) else {}


# --- Colab ---------------------------------------------------------------------------------------


def _from_colab(folder: Path) -> Located | None:
    """Colab's open notebook, written to a temporary file (the kernel's disk does not hold it)."""
    ipynb = colab_notebook()
    if ipynb is None:
        return None
    name = _colab_name(ipynb)
    path = Path(tempfile.mkdtemp(prefix="tfgrade-colab-")) / name
    path.write_text(json.dumps(ipynb, ensure_ascii=False), encoding="utf-8")
    return Located(path, folder, "colab")


def colab_notebook() -> dict[str, Any] | None:
    """The open notebook's JSON from Colab's frontend; None outside Colab or when it does not answer."""
    # Colab's kernel imports google.colab at start: never import it elsewhere, where a request
    # would wait for a frontend that is not there.
    if "google.colab" not in sys.modules:
        return None
    try:
        message = importlib.import_module("google.colab._message")
        reply = message.blocking_request("get_ipynb", request="", timeout_sec=COLAB_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure of the frontend means: not this route
        return None
    ipynb = reply.get("ipynb") if isinstance(reply, dict) else None
    return ipynb if isinstance(ipynb, dict) and isinstance(ipynb.get("cells"), list) else None


def _colab_name(ipynb: dict[str, Any]) -> str:
    """The name Colab shows for the notebook (its metadata), made a plain file name."""
    metadata = ipynb.get("metadata")
    colab = metadata.get("colab") if isinstance(metadata, dict) else None
    name = colab.get("name") if isinstance(colab, dict) else None
    stem = Path(name).name.removesuffix(".ipynb").strip() if isinstance(name, str) else ""
    return f"{stem or 'colab'}.ipynb"


# --- the kernel's history ------------------------------------------------------------------------


def kernel_history() -> list[str]:
    """The sources of the cells this kernel ran, oldest first, the running one last (empty outside IPython)."""
    shell = _shell()
    raw = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    cells = raw if isinstance(raw, list) else _shell_namespace().get("In", [])
    return [c for c in cells if isinstance(c, str)]


def by_history(candidates: Sequence[Path], history: Sequence[str]) -> Path | None:
    """The one notebook whose code cells hold the most of ``history``, the running cell first; None on a tie.

    A copy of the template shares the unchanged cells (imports, ``check`` cells) with the student's
    notebook but not the answers, so the notebook actually run holds strictly more of its history.
    """
    ran = [_normal(c) for c in history if _normal(c)]
    if not ran or not candidates:
        return None
    scores = {path: _score(_code_cells(path), ran) for path in candidates}
    best = max(scores.values())
    winners = [path for path, score in scores.items() if score == best]
    return winners[0] if best[1] > 0 and len(winners) == 1 else None


def _score(cells: frozenset[str], ran: list[str]) -> tuple[bool, int]:
    """(holds the running cell, how many distinct cells of the history it holds)."""
    return ran[-1] in cells, len(cells.intersection(ran))


def _code_cells(path: Path) -> frozenset[str]:
    """The normalised sources of a notebook's code cells; none for a file that is not a notebook."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return frozenset()
    sources = (c.get("source", "") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code")
    return frozenset(_normal("".join(s) if isinstance(s, list) else str(s)) for s in sources)


def _normal(source: str) -> str:
    """A cell's source as Jupyter may save it: trailing spaces and blank edges do not count."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


# --- when nothing fits ---------------------------------------------------------------------------


def _not_found(folder: Path, candidates: Sequence[Path]) -> str:
    example = example_name(folder, candidates)
    if not candidates:
        return messages.NO_NOTEBOOK_HERE.format(folder=str(folder), example=example)
    names = ", ".join(safe_text(p.name, 200) for p in candidates)
    return messages.WHICH_NOTEBOOK.format(candidates=names, example=example)


def example_name(folder: Path, candidates: Sequence[Path]) -> str:
    """The assignment's own notebook name, for the example in a message: from a release's
    ``assignment.toml`` here, else from the notebooks' assignment, else the first notebook's name."""
    for config in (folder / "assignment.toml", *(p.parent / "assignment.toml" for p in candidates)):
        name = _notebook_in_config(config)
        if name:
            return name
    return next((n for p in candidates if (n := _assignment_notebook(p))), None) or (
        candidates[0].name if candidates else "notebook.ipynb"
    )


def _notebook_in_config(config: Path) -> str | None:
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return str(data.get("notebook", f"{data.get('name', config.parent.name)}.ipynb"))


def _assignment_notebook(path: Path) -> str | None:
    """The student notebook's name of the assignment ``path`` says it is for, when that is found."""
    from autograder.core import assignment as assignments  # heavy; only on this error's path
    from autograder.core import notebook as notebooks

    try:
        name = notebooks.load(path, expected_assignment=None).assignment
        return assignments.for_notebook(path, name).template.name if name else None
    except Exception:  # noqa: BLE001 - any notebook or course problem: fall back to a plainer example
        return None
