"""Answer code in a text students read: a hint, a published description, a catalog entry.

A hint says *what* is wrong (the requirement, in the question's words) and what to look at, never
*how* to write it. This module finds the answer code a text holds: code of the solution notebook
(``solutions/<name>.ipynb``, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, or a cell
tagged ``solution``; see :mod:`autograder.authoring.assign`) that the student notebook does not
already show.

Granularity. A text is compared with the solution as a sequence of code tokens, so whitespace and
line breaks never matter (``x=x/2`` is ``x = x / 2``), and markdown's backticks are dropped. The
solution's *fragments* are:

- each answer line, without its comment, a trailing ``:`` or ``,`` and a leading statement keyword
  (``while tf.reduce_sum(x) > 1:`` gives ``tf.reduce_sum(x) > 1``: prose says "return" and "while"
  too, and what follows the keyword is the answer);
- each syntax node that lies within the answer lines: a statement, an expression, a keyword
  argument (``count = tf.constant(0)``, ``tf.constant(0)``, ``input_signature=[...]``, ``[None]``),
  except a ``return`` statement, whose value is a node of its own.

A fragment counts only if it is code, not a name: at least three tokens, one of them neither a
word, a dot nor ``@`` (so ``count_halvings``, ``tf.function``, ``@tf.function``, ``self.units`` or
``count`` are never answer code, while ``count += 1`` is). And only if the student notebook (any of
its languages, markdown and code) does not show those tokens in that order: ``tf.reduce_sum(x)`` and
``x = x / 2`` are the question's own words in ``autograph``, ``tf.reduce_sum(x) > 1`` is not, and
"returns ``3 * x + 2``" quotes the text. A text's passage between quotes is searched inside too, so
``"while tf.reduce_sum(x) > 1"`` is found. When a text holds a fragment and a wider one around it,
only the wider one is reported.

Not caught, by design: the same idea in other code (``tf.math.reduce_sum(x) > 1.0``) or in words
("loop while the sum exceeds one"). Those are for the author's judgement; this module catches the
solution's own code, which is what a hint copied from it would hold.

Everything here is pure except :func:`for_assignment` and :func:`published_texts`, which read the
assignment's notebooks, requirements and catalogs.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages import pofile

from autograder import i18n
from autograder.core import ipynb, markers
from autograder.core.assignment import Assignment

__all__ = ["Answers", "Fragment", "Leak", "answers", "find", "for_assignment", "problems", "published_texts", "tokens"]

MIN_TOKENS = 3
"""A shorter fragment (``-1``, ``[]``, ``x)``) is too common in prose to be an answer."""
_NAME_TOKENS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\.|@")
_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\\n]|\\.)*"|(?<![A-Za-z0-9_])'(?:[^'\\\n]|\\.)*')"""  # a ' after a letter: "layer's"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)"
    r"|(?P<operator>\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%&|^@<>=!]=|[^\s`])"
)
_SEPARATOR = "\x1f"
_LEADING_KEYWORD = re.compile(r"^(?:return|yield|while|if|elif|for|with|assert|raise|del)\b\s*")
"""A line's leading keyword, left out: prose uses these words too ("must return ..."), and the code after it
is what answers."""


@dataclass(frozen=True)
class Fragment:
    code: str
    """As the solution writes it (whitespace collapsed)."""
    line: str
    """The answer line it starts on, stripped: where an author finds it."""
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Answers:
    """The answer code of one assignment that its student notebook does not show."""

    fragments: tuple[Fragment, ...]


@dataclass(frozen=True)
class Leak:
    code: str
    """The answer code the text holds, as the solution writes it."""
    line: str
    """The solution's answer line it comes from."""


# --- tokens -------------------------------------------------------------------------------------------


def tokens(text: str) -> tuple[str, ...]:
    """``text`` as code tokens: whitespace and backticks dropped, every string spelled with double quotes."""
    return tuple(_normal(match) for match in _TOKEN.finditer(text))


def _normal(match: re.Match[str]) -> str:
    string = match.group("string")
    return f'"{string[1:-1]}"' if string else match.group(0)


def _streams(text: str) -> list[tuple[str, ...]]:
    """The text's tokens, and the tokens inside each of its quoted strings (a quote may hold code)."""
    found = tokens(text)
    inner = [tokens(t[1:-1]) for t in found if len(t) > 1 and t[0] == '"' == t[-1]]
    return [found, *(s for s in inner if s)]


def _joined(stream: Sequence[str]) -> str:
    return _SEPARATOR + _SEPARATOR.join(stream) + _SEPARATOR


def _contains(haystack: str, fragment: Sequence[str]) -> bool:
    return _joined(fragment) in haystack


def _is_code(fragment: Sequence[str]) -> bool:
    return len(fragment) >= MIN_TOKENS and not all(_NAME_TOKENS.fullmatch(t) for t in fragment)


# --- the solution's answer code (pure) -----------------------------------------------------------------


def answers(solution: nbformat.NotebookNode, students: Iterable[nbformat.NotebookNode]) -> Answers:
    """The fragments of ``solution``'s answer code that none of the ``students`` notebooks shows."""
    shown = [_joined(s) for nb in students for cell in nb.cells for s in _streams(_source(cell))]
    found: dict[tuple[str, ...], Fragment] = {}
    for cell in solution.cells:
        for fragment in _cell_fragments(cell):
            if fragment.tokens not in found and not any(_contains(s, fragment.tokens) for s in shown):
                found[fragment.tokens] = fragment
    return Answers(tuple(found.values()))


