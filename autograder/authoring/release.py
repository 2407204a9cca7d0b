"""``tfgrade release NAME --out FOLDER``: what students download, and nothing they must not see.

A release is ``FOLDER/<name>/`` and the same folder zipped as ``FOLDER/<name>.zip``. It holds:

- the student notebook (the assignment's template);
- ``checks/public/``, and the part of ``checks/conftest.py`` the public checks need (see
  :func:`public_conftest`); a module beside it only if a public check imports it;
- ``data/``, if the assignment has one;
- a public ``assignment.toml``: name, title, notebook, questions with points, limits, required
  names, ``tensorflow`` and the packages the notebook may import (``requirements``), and a
  ``[hidden.<question>]`` table per question with hidden checks: how many, their points, and what
  they test (the student-facing hints of ``requirements.toml``);
- ``README.txt``: what to install and which commands to run; ``README.ko.txt`` the same in Korean,
  with the Korean notebook, when the assignment has one;
- the tfgrade wheel that made the release (``tfgrade-<version>-py3-none-any.whl``), so the README's
  one install command works from the unpacked folder, whether or not tfgrade is on a package index
  (see :mod:`autograder.authoring.wheel`).

It never holds a hidden check, a solution, ``requirements.toml`` (it names the hidden checks),
``mutants.toml``, the corpus, the samples, or a path of the instructor's machine. Files and
folders whose name starts with a dot (``.ipynb_checkpoints`` may hold a copy of a solution) and
``__pycache__`` are left out of every folder copied. The zip is the same bytes for the same
assignment: sorted entries, fixed timestamps and permissions.
"""

from __future__ import annotations

import ast
import json
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import i18n
from autograder.authoring import translations
from autograder.authoring import wheel as wheels
from autograder.core.assignment import Assignment, HiddenSummary
from autograder.core.check_shares import hidden_shares
from autograder.core.requirements import check_names
from autograder.errors import TfgradeError

README = "README.txt"
README_KO = "README.ko.txt"
"""The same steps in Korean, with the Korean notebook, when the assignment has one."""
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip can hold: every entry gets it, so the zip depends on the content only."""
SKIPPED = ("__pycache__",)
HEADER = """\
# The public description of the assignment {name!r}, for students (made by `tfgrade release`).
# tfgrade reads it when you run `tfgrade check` in this folder. The hidden checks are not here:
# each [hidden.<question>] table says how many there are, their points and what they test.
"""


class ReleaseError(TfgradeError):
    """A release cannot be written where asked, or would hold something students must not see."""


@dataclass(frozen=True)
class Release:
    folder: Path
    zip: Path
    files: tuple[str, ...]
    """The release's files, relative to ``folder``, sorted."""
    hidden: tuple[HiddenSummary, ...]


def release(assignment: Assignment, out: Path, wheel: Path | None = None) -> Release:
    """Write ``out/<name>/`` and ``out/<name>.zip`` for ``assignment``; replaces an earlier release there.

    ``wheel`` is the tfgrade wheel to ship; without one, it is built from the source tree this tfgrade
    is installed from (once per process), or :class:`ReleaseError` says to pass one.
    """
    if assignment.hidden_summary is not None:
        raise ReleaseError(f"{assignment.root} is itself a release; make a release from the course's assignment.")
    package = wheels.checked(wheel) if wheel is not None else wheels.built()
    hidden = summary(assignment)
    target = out / assignment.name
    _check_replaceable(target)
    out.mkdir(parents=True, exist_ok=True)
    # Built beside the target and moved in at the end, so a failure leaves the earlier release whole.
    with tempfile.TemporaryDirectory(dir=out, prefix=f".{assignment.name}-") as scratch:
        staged = Path(scratch) / assignment.name
        _write(assignment, hidden, staged, package.name)
        _refuse_leaks(assignment, staged)
        # After the look for secrets: the wheel is tfgrade itself, compressed, not the course's text.
        shutil.copyfile(package, staged / package.name)
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    files = tuple(sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()))
    archive = out / f"{assignment.name}.zip"
    write_zip(target, files, archive)
    return Release(target, archive, files, hidden)


