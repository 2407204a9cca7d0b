"""The thin CLI's own rules: every command has frozen options and a runner; options are checked before any
work; an error is printed once, by main; the help imports nothing heavy; each run_* stays short."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from factories import FakeExecutor, write_answer

from autograder import cli
from autograder.cli import authoring, options, seam
from autograder.cli.options import UsageError
from autograder.errors import TfgradeError

CLI = Path(cli.__file__).parent


def _commands() -> dict[str, argparse.ArgumentParser]:
    [found] = [a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found.choices)


def test_every_command_has_a_frozen_options_class_whose_fields_are_its_arguments_and_a_runner() -> None:
    parsers = _commands()

    assert set(cli.runners()) == set(parsers)
    for name, parser in parsers.items():
        kind = parser.get_default("options")
        dests = {a.dest for a in parser._actions if a.dest not in ("help", "options")}
        assert issubclass(kind, options.Options) and kind.__dataclass_params__.frozen, name
        assert {f.name for f in dataclasses.fields(kind)} == dests, name


def test_options_are_frozen_and_carry_what_was_typed(tmp_path: Path) -> None:
    args = cli._parser().parse_args(["grade", "a.ipynb", "b/", "-a", "autograph", "-o", str(tmp_path),
                                     "--export", "canvas", "--export", "csv", "--export", "canvas"])
    grade = options.from_args(args.options, args)

    assert isinstance(grade, options.GradeOptions)
    assert grade.submissions == ("a.ipynb", "b/") and grade.out == tmp_path
    assert grade.export == ("canvas", "csv", "canvas")
    assert grade.formats == ["canvas", "csv"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        grade.jobs = 3  # type: ignore[misc]
    catalogs = cli._parser().parse_args(["catalogs", "autograph"])
    assert options.from_args(catalogs.options, catalogs).lang == ()  # an append option never given: empty, not None


NOT_A_REGEX = "--student-id '([' is not a regular expression"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["grade", "x.ipynb", "-a", "autograph", "--student-id", "(["], NOT_A_REGEX),
        (["export", "out", "-f", "csv", "--student-id", "(["], NOT_A_REGEX),
    ],
)
def test_options_that_cannot_work_stop_the_command_before_anything_is_read(
    argv: list[str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "runners", lambda: pytest.fail("a command ran"))

    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tfgrade: {says}") and err.count("tfgrade:") == 1


def test_main_prints_a_tfgrade_error_once_and_exits_with_its_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Odd(TfgradeError):
        exit_code = 3

    def refuse(_options: object) -> int:
        raise Odd("the course folder is on a disk that went away")

    monkeypatch.setattr(cli, "runners", lambda: {"list": refuse})

    assert cli.main(["list"]) == 3
    assert capsys.readouterr().err == "tfgrade: the course folder is on a disk that went away\n"
    assert UsageError("x").exit_code == TfgradeError("x").exit_code == 2


def test_an_unknown_question_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: FakeExecutor())

    assert cli.main(["check", str(write_answer(tmp_path / "mine.ipynb")), "-q", "q9"]) == 2
    said = "\ntfgrade: This assignment has no question 'q9'; its questions are q1, q2, q3, q4.\n"
    assert said in capsys.readouterr().err


def test_only_main_prints_an_error() -> None:
    printed = [path.name for path in CLI.glob("*.py") if 'print(f"tfgrade: ' in path.read_text(encoding="utf-8")]

    assert printed == ["__init__.py"]


def _body_lines(function: object) -> int:
    """Lines of a function's body, its docstring left out."""
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    assert isinstance(node, ast.FunctionDef)
    body = node.body[1:] if ast.get_docstring(node) else node.body
    return (body[-1].end_lineno or 0) - body[0].lineno + 1


def test_each_command_runs_in_ten_lines_or_fewer() -> None:
    runners = {**cli.runners(), **{"mutants": authoring.run_mutants}}

    long = {name: n for name, run in runners.items() if (n := _body_lines(run)) > 10}
    assert long == {}


HEAVY = ("nbformat", "nbconvert", "nbclient", "jinja2", "IPython", "numpy", "tensorflow", "dask", "distributed",
         "packaging", "autograder.cli.commands", "autograder.grading.execution", "autograder.sandbox.launcher")


@pytest.mark.parametrize("argv", [["--help"], ["grade", "--help"], ["export", "--help"]])
def test_the_help_imports_nothing_heavy(argv: list[str]) -> None:
    """What the help imports, not how long it takes (benchmarks/cli_startup.py times it)."""
    probe = (f"import sys\nfrom autograder.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-P", "-c", probe], capture_output=True, text=True, check=True)

    assert done.stdout.splitlines()[-1] == ""


def test_with_a_scheduler_the_workers_grade_and_each_checks_its_own_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Dask wiring, without a cluster: the grader the batch gets, the workers' settings, and no refusal for
    this machine's missing sandbox (the workers decide)."""
    from autograder.grading.pipeline import grade
    from autograder.interop import distributed

    opened: list[tuple[str, distributed.WorkerSettings]] = []
    closed: list[bool] = []
    asked: list[int] = []
    on_workers = FakeExecutor()

    class FakeCluster:
        def __init__(self, scheduler: str, assignment: object, settings: distributed.WorkerSettings) -> None:
            opened.append((scheduler, settings))
            self.assignment = assignment

        def __call__(self, path: Path, data: bytes | None = None) -> object:
            return grade(path, self.assignment, on_workers, data=data)  # type: ignore[arg-type]

        def in_flight(self, jobs: int) -> int:
            asked.append(jobs)
            return jobs

        def __enter__(self) -> FakeCluster:
            return self

        def __exit__(self, *_exc: object) -> None:
            closed.append(True)

    here = FakeExecutor(isolated=False, isolation="not isolated (no bubblewrap)")
    monkeypatch.setattr(seam, "ProcessExecutor", lambda *_: here)
    monkeypatch.setattr(distributed, "DaskGrader", FakeCluster)
    path = write_answer(tmp_path / "alice.ipynb")

    code = cli.main(["grade", str(path), "-a", "autograph", "-o", str(tmp_path / "out"), "--scheduler", "tcp://x:1",
                     "--no-fork-server", "-j", "3"])

    assert code == 0 and closed == [True] and asked == [3]  # the cluster's threads may raise -j (in_flight)
    workers = distributed.WorkerSettings(sandbox=True, allow_unisolated=False, fork_server=False)
    assert opened == [("tcp://x:1", workers)]
    assert len(on_workers.calls) == 1 and here.calls == []
    assert "Isolation: each Dask worker checks its own sandbox" in capsys.readouterr().err
