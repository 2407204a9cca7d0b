"""Property-based checks with Hypothesis, made safe for grading.

A question that says "any shape", "any length" or "every argument" is a property, so its check draws
many inputs with Hypothesis strategies instead of trying one. A grade must not change on a regrade,
so every property check here is:

* derandomized: the examples depend only on the check's own code, never on a clock or a database;
* bounded: a fixed number of examples, no deadline (the student's process is timed by the grader's
  budget), and no shrinking (the first failing example is the verdict; shrinking would only spend
  the budget on a smaller input that the student never sees in a hidden check anyway);
* fail-closed: a failure Hypothesis cannot replay (the student's code answers differently for the
  same input) is still a failure of the check, never a grader error.

Use it under the question marker::

    @pytest.mark.question("q1", points=1)
    @property_check(max_examples=12)
    @given(shape=shapes())
    def test_linear_layer_any_shape(student, shape): ...
"""

from __future__ import annotations

import functools
import importlib
import tempfile
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from autograder.channel.student import CheckFailure, StudentUnavailable

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_EXAMPLES = 10
CHECK_IMPORTS = ("hypothesis.extra.numpy",)
"""Hypothesis modules the courses' checks import; the fork server imports them once for every check process."""


def grading_settings(max_examples: int = DEFAULT_EXAMPLES) -> settings:
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
    )


def property_check(max_examples: int = DEFAULT_EXAMPLES) -> Callable[[F], F]:
    """Settings for a ``@given`` check, and a replay that disagrees turned into the check's failure."""

    def decorate(test: F) -> F:
        configured = grading_settings(max_examples)(test)

        @functools.wraps(configured)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return configured(*args, **kwargs)
            except Flaky as exc:
                raise _failure_inside(exc) from None

        return run  # type: ignore[return-value]

    return decorate


def _failure_inside(exc: BaseException) -> BaseException:
    """The student's failure that Hypothesis could not replay, or a plain CheckFailure saying so."""
    inner = list(getattr(exc, "exceptions", ()))
    for error in inner:
        if isinstance(error, StudentUnavailable | CheckFailure):
            return error
    return CheckFailure("Your code gave different answers when called twice with the same input.")


def shapes(min_dims: int = 0, max_dims: int = 4, max_side: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """Tensor shapes, scalars included: what "a tensor of any shape" allows."""
    return st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def float32_arrays(shape: tuple[int, ...], low: float = -10.0, high: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """Float32 arrays of ``shape`` with values drawn in ``[low, high]`` (no NaN or infinity)."""
    size = int(np.prod(shape)) if shape else 1
    values = st.lists(st.floats(low, high, width=32), min_size=size, max_size=size)
    return values.map(lambda v: np.asarray(v, dtype=np.float32).reshape(shape))


def prepare_fork_server() -> None:
    """Once in the fork server: what every check process would otherwise do again at collection.

    Hypothesis draws some examples from a pool of the literals written in the "local" modules (those
    outside the standard library and site-packages) that are loaded at the time of the draw. Building
    the pool reads and parses each such module (the grader's own, in an editable install) and asks of
    every loaded module whether it is local: about 0.2 s of CPU per check process. Built here, each
    forked check process inherits the pool and the modules already seen, and adds only the modules it
    loads itself (its checks and conftest). The pool is a union, so it ends up the same as a cold
    build, and so do the examples: only the time moves. Hypothesis's on-disk cache of the pool goes to
    a folder removed here, and its storage folder is reset, so each check process still picks its own
    (``HYPOTHESIS_STORAGE_DIRECTORY``).
    """
    from hypothesis import configuration
    from hypothesis.internal.conjecture import providers

    for name in CHECK_IMPORTS:
        importlib.import_module(name)
    build_pool = getattr(providers, "_get_local_constants", None)
    if build_pool is None:  # another Hypothesis: each check process builds its pool itself, as before
        return
    with tempfile.TemporaryDirectory(prefix="tfgrade-hypothesis-") as scratch:
        configuration.set_hypothesis_home_dir(scratch)
        try:
            build_pool()
        finally:
            configuration.set_hypothesis_home_dir(None)
