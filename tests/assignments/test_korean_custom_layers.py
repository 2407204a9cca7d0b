"""custom_layers in Korean (issue 14): its checks' own messages come from its Korean catalog.

One batch, graded once for the whole module: the Korean solution (made from the solution with
``assign.translated``), the Korean template, and one mistake (MyModel.call skips its second layer)
written into both the Korean and the English solution, so that the twins differ only in language.
"""

from __future__ import annotations

import re
from functools import cache

import nbformat
import pytest

from autograder.authoring import assign, translations
from autograder.core import assignment
from autograder.grading.batch import write_reports
from autograder.grading.pipeline import Graded
from tests.authoring.test_korean import HANGUL, ROOT, catalog, placeholders
from tests.conftest import fast_limits, grade_many
from tests.ground.test_josa import combined_after_a_known_sound

NAME = "custom_layers"
RIGHT = "        return self.output_layer(self.hidden(inputs))\n"
WRONG = "        return self.hidden(inputs)\n"
"""The mistake: MyModel.call returns the first layer's output (a public and several hidden checks fail)."""


@cache
def loaded() -> assignment.Assignment:
    return fast_limits(assignment.load(NAME))


def _with_mistake(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    broken = nbformat.from_dict(notebook)
    cell = next(c for c in broken.cells if c.get("id") == "q4-answer")
    assert cell.source.count(RIGHT) == 1
    cell.source = cell.source.replace(RIGHT, WRONG)
    return broken


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Graded, str]]:
    """name -> (its grade, its feedback.txt), for the four notebooks, graded two at a time."""
    folder = tmp_path_factory.mktemp("korean_custom_layers")
    paths = assignment.notebooks(NAME, ROOT)
    solution = nbformat.read(paths.solution, as_version=4)
    korean = assign.translated(solution, "ko")
    notebooks = {
        "solution.ko": korean,
        "template.ko": nbformat.read(assign.translated_template(paths, "ko"), as_version=4),
        "mistake.ko": _with_mistake(korean),
        "mistake": _with_mistake(solution),
    }
    files = {}
    for name, notebook in notebooks.items():
        files[name] = folder / f"{name}.ipynb"
        nbformat.write(notebook, files[name])
    results = {}
    for name, result in grade_many(files, loaded()).items():
        write_reports(result, folder / "out" / name)
        results[name] = (result, (folder / "out" / name / "feedback.txt").read_text(encoding="utf-8"))
    return results


def _english_sentences() -> list[str]:
    """The English words of every text the check files mark, between their placeholders (long pieces only)."""
    pieces = []
    for message in translations.extract_catalog(assignment.load(NAME)):
        if message.id and message.locations and all(path.startswith("checks/") for path, _ in message.locations):
            pieces += [p.strip() for p in re.split(r"\{[^}]*\}", str(message.id)) if len(p.strip()) >= 12]
    return pieces


@pytest.mark.slow
def test_the_korean_solution_gets_full_marks(graded):
    result, _feedback = graded["solution.ko"]
    assert result.result.language == "ko"
    assert result.result.execution.cell_errors == ()
    assert result.score.earned == result.score.points == 16
    assert all(check.outcome == "passed" for check in result.result.checks)


@pytest.mark.slow
def test_the_korean_template_gets_zero_and_korean_feedback(graded):
    result, feedback = graded["template.ko"]
    assert result.result.language == "ko" and result.score.earned == 0
    assert len(HANGUL.findall(feedback)) > 200
    left = [sentence for sentence in _english_sentences() if sentence in feedback]
    assert not left, left
    assert all(HANGUL.search(check.message) for check in result.result.checks if check.visibility == "public")


@pytest.mark.slow
def test_a_korean_mistake_costs_what_its_english_twin_costs_and_is_explained_in_korean(graded):
    (korean, feedback), (english, english_feedback) = graded["mistake.ko"], graded["mistake"]
    assert korean.result.language == "ko" and english.result.language != "ko"
    # The same points question by question (the titles are in each twin's language).
    assert [(q.question, q.earned) for q in korean.score.questions] == [
        (q.question, q.earned) for q in english.score.questions
    ]
    assert korean.score.earned == english.score.earned and 0 < korean.score.earned < korean.score.points
    failed = {c.name: c for c in korean.result.checks if c.outcome != "passed"}
    twins = {c.name: c for c in english.result.checks if c.outcome != "passed"}
    assert failed.keys() == twins.keys()
    assert "my_model_output_shape" in failed and "my_model_trains_all_weights" in failed
    for name, check in failed.items():
        assert HANGUL.search(check.message), check.message  # the check process wrote it in Korean
        assert not HANGUL.search(twins[name].message), twins[name].message
        shown = check.message if check.visibility == "public" else check.hint
        # feedback.txt lists a hint's lines one under another
        assert HANGUL.search(shown) and all(line.strip() in feedback for line in shown.splitlines()), (name, shown)
    # Sentences of the check files themselves, not only the library's: the public check's `what`, the
    # hidden check's own message.
    assert "(2, 4) float32 입력에 대한 MyModel(8)" in failed["my_model_output_shape"].message
    assert "학습 스텝 한 번이" in failed["my_model_trains_all_weights"].message
    assert "One training step changed" in twins["my_model_trains_all_weights"].message
    assert not [sentence for sentence in _english_sentences() if sentence in feedback]
    assert not HANGUL.search(english_feedback)


def test_every_marked_check_text_has_a_korean_translation_with_its_placeholders():
    found = catalog(NAME)
    marked = [m.id for m in translations.extract_catalog(assignment.load(NAME))
              if m.id and any(path.startswith("checks/") for path, _ in m.locations)]
    assert len(marked) > 50  # every message of the check files, not a handful
    for text in marked:
        entry = found.get(text)
        assert entry is not None and entry.string and not entry.fuzzy, text
        assert HANGUL.search(entry.string) and placeholders(entry.string) == placeholders(text), text
    assert not found.obsolete


@pytest.mark.slow
def test_korean_feedback_chooses_each_particle_for_the_value_before_it(graded: dict[str, tuple[Graded, str]]) -> None:
    """No `이(가)` or `을(를)` is left after a value whose last sound can be told (autograder/josa.py)."""
    korean = {name: text for name, (_, text) in graded.items() if "ko" in name.replace(".", "-").split("-")}
    assert len(korean) == 3
    assert {name: combined_after_a_known_sound(text) for name, text in korean.items()} == dict.fromkeys(korean, [])
