"""``tfgrade review OUT``: the desk (:mod:`autograder.review`) served by uvicorn, on 127.0.0.1 and a free port
unless told otherwise.

The listening socket is bound here, before the URL is printed, so the port in the URL is the one served
(no race between choosing a free port and binding it) and a port already in use is an error at once.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from autograder.cli import commands
from autograder.cli.options import ReviewOptions, UsageError
from autograder.cli.seam import executors
from autograder.review import desk, regrade
from autograder.review.app import Settings, build
from autograder.review.auth import PASSWORD_ENV, Keys

if TYPE_CHECKING:
    from autograder.core.assignment import Assignment
    from autograder.core.scoring import Score
    from autograder.grading.execution import Executor

__all__ = ["run_review", "settings_for"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
OVERRIDES = "overrides.csv"
"""The overrides file's default name, in OUT: pass the course's own with --overrides."""


def run_review(o: ReviewOptions) -> int:
    settings = settings_for(o)
    listening = _bind(o.host, o.port)
    port = listening.getsockname()[1]
    url = f"http://{_url_host(o.host)}:{port}/?token={settings.keys.token}"
    print(f"The review desk of {o.out} is open at:\n\n    {url}\n", flush=True)
    print(f"Decisions go to {settings.overrides}. Stop the desk with Ctrl+C.", file=sys.stderr, flush=True)
    if o.host not in LOOPBACK and not settings.keys.password:
        print(f"warning: listening on {o.host} without a password: anyone with the link can decide. "
              f"Set one with --password or {PASSWORD_ENV}.", file=sys.stderr, flush=True)
    _serve(settings, listening)
    return 0


def settings_for(o: ReviewOptions) -> Settings:
    """The desk's settings; refuses a folder with no graded submission before anything listens."""
    out_desk = desk.read(o.out, None)
    if not out_desk.entries:
        raise UsageError(f"{o.out} holds no graded submissions ({o.out}/submissions/*/report.json). Grade first: "
                         f"tfgrade grade SUBMISSIONS --assignment NAME --out {o.out}")
    keys = Keys(password=o.password or os.environ.get(PASSWORD_ENV, ""))
    work = functools.partial(_regrade, o, functools.cache(lambda: _grading(o, out_desk.assignment)))
    return Settings(out=o.out, overrides=o.overrides or o.out / OVERRIDES, keys=keys,
                    language=o.lang or "en", regrader=work,
                    locate=lambda entry: regrade.locate(entry, o.submissions))


def _grading(o: ReviewOptions, assignment_name: str) -> tuple[Assignment, Executor]:
    """The assignment and executor of a regrade: loaded on the first one, as ``tfgrade grade`` loads them."""
    from autograder.grading import execution
    from autograder.sandbox import launcher as sandbox

    assignment = commands.load(o.assignment or assignment_name, o.course, o.lang)
    executor = executors()(sandbox.choose())
    execution.expect_isolation(executor, allowed=o.allow_unisolated)
    return assignment, executor


def _regrade(o: ReviewOptions, grading: Callable[[], tuple[Assignment, Executor]], entry: desk.Entry) -> Score:
    path = regrade.locate(entry, o.submissions)
    if path is None:
        raise FileNotFoundError(f"the submitted file of {entry.name}")
    assignment, executor = grading()
    return regrade.regrade_one(o.out, entry, path, assignment, executor)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as exc:
        listening.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another --port.") from exc
    listening.listen(128)
    return listening


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _serve(settings: Settings, listening: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(build(settings), log_level="warning", lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[listening])
    finally:
        listening.close()
