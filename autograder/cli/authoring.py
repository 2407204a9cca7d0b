"""The instructor's commands that make or check an assignment rather than grade a class: validate (and
its mutants), release, assign, new, catalogs, and the zips for Gradescope and otter.

Imported only when one of them runs; each ``run_*`` takes its frozen options and returns the exit code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder import i18n, messages
from autograder.authoring import assign, mutants, scaffold, translations, validate
from autograder.authoring import release as releases
from autograder.cli.commands import err, load
from autograder.cli.options import (
    AssignOptions,
    BuildOptions,
    CatalogsOptions,
    GradescopeRunOptions,
    NewOptions,
    ReleaseOptions,
    ValidateOptions,
)
from autograder.cli.seam import executors
from autograder.core import assignment as assignments
from autograder.core import costs
from autograder.interop import gradescope
from autograder.reports import formats as report
from autograder.reports import progress

# -- tfgrade validate ------------------------------------------------------------------------------


def run_validate(o: ValidateOptions) -> int:
    if o.of_mutants:
        return run_mutants(o)
    assignment = load(o.assignment, o.course)
    _say_what_is_validated(assignment)
    table, imports = _show_static_problems(assignment), _show_package_problems(assignment)
    bad = _show_corpus(assignment, o.jobs)
    _say_what_to_look_at(table, imports)
    unmeasured = _measure_costs(assignment, o.measure_costs or assignment.costs is None)
    return 1 if bad or table or imports or unmeasured else 0


def _say_what_is_validated(assignment: assignments.Assignment) -> None:
    err(f"Validating '{assignment.name}': {len(validate.corpus(assignment))} notebooks...")
    if assignment.solution is None:
        print("  ! no solution notebook found (set solution = \"...\" in assignment.toml)")


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


def _show_package_problems(assignment: assignments.Assignment) -> int:
    """The packages the notebooks may import, each imported in the student's sandbox. How many cannot be."""
    imports = validate.package_problems(assignment, executors()())
    for problem in imports:
        print(f"  BAD packages: {report.safe_text(problem, 400)}")
    return len(imports)


def _show_corpus(assignment: assignments.Assignment, jobs: int) -> list[str]:
    """Grade the solution, the blank notebook and the corpus, a line each as they finish; the names that
    did not grade as expected."""

    counter = progress.Counter(len(validate.corpus(assignment)))

    def show(outcome: validate.Outcome) -> None:
        earned, points = outcome.graded.score.earned, outcome.graded.score.points
        score = f"{report.format_number(earned)}/{report.format_number(points)}"
        print(f"  {'ok ' if not outcome.problems else 'BAD'} {outcome.name}: {score}", flush=True)
        err(f"  {counter.next(outcome.name)}")
        for problem in outcome.problems:
            print(f"        {report.safe_text(problem, 400)}", flush=True)

    outcomes = validate.validate(assignment, executors(), workers=jobs, progress=show)
    bad = [o.name for o in outcomes if o.problems]
    print(f"{len(outcomes) - len(bad)} of {len(outcomes)} notebooks grade as expected."
          + (f" Look at: {', '.join(bad)}." if bad else ""))
    return bad


def _say_what_to_look_at(table: int, imports: int) -> None:
    if table:
        print(messages.CLI_TABLE_PROBLEMS.format(count=table))
    if imports:
        print(f"{imports} of the packages the notebooks may use cannot be imported; see above.")


def _measure_costs(assignment: assignments.Assignment, write: bool) -> bool:
    """Measure and write costs.toml if asked; say what the limits are. True if that failed."""
    if not write:
        print(f"Time limits derived from {costs.FILE} (--measure-costs to measure again).")
        return False
    err("Measuring what grading the solution costs...")
    measured, problems = validate.measure_costs(assignment, executors()(),
                                                fallback=assignments.declared_limits(assignment))
    if measured is None:
        print(f"  BAD costs: {'; '.join(problems)}")
        return True
    path = costs.write(assignment.root, measured)
    for line in validate.cost_lines(measured, assignments.declared_limits(assignment)):
        print(f"  {line}")
    print(f"Wrote {path}.")
    return False


def run_mutants(o: ValidateOptions) -> int:
    assignment = load(o.assignment, o.course)
    err(f"Mutating the solution of '{assignment.name}'; the solution is graded first.")
    found = mutants.run(assignment, executors(), workers=o.jobs, progress=_mutant_progress())
    print(mutants.text(found))
    if o.mutants_report:
        o.mutants_report.parent.mkdir(parents=True, exist_ok=True)
        o.mutants_report.write_text(json.dumps(mutants.as_json(found), indent=2) + "\n", encoding="utf-8")
        print(f"\nWrote {o.mutants_report}.")
    return 0 if found.ok else 1


