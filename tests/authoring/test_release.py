"""`tfgrade release`: what students download holds what they need and nothing they must not see.

Each bundled assignment is released once (module fixture); the tests search every byte of the
folder and of the zip's decompressed entries for the course's secrets, read from the course itself.
"""

from __future__ import annotations

import ast
import shutil
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from babel.messages import pofile
from factories import FakeExecutor, write_answer

from autograder import cli
from autograder.authoring import answer_leaks
from autograder.authoring import release as releases
from autograder.authoring import wheel as wheels
from autograder.cli import seam
from autograder.core import assignment as assignments
from autograder.core import course as courses
from autograder.core import requirements
from autograder.students import selfcheck

REPO = Path(__file__).resolve().parents[2]
COURSE = courses.Course(REPO)
NAMES = COURSE.names()
TINY = REPO / "tests" / "fixtures" / "tiny"
SHORTEST_SECRET = 16
"""Shorter lines (``return x``, ``x = f(x)``) say nothing an answer needs; longer ones must not leak."""


@dataclass(frozen=True)
class Released:
    course: assignments.Assignment
    made: releases.Release

    def contents(self) -> dict[str, bytes]:
        """Every file of the folder and every entry of the zip, decompressed, by where it is."""
        found = {f"folder:{p.relative_to(self.made.folder)}": p.read_bytes()
                 for p in self.made.folder.rglob("*") if p.is_file()}
        with zipfile.ZipFile(self.made.zip) as archive:
            found |= {f"zip:{name}": archive.read(name) for name in archive.namelist()}
        return found


@pytest.fixture(autouse=True)
def no_course_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(courses.ENVIRONMENT, raising=False)


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Released]:
    out = tmp_path_factory.mktemp("releases")
    made = {}
    for name in NAMES:
        course = assignments.load(COURSE.assignments / name)
        made[name] = Released(course, releases.release(course, out))
    return made


# --- what the course keeps to itself ----------------------------------------------------------------


def python_lines(folder: Path) -> set[str]:
    return {line.strip() for p in folder.rglob("*.py") for line in p.read_text(encoding="utf-8").splitlines()}


def code_lines(notebook: Path) -> set[str]:
    cells = nbformat.read(notebook, as_version=4).cells
    return {line.strip() for c in cells if c.cell_type == "code" for line in c.source.splitlines()}


def public_text(a: assignments.Assignment) -> str:
    """What students see anyway: the notebook (code and text), the public checks, the checks' conftest."""
    cells = nbformat.read(a.template, as_version=4).cells
    files = [*a.public_checks.rglob("*.py"), *(a.root / "checks").glob("conftest.py")]
    return "\n".join([*(c.source for c in cells), *(p.read_text(encoding="utf-8") for p in files)])


