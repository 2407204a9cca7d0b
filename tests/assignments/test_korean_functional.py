"""`functional` in Korean: its check messages and hints reach a Korean submission in Korean.

One batch grades, for real, four notebooks made from the solution: the Korean solution, the Korean
template, and one mistake (the output names swapped) in Korean and in English. A fast test checks
that every text the check files mark with ``_()`` has a Korean translation.
"""

from __future__ import annotations

import re

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

NAME = "functional"
MISTAKE_CELL = "q2-answer"
SWAP = {'name="prediction_a")(pooled_a)': 'name="prediction_b")(pooled_a)',
        'name="prediction_b")(pooled_b)': 'name="prediction_a")(pooled_b)'}
"""The mistake: the two outputs' names swapped (the public output-names check fails)."""
ENGLISH_WORDS = re.compile(r"[A-Za-z]+(?: [a-z']+){3,}")
"""Four English words in a row: a sentence, not a code name (those stay English in Korean text)."""


@pytest.fixture(scope="module")
def functional() -> assignment.Assignment:
    return fast_limits(assignment.load(NAME))


def with_mistake(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    (cell,) = [c for c in notebook.cells if c.get("id") == MISTAKE_CELL]
    for right, wrong in SWAP.items():
        assert cell.source.count(right) == 1, "the solution's q2 answer changed: choose another mistake"
        cell.source = cell.source.replace(right, wrong)
    return notebook


@pytest.fixture(scope="module")
def graded(
    functional: assignment.Assignment, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Graded, str]]:
    """stem -> (its grading, its feedback.txt), from one batch of real gradings (two at a time)."""
    folder = tmp_path_factory.mktemp("korean-functional")
    solution = nbformat.read(ROOT / "solutions" / f"{NAME}.ipynb", as_version=4)
    notebooks = {
        "ko-solution": assign.translated(solution, "ko"),
        "ko-template": nbformat.read(ROOT / "assignments" / NAME / f"{NAME}.ko.ipynb", as_version=4),
        "ko-mistake": with_mistake(assign.translated(solution, "ko")),
        "en-mistake": with_mistake(nbformat.read(ROOT / "solutions" / f"{NAME}.ipynb", as_version=4)),
    }
    paths = []
    for stem, notebook in notebooks.items():
        nbformat.write(notebook, folder / f"{stem}.ipynb")
        paths.append(folder / f"{stem}.ipynb")
    out = folder / "out"
    result = batch.grade_all(paths, functional, ProcessExecutor(), out, progress=lambda _: None, jobs=2)
    return {path.stem: (row, (out / batch.SUBMISSIONS / path.stem / "feedback.txt").read_text(encoding="utf-8"))
            for path, row in zip(paths, result.rows, strict=True)}


def english_sentences() -> set[str]:
    """Runs of English words from every check message and hint a student of `functional` may read:
    the tool's messages and the assignment's own texts (the msgids of its catalog)."""
    texts = [m.text for m in vars(messages).values() if isinstance(m, messages.Message)]
    texts += [m.plural for m in vars(messages).values() if isinstance(m, messages.Message) and m.plural]
    texts += [str(m.id) for m in catalog(NAME) if m.id]
    return {run for text in texts for piece in re.split(r"\{[^}]*\}", text) for run in ENGLISH_WORDS.findall(piece)}


@pytest.mark.slow
def test_the_korean_solution_gets_full_marks(graded: dict[str, tuple[Graded, str]]) -> None:
    result, _ = graded["ko-solution"]
    assert result.result.language == "ko"
    assert result.score.earned == result.score.points == 12


@pytest.mark.slow
def test_the_korean_template_gets_zero_with_korean_feedback(graded: dict[str, tuple[Graded, str]]) -> None:
    result, feedback = graded["ko-template"]
    assert result.score.earned == 0
    failed = [c for c in result.result.checks if c.outcome != "passed"]
    assert failed and all(HANGUL.search(c.message) for c in failed if c.visibility == "public"), failed
    assert HANGUL.search(feedback)
    left = sorted(sentence for sentence in english_sentences() if sentence in feedback)
    assert not left, left


@pytest.mark.slow
def test_a_korean_mistake_scores_as_its_english_twin_with_korean_messages_and_hints(
    graded: dict[str, tuple[Graded, str]]
) -> None:
    (korean, feedback), (english, _) = graded["ko-mistake"], graded["en-mistake"]
    assert korean.score.earned == english.score.earned < 12
    failing = {c.name for c in korean.result.checks if c.outcome != "passed"}
    assert failing == {c.name for c in english.result.checks if c.outcome != "passed"}
    assert "model_output_names" in failing
    for check in korean.result.checks:
        if check.outcome != "passed":
            text = check.message if check.visibility == "public" else check.hint
            assert HANGUL.search(text), (check.name, text)
            assert text in feedback, (check.name, text)
    english_names = next(c for c in english.result.checks if c.name == "model_output_names")
    korean_names = next(c for c in korean.result.checks if c.name == "model_output_names")
    assert "The model from build_model()" in english_names.message
    assert "build_model()에서 얻은 모델" in korean_names.message


def test_every_marked_check_text_has_a_korean_translation() -> None:
    marked = [m for m in translations.extract_catalog(assignment.load(NAME)) if m.id]
    korean = {m.id: m for m in catalog(NAME) if m.id}
    assert any(where.startswith("checks/") for m in marked for where, _ in m.locations)
    missing = [m.id for m in marked if m.id not in korean or not korean[m.id].string or korean[m.id].fuzzy]
    assert not missing, missing
    assert not catalog(NAME).obsolete


@pytest.mark.slow
def test_korean_feedback_chooses_each_particle_for_the_value_before_it(graded: dict[str, tuple[Graded, str]]) -> None:
    """No `이(가)` or `을(를)` is left after a value whose last sound can be told (autograder/josa.py)."""
    korean = {name: text for name, (_, text) in graded.items() if "ko" in name.replace(".", "-").split("-")}
    assert len(korean) == 3
    assert {name: combined_after_a_known_sound(text) for name, text in korean.items()} == dict.fromkeys(korean, [])
