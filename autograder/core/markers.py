"""The solution notebook's markers: which code is the answer, and what a student gets in its place.

The grammar (``### BEGIN SOLUTION`` ... ``### END SOLUTION``, an optional prompt block, cell tags) is
described in :mod:`autograder.authoring.assign`, which writes the student notebook with it. It lives
here, in the domain, because the feedback notebook also shows a solution cell as it runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autograder.core.assignment import AssignmentError

STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
"""What a solution region (or a cell tagged ``solution``) becomes, at the region's indentation."""
STUB_COMMENTS = {"ko": "# 여기에 코드를 작성하세요"}
"""The stub's first line in a translated notebook; the raise stays, as the grader recognizes it in any language."""


def stub(language: str | None = None) -> tuple[str, str]:
    """The two lines of an answer stub in ``language`` (English where there is no translation)."""
    return (STUB_COMMENTS.get(language or "", STUB[0]), STUB[1])


SOLUTION_TAG = "solution"
"""Cell tag: the whole cell is the answer; students get the stub (code) or YOUR ANSWER HERE (markdown)."""
INSTRUCTOR_TAGS = ("instructor", "remove-cell")
"""Cell tags: the cell is left out of the student notebook (``remove-cell`` is Jupyter Book's name)."""

_MARK = r"^(?P<indent>[ \t]*)#+[ \t]*{}[ \t]*$"
BEGIN = re.compile(_MARK.format(r"BEGIN SOLUTION(?P<no_prompt>[ \t]+NO PROMPT)?"))
END = re.compile(_MARK.format("END SOLUTION"))
BEGIN_PROMPT = re.compile(_MARK.format("BEGIN PROMPT"))
END_PROMPT = re.compile(_MARK.format("END PROMPT"))
_ANY_MARKER = (BEGIN, END, BEGIN_PROMPT, END_PROMPT)


class MarkerError(AssignmentError):
    """The solution's markers are wrong (a BEGIN without END, nested regions...): the instructor's to fix."""


# --- one cell's source (pure) ---------------------------------------------------------------------

def student_source(source: str, where: str = "the cell", language: str | None = None) -> str:
    """``source`` with every solution region replaced by its stub or prompt; ``where`` names the cell
    in errors."""
    lines = source.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        begin = BEGIN.match(line)
        if begin is None:
            _refuse_stray(line, index, where)
            out.append(line)
            index += 1
            continue
        end = _region_end(lines, index, where)
        prompt, index = _prompt(lines, end + 1, where)
        if prompt is not None:
            out += prompt
        elif not begin.group("no_prompt"):
            out += [begin.group("indent") + line for line in stub(language)]
    return "\n".join(out)


def without_markers(source: str, where: str = "the cell") -> str:
    """The solution's code as it runs: marker lines and prompt blocks left out (for corpus generators,
    whose notebooks are the solution with one mistake)."""
    student_source(source, where)  # the same errors for the same bad markers
    lines = source.split("\n")
    kept: list[str] = []
    in_prompt = False
    for line in lines:
        if BEGIN_PROMPT.match(line) or END_PROMPT.match(line):
            in_prompt = BEGIN_PROMPT.match(line) is not None
        elif not (in_prompt or BEGIN.match(line) or END.match(line)):
            kept.append(line)
    return "\n".join(kept)


def has_markers(source: str) -> bool:
    return any(BEGIN.match(line) for line in source.split("\n"))


def _region_end(lines: Sequence[str], begin: int, where: str) -> int:
    """The line of the END matching the BEGIN at ``begin``."""
    for index in range(begin + 1, len(lines)):
        if END.match(lines[index]):
            return index
        if BEGIN.match(lines[index]):
            raise MarkerError(f"{where}, line {index + 1}: a BEGIN SOLUTION inside the region opened on line "
                              f"{begin + 1}; regions cannot nest. Close the first with ### END SOLUTION.")
        if BEGIN_PROMPT.match(lines[index]) or END_PROMPT.match(lines[index]):
            raise MarkerError(f"{where}, line {index + 1}: a PROMPT marker inside the solution region opened on "
                              f"line {begin + 1}; put the prompt block right after ### END SOLUTION.")
    raise MarkerError(f"{where}, line {begin + 1}: ### BEGIN SOLUTION has no ### END SOLUTION after it; "
                      "add one where the answer code ends.")


def _prompt(lines: Sequence[str], start: int, where: str) -> tuple[list[str] | None, int]:
    """The prompt block starting at ``start`` (its lines, and the line after it), or None if there is none."""
    if start >= len(lines) or not BEGIN_PROMPT.match(lines[start]):
        return None, start
    for index in range(start + 1, len(lines)):
        if END_PROMPT.match(lines[index]):
            return list(lines[start + 1:index]), index + 1
        if any(marker.match(lines[index]) for marker in (BEGIN, END, BEGIN_PROMPT)):
            break
    raise MarkerError(f"{where}, line {start + 1}: ### BEGIN PROMPT has no ### END PROMPT after it; "
                      "add one after the prompt's lines.")


def _refuse_stray(line: str, index: int, where: str) -> None:
    """A marker outside its place: END without BEGIN, or a prompt block that follows no region."""
    if END.match(line):
        raise MarkerError(f"{where}, line {index + 1}: ### END SOLUTION without a ### BEGIN SOLUTION before it.")
    if BEGIN_PROMPT.match(line) or END_PROMPT.match(line):
        raise MarkerError(f"{where}, line {index + 1}: a PROMPT marker that does not follow a solution region; "
                          "a prompt block must start on the line right after ### END SOLUTION.")