def summary(assignment: Assignment) -> tuple[HiddenSummary, ...]:
    """Per question with hidden checks: their count, points and hints, as ``tfgrade check`` shows them."""
    return tuple(HiddenSummary(h.question, h.checks, h.points, h.tests) for h in hidden_shares(assignment))


def _write(assignment: Assignment, hidden: tuple[HiddenSummary, ...], folder: Path, wheel: str) -> None:
    folder.mkdir(parents=True)
    for notebook in student_notebooks(assignment):
        shutil.copyfile(notebook, folder / notebook.name)
    _copy_tree(assignment.public_checks, folder / "checks" / "public")
    _write_check_helpers(assignment, folder / "checks")
    if assignment.data is not None:
        _copy_tree(assignment.data, folder / "data")
    packages = declared_packages(assignment)
    (folder / "assignment.toml").write_text(public_toml(assignment, hidden, packages), encoding="utf-8")
    install = install_command(wheel, packages)
    (folder / README).write_text(readme(assignment, hidden, install, wheel), encoding="utf-8")
    if any(_language(p) == "ko" for p in student_notebooks(assignment)):
        (folder / README_KO).write_text(readme_ko(assignment, hidden, install, wheel), encoding="utf-8")
    translations.write_public_catalogs(assignment, folder)  # hints and public check messages, translated


def student_notebooks(assignment: Assignment) -> list[Path]:
    """The student notebook and its translations (``autograph.ko.ipynb``), which tfgrade assign writes beside it."""
    template = assignment.template
    return [template, *sorted(template.parent.glob(f"{template.stem}.*.ipynb"))]


def _copy_tree(source: Path, target: Path) -> None:
    for path in _visible_files(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)  # content only: no timestamps or modes of the instructor's files


def _visible_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith(".") or p in SKIPPED for p in parts):
            # A link out of the folder (to checks/hidden/, say) would copy what it points at.
            if not path.resolve().is_relative_to(folder.resolve()):
                raise ReleaseError(f"{path} links to {path.resolve()}, outside {folder}; replace the link by a file.")
            yield path


def _check_replaceable(target: Path) -> None:
    """Only an earlier release is replaced: never a course's assignment or some other folder."""
    if not target.exists():
        return
    config = target / "assignment.toml"
    try:
        earlier = tomllib.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        earlier = {}
    if not (target / README).is_file() or "hidden" not in earlier:
        raise ReleaseError(
            f"{target} exists and is not a release made by tfgrade release; pick another --out folder."
        )


# --- checks/: the part of conftest.py the public checks use --------------------------------------


def _write_check_helpers(assignment: Assignment, checks: Path) -> None:
    folder = assignment.public_checks.parent
    public = [p.read_text(encoding="utf-8") for p in _visible_files(assignment.public_checks) if p.suffix == ".py"]
    conftest = folder / "conftest.py"
    kept = public_conftest(conftest.read_text(encoding="utf-8"), public) if conftest.is_file() else None
    if kept is not None:
        checks.mkdir(parents=True, exist_ok=True)
        (checks / "conftest.py").write_text(kept, encoding="utf-8")
    imported = set().union(*(_imported_modules(text) for text in [*public, kept or ""]))
    for module in sorted(folder.glob("*.py")):
        if module.name != "conftest.py" and module.stem in imported:
            shutil.copyfile(module, checks / module.name)


