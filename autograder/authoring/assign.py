"""Generate the student notebook from the solution notebook: ``tfgrade assign NAME``.

The solution notebook (``solutions/<name>.ipynb``) is the one source of an assignment. Its answer
code sits between marker lines, as in nbgrader and otter-grader::

    def linear_layer(x):
        ### BEGIN SOLUTION
        return 3 * x + 2
        ### END SOLUTION

In the student notebook each region becomes ``# YOUR CODE HERE`` and ``raise
NotImplementedError()`` at the indentation of its BEGIN line. A prompt block right after the END
line replaces the region instead (its lines are comments, so the solution still runs)::

    ### BEGIN SOLUTION
    @keras.saving.register_keras_serializable(package="my_layers")
    ### END SOLUTION
    ### BEGIN PROMPT
    # Question 2: register this class for saving (see Question 2).
    ### END PROMPT

``### BEGIN SOLUTION NO PROMPT`` (otter's spelling) removes the region and puts nothing in its place.
One ``#`` is enough (``# BEGIN SOLUTION``). Cell tags (:data:`SOLUTION_TAG`,
:data:`INSTRUCTOR_TAGS`) hide whole cells.

A cell may carry its text in other languages in its metadata, ``tfgrade.translations``
(language code -> source). Then ``tfgrade assign`` also writes ``<name>.<language>.ipynb`` (e.g.
``autograph.ko.ipynb``) from the same solution: every markdown cell in that language, the code cells
the same, except that a code cell's translation may change what its failing asserts say and its
comments, nothing else (:func:`same_behaviour`). See docs/korean.md.

Everything here is pure except :func:`write` and :func:`check`, which read and write the files.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from autograder.core import ipynb
from autograder.core.assignment import AssignmentError, Notebooks
from autograder.core.markers import INSTRUCTOR_TAGS, SOLUTION_TAG, MarkerError, has_markers, stub, student_source

MARKDOWN_STUB = "YOUR ANSWER HERE"
"""What a markdown cell tagged ``solution`` becomes."""
KEPT_METADATA = ("kernelspec", "tfgrade")
"""Notebook metadata the student notebook keeps; the rest (language_info, widget state, ...) records the
instructor's own session, which would make the template change with every run of the solution."""
DROPPED_CELL_METADATA = ("execution", "ExecuteTime")
"""Cell metadata of the instructor's run (timings), dropped like the outputs."""

TRANSLATIONS = "translations"
"""Key under a cell's ``tfgrade`` metadata: language code -> the cell's source in that language."""
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
"""What a translation's language may be called (gettext's ``ko``, ``pt_BR``)."""


class TranslationError(AssignmentError):
    """A cell's translation is missing, or changes what a code cell does: the instructor's to fix."""


@dataclass(frozen=True)
class Staleness:
    """How the committed student notebook differs from the one ``tfgrade assign`` would write."""

    template: Path
    differences: tuple[str, ...]
    """One line per differing cell (or "missing"); empty when the template is up to date."""

    @property
    def fresh(self) -> bool:
        return not self.differences


# --- the notebook (pure) --------------------------------------------------------------------------

def student_notebook(solution: nbformat.NotebookNode, name: str, source: str = "the solution") -> nbformat.NotebookNode:
    """The student notebook of assignment ``name``: regions stubbed, tagged cells hidden, outputs cleared.

    ``source`` names the solution file in errors. Refuses a solution with nothing to hide: its student
    notebook would hand out the answers.
    """
    cells = []
    language = solution.metadata.get("tfgrade", {}).get("language")  # set by translated()
    for number, cell in enumerate(solution.cells, start=1):
        where = f"{source}, cell {number}" + (f" (id {cell['id']})" if cell.get("id") else "")
        student = _student_cell(cell, where, language)
        if student is not None:
            student["id"] = cell.get("id") or f"cell-{number}"  # nbformat 4.4 had none: stable all the same
            cells.append(student)
    if not any(_hides_something(cell) for cell in solution.cells):
        raise MarkerError(f"{source} marks no answer: the student notebook would hold the whole solution. "
                          "Put each answer between ### BEGIN SOLUTION and ### END SOLUTION lines, or tag "
                          f"the cell {SOLUTION_TAG!r} (see tfgrade assign --help).")
    notebook = ipynb.new_notebook()
    notebook.nbformat_minor = max(int(solution.get("nbformat_minor", 5)), 5)  # 4.5: cells have ids
    notebook.metadata = _metadata(solution.metadata, name)
    notebook.cells = cells
    return notebook


def _hides_something(cell: nbformat.NotebookNode) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", ()))
    return bool(tags & {SOLUTION_TAG, *INSTRUCTOR_TAGS}) or (cell.cell_type == "code" and has_markers(cell.source))


