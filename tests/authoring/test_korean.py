"""The Korean notebooks and catalogs (issue 14): made from the same solution, same code, consistent terms.

``tfgrade assign`` writes ``<name>.ko.ipynb`` from the Korean text each solution cell carries in
``metadata.tfgrade.translations.ko`` (docs/korean.md); each assignment's own catalog is
``assignments/<name>/locale/ko/LC_MESSAGES/assignment.po``. None of these tests grades a notebook:
the Korean twin in tests/notebooks/autograph is graded with the rest of the corpus (tests/assignments).
"""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import nbformat
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from autograder.authoring import assign
from autograder.core import assignment, markers
from tests.authoring.test_assign import code, course

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("autograph", "functional", "custom_layers")
GLOSSARIES = [path for path in (ROOT / "autograder/locale/glossary.toml", ROOT / "assignments/glossary-additions.toml")
              if path.is_file()]
HANGUL = re.compile(r"[\uac00-\ud7a3]")

v4 = nbformat.v4


def markdown(source: str, cell_id: str, **translations: str) -> nbformat.NotebookNode:
    cell = v4.new_markdown_cell(source, id=cell_id)
    if translations:
        cell.metadata = {"tfgrade": {"translations": translations}}
    return cell


def translated_code(source: str, cell_id: str, ko: str) -> nbformat.NotebookNode:
    cell = code(source, cell_id)
    cell.metadata["tfgrade"] = {"translations": {"ko": ko}}
    return cell


def template(name: str, language: str = "") -> nbformat.NotebookNode:
    paths = assignment.notebooks(name, ROOT)
    path = assign.translated_template(paths, language) if language else paths.template
    return nbformat.read(path, as_version=4)


# -- assign: translations in the solution -------------------------------------------------------

ANSWER = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION"
CHECK = '# Check f.\nassert f(1) == 2, "f(1) should be 2"'
CHECK_KO = '# f를 검사합니다.\nassert f(1) == 2, "f(1)은 2여야 합니다"'


def test_assign_writes_a_korean_notebook_from_the_same_solution(tmp_path: Path) -> None:
    root = course(tmp_path, [markdown("# Add one", "intro", ko="# 1 더하기"), code(ANSWER, "answer"),
                             translated_code(CHECK, "check", CHECK_KO)])
    paths = assignment.notebooks("demo", root)

    assert assign.write(paths) == paths.template
    english = nbformat.read(paths.template, as_version=4)
    korean = nbformat.read(root / "assignments/demo/demo.ko.ipynb", as_version=4)

    assert [c.source for c in english.cells] == ["# Add one", "def f(x):\n    # YOUR CODE HERE\n    raise "
                                                 "NotImplementedError()", CHECK]
    korean_stub = english.cells[1].source.replace("# YOUR CODE HERE", "# 여기에 코드를 작성하세요")
    assert [c.source for c in korean.cells] == ["# 1 더하기", korean_stub, CHECK_KO]
    assert korean.metadata.tfgrade == {"assignment": "demo", "language": "ko"}
    assert "language" not in english.metadata.tfgrade
    assert all("tfgrade" not in c.metadata for c in [*english.cells, *korean.cells])  # translations stay home
    assert assign.check(paths).fresh


def test_check_names_the_stale_korean_notebook(tmp_path: Path) -> None:
    root = course(tmp_path, [markdown("# Add one", "intro", ko="# 1 더하기"), code(ANSWER, "answer")])
    paths = assignment.notebooks("demo", root)
    assign.write(paths)
    korean = root / "assignments/demo/demo.ko.ipynb"
    korean.write_text(korean.read_text(encoding="utf-8").replace("1 더하기", "하나 더하기"), encoding="utf-8")

    assert assign.check(paths).differences == ("demo.ko.ipynb: cell 1 (intro): text differs",)
    korean.unlink()
    assert assign.check(paths).differences == ("demo.ko.ipynb: the student notebook does not exist yet",)


def test_a_solution_without_translations_gives_only_the_english_notebook(tmp_path: Path) -> None:
    root = course(tmp_path, [markdown("# Add one", "intro"), code(ANSWER, "answer")])
    paths = assignment.notebooks("demo", root)
    assign.write(paths)

    assert assign.translations_written(paths) == ()
    assert sorted(p.name for p in (root / "assignments/demo").glob("*.ipynb")) == ["demo.ipynb"]


