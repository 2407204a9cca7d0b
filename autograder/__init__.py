"""tfgrade: grade TensorFlow notebook exercises with hidden checks run outside the student's process.

The package is built in floors (docs/architecture.md draws them; tests/ground/test_layers.py holds them): a module
imports only its own folder and lower floors. From the ground up:

- ``errors``, ``text``, ``clock``, ``josa``, ``profiling``: the ground (exceptions, text safety, job clocks);
- ``i18n`` and ``messages``: the words, in every language;
- ``wire``: what crosses a process boundary (the data-only protocol, artifacts' formats);
- ``sandbox``: how each process is isolated (launcher, fork server, seccomp filter);
- ``core``: the pure domain (results, scoring, codec, assignment, notebook, markers, integrity);
- ``student_side`` (the untrusted student process) and ``runner_side`` (the runner, the clean room);
- ``check_side``: the trusted check process and its handles on the other processes;
- ``checks``: the check library, the one import surface of a course's checks;
- ``reports``: every rendering of a result (JSON, CSV, console, feedback, class report, exports);
- ``grading``: the pipeline (the order is written once, in :func:`autograder.grading.pipeline.grade`),
  the processes' execution, and the batch;
- ``authoring`` (new, assign, release, validate, mutants), ``students`` (self-check, submit), ``interop``
  (Gradescope, otter-grader, Dask);
- ``cli``: the ``tfgrade`` command.
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