def _student_cell(cell: nbformat.NotebookNode, where: str, language: str | None) -> nbformat.NotebookNode | None:
    tags = list(cell.get("metadata", {}).get("tags", ()))
    if set(tags) & set(INSTRUCTOR_TAGS):
        return None
    student = ipynb.from_dict(cell)
    metadata = {k: v for k, v in cell.get("metadata", {}).items() if k not in DROPPED_CELL_METADATA}
    _drop_translations(metadata)
    kept_tags = [t for t in tags if t != SOLUTION_TAG]
    metadata.pop("tags", None)
    if kept_tags:
        metadata["tags"] = kept_tags
    student.metadata = metadata
    if cell.cell_type == "code":
        source = student_source(cell.source, where, language)  # checked even in a tagged cell: a bad marker is a slip
        student.source = "\n".join(stub(language)) if SOLUTION_TAG in tags else source
        student.outputs = []
        student.execution_count = None
    elif SOLUTION_TAG in tags and cell.cell_type == "markdown":
        student.source = MARKDOWN_STUB
        student.pop("attachments", None)
    return student


def _metadata(solution: dict[str, Any], name: str) -> dict[str, Any]:
    metadata = {k: v for k, v in solution.items() if k in KEPT_METADATA}
    metadata["tfgrade"] = {**metadata.get("tfgrade", {}), "assignment": name}
    return metadata


# --- other languages (pure) -----------------------------------------------------------------------

def languages(solution: nbformat.NotebookNode) -> tuple[str, ...]:
    """The languages the solution's cells are translated into (sorted), e.g. ``("ko",)``."""
    found = tuple(sorted({lang for cell in solution.cells for lang in _translations(cell)}))
    for language in found:
        if not LANGUAGE_CODE.fullmatch(language):  # it becomes part of a file name: <name>.<language>.ipynb
            raise TranslationError(f"{language!r} under metadata.tfgrade.{TRANSLATIONS} is not a language code; "
                                   "use one like 'ko', 'en' or 'pt_BR'.")
    return found


def translated(solution: nbformat.NotebookNode, language: str, source: str = "the solution") -> nbformat.NotebookNode:
    """The solution in ``language``: each cell's source replaced by its translation, ``tfgrade.language`` set.

    Every markdown cell must have a translation (a notebook half in one language is no use to a
    student); a code cell without one stays as it is. A code cell's translation may only change the
    messages of its asserts and its comments (:func:`same_behaviour`), so both notebooks run the same
    code and get the same grades.
    """
    result = copy.deepcopy(solution)
    for number, cell in enumerate(result.cells, start=1):
        where = f"{source}, cell {number}" + (f" (id {cell['id']})" if cell.get("id") else "")
        text = _translations(cell).get(language)
        if text is None and cell.cell_type == "markdown" and cell.source.strip():
            raise TranslationError(f"{where}: a markdown cell with no {language!r} text; add it under "
                                   f"metadata.tfgrade.{TRANSLATIONS}.{language} (see docs/korean.md).")
        if text is not None and cell.cell_type == "code" and not same_behaviour(cell.source, text):
            raise TranslationError(f"{where}: its {language!r} version changes the code, not only assert messages "
                                   "and comments; translate only those, so both notebooks grade the same.")
        if text is not None:
            cell.source = text
        _drop_translations(cell.metadata)
    result.metadata["tfgrade"] = {**result.metadata.get("tfgrade", {}), "language": language}
    return result


def same_behaviour(original: str, translation: str) -> bool:
    """Whether two code cells differ only in comments, the messages of ``assert`` statements and
    ``err_msg=`` arguments: the text a failing check shows, never what the code does.

    Source that is not plain Python (IPython magics) must be byte-identical.
    """
    try:
        return ast.dump(_without_messages(ast.parse(original))) == ast.dump(_without_messages(ast.parse(translation)))
    except SyntaxError:
        return original == translation


