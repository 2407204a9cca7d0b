"""The parsers of the instructor's authoring commands: validate, gradescope, otter, release, assign, new, catalogs.

Part of :mod:`autograder.cli.parser`, which calls each ``add_*`` in the order ``tfgrade --help`` lists them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograder import i18n
from autograder.cli import options
from autograder.cli.help import Commands, HelpFormatter, course_option


def add_validate(commands: Commands) -> None:
    validate_cmd = commands.add_parser(
        "validate",
        help="check an assignment's grading: solution full marks, blank 0, corpus as expected (instructors)",
        description="Grade the assignment's solution (must get full marks), its blank student notebook (must "
        "get 0 without a grader error) and every notebook in its corpus folder (each says in its metadata "
        "which requirement it breaks, or which checks must fail and with what words). Also checks the "
        "requirements table (requirements.toml): every check tests a requirement quoted from the notebook, "
        "every requirement has a check; and that no hint or published description holds answer code (code of the "
        "solution the student notebook does not show). Lists whatever does not hold; exits 1 if anything.",
    )
    validate_cmd.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    validate_cmd.add_argument("--jobs", "-j", type=int, default=2, metavar="N",
                              help="notebooks graded at once (default 2)")
    validate_cmd.add_argument("--mutants", action="store_true",
                              help="instead, grade small mutations of the solution's answer code and list the "
                              "mutants that still get full marks (survivors), with a mutation score per question. "
                              "Survivors reviewed as equivalent go in the assignment's mutants.toml, each with a "
                              "reason. Exits 1 while a survivor is not reviewed")
    validate_cmd.add_argument("--mutants-report", type=Path, metavar="FILE",
                              help="with --mutants: also write the report as JSON (to compare scores before and "
                              "after changing the checks)")
    validate_cmd.add_argument("--measure-costs", action="store_true",
                              help="grade the solution once more and write what it cost to the assignment's "
                              "costs.toml, from which grading derives its time limits (written anyway when "
                              "there is none; docs/limits.md)")
    course_option(validate_cmd)
    validate_cmd.set_defaults(options=options.ValidateOptions)


def add_gradescope(commands: Commands) -> None:
    build = commands.add_parser(
        "gradescope",
        help="build the autograder zip to upload to Gradescope (instructors)",
        description="Write an autograder zip (setup.sh, run_autograder, and tfgrade with this assignment) "
        "for Gradescope's 'Zip file upload' autograder. Each submission is graded with the public and hidden "
        "checks and reported in Gradescope's results.json format; hidden checks show as counts only.",
    )
    build.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    build.add_argument("--out", "-o", type=Path, metavar="ZIP",
                       help="zip to write (default: ASSIGNMENT-gradescope.zip)")
    course_option(build)
    build.set_defaults(options=options.BuildOptions)
    # Internal: the zip's run_autograder calls it inside Gradescope's container, so it stays out of the help.
    run = commands.add_parser(
        "gradescope-run", help=argparse.SUPPRESS,
        description="(used inside Gradescope, by the autograder zip's run_autograder) grade FOLDER/submission "
        "and write FOLDER/results/results.json",
    )
    run.add_argument("--root", type=Path, default=Path("/autograder"), metavar="FOLDER",
                     help="the autograder root folder (default: /autograder)")
    run.add_argument("--assignment", required=True, metavar="ASSIGNMENT", help="assignment folder")
    run.set_defaults(options=options.GradescopeRunOptions)


def add_otter(commands: Commands) -> None:
    otter = commands.add_parser(
        "otter",
        help="build an otter-grader autograder zip whose scores come from tfgrade (instructors)",
        description="Write an otter autograder zip for this assignment: `otter run -a ZIP submission.ipynb` "
        "then reports the same per-question scores as `tfgrade grade` (tfgrade must be installed where otter runs).",
    )
    otter.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    otter.add_argument("--out", "-o", type=Path, metavar="ZIP", help="zip to write (default: ASSIGNMENT-otter.zip)")
    course_option(otter)
    otter.set_defaults(options=options.BuildOptions)


def add_release(commands: Commands) -> None:
    release_cmd = commands.add_parser(
        "release",
        help="write the zip students download: notebook, public checks, no secrets (instructors)",
        description="Write FOLDER/<name>/ and FOLDER/<name>.zip for students: the student notebook, the public "
        "checks, data/, the tfgrade wheel, a README.txt that says what to install and run, and a public "
        "assignment.toml that says, per question, how many hidden checks there are, their points and what they "
        "test. Never a hidden "
        "check, a solution, requirements.toml, mutants.toml, the corpus or the samples. An earlier release "
        "in FOLDER is replaced.",
    )
    release_cmd.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    release_cmd.add_argument("--out", "-o", type=Path, required=True, metavar="FOLDER",
                             help="folder to write the release folder and zip into")
    release_cmd.add_argument("--wheel", type=Path, metavar="FILE",
                             help="the tfgrade wheel to ship in the release, which students install from (default: "
                             "built from the source tree this tfgrade runs from)")
    course_option(release_cmd)
    release_cmd.set_defaults(options=options.ReleaseOptions)


ASSIGN_EPILOG = """\
markers, in the code cells of the solution notebook (solutions/NAME.ipynb):
  ### BEGIN SOLUTION            the answer code starts on the next line (# BEGIN SOLUTION works too)
  ### END SOLUTION              ... and ends on the line before; students get, at the BEGIN line's
                                indentation:  # YOUR CODE HERE / raise NotImplementedError()
  ### BEGIN PROMPT              right after END SOLUTION: these lines (comments, so the solution
  ### END PROMPT                still runs) replace the answer instead of the stub
  ### BEGIN SOLUTION NO PROMPT  the answer is removed with nothing in its place (e.g. a decorator)

