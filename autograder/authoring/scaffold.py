"""Start a new assignment: ``tfgrade new NAME``.

Writes, in the course (made in the current folder when there is none):

* ``solutions/<name>.ipynb``: the source, with one example question (text, an answer between
  ``### BEGIN SOLUTION`` markers, and a cell that runs its public checks);
* ``assignments/<name>/``: ``assignment.toml``, ``requirements.toml`` (the example's sentences and
  the checks that test them), one public and one hidden check, and the student notebook that
  ``tfgrade assign`` generates from the solution.

A fresh scaffold passes ``tfgrade validate NAME`` as it is. The example is a small TensorFlow function,
so the scaffold shows how checks call the student's code with arrays and judge tensors.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.authoring import assign, translations
from autograder.core import assignment as assignments
from autograder.core import course as courses
from autograder.core import ipynb
from autograder.core.assignment import AssignmentError

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
"""An assignment's name: it becomes a folder, a file name and the notebook's metadata."""

TITLE = """# {name}

Replace this text with your assignment's introduction: what students learn and what they hand in.
Each question below is a heading `## Question N`, its text, an answer cell and a check cell."""

IMPORTS = "import tensorflow as tf"

QUESTION = """## Question 1: scale a tensor (2 points)

Write `scale(x, factor)`, which returns `x * factor`: the tensor `x` multiplied by the number `factor`.
The result has the same shape and dtype as `x`, whatever the shape of `x`."""

ANSWER = """def scale(x, factor):
    ### BEGIN SOLUTION
    return x * factor
    ### END SOLUTION"""

CHECK_CELL = """# Run the public checks of Question 1 on your saved notebook (save it first).
from autograder.selfcheck import check

check("q1")"""

END = """## When you are done

Run `tfgrade check {name}.ipynb` in a terminal to run the public checks the way the grader does;
hidden checks run when your work is graded. Then `tfgrade submit {name}.ipynb` packages your notebook."""

ASSIGNMENT_TOML = """# The `{name}` assignment, made by `tfgrade new`: make it your own (docs/authoring.md).
name = "{name}"
title = "{name}"
notebook = "{name}.ipynb"
# Names the notebook must define; `tfgrade submit` refuses a notebook that lacks one.
required = ["scale"]

[questions]
q1 = {{ points = 2, title = "scale: multiply a tensor by a number" }}
"""

REQUIREMENTS_TOML = '''# What each question of {name}.ipynb asks, sentence by sentence, and the checks that test it.
# `text` is quoted word for word from the notebook; `hint` is what a student reads when a hidden
# check of the requirement fails (never a hidden input or expected value).

# --- Question 1: scale ---------------------------------------------------------------------------

[[requirement]]
id = "q1-values"
question = "q1"
text = "returns `x * factor`"
checks = ["scale_values"]

[[requirement]]
id = "q1-any-shape"
question = "q1"
text = "The result has the same shape and dtype as `x`, whatever the shape of `x`."
checks = ["scale_keeps_shape_and_dtype"]
hint = """scale must work for a tensor x of any shape (a scalar, 1-D, 2-D or more) and return x * factor \\
with the same shape and dtype as x. Do not flatten, reshape or cast x; try it on a 2-D tensor."""
'''

PUBLIC_CHECKS = '''"""Public checks for `{name}`: students can read and run these (`tfgrade check`)."""

import numpy as np
import pytest

from autograder.checks import expect_tensor


@pytest.mark.question("q1", points=1)
def test_scale_values(student):
    x = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    expect_tensor(student.call("scale", x, 3.0), x * 3.0, what="scale([1.0, -2.0, 0.5], 3.0)")
'''

HIDDEN_CHECKS = '''"""Hidden checks for `{name}`: they run only at grading, in the trusted check process.

Each check tests one requirement of its question's text (see ../../requirements.toml) and calls the
student's code only with inputs that text promises.
"""

import numpy as np
import pytest

from autograder.checks import expect_tensor


@pytest.mark.question("q1", points=1)
def test_scale_keeps_shape_and_dtype(student):
    for x in (np.float32(4.0), np.arange(6, dtype=np.float32).reshape(2, 3)):
        expect_tensor(student.call("scale", x, -0.5), x * np.float32(-0.5),
                      what=f"scale(x, -0.5) for x of shape {{x.shape}}")
'''


