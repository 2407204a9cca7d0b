"""The ``tfgrade`` command line: every command, option and help text, and nothing heavy.

``tfgrade --help`` and ``tfgrade grade --help`` import only this module, the options and the registries
the help is made from (export formats, per-submission files); each command's work is imported when it
runs (:mod:`autograder.cli.commands`). ``benchmarks/cli_startup.py`` times both.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import autograder
from autograder import i18n
from autograder.cli import authoring_parser as authoring
from autograder.cli import options
from autograder.cli.help import Commands, HelpFormatter, course_option
from autograder.grading import batch
from autograder.reports import exports

EPILOG = """\
examples:
  tfgrade grade assignments/autograph/samples --assignment autograph --out out/
  tfgrade grade 'submissions/*.ipynb' --assignment autograph --out out/
  tfgrade check my-autograph.ipynb
"""

GRADE_EPILOG = """\
files written (FOLDER is --out; <name> is the submission's file name without its extension):
  FOLDER/grades.csv                        one row per submission, a column per question; with
                                           --student-id its first column is student_id; with
                                           --roster a last roster_id column; with a late penalty
                                           late_penalty,late_percent,submitted_at,deadline
  FOLDER/class.html                        the class report, to open in a browser
  FOLDER/changes.csv                       each score that differs from the last run's, and why
  FOLDER/checks.csv                        each check's pass rate over the graded submissions (item analysis)
{export_files}
{submission_files}

exit codes:
  0  every submission has its row (rejected files and failed checks included)
  1  the grader itself failed on some submission (its row says grader_error)
  2  a usage error, an unknown assignment, no sandbox without --allow-unisolated, an output
     folder that cannot be written, an --overrides, --roster or --times row that cannot be used,
     or a late rule that cannot be used (docs/late.md)
     (nothing is written then)
""".format(  # from the registries: a new format or file needs no edit here
    export_files="\n".join(f"  FOLDER/{name:<34}with --export {formats}: the gradebook to import"
                            for name, formats in exports.file_names_help()),
    submission_files=batch.outputs_help())


# -- the language of what students (and, for grade, the instructor) read: --lang (docs/languages.md) -------

LANGUAGE_COMMANDS = ("grade", "check", "submit")


def _add_language_options(commands: Commands) -> None:
    """--lang for the commands whose output students read."""
    for name in LANGUAGE_COMMANDS:
        commands.choices[name].add_argument(
            "--lang", choices=i18n.LANGUAGES, metavar="LANG",
            help=f"the language of the feedback ({', '.join(i18n.LANGUAGES)}); default: each notebook's "
            "metadata tfgrade.language, then the assignment's language, then English")


def build() -> argparse.ArgumentParser:
    """The whole parser; each command's ``options`` default names its options class."""
    parser = argparse.ArgumentParser(
        prog="tfgrade",
        description="Grade TensorFlow notebook assignments. Student code runs in its own process; "
        "the checks run in a separate, trusted process and only ever see data.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tfgrade {autograder.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_grade(commands)
    _add_check(commands)
    _add_submit(commands)
    authoring.add_validate(commands)
    authoring.add_gradescope(commands)
    authoring.add_otter(commands)
    _add_list(commands)
    authoring.add_release(commands)
    authoring.add_assign(commands)
    authoring.add_new(commands)
    _add_export(commands)
    _add_review(commands)
    authoring.add_catalogs(commands)
    _add_language_options(commands)
    return parser


def _add_grade(commands: Commands) -> None:
    grade_cmd = commands.add_parser(
        "grade",
        help="grade submissions with public and hidden checks (instructors)",
        description="Grade every submission with the public and hidden checks, write the files listed "
        "below and print the class table. A broken or wrong file scores 0 with a reason; the batch goes on. "
        "Run it again and only what changed is graded again.",
        epilog=GRADE_EPILOG,
        formatter_class=HelpFormatter,
    )
    grade_cmd.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                           help="notebook files, folders of notebooks, or glob patterns")
    grade_cmd.add_argument("--assignment", "-a", required=True, metavar="ASSIGNMENT",
                           help="assignment name (see: tfgrade list) or folder")
    grade_cmd.add_argument("--out", "-o", type=Path, default=Path("tfgrade-out"), metavar="FOLDER",
                           help="folder for reports and grades.csv (default: tfgrade-out)")
    grade_cmd.add_argument("--allow-unisolated", action="store_true",
                           help="grade even where no sandbox is available (student code then runs with "
                           "your permissions and network; reports say so). Off by default.")
    grade_cmd.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                           help="submissions graded at once (default: one per core)")
    grade_cmd.add_argument("--student-id", metavar="REGEX",
                           help="how to name each row: a regular expression whose first group, matched "
                           "against the file's path, is the student's id (e.g. for Canvas downloads "
                           "'([a-z]+)_\\d+_' ); grades.csv then calls its first column student_id. "
                           "Default: the path as given")
    grade_cmd.add_argument("--scheduler", metavar="ADDRESS",
                           help="grade on a Dask cluster (e.g. tcp://10.0.0.5:8786): each submission is one task; "
                           "the assignment and each submission's bytes are sent to the workers, which need the "
                           "same tfgrade and system tools but none of your files (see docs/dask.md). "
                           "Default: this machine")
    grade_cmd.add_argument("--no-sandbox", action="store_true",
                           help="run student code without the sandbox even where it is available "
                           "(for measuring its cost; implies --allow-unisolated)")
    grade_cmd.add_argument("--no-fork-server", action="store_true",
                           help="start a fresh Python (and TensorFlow import) for every sandboxed process "
                           "instead of forking them from one that imported TensorFlow once; slower, "
                           "for measuring or ruling out the fork server")
    _overrides_option(grade_cmd)
    _late_options(grade_cmd)
    grade_cmd.add_argument("--with-solutions", action="store_true",
                           help="put the reference solution after each question in the feedback notebooks; use "
                           "after the deadline. A rerun with or without it rewrites only the feedback notebooks")
    _export_options(grade_cmd)
    course_option(grade_cmd)
    grade_cmd.set_defaults(options=options.GradeOptions)


