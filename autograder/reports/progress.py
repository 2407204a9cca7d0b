"""The progress line of long work (grade, validate, validate --mutants): which of how many, what happened,
the time spent and, from the pace so far, the time left."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


def line(number: int, total: int, what: str, elapsed: float) -> str:
    """``[3/12] what; elapsed 40 s, about 120 s left``."""
    left = elapsed / number * (total - number) if number else 0.0
    return f"[{number}/{total}] {what}; elapsed {elapsed:.0f} s, about {left:.0f} s left"


@dataclass
class Counter:
    """Counts finished items of ``total`` from when it was made; one line each (call from one thread at a time)."""

    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def next(self, what: str) -> str:
        self.done += 1
        return line(self.done, self.total, what, time.monotonic() - self.started)