def _without_messages(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            node.msg = None
        elif isinstance(node, ast.keyword) and node.arg == "err_msg":
            node.value = ast.Constant("")
    return tree


def _translations(cell: nbformat.NotebookNode) -> dict[str, str]:
    found = cell.get("metadata", {}).get("tfgrade", {}).get(TRANSLATIONS, {})
    return {lang: "".join(text) if isinstance(text, list) else str(text) for lang, text in found.items()}


def _drop_translations(metadata: dict[str, Any]) -> None:
    """Removes ``tfgrade.translations`` (and a ``tfgrade`` left empty) from a cell's metadata, in place."""
    own = metadata.get("tfgrade")
    if isinstance(own, dict) and TRANSLATIONS in own:
        rest = {k: v for k, v in own.items() if k != TRANSLATIONS}
        if rest:
            metadata["tfgrade"] = rest
        else:
            del metadata["tfgrade"]


def render(notebook: nbformat.NotebookNode) -> str:
    """The notebook's file text: nbformat's own layout (sorted keys), so the same solution gives the same bytes."""
    ipynb.validate(notebook)
    text = ipynb.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def differences(expected: nbformat.NotebookNode, committed: nbformat.NotebookNode) -> tuple[str, ...]:
    """Which cells of the committed student notebook differ from the generated one, one line each."""
    found: list[str] = []
    if dict(expected.metadata) != dict(committed.metadata):
        found.append("the notebook's metadata differs")
    for number in range(1, max(len(expected.cells), len(committed.cells)) + 1):
        if number > len(committed.cells):
            found.append(f"cell {number}{_id(expected.cells[number - 1])}: missing from the committed notebook")
        elif number > len(expected.cells):
            found.append(f"cell {number}{_id(committed.cells[number - 1])}: not in the solution any more")
        else:
            what = _cell_difference(expected.cells[number - 1], committed.cells[number - 1])
            if what:
                found.append(f"cell {number}{_id(expected.cells[number - 1])}: {what}")
    return tuple(found)


def _id(cell: nbformat.NotebookNode) -> str:
    return f" ({cell['id']})" if cell.get("id") else ""


def _cell_difference(expected: nbformat.NotebookNode, committed: nbformat.NotebookNode) -> str:
    for key, what in (("cell_type", "cell type"), ("source", "text"), ("id", "id"), ("metadata", "metadata"),
                      ("outputs", "outputs"), ("execution_count", "execution count")):
        if expected.get(key) != committed.get(key):
            return f"{what} differs"
    return ""


# --- files (the only I/O) -------------------------------------------------------------------------

def translated_template(paths: Notebooks, language: str) -> Path:
    """Where the student notebook in ``language`` goes: ``<name>.<language>.ipynb`` beside the English one."""
    return paths.template.with_name(f"{paths.template.stem}.{language}.ipynb")


def _solution(paths: Notebooks) -> nbformat.NotebookNode:
    if not paths.solution.is_file():
        raise AssignmentError(f"{paths.name}: no solution notebook at {paths.solution}; tfgrade assign makes the "
                              "student notebook from it (set solution = \"...\" in assignment.toml if it is "
                              "elsewhere).")
    return ipynb.read(paths.solution, as_version=4)


def generate(paths: Notebooks) -> str:
    """The text of the student notebook generated from the assignment's solution notebook."""
    return render(student_notebook(_solution(paths), paths.name, str(paths.solution)))


def generate_all(paths: Notebooks) -> dict[Path, str]:
    """Every student notebook the solution makes, by path: the English one first, then one per translation."""
    solution = _solution(paths)
    texts = {paths.template: render(student_notebook(solution, paths.name, str(paths.solution)))}
    for language in languages(solution):
        texts[translated_template(paths, language)] = render(
            student_notebook(translated(solution, language, str(paths.solution)), paths.name, str(paths.solution)))
    return texts


def write(paths: Notebooks) -> Path:
    """Writes the student notebook and its translations; returns the English one's path."""
    for path, text in generate_all(paths).items():
        path.write_text(text, encoding="utf-8")
    return paths.template


def translations_written(paths: Notebooks) -> tuple[Path, ...]:
    """The translated student notebooks :func:`write` writes besides the English one."""
    return tuple(path for path in generate_all(paths) if path != paths.template)


def check(paths: Notebooks) -> Staleness:
    """Whether the committed student notebooks are what :func:`write` would write; writes nothing.

    Differences of a translated notebook are named by its file (``autograph.ko.ipynb: cell 3 ...``).
    """
    found: list[str] = []
    for path, text in generate_all(paths).items():
        prefix = "" if path == paths.template else f"{path.name}: "
        found += [prefix + line for line in _staleness(path, text)]
    return Staleness(paths.template, tuple(found))


def _staleness(path: Path, text: str) -> tuple[str, ...]:
    if not path.is_file():
        return ("the student notebook does not exist yet",)
    committed = path.read_text(encoding="utf-8")
    if committed == text:
        return ()
    try:
        found = differences(ipynb.reads(text, as_version=4), ipynb.reads(committed, as_version=4))
    except (ValueError, nbformat.reader.NotJSONError) as exc:  # not a notebook at all
        return (f"not a readable notebook ({exc})",)
    return found or ("same cells, different layout of the file",)