def hidden_function_names(a: assignments.Assignment) -> set[str]:
    return {node.name for p in a.hidden_checks.rglob("*.py")
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")}


def secrets(a: assignments.Assignment) -> set[str]:
    """Hidden check names and lines, answer lines, requirement check names, this machine's paths.

    A line students already have (written in the notebook, or in a public check) is no secret. A
    hint is no excuse: hints say what the requirement asks, never how (issue 19), so an answer line
    a hint quoted would be found here too. Names and paths are searched for everywhere.
    """
    hidden_lines = {line for line in python_lines(a.hidden_checks) if len(line) >= SHORTEST_SECRET}
    assert a.solution is not None
    answers = {line for line in code_lines(a.solution) - code_lines(a.template) if len(line) >= SHORTEST_SECRET}
    public_checks = set(requirements.check_names(a.public_checks))
    table_names = {name for r in a.requirements.items for name in r.checks} - public_checks
    seen = public_text(a)
    lines = {line for line in hidden_lines | answers if line not in seen}
    return {*hidden_function_names(a), *table_names, str(REPO), str(a.root), *lines}


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_the_secrets_searched_for_are_real(released: dict[str, Released]) -> None:
    # The search below proves nothing if it looks for nothing: each assignment has hidden checks,
    # answer lines and requirement names to look for.
    for name, r in released.items():
        found = secrets(r.course)
        assert len(hidden_function_names(r.course)) >= 5, name
        assert len(found) >= 30, (name, len(found))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_no_byte_of_a_release_shows_a_hidden_check_a_solution_or_a_path(
    released: dict[str, Released], name: str
) -> None:
    r = released[name]
    contents = r.contents()
    leaks = [(where, secret) for where, data in contents.items() for secret in secrets(r.course)
             if secret.encode("utf-8") in data]

    assert leaks == []
    assert not [where for where in contents if "hidden" in where or "solution" in where or "requirements" in where]


# --- hints and descriptions say what, never how -------------------------------------------------------


def published_words(folder: Path) -> list[tuple[str, str]]:
    """(where, text) of each text a release publishes in words, read from its files: the titles and hidden
    checks' descriptions of assignment.toml, README.txt, and every entry of its catalogs (msgid and msgstr)."""
    data = tomllib.loads((folder / "assignment.toml").read_text(encoding="utf-8"))
    texts = [("assignment.toml title", data["title"])]
    texts += [(f"assignment.toml [questions] {q}", str(v["title"])) for q, v in data["questions"].items()]
    texts += [(f"assignment.toml [hidden.{q}] tests", t) for q, v in data["hidden"].items() for t in v["tests"]]
    texts += [(releases.README, (folder / releases.README).read_text(encoding="utf-8"))]
    for path in sorted(folder.glob("locale/*/LC_MESSAGES/*.po")):
        with path.open("rb") as handle:
            for message in pofile.read_po(handle):
                if message.id:
                    where = f"{path.relative_to(folder)}:{message.lineno}"
                    texts += [(f"{where} msgid", str(message.id)), (f"{where} msgstr", str(message.string))]
    return texts


@pytest.mark.parametrize("name", NAMES)
def test_no_hint_or_description_of_a_release_holds_answer_code(released: dict[str, Released], name: str) -> None:
    r = released[name]
    known = answer_leaks.for_assignment(r.course)
    texts = published_words(r.made.folder)

    # The search proves nothing if it has nothing to look for or nowhere to look.
    assert len(known.fragments) >= 10
    assert sum("[hidden." in where for where, _ in texts) >= 5
    assert sum(where.endswith("msgstr") for where, _ in texts) >= 10
    assert answer_leaks.problems(texts, known) == ()


def test_a_hint_that_gives_the_answer_away_is_found_in_the_release(tmp_path: Path) -> None:
    # The search above can fail: q2's hint before issue 19, released, is found in each file that shows it.
    root = shutil.copytree(COURSE.assignments / "autograph", tmp_path / "course" / "assignments" / "autograph")
    (tmp_path / "course" / "solutions").mkdir()
    shutil.copyfile(REPO / "solutions" / "autograph.ipynb", tmp_path / "course" / "solutions" / "autograph.ipynb")
    table = root / "requirements.toml"
    old = "write `while tf.reduce_sum(x) > 1:` on tensors"
    table.write_text(table.read_text(encoding="utf-8").replace("(AutoGraph converts only those)", old),
                     encoding="utf-8")
    course = assignments.load(root)
    made = releases.release(course, tmp_path / "out")

    found = answer_leaks.problems(published_words(made.folder), answer_leaks.for_assignment(course))

    assert [p.split(" holds ")[0] for p in found] == ["assignment.toml [hidden.q2] tests", releases.README]
    assert all("`tf.reduce_sum(x) > 1` (solution line: while tf.reduce_sum(x) > 1:)" in p for p in found)


def test_a_release_holds_the_notebook_the_public_checks_toml_and_readme(released: dict[str, Released]) -> None:
    autograph = released["autograph"]
    assert autograph.made.files == ("README.ko.txt", "README.txt", "assignment.toml", "autograph.ipynb",
                                    "autograph.ko.ipynb", "checks/public/test_public.py",
                                    "locale/ko/LC_MESSAGES/assignment.po", wheels.wheel_name())
    korean = autograph.course.template.with_name("autograph.ko.ipynb")
    assert (autograph.made.folder / "autograph.ko.ipynb").read_bytes() == korean.read_bytes()
    assert "autograph.ko.ipynb" in (autograph.made.folder / "README.txt").read_text(encoding="utf-8")
    assert (autograph.made.folder / "autograph.ipynb").read_bytes() == autograph.course.template.read_bytes()
    public = autograph.course.public_checks / "test_public.py"
    assert (autograph.made.folder / "checks/public/test_public.py").read_bytes() == public.read_bytes()


def test_the_zip_is_the_folder_sorted_with_fixed_times(released: dict[str, Released]) -> None:
    for name, r in released.items():
        with zipfile.ZipFile(r.made.zip) as archive:
            infos = archive.infolist()
            assert [i.filename for i in infos] == [f"{name}/{f}" for f in r.made.files]
            assert {i.date_time for i in infos} == {releases.ZIP_TIME}
            assert all(archive.read(i) == (r.made.folder / i.filename.split("/", 1)[1]).read_bytes() for i in infos)


def test_releasing_again_gives_the_same_bytes_and_replaces_the_earlier_release(
    released: dict[str, Released], tmp_path: Path
) -> None:
    first = released["autograph"]
    out = tmp_path / "again"
    (out / "autograph").mkdir(parents=True)
    shutil.copytree(first.made.folder, out / "autograph", dirs_exist_ok=True)
    (out / "autograph" / "stale.txt").write_text("from an earlier release", encoding="utf-8")

    again = releases.release(first.course, out)

    assert again.zip.read_bytes() == first.made.zip.read_bytes()
    assert not (out / "autograph" / "stale.txt").exists()


def test_a_folder_that_is_not_a_release_is_never_replaced(released: dict[str, Released], tmp_path: Path) -> None:
    # --out pointed at the course's own assignments/ folder must not replace the assignment.
    mine = tmp_path / "autograph"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")

    with pytest.raises(releases.ReleaseError, match="not a release"):
        releases.release(released["autograph"].course, tmp_path)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine"


# --- the public assignment.toml ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_public_toml_keeps_what_a_self_check_needs_and_counts_the_hidden_checks(
    released: dict[str, Released], name: str
) -> None:
    r = released[name]
    data = tomllib.loads((r.made.folder / "assignment.toml").read_text(encoding="utf-8"))
    public = assignments.load(r.made.folder)
    course = r.course

    packages = releases.declared_packages(course)
    assert set(data) == {"name", "title", "notebook", "required", "tensorflow", "questions", "limits", "hidden",
                         *(["requirements"] if packages else [])}
    assert tuple(data.get("requirements", ())) == packages
    assert (public.name, public.title, public.template.name) == (course.name, course.title, course.template.name)
    assert (public.questions, public.limits, public.required_names) == (
        course.questions, course.limits, course.required_names)
    assert public.tensorflow == course.tensorflow
    assert public.solution is None and public.corpus is None
    assert public.hidden_summary is not None
    # As many hidden checks as the course's hidden files define, by question.
    assert sum(h.checks for h in public.hidden_summary) == len(hidden_function_names(course))
    assert set(data["hidden"]) == {h.question for h in public.hidden_summary}
    # The student sees from the release what `tfgrade check` shows in the course.
    assert selfcheck.hidden_shares(public) == selfcheck.hidden_shares(course)
    assert all(h.tests for h in public.hidden_summary)