def _mutant_progress() -> Callable[[mutants.Progress], None]:
    """A line per graded mutant, with the time left from the mutants' pace (the solution's grade first)."""
    started = [time.monotonic()]

    def show(step: mutants.Progress) -> None:
        if step.mutant is None:
            state = "full marks" if step.verdict.status == "survived" else "NOT full marks"
            err(f"  solution: {state}; {step.total} mutants to grade")
            started[0] = time.monotonic()
            return
        verdict = step.verdict
        what = {"killed": f"killed (lost points in {', '.join(verdict.lost)})",
                "survived": "SURVIVED", "error": "grader ERROR"}[verdict.status]
        err(f"  {progress.line(step.done, step.total, f'{step.mutant.id}: {what}', time.monotonic() - started[0])}")

    return show


# -- tfgrade gradescope, gradescope-run, otter, release ---------------------------------------------


def run_gradescope(o: BuildOptions) -> int:
    assignment = load(o.assignment, o.course)
    out = gradescope.build_zip(assignment, o.out or Path(f"{assignment.name}-gradescope.zip"))
    print(f"Wrote {out}. Upload it as the autograder (Configure Autograder > Zip file upload).")
    return 0


def run_gradescope_run(o: GradescopeRunOptions) -> int:
    document = gradescope.run(o.root, load(o.assignment, None))
    print(f"score {document['score']}; results in {o.root / 'results' / 'results.json'}")
    return 0


def run_otter(o: BuildOptions) -> int:
    from autograder import extras

    extras.require("otter", "tfgrade otter")  # the student install leaves otter out: say which extra adds it
    from autograder.interop import otter_plugin

    assignment = load(o.assignment, o.course)
    out = otter_plugin.build_zip(assignment, o.out or Path(f"{assignment.name}-otter.zip"))
    print(f"Wrote {out}. Grade with: otter run -a {out} SUBMISSION.ipynb")
    return 0


def run_release(o: ReleaseOptions) -> int:
    made = releases.release(load(o.assignment, o.course), o.out, o.wheel)
    print(f"Wrote {made.folder}/ ({len(made.files)} files) and {made.zip} ({made.zip.stat().st_size:,} bytes).")
    for share in made.hidden:
        points = messages.POINT_COUNT.format(points=report.format_number(share.points), count=share.points)
        print("  " + messages.CLI_HIDDEN_LEFT_OUT.format(question=share.question, count=share.checks, points=points))
    print(f"Give students {made.zip.name}; its README.txt says what to install and run.")
    return 0


# -- tfgrade assign, new, catalogs ------------------------------------------------------------------


def run_assign(o: AssignOptions) -> int:
    paths = assignments.notebooks(o.assignment, course=o.course)
    template, solution = _shown(paths.template), _shown(paths.solution)
    if o.check:
        return _say_staleness(o, assign.check(paths), template, solution)
    assign.write(paths)
    print(f"Wrote {template} from {solution}.")
    for translated in assign.translations_written(paths):  # korean: <name>.<lang>.ipynb from the same source
        print(f"Wrote {_shown(translated)} from {solution}.")
    return 0


def _say_staleness(o: AssignOptions, staleness: assign.Staleness, template: Path, solution: Path) -> int:
    """``tfgrade assign --check``: 0 if the committed student notebook is what would be written, else 1."""
    if staleness.fresh:
        print(f"{template} is up to date with {solution}.")
        return 0
    print(f"{template} is out of date with {solution}:")
    for line in staleness.differences:
        print(f"  {line}")
    course = f" --course {o.course}" if o.course else ""
    print(f"Regenerate it with: tfgrade assign {o.assignment}{course}  (then commit it)")
    return 1


def _shown(path: Path) -> Path:
    """A path as the user would type it from here: relative when it is below the current folder."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def run_new(o: NewOptions) -> int:
    print(scaffold.create(o.name, course=o.course, languages=o.lang).text())
    return 0


def run_catalogs(o: CatalogsOptions) -> int:
    assignment = assignments.load(o.assignment, course=o.course)
    languages = o.lang or tuple(lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT)
    for path in translations.update_catalogs(assignment, languages):
        print(f"wrote {path}")
    return 0


RUNNERS: dict[str, Callable[[Any], int]] = {
    "validate": run_validate, "gradescope": run_gradescope, "gradescope-run": run_gradescope_run,
    "otter": run_otter, "release": run_release, "assign": run_assign, "new": run_new, "catalogs": run_catalogs,
}
"""The authoring commands by name (:func:`autograder.cli.runners` adds the grading ones)."""
