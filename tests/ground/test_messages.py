"""The catalog of what a student reads (autograder/messages.py) stays the one home of that text.

Every entry renders; no two entries say the same thing; code fills in each entry with exactly its
placeholders; every entry is used; its words are written nowhere else in the package; and Babel
finds every entry with its id, so translating it later is one catalog per language.
"""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories import check_result
from jinja2 import nodes

import autograder
from autograder import messages
from autograder.core.assignment import Question
from autograder.core.results import ExecutionSummary, SubmissionResult
from autograder.core.scoring import score
from autograder.messages import Message, MessageError
from autograder.reports import pages
from autograder.reports.feedback import feedback_html, feedback_markdown
from autograder.reports.formats import feedback_text, gradescope_results

CATALOG = messages.catalog()
CATALOG_FILE = autograder.PACKAGE / "messages.py"
QUESTIONS = (Question(name="q1", points=3.0, title="Build the model"), Question(name="q2", points=2.0, title="Train"))


def sample_values(message: Message, count: float = 2) -> dict[str, object]:
    """A value for each placeholder: a number where the text formats one (``{budget:g}``), else a marker."""
    specs = {
        field: spec
        for text in (message.text, message.plural or "")
        for _, field, spec, _ in string.Formatter().parse(text)
        if field
    }
    values: dict[str, object] = {name: 1234.5 if spec else f"<{name}>" for name, spec in specs.items()}
    if message.plural is not None:
        values["count"] = count
    return values


# -- the catalog itself -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_message_renders_with_its_placeholders(name: str) -> None:
    message = CATALOG[name]
    for count in (1, 2) if message.plural is not None else (2,):
        values = sample_values(message, count)
        text = message.format(**values)
        assert text and "{" not in text and "}" not in text
        for value in values.values():
            if isinstance(value, str):
                assert value in text, f"{name} does not show its {value} placeholder"
    if message.plural is not None:
        assert message.format(**sample_values(message, 1)) != message.format(**sample_values(message, 2))


def test_a_message_refuses_missing_or_unknown_values() -> None:
    with pytest.raises(MessageError, match="missing values"):
        messages.HIDDEN_SUMMARY.format(passed=1, total=2)
    with pytest.raises(MessageError, match="unexpected values"):
        messages.HIDDEN_NOTE.format(extra="x")
    with pytest.raises(MessageError, match="count"):
        messages.POINTS.format(earned="1", points="2")
    assert messages.render(messages.POINTS, earned="1", points="1", count=1.0) == "1 / 1 point"
    assert messages.POINTS.format(earned="2", points="2.5", count=2.5) == "2 / 2.5 points"


def test_no_two_entries_say_the_same_thing() -> None:
    texts = Counter(t for m in CATALOG.values() for t in (m.text, m.plural) if t is not None)
    assert [t for t, n in texts.items() if n > 1] == []
    ids = Counter(m.id for m in CATALOG.values())
    assert [i for i, n in ids.items() if n > 1] == []


def test_ids_are_dotted_lowercase_names() -> None:
    bad = [m.id for m in CATALOG.values() if not re.fullmatch(r"[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)+", m.id)]
    assert bad == []


def test_babel_extracts_every_entry_with_its_id_as_context() -> None:
    """The command in messages' docstring finds every entry: a translation needs no code change."""
    pytest.importorskip("babel")
    from babel.messages.extract import extract
    from babel.messages.frontend import parse_keywords

    keywords = parse_keywords(re.findall(r"-k '([^']+)'", " ".join((messages.__doc__ or "").split())))
    with CATALOG_FILE.open("rb") as source:
        found = {(context, text if isinstance(text, str) else tuple(text))
                 for _, text, _, context in extract("python", source, keywords=keywords)}
    assert found == {(m.id, m.text if m.plural is None else (m.text, m.plural)) for m in CATALOG.values()}


# -- how the package uses it ------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    where: str
    name: str
    values: frozenset[str] | None
    """The names it is filled in with, or None where it is only referred to (passed on, put in a table)."""


def python_uses(path: Path) -> Iterator[Use]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "autograder.messages":
            raise AssertionError(f"{path}: import the module (from autograder import messages), not its names")
        if isinstance(node, ast.ImportFrom) and node.module == "autograder":
            aliases |= {a.asname or a.name for a in node.names if a.name == "messages"}
    formatted: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            target = node.func.value
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in aliases:
                formatted.add(id(target))
                where = f"{path.name}:{node.lineno}"
                assert all(k.arg is not None for k in node.keywords) and not node.args, f"{where}: use name=value"
                yield Use(where, target.attr, frozenset(str(k.arg) for k in node.keywords))
    for node in ast.walk(tree):
        is_reference = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        if is_reference and node.value.id in aliases and id(node) not in formatted and node.attr in CATALOG:
            yield Use(f"{path.name}:{node.lineno}", node.attr, None)


def template_uses(path: Path) -> Iterator[Use]:
    tree = pages._environment().parse(path.read_text(encoding="utf-8"))
    filtered: set[int] = set()
    for node in tree.find_all(nodes.Filter):
        target = node.node
        if isinstance(target, nodes.Getattr) and isinstance(target.node, nodes.Name) and target.node.name == "messages":
            where = f"{path.name}:{node.lineno}"
            assert node.name == "render" and not node.args and node.dyn_kwargs is None, f"{where}: use |render(...)"
            filtered.add(id(target))
            yield Use(where, target.attr, frozenset(k.key for k in node.kwargs))
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name == "messages" and id(node) not in filtered:
            yield Use(f"{path.name}:{node.lineno}", node.attr, None)


