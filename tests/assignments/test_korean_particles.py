"""Korean feedback of every graded corpus notebook: no particle written both ways after a value the program knows.

A Korean particle follows the last sound of the value before it (셀 7이, bob.ipynb을 ...: autograder/josa.py);
``이(가)``, ``을(를)``, ``은(는)`` and ``(으)로`` stay only where that sound cannot be told (issue 21). The
corpora's gradings (tests/assignments/test_corpora.py, which grades each corpus once per process and shares
it here) are rendered again as Korean feedback: every file a student gets (text, Markdown, the web pages,
the student's JSON and the annotated notebook). The corpus notebooks are English, so the checks' own
messages stay English; what is rendered in Korean is the tool's frame around them (cell errors, summaries,
hints, next steps), with the real values of real gradings filled in. The Korean twins of the corpora are
graded in Korean by tests/assignments/test_korean_*.py, which assert the same of their feedback.

The two stored reports of tests/fixtures/reports/ get the same treatment, without grading anything.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder.authoring.validate import corpus
from autograder.core import codec, scoring
from autograder.core.assignment import Assignment
from autograder.grading import batch
from autograder.grading.pipeline import Graded
from tests.assignments.test_corpora import ASSIGNMENTS, loaded, outcomes
from tests.ground.test_josa import combined_after_a_known_sound

STORED = Path(__file__).parents[1] / "fixtures" / "reports"
TAG = re.compile(r"<(style|script)\b.*?</\1>|<[^>]+>", re.DOTALL)


def strings(value: Any) -> Iterator[str]:
    """Every string of a JSON document (each scanned alone: a particle never spans two)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def student_texts(folder: Path) -> dict[str, list[str]]:
    """file name -> its texts, for every file a student gets in ``folder`` (report.json is the instructor's)."""
    texts: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".txt", ".md"):
            texts[path.name] = [text]
        elif path.suffix == ".html":
            texts[path.name] = [html.unescape(TAG.sub("", text))]
        elif path.suffix in (".json", ".ipynb") and path.name != "report.json":
            texts[path.name] = list(strings(json.loads(text)))
    return texts


def in_korean(graded: Graded, assignment: Assignment | None) -> Graded:
    result = dataclasses.replace(graded.result, language="ko")
    if assignment is None:  # a stored report: its score stands, the words around it change
        return dataclasses.replace(graded, result=result)
    return Graded(result=result, score=scoring.score(result, assignment.questions_in("ko")))


def particles_left(folder: Path) -> dict[str, list[str]]:
    found = {name: [hit for text in texts for hit in combined_after_a_known_sound(text)]
             for name, texts in student_texts(folder).items()}
    return {name: hits for name, hits in found.items() if hits}


def test_the_stored_reports_in_korean_choose_each_particle(tmp_path: Path) -> None:
    for stored in sorted(STORED.glob("*.json")):
        report = codec.REPORT.loads(stored.read_bytes())
        folder = tmp_path / stored.stem
        batch.write_reports(in_korean(Graded(result=report.result, score=report.score), None), folder)

        assert "feedback.txt" in student_texts(folder)
        assert particles_left(folder) == {}, stored.name


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_korean_feedback_of_every_corpus_notebook_chooses_each_particle(name: str, tmp_path: Path) -> None:
    assignment = loaded(name)
    paths = {n: path for n, (path, _) in corpus(assignment).items()}
    left = {}
    for outcome in outcomes(name).values():
        folder = tmp_path / outcome.name
        korean = in_korean(outcome.graded, assignment)
        feedback = batch.NotebookFeedback(paths[outcome.name], assignment)
        batch.write_reports(korean, folder, notebook_feedback=feedback if korean.result.status == "graded" else None)
        assert re.search("[가-힣]", (folder / "feedback.txt").read_text(encoding="utf-8")), outcome.name
        left |= {f"{outcome.name}/{file}": hits for file, hits in particles_left(folder).items()}

    assert len(outcomes(name)) >= 25
    assert left == {}