@dataclass(frozen=True)
class Created:
    name: str
    root: Path
    """The course folder."""
    new_course: bool
    """The course did not exist: it was made here."""
    files: tuple[Path, ...]
    course_option: str = ""
    """`` --course DIR`` where the next commands would not find the course from the current folder."""
    languages: tuple[str, ...] = ()
    """The languages whose catalogs were written for translators."""

    def text(self) -> str:
        lines = [f"Made a new course in {self.root} (no course was found from here up)." if self.new_course
                 else f"Course: {self.root}", f"Created assignment '{self.name}':"]
        lines += [f"  {path.relative_to(self.root)}" for path in self.files]
        option, name = self.course_option, self.name
        lines += [
            "",
            "Next:",
            f"  1. Edit solutions/{name}.ipynb: your text, and each answer between ### BEGIN SOLUTION and",
            f"     ### END SOLUTION lines; the checks are in assignments/{name}/checks/, what they test in",
            f"     assignments/{name}/requirements.toml, the points in assignments/{name}/assignment.toml.",
            f"  2. tfgrade assign {name}{option}      writes the student notebook from the solution",
            f"  3. tfgrade validate {name}{option}    the solution gets full marks, the blank notebook 0",
            f"  4. tfgrade catalogs {name}{option}    after changing hints or checks: their texts for translators"
            + (f" (then translate assignments/{name}/locale/{self.languages[0]}/LC_MESSAGES/assignment.po)"
               if self.languages else ""),
            f"  5. tfgrade release {name}{option} --out release/   what students download",
        ]
        return "\n".join(lines)


def create(
    name: str, course: str | os.PathLike[str] | None = None, cwd: Path | None = None, languages: tuple[str, ...] = (),
) -> Created:
    """Write a new assignment called ``name``; refuses to touch one that exists.

    For each of ``languages`` (``("ko",)``) it also writes the assignment's catalog for translators,
    as ``tfgrade catalogs NAME --lang ko`` would: the example's hints and check messages, untranslated.
    """
    if not NAME.match(name):
        raise AssignmentError(f"{name!r} cannot be an assignment's name: use letters, digits, _ and -, starting "
                              "with a letter (e.g. week3).")
    here = (cwd or Path.cwd()).resolve()
    root, new_course = _course_root(course, here)
    files = _contents(name)
    existing = [root / path for path in (Path("assignments") / name, *files) if (root / path).exists()]
    if existing:
        raise AssignmentError(f"Assignment '{name}' already exists in {root} ({existing[0]}); tfgrade new never "
                              "overwrites. Pick another name, or edit that one.")
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    written = [root / path for path in files]
    if languages:
        written += translations.update_catalogs(assignments.load(root / "assignments" / name), languages)
    found = courses.find(None, here)
    option = "" if found is not None and found.root == root else f" --course {root}"
    return Created(name, root, new_course, tuple(written), option, languages)


def _course_root(course: str | os.PathLike[str] | None, here: Path) -> tuple[Path, bool]:
    """The course to add to: as given (made if it is not one yet), else the one found from here, else here."""
    if course is not None:
        root = Path(course).expanduser().resolve()
        return root, not (root / "assignments").is_dir()
    found = courses.find(None, here)
    return (found.root, False) if found is not None else (here, True)


def _contents(name: str) -> dict[Path, str]:
    """Every file of the scaffold, by its path in the course."""
    solution = solution_notebook(name)
    folder = Path("assignments") / name
    return {
        Path("solutions") / f"{name}.ipynb": assign.render(solution),
        folder / "assignment.toml": ASSIGNMENT_TOML.format(name=name),
        folder / "requirements.toml": REQUIREMENTS_TOML.format(name=name),
        folder / "checks" / "public" / "test_public.py": PUBLIC_CHECKS.format(name=name),
        folder / "checks" / "hidden" / "test_hidden.py": HIDDEN_CHECKS.format(name=name),
        folder / f"{name}.ipynb": assign.render(assign.student_notebook(solution, name)),
    }


def solution_notebook(name: str) -> nbformat.NotebookNode:
    """The example solution notebook, with stable cell ids (so the generated template is the same each time)."""
    notebook = ipynb.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "tfgrade": {"assignment": name},
    }
    notebook.cells = [
        ipynb.new_markdown_cell(TITLE.format(name=name), id="title"),
        ipynb.new_code_cell(IMPORTS, id="imports"),
        ipynb.new_markdown_cell(QUESTION, id="q1-prompt"),
        ipynb.new_code_cell(ANSWER, id="q1-answer"),
        ipynb.new_code_cell(CHECK_CELL, id="q1-check"),
        ipynb.new_markdown_cell(END.format(name=name), id="end"),
    ]
    return notebook
