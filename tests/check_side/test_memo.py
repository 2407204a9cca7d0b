"""Results a batch's check processes share through the grader (check_side/memo.py), over the control channel."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from autograder.check_side import memo
from autograder.check_side.budget import JobClock
from autograder.clock import Usage
from autograder.grading import execution


class FakeJob:
    def usage(self, *, waiting: bool = True) -> Usage:
        return Usage(1.0, 0.0, 2.0)


def counted(value: str) -> tuple[Callable[[], str], list[int]]:
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return value

    return compute, calls


def served(store: memo.Store) -> tuple[socket.socket, socket.socket, execution._FreezeControl]:
    """A check process's end of a control channel, served by the grader's thread with ``store``."""
    ours, theirs = socket.socketpair()
    control = execution._FreezeControl(ours, FakeJob(), {"checks": FakeJob()}, store)  # type: ignore[arg-type]
    return ours, theirs, control


def test_two_check_processes_of_a_batch_do_the_same_work_once() -> None:
    store = memo.Store()
    compute, calls = counted("Dense\n(None, 8)")
    first_ours, first, first_control = served(store)
    second_ours, second, second_control = served(store)
    with first_ours, first, first_control, second_ours, second, second_control:
        assert memo.Client(first).remembered("ocr --psm 6", b"png bytes", compute) == "Dense\n(None, 8)"
        assert memo.Client(second).remembered("ocr --psm 6", b"png bytes", compute) == "Dense\n(None, 8)"
        assert calls == [1]
        # Other bytes, or the same bytes read with other settings, are other work.
        assert memo.Client(second).remembered("ocr --psm 3", b"png bytes", compute) == "Dense\n(None, 8)"
        assert memo.Client(second).remembered("ocr --psm 6", b"png bytes!", compute) == "Dense\n(None, 8)"
        assert calls == [1, 1, 1]
    assert store.hits == 1


def test_work_that_failed_is_not_kept() -> None:
    store = memo.Store()
    ours, theirs, control = served(store)

    def fails() -> str:
        raise TimeoutError("the tool ran out of time")

    with ours, theirs, control:
        with pytest.raises(TimeoutError):
            memo.Client(theirs).remembered("ocr", b"x", fails)
        compute, calls = counted("read")
        assert memo.Client(theirs).remembered("ocr", b"x", compute) == "read"
        assert calls == [1]


def test_a_result_too_long_to_share_is_computed_again_and_the_channel_still_works() -> None:
    store = memo.Store()
    ours, theirs, control = served(store)
    long = "\u00e9" * memo.MAX_VALUE_BYTES  # JSON escapes it to six times its length
    with ours, theirs, control:
        compute, calls = counted(long)
        client = memo.Client(theirs)
        assert client.remembered("ocr", b"x", compute) == long
        assert client.remembered("ocr", b"x", compute) == long
        assert calls == [1, 1]
        assert JobClock(theirs).usage("checks") == Usage(1.0, 0.0, 2.0)  # the grader still answers


def test_without_a_grader_the_work_is_done_every_time() -> None:
    compute, calls = counted("read")
    client = memo.Client(None)
    assert client.remembered("ocr", b"x", compute) == client.remembered("ocr", b"x", compute) == "read"
    assert calls == [1, 1]


def test_a_grader_that_does_not_answer_means_the_work_is_done_here() -> None:
    ours, theirs = socket.socketpair()
    ours.close()
    compute, calls = counted("read")
    with theirs:
        assert memo.Client(theirs).remembered("ocr", b"x", compute) == "read"
    assert calls == [1]


def test_the_store_keeps_only_well_formed_entries_and_is_bounded() -> None:
    store = memo.Store(max_entries=2)
    key = memo.key_of("ocr", b"a")
    assert not store.put("not a key", "text")
    assert not store.put(key, 42)
    assert not store.put(key.upper(), "text")
    assert store.put(key, "first")
    assert store.put(key, "second") and store.get(key) == "first"  # the first result stands
    assert store.put(memo.key_of("ocr", b"b"), "b")
    assert not store.put(memo.key_of("ocr", b"c"), "c")  # full: the work is simply done again
    assert store.get(memo.key_of("ocr", b"c")) is None
    assert store.get(["not", "a", "key"]) is None


def test_each_executor_has_its_own_store() -> None:
    # A batch's entries never reach another executor (another batch, another course).
    class NoSandbox:
        isolated, description = False, "none"

        def with_programs(self, programs: object) -> NoSandbox:
            return self

    first, second = execution.ProcessExecutor(NoSandbox()), execution.ProcessExecutor(NoSandbox())  # type: ignore[arg-type]
    assert first.memo is not second.memo
