"""The tool's gettext catalogs: the template matches messages.py, every language translates every entry.

``make catalogs`` re-extracts the template and updates the .po files; these tests fail until what it
leaves (a new entry untranslated, a changed one fuzzy) is translated.
"""

from __future__ import annotations

import string
import zipfile
from pathlib import Path

import pytest
from babel.messages import pofile
from babel.messages.catalog import Catalog

from autograder import i18n, messages
from autograder.reports import class_words

LOCALE = i18n.LOCALE


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return pofile.read_po(handle)


def entries(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """msgctxt -> (msgid,) or (msgid, msgid_plural), for every entry but the header."""
    return {m.context: (m.id,) if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def fields(text: str) -> set[str]:
    """The placeholders as written, with their conversion and format (``{difference:.3g}``)."""
    return {f"{name}!{conversion}:{spec}" for _, name, spec, conversion in string.Formatter().parse(text) if name}


def from_messages() -> dict[str, tuple[str, ...]]:
    """The students' catalog (messages.py) and the class report's words (class_words.py)."""
    entries = [*messages.catalog().values(), *class_words.catalog().values()]
    assert len({m.id for m in entries}) == len(entries), "an id is used twice"
    return {m.id: (m.text,) if m.plural is None else (m.text, m.plural) for m in entries}


def test_the_template_is_what_make_catalogs_extracts_from_the_two_modules() -> None:
    assert entries(read(LOCALE / "tfgrade.pot")) == from_messages(), "the template is stale: run `make catalogs`"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_each_language_has_a_catalog_of_exactly_the_templates_entries(language: str) -> None:
    catalog = read(LOCALE / language / "LC_MESSAGES" / "tfgrade.po")
    assert entries(catalog) == from_messages(), f"{language}: run `make catalogs`, then translate"


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_every_entry_is_translated_not_fuzzy_with_the_same_placeholders(language: str) -> None:
    catalog = read(LOCALE / language / "LC_MESSAGES" / "tfgrade.po")
    problems = []
    for m in catalog:
        if not m.id:
            continue
        originals = [m.id] if isinstance(m.id, str) else list(m.id)
        translations = [m.string] if isinstance(m.string, str) else list(m.string)
        if m.fuzzy or not all(t.strip() for t in translations) or len(translations) != catalog.num_plurals and \
                not isinstance(m.id, str):
            problems.append(f"{m.context}: untranslated or fuzzy")
            continue
        wanted = set().union(*(fields(o) for o in originals))
        problems += [f"{m.context}: {sorted(fields(t))} != {sorted(wanted)}"
                     for t in translations if fields(t) != wanted]
    assert not problems, "\n".join(problems)


def test_korean_has_one_plural_form_and_is_what_a_message_renders() -> None:
    assert read(LOCALE / "ko" / "LC_MESSAGES" / "tfgrade.po").num_plurals == 1
    with i18n.using("ko"):
        assert messages.POINTS.format(earned=1, points=2, count=2) == "1 / 2점"
        assert messages.POINTS.format(earned=1, points=1, count=1) == "1 / 1점"
    assert messages.POINTS.format(earned=1, points=2, count=2) == "1 / 2 points"


def test_the_glossary_gives_one_korean_word_per_term() -> None:
    import tomllib

    terms = tomllib.loads((LOCALE / "glossary.toml").read_text(encoding="utf-8"))["terms"]
    assert {"tensor", "eager", "autograph", "layer", "weights", "serialization", "check", "hint"} <= set(terms)
    assert all(t["en"] and t["ko"] for t in terms.values())
    korean = read(LOCALE / "ko" / "LC_MESSAGES" / "tfgrade.po")
    text = " ".join(m.string if isinstance(m.string, str) else " ".join(m.string) for m in korean if m.id)
    # The words the glossary rejects do not slip in: 계층 (it says 레이어), 테스트 (it says 검사).
    assert "계층" not in text and "테스트" not in text


@pytest.mark.slow
def test_the_wheel_carries_the_catalogs(tmp_path: Path) -> None:
    from tests.authoring.test_installed_wheel import build_wheel

    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        names = set(wheel.namelist())
    wanted = {f"autograder/locale/{lang}/LC_MESSAGES/tfgrade.po" for lang in i18n.LANGUAGES}
    assert wanted | {"autograder/locale/tfgrade.pot"} <= names


def test_the_class_report_follows_the_language() -> None:
    from factories import autograph_checks, submission_result

    from autograder.core import assignment, scoring
    from autograder.reports.class_report import class_report_html

    result = submission_result(*autograph_checks("q1_public"))
    rows = [(result, scoring.score(result, assignment.load("autograph").questions))]
    english = class_report_html(rows, title="autograph")
    with i18n.using("ko"):
        korean = class_report_html(rows, title="autograph")
    assert "Pass rate per check" in english and "검사별 통과율" not in english
    assert "검사별 통과율" in korean and "Pass rate per check" not in korean and '<html lang="ko">' in korean