def test_a_markdown_cell_without_korean_text_is_refused(tmp_path: Path) -> None:
    root = course(tmp_path, [markdown("# Add one", "intro", ko="# 1 더하기"), code(ANSWER, "answer"),
                             markdown("Run the check.", "outro")])

    with pytest.raises(assign.TranslationError, match=r"cell 3 \(id outro\): a markdown cell with no 'ko' text"):
        assign.write(assignment.notebooks("demo", root))


def test_a_translation_that_changes_the_code_is_refused(tmp_path: Path) -> None:
    changed = CHECK_KO.replace("f(1) == 2", "f(1) == 3")
    root = course(tmp_path, [markdown("# Add one", "intro", ko="# 1 더하기"), code(ANSWER, "answer"),
                             translated_code(CHECK, "check", changed)])

    with pytest.raises(assign.TranslationError, match=r"id check\): its 'ko' version changes the code"):
        assign.write(assignment.notebooks("demo", root))


@pytest.mark.parametrize(("translation", "same"), [
    ('# 주석\nassert f(1) == 2, "f(1)은 2여야 합니다"', True),
    ('assert f(1) == 2, f"{f(1)}: 2여야 합니다"', True),  # only what a failing assert says
    ('np.testing.assert_allclose(a, b, err_msg="다릅니다")', False),  # another call, not another message
    ('assert f(1) == 2', True),
    ('assert f("1") == 2, "f(1) should be 2"', False),  # a string the code uses is code
    ('print("f(1) should be 2")', False),
    ('assert f(1) == 2, "f(1) should be 2"\nf(2)', False),
])
def test_same_behaviour_allows_only_assert_messages_and_comments(translation: str, same: bool) -> None:
    assert assign.same_behaviour('assert f(1) == 2, "f(1) should be 2"', translation) is same


def test_err_msg_is_a_message_too() -> None:
    english = 'np.testing.assert_allclose(a, b, rtol=1e-6, err_msg="it differs")'
    assert assign.same_behaviour(english, english.replace("it differs", "다릅니다"))
    assert not assign.same_behaviour(english, english.replace("1e-6", "1e-3"))


def test_magics_must_stay_byte_identical() -> None:
    assert assign.same_behaviour("%timeit f(1)", "%timeit f(1)")
    assert not assign.same_behaviour("%timeit f(1)  # time", "%timeit f(1)  # 시간")


# -- the bundled Korean notebooks -----------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_the_korean_notebook_has_the_same_cells_and_runs_the_same_code(name: str) -> None:
    english, korean = template(name), template(name, "ko")

    assert [(c.id, c.cell_type) for c in korean.cells] == [(c.id, c.cell_type) for c in english.cells]
    assert korean.metadata.tfgrade == {"assignment": name, "language": "ko"}
    for en, ko in zip(english.cells, korean.cells, strict=True):
        if en.cell_type == "code" and en.source != ko.source:
            # Only comments and what a failing public check says may differ, and they must be Korean.
            assert assign.same_behaviour(en.source, ko.source), en.id
            assert HANGUL.search(ko.source), en.id
    answers = [c.id for c in english.cells if c.cell_type == "code" and "YOUR CODE HERE" in c.source]
    assert answers
    # An answer cell is the English one with its stubs in Korean (custom_layers' q1 has a Korean prompt too).
    stubbed = {c.id for c, k in zip(english.cells, korean.cells, strict=True)
               if c.source.replace(markers.STUB[0], markers.STUB_COMMENTS["ko"]) == k.source}
    assert stubbed >= {a for a in answers if name != "custom_layers" or a != "q1-answer"}


@pytest.mark.parametrize("name", BUNDLED)
def test_every_markdown_cell_is_korean(name: str) -> None:
    english, korean = template(name), template(name, "ko")
    for en, ko in zip(english.cells, korean.cells, strict=True):
        if en.cell_type == "markdown":
            assert ko.source != en.source and len(HANGUL.findall(ko.source)) > len(ko.source) / 10, en.id
            # Code kept as is, but for the answer stub, which is Korean in the Korean notebook, and the
            # notebook's own file name, which is the Korean one.
            own = {f"`{markers.STUB_COMMENTS['ko']}`", f"`tfgrade check {name}.ko.ipynb`"}
            expected = {span.replace(f"{name}.ipynb", f"{name}.ko.ipynb") for span in _code_spans(en.source)}
            assert _code_spans(ko.source) <= expected | {"`tf.function`"} | own, en.id


