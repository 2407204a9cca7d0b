"""How Dask workers isolate student code: the settings that both the grader's side
(:mod:`autograder.interop.distributed`) and the worker's (:mod:`autograder.interop.dask_worker`) read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerSettings:
    """How workers isolate student code: the same choices as ``tfgrade grade`` makes on one machine."""

    sandbox: bool = True
    """False with ``--no-sandbox``: student code runs unisolated on the workers too."""
    allow_unisolated: bool = False
    """With ``--allow-unisolated``: a worker without a sandbox grades anyway (reports say so)."""
    fork_server: bool = True
    """False with ``--no-fork-server``."""
