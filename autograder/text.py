"""Text a student may control, made safe to show: no terminal escapes, no invisible characters, no formulas.

A helper lives on the floor of its lowest user: the notebook reader, the check side and every renderer
cut and clean text with these, so they sit near the ground, below everything that shows text.
"""

from __future__ import annotations

import re
import unicodedata

NAME_LIMIT = 80
"""Characters of a submission name kept in tables, CSV and feedback."""
REASON_LIMIT = 60
"""Characters of a rejection or grader-error reason kept in the console table's status column."""
MESSAGE_LIMIT = 2000
"""Characters kept of any one message (check, submission, execution) in text renderers."""
CELL_ERROR_LIMIT = 300
"""Characters kept of one cell error line."""

# Terminal escape sequences: CSI (colours, cursor moves), string commands such as OSC (window
# titles, hyperlinks), and the remaining two-character escapes. Any lone ESC left over is removed
# by the control-character filter in safe_text, so this only has to catch the common shapes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
# Control, format (bidi overrides, zero-width), surrogate and private-use characters.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co"})
# Spreadsheets run a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@")


_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def code_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` in pieces, each with whether it is code: the messages mark code as `name`, and every
    renderer shows those spans as code (a Markdown code span, an HTML <code>), never as backticks.

    Only a pair of single backticks on one line is a span; a lone backtick stays text.
    """
    return [(part[1:-1], True) if _CODE_SPAN.fullmatch(part) else (part, False)
            for part in _CODE_SPAN.split(text) if part]


def safe_text(s: str, limit: int, *, one_line: bool = True) -> str:
    """Strip terminal escapes and invisible characters from ``s`` and cut it to ``limit`` chars.

    With ``one_line`` (the default) all whitespace, newlines included, collapses to single
    spaces so the text cannot break a table row; otherwise line breaks are kept as ``\\n``.
    """
    text = _ESCAPES.sub("", s)
    if one_line:
        text = " ".join(text.split())
    else:
        text = "\n".join(line.replace("\t", "    ").rstrip() for line in text.splitlines())
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in _INVISIBLE)
    return _truncate(text.strip(), limit)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def csv_text(text: str) -> str:
    # The csv module quotes commas, quotes and newlines; what it cannot stop is a spreadsheet
    # running a cell that starts like a formula, so such cells get a leading apostrophe.
    cleaned = safe_text(text, MESSAGE_LIMIT, one_line=False)
    return f"'{cleaned}" if cleaned.startswith(_FORMULA_STARTS) else cleaned


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for each Hangul (or other wide) character, none for a combining one."""
    import wcwidth  # only the console table needs it: imported here, `tfgrade --help` does not wait for it

    width: int = wcwidth.wcswidth(text)
    # -1 when a character is not printable (safe_text has already replaced control characters): it takes none.
    return width if width >= 0 else sum(max(wcwidth.wcwidth(c), 0) for c in text)