def _add_check(commands: Commands) -> None:
    check_cmd = commands.add_parser(
        "check",
        help="run the public checks on your notebook, as the grader will (students)",
        description="Run your notebook top to bottom in a fresh process, exactly as the grader "
        "does, and run the public checks. Hidden checks run only when your work is graded, so a "
        "full public score is a good sign, not a final grade. Exits 1 if a check fails.",
    )
    check_cmd.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="your .ipynb file")
    check_cmd.add_argument("--assignment", "-a", metavar="ASSIGNMENT",
                           help="assignment name (default: read from the notebook's metadata)")
    check_cmd.add_argument("--question", "-q", metavar="QUESTION", help="check only this question (e.g. q1)")
    course_option(check_cmd)
    check_cmd.set_defaults(options=options.CheckOptions)


def _add_submit(commands: Commands) -> None:
    submit_cmd = commands.add_parser(
        "submit",
        help="check your notebook runs cleanly and package it for submission (students)",
        description="Run your saved notebook top to bottom in a fresh process, as the grader will, and list "
        "every problem with its cell number: a cell that raises, a cell that runs too long, a required name "
        "that is never defined, the wrong assignment. If there is none, write NOTEBOOK-submission.zip (your "
        "notebook and a manifest) to hand in. Exits 1 if there are problems.",
    )
    submit_cmd.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="your .ipynb file")
    submit_cmd.add_argument("--assignment", "-a", metavar="ASSIGNMENT",
                            help="assignment name (default: from the notebook's metadata)")
    submit_cmd.add_argument("--out", "-o", type=Path, metavar="ZIP",
                            help="zip to write (default: NOTEBOOK-submission.zip)")
    submit_cmd.add_argument("--force", action="store_true", help="write the zip even if there are problems")
    course_option(submit_cmd)
    submit_cmd.set_defaults(options=options.SubmitOptions)


