"""An assignment's own catalogs: its hints and check messages, for translators (``tfgrade catalogs NAME``).

What is extracted, each by its exact English text (the msgid):

* every ``_("...")`` in the check files (``checks/public`` and ``checks/hidden``), with
  ``from autograder.checks import _``; the check process looks it up when the check runs;
* every hint of ``requirements.toml``; the grader looks it up when it puts the hint in the feedback.

They go to ``<assignment>/locale/assignment.pot``, and each language's
``<assignment>/locale/<lang>/LC_MESSAGES/assignment.po`` is created or brought up to date from it
(new texts arrive empty, changed ones fuzzy). An entry left empty shows in English.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages import pofile
from babel.messages.catalog import Catalog
from babel.messages.extract import extract

from autograder import i18n
from autograder.core.assignment import Assignment

__all__ = ["extract_catalog", "update_catalogs"]

TEMPLATE = "assignment.pot"


def extract_catalog(assignment: Assignment) -> Catalog:
    """The template: every translatable text of the assignment, with where it is written."""
    catalog = Catalog(project=assignment.name, domain=i18n.ASSIGNMENT_DOMAIN)
    for path in sorted(assignment.root.glob("checks/**/*.py")):
        where = str(path.relative_to(assignment.root))
        for line, text, _comments, _context in extract("python", io.BytesIO(path.read_bytes()), keywords={"_": None}):
            if isinstance(text, str) and text:
                catalog.add(text, locations=[(where, line)], flags=_flags(text))
    for title in (assignment.title, *(question.title for question in assignment.questions)):  # shown translated
        catalog.add(title, locations=[("assignment.toml", 0)], flags=_flags(title))
    for requirement in assignment.requirements.items:
        if requirement.hint:
            catalog.add(requirement.hint, locations=[("requirements.toml", 0)], flags=_flags(requirement.hint),
                        auto_comments=[f"hint of requirement {requirement.id} ({requirement.question})"])
    return catalog


def update_catalogs(assignment: Assignment, languages: tuple[str, ...]) -> list[Path]:
    """Write the template and create or update each language's catalog; the files written."""
    locale = assignment.root / "locale"
    locale.mkdir(exist_ok=True)
    template = extract_catalog(assignment)
    written = [_write(locale / TEMPLATE, template)]
    for language in languages:
        path = locale / language / "LC_MESSAGES" / f"{i18n.ASSIGNMENT_DOMAIN}.po"
        if path.is_file():
            with path.open("rb") as handle:
                catalog = pofile.read_po(handle, locale=language)
            catalog.update(template, update_creation_date=False)
            catalog.obsolete.clear()  # texts the checks no longer write: git keeps their history
        else:
            catalog = Catalog(locale=language, project=assignment.name, domain=i18n.ASSIGNMENT_DOMAIN, fuzzy=False)
            for message in template:
                if message.id:
                    catalog.add(message.id, locations=message.locations, flags=message.flags,
                                auto_comments=message.auto_comments)
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(_write(path, catalog))
    return written


def _flags(text: str) -> tuple[str, ...]:
    # Tells translators (and their tools) to keep the {placeholders} of a text filled in with format().
    return ("python-brace-format",) if "{" in text else ()


def _write(path: Path, catalog: Catalog) -> Path:
    buffer = io.BytesIO()
    pofile.write_po(buffer, catalog, sort_output=True, width=100, omit_header=path.suffix == ".pot")
    path.write_bytes(buffer.getvalue())
    return path


def write_public_catalogs(assignment: Assignment, release: Path) -> list[Path]:
    """The assignment's catalogs as a student's release holds them: nothing that comes from a hidden check.

    A text written only in ``checks/hidden`` (a hidden check's message) stays out, and so do the
    locations and comments, which name hidden check files and requirements. Hints stay: the release's
    assignment.toml shows them already, and ``tfgrade check`` shows them in the student's language.
    """
    written = []
    for source in sorted((assignment.root / "locale").glob(f"*/LC_MESSAGES/{i18n.ASSIGNMENT_DOMAIN}.po")):
        with source.open("rb") as handle:
            catalog = pofile.read_po(handle)
        # The source's dates, not today's: the same assignment makes the same release, byte for byte.
        public = Catalog(locale=catalog.locale, project=assignment.name, domain=i18n.ASSIGNMENT_DOMAIN, fuzzy=False,
                         creation_date=catalog.creation_date, revision_date=catalog.revision_date)
        for message in catalog:
            if message.id and message.string and not message.fuzzy and _public(message.locations):
                public.add(message.id, message.string, flags=message.flags)
        target = release / source.relative_to(assignment.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        written.append(_write(target, public))
    return written


def _public(locations: list[tuple[str, int]]) -> bool:
    return any(not where.startswith("checks/hidden") for where, _line in locations)
