"""Choosing a sandbox backend: the strongest isolation this machine offers, or why there is none.

A new backend is one file with an ``offer`` function plus one line in :data:`BACKENDS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from autograder.sandbox import bubblewrap, plain_warm
from autograder.sandbox.seam import Launcher
from autograder.sandbox.unisolated import Unisolated

Offer = Callable[[bool], "Launcher | str"]
"""A backend's ``offer(fork)``: a launcher (asked to start the grader's programs from a fork server when
``fork``), or in plain words why it cannot isolate here (then the next one is asked)."""

BACKENDS: tuple[Offer, ...] = (
    bubblewrap.offer,
)
"""The backends, strongest first."""


def detect(*, fork: bool = True) -> Launcher:
    """The first backend in :data:`BACKENDS` that isolates here, or :class:`Unisolated` saying why none does
    (:func:`~autograder.sandbox.plain_warm.offer`: with ``fork``, its programs forked from this user's warm server).

    With ``fork``, the grader's processes start from one shared fork server (TensorFlow imported
    once per grader, not twice per submission) instead of a fresh interpreter each, once the executor
    has named its programs (:meth:`~autograder.sandbox.seam.Launcher.with_programs`).
    """
    if sys.platform != "linux":
        return Unisolated(f"sandboxing needs Linux; this is {sys.platform}")
    reasons = []
    for offer in BACKENDS:
        found = offer(fork)
        if not isinstance(found, str):
            return found
        reasons.append(found)
    return plain_warm.offer("; ".join(reasons), fork)


def choose(*, sandbox: bool = True, fork: bool = True) -> Launcher:
    """The launcher for grading: the strongest isolation here, or none when the instructor turned the sandbox
    off (``--no-sandbox``, to measure its cost). Whether grading may go on without one is
    the executor's to say (its ``expect_isolation``)."""
    return detect(fork=fork) if sandbox else Unisolated("turned off with --no-sandbox")
