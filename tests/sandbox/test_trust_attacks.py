"""Attacks on *how* code is judged, graded for real against the `autograph` assignment.

Each notebook in tests/notebooks/attacks/autograph/ says in its metadata which checks must fail
and with what words (as a corpus notebook does), so each scores exactly what its honest part earns:
- patched-handlers: eager code (7.5 of 11) whose process claims tf.functions, loops, single traces and
  speed-ups, and would hand over forged graphs: still 7.5 of 11;
- presend-replies: every reply sent twice, so the next request would find its answer waiting: the
  channel ends at the second request, and every later check says so;
- cached-replies: lstm_fn really runs eagerly and calls are answered from a cache: no graph check passes;
- cpu-burners-during-timing: a correct notebook with six busy processes in sessions of their own:
  full marks, timed while the student's sandbox was frozen;
- library-shadows-readfile: correct but for an eager `simple_nn` (10.5 of 11), whose exporter is patched
  to hand over a graph with a library function named `ReadFile` and a node that TensorFlow would run as
  the file-reading op: refused as a function shadowing a registered op, still 10.5 of 11;
- replaced-exporter, lean-graph-swap, eager-toggle-around-export (issue 19): the process hands over
  a graph it chose (of `tf.function(plain_fn)`, of a lean step, traced with eager mode off only for
  the export); the grader reads the source and traces in its clean room, so each scores its honest part;
- answers-under-deadline: every answer takes just under the derived request limit: the checks that
  fit in the derived budget pass, every later one fails at once (3 of 11, every time).
All are graded once, two at a time; then nothing they started may still run.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from autograder.authoring.validate import Outcome, validate
from autograder.core import assignment
from autograder.grading.execution import ProcessExecutor
from autograder.sandbox import launcher as sandbox
from tests.conftest import NOTEBOOKS, fast_limits
from tests.sandbox import leftover_cgroups, leftover_processes, settled

if not sandbox.detect().isolated:
    pytest.skip("the trust attacks need the sandbox, which is off", allow_module_level=True)

pytestmark = pytest.mark.slow

CORPUS = NOTEBOOKS / "attacks" / "autograph"
NAMES = sorted(p.stem for p in CORPUS.glob("*.ipynb"))


@cache
def outcomes() -> dict[str, Outcome]:
    autograph = dataclasses.replace(fast_limits(assignment.load("autograph")), corpus=CORPUS, solution=None)
    return {o.name: o for o in validate(autograph, ProcessExecutor) if o.name != "template"}


@pytest.mark.parametrize("name", NAMES)
def test_attack_scores_exactly_its_honest_part(name: str) -> None:
    outcome = outcomes()[name]
    assert outcome.graded.result.status == "graded"
    assert outcome.problems == (), outcome.problems
    assert all(c.outcome != "error" for c in outcome.graded.result.checks)


def test_the_speed_up_is_timed_with_the_students_sandbox_frozen() -> None:
    checks = {c.name: c for c in outcomes()["cpu-burners-during-timing"].graded.result.checks}
    timing = checks["lstm_fn_graph_is_faster_than_eager"]
    assert timing.outcome == "passed"
    assert "student_sandbox=" in timing.details and "not frozen" not in timing.details


def test_nothing_the_attacks_started_is_left_running() -> None:
    outcomes()
    assert settled(leftover_processes) == []
    assert settled(leftover_cgroups) == []