def _add_list(commands: Commands) -> None:
    list_cmd = commands.add_parser("list", help="list the assignments and their questions")
    course_option(list_cmd)
    list_cmd.set_defaults(options=options.ListOptions)


# -- overrides and what changed (tfgrade grade --overrides) ----------------------------------------


def _overrides_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--overrides", type=Path, metavar="FILE",
                         help="a CSV of score changes with columns student,question,points,reason (docs/overrides.md): "
                         "points 7 sets a score, +2 or -1.5 adds to it; an empty question or 'total' is the whole "
                         "assignment. Applied after the automatic score on every run; students see each reason. "
                         "A row that names no submission or question stops the run before anything is written")


# -- late work (tfgrade grade --deadline; docs/late.md) --------------------------------------------


def _late_options(command: argparse.ArgumentParser) -> None:
    late = command.add_argument_group("late work (docs/late.md; each overrides the same key of [late] in "
                                      "assignment.toml)")
    late.add_argument("--deadline", metavar="TIME", help="e.g. 2026-12-01T23:59:00+09:00")
    late.add_argument("--timezone", metavar="ZONE", help="for times written without a UTC offset, e.g. Asia/Seoul")
    late.add_argument("--late-per-day", type=float, metavar="PERCENT", help="percent taken per started day late")
    late.add_argument("--late-per-hour", type=float, metavar="PERCENT", help="percent taken per started hour late")
    late.add_argument("--late-cap", type=float, metavar="PERCENT", help="the most percent taken (default 100)")
    late.add_argument("--grace-minutes", type=float, metavar="N", help="this late still counts as on time")
    late.add_argument("--times", type=Path, metavar="FILE",
                      help="CSV submission,time: when each submission came (a submission as grades.csv names "
                      "it, its path, its file name or its roster id). LMS bulk downloads carry no times")


# --- tfgrade release ---------------------------------------------------------------------------


# --- authoring: tfgrade assign, tfgrade new -------------------------------------------------------


# --- tfgrade export, and grade --export ---------------------------------------------------------

EXPORT_EPILOG = f"""\
formats (docs/exports.md has a sample of each):
{exports.formats_help()}

roster columns (a CSV file; Canvas's own gradebook export works as one):
  student_id, canvas_id, login, email   at least one: the ids the gradebook knows
  file                                  file name or pattern (ann_*) of the student's submission;
                                        without it, submissions match by their --student-id
  name, section                         for Canvas's Student and Section columns
Students of the roster with no submission get 0 and "no submission".

exit codes:
  0  the file was written (warnings, e.g. submissions no roster row matches, go to stderr)
  2  nothing was written: no batch in FOLDER, a roster that cannot be matched without guessing
"""
_FORMAT_NAMES = ", ".join(exports.FORMATS[:-1]) + " or " + exports.FORMATS[-1]


def _add_export(commands: Commands) -> None:
    export_cmd = commands.add_parser(
        "export",
        help="write an earlier batch's grades as a file Canvas, Moodle or otter imports (instructors)",
        description="Read the results of an earlier `tfgrade grade --out FOLDER` and write them in a gradebook's "
        "import format: one row per student, a column named after the assignment.",
        epilog=EXPORT_EPILOG,
        formatter_class=HelpFormatter,
    )
    export_cmd.add_argument("folder", type=Path, metavar="FOLDER", help="the --out folder of tfgrade grade")
    export_cmd.add_argument("--format", "-f", required=True, choices=exports.FORMATS, metavar="FORMAT",
                            help=_FORMAT_NAMES)
    export_cmd.add_argument("--roster", type=Path, metavar="FILE",
                            help="CSV file of the class: which file is whose, and who submitted nothing")
    export_cmd.add_argument("--student-id", metavar="REGEX",
                            help="name rows by the first group of REGEX matched against each file's path "
                            "(as tfgrade grade --student-id)")
    export_cmd.add_argument("--column", metavar="NAME",
                            help="heading of the assignment's column (default: the assignment's name); for "
                            "Canvas, the assignment as Canvas names it, e.g. 'Autograph (1234)'")
    export_cmd.add_argument("--out", "-o", type=Path, metavar="FILE",
                            help="file to write (default: " + ", ".join(
                                f"FOLDER/{name} for {formats}" for name, formats in exports.file_names_help()) + ")")
    export_cmd.set_defaults(options=options.ExportOptions)


