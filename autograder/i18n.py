"""Which language a student reads, and the catalogs that hold the translations.

The language a message is rendered in is a context variable, set for a block by :func:`using`: each
submission's language is resolved once by the pipeline and carried explicitly (to the executor, into
the result), and each renderer runs inside one ``using(result.language)`` (the check process and the
student's process set it once, from their job file and ``--lang``), so a batch may mix languages.
:func:`autograder.messages.template` is the one lookup; it asks :func:`translations`.

Catalogs are gettext ``.po`` files kept in the repository and shipped as they are: the tool's own in
``autograder/locale/<lang>/LC_MESSAGES/tfgrade.po``, an assignment's in
``assignments/<name>/locale/<lang>/LC_MESSAGES/assignment.po``. They are compiled in memory with
Babel the first time a language is used, so there is no ``.mo`` file that could go stale.

The language is chosen in this order (:func:`choose`): ``--lang`` on the command (or ``lang=`` in
the notebook's ``check()``), the notebook's metadata ``tfgrade.language``, the assignment's
``language`` in assignment.toml, then English.

This module imports nothing from the package but :mod:`autograder.errors` and the pure
:mod:`autograder.josa`: the sandboxed check process uses it.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from autograder.errors import TfgradeError
from autograder.josa import Text

__all__ = [
    "DEFAULT", "LANGUAGES", "LanguageError", "catalog", "check", "choose", "current", "language_of",
    "assignment_text", "set_assignment", "set_language", "translations", "using",
]

LANGUAGES = ("en", "ko")
"""The languages tfgrade's own catalogs cover (docs/languages.md says how to add one)."""
DEFAULT = "en"
LOCALE = Path(__file__).resolve().parent / "locale"
"""The tool's catalogs."""
DOMAIN = "tfgrade"
ASSIGNMENT_DOMAIN = "assignment"
METADATA_KEY = "language"
"""In the notebook's ``metadata.tfgrade`` table, next to ``assignment``."""

_current: ContextVar[str] = ContextVar("tfgrade_language", default=DEFAULT)
_assignment: ContextVar[Path | None] = ContextVar("tfgrade_assignment_root", default=None)
"""The assignment whose checks run in this process, for :func:`assignment_text` without a root."""


class LanguageError(TfgradeError, ValueError):
    """A language tfgrade has no catalog for; the message lists the ones it has."""


def check(language: str, where: str = "--lang") -> str:
    """``language`` if tfgrade speaks it; otherwise a :class:`LanguageError` that says what to write."""
    if language not in LANGUAGES:
        raise LanguageError(f"{where}: tfgrade has no {language!r} catalog; use one of {', '.join(LANGUAGES)}")
    return language


def current() -> str:
    """The language this thread (or process) renders student text in."""
    return _current.get()


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Render in ``language`` (None: keep the current one) until the block ends, in this thread only."""
    token = _current.set(check(language) if language else current())
    try:
        yield current()
    finally:
        _current.reset(token)


def set_language(language: str) -> None:
    """For a process that renders in one language for its whole life (the check process)."""
    _current.set(check(language))


def language_of(metadata: Mapping[str, object]) -> str | None:
    """The language a notebook asks for in ``metadata.tfgrade.language``; None when it names none we have."""
    table = metadata.get("tfgrade")
    value = table.get(METADATA_KEY) if isinstance(table, Mapping) else None
    return value if isinstance(value, str) and value in LANGUAGES else None


def choose(requested: str | None, notebook: str | None, assignment: str | None) -> str:
    """The first given of: the command's ``--lang``, the notebook's metadata, the assignment's default, English."""
    return requested or notebook or assignment or DEFAULT


def translations(language: str | None = None) -> gettext.NullTranslations:
    """The tool's catalog for ``language`` (the current one by default); English needs none."""
    return catalog(LOCALE, DOMAIN, language or current())


def catalog(locale_dir: Path, domain: str, language: str) -> gettext.NullTranslations:
    """``<locale_dir>/<language>/LC_MESSAGES/<domain>.po`` compiled, or the null catalog if there is none."""
    return _compiled(locale_dir / language / "LC_MESSAGES" / f"{domain}.po")


@lru_cache(maxsize=64)
def _compiled(po: Path) -> gettext.NullTranslations:
    if not po.is_file():
        return gettext.NullTranslations()
    # Babel is needed only for a language other than English, so English grading never imports it.
    from babel.messages import mofile, pofile

    with po.open("rb") as handle:
        parsed = pofile.read_po(handle)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, parsed, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def assignment_text(root: Path | None, text: str, language: str | None = None) -> Text:
    """An assignment's own text (a hint, a check's message, a question's title) in ``language``.

    Looked up by its exact English text in ``<root>/locale/<language>/LC_MESSAGES/assignment.po``;
    the English text itself when the assignment has no translation of it. ``root`` None: the
    assignment of this check process (:func:`set_assignment`).

    The result is a ``str`` whose ``format`` also picks the Korean particles a translation writes
    both ways after a placeholder: ``_("{name}을(를) ...").format(name="x")`` gives ``x를``.
    """
    root = root or _assignment.get()
    if root is None or not text:
        return Text(text)
    return Text(catalog(root / "locale", ASSIGNMENT_DOMAIN, language or current()).gettext(text))


def set_assignment(root: Path) -> None:
    """For the check process: whose catalog :func:`assignment_text` reads when a check file asks."""
    _assignment.set(root)