def public_conftest(source: str, public_checks: Iterable[str]) -> str | None:
    """The statements of ``checks/conftest.py`` that the public checks need; None if none.

    The conftest serves public and hidden checks alike (``functional``'s reads the diagram for a
    hidden check), and how a hidden check probes is not for students. So only what the public checks
    reach is kept: the fixtures and names they use, and, in turn, every name those use (a fixture's
    parameters are fixtures too), with pytest hooks and autouse fixtures, which run for every check.
    The module docstring, which may describe the hidden checks, is replaced.
    """
    tree = ast.parse(source)
    wanted = set().union(*(_names_used(ast.parse(text)) for text in public_checks))
    statements = [s for s in tree.body if not _is_docstring(s)]
    kept = [s for s in statements if _always_kept(s)]
    for statement in kept:
        wanted |= _names_used(statement)
    while True:
        more = [s for s in statements if s not in kept and _defines(s) & wanted]
        if not more:
            break
        for statement in more:
            kept.append(statement)
            wanted |= _names_used(statement)
    if not any(isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) for s in kept):
        return None
    lines = source.splitlines()
    text = '"""The part of the course\'s checks/conftest.py that the public checks use (made by tfgrade release)."""\n'
    previous = ""
    for statement in (s for s in statements if s in kept):
        # Imports and constants stay in their runs, a blank line between runs, two before anything else.
        kind = _layout_kind(statement)
        text += ("" if kind == previous != "other" else "\n" if kind != "other" else "\n\n")
        text += _source_of(statement, lines) + "\n"
        previous = kind
    return text


def _layout_kind(statement: ast.stmt) -> str:
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return "import"
    return "constant" if isinstance(statement, ast.Assign | ast.AnnAssign) else "other"


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(
        statement.value.value, str
    )


def _always_kept(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
        return True
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        autouse = any(
            isinstance(d, ast.Call) and any(k.arg == "autouse" for k in d.keywords) for d in statement.decorator_list
        )
        return autouse or statement.name.startswith("pytest_")
    # Other statements (an `if`, a `try`) may define anything: kept rather than guessed at.
    return not isinstance(statement, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign | ast.ClassDef)


def _defines(statement: ast.stmt) -> set[str]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


def _names_used(node: ast.AST) -> set[str]:
    """Every name a piece of code reads, its functions' parameters (fixtures it requests) and the
    identifiers in its strings (``request.getfixturevalue("x")``, ``usefixtures("x")``)."""
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.arg):
            names.add(child.arg)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value.isidentifier():
            names.add(child.value)
    return names


def _source_of(statement: ast.stmt, lines: list[str]) -> str:
    decorators = getattr(statement, "decorator_list", [])
    first = min([statement.lineno, *(d.lineno for d in decorators)])
    return "\n".join(lines[first - 1 : statement.end_lineno])


def _imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return modules


# --- the public assignment.toml and the README ----------------------------------------------------


def declared_packages(assignment: Assignment) -> tuple[str, ...]:
    """The packages the notebook may import (the course's list and the assignment's), for students to install."""
    return assignment.packages


TIME_LIMITS = ("notebook_seconds", "cell_seconds", "request_seconds", "checks_seconds", "runner_seconds")