def _source(cell: nbformat.NotebookNode) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _cell_fragments(cell: nbformat.NotebookNode) -> Iterator[Fragment]:
    if cell.get("cell_type") != "code":
        return
    code, answer = _answer_lines(cell)
    code = _without_comments(code)
    lines = code.split("\n")
    for number in sorted(answer):
        line = lines[number - 1]
        yield from _fragment(_LEADING_KEYWORD.sub("", line.strip().rstrip(":,").rstrip()), line)
    try:
        tree = ast.parse(code)
    except SyntaxError:  # an IPython magic, say: the lines above are still searched
        return
    for node in ast.walk(tree):
        # `return EXPR` adds only a verb to EXPR (itself a node): "returns `3 * x + 2`" is the question's text.
        if isinstance(node, ast.stmt | ast.expr | ast.keyword) and not isinstance(node, ast.Return):
            if node.end_lineno is not None and all(n in answer for n in range(node.lineno, node.end_lineno + 1)):
                segment = ast.get_source_segment(code, node) or ""
                yield from _fragment(segment, lines[node.lineno - 1])


def _without_comments(code: str) -> str:
    """``code`` with its comments blanked out: an answer's comment is prose, which a hint may share by chance."""
    lines = code.split("\n")
    try:
        comments = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):  # unbalanced brackets in a magic, say: the comments stay
        return code
    for comment in comments:
        row, column = comment.start
        lines[row - 1] = lines[row - 1][:column]
    return "\n".join(lines)


def _fragment(code: str, line: str) -> Iterator[Fragment]:
    found = tokens(code)
    if _is_code(found):
        yield Fragment(" ".join(code.split()), line.strip(), found)


def _answer_lines(cell: nbformat.NotebookNode) -> tuple[str, set[int]]:
    """The cell's code as it runs (markers and prompts left out) and the 1-based numbers of its answer lines."""
    source = _source(cell)
    if markers.SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
        code = markers.without_markers(source)
        return code, set(range(1, code.count("\n") + 2))
    kept: list[str] = []
    answer: set[int] = set()
    inside = in_prompt = False
    for line in source.split("\n"):
        if markers.BEGIN_PROMPT.match(line) or markers.END_PROMPT.match(line):
            in_prompt = markers.BEGIN_PROMPT.match(line) is not None
        elif markers.BEGIN.match(line) or markers.END.match(line):
            inside = markers.BEGIN.match(line) is not None
        elif not in_prompt:
            kept.append(line)
            if inside:
                answer.add(len(kept))
    return "\n".join(kept), answer


# --- a text (pure) -------------------------------------------------------------------------------------


def find(text: str, known: Answers) -> tuple[Leak, ...]:
    """The answer code ``text`` holds: the longest fragments found (a fragment inside another found one
    is left out), in the solution's order."""
    streams = [_joined(s) for s in _streams(text)]
    hits = [f for f in known.fragments if any(_contains(s, f.tokens) for s in streams)]
    widest = [f for f in hits if not any(g is not f and _contains(_joined(g.tokens), f.tokens) for g in hits)]
    return tuple(Leak(f.code, f.line) for f in widest)


def problems(texts: Iterable[tuple[str, str]], known: Answers) -> tuple[str, ...]:
    """One line per answer fragment found, for ``tfgrade validate``: ``texts`` are (where, text) pairs."""
    return tuple(
        f"{where} holds answer code `{leak.code}` (solution line: {leak.line}); say what the requirement asks "
        "in the question's words, not how to write it"
        for where, text in texts
        for leak in find(text, known)
    )


# --- an assignment's files ------------------------------------------------------------------------------


def for_assignment(assignment: Assignment) -> Answers:
    """The answer code of ``assignment`` (none without a solution), against every language of its notebook."""
    if assignment.solution is None:
        return Answers(())
    template = assignment.template
    students = [template, *sorted(template.parent.glob(f"{template.stem}.*.ipynb"))]
    return answers(ipynb.read(assignment.solution, as_version=4),
                   [ipynb.read(p, as_version=4) for p in students])


def published_texts(assignment: Assignment) -> list[tuple[str, str]]:
    """(where, text) of what a release publishes in words: the hints (also its hidden-check descriptions),
    the titles, and every entry of the assignment's catalogs that a release ships, original and translation."""
    texts = [(f"the hint of requirement {r.id}", r.hint) for r in assignment.requirements.items if r.hint]
    texts += [("the assignment's title", assignment.title)]
    texts += [(f"the title of {q.name}", q.title) for q in assignment.questions]
    for path in sorted((assignment.root / "locale").glob(f"*/LC_MESSAGES/{i18n.ASSIGNMENT_DOMAIN}.po")):
        texts += _catalog_texts(path, assignment.root)
    return texts


def _catalog_texts(path: Path, root: Path) -> list[tuple[str, str]]:
    with path.open("rb") as handle:
        catalog = pofile.read_po(handle)
    where = path.relative_to(root).as_posix()
    found = []
    for message in catalog:
        if message.id and isinstance(message.id, str) and _ships(message.locations):
            at = f"{where}:{message.lineno}"
            found.append((f"{at} (msgid)", message.id))
            if isinstance(message.string, str) and message.string:
                found.append((f"{at} (msgstr)", message.string))
    return found


def _ships(locations: list[tuple[str, int]]) -> bool:
    """Whether a release's catalog holds the entry: the rule of translations.write_public_catalogs (a text
    that only a hidden check writes stays out; its failure reaches students as the requirement's hint)."""
    return any(not where.startswith("checks/hidden") for where, _line in locations)