def test_the_readme_says_what_to_install_and_what_to_run(released: dict[str, Released]) -> None:
    text = (released["functional"].made.folder / "README.txt").read_text(encoding="utf-8")

    # One command, from the unpacked folder: the release's own wheel, and Jupyter to open the notebook.
    [install] = [line.strip() for line in text.splitlines() if line.strip().startswith("pip install")]
    assert install.startswith(f"pip install {wheels.wheel_name()} jupyterlab ")  # then the course's packages
    assert '"matplotlib' in install
    assert wheels.wheel_name() in released["functional"].made.files
    for command in ("tfgrade check my-functional.ipynb", "tfgrade submit my-functional.ipynb", 'check("q1")'):
        assert command in text
    second = selfcheck.hidden_shares(released["functional"].course)[1]
    assert f"{second.question}: {counted(second.checks, 'check')}, {counted(second.points, 'point')}" in text


def test_the_korean_readme_gives_the_same_steps_with_the_korean_notebook(released: dict[str, Released]) -> None:
    folder = released["functional"].made.folder
    text = (folder / "README.ko.txt").read_text(encoding="utf-8")
    english = (folder / "README.txt").read_text(encoding="utf-8")

    assert "cp functional.ko.ipynb my-functional.ko.ipynb" in text
    for command in ("tfgrade check my-functional.ko.ipynb", "tfgrade submit my-functional.ko.ipynb", 'check("q1")'):
        assert command in text
    install = [line for line in english.splitlines() if line.strip().startswith("pip install")]
    assert install and all(line in text.splitlines() for line in install)  # the same install commands
    assert "설치" in text and "제출하십시오" in text
    # One register, 합니다체, in the README's own lines (the hints below them are the assignment's catalog's).
    assert not [line for line in text.splitlines() if "하세요" in line and not line.startswith("    - ")]
    assert "README.ko.txt" in released["functional"].made.files


