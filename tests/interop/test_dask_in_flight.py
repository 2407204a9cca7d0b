"""A Dask batch keeps every thread of the cluster busy, whatever this machine's core count (-j's default)."""

from __future__ import annotations

from autograder.interop.distributed import DaskGrader


class _Client:
    def __init__(self, threads: dict[str, int]) -> None:
        self.threads = threads

    def nthreads(self) -> dict[str, int]:
        return self.threads


def _grader(threads: dict[str, int]) -> DaskGrader:
    grader = DaskGrader.__new__(DaskGrader)  # no cluster: only the count of its threads matters here
    grader._client = _Client(threads)  # type: ignore[assignment]
    return grader


def test_a_cluster_larger_than_this_machine_gets_one_submission_per_thread() -> None:
    assert _grader({f"tcp://w{i}:1": 2 for i in range(50)}).in_flight(8) == 100


def test_a_larger_j_is_kept_and_an_empty_cluster_does_not_stop_the_batch() -> None:
    assert _grader({"tcp://w0:1": 1}).in_flight(4) == 4
    assert _grader({}).in_flight(2) == 2  # workers may join later: the batch waits for them with -j threads
