"""Run cells in a real student process (real IPython), then ask it for values: for the kernel's tests."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.grading import capped_reader, execution
from autograder.sandbox import forkserver
from autograder.sandbox import launcher as sandbox
from autograder.wire import protocol

RESOURCES = sandbox.Resources(memory_bytes=4 << 30, processes=256, tmp_bytes=1 << 28)


@dataclass
class Run:
    """A student process that ran its cells: each cell's error, and a channel to ask for names."""

    errors: dict[int, str | None]
    sock: socket.socket
    output: list[str] = field(default_factory=list)
    _ids: int = 0

    def get(self, name: str) -> Any:
        self._ids += 1
        protocol.send_message(self.sock, {"op": "get", "name": name, "id": self._ids})
        reply, arrays = protocol.recv_message(self.sock, max_bytes=1 << 24, deadline=time.monotonic() + 60)
        assert reply.get("ok"), reply.get("error")
        value = protocol.decode_value(reply["result"], arrays)
        return getattr(value, "array", value)

    def error_of(self, cell: int) -> str:
        error = self.errors[cell]
        assert error is not None, f"cell {cell} ran without an error"
        return error


@contextmanager
def ran(
    tmp_path: Path, cells: list[str], *, launcher: sandbox.Launcher | None = None, cell_seconds: float = 30,
    tensorflow: bool = False, resources: sandbox.Resources = RESOURCES,
) -> Iterator[Run]:
    """Cells numbered from 1, run by ``launcher`` (plain processes by default) as the grader runs them."""
    launcher = launcher or sandbox.Unisolated("a test of the student's process")
    cells_file = tmp_path / "cells.json"
    numbered = [{"cell": n, "source": source} for n, source in enumerate(cells, start=1)]
    cells_file.write_text(json.dumps({"cells": numbered, "tensorflow": tensorflow}))
    (tmp_path / "student").mkdir()
    ours, theirs = socket.socketpair()
    env = {**forkserver.ENV, "HOME": "/tmp" if launcher.isolated else str(tmp_path)}
    with ours, theirs:
        running = launcher.start(
            sandbox.Program(execution.STUDENT_PROGRAM, (
                "--fd", str(theirs.fileno()), "--cells", execution.STUDENT_CELLS, "--seed", "7",
                "--cell-seconds", str(cell_seconds))),
            role="student", pass_fds=[theirs.fileno()], binds=[sandbox.Bind(cells_file, execution.STUDENT_CELLS)],
            cwd=execution.STUDENT_WORKDIR, host_cwd=tmp_path / "student", env=env, resources=resources,
        )
        theirs.close()
        output = capped_reader.CappedReader(running.stdout, 1 << 20)
        try:
            errors = _follow(ours, deadline=time.monotonic() + cell_seconds * len(cells) + 120)
            run = Run(errors, ours)
            yield run
        finally:
            running.stop()
            run_output = output.text()
    run.output.append(run_output)


def _follow(sock: socket.socket, deadline: float) -> dict[int, str | None]:
    errors: dict[int, str | None] = {}
    while True:
        event, _ = protocol.recv_message(sock, max_bytes=1 << 20, deadline=deadline)
        if event["event"] == "ready":
            return errors
        if event["event"] == "cell_end":
            errors[int(event["cell"])] = event["error"]
