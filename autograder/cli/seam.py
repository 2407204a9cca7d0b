"""The executor the commands grade with: the one seam tests replace
(``monkeypatch.setattr(seam, "ProcessExecutor", ...)``). Read at each use, imported on first use
(it imports the sandbox, which ``tfgrade --help`` never pays for)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from autograder.grading.execution import Executor, ProcessExecutor

__all__ = ["ProcessExecutor", "executors"]


def executors() -> Callable[..., Executor]:
    """The executor class, read from this module at each call."""
    found = globals()["ProcessExecutor"] if "ProcessExecutor" in globals() else __getattr__("ProcessExecutor")
    return cast("Callable[..., Executor]", found)


def __getattr__(name: str) -> Any:
    if name != "ProcessExecutor":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from autograder.grading.execution import ProcessExecutor

    return ProcessExecutor