def public_toml(assignment: Assignment, hidden: tuple[HiddenSummary, ...], packages: tuple[str, ...]) -> str:
    """The public assignment.toml: what ``tfgrade check`` needs, and the hidden checks only as counts."""
    data = tomllib.loads((assignment.root / "assignment.toml").read_text(encoding="utf-8"))
    lines = [HEADER.format(name=assignment.name)]
    lines += [f"name = {_value(assignment.name)}", f"title = {_value(assignment.title)}",
              f"notebook = {_value(assignment.template.name)}",
              f"required = {_value(list(assignment.required_names))}",
              f"tensorflow = {_value(assignment.tensorflow)}"]
    if packages:
        lines.append(f"requirements = {_value(list(packages))}")
    lines += ["", "[questions]"]
    lines += [f"{q.name} = {{ points = {_value(q.points)}, title = {_value(q.title)} }}" for q in assignment.questions]
    # The limits grading uses, derived from costs.toml where the course measured them: the release
    # carries no costs.toml, so it states them, and a self-check keeps to the same limits.
    limits = {**data.get("limits", {}), **{key: getattr(assignment.limits, key) for key in TIME_LIMITS}}
    if limits:
        lines += ["", "[limits]", *(f"{key} = {_value(value)}" for key, value in limits.items())]
    lines += ["", "[hidden]"]
    for share in hidden:
        lines += ["", f"[hidden.{share.question}]", f"checks = {share.checks}", f"points = {_value(share.points)}",
                  f"tests = {_value(list(share.tests))}"]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    """A TOML value: JSON's strings, lists and numbers are TOML's too; booleans are spelled the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, ensure_ascii=False)


def readme(assignment: Assignment, hidden: tuple[HiddenSummary, ...], install: str, wheel: str) -> str:
    notebook = assignment.template.name
    mine = f"my-{notebook}"
    lines = [
        f"{assignment.title} ({assignment.name})",
        "",
        "What is here",
        f"  {notebook:<20} the assignment: copy it (e.g. to {mine}) and answer in the copy",
        *(f"  {p.name:<20} the same assignment in another language ({_language(p)})"
          for p in student_notebooks(assignment)[1:]),
        f"  {'assignment.toml':<20} the questions, their points and limits, and the hidden checks as counts",
        f"  {'checks/public/':<20} the public checks, which you can read and run",
        f"  {wheel}  tfgrade itself, which the command below installs from here",
    ]
    if assignment.data is not None:
        lines.append(f"  {'data/':<20} data files; your notebook reads them as data/...")
    lines += [
        "",
        "Install, in this folder (Python 3.11 or newer; a virtual environment is a good idea)",
        f"  {install}",
        "  This installs tfgrade from the wheel in this folder, its dependencies (TensorFlow among them)",
        "  from your usual package index, and JupyterLab to open the notebook.",
        "",
        "Work in this folder, so that tfgrade finds the assignment next to your notebook",
        f"  cp {notebook} {mine}",
        f"  tfgrade check {mine}      runs your saved notebook and the public checks",
        f"  tfgrade submit {mine}     checks it runs cleanly and writes {mine.removesuffix('.ipynb')}-submission.zip",
        "  In a notebook cell:  from autograder.selfcheck import check; check(\"q1\")",
        "",
        "Hand in the -submission.zip file.",
    ]
    if hidden:
        lines += ["", "Hidden checks run only when your work is graded; what they test:"]
        for share in hidden:
            lines.append(f"  {share.question}: {_counted(share.checks, 'check')}, {_counted(share.points, 'point')}")
            lines += [f"    - {' '.join(test.split())}" for test in share.tests]
    return "\n".join(lines) + "\n"


STUDENT_TOOLS = ("jupyterlab",)
"""What students open the notebook with; tfgrade itself does not need it."""


def install_command(wheel: str, packages: tuple[str, ...]) -> str:
    """The one command both READMEs give: the release's own wheel, Jupyter, and the packages the notebooks
    may import. The wheel by its file name, not ``tfgrade`` with ``--find-links .``: an index could hold
    another project's ``tfgrade`` of the same version, and pip could take that one."""
    return "pip install " + " ".join([wheel, *STUDENT_TOOLS, *(f'"{p}"' for p in packages)])


