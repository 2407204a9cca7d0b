"""The profile hook: off unless asked, and when on, a begin and an end stamp around each stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder import profiling
from tests.conftest import ROOT


def test_off_unless_the_variable_says_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(profiling.VARIABLE, raising=False)
    assert not profiling.enabled()
    monkeypatch.setenv(profiling.VARIABLE, "0")
    assert not profiling.enabled()
    monkeypatch.setenv(profiling.VARIABLE, "1")
    assert profiling.enabled()


def test_a_timed_stage_writes_begin_and_end_even_when_it_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profiling, "STAMPS", str(tmp_path / "stamps.jsonl"))

    def cell(number: int) -> None:
        if number == 2:
            raise ValueError("the student's error")

    timed = profiling.timed(lambda number: f"cell {number}", cell)
    timed(1)
    with pytest.raises(ValueError):
        timed(2)
    lines = [json.loads(line) for line in (tmp_path / "stamps.jsonl").read_text().splitlines()]
    assert [(line["stage"], line["edge"]) for line in lines] == [
        ("cell 1", "begin"), ("cell 1", "end"), ("cell 2", "begin"), ("cell 2", "end")]
    assert all(line["cpu"] >= 0 and line["wall"] > 0 for line in lines)


def test_an_unwritable_stamps_file_costs_only_the_stamp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(profiling, "STAMPS", str(tmp_path / "missing" / "stamps.jsonl"))
    assert profiling.timed("stage", lambda: 42)() == 42


def test_a_subprocess_stage_is_named_for_its_program() -> None:
    assert profiling._program_run(["/usr/bin/tesseract", "stdin", "stdout"]) == "run tesseract"
    assert profiling._program_run(args=["dot", "-Tpng"]) == "run dot"
    assert profiling._program_run("ls -l") == "run ls -l"


def test_the_benchmark_pairs_stamps_into_stages_without_counting_nested_ones_twice() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from profile_grade import stages

    def line(stage: str, edge: str, cpu: float, wall: float) -> dict[str, object]:
        return {"program": "autograder.check_side.check_process", "stage": stage, "edge": edge,
                "cpu": cpu, "children": 0.0, "wall": wall}

    found = {s.name: (round(s.cpu, 6), round(s.wall, 6)) for s in stages([
        line("main", "begin", 0.5, 10.0),  # 0.5 s of CPU since the fork: the start-up
        line("check a", "begin", 1.0, 11.0),
        line("run tesseract", "begin", 1.5, 12.0),
        line("run tesseract", "end", 2.5, 14.0),
        line("check a", "end", 3.0, 15.0),
        line("check b", "begin", 3.0, 15.0),  # killed before its end: no stage
        line("main", "end", 3.5, 16.0),
    ])}
    assert found["run tesseract"] == (1.0, 2.0)
    assert found["check a"] == (1.0, 2.0)  # 2 s of CPU and 4 s of wall, less tesseract's
    assert found["start-up: lock-down, to main (CPU since the fork)"][0] == 0.5
    assert found["other (outside every stage; a worker's wall: idle)"] == (1.0, 2.0)
    assert "main" not in found and "check b" not in found


def test_a_stage_function_that_is_gone_is_left_out() -> None:
    class Program:
        @staticmethod
        def main() -> int:
            return 0

    profiling._wrap(Program, "renamed_by_another_change", "cell")
    profiling._wrap(Program, "main", "main")
    assert not hasattr(Program, "renamed_by_another_change")
    assert Program.main.__wrapped__ is not None  # type: ignore[attr-defined]


def test_the_benchmark_reads_the_clean_room_and_its_worker_as_two_programs() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from profile_grade import PROGRAMS, by_program, stages

    from autograder.runner_side import clean_room

    def line(program: str, stage: str, edge: str, cpu: float, children: float = 0.0) -> dict[str, object]:
        return {"program": program, "stage": stage, "edge": edge, "cpu": cpu, "children": children, "wall": cpu}

    room, worker = "autograder.runner_side.clean_room", clean_room.WORKER_PROGRAM
    lines = [line(room, "main", "begin", 0.1), line(room, "trace (forwarded to the worker)", "begin", 0.1),
             line(worker, "main", "begin", 0.0), line(worker, "trace f", "begin", 0.05),
             line(worker, "trace f", "end", 0.45), line(room, "trace (forwarded to the worker)", "end", 0.12),
             line(room, "stop the worker", "begin", 0.12), line(room, "stop the worker", "end", 0.13, 0.45)]
    found = [stage for group in by_program(lines) for stage in stages(group)]
    cpu = {(s.program, s.name): round(s.cpu, 2) for s in found}
    assert cpu[("clean room", "trace (forwarded to the worker)")] == 0.02
    assert cpu[("clean room worker", "trace f")] == 0.4
    assert cpu[("clean room", "stop the worker")] == 0.01  # the reaped worker's CPU is counted once, as its own
    assert PROGRAMS[worker] == "clean room worker"
