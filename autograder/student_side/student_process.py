"""Runs INSIDE the student's process: execute the notebook's code cells, then answer requests.

Cells run one by one in IPython, as a Jupyter kernel runs them (:mod:`autograder.student_side.kernel`),
each under the cell timer; an error, a timeout or ``sys.exit`` ends only its cell, and whatever
processes the cell started end with it.

Nothing here is trusted by the grader. Student code shares this interpreter and may patch any of
it. The checks take only two things from here: values that student code computes on inputs it has
never seen, and artifacts (frozen graphs, ``.keras`` archives) that the grader's own runner
examines, runs and times. Whatever this process says about *how* code runs is never believed.
This module only has to be honest for honest students, and must never hand over anything but data.

Run as ``python -I -m autograder.student_side.student_process --fd N --cells cells.json --seed S``.
"""

from __future__ import annotations

import argparse
import builtins
import json
import os
import signal
import socket
import sys
import time
import traceback
import types

import numpy as np

from autograder import clock, i18n, messages
from autograder.student_side import handlers, kernel, processes
from autograder.student_side.handlers import HANDLERS, encode_student_value
from autograder.wire import GRADING_VARIABLE, protocol

__all__ = ["HANDLERS", "encode_student_value", "main"]


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    # Compiled now, before any student code runs and could change what the catalog reads.
    i18n.set_language(args.lang)
    i18n.translations()
    sock = socket.socket(fileno=args.fd)
    if args.data and not os.path.lexists("data"):
        os.symlink(args.data, "data")
    with open(args.cells, encoding="utf-8") as handle:
        job = json.load(handle)
    _seed_everything(args.seed, tensorflow=bool(job.get("tensorflow")))
    os.environ[GRADING_VARIABLE] = "1"
    cells = job["cells"]
    notebook = kernel.Kernel(_fresh_main_module())
    processes.adopt_orphans()
    signal.signal(signal.SIGPROF, _stop_cell)
    signal.signal(signal.SIGALRM, _backstop)
    for cell in cells:
        _run_cell(sock, notebook, int(cell["cell"]), str(cell["source"]), args.cell_seconds)
    protocol.send_message(sock, {"event": "ready"})
    handlers.serve(sock, notebook.namespace)
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="autograder.student_side.student_process")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--cells", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--cell-seconds", type=float, required=True)
    parser.add_argument("--data", help="the assignment's data folder, linked as data/ in the working folder")
    parser.add_argument("--lang", default=i18n.DEFAULT, choices=i18n.LANGUAGES,
                        help="the language of the cell errors and limits this process words (the submission's)")
    return parser.parse_args(argv)


def _seed_everything(seed: int, *, tensorflow: bool) -> None:
    import random

    random.seed(seed)
    np.random.seed(seed)
    if not tensorflow:
        return
    import tensorflow as tf

    # One thread each: timings stay comparable under load, and results bitwise stable.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    keras.utils.set_random_seed(seed)


def _fresh_main_module() -> types.ModuleType:
    # Cells run in a real ``__main__`` module so classes they define can be found by name
    # (Keras serialization looks them up), as in a Jupyter kernel (IPython makes it sys.modules["__main__"]).
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    return module


class CellTimeout(BaseException):
    """Raised into a cell that runs too long. A BaseException, so `except Exception` won't hide it."""


def _stop_cell(_signum: int, _frame: object) -> None:
    _stop_timers()
    raise CellTimeout(messages.CELL_TIMEOUT.format(seconds=_Backstop.limit))


class _Backstop:
    """The cell's backstop: :data:`BACKSTOP` times its CPU limit in unhindered time (wall time less
    the time this process's threads waited for a CPU), for a cell that sleeps or blocks.

    ``ITIMER_REAL`` fires at the wall-clock mark; if load made the process wait meanwhile, the
    timer is set again for what is left, so only the cell's own time counts.
    """

    seconds = 0.0
    started = 0.0
    waited = 0.0
    limit = 0.0
    """The cell's limit in CPU seconds, which its timeout message names."""


BACKSTOP = 3.0
"""As in ``channel/budget.py`` (this module runs in the student's process and imports no more than it must)."""


def _backstop(_signum: int, _frame: object) -> None:
    left = _Backstop.seconds - (time.monotonic() - _Backstop.started - (clock.own_waiting_seconds() - _Backstop.waited))
    if left > 0.05:
        signal.setitimer(signal.ITIMER_REAL, left)
        return
    _stop_cell(_signum, _frame)


def _start_timers(seconds: float) -> None:
    """The cell's CPU time (``ITIMER_PROF``: every thread of this process) and its backstop."""
    _Backstop.limit, _Backstop.seconds, _Backstop.started = seconds, BACKSTOP * seconds, time.monotonic()
    _Backstop.waited = clock.own_waiting_seconds()
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, BACKSTOP * seconds)


def _stop_timers() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


def _run_cell(sock: socket.socket, notebook: kernel.Kernel, number: int, source: str, seconds: float) -> None:
    protocol.send_message(sock, {"event": "cell_start", "cell": number})
    error = None
    with processes.processes_end_with_the_cell():
        try:
            _start_timers(seconds)
            failure = notebook.run(number, source)
        except BaseException as exc:  # noqa: BLE001 - a timeout between IPython's steps is a cell error too
            failure = exc
        finally:
            _stop_timers()
    if failure is not None:
        error = _describe_error(failure, kernel.cell_filename(number))
    sys.stdout.flush()
    sys.stderr.flush()
    protocol.send_message(sock, {"event": "cell_end", "cell": number, "error": error})


def _describe_error(exc: BaseException, filename: str) -> str:
    if isinstance(exc, SyntaxError) and exc.filename == filename and exc.lineno:
        # Found before the cell ran, so no frame of the cell: the error knows its own line.
        text = f"{type(exc).__name__}: {exc.msg}" if exc.msg else type(exc).__name__
        return messages.ERROR_AT_LINE.format(error=text[:500], line=exc.lineno)
    line = next(
        (f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == filename),
        None,
    )
    text = _error_text(exc)[:500]
    return messages.ERROR_AT_LINE.format(error=text, line=line) if line else text


def _error_text(exc: BaseException) -> str:
    """``Type: message``, or just ``Type`` when the message is empty (``raise NotImplementedError``)."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


if __name__ == "__main__":
    raise SystemExit(main())
