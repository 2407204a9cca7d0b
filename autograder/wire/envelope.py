"""The one envelope around every request and reply: ``id``, ``ok``, then ``result`` or ``error``.

The asking side sends a typed request (:mod:`autograder.wire.requests`) with a fresh ``id`` and
accepts only a reply that echoes it (:func:`call`); the serving side reads a header, decodes it into
its request type, runs that type's handler and writes the reply (:func:`serve`, :func:`answer`).
An unknown op, a malformed field or a handler that raises is an error reply, never a crash of the
server: the peer may be hostile. Frames, sizes and deadlines are :mod:`autograder.wire.protocol`'s.

Reply headers on the wire::

    {"id": ..., "ok": true, "result": <encoded value>}
    {"id": ..., "ok": false, "error": "...", "kind": "..."}   # "kind" only where a server says whose fault
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.errors import TfgradeError
from autograder.wire import protocol, requests
from autograder.wire.requests import Request

Handler = Callable[[Any, list[np.ndarray]], Any]
"""Answers one request type: ``(request, its arrays) -> value`` (or raises)."""
Handlers = Mapping[type[Request], Handler]
Encoder = Callable[[Any, list[np.ndarray]], Any]


@dataclass(frozen=True, eq=False)
class Reply:
    """A reply that echoed its request's id; ``result`` is still the encoded tree (see :meth:`value`)."""

    ok: bool
    result: Any = None
    error: str = ""
    kind: str = ""
    """Whose failure it was, where the server says (the clean room); else empty."""
    arrays: Sequence[np.ndarray] = field(default_factory=tuple)

    def value(self) -> Any:
        """The decoded result (a ProtocolError when it is malformed)."""
        return protocol.decode_value(self.result, self.arrays)


class Refused(TfgradeError):
    """Raised by a handler for an error reply of a given ``kind``."""

    def __init__(self, error: str, kind: str = "") -> None:
        super().__init__(error)
        self.error, self.kind = error, kind


@dataclass(frozen=True)
class Encoded:
    """A handler's value already encoded (a tree and its arrays): the envelope sends it as it is."""

    tree: Any
    arrays: list[np.ndarray]


def error_text(exc: BaseException) -> str:
    """``Type: message``, or just ``Type`` when the message is empty."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# --- the asking side -------------------------------------------------------------------------


def call(sock: socket.socket, request: Request, seconds: float, *, max_bytes: int,
         arrays: Sequence[np.ndarray] = ()) -> Reply:
    """Send ``request`` and wait up to ``seconds`` (from the end of the send) for its reply.

    Raises :class:`~autograder.wire.protocol.ChannelTimeout`, :class:`~autograder.wire.protocol.ChannelClosed`
    or another ProtocolError (a reply to another question, or without a status).
    """
    ident = secrets.token_hex(8)
    try:
        # A fresh timeout for the send: the last receive may have left a stale, nearly spent one.
        sock.settimeout(seconds)
        protocol.send_message(sock, {**request.to_wire(), "id": ident}, arrays)
    except TimeoutError as exc:  # a peer that never reads its requests
        raise protocol.ChannelTimeout("the request was not read before the deadline") from exc
    except OSError as exc:
        raise protocol.ChannelClosed(f"channel broke: {exc}") from exc
    header, reply_arrays = protocol.recv_message(sock, max_bytes=max_bytes, deadline=time.monotonic() + seconds)
    return read_reply(header, reply_arrays, ident)


def read_reply(header: dict[str, Any], arrays: Sequence[np.ndarray], ident: str) -> Reply:
    if header.get("id") != ident:
        raise protocol.ProtocolError("an answer to another question")
    ok, error, kind = header.get("ok"), header.get("error"), header.get("kind", "")
    # As the check side always read it: any status equal to true or false is one (1 is an error answer).
    if ok not in (True, False) or (ok is False and type(error) is not str):
        raise protocol.ProtocolError("reply without a status")
    if ok is True:
        return Reply(True, result=header.get("result"), arrays=arrays)
    return Reply(False, error=str(error), kind=kind if type(kind) is str else "")


# --- the serving side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """How one endpoint answers: its handlers, how it encodes values, and which exceptions are answers."""

    handlers: Handlers
    encode: Encoder = protocol.encode_plain
    catch: tuple[type[BaseException], ...] = (Exception,)
    describe: Callable[[BaseException], str] = error_text


def answer(server: Server, header: Mapping[str, Any], arrays: list[np.ndarray]
           ) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The reply (without its id) to one request header."""
    try:
        request = requests.decode(header, server.handlers)
    except protocol.ProtocolError as exc:
        return failure(str(exc)), []
    out: list[np.ndarray] = []
    try:
        value = server.handlers[type(request)](request, arrays)
        tree = _encoded(server, value, out)
    except Refused as refused:
        return failure(refused.error, refused.kind), []
    except server.catch as exc:
        return failure(server.describe(exc)), []
    return {"ok": True, "result": tree}, out


def _encoded(server: Server, value: Any, out: list[np.ndarray]) -> Any:
    if isinstance(value, Encoded):
        out.extend(value.arrays)
        return value.tree
    return server.encode(value, out)


def failure(error: str, kind: str = "") -> dict[str, Any]:
    return {"ok": False, "error": error, **({"kind": kind} if kind else {})}


def send_reply(sock: socket.socket, request: Mapping[str, Any], reply: dict[str, Any],
               arrays: Sequence[np.ndarray] = ()) -> None:
    """The reply echoes the request's id: the asking side accepts no answer to another question."""
    protocol.send_message(sock, {**reply, "id": request.get("id")}, arrays)


def serve(sock: socket.socket, server: Server, *, max_bytes: int,
          ends: tuple[type[BaseException], ...] = (protocol.ChannelClosed,)) -> None:
    """Answer requests until the peer closes the channel (or one of ``ends`` is raised)."""
    while True:
        try:
            header, arrays = protocol.recv_message(sock, max_bytes=max_bytes, deadline=None)
            reply, out = answer(server, header, arrays)
            send_reply(sock, header, reply, out)
        except ends:
            return