@pytest.mark.parametrize("name", BUNDLED)
def test_the_korean_notebook_has_korean_stubs_and_names_itself(name: str) -> None:
    korean = template(name, "ko")
    code = "\n".join(c.source for c in korean.cells if c.cell_type == "code")
    assert "YOUR CODE HERE" not in code
    assert code.count(markers.STUB_COMMENTS["ko"]) == code.count("raise NotImplementedError()") > 0
    closing = korean.cells[-1].source
    assert f"tfgrade check {name}.ko.ipynb" in closing and f"tfgrade check {name}.ipynb" not in closing


def _code_spans(text: str) -> set[str]:
    return set(re.findall(r"`[^`\n]+`", text))


@pytest.mark.parametrize("name", BUNDLED)
def test_the_korean_solution_runs_the_english_solutions_code(name: str) -> None:
    solution = nbformat.read(assignment.notebooks(name, ROOT).solution, as_version=4)
    korean = assign.translated(solution, "ko")
    for en, ko in zip(solution.cells, korean.cells, strict=True):
        if en.cell_type == "code":
            assert assign.same_behaviour(markers.without_markers(en.source), markers.without_markers(ko.source))
    assert korean.metadata.tfgrade["language"] == "ko"


# -- the glossary ------------------------------------------------------------------------------------


def glossary() -> list[tuple[str, str]]:
    """(English form, Korean form) pairs of every glossary file; "a / b" alternatives pair up in order."""
    pairs: list[tuple[str, str]] = []
    for path in GLOSSARIES:
        for term in tomllib.loads(path.read_text(encoding="utf-8"))["terms"].values():
            english = [re.sub(r"\(.*?\)", "", e).strip() for e in term["en"].split(" / ")]
            korean = [k.strip() for k in term["ko"].split(" / ")]
            pairs += [(e, _stem(k)) for e, k in zip(english, korean, strict=False)]
    return pairs


def _stem(korean: str) -> str:
    """The part of a Korean word that does not change as it is used: 학습하다 -> 학습; 불러오기 -> 불러, since
    the syllable before 기 contracts with the ending (불러온, 불러오면)."""
    if korean.endswith("하다") and len(korean) > 3:
        return korean[:-2]
    if korean.endswith("기") and len(korean) > 3:
        return korean[:-2]
    return korean


def test_stems_match_the_forms_korean_text_uses() -> None:
    assert _stem("학습하다") == "학습" and _stem("불러오기") == "불러" and _stem("텐서") == "텐서"
    assert all(_stem(word) in "다시 불러온 레이어를 학습합니다" for word in ("불러오기", "학습하다"))


def _prose(markdown_text: str) -> str:
    """Markdown without code (fenced blocks and `spans`), where terms are names and stay English."""
    return re.sub(r"`[^`\n]*`", " ", re.sub(r"```.*?```", " ", markdown_text, flags=re.S))


def test_the_glossary_files_pair_every_term() -> None:
    assert GLOSSARIES and (ROOT / "assignments/glossary-additions.toml") in GLOSSARIES
    for english, korean in glossary():
        assert english and HANGUL.search(korean), (english, korean)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_glossary_term_of_the_english_text_appears_as_its_korean_term(name: str) -> None:
    english, korean = template(name), template(name, "ko")
    missing = []
    for en, ko in zip(english.cells, korean.cells, strict=True):
        if en.cell_type != "markdown":
            continue
        for term, word in glossary():
            used = re.search(rf"\b{re.escape(term)}(s|es|d|ed|ing)?\b", _prose(en.source), re.I)
            if used and word not in _prose(ko.source):
                missing.append(f"{en.id}: {term!r} -> {word!r}")
    assert not missing, missing


# -- the assignments' catalogs -------------------------------------------------------------------


def catalog(name: str) -> Catalog:
    with (ROOT / "assignments" / name / "locale/ko/LC_MESSAGES/assignment.po").open("rb") as file:
        return read_po(file, locale="ko")


