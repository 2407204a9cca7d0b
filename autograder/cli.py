"""The ``tfgrade`` command: parse, call, write, exit. The work lives in importable modules."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Generator
from contextlib import nullcontext
from pathlib import Path

import autograder
from autograder import i18n, messages
from autograder.authoring import release as releases
from autograder.authoring import translations
from autograder.core import assignment as assignments
from autograder.core import batch, changes, costs, mutants, notebook, overrides, validate
from autograder.core import course as courses
from autograder.core import roster as rosters
from autograder.core.execution import ProcessExecutor
from autograder.interop import distributed, gradescope
from autograder.reports import exports
from autograder.reports import formats as report
from autograder.sandbox import launcher as sandbox
from autograder.students import selfcheck, submission

EPILOG = """\
examples:
  tfgrade grade assignments/autograph/samples --assignment autograph --out out/
  tfgrade grade 'submissions/*.ipynb' --assignment autograph --out out/
  tfgrade check my-autograph.ipynb
"""

GRADE_EPILOG = """\
files written (FOLDER is --out; <name> is the submission's file name without its extension):
  FOLDER/grades.csv                        one row per submission, a column per question; with
                                           --student-id its first column is student_id
  FOLDER/class.html                        the class report, to open in a browser
  FOLDER/changes.csv                       each score that differs from the last run's, and why
  FOLDER/checks.csv                        each check's pass rate over the graded submissions (item analysis)
{export_files}
{submission_files}

exit codes:
  0  every submission has its row (rejected files and failed checks included)
  1  the grader itself failed on some submission (its row says grader_error)
  2  a usage error, an unknown assignment, no sandbox without --allow-unisolated, an output
     folder that cannot be written, or an --overrides or --roster row that cannot be used
     (nothing is written then)
""".format(  # from the registries: a new format or file needs no edit here
    export_files="\n".join(f"  FOLDER/{name:<34}with --export {formats}: the gradebook to import"
                            for name, formats in exports.file_names_help()),
    submission_files=batch.outputs_help())


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except (assignments.AssignmentError, courses.CourseNotFound) as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return 2


class _HelpFormatter(argparse.HelpFormatter):
    """Keeps the layout of a description or epilog written in lines (lists, examples) and wraps the rest;
    leaves commands with ``help=argparse.SUPPRESS`` out of the list (Python 3.11 prints ``==SUPPRESS==``)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" not in text:
            return super()._fill_text(text, width, indent)
        return "".join(indent + line for line in text.splitlines(keepends=True))

    def _iter_indented_subactions(self, action: argparse.Action) -> Generator[argparse.Action, None, None]:
        for subaction in super()._iter_indented_subactions(action):
            if subaction.help is not argparse.SUPPRESS:
                yield subaction


COURSE_HELP = ("the course folder, which holds assignments/ (default: $TFGRADE_COURSE, else the nearest "
               "folder holding assignments/ from here up)")


def _course_option(command: argparse.ArgumentParser) -> None:
    """``--course FOLDER``: every command that takes an assignment accepts it."""
    command.add_argument("--course", type=Path, metavar="FOLDER", help=COURSE_HELP)


def _load(args: argparse.Namespace, name: str | Path) -> assignments.Assignment:
    """An assignment for an instructor's command: never a student's release, which lacks the hidden checks."""
    return _with_language(args, assignments.require_hidden_checks(
        assignments.load(name, course=getattr(args, "course", None))))


# -- the language of what students (and, for grade, the instructor) read: --lang (docs/languages.md) -------

LANGUAGE_COMMANDS = ("grade", "check", "submit")


def _add_language_options(commands: argparse._SubParsersAction) -> None:
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
    _course_option(catalogs_cmd)
    catalogs_cmd.set_defaults(run=_run_catalogs)
    for name in LANGUAGE_COMMANDS:
        commands.choices[name].add_argument(
            "--lang", choices=i18n.LANGUAGES, metavar="LANG",
            help=f"the language of the feedback ({', '.join(i18n.LANGUAGES)}); default: each notebook's "
            "metadata tfgrade.language, then the assignment's language, then English")


def _with_language(args: argparse.Namespace, assignment: assignments.Assignment) -> assignments.Assignment:
    """The assignment with the command's --lang, which wins over each notebook's; this process speaks it too."""
    requested = getattr(args, "lang", None)
    notebook_path = getattr(args, "notebook", None)
    own = _notebook_language(notebook_path) if notebook_path else None
    i18n.set_language(i18n.choose(requested, own, assignment.language))  # what the command itself prints
    return selfcheck.requested(assignment, requested)


def _run_catalogs(args: argparse.Namespace) -> int:
    assignment = assignments.load(args.assignment, course=args.course)
    languages = tuple(args.lang or [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT])
    for path in translations.update_catalogs(assignment, languages):
        print(f"wrote {path}")
    return 0


def _notebook_language(path: Path) -> str | None:
    try:
        return i18n.language_of(notebook.read_node(path).metadata)
    except notebook.NotebookRejected:  # the command reports the rejection in its own words
        return None



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfgrade",
        description="Grade TensorFlow notebook assignments. Student code runs in its own process; "
        "the checks run in a separate, trusted process and only ever see data.",
        epilog=EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tfgrade {autograder.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_grade(commands)
    _add_check(commands)
    _add_submit(commands)
    _add_validate(commands)
    _add_gradescope(commands)
    _add_otter(commands)
    _add_list(commands)
    _add_release(commands)
    _add_assign(commands)
    _add_new(commands)
    _add_export(commands)
    _add_language_options(commands)
    return parser


def _add_grade(commands: argparse._SubParsersAction) -> None:
    grade_cmd = commands.add_parser(
        "grade",
        help="grade submissions with public and hidden checks (instructors)",
        description="Grade every submission with the public and hidden checks, write the files listed "
        "below and print the class table. A broken or wrong file scores 0 with a reason; the batch goes on. "
        "Run it again and only what changed is graded again.",
        epilog=GRADE_EPILOG,
        formatter_class=_HelpFormatter,
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
    grade_cmd.add_argument("--with-solutions", action="store_true",
                           help="put the reference solution after each question in the feedback notebooks; use "
                           "after the deadline. A rerun with or without it rewrites only the feedback notebooks")
    _export_options(grade_cmd)
    _course_option(grade_cmd)
    grade_cmd.set_defaults(run=_run_grade)


def _add_check(commands: argparse._SubParsersAction) -> None:
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
    _course_option(check_cmd)
    check_cmd.set_defaults(run=_run_check)


def _add_submit(commands: argparse._SubParsersAction) -> None:
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
    _course_option(submit_cmd)
    submit_cmd.set_defaults(run=_run_submit)


def _run_submit(args: argparse.Namespace) -> int:
    assignment = _for_notebook(args)
    print(messages.SUBMIT_RUNNING.format(notebook=args.notebook), file=sys.stderr)
    readiness = submission.prepare(args.notebook, assignment, ProcessExecutor())
    print(readiness.text())
    if readiness.ready or args.force:
        out = submission.package(readiness, args.out or submission.default_zip(args.notebook))
        print(messages.SUBMIT_WROTE.format(zip=out))
    return 0 if readiness.ready else 1


def _add_validate(commands: argparse._SubParsersAction) -> None:
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
    _course_option(validate_cmd)
    validate_cmd.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    if args.mutants or args.mutants_report:
        return _run_mutants(args)
    assignment = _load(args, args.assignment)
    notebooks = validate.corpus(assignment)
    print(f"Validating '{assignment.name}': {len(notebooks)} notebooks...", file=sys.stderr)
    if assignment.solution is None:
        print("  ! no solution notebook found (set solution = \"...\" in assignment.toml)")
    table = _show_static_problems(assignment)
    # The packages the notebooks may import, each imported in the student's sandbox.
    imports = validate.package_problems(assignment, ProcessExecutor())
    for problem in imports:
        print(f"  BAD packages: {report.safe_text(problem, 400)}")

    def show(outcome: validate.Outcome) -> None:
        earned, points = outcome.graded.score.earned, outcome.graded.score.points
        score = f"{report.format_number(earned)}/{report.format_number(points)}"
        mark = "ok " if not outcome.problems else "BAD"
        print(f"  {mark} {outcome.name}: {score}", flush=True)
        for problem in outcome.problems:
            print(f"        {report.safe_text(problem, 400)}", flush=True)

    outcomes = validate.validate(assignment, ProcessExecutor, workers=args.jobs, progress=show)
    bad = [o.name for o in outcomes if o.problems]
    print(f"{len(outcomes) - len(bad)} of {len(outcomes)} notebooks grade as expected."
          + (f" Look at: {', '.join(bad)}." if bad else ""))
    if table:
        print(f"The requirements table and its hints have {table} problem(s); see above.")
    if imports:
        print(f"{len(imports)} of the packages the notebooks may use cannot be imported; see above.")
    unmeasured = _measure_costs(assignment, args.measure_costs or assignment.costs is None)
    return 1 if bad or table or imports or unmeasured else 0


def _measure_costs(assignment: assignments.Assignment, write: bool) -> bool:
    """Measure and write costs.toml if asked; say what the limits are. True if that failed."""
    if not write:
        print(f"Time limits derived from {costs.FILE} (--measure-costs to measure again).")
        return False
    print("Measuring what grading the solution costs...", file=sys.stderr)
    measured, problems = validate.measure_costs(assignment, ProcessExecutor(),
                                                fallback=assignments.declared_limits(assignment))
    if measured is None:
        print(f"  BAD costs: {'; '.join(problems)}")
        return True
    path = costs.write(assignment.root, measured)
    for line in validate.cost_lines(measured, assignments.declared_limits(assignment)):
        print(f"  {line}")
    print(f"Wrote {path}.")
    return False


def _show_static_problems(assignment: assignments.Assignment) -> int:
    """Print what does not hold without grading: the requirements table, and hints that give answer code
    away. How many problems."""
    table = validate.table_problems(assignment)
    for problem in table:
        print(f"  BAD requirements.toml: {problem}")
    hints = validate.hint_problems(assignment)
    for problem in hints:
        print(f"  BAD hints: {problem}")
    return len(table) + len(hints)


def _run_mutants(args: argparse.Namespace) -> int:
    assignment = _load(args, args.assignment)
    print(f"Mutating the solution of '{assignment.name}'; the solution is graded first.", file=sys.stderr)

    def show(step: mutants.Progress) -> None:
        if step.mutant is None:
            state = "full marks" if step.verdict.status == "survived" else "NOT full marks"
            print(f"  solution: {state}; {step.total} mutants to grade", file=sys.stderr, flush=True)
            return
        verdict = step.verdict
        what = {"killed": f"killed (lost points in {', '.join(verdict.lost)})",
                "survived": "SURVIVED", "error": "grader ERROR"}[verdict.status]
        print(f"  [{step.done}/{step.total}] {step.mutant.id}: {what}", file=sys.stderr, flush=True)

    report = mutants.run(assignment, ProcessExecutor, workers=args.jobs, progress=show)
    print(mutants.text(report))
    if args.mutants_report:
        args.mutants_report.parent.mkdir(parents=True, exist_ok=True)
        args.mutants_report.write_text(json.dumps(mutants.as_json(report), indent=2) + "\n", encoding="utf-8")
        print(f"\nWrote {args.mutants_report}.")
    return 0 if report.ok else 1


def _add_gradescope(commands: argparse._SubParsersAction) -> None:
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
    _course_option(build)
    build.set_defaults(run=_run_gradescope)
    # Internal: the zip's run_autograder calls it inside Gradescope's container, so it stays out of the help.
    run = commands.add_parser(
        "gradescope-run", help=argparse.SUPPRESS,
        description="(used inside Gradescope, by the autograder zip's run_autograder) grade FOLDER/submission "
        "and write FOLDER/results/results.json",
    )
    run.add_argument("--root", type=Path, default=Path("/autograder"), metavar="FOLDER",
                     help="the autograder root folder (default: /autograder)")
    run.add_argument("--assignment", required=True, metavar="ASSIGNMENT", help="assignment folder")
    run.set_defaults(run=_run_gradescope_run)


def _run_gradescope(args: argparse.Namespace) -> int:
    assignment = _load(args, args.assignment)
    out = gradescope.build_zip(assignment, args.out or Path(f"{assignment.name}-gradescope.zip"))
    print(f"Wrote {out}. Upload it as the autograder (Configure Autograder > Zip file upload).")
    return 0


def _run_gradescope_run(args: argparse.Namespace) -> int:
    document = gradescope.run(args.root, _load(args, args.assignment))
    print(f"score {document['score']}; results in {args.root / 'results' / 'results.json'}")
    return 0


def _add_otter(commands: argparse._SubParsersAction) -> None:
    otter = commands.add_parser(
        "otter",
        help="build an otter-grader autograder zip whose scores come from tfgrade (instructors)",
        description="Write an otter autograder zip for this assignment: `otter run -a ZIP submission.ipynb` "
        "then reports the same per-question scores as `tfgrade grade` (tfgrade must be installed where otter runs).",
    )
    otter.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    otter.add_argument("--out", "-o", type=Path, metavar="ZIP", help="zip to write (default: ASSIGNMENT-otter.zip)")
    _course_option(otter)
    otter.set_defaults(run=_run_otter)


def _run_otter(args: argparse.Namespace) -> int:
    from autograder.interop import otter_plugin  # imports otter: only when asked
    assignment = _load(args, args.assignment)
    out = otter_plugin.build_zip(assignment, args.out or Path(f"{assignment.name}-otter.zip"))
    print(f"Wrote {out}. Grade with: otter run -a {out} SUBMISSION.ipynb")
    return 0


def _add_list(commands: argparse._SubParsersAction) -> None:
    list_cmd = commands.add_parser("list", help="list the assignments and their questions")
    _course_option(list_cmd)
    list_cmd.set_defaults(run=_run_list)


def _run_grade(args: argparse.Namespace) -> int:
    assignment = _load(args, args.assignment)
    roster = _grade_roster(args)  # before grading: a roster that cannot be read should not wait for the batch
    if isinstance(roster, int):
        return roster
    if args.no_sandbox:
        launcher: sandbox.Launcher = sandbox.Unisolated("turned off with --no-sandbox")
    else:
        launcher = sandbox.detect(fork=not args.no_fork_server)
    executor = ProcessExecutor(launcher)
    # On a cluster the workers grade, and each refuses to without a sandbox (unless allowed).
    if not executor.isolated and not (args.allow_unisolated or args.no_sandbox or args.scheduler):
        print(f"tfgrade: refusing to grade: student code would run {executor.isolation}.\n"
              "Run as root on Linux with bubblewrap installed (make setup does this), or pass "
              "--allow-unisolated to grade anyway.", file=sys.stderr)
        return 2
    if args.with_solutions and not (assignment.solution and assignment.solution.is_file()):
        print(f"tfgrade: --with-solutions needs the solution notebook of '{assignment.name}', and "
              f"{assignment.solution or 'none is declared'} is not there. Add it (solutions/{assignment.name}.ipynb "
              "in the course), or leave out --with-solutions.", file=sys.stderr)
        return 2
    adjust = _read_overrides(args)
    if adjust is None:
        return 2
    paths = batch.expand(args.submissions)
    print(f"Grading {len(paths)} submission(s) for '{assignment.name}' into {args.out}/ ...", file=sys.stderr)
    where = "each Dask worker checks its own sandbox" if args.scheduler else executor.isolation
    print(f"Isolation: {where}", file=sys.stderr)
    try:
        workers = distributed.WorkerSettings(sandbox=not args.no_sandbox, fork_server=not args.no_fork_server,
                                             allow_unisolated=args.allow_unisolated or args.no_sandbox)
        with distributed.DaskGrader(args.scheduler, assignment, workers) if args.scheduler else nullcontext() as grader:
            result = batch.grade_all(paths, assignment, executor, args.out,
                                     progress=lambda line: print(line, file=sys.stderr, flush=True),
                                     jobs=args.jobs, student_id=batch.student_namer(args.student_id), grader=grader,
                                     adjust=adjust, with_solutions=args.with_solutions)
    except (batch.BatchError, overrides.OverridesError) as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return 2
    print(report.console_table([(g.result, g.score) for g in result.rows]))
    if result.reused:
        print(f"\n{result.reused} unchanged submission(s) kept their earlier results; "
              f"{len(result.rows) - result.reused} graded now.")
    _print_changes(result, args.out)
    print(f"\nReports: {args.out / batch.SUBMISSIONS}/<submission>/  Grades: {args.out / batch.GRADES}")
    failed = 1 if any(g.result.status == "grader_error" for g in result.rows) else 0
    return max(failed, _export_graded(args, result, paths, roster)) if args.export else failed


# -- overrides and what changed (tfgrade grade --overrides) ----------------------------------------


def _overrides_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--overrides", type=Path, metavar="FILE",
                         help="a CSV of score changes with columns student,question,points,reason (docs/overrides.md): "
                         "points 7 sets a score, +2 or -1.5 adds to it; an empty question or 'total' is the whole "
                         "assignment. Applied after the automatic score on every run; students see each reason. "
                         "A row that names no submission or question stops the run before anything is written")


def _read_overrides(args: argparse.Namespace) -> tuple[overrides.Override, ...] | None:
    """The rows of --overrides (none without it); None after saying why the file cannot be used."""
    if args.overrides is None:
        return ()
    try:
        return overrides.read(args.overrides)
    except overrides.OverridesError as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return None


def _print_changes(result: batch.BatchResult, out: Path) -> None:
    applied = sum((g.score.override is not None) + sum(q.override is not None for q in g.score.questions)
                  for g in result.rows)
    if applied:
        print(f"\n{applied} override(s) applied: grades.csv shows each next to the automatic score.")
    text = changes.summary(result.changes, earlier=result.earlier > 0, where=str(out / batch.CHANGES))
    if text:
        print(f"\n{text}")


def _run_check(args: argparse.Namespace) -> int:
    assignment = _for_notebook(args)
    print(messages.CHECK_RUNNING.format(notebook=args.notebook), file=sys.stderr)
    executor = ProcessExecutor()
    if not executor.isolated:
        print(messages.CHECK_UNISOLATED.format(isolation=executor.isolation), file=sys.stderr)
    try:
        result = selfcheck.run_self_check(args.notebook, assignment, args.question, executor)
    except ValueError as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return 2
    print(result.text())
    return 0 if result.passed else 1


def _for_notebook(args: argparse.Namespace) -> assignments.Assignment:
    """A student's assignment: as named, else from the notebook's metadata, found from its folder."""
    name = args.assignment or _assignment_from(args.notebook, args.course)
    return _with_language(args, assignments.for_notebook(args.notebook, name, course=args.course))


def _assignment_from(path: Path, course: Path | None = None) -> str:
    try:
        name = notebook.load(path, expected_assignment=None).assignment
    except notebook.NotebookRejected as exc:
        raise assignments.AssignmentError(str(exc)) from exc
    if name is None:
        raise assignments.AssignmentError(
            messages.NO_ASSIGNMENT_CLI.format(file=path.name, known=", ".join(assignments.available(course)))
        )
    return name


def _run_list(args: argparse.Namespace) -> int:
    course = courses.locate(args.course)
    print(f"Course: {course.root}")
    for name in course.names():
        a = assignments.load(course.assignments / name)
        print(f"{a.name}: {a.title} ({report.format_number(a.max_points)} points)")
        for q in a.questions:
            print(f"  {q.name} ({report.format_number(q.points)}): {q.title}")
    return 0


# --- tfgrade release ---------------------------------------------------------------------------


def _add_release(commands: argparse._SubParsersAction) -> None:
    release_cmd = commands.add_parser(
        "release",
        help="write the zip students download: notebook, public checks, no secrets (instructors)",
        description="Write FOLDER/<name>/ and FOLDER/<name>.zip for students: the student notebook, the public "
        "checks, data/, a README.txt that says what to install and run, and a public assignment.toml that says, "
        "per question, how many hidden checks there are, their points and what they test. Never a hidden "
        "check, a solution, requirements.toml, mutants.toml, the corpus or the samples. An earlier release "
        "in FOLDER is replaced.",
    )
    release_cmd.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    release_cmd.add_argument("--out", "-o", type=Path, required=True, metavar="FOLDER",
                             help="folder to write the release folder and zip into")
    _course_option(release_cmd)
    release_cmd.set_defaults(run=_run_release)


def _run_release(args: argparse.Namespace) -> int:
    assignment = _load(args, args.assignment)
    try:
        made = releases.release(assignment, args.out)
    except releases.ReleaseError as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {made.folder}/ ({len(made.files)} files) and {made.zip} ({made.zip.stat().st_size:,} bytes).")
    for share in made.hidden:
        print(f"  {share.question}: {share.checks} hidden check(s), {report.format_number(share.points)} point(s), "
              "left out")
    print(f"Give students {made.zip.name}; its README.txt says what to install and run.")
    return 0


# --- authoring: tfgrade assign, tfgrade new -------------------------------------------------------

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


def _add_assign(commands: argparse._SubParsersAction) -> None:
    assign_cmd = commands.add_parser(
        "assign",
        help="generate the student notebook from the solution notebook (instructors)",
        description="Write the student notebook of ASSIGNMENT (assignments/NAME/NAME.ipynb) from its solution "
        "notebook (solutions/NAME.ipynb): each answer between the markers below becomes a stub, tagged cells "
        "are hidden, outputs are cleared. The same solution always gives the same file.",
        epilog=ASSIGN_EPILOG,
        formatter_class=_HelpFormatter,
    )
    assign_cmd.add_argument("assignment", metavar="ASSIGNMENT", help="assignment name or folder")
    assign_cmd.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 if the committed student notebook differs from what "
                            "would be written, and say which cells")
    _course_option(assign_cmd)
    assign_cmd.set_defaults(run=_run_assign)


def _run_assign(args: argparse.Namespace) -> int:
    from autograder.authoring import assign

    paths = assignments.notebooks(args.assignment, course=args.course)
    template, solution = _shown(paths.template), _shown(paths.solution)
    if not args.check:
        assign.write(paths)
        print(f"Wrote {template} from {solution}.")
        for translated in assign.translations_written(paths):  # korean: <name>.<lang>.ipynb from the same source
            print(f"Wrote {_shown(translated)} from {solution}.")
        return 0
    staleness = assign.check(paths)
    if staleness.fresh:
        print(f"{template} is up to date with {solution}.")
        return 0
    print(f"{template} is out of date with {solution}:")
    for line in staleness.differences:
        print(f"  {line}")
    course = f" --course {args.course}" if args.course else ""
    print(f"Regenerate it with: tfgrade assign {args.assignment}{course}  (then commit it)")
    return 1


def _shown(path: Path) -> Path:
    """A path as the user would type it from here: relative when it is below the current folder."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def _add_new(commands: argparse._SubParsersAction) -> None:
    new_cmd = commands.add_parser(
        "new",
        help="start a new assignment: solution notebook, checks and assignment.toml (instructors)",
        description="Create assignment NAME in the course (in the current folder if there is no course yet): "
        "solutions/NAME.ipynb with one example question, assignments/NAME/ with assignment.toml, "
        "requirements.toml, one public and one hidden check, and the student notebook. It passes "
        "tfgrade validate NAME as it is; then make it your own. Never overwrites an assignment.",
        formatter_class=_HelpFormatter,
    )
    new_cmd.add_argument("name", metavar="ASSIGNMENT",
                         help="the new assignment's name, a Python-style name (e.g. week3)")
    _course_option(new_cmd)
    new_cmd.set_defaults(run=_run_new)


def _run_new(args: argparse.Namespace) -> int:
    from autograder.authoring import scaffold

    made = scaffold.create(args.name, course=args.course)
    print(made.text())
    return 0


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


def _add_export(commands: argparse._SubParsersAction) -> None:
    export_cmd = commands.add_parser(
        "export",
        help="write an earlier batch's grades as a file Canvas, Moodle or otter imports (instructors)",
        description="Read the results of an earlier `tfgrade grade --out FOLDER` and write them in a gradebook's "
        "import format: one row per student, a column named after the assignment.",
        epilog=EXPORT_EPILOG,
        formatter_class=_HelpFormatter,
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
    export_cmd.set_defaults(run=_run_export)


def _export_options(grade_cmd: argparse.ArgumentParser) -> None:
    grade_cmd.add_argument("--export", action="append", choices=exports.FORMATS, metavar="FORMAT",
                           help=f"after grading, also write the grades for a gradebook: {_FORMAT_NAMES} "
                           "(repeatable; see tfgrade export --help)")
    grade_cmd.add_argument("--roster", type=Path, metavar="FILE",
                           help="with --export: CSV file of the class, which file is whose and who submitted nothing")


def _run_export(args: argparse.Namespace) -> int:
    try:
        submitted = exports.read_batch(args.folder)
        roster = rosters.read(args.roster) if args.roster else None
    except (exports.ExportError, rosters.RosterError) as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return 2
    try:
        namer = batch.student_namer(args.student_id)
    except re.error as exc:
        print(f"tfgrade: --student-id {args.student_id!r} is not a regular expression: {exc}", file=sys.stderr)
        return 2
    if namer:
        submitted = [rosters.Submitted(namer(Path(s.id)), s.files, s.item) for s in submitted]
    target = {args.format: args.out} if args.out else {}
    return _write_exports(args.folder, [args.format], submitted, roster, column=args.column, paths=target)


def _grade_roster(args: argparse.Namespace) -> rosters.Roster | None | int:
    """The roster for grade --export, read before grading; an exit code if it cannot be used."""
    if args.roster and not args.export:
        print("tfgrade: --roster names the students of an export: add --export FORMAT "
              "(or run tfgrade export FOLDER --roster FILE after grading).", file=sys.stderr)
        return 2
    try:
        return rosters.read(args.roster) if args.roster else None
    except rosters.RosterError as exc:
        print(f"tfgrade: {exc}", file=sys.stderr)
        return 2


def _export_graded(args: argparse.Namespace, result: batch.BatchResult, paths: list[Path],
                   roster: rosters.Roster | None) -> int:
    submitted = [rosters.Submitted(g.result.submission, (path.name,), (g.result, g.score))
                 for g, path in zip(result.rows, paths, strict=True)]
    return _write_exports(args.out, list(dict.fromkeys(args.export)), submitted, roster)


def _write_exports(folder: Path, formats: list[exports.Format], submitted: list[rosters.Submitted[exports.Pair]],
                   roster: rosters.Roster | None, *, column: str | None = None,
                   paths: dict[exports.Format, Path] | None = None) -> int:
    """Render every format first and write only if all can be made, so a failed export leaves no file."""
    try:
        rows, notes = exports.gradebook(submitted, roster)
    except (exports.ExportError, rosters.RosterError) as exc:
        print(f"tfgrade: cannot export: {exc}", file=sys.stderr)
        return 2
    assignment = exports.assignment_of(submitted)
    for note in dict.fromkeys([*notes, *(n for fmt in formats for n in exports.warnings_for(fmt, rows))]):
        print(f"warning: {note}", file=sys.stderr)
    missing = sum(r.result is None for r in rows)
    counts = f"{len(rows)} row(s)" + (f", {missing} with no submission" if missing else "")
    for fmt in formats:
        path = (paths or {}).get(fmt) or exports.default_path(folder, fmt, assignment)
        exports.write(path, fmt, exports.render(fmt, rows, column=column or assignment))
        print(f"Wrote {path} ({fmt}: {counts}).")
    return 0
