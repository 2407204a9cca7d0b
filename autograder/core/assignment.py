"""An assignment as the instructor declares it in ``assignments/<name>/assignment.toml``.

Loaded and validated once into frozen values; every limit is a named field with a default.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from autograder import i18n, messages
from autograder.core import costs as measured
from autograder.core import course as courses
from autograder.core import packages
from autograder.core.limits import Limits, derived_limits
from autograder.core.requirements import Requirements, RequirementsError
from autograder.core.requirements import load as load_requirements
from autograder.errors import TfgradeError


class AssignmentError(TfgradeError):
    """The assignment's own files are wrong: an instructor problem, never a student's."""


@dataclass(frozen=True)
class Question:
    name: str
    points: float
    title: str
    manual: bool = False
    """Hand-graded (``manual = true``): a TA scores it (an override row, or ``tfgrade review``), not a check."""
    rubric: tuple[str, ...] = ()
    """For a hand-graded question: the rubric's lines, e.g. ``"2: names tracing once"``, shown to the TA."""


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    root: Path
    template: Path
    questions: tuple[Question, ...]
    limits: Limits
    required_names: tuple[str, ...] = ()
    """Names the notebook must define (checked before a student submits)."""
    solution: Path | None = None
    """The solution notebook (``tfgrade validate`` expects full marks from it)."""
    corpus: Path | None = None
    """A folder of notebooks with expected outcomes in their metadata (``tfgrade validate``)."""
    tensorflow: bool = True
    """Import and seed TensorFlow before the student's cells (and send arrays as tensors)."""
    requirements: Requirements = Requirements()
    """Which sentence of the text each check tests, and the hints of hidden checks (``requirements.toml``)."""
    hidden_summary: tuple[HiddenSummary, ...] | None = None
    """Only in a student's release (``tfgrade release``): its hidden checks, as counts, points and hints,
    from the ``[hidden]`` table of the public assignment.toml. The checks themselves are not there, so a
    release can be self-checked but not graded (:func:`require_hidden_checks`)."""
    packages: tuple[str, ...] = ()
    """What the notebooks may import besides TensorFlow, as pip requirements (``"matplotlib>=3.9"``): the
    course's list plus the ``requirements`` key of assignment.toml (:mod:`autograder.core.packages`)."""
    language: str | None = None
    """The students' language when neither the command nor the notebook names one (``language = "ko"``
    in assignment.toml; :mod:`autograder.i18n`)."""
    requested_language: str | None = None
    """The command's ``--lang``, set by the CLI (never read from a file): it wins over the notebook's."""
    costs: measured.Costs | None = None
    """What grading the solution costs (``costs.toml``), from which ``limits`` were derived; None: not measured."""

    @property
    def data(self) -> Path | None:
        """The assignment's data files (``data/``), visible read-only to the notebook as ``data/``."""
        folder = self.root / "data"
        return folder if folder.is_dir() else None

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def public_checks(self) -> Path:
        return self.root / "checks" / "public"

    @property
    def hidden_checks(self) -> Path:
        return self.root / "checks" / "hidden"

    def questions_in(self, language: str) -> tuple[Question, ...]:
        """The questions with their titles in ``language`` (the assignment's own catalog), to score a result in."""
        if language == i18n.DEFAULT:
            return self.questions
        return tuple(dataclasses.replace(q, title=i18n.assignment_text(self.root, q.title, language))
                     for q in self.questions)

    def question(self, name: str) -> Question | None:
        return next((q for q in self.questions if q.name == name), None)


def available(course: str | os.PathLike[str] | None = None) -> list[str]:
    """The assignments of the course (see :mod:`autograder.core.course`); none where there is no course."""
    found = courses.find(course)
    return found.names() if found else []


def load(name_or_path: str | os.PathLike[str], course: str | os.PathLike[str] | None = None) -> Assignment:
    """Load an assignment by its folder path, or by name (``autograph``) from the course.

    The course is ``course`` if given, else found as :func:`autograder.core.course.locate` says.
    """
    return _read(_root(name_or_path, course))


def for_notebook(
    notebook: str | os.PathLike[str], name: str, course: str | os.PathLike[str] | None = None
) -> Assignment:
    """The assignment a student's notebook belongs to: ``name`` may be its folder; else found from the
    notebook's own folder.

    With no course given (or set in the environment), a student's unpacked release is found first:
    the notebook's folder, or one of its parents, holding the ``assignment.toml`` of ``name``. Then
    a course above the notebook, then one above the current folder.
    """
    if (Path(name) / "assignment.toml").is_file():  # a folder, as given (--assignment DIR)
        return _read(Path(name))
    if course is None and not os.environ.get(courses.ENVIRONMENT):
        folder = Path(notebook).resolve().parent
        for candidate in (folder, *folder.parents):
            # The nearest folder wins, whichever kind: a release next to the notebook, or a course.
            for root in (candidate, candidate / name, courses.Course(candidate).assignments / name):
                if _declares(root, name):
                    return _read(root)
    return load(name, course)


