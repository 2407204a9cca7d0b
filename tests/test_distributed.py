"""The Dask path grades a batch exactly like the local path (a real LocalCluster of processes)."""

from __future__ import annotations

import pytest

from autograder.core import assignment, batch
from autograder.core.execution import ProcessExecutor
from autograder.interop.distributed import DaskGrader
from tests.conftest import NOTEBOOKS

pytestmark = pytest.mark.slow


def test_dask_and_local_batches_give_identical_grades(tmp_path):
    distributed = pytest.importorskip("distributed")
    a = assignment.load("autograph")
    paths = [NOTEBOOKS / "autograph" / "wrong-constant.ipynb", NOTEBOOKS / "autograph" / "not-tf-function.ipynb",
             NOTEBOOKS / "engine" / "corrupt.ipynb"]
    local = batch.grade_all(paths, a, ProcessExecutor(), tmp_path / "local", progress=lambda _: None, jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with DaskGrader(cluster.scheduler_address, a) as grader:
            remote = batch.grade_all(paths, a, ProcessExecutor(), tmp_path / "dask", progress=lambda _: None,
                                     jobs=2, grader=grader)
    assert [g.score for g in remote.rows] == [g.score for g in local.rows]
    assert [g.result.status for g in remote.rows] == ["graded", "graded", "rejected"]
    assert (tmp_path / "dask" / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()
