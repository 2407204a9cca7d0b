"""HTML pages come from Jinja2 templates with autoescape, on one shared page shell and stylesheet."""

from __future__ import annotations

import ast
import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from factories import check_result

import autograder
from autograder.core import assignment, cache
from autograder.core.assignment import Question
from autograder.core.results import CellError, ExecutionSummary, SubmissionResult
from autograder.core.scoring import score
from autograder.grading.pipeline import Graded
from autograder.reports import pages
from autograder.reports.class_report import class_report_html
from autograder.reports.feedback import feedback_html
from autograder.students import selfcheck
from tests.conftest import ROOT, TESTS

QUESTIONS = (Question(name="q1", points=3.0, title="Build the model"), Question(name="q2", points=2.0, title="Train"))
SCRIPT = "<script>alert('hi')</script>"
HTML = '<img src=x onerror="alert(1)"><b>bold</b>'
ANSI = "\x1b[31m\x1b]0;title\x07"


def hostile() -> SubmissionResult:
    """Student-controlled text everywhere it can go: file name, output, messages, check names, errors."""
    execution = ExecutionSummary(
        "timeout", f"{ANSI}stopped in {SCRIPT}", (CellError(2, f"ValueError: {SCRIPT}{ANSI}{HTML}"),),
        output=f"{ANSI}printed {SCRIPT} and {HTML}\n", missing_names=(f"{SCRIPT}name",),
    )
    checks = (
        check_result(f"shape{SCRIPT}", "q1", outcome="failed", message=f"{ANSI}got {SCRIPT} {HTML}"),
        check_result("broke", "q1", outcome="error", message=f"The check itself raised {SCRIPT}"),
        check_result("secret", "q2", outcome="failed", message=f"hidden {SCRIPT}", visibility="hidden"),
    )
    return SubmissionResult(f"{ANSI}{SCRIPT}.ipynb", "autograph", "graded", f"Graded {HTML}", execution, checks)


def both_pages() -> dict[str, str]:
    result = hostile()
    rows = [(result, score(result, QUESTIONS))]
    rejected = SubmissionResult(f"{SCRIPT}.zip", "autograph", "rejected", f"Not a notebook: {HTML}{ANSI}")
    rows.append((rejected, score(rejected, QUESTIONS)))
    return {"feedback": feedback_html(*rows[0]), "class": class_report_html(rows, title=f"Week {SCRIPT}")}


def body_text(page: str) -> str:
    body = ET.fromstring(page).find("body")
    assert body is not None
    return " ".join("".join(body.itertext()).split())


@pytest.mark.parametrize("name", ["feedback", "class"])
def test_student_text_is_escaped_on_both_pages(name: str) -> None:
    page = both_pages()[name]
    root = ET.fromstring(page)  # well-formed: every tag the student wrote is text

    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>bold" not in page
    assert root.find(".//script") is None and root.find(".//img") is None
    assert "\x1b" not in page and "\x07" not in page
    assert f"got {SCRIPT} {HTML}" in body_text(page)  # shown as the text it was
    assert f"ValueError: {SCRIPT}{HTML}" in body_text(page)
    assert "printed" not in page  # the program's output is for report.json only


def test_the_selfcheck_table_escapes_too() -> None:
    result = hostile()
    graded = Graded(result=result, score=score(result, QUESTIONS))
    fragment = selfcheck.SelfCheck(graded=graded, question=None, hidden=(), isolation="test").html()
    assert "<script" not in fragment.lower() and "<img" not in fragment.lower() and "\x1b" not in fragment
    assert "&lt;script&gt;" in fragment and "<b>saved</b>" in fragment


def test_both_pages_share_one_shell_and_one_stylesheet() -> None:
    feedback, report = both_pages().values()
    styles = [re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL) for page in (feedback, report)]
    assert [len(s) for s in styles] == [1, 1] and styles[0] == styles[1]
    assert styles[0][0].strip() == (pages.TEMPLATES / "tfgrade.css").read_text(encoding="utf-8").strip()
    head = [page.split("<title>")[0] for page in (feedback, report)]
    assert head[0] == head[1]
    assert [re.findall(r'<body class="([^"]*)">', p) for p in (feedback, report)] == [["feedback"], ["class-report"]]


def test_no_renderer_escapes_html_by_hand() -> None:
    """Only the Markdown renderer escapes (Markdown is not HTML); pages are the templates' job."""
    escaping = []
    for path in autograder.package_files():
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for inner in ast.walk(node) if isinstance(node, ast.FunctionDef) else ():
                if isinstance(inner, ast.Attribute) and inner.attr == "escape" and isinstance(inner.value, ast.Name):
                    escaping.append(f"{path.relative_to(autograder.PACKAGE)}:{node.name}")
    assert sorted(set(escaping)) == ["reports/feedback.py:_md_text"]


# -- templates are package files --------------------------------------------------------------


def test_templates_are_package_data_and_jinja2_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.lower().startswith("jinja2") for d in project["project"]["dependencies"])
    patterns = project["tool"]["setuptools"]["package-data"]["autograder.reports"]
    templates = sorted(pages.TEMPLATES.iterdir())
    assert {p.suffix for p in templates} == {".html", ".css"}
    assert all(any(p.relative_to(pages.TEMPLATES.parent).match(g) for g in patterns) for p in templates)
    assert set(templates) <= set(autograder.package_files())


def test_changing_a_template_changes_the_cache_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = assignment.load(TESTS / "fixtures" / "tiny")
    copy = tmp_path / "autograder"
    shutil.copytree(autograder.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(autograder, "PACKAGE", copy)
    before = cache.grading_keys(tiny)
    page = copy / "reports" / "templates" / "feedback.html"
    page.write_text(page.read_text(encoding="utf-8").replace("<h1>", '<h1 class="restyled">'), encoding="utf-8")
    assert cache.grading_keys(tiny) != before
