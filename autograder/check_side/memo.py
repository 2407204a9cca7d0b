"""Results a batch's check processes share through the grader: the same bytes are examined once.

Some work of a check depends only on bytes the check process holds and on the grader's own tools,
never on which student sent them: the text Tesseract reads in a PNG image, for instance. A class
that draws the same model with the same options sends byte-identical diagrams, and reading one costs
more than half a second of CPU. So a check process asks the grader (``memo_get`` on its control
channel, :mod:`autograder.grading.execution`) before it does such work, and tells it the result
(``memo_put``) after.

What keeps it honest:

* The grader holds the entries, in memory, for one executor (one batch). Only check processes reach
  it, over their control channel; no student, runner or clean-room process has that channel, so none
  can plant an entry.
* A key is the SHA-256 of what the work read (its kind, its settings and the bytes), computed by the
  check process itself; a value is what the trusted tool gave for exactly those bytes. A student can
  choose the bytes, but then the entry is the true result for them.
* Only complete results are kept: a tool that failed or ran out of time is asked again next time.
* The store is bounded; when it is full, work is simply done again. Anything wrong with the channel
  means the same: the work is done in the check process, as without a memo.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

from autograder.wire import envelope, protocol, requests

MAX_VALUE_BYTES = 16 * 1024
"""A longer result (as JSON) is not shared: a diagram's text is a few hundred characters."""
MAX_ENTRIES = 4096
MAX_REQUEST_BYTES = MAX_VALUE_BYTES + 1024
"""The largest control request the grader reads: a ``memo_put`` of the longest value, and its key."""
REPLY_SECONDS = 30.0


class Store:
    """The grader's side: entries for one batch, shared by the threads that serve its check processes."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._values: dict[str, str] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self.hits = 0
        """How many times a check process got a result it did not have to work out (for benchmarks)."""

    def get(self, key: object) -> str | None:
        with self._lock:
            value = self._values.get(key) if isinstance(key, str) else None
            self.hits += value is not None
            return value

    def put(self, key: object, value: object) -> bool:
        """Keep ``value`` under ``key``; False (and nothing kept) when either is malformed or the store is full."""
        if not (_is_key(key) and isinstance(value, str) and _fits(value)):
            return False
        with self._lock:
            if len(self._values) >= self._max_entries and key not in self._values:
                return False
            self._values.setdefault(str(key), value)  # the first result stands: every later one is the same
        return True

    def handlers(self) -> dict[type[requests.Request], envelope.Handler]:
        """How the grader's control channel answers ``memo_get`` (the value or None) and ``memo_put`` (kept?)."""
        return {requests.MemoGet: lambda request, _arrays: self.get(request.key),
                requests.MemoPut: lambda request, _arrays: self.put(request.key, request.value)}


def key_of(kind: str, data: bytes) -> str:
    """The key of the work ``kind`` (its tool and settings) on ``data``."""
    return hashlib.sha256(kind.encode("utf-8") + b"\0" + data).hexdigest()


def _fits(value: str) -> bool:
    return len(json.dumps(value)) <= MAX_VALUE_BYTES


def _is_key(key: object) -> bool:
    return isinstance(key, str) and len(key) == 64 and all(c in "0123456789abcdef" for c in key)


class Client:
    """The check process's side, over its control channel (None: no grader to ask, so no memo)."""

    def __init__(self, control: socket.socket | None) -> None:
        self._control = control

    def remembered(self, kind: str, data: bytes, compute: Callable[[], str]) -> str:
        """What ``compute()`` gives for ``data``: from the grader when a check process of this batch
        already worked it out for the same bytes, else computed here and offered to the grader."""
        key = key_of(kind, data)
        known = self._ask(requests.MemoGet(key))
        if isinstance(known, str):
            return known
        value = compute()
        if _fits(value):  # a longer one would overflow the grader's control channel
            self._ask(requests.MemoPut(key, value))
        return value

    def _ask(self, request: requests.Request) -> Any:
        """The grader's answer, or None when there is none to use."""
        if self._control is None:
            return None
        try:
            reply = envelope.call(self._control, request, REPLY_SECONDS, max_bytes=MAX_REQUEST_BYTES)
            return reply.value() if reply.ok else None
        except (OSError, protocol.ProtocolError):
            self._control = None  # a channel out of step is not used again: the work is done here
            return None


_CURRENT: list[Client] = [Client(None)]
"""The check process's client, set once at its start (:func:`use`); ``checks.remembered`` asks through it.
Kept here, on the check side, so that the check process sets it without importing the check library."""


def use(client: Client) -> None:
    """Where ``checks.remembered`` asks: the check process sets it before any check runs."""
    _CURRENT[:] = [client]


def current() -> Client:
    return _CURRENT[0]
