"""The throughput benchmark gives a ratio only when its rounds agree, and counts a command's CPU alone."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import batch_throughput
import cpu_account


def test_spread_is_max_minus_min_as_a_share_of_the_median() -> None:
    assert batch_throughput.spread([10.0, 11.0, 12.0]) == pytest.approx(2 / 11)
    assert batch_throughput.spread([7.0]) == 0


def test_a_ratio_is_given_only_when_its_rounds_agree_within_ten_percent() -> None:
    agreed = batch_throughput.ratio_line("throughput", [6.0, 6.3, 6.5])
    assert "6.30x" in agreed and "do not agree" not in agreed
    apart = batch_throughput.ratio_line("throughput", [5.0, 6.3, 6.5])
    assert "do not agree" in apart and "no ratio" in apart
    assert "6.30x (" not in apart  # no median is put forward


def test_the_jobs_of_a_measured_tfgrade_go_under_a_parent_of_the_runs_own() -> None:
    command = cpu_account.tfgrade_command(["grade", "x", "-a", "tiny"], "tfgrade-bench-1-jobs")
    assert command[:2] == [sys.executable, "-c"]
    assert command[3:] == ["tfgrade-bench-1-jobs", "grade", "x", "-a", "tiny"]
    assert "cgroups.CGROUP_PARENT = sys.argv.pop(1)" in command[2]


@pytest.mark.skipif(cpu_account.accounting_root() is None, reason="no cgroup can be made here (needs root)")
def test_a_command_is_charged_its_own_cpu_and_its_childrens() -> None:
    spin = "import time, os\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    # Started and not waited for (as tfgrade leaves its fork server to end after it): still counted.
    child = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {spin!r}])"
    measured = cpu_account.run([[sys.executable, "-c", child]])
    # 0.3 s spun in a grandchild, plus two interpreters' start; a neighbour's CPU is not in it.
    assert 0.3 <= measured.cpu < 0.3 + 2.0