def readme_ko(assignment: Assignment, hidden: tuple[HiddenSummary, ...], install: str, wheel: str) -> str:
    """:func:`readme` for Korean students: the Korean notebook to copy, hidden checks' hints from the catalog."""
    notebook = next(p.name for p in student_notebooks(assignment) if _language(p) == "ko")
    mine = f"my-{notebook}"
    zipped = f"{mine.removesuffix('.ipynb')}-submission.zip"
    title = i18n.assignment_text(assignment.root, assignment.title, "ko")
    lines = [
        f"{title} ({assignment.name})",
        "",
        "들어 있는 것",
        f"  {notebook:<24} 과제 노트북(한국어): 복사한 다음(예: {mine}) 복사본에 답을 작성하십시오",
        f"  {assignment.template.name:<24} 같은 과제의 영어 노트북",
        f"  {'assignment.toml':<24} 문제, 배점, 제한 시간, 그리고 숨겨진 검사의 개수",
        f"  {'checks/public/':<24} 공개 검사: 직접 읽고 실행할 수 있습니다",
        f"  {wheel}  tfgrade 본체: 아래 명령으로 이 파일에서 설치합니다",
    ]
    if assignment.data is not None:
        lines.append(f"  {'data/':<24} 데이터 파일: 노트북에서 data/... 로 읽습니다")
    lines += [
        "",
        "이 폴더에서 설치하십시오 (Python 3.11 이상, 가상 환경을 권합니다)",
        f"  {install}",
        "  이 폴더에 있는 wheel 파일로 tfgrade를 설치하고, TensorFlow 등 필요한 패키지는 평소 쓰는 패키지",
        "  색인에서 받으며, 노트북을 열 JupyterLab도 함께 설치합니다.",
        "",
        "이 폴더에서 작업하십시오. 그래야 tfgrade가 노트북 옆의 과제를 찾습니다",
        f"  cp {notebook} {mine}",
        f"  tfgrade check {mine}      저장된 노트북과 공개 검사를 실행합니다",
        f"  tfgrade submit {mine}     오류 없이 실행되는지 확인하고 {zipped}을 만듭니다",
        "  노트북 셀에서:  from autograder.selfcheck import check; check(\"q1\")",
        "",
        "-submission.zip 파일을 제출하십시오.",
    ]
    if hidden:
        lines += ["", "숨겨진 검사는 채점할 때만 실행됩니다. 검사하는 것:"]
        for share in hidden:
            lines.append(f"  {share.question}: 검사 {_value(share.checks)}개, {_value(share.points)}점")
            lines += [f"    - {' '.join(i18n.assignment_text(assignment.root, t, 'ko').split())}" for t in share.tests]
    return "\n".join(lines) + "\n"


def _language(notebook: Path) -> str | None:
    """``ko`` for ``autograph.ko.ipynb``; None for the English ``autograph.ipynb``."""
    suffixes = notebook.suffixes
    return suffixes[-2].lstrip(".") if len(suffixes) >= 2 else None


def _counted(number: float, word: str) -> str:
    """ "1 check", "2.5 points": the README is English, whose plural is an s."""
    return f"{_value(number)} {word}{'' if number == 1 else 's'}"

# --- the zip, and a last look for secrets ---------------------------------------------------------


def write_zip(folder: Path, files: Iterable[str], archive: Path) -> None:
    """``folder`` as ``<folder name>/...`` entries: sorted, with fixed times and modes (same input, same bytes)."""
    with zipfile.ZipFile(archive, "w") as out:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder.name}/{name}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, wherever the release is made
            info.external_attr = 0o644 << 16
            out.writestr(info, (folder / name).read_bytes())


def _refuse_leaks(assignment: Assignment, staged: Path) -> None:
    """A last look before students get it: no hidden check's name and no path of this machine."""
    folder = assignment.hidden_checks
    secrets = {f"test_{name}" for name in check_names(folder)} if folder.is_dir() else set()
    # The course's own folders; a folder right under / (``/course``) is too likely to be ordinary text.
    secrets |= {str(p) for p in (assignment.root, assignment.root.parent.parent) if len(p.parts) > 2}
    for path in staged.rglob("*"):
        if path.is_file():
            content = path.read_bytes().decode("utf-8", errors="replace")
            found = sorted(s for s in secrets if s in content)
            if found:
                raise ReleaseError(
                    f"{path.relative_to(staged)} would show students {', '.join(found)}; remove it from that file "
                    "and release again."
                )