def package_uses() -> list[Use]:
    files = [p for p in autograder.package_files() if p != CATALOG_FILE]
    uses = [u for p in files if p.suffix == ".py" for u in python_uses(p)]
    return uses + [u for p in files if p.suffix == ".html" for u in template_uses(p)]


USES = package_uses()


def test_code_fills_in_each_message_with_exactly_its_placeholders() -> None:
    wrong = []
    for use in USES:
        assert use.name in CATALOG, f"{use.where}: messages.{use.name} is not in the catalog"
        message = CATALOG[use.name]
        wanted = message.placeholders | ({"count"} if message.plural is not None else set())
        if use.values is not None and use.values != wanted:
            wrong.append(f"{use.where}: {use.name} filled in with {sorted(use.values)}, needs {sorted(wanted)}")
        if use.values is None and wanted:
            wrong.append(f"{use.where}: {use.name} has placeholders, so fill it in where it is used")
    assert wrong == []
    assert len({u.where for u in USES if u.values is not None}) > 150  # the scan sees the package's messages


def test_every_message_is_used() -> None:
    assert sorted(set(CATALOG) - {u.name for u in USES}) == []


def literal_text(path: Path) -> str:
    """The string literals of a module (not its docstrings or comments), or a template's own text."""
    source = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return source
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and node.body
        and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return "\n".join(
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    )


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_the_words_of_a_message_are_written_nowhere_else() -> None:
    files = [p for p in autograder.package_files() if p != CATALOG_FILE and p.suffix in (".py", ".html")]
    others = {p: literal_text(p) for p in files}
    found = []
    for name, message in CATALOG.items():
        for text in (message.text, message.plural or ""):
            for chunk, *_ in string.Formatter().parse(text):
                if len(chunk.strip()) >= 20:
                    found += [f"{name}: {chunk.strip()!r} in {p.name}" for p, t in others.items() if chunk.strip() in t]
    assert found == []


def test_the_catalog_imports_nothing_but_the_error_root() -> None:
    # ... and the language choice (issue 14) and the Korean particles (issue 21), which themselves
    # import nothing else of the package.
    def package_imports(path: Path) -> set[str]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        return {m for m in imported if m and m.startswith("autograder")}

    assert package_imports(CATALOG_FILE) == {"autograder.errors", "autograder.i18n", "autograder.josa"}
    assert package_imports(CATALOG_FILE.with_name("i18n.py")) == {"autograder.errors", "autograder.josa"}
    assert package_imports(CATALOG_FILE.with_name("josa.py")) == set()


# -- the hidden checks' summary ---------------------------------------------------------------


def hidden_result() -> SubmissionResult:
    return SubmissionResult(
        "alice.ipynb", "autograph", "graded", "All cells ran without errors.",
        ExecutionSummary("completed", "All cells ran without errors."),
        (
            check_result("shape", "q1"),
            check_result("secret_a", "q1", visibility="hidden"),
            check_result("secret_b", "q1", outcome="failed", visibility="hidden"),
        ),
    )


def test_every_renderer_takes_the_hidden_summary_from_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    result = hidden_result()
    total = score(result, QUESTIONS)
    renderers = {
        "text": lambda: feedback_text(result, total, show_hidden=False),
        "markdown": lambda: feedback_markdown(result, total),
        "html": lambda: feedback_html(result, total),
        "gradescope": lambda: str(gradescope_results(result, total)["tests"]),
    }
    for render in renderers.values():
        assert "Hidden checks: 1 of 2 passed (1 / 2 points)." in render()

    replaced = Message(messages.HIDDEN_SUMMARY.id, "SECRET-TALLY {passed} {total} ({points})")
    monkeypatch.setattr(messages, "HIDDEN_SUMMARY", replaced)
    for name, render in renderers.items():
        out = render()
        assert "SECRET-TALLY 1 2 (1 / 2 points)" in out, name
        assert "Hidden checks:" not in out, name


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_the_hidden_summary_is_written_only_in_the_catalog() -> None:
    for path in autograder.package_files():
        if path != CATALOG_FILE and path.suffix in (".py", ".html"):
            assert "hidden checks:" not in literal_text(path).lower(), path
            assert "of {total} passed" not in path.read_text(encoding="utf-8"), path


def test_no_message_writes_a_plural_as_word_s_counts_go_through_plural_forms() -> None:
    # "5 cell(s)" reads as a form nobody filled in; gettext's plural forms say "1 cell", "5 cells" (issue 21).
    pseudo = [m.id for m in messages.catalog().values() if "(s)" in m.text or "(s)" in (m.plural or "")]
    assert pseudo == []
    assert messages.RAN_WITH_ERRORS.format(count=1, cells="3") == "The notebook ran; 1 cell raised an error (cell 3)."
    assert messages.RAN_WITH_ERRORS.format(count=2, cells="3, 5").startswith("The notebook ran; 2 cells raised")