def test_a_malformed_hidden_table_is_an_assignment_error(released: dict[str, Released], tmp_path: Path) -> None:
    folder = shutil.copytree(released["autograph"].made.folder, tmp_path / "autograph")
    config = folder / "assignment.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[hidden.q9]\nchecks = 1\npoints = 1\n",
                      encoding="utf-8")

    with pytest.raises(assignments.AssignmentError, match="q9"):
        assignments.load(folder)


# --- checks/conftest.py: only what the public checks use ------------------------------------------


def test_functional_gets_the_fixtures_its_public_checks_use_and_none_of_the_hidden_ones(
    released: dict[str, Released],
) -> None:
    conftest = (released["functional"].made.folder / "checks" / "conftest.py").read_text(encoding="utf-8")
    defined = {n.name for n in ast.parse(conftest).body if isinstance(n, ast.FunctionDef | ast.ClassDef)}

    assert {"student_model", "diagram_size", "draw", "png_size"} <= defined
    for hidden_only in ("diagram_reading", "new_model_probe", "expect_new_model_each_call", "ocr", "WEIGHT_MARK",
                        "Reading", "OCR_MODES"):
        assert hidden_only not in conftest


def test_public_conftest_follows_fixtures_and_names_and_keeps_hooks_and_autouse() -> None:
    source = '''"""Secret: the hidden checks probe with 0.25."""
import os
import pytest
LIMIT = 3
PROBE = 0.25

def helper():
    return LIMIT

@pytest.fixture
def base():
    return helper()

@pytest.fixture
def used(base):
    return base + 1

@pytest.fixture
def probe():
    return PROBE

@pytest.fixture(autouse=True)
def always():
    yield

def pytest_configure(config):
    pass
'''
    kept = releases.public_conftest(source, ["def test_x(used):\n    assert used\n"])

    assert kept is not None
    tree = ast.parse(kept)
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert names == {"helper", "base", "used", "always", "pytest_configure"}
    assert "LIMIT = 3" in kept and "PROBE" not in kept and "0.25" not in kept and "import os" not in kept
    assert releases.public_conftest(source.split("def helper")[0], ["def test_x(y): pass"]) is None


def test_a_course_of_its_own_gets_data_packages_and_imported_helpers(tmp_path: Path) -> None:
    root = shutil.copytree(TINY, tmp_path / "course" / "assignments" / "tiny")
    config = root / "assignment.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "tensorflow = false", 'tensorflow = false\nrequirements = ["matplotlib>=3.8", "pandas"]'), encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "points.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (root / "data" / ".ipynb_checkpoints").mkdir()
    (root / "data" / ".ipynb_checkpoints" / "answers.ipynb").write_text("{}", encoding="utf-8")
    (root / "checks" / "shapes.py").write_text("SHAPE = (3,)\n", encoding="utf-8")
    (root / "checks" / "secret_inputs.py").write_text("INPUTS = [42]\n", encoding="utf-8")
    public = root / "checks" / "public" / "test_public.py"
    public.write_text("from shapes import SHAPE\n" + public.read_text(encoding="utf-8"), encoding="utf-8")

    made = releases.release(assignments.load(root), tmp_path / "out")

    assert "data/points.csv" in made.files and "checks/shapes.py" in made.files
    assert not [f for f in made.files if "checkpoints" in f or "secret_inputs" in f]
    data = tomllib.loads((made.folder / "assignment.toml").read_text(encoding="utf-8"))
    # At least what the assignment declares (a course's default may come on top).
    assert {"matplotlib>=3.8", "pandas"} <= set(data["requirements"])
    install = [line for line in (made.folder / "README.txt").read_text(encoding="utf-8").splitlines()
               if line.strip().startswith("pip install")]
    # Still one command: the wheel, Jupyter and the packages the notebook may import.
    assert len(install) == 1 and wheels.wheel_name() in install[0]
    assert '"matplotlib>=3.8"' in install[0] and '"pandas"' in install[0]
    assert assignments.load(made.folder).data == made.folder / "data"


