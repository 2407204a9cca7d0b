"""An in-memory peer for tests: serves typed handlers on one end of a socket pair, in a thread.

Check-side code (``Student``, ``Runner``, the memo and clock clients) takes a socket; hand it
:attr:`FakePeer.sock` and give the peer the handlers the real process would have::

    with FakePeer({requests.Get: lambda request, arrays: 42}, events=[{"event": "ready"}]) as peer:
        assert Student(peer.sock, cells=[], ...).get("x") == 42
    assert peer.requests == [requests.Get("x")]
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder.wire import envelope, protocol
from autograder.wire.envelope import Handler, Handlers

MAX_BYTES = 1 << 30


class FakePeer:
    """Answers like a real endpoint (same envelope, same encoding) and keeps what it was asked."""

    def __init__(self, handlers: Handlers, *, encode: envelope.Encoder = protocol.encode_plain,
                 events: Sequence[dict[str, Any]] = ()) -> None:
        """``events``: messages sent before any request is served (a student's ``{"event": "ready"}``)."""
        self.requests: list[Any] = []
        self._events = tuple(events)
        recorded = {kind: self._recording(handler) for kind, handler in handlers.items()}
        self._server = envelope.Server(recorded, encode=encode)
        self.sock, self._theirs = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _recording(self, handler: Handler) -> Callable[[Any, list[np.ndarray]], Any]:
        def recorded(request: Any, arrays: list[np.ndarray]) -> Any:
            self.requests.append(request)
            return handler(request, arrays)

        return recorded

    def _serve(self) -> None:
        with self._theirs:
            for event in self._events:
                protocol.send_message(self._theirs, event)
            envelope.serve(self._theirs, self._server, max_bytes=MAX_BYTES, ends=(protocol.ProtocolError, OSError))

    def __enter__(self) -> FakePeer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.sock.close()
        self._thread.join(10.0)