def _declares(root: Path, name: str) -> bool:
    """Whether ``root`` is the folder of the assignment called ``name``."""
    config_file = root / "assignment.toml"
    if not config_file.is_file():
        return False
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return str(data.get("name", root.name)) == name


def _root(name_or_path: str | os.PathLike[str], course: str | os.PathLike[str] | None) -> Path:
    """The assignment's folder: the path itself when it holds an assignment.toml, else by name in the course."""
    root = Path(name_or_path)
    return root if (root / "assignment.toml").is_file() else _in_course(str(name_or_path), course)


def _in_course(name: str, course: str | os.PathLike[str] | None) -> Path:
    try:
        found = courses.locate(course)
    except courses.CourseNotFound as exc:
        raise AssignmentError(f"No assignment called {name!r}: {exc}") from exc
    root = found.assignments / name
    if not (root / "assignment.toml").is_file():
        known = ", ".join(found.names()) or "none"
        raise AssignmentError(
            f"No assignment called {name!r} in the course at {found.root} (looked for "
            f"{root / 'assignment.toml'}). Known assignments: {known}."
        )
    return root


def _read(root: Path) -> Assignment:
    config_file, data = _config(root)
    return _from_toml(root.resolve(), config_file, data)


def _config(root: Path) -> tuple[Path, dict[str, Any]]:
    config_file = root / "assignment.toml"
    try:
        return config_file, tomllib.loads(config_file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{config_file}: not valid TOML: {exc}") from exc


def _template_path(root: Path, data: dict[str, Any]) -> Path:
    return root / str(data.get("notebook", f"{root.name}.ipynb"))


def _solution_path(root: Path, data: dict[str, Any]) -> Path:
    """``solution`` of assignment.toml (relative to the assignment's folder), else the course's
    ``solutions/<name>.ipynb``."""
    if "solution" in data:
        return (root / str(data["solution"])).resolve()
    return root.parent.parent / "solutions" / f"{root.name}.ipynb"


def _from_toml(root: Path, config_file: Path, data: dict[str, Any]) -> Assignment:
    raw_questions = data.get("questions", {})
    if not isinstance(raw_questions, dict):
        raise AssignmentError(f"{config_file}: [questions] must be a table, e.g. q1 = {{points = 2}}")
    questions = tuple(_question(config_file, name, q) for name, q in raw_questions.items())
    if not questions:
        raise AssignmentError(f"{config_file}: declares no [questions]; add e.g. q1 = {{points = 2}}")
    template = _template_path(root, data)
    if not template.is_file():
        raise AssignmentError(f"{config_file}: the student notebook {template.name} is missing")
    return Assignment(
        name=str(data.get("name", root.name)),
        title=str(data.get("title", root.name)),
        root=root,
        template=template,
        questions=questions,
        limits=derived_limits(_limits(config_file, data.get("limits", {})), _costs(root)),
        costs=_costs(root),
        required_names=_names(config_file, data.get("required", [])),
        solution=_existing(_solution_path(root, data)),
        corpus=_existing((root / str(data["corpus"])).resolve() if "corpus" in data else root / "corpus"),
        tensorflow=bool(data.get("tensorflow", True)),
        language=_language(config_file, data.get("language")),
        requirements=_requirements(root),
        hidden_summary=_hidden_summary(config_file, data),
        packages=_packages(root, config_file, data),
    )


def _packages(root: Path, config_file: Path, data: dict[str, Any]) -> tuple[str, ...]:
    try:
        declared = packages.parse(config_file, data.get(packages.KEY, []))
    except packages.PackagesError as exc:
        raise AssignmentError(str(exc)) from exc
    # A student's release (it has [hidden]) lists the whole resolved list: its course is not there.
    return declared if "hidden" in data else packages.for_assignment(root, declared)


def _requirements(root: Path) -> Requirements:
    try:
        return load_requirements(root)
    except RequirementsError as exc:
        raise AssignmentError(str(exc)) from exc


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None


def _names(config_file: Path, data: Any) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(n, str) and n.isidentifier() for n in data):
        raise AssignmentError(f'{config_file}: required must be a list of Python names, e.g. required = ["model"]')
    return tuple(data)


def _language(config_file: Path, data: Any) -> str | None:
    """The ``language`` key (issue 14): one tfgrade has a catalog for, or none."""
    if data is None:
        return None
    if not isinstance(data, str) or data not in i18n.LANGUAGES:
        raise AssignmentError(
            f'{config_file}: language must be one of {", ".join(i18n.LANGUAGES)}, e.g. language = "ko"'
        )
    return data