# --- the command ----------------------------------------------------------------------------------


def test_tfgrade_release_writes_both_and_says_what_it_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["release", "autograph", "--out", str(tmp_path), "--course", str(REPO)])

    out = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / "autograph" / "assignment.toml").is_file() and (tmp_path / "autograph.zip").is_file()
    first = selfcheck.hidden_shares(assignments.load(COURSE.assignments / "autograph"))[0]
    assert (first.checks, first.points) == (4, 2.0)  # both counted lines take their plural form
    assert f"{first.question}: 4 hidden checks, 2 points, left out" in out
    assert "Give students autograph.zip" in out


@pytest.mark.parametrize("command", [["grade", "x.ipynb", "-a"], ["validate"], ["gradescope"]])
def test_instructor_commands_refuse_a_release(
    released: dict[str, Released], tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main([*command, str(released["autograph"].made.folder)])

    assert code == 2
    assert "is a student release of 'autograph'" in " ".join(capsys.readouterr().err.split())


def test_a_public_file_that_names_a_hidden_check_stops_the_release(tmp_path: Path) -> None:
    root = shutil.copytree(TINY, tmp_path / "course" / "assignments" / "tiny")
    hidden = sorted(requirements.check_names(root / "checks" / "hidden"))[0]
    public = root / "checks" / "public" / "test_public.py"
    public.write_text(public.read_text(encoding="utf-8") + f"\n# stricter: see test_{hidden}\n", encoding="utf-8")

    with pytest.raises(releases.ReleaseError, match=f"checks/public/test_public.py would show students test_{hidden}"):
        releases.release(assignments.load(root), tmp_path / "out")
    assert not (tmp_path / "out" / "tiny").exists()


@pytest.mark.parametrize("where", [".", "work"])
def test_tfgrade_check_finds_the_release_from_the_notebook_and_counts_its_hidden_checks(
    released: dict[str, Released], tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = FakeExecutor()
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: fake)
    folder = shutil.copytree(released["autograph"].made.folder, tmp_path / "downloads" / "autograph")
    path = write_answer(folder / where / "mine.ipynb")
    monkeypatch.chdir(tmp_path)  # no course here or above: only the release can be found

    code = cli.main(["check", str(path)])

    out = capsys.readouterr().out
    shares = selfcheck.hidden_shares(released["autograph"].course)
    assert code == 0
    assert fake.calls[0].assignment.root == folder
    checks, points = sum(h.checks for h in shares), sum(h.points for h in shares)
    assert f"{counted(checks, 'hidden check')} worth {counted(points, 'point')}" in out
    first = shares[0]
    worth = f"{counted(first.checks, 'hidden check')}, worth {counted(first.points, 'point')}"
    assert f"{first.question}: {worth}, will test:" in out


def test_a_link_from_the_public_checks_to_a_hidden_one_stops_the_release(tmp_path: Path) -> None:
    root = shutil.copytree(TINY, tmp_path / "course" / "assignments" / "tiny")
    (root / "checks" / "public" / "test_more.py").symlink_to(root / "checks" / "hidden" / "test_hidden.py")

    with pytest.raises(releases.ReleaseError, match="outside"):
        releases.release(assignments.load(root), tmp_path / "out")



def counted(number: float, word: str) -> str:
    return f"{number:g} {word}{'' if number == 1 else 's'}"
