"""Property checks (Hypothesis) give the same verdict on every regrade, and fail closed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.check_side.student import CheckFailure
from autograder.checks.properties import float32_arrays, property_check, shapes


def _drawn_examples() -> list[tuple[int, ...]]:
    seen: list[tuple[int, ...]] = []

    @property_check(max_examples=12)
    @given(shape=shapes())
    def check(shape: tuple[int, ...]) -> None:
        seen.append(shape)

    check()
    return seen


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_every_run_draws_the_same_examples_in_the_same_order() -> None:
    first, second = _drawn_examples(), _drawn_examples()
    assert first == second
    assert len(set(first)) > 3  # real variety, not one example repeated


def test_a_failure_is_the_same_failure_on_every_run() -> None:
    def run() -> str:
        @property_check(max_examples=20)
        @given(x=st.integers(0, 1000))
        def check(x: int) -> None:
            if x % 7 == 3:
                raise CheckFailure(f"wrong for {x}")

        with pytest.raises(CheckFailure) as caught:
            check()
        return str(caught.value)

    assert run() == run()


def test_student_code_that_answers_differently_for_the_same_input_fails_the_check() -> None:
    calls = []

    @property_check(max_examples=5)
    @given(x=st.integers(0, 10))
    def check(x: int) -> None:
        calls.append(x)
        if len(calls) % 2:  # fails, then passes when Hypothesis replays the same input
            raise CheckFailure("wrong")

    with pytest.raises(CheckFailure):
        check()


def test_strategies_draw_what_the_text_allows() -> None:
    @property_check(max_examples=15)
    @given(data=st.data(), shape=shapes(max_dims=3))
    def check(data: st.DataObject, shape: tuple[int, ...]) -> None:
        x = data.draw(float32_arrays(shape, -2.0, 2.0))
        assert x.shape == shape and x.dtype == np.float32
        assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= 2.0)

    check()


POOL_SCRIPT = '''
import json, os, sys
sys.path.insert(0, os.getcwd())
from autograder.sandbox import forkserver, preload  # the grader modules the server has imported
from hypothesis.internal.conjecture.providers import _get_local_constants

def pool():
    import course_helpers  # a course's own module, loaded only by the check process
    constants = _get_local_constants()
    return sorted(repr(c) for c in constants)

if sys.argv[1] == "warm":
    preload.warm_hypothesis_constants()  # what the fork server does before it forks
    reader, writer = os.pipe()
    if os.fork() == 0:  # a check process forked from the server
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(os.getcwd(), "own")
        os.write(writer, json.dumps(pool()).encode())
        os._exit(0)
    os.close(writer)
    data = b""
    while chunk := os.read(reader, 1 << 20):
        data += chunk
    os.wait()
    print(data.decode())
else:
    print(json.dumps(pool()))
'''


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_a_pool_built_in_the_fork_server_is_the_pool_a_check_process_would_build(tmp_path: Path) -> None:
    # Hypothesis draws some examples from the literals of the loaded local modules: building that pool in
    # the fork server moves its cost, and must change nothing the check process draws from.
    (tmp_path / "course_helpers.py").write_text("MARK = 0.123456\nNAME = 'course-helper-mark'\n")
    (tmp_path / "pool.py").write_text(POOL_SCRIPT)

    def pool(mode: str) -> list[str]:
        env = {"PATH": "/usr/bin:/bin"} | ({"HYPOTHESIS_STORAGE_DIRECTORY": "cold"} if mode == "cold" else {})
        done = subprocess.run([sys.executable, "pool.py", mode], cwd=tmp_path, capture_output=True, text=True,
                              check=True, env=env)
        return json.loads(done.stdout)

    cold, warm = pool("cold"), pool("warm")
    assert warm == cold
    assert "0.123456" in warm and "'course-helper-mark'" in warm  # what the check process loads is in it
    assert len(warm) > 100  # the grader's own modules are too, in this (editable) install
    # The server's scratch cache is gone; the forked process wrote to the storage folder it chose itself.
    written = sorted(p.name for p in tmp_path.iterdir() if p.name != "__pycache__")
    assert written == ["cold", "course_helpers.py", "own", "pool.py"]
