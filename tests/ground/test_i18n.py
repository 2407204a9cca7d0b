"""The language of what a student reads: the order it is chosen in, per submission, through to the files.

Most of these grade with the fake executor (the order and the plumbing); one real grading shows the
check process writing its messages in the notebook's language.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import nbformat
import pytest
from factories import FakeExecutor, check_result, execution, write_answer

from autograder import i18n, messages
from autograder.authoring import translations
from autograder.core import assignment as assignments
from autograder.core import cache, codec
from autograder.core.notebook import Notebook
from autograder.core.results import SubmissionResult
from autograder.grading import batch
from autograder.grading.execution import Execution, ProcessExecutor
from autograder.grading.pipeline import grade
from autograder.reports import feedback_notebook
from autograder.reports.feedback import feedback_html
from autograder.students import selfcheck

KOREAN_SUMMARY = "숨겨진 검사"


def korean(path: Path, assignment: str = "autograph") -> Path:
    """``path`` (a notebook) with ``tfgrade.language = "ko"`` in its metadata, as the Korean notebook has."""
    node = nbformat.read(path, as_version=4)
    node.metadata.setdefault("tfgrade", {"assignment": assignment})["language"] = "ko"
    nbformat.write(node, path)
    return path


@pytest.fixture(scope="module")
def autograph() -> assignments.Assignment:
    return assignments.load("autograph")


# -- the order: --lang, then the notebook, then the assignment, then English ---------------------


@pytest.mark.parametrize(("requested", "notebook", "assignment", "chosen"), [
    ("en", "ko", "ko", "en"),
    (None, "ko", "en", "ko"),
    (None, None, "ko", "ko"),
    (None, None, None, "en"),
    ("ko", None, None, "ko"),
])
def test_the_language_is_the_first_given_of_command_notebook_assignment_english(
    requested: str | None, notebook: str | None, assignment: str | None, chosen: str
) -> None:
    assert i18n.choose(requested, notebook, assignment) == chosen


@pytest.mark.parametrize(("metadata", "found"), [
    ({"tfgrade": {"assignment": "a", "language": "ko"}}, "ko"),
    ({"tfgrade": {"assignment": "a"}}, None),
    ({"tfgrade": {"language": "xx"}}, None),  # a language tfgrade has no catalog for: as if none
    ({"tfgrade": "ko"}, None),
    ({}, None),
])
def test_a_notebook_names_its_language_in_its_tfgrade_metadata(metadata: dict[str, object], found: str | None) -> None:
    assert i18n.language_of(metadata) == found


def test_an_unknown_language_is_refused_with_the_ones_there_are() -> None:
    with pytest.raises(i18n.LanguageError, match="use one of en, ko"), i18n.using("xx"):
        pass


def test_assignment_toml_sets_a_default_language_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    root = tmp_path / "assignments" / "week1"
    root.mkdir(parents=True)
    write_answer(root / "week1.ipynb", "week1")
    (root / "assignment.toml").write_text('language = "ko"\n[questions]\nq1 = {points = 1}\n')
    assert assignments.load("week1", course=tmp_path).language == "ko"
    (root / "assignment.toml").write_text('language = "kr"\n[questions]\nq1 = {points = 1}\n')
    with pytest.raises(assignments.AssignmentError, match='language must be one of en, ko'):
        assignments.load("week1", course=tmp_path)


def test_each_thread_renders_in_its_own_language() -> None:
    seen: dict[str, str] = {}
    both_set = threading.Barrier(2)

    def render(language: str) -> None:
        with i18n.using(language):
            both_set.wait()  # the other thread has set its language too
            seen[language] = messages.STATUS_REJECTED.format()

    threads = [threading.Thread(target=render, args=(lang,)) for lang in ("en", "ko")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"en": "Not graded", "ko": "채점되지 않음"}
    assert i18n.current() == "en"


# -- one submission: its language, through the executor, into the result --------------------------


@dataclasses.dataclass
class LanguageRecorder(FakeExecutor):
    """The fake executor, noting the language the real one would pass to the check process."""

    languages: list[str] = dataclasses.field(default_factory=list)

    def run(self, notebook: Notebook, assignment: assignments.Assignment, *, include_hidden: bool) -> Execution:
        self.languages.append(i18n.current())
        return super().run(notebook, assignment, include_hidden=include_hidden)


def test_a_korean_notebook_is_graded_in_korean_and_its_result_says_so(
    tmp_path: Path, autograph: assignments.Assignment
) -> None:
    executor = LanguageRecorder()
    graded = grade(korean(write_answer(tmp_path / "minji.ipynb")), autograph, executor)
    assert executor.languages == ["ko"]
    assert graded.result.language == "ko"


def test_the_command_language_wins_over_the_notebook_and_a_rejection_speaks_it(
    tmp_path: Path, autograph: assignments.Assignment
) -> None:
    executor = LanguageRecorder()
    english = dataclasses.replace(autograph, requested_language="en")
    assert grade(korean(write_answer(tmp_path / "a.ipynb")), english, executor).result.language == "en"
    assert executor.languages == ["en"]
    missing = grade(tmp_path / "nowhere.ipynb", dataclasses.replace(autograph, requested_language="ko"), executor)
    assert missing.result.status == "rejected"
    assert missing.result.language == "ko"
    assert "읽을 수 있는 파일이 아닙니다" in missing.result.message


def test_a_batch_writes_each_submissions_feedback_in_its_own_language(
    tmp_path: Path, autograph: assignments.Assignment
) -> None:
    failing = execution(*[dataclasses.replace(c, outcome="failed", earned=0.0) if c.visibility == "hidden" else c
                          for c in FakeExecutor().canned.checks])
    subs = tmp_path / "subs"
    paths = [write_answer(subs / "ann.ipynb"), korean(write_answer(subs / "minji.ipynb"))]
    executor = LanguageRecorder(canned=failing)
    result = batch.grade_all(paths, autograph, executor, tmp_path / "out", progress=lambda _: None, jobs=2)
    assert sorted(executor.languages) == ["en", "ko"]
    assert [g.result.language for g in result.rows] == ["en", "ko"]
    folders = {p.stem: tmp_path / "out" / batch.SUBMISSIONS / p.stem for p in paths}
    english, korean_text = ("ann", "Hidden checks", KOREAN_SUMMARY), ("minji", KOREAN_SUMMARY, "Hidden checks")
    for name, wanted, unwanted in (english, korean_text):
        for file in ("feedback.txt", "feedback.md", "feedback.html", "feedback.ipynb"):
            text = (folders[name] / file).read_text(encoding="utf-8")
            assert wanted in text and unwanted not in text, (name, file)
    assert '<html lang="ko">' in (folders["minji"] / "feedback.html").read_text(encoding="utf-8")
    assert json.loads((folders["minji"] / cache.REPORT).read_text())["language"] == "ko"


def test_a_report_from_before_languages_reads_as_english() -> None:
    result = SubmissionResult("a.ipynb", "autograph", "rejected", "no")
    document = codec.SUBMISSION.encode(dataclasses.replace(result, language="ko"))
    assert codec.SUBMISSION.decode(document, "result").language == "ko"
    del document["language"]
    assert codec.SUBMISSION.decode(document, "result").language == "en"


def test_only_the_command_language_joins_the_cache_key(autograph: assignments.Assignment) -> None:
    plain = cache.grading_keys(autograph)
    assert cache.LANGUAGE_KEY not in plain  # reports written before languages still match
    chosen = cache.grading_keys(dataclasses.replace(autograph, requested_language="ko"))
    assert chosen == plain | {cache.LANGUAGE_KEY: "ko"}


# -- the rendering ------------------------------------------------------------------------------


def test_html_pages_say_their_language_and_name_fonts_with_hangul() -> None:
    result = SubmissionResult("a.ipynb", "autograph", "rejected", "no", language="ko")
    from autograder.core import scoring

    score = scoring.score(result, assignments.load("autograph").questions)
    with i18n.using("ko"):
        page = feedback_html(result, score)
        notebook_page = feedback_notebook.render_html(nbformat.v4.new_notebook(), "피드백")
    assert '<html lang="ko">' in page and '"Noto Sans CJK KR"' in page and '"Malgun Gothic"' in page
    assert '<html lang="ko">' in notebook_page and '"Noto Sans CJK KR"' in notebook_page
    assert '<html lang="en">' in feedback_html(dataclasses.replace(result, language="en"), score)


# -- an assignment's own catalog: hints and check messages -----------------------------------------


@pytest.fixture()
def small_course(tmp_path: Path) -> Path:
    """One assignment with a hint in requirements.toml and a check message marked with ``_``."""
    root = tmp_path / "assignments" / "week1"
    (root / "checks" / "public").mkdir(parents=True)
    (root / "checks" / "hidden").mkdir()
    write_answer(root / "week1.ipynb", "week1")
    (root / "assignment.toml").write_text('[questions]\nq1 = {points = 2}\n')
    (root / "checks" / "public" / "test_q1.py").write_text(
        "import pytest\nfrom autograder.checks import CheckFailure, _\n\n\n@pytest.mark.question('q1', points=1)\n"
        "def test_x_is_pi(student):\n    raise CheckFailure(_('x should be {value}').format(value=3.14))\n")
    (root / "checks" / "hidden" / "test_q1_hidden.py").write_text(
        "import pytest\n\n\n@pytest.mark.question('q1', points=1)\ndef test_x_hidden(student):\n    assert False\n")
    (root / "requirements.toml").write_text(
        '[[requirement]]\nid = "q1-pi"\nquestion = "q1"\ntext = "My answers"\n'
        'checks = ["x_is_pi", "x_hidden"]\nhint = "Use math.pi, not 3.14."\n')
    return tmp_path


def translate(po: Path, texts: dict[str, str]) -> None:
    from babel.messages import pofile

    with po.open("rb") as handle:
        catalog = pofile.read_po(handle)
    for english, korean_text in texts.items():
        catalog[english].string = korean_text
    with po.open("wb") as handle:
        pofile.write_po(handle, catalog)


def test_tfgrade_catalogs_extracts_hints_and_marked_check_messages(small_course: Path) -> None:
    from autograder.cli import main

    assert main(["catalogs", "week1", "--course", str(small_course)]) == 0
    root = small_course / "assignments" / "week1"
    po = root / "locale" / "ko" / "LC_MESSAGES" / "assignment.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgid "x should be {value}"' in text and 'msgid "Use math.pi, not 3.14."' in text
    assert (root / "locale" / "assignment.pot").is_file()
    translate(po, {"x should be {value}": "x는 {value}이어야 합니다",
                   "Use math.pi, not 3.14.": "3.14 말고 math.pi를 쓰세요."})
    # Run again after a check changed: the translation stays, the new text arrives empty.
    checks = root / "checks" / "public" / "test_q1.py"
    checks.write_text(checks.read_text() + "\n\ndef helper():\n    return _('a new sentence')\n")
    assert main(["catalogs", "week1", "--course", str(small_course), "--lang", "ko"]) == 0
    again = po.read_text(encoding="utf-8")
    assert 'msgstr "x는 {value}이어야 합니다"' in again and 'msgid "a new sentence"' in again

    week1 = assignments.load("week1", course=small_course)
    assert i18n.assignment_text(week1.root, "Use math.pi, not 3.14.", "ko") == "3.14 말고 math.pi를 쓰세요."
    assert i18n.assignment_text(week1.root, "Use math.pi, not 3.14.", "en") == "Use math.pi, not 3.14."
    assert i18n.assignment_text(week1.root, "not in the catalog", "ko") == "not in the catalog"

    # In the check process: the catalog of the assignment it checks, in the submission's language.
    def in_check_process() -> str:
        from autograder.checks import _

        i18n.set_language("ko")
        i18n.set_assignment(week1.root)
        return _("x should be {value}").format(value=3.14)

    assert contextvars.copy_context().run(in_check_process) == "x는 3.14이어야 합니다"

    # The grader: the hint of a failed hidden check, and the self-check's list of what hidden checks test.
    failed = execution(check_result("x_is_pi", points=1.0), check_result("x_hidden", outcome="failed",
                                                                      visibility="hidden"))
    notebook = korean(root / "week1.ipynb", "week1")
    graded = grade(notebook, week1, FakeExecutor(canned=failed))
    assert [c.hint for c in graded.result.checks if c.name == "x_hidden"] == ["3.14 말고 math.pi를 쓰세요."]
    shares = selfcheck.run_self_check(notebook, week1, executor=FakeExecutor(canned=failed)).hidden
    assert shares[0].tests == ("3.14 말고 math.pi를 쓰세요.",)
    assert "숨겨진 검사" in selfcheck.run_self_check(notebook, week1, executor=FakeExecutor(canned=failed)).text()
    assert translations.extract_catalog(week1).get("a new sentence") is not None


# -- one real grading: the check process writes in the notebook's language ---------------------------


@pytest.mark.slow
def test_a_real_grading_of_a_korean_notebook_gives_korean_check_messages(
    tmp_path: Path, autograph: assignments.Assignment
) -> None:
    from conftest import fast_limits

    path = korean(write_answer(tmp_path / "minji.ipynb"))  # defines none of the names: every check fails
    graded = grade(path, fast_limits(autograph), ProcessExecutor())
    assert graded.result.language == "ko"
    public = [c for c in graded.result.checks if c.visibility == "public"]
    assert public and all(c.outcome == "failed" for c in public)
    assert any("정의되어 있지 않습니다" in c.message for c in public), [c.message for c in public]


# -- Hangul on screen: glyphs, not boxes ---------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
UNASSIGNED = "\u0378"
"""A code point with no character: every font draws it as its 'missing glyph' box."""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine to render the page with")
def test_chromium_draws_a_korean_feedback_page_in_hangul_glyphs_not_boxes(tmp_path: Path) -> None:
    """Without a font that has Hangul, every syllable is drawn as the same missing-glyph box, exactly as
    an unassigned code point is: the two pages would then be the same picture. With one, they differ."""
    from autograder.core import scoring

    result = SubmissionResult("minji.ipynb", "autograph", "rejected",
                              "노트북이 아닙니다. 주피터에서 저장하세요. 가나다라마바사아자차카타파하", language="ko")
    with i18n.using("ko"):
        page = feedback_html(result, scoring.score(result, assignments.load("autograph").questions))
    boxes = re.sub("[\uac00-\ud7a3]", UNASSIGNED, page)
    assert boxes != page

    korean_shot, boxes_shot = (_screenshot(html, tmp_path / name) for html, name in ((page, "ko"), (boxes, "boxes")))

    from PIL import Image, ImageChops

    with Image.open(korean_shot) as drawn, Image.open(boxes_shot) as tofu:
        changed = ImageChops.difference(drawn.convert("L"), tofu.convert("L")).point(lambda v: 255 if v > 40 else 0)
        assert changed.getbbox() is not None, "Hangul was drawn as missing-glyph boxes: install fonts-noto-cjk"
        assert sum(changed.histogram()[255:]) > 500  # many pixels: the glyphs, not a stray edge


def _screenshot(html: str, stem: Path) -> Path:
    page, shot = stem.with_suffix(".html"), stem.with_suffix(".png")
    page.write_text(html, encoding="utf-8")
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
               "--window-size=900,700", page.as_uri()]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return shot


@pytest.mark.slow
def test_a_release_carries_the_public_part_of_the_assignments_catalog(small_course: Path, tmp_path: Path) -> None:
    from autograder.authoring import release
    from autograder.cli import main

    root = small_course / "assignments" / "week1"
    hidden = root / "checks" / "hidden" / "test_q1_hidden.py"
    hidden.write_text(hidden.read_text() + "\n\ndef secret():\n    return _('the hidden answer is quokka')\n")
    assert main(["catalogs", "week1", "--course", str(small_course)]) == 0
    po = root / "locale" / "ko" / "LC_MESSAGES" / "assignment.po"
    translate(po, {"x should be {value}": "x는 {value}이어야 합니다",
                   "Use math.pi, not 3.14.": "3.14 말고 math.pi를 쓰세요.",
                   "the hidden answer is quokka": "숨겨진 답은 쿼카"})

    made = release.release(assignments.load("week1", course=small_course), tmp_path / "release")
    shipped = made.folder / "locale" / "ko" / "LC_MESSAGES" / "assignment.po"
    text = shipped.read_text(encoding="utf-8")
    assert "x는 {value}이어야 합니다" in text and "3.14 말고 math.pi를 쓰세요." in text
    # No hidden check's text, file name or requirement; a word no catalog header holds (its creation
    # time once made "42" appear at 17:42).
    assert "hidden" not in text and "quokka" not in text and "쿼카" not in text
    again = release.release(assignments.load("week1", course=small_course), tmp_path / "again")
    assert again.zip.read_bytes() == made.zip.read_bytes()

    # In the student's release, tfgrade check lists what the hidden checks test in Korean.
    student = assignments.load(made.folder)
    assert i18n.assignment_text(student.root, "Use math.pi, not 3.14.", "ko") == "3.14 말고 math.pi를 쓰세요."


# -- on a Dask cluster: the command's --lang travels with each task ------------------------------------

from tests.interop.test_distributed import READS_DATA, STARTUP_SECONDS, blind_workers, cluster, tiny  # noqa: E402, F401


@pytest.mark.slow
@blind_workers
def test_lang_reaches_the_dask_workers(cluster, tiny: assignments.Assignment) -> None:  # noqa: F811
    import distributed

    from autograder.interop.distributed import DaskGrader

    cluster.start_worker("w")
    path = write_notebook_without_add(cluster.instructor / "subs" / "minji.ipynb")
    with distributed.Client(cluster.address) as client:
        client.wait_for_workers(1, timeout=STARTUP_SECONDS)
        with DaskGrader(cluster.address, dataclasses.replace(tiny, requested_language="ko")) as grader:
            korean_result = grader(path).result
        with DaskGrader(cluster.address, tiny) as grader:
            english_result = grader(path).result
    assert (korean_result.language, english_result.language) == ("ko", "en")
    assert any("정의되어 있지 않습니다" in c.message for c in korean_result.checks)
    assert any("is not defined in your notebook" in c.message for c in english_result.checks)


def write_notebook_without_add(path: Path) -> Path:
    from factories import write_notebook

    return write_notebook(path, READS_DATA, "def mean_of(xs):\n    return sum(xs) / len(xs)", assignment="tiny")


def test_question_titles_are_scored_in_the_results_language() -> None:
    from autograder.core import assignment as assignments
    from autograder.core import scoring
    from autograder.core.results import SubmissionResult

    autograph = assignments.load("autograph")
    korean = SubmissionResult("minji.ipynb", "autograph", "graded", "", language="ko")
    english = SubmissionResult("ann.ipynb", "autograph", "graded", "")

    titles = [q.title for q in scoring.score(korean, autograph.questions_in(korean.language)).questions]
    assert titles[3] == "scaled_sum: 다시 트레이싱하지 않기"
    assert [q.title for q in scoring.score(english, autograph.questions_in(english.language)).questions] == [
        q.title for q in autograph.questions
    ]