def placeholders(text: str) -> list[str]:
    return sorted(f"{{{field}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
                  for _, field, spec, conv in string.Formatter().parse(text) if field is not None)


def student_texts(name: str) -> dict[str, str]:
    """Where each hint and title the students read comes from, by its exact English text."""
    folder = ROOT / "assignments" / name
    config = tomllib.loads((folder / "assignment.toml").read_text(encoding="utf-8"))
    texts = {config["title"]: "assignment.toml title"}
    texts |= {q["title"]: f"assignment.toml {key}" for key, q in config["questions"].items()}
    table = tomllib.loads((folder / "requirements.toml").read_text(encoding="utf-8"))
    texts |= {r["hint"]: f"requirements.toml {r['id']}" for r in table["requirement"] if "hint" in r}
    return texts


@pytest.mark.parametrize("name", BUNDLED)
def test_every_hint_and_title_has_a_korean_translation(name: str) -> None:
    translations = {message.id: message.string for message in catalog(name) if message.id}
    missing = [where for text, where in student_texts(name).items() if not translations.get(text, "").strip()]
    assert not missing, missing


@pytest.mark.parametrize("name", BUNDLED)
def test_every_translation_is_korean_with_the_same_placeholders(name: str) -> None:
    found = catalog(name)
    assert str(found.locale) == "ko"
    for message in found:
        if message.id:
            assert HANGUL.search(message.string), message.id
            assert placeholders(message.string) == placeholders(message.id), message.id
            assert not message.fuzzy, message.id


def test_placeholders_are_compared_with_their_conversions_and_formats() -> None:
    assert placeholders("{a} ran {b:.2f}x, {c!r}") == ["{a}", "{b:.2f}", "{c!r}"]
    assert placeholders("{a} ran {b}x") != placeholders("{a} ran {b:.2f}x")


# -- the corpus twin -------------------------------------------------------------------------------


def test_the_korean_twin_runs_its_english_twins_code_and_expects_the_same_outcome() -> None:
    """tests/notebooks/autograph/count-shape-1.ko.ipynb (make_corpus.py, TWINS): graded with the corpus, it
    must lose the same points as count-shape-1.ipynb; here, that nothing but its language differs."""
    folder = ROOT / "tests/notebooks/autograph"
    english = nbformat.read(folder / "count-shape-1.ipynb", as_version=4)
    korean = nbformat.read(folder / "count-shape-1.ko.ipynb", as_version=4)

    assert korean.metadata.tfgrade == {**english.metadata.tfgrade, "language": "ko"}
    assert [(c.id, c.cell_type) for c in korean.cells] == [(c.id, c.cell_type) for c in english.cells]
    for en, ko in zip(english.cells, korean.cells, strict=True):
        if en.cell_type == "code":
            assert assign.same_behaviour(en.source, ko.source), en.id
        else:
            assert HANGUL.search(ko.source), en.id
    assert "tf.constant([0])" in next(c.source for c in korean.cells if c.id == "q2-answer")


def test_a_language_must_be_a_language_code(tmp_path: Path) -> None:
    root = course(tmp_path, [markdown("# Add one", "intro", **{"../../x": "# 1 더하기"}), code(ANSWER, "answer")])

    with pytest.raises(assign.TranslationError, match="is not a language code"):
        assign.write(assignment.notebooks("demo", root))
    assert sorted(p.name for p in tmp_path.rglob("*.ipynb")) == ["demo.ipynb"]  # the solution only


# -- one register ---------------------------------------------------------------------------------

HAEYO = re.compile(r"[가-힣]*[^세\s]요[.?!](?:\s|$|\")")
"""A 해요체 statement or question ("잘했어요.", "빠졌나요?"); the polite imperative -세요 is kept."""


def test_korean_text_is_written_in_one_register() -> None:
    po = [ROOT / "autograder/locale/ko/LC_MESSAGES/tfgrade.po",
          *ROOT.glob("assignments/*/locale/ko/LC_MESSAGES/assignment.po")]
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in po}
    for name in BUNDLED:
        texts[name] = "\n".join(c.source for c in template(name, "ko").cells)
    found = {where: HAEYO.findall(text) for where, text in texts.items()}
    assert {where: words for where, words in found.items() if words} == {}