def _question(config_file: Path, name: str, data: Any) -> Question:
    points = data.get("points") if isinstance(data, dict) else None
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        raise AssignmentError(f"{config_file}: question {name} needs a positive number of points")
    manual, rubric = data.get("manual", False), data.get("rubric", [])
    if not isinstance(manual, bool):
        raise AssignmentError(f"{config_file}: question {name}: manual must be true or false")
    if not isinstance(rubric, list) or not all(isinstance(line, str) for line in rubric) or (rubric and not manual):
        raise AssignmentError(f'{config_file}: question {name}: rubric must be a list of lines, e.g. rubric = '
                              f'["2: names both reasons", "1: names one"], and only a manual question has one')
    return Question(name=name, points=float(data["points"]), title=str(data.get("title", name)), manual=manual,
                    rubric=tuple(rubric))


def declared_limits(assignment: Assignment) -> Limits:
    """assignment.toml's limits (else the defaults), before any derivation from costs.toml."""
    config_file, data = _config(assignment.root)
    return _limits(config_file, data.get("limits", {}))


def _costs(root: Path) -> measured.Costs | None:
    try:
        return measured.read(root)
    except ValueError as exc:
        raise AssignmentError(str(exc)) from exc


def _limits(config_file: Path, data: Any) -> Limits:
    if not isinstance(data, dict):
        raise AssignmentError(f"{config_file}: [limits] must be a table, e.g. [limits] cell_seconds = 60")
    defaults = Limits()
    known = [f.name for f in fields(Limits)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise AssignmentError(messages.ASSIGNMENT_UNKNOWN_LIMITS.format(
            file=config_file, count=len(unknown), names=", ".join(unknown), known=", ".join(known)))
    for key, value in data.items():
        wanted = int if isinstance(getattr(defaults, key), int) else int | float
        if isinstance(value, bool) or not isinstance(value, wanted) or value <= 0:
            raise AssignmentError(f"{config_file}: limit {key} must be a positive number, not {value!r}")
    return Limits(**data)


# --- a student's release: its hidden checks as a summary ------------------------------------------


@dataclass(frozen=True)
class HiddenSummary:
    """What a release says of one question's hidden checks: never their names, sources or inputs."""

    question: str
    checks: int
    points: float
    tests: tuple[str, ...] = ()
    """The student-facing hints of what they test (from the course's ``requirements.toml``)."""


def require_hidden_checks(assignment: Assignment) -> Assignment:
    """The assignment, if its hidden checks are there; a release (which has none) is refused.

    Grading a release would score without the hidden checks, as if they did not exist.
    """
    if assignment.hidden_summary is not None:
        raise AssignmentError(
            f"{assignment.root} is a student release of {assignment.name!r} (made by tfgrade release): it holds "
            "no hidden checks and no solution, so it cannot be graded or validated. Run this command on the "
            "assignment in your course instead (--course FOLDER, or from inside the course folder)."
        )
    return assignment


def _hidden_summary(config_file: Path, data: dict[str, Any]) -> tuple[HiddenSummary, ...] | None:
    if "hidden" not in data:
        return None
    table = data["hidden"]
    if not isinstance(table, dict):
        raise AssignmentError(f"{config_file}: [hidden] must be a table of questions, e.g. [hidden.q1] checks = 2")
    unknown = sorted(set(table) - set(data.get("questions", {})))
    if unknown:
        raise AssignmentError(messages.ASSIGNMENT_HIDDEN_UNKNOWN.format(
            file=config_file, count=len(unknown), names=", ".join(unknown)))
    return tuple(_hidden_share(config_file, question, table[question]) for question in table)


def _hidden_share(config_file: Path, question: str, data: Any) -> HiddenSummary:
    where = f"{config_file}: [hidden.{question}]"
    if not isinstance(data, dict):
        raise AssignmentError(f"{where} must be a table: checks = 2, points = 1.5, tests = [...]")
    checks, points, tests = data.get("checks"), data.get("points"), data.get("tests", [])
    if isinstance(checks, bool) or not isinstance(checks, int) or checks < 1:
        raise AssignmentError(f"{where}: checks must be a positive whole number, not {checks!r}")
    if isinstance(points, bool) or not isinstance(points, int | float) or points < 0:
        raise AssignmentError(f"{where}: points must be a number of 0 or more, not {points!r}")
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        raise AssignmentError(f"{where}: tests must be a list of sentences")
    return HiddenSummary(question, checks, float(points), tuple(tests))


# --- the two notebooks `tfgrade assign` reads and writes -------------------------------------------
# `tfgrade assign` makes the student notebook, so it cannot need one the way `load` does.


@dataclass(frozen=True)
class Notebooks:
    name: str
    solution: Path
    """Where the solution notebook is (or should be): ``solution`` in assignment.toml, else
    ``<course>/solutions/<name>.ipynb``."""
    template: Path
    """Where the student notebook goes: ``notebook`` in assignment.toml, else ``<name>.ipynb``."""


def notebooks(name_or_path: str | os.PathLike[str], course: str | os.PathLike[str] | None = None) -> Notebooks:
    """The solution and student notebooks of an assignment, whether or not they exist yet."""
    root = _root(name_or_path, course).resolve()
    _, data = _config(root)
    return Notebooks(str(data.get("name", root.name)), _solution_path(root, data), _template_path(root, data))
