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
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from autograder.check_side.student import CheckFailure, StudentUnavailable

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_EXAMPLES = 10


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
