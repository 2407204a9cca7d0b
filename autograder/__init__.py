"""tfgrade: grade TensorFlow notebook exercises with hidden checks run outside the student's process.

The package follows the data flow (the order is written once, in :func:`autograder.grading.pipeline.grade`):

- ``core``: load and validate the notebook, execute it and run the checks, score (results, cache, batch);
- ``sandbox``: how each process is isolated (launcher, fork server, seccomp filter);
- ``channel``: the trust boundary, the student's process, the check process and the grader's runner,
  and the data-only protocol between them;
- ``checks``: the check library that assignments' checks import;
- ``reports``: every rendering of a result (JSON, CSV, console, feedback, class report);
- ``interop``: Gradescope, otter-grader and Dask;
- ``students``: what students run themselves (self-check, submit);
- ``authoring``: what instructors run to make assignments (new, assign, release).
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

PACKAGE = Path(__file__).resolve().parent


def package_files() -> list[Path]:
    """Every file of the package, in every subpackage (sources, templates), in a stable order.

    What decides a grade is all of these: the cache key hashes them and the Gradescope zip packs
    them, so a module moved into a subpackage is never left out.
    """
    return sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".pyo"))