cell tags (View > Cell toolbar > Tags in Jupyter):
  solution                      the whole cell is the answer: students get the stub
                                (a markdown cell: YOUR ANSWER HERE)
  instructor, remove-cell       the cell is left out of the student notebook

Outputs and execution counts are cleared and the metadata says which assignment the notebook is.

examples:
  tfgrade assign autograph              write assignments/autograph/autograph.ipynb
  tfgrade assign autograph --check      exit 1 if the committed one is out of date (for CI)

exit codes: 0 written, or up to date; 1 out of date (--check); 2 bad markers or no solution
"""


def add_assign(commands: Commands) -> None:
    assign_cmd = commands.add_parser(
        "assign",
        help="generate the student notebook from the solution notebook (instructors)",
        description="Write the student notebook of ASSIGNMENT (assignments/NAME/NAME.ipynb) from its solution "
        "notebook (solutions/NAME.ipynb): each answer between the markers below becomes a stub, tagged cells "
        "are hidden, outputs are cleared. The same solution always gives the same file.",
        epilog=ASSIGN_EPILOG,
        formatter_class=HelpFormatter,
    )
    assign_cmd.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    assign_cmd.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 if the committed student notebook differs from what "
                            "would be written, and say which cells")
    course_option(assign_cmd)
    assign_cmd.set_defaults(options=options.AssignOptions)


def add_new(commands: Commands) -> None:
    new_cmd = commands.add_parser(
        "new",
        help="start a new assignment: solution notebook, checks and assignment.toml (instructors)",
        description="Create assignment NAME in the course (in the current folder if there is no course yet): "
        "solutions/NAME.ipynb with one example question, assignments/NAME/ with assignment.toml, "
        "requirements.toml, one public and one hidden check, and the student notebook. It passes "
        "tfgrade validate NAME as it is; then make it your own. Never overwrites an assignment.",
        formatter_class=HelpFormatter,
    )
    new_cmd.add_argument("name", metavar="ASSIGNMENT",
                         help="the new assignment's name, a Python-style name (e.g. week3)")
    new_cmd.add_argument("--lang", choices=[lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT],
                         metavar="LANG", action="append",
                         help="also write the assignment's catalog for translators in LANG (e.g. ko; repeat it), "
                         "as tfgrade catalogs does")
    course_option(new_cmd)
    new_cmd.set_defaults(options=options.NewOptions)


def add_catalogs(commands: Commands) -> None:
    catalogs_cmd = commands.add_parser(
        "catalogs",
        help="write an assignment's catalogs for translators: its hints and _(\"...\") check messages (instructors)",
        description="Extract every hint of requirements.toml and every _(\"...\") text of the check files into "
        "<assignment>/locale/assignment.pot, and create or update locale/<lang>/LC_MESSAGES/assignment.po for "
        "each language. Translate the empty entries (and check the fuzzy ones); an entry left empty shows in "
        "English. See docs/languages.md.",
    )
    catalogs_cmd.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    catalogs_cmd.add_argument("--lang", choices=[lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT],
                              metavar="LANG", action="append",
                              help="a language to write a catalog for (repeat it; default: every language but English)")
    course_option(catalogs_cmd)
    catalogs_cmd.set_defaults(options=options.CatalogsOptions)
