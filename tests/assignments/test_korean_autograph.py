"""autograph in Korean (issue 14): its checks write their messages, and its hints, in the submission's language.

The check files mark their student text with ``_`` (docs/languages.md); the Korean of each text is in
``assignments/autograph/locale/ko/LC_MESSAGES/assignment.po``. One batch grades four notebooks for real:
the Korean solution and template, and the Korean twin of a corpus mistake with its English original.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import nbformat
import pytest

from autograder import messages
from autograder.authoring import assign, translations
from autograder.core import assignment
from autograder.grading import batch
from autograder.grading.execution import ProcessExecutor
from autograder.grading.pipeline import Graded
from tests.authoring.test_korean import HANGUL, ROOT, catalog
from tests.conftest import fast_limits
from tests.ground.test_josa import combined_after_a_known_sound

TWINS = ROOT / "tests/notebooks/autograph"


def check_texts() -> set[str]:
    """Every ``_("...")`` text of autograph's check files (hints come from requirements.toml, not from them)."""
    extracted = translations.extract_catalog(assignment.load("autograph"))
    return {m.id for m in extracted if m.id and any(where.startswith("checks/") for where, _ in m.locations)}


def test_every_marked_check_text_has_a_korean_entry() -> None:
    korean = {m.id: m for m in catalog("autograph") if m.id}
    texts = check_texts()
    # The checks' own sentences (not only the expect_* helpers' words) are marked, in both kinds of file.
    assert {"lstm_fn should return what lstm_cell returns: (output, [h, c]).", "a Python float"} <= texts
    missing = sorted(t for t in texts if t not in korean or not korean[t].string or korean[t].fuzzy)
    assert not missing, missing


def test_no_check_file_fills_a_message_in_before_translating_it() -> None:
    # _(f"...") would look up the filled-in text, which no catalog holds; and an f-string outside _()
    # is an English sentence that never reaches the catalog.
    for path in sorted((ROOT / "assignments/autograph/checks").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"""\b_\(\s*f["']""", source), path
        assert not re.search(r"""\bf["']""", source), path


# -- one real batch --------------------------------------------------------------------------------


def english_sentences() -> set[str]:
    """The literal runs of 4+ words in every English check text: the tool's messages and autograph's own."""
    texts = [m.text for m in messages.catalog().values()] + [m.plural for m in messages.catalog().values() if m.plural]
    texts += check_texts()
    runs = set()
    for text in texts:
        for literal, *_ in string.Formatter().parse(text):
            runs |= {run.strip() for run in re.split(r"[:;.()`]", literal) if len(run.split()) >= 4}
    return runs


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Graded, str]]:
    """name -> (its grading, its feedback.txt), for the four notebooks graded in one batch."""
    folder = tmp_path_factory.mktemp("korean-autograph")
    paths = assignment.notebooks("autograph", ROOT)
    solution = assign.translated(nbformat.read(paths.solution, as_version=4), "ko")
    notebooks = {
        "solution-ko": folder / "solution-ko.ipynb",
        "template-ko": folder / "template-ko.ipynb",
        "twin-ko": folder / "twin-ko.ipynb",
        "twin-en": folder / "twin-en.ipynb",
    }
    nbformat.write(solution, notebooks["solution-ko"])
    notebooks["template-ko"].write_bytes(assign.translated_template(paths, "ko").read_bytes())
    notebooks["twin-ko"].write_bytes((TWINS / "count-shape-1.ko.ipynb").read_bytes())
    notebooks["twin-en"].write_bytes((TWINS / "count-shape-1.ipynb").read_bytes())
    out = folder / "out"
    result = batch.grade_all(list(notebooks.values()), fast_limits(assignment.load("autograph")), ProcessExecutor(),
                             out, progress=lambda _: None, jobs=2)
    feedback = {p.stem: (out / batch.SUBMISSIONS / p.stem / "feedback.txt").read_text(encoding="utf-8")
                for p in notebooks.values()}
    return {Path(g.result.submission).stem: (g, feedback[Path(g.result.submission).stem]) for g in result.rows}


@pytest.mark.slow
def test_the_korean_solution_gets_full_marks_in_korean(graded: dict[str, tuple[Graded, str]]) -> None:
    solution, text = graded["solution-ko"]
    assert solution.result.language == "ko"
    assert solution.score.earned == solution.score.points == 11
    assert HANGUL.search(text)


@pytest.mark.slow
def test_the_korean_template_gets_nothing_and_korean_feedback(graded: dict[str, tuple[Graded, str]]) -> None:
    template, text = graded["template-ko"]
    assert template.score.earned == 0
    failed = [c for c in template.result.checks if c.outcome != "passed"]
    assert len(failed) == 16
    assert all(HANGUL.search(c.message) for c in failed if c.visibility == "public"), failed
    assert all(HANGUL.search(c.hint) for c in failed if c.visibility == "hidden"), failed
    left = sorted(s for s in english_sentences() if s in text)
    assert HANGUL.search(text) and not left, left


@pytest.mark.slow
def test_a_korean_mistake_costs_what_its_english_twin_costs_and_is_told_in_korean(
    graded: dict[str, tuple[Graded, str]],
) -> None:
    (korean, korean_text), (english, english_text) = graded["twin-ko"], graded["twin-en"]
    assert korean.result.language == "ko" and english.result.language == "en"
    assert korean.score.earned == english.score.earned < 11

    def failing(g: Graded) -> list[tuple[str, str]]:
        return [(c.name, c.visibility) for c in g.result.checks if c.outcome != "passed"]

    assert failing(korean) == failing(english)
    sentences = english_sentences()
    assert ("count_halvings_small_example", "public") in failing(korean)  # a public message, not only hints
    for ko, en in zip(korean.result.checks, english.result.checks, strict=True):
        if ko.outcome == "passed":
            continue
        # A hidden check's message stays in the report for the instructor; it is Korean there too.
        assert HANGUL.search(ko.message) and not HANGUL.search(en.message), (ko.name, ko.message)
        assert not [s for s in sentences if s in ko.message], (ko.name, ko.message)
        ko_text, en_text = (ko.message, en.message) if ko.visibility == "public" else (ko.hint, en.hint)
        assert HANGUL.search(ko_text) and not HANGUL.search(en_text), (ko.name, ko_text)
        assert ko_text in korean_text and en_text in english_text, ko.name
    left = sorted(s for s in sentences if s in korean_text)
    assert not left, left


@pytest.mark.slow
def test_korean_feedback_chooses_each_particle_for_the_value_before_it(graded: dict[str, tuple[Graded, str]]) -> None:
    """No `이(가)` or `을(를)` is left after a value whose last sound can be told (autograder/josa.py)."""
    korean = {name: text for name, (_, text) in graded.items() if "ko" in name.replace(".", "-").split("-")}
    assert len(korean) == 3
    assert {name: combined_after_a_known_sound(text) for name, text in korean.items()} == dict.fromkeys(korean, [])