def _export_options(grade_cmd: argparse.ArgumentParser) -> None:
    grade_cmd.add_argument("--export", action="append", choices=exports.FORMATS, metavar="FORMAT",
                           help=f"after grading, also write the grades for a gradebook: {_FORMAT_NAMES} "
                           "(repeatable; see tfgrade export --help)")
    grade_cmd.add_argument("--roster", type=Path, metavar="FILE",
                           help="CSV file of the class, which file is whose and who submitted nothing: grades.csv and "
                           "changes.csv get a roster_id column, overrides and --times may name a roster id, and "
                           "--export names its rows from it")




# --- tfgrade review: the TAs' desk in the browser (docs/review.md) -------------------------------

REVIEW_EPILOG = """\
examples:
  tfgrade review out/                                 open the desk on this machine; open the URL it prints
  tfgrade review out/ --overrides course/autograph-overrides.csv
                                                      decisions go to the course's overrides file
  tfgrade review out/ --submissions submissions/      "regrade this one" finds files graded from elsewhere
  TFGRADE_REVIEW_PASSWORD=... tfgrade review out/ --host 0.0.0.0 --port 8800
                                                      a shared server: the token link or the password opens it

what it does:
  The class table (sort by any column; filter by a question where points were lost, by status, by
  integrity flag), one page per submission (its feedback notebook, every check with your details, cell
  errors, integrity flags), a form to override a question or the total with a reason, and a button that
  grades that one submission again. Decisions are rows of the overrides file, in the format tfgrade grade
  --overrides reads (docs/overrides.md), written under a lock: the next tfgrade grade and tfgrade export
  include them. Stop it with Ctrl+C.

exit codes:
  0  stopped with Ctrl+C
  2  FOLDER holds no graded batch, or the port cannot be used
"""


def _add_review(commands: Commands) -> None:
    review = commands.add_parser(
        "review",
        help="open a review desk in the browser over an earlier batch: read, override, regrade (TAs)",
        description="Serve a review desk for the course team over the results of `tfgrade grade --out FOLDER`. "
        "It prints a URL with a secret token, as Jupyter does; requests without it are refused.",
        epilog=REVIEW_EPILOG,
        formatter_class=HelpFormatter,
    )
    review.add_argument("out", type=Path, metavar="FOLDER", help="the --out folder of tfgrade grade")
    review.add_argument("--overrides", type=Path, metavar="FILE",
                        help="the overrides file decisions are written to (default: FOLDER/overrides.csv); "
                        "pass the same file to tfgrade grade --overrides")
    review.add_argument("--host", default="127.0.0.1", metavar="HOST",
                        help="address to listen on (default: 127.0.0.1, this machine only)")
    review.add_argument("--port", type=int, default=0, metavar="PORT", help="port (default: a free one)")
    review.add_argument("--password", metavar="PASSWORD",
                        help="also open the desk with this password, for a shared server (default: "
                        "$TFGRADE_REVIEW_PASSWORD, else the token link only)")
    review.add_argument("--assignment", "-a", metavar="ASSIGNMENT",
                        help="for regrades: the assignment (default: the one the reports name)")
    review.add_argument("--submissions", nargs="+", default=(), metavar="SUBMISSION",
                        help="for regrades: the same submissions you gave tfgrade grade, when the reports' paths "
                        "do not lead to them from here")
    review.add_argument("--allow-unisolated", action="store_true",
                        help="for regrades: grade even where no sandbox is available (as tfgrade grade)")
    review.add_argument("--lang", choices=i18n.LANGUAGES, metavar="LANG",
                        help=f"the desk's language ({', '.join(i18n.LANGUAGES)}; default: en)")
    course_option(review)
    review.set_defaults(options=options.ReviewOptions)
