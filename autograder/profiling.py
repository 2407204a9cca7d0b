"""Where a grade's CPU and wall time go, stage by stage: off unless ``TFGRADE_PROFILE=1``.

``benchmarks/profile_grade.py`` sets the variable in the fork server's environment. The server then
wraps the stages of the student, check and runner programs (:func:`install`) before it forks any of
them, and each stage appends two JSON lines (its begin and end: the process's CPU, its waited-for
children's CPU, a monotonic clock) to :data:`STAMPS`, in the sandbox's own ``/tmp``. The benchmark
reads that file through ``/proc/PID/root`` before the sandbox is stopped. Nothing crosses the
grader's channels, so no result or report changes. Off, nothing is wrapped or written.

Wrapping from here, rather than stamp calls in the programs, keeps the instrumentation in one file.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Generator, MutableMapping, Sequence
from types import ModuleType
from typing import Any

import pytest

VARIABLE = "TFGRADE_PROFILE"
STAMPS = "/tmp/tfgrade-profile.jsonl"


def enabled() -> bool:
    """The one place the switch is read (by the fork server, before it forks)."""
    return os.environ.get(VARIABLE) == "1"


def stamp(stage: str, edge: str) -> None:
    times = os.times()
    line = {"program": sys.argv[0] if sys.argv else "", "stage": stage, "edge": edge,
            "cpu": times.user + times.system, "children": times.children_user + times.children_system,
            "wall": time.monotonic()}
    try:
        with open(STAMPS, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
    except OSError:  # a full or missing /tmp costs the profile a line, never the grade
        pass


def timed(stage: str | Callable[..., str], function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with a begin and end stamp; ``stage`` may be named from the call's arguments."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = stage(*args, **kwargs) if callable(stage) else stage
        stamp(name, "begin")
        try:
            return function(*args, **kwargs)
        finally:
            stamp(name, "end")

    return wrapper


def _wrap(owner: Any, attribute: str, stage: str | Callable[..., str]) -> None:
    # A stage another change renamed is missing from the profile, rather than stopping the fork server.
    if hasattr(owner, attribute):
        setattr(owner, attribute, timed(stage, getattr(owner, attribute)))


def _wrap_table(table: MutableMapping[Any, Callable[..., Any]], prefix: str) -> None:
    for kind, handler in list(table.items()):
        table[kind] = timed(f"{prefix} {getattr(kind, 'op', kind)}", handler)


def install(programs: Sequence[ModuleType]) -> None:
    """Wrap the stages of the grader's programs, which the fork server preloaded and hands over.

    They come as modules, named by their last part, so that this module (on a floor below every side)
    imports none of them.
    """
    import subprocess

    by_name = {module.__name__.rsplit(".", 1)[-1]: module for module in programs}
    student_process, runner_process = by_name["student_process"], by_name["runner_process"]
    check_process, clean_room = by_name["check_process"], by_name["clean_room"]
    for module in (student_process, runner_process, check_process, clean_room):
        _wrap(module, "main", "main")
    _wrap(student_process, "_seed_everything", "seed")
    _wrap(student_process, "_run_cell", lambda _sock, _kernel, number, *_: f"cell {number}")
    _wrap_table(student_process.HANDLERS, "request")
    _wrap(runner_process, "_set_up", "set up")
    _wrap_table(runner_process.HANDLERS, "job")
    _install_clean_room(clean_room)
    _wrap(check_process.Student, "wait_until_executed", "wait for the notebook")
    _wrap(subprocess, "run", _program_run)
    pytest_main = pytest.main
    pytest.main = functools.wraps(pytest_main)(  # type: ignore[assignment]
        lambda args, plugins=(): pytest_main(args, plugins=[*plugins, _PytestStamps()]))


def _install_clean_room(clean_room: Any) -> None:
    """The clean room forwards each trace to its worker, which stamps its own stages under its own name.

    The worker's CPU is in its own stamps (the benchmark leaves the clean room's reaped children out
    of its figures), so the clean room's ``trace`` stage holds the forwarding and the wait.
    """
    _wrap(clean_room._Worker, "ask", "trace (forwarded to the worker)")
    _wrap(clean_room._Worker, "start", "fork the worker")
    _wrap(clean_room._Worker, "stop", "stop the worker")
    _wrap(clean_room, "_serve", "main")
    _wrap(clean_room, "_set_up", "set up")
    _wrap(clean_room, "_seeded", "seed")
    _wrap(clean_room, "answer", lambda request, *_: f"trace {str(request.get('name'))[:60]}")


def _program_run(command: Any = "", *_args: Any, **kwargs: Any) -> str:
    """``run tesseract``: a subprocess's CPU is in the caller's children's."""
    command = kwargs.get("args", command)
    return f"run {os.path.basename(str(command if isinstance(command, str) else command[0]))}"


class _PytestStamps:
    """Each check's whole protocol (its fixtures included), and the collection of the checks."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection(self) -> Generator[None, Any, None]:
        stamp("collect", "begin")
        yield
        stamp("collect", "end")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: Any) -> Generator[None, Any, None]:
        stamp(f"check {item.name}", "begin")
        yield
        stamp(f"check {item.name}", "end")
