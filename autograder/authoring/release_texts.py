"""What a release tells students about the assignment: the public ``assignment.toml`` (the hidden checks
only as counts) and the READMEs, English and Korean, with the one install command they both give.

Pure: each function returns text; :mod:`autograder.authoring.release` writes it.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from autograder import i18n
from autograder.core.assignment import Assignment, HiddenSummary

HEADER = """\
# The public description of the assignment {name!r}, for students (made by `tfgrade release`).
# tfgrade reads it when you run `tfgrade check` in this folder. The hidden checks are not here:
# each [hidden.<question>] table says how many there are, their points and what they test.
"""



def student_notebooks(assignment: Assignment) -> list[Path]:
    """The student notebook and its translations (``autograph.ko.ipynb``), which tfgrade assign writes beside it."""
    template = assignment.template
    return [template, *sorted(template.parent.glob(f"{template.stem}.*.ipynb"))]



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
        *(f"  {p.name:<20} the same assignment in another language ({language_of(p)})"
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
    notebook = next(p.name for p in student_notebooks(assignment) if language_of(p) == "ko")
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


def language_of(notebook: Path) -> str | None:
    """``ko`` for ``autograph.ko.ipynb``; None for the English ``autograph.ipynb``."""
    suffixes = notebook.suffixes
    return suffixes[-2].lstrip(".") if len(suffixes) >= 2 else None


def _counted(number: float, word: str) -> str:
    """ "1 check", "2.5 points": the README is English, whose plural is an s."""
    return f"{_value(number)} {word}{'' if number == 1 else 's'}"
