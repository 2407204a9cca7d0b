"""The narrow data-only channel between the student's process and the trusted check process.

A message is one frame: an 8-byte prefix (header length, array count), a JSON header, then each
array as ``.npy`` bytes with an 8-byte length. Arrays are read with ``allow_pickle=False``, so an
object array (or any pickle) from the student's process is refused. Every read is size-capped and
deadline-bound: the student's side may be hostile, slow or dead.

Values are JSON trees in which arrays appear as ``{"__array__": i, "kind": ...}``; see
:func:`decode_value`. Decoded values are plain Python and NumPy data, so no student ``__eq__``
ever runs on the trusted side.
"""

from __future__ import annotations

import io
import json
import math
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.errors import TfgradeError

PROTOCOL_VERSION = 1
_PREFIX = struct.Struct("!II")
_ARRAY_LEN = struct.Struct("!Q")
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_ARRAYS = 4096


class ProtocolError(TfgradeError):
    """The other side sent something that is not a well-formed message, or too much of it."""


class ChannelTimeout(ProtocolError):
    """No complete message arrived before the deadline."""


class ChannelClosed(ProtocolError):
    """The other side closed the channel (its process probably ended)."""


@dataclass(frozen=True)
class ArrayValue:
    """A tensor-like value from the student's process, as data.

    ``kind`` says what it was over there: ``tensor`` (an eager ``tf.Tensor``), ``variable``
    (a ``tf.Variable``), ``ndarray`` or ``numpy_scalar``.
    """

    kind: str
    array: np.ndarray

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)


@dataclass(frozen=True)
class OpaqueValue:
    """Something that cannot cross as data (a model, a function, a symbolic tensor...)."""

    type_name: str
    description: str


# --- framing -------------------------------------------------------------------------------


def send_message(sock: socket.socket, header: dict[str, Any], arrays: Sequence[np.ndarray] = ()) -> None:
    body = json.dumps(header, allow_nan=True, separators=(",", ":")).encode("utf-8")
    parts = [_PREFIX.pack(len(body), len(arrays)), body]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        data = buffer.getvalue()
        parts += [_ARRAY_LEN.pack(len(data)), data]
    sock.sendall(b"".join(parts))


def recv_message(
    sock: socket.socket, *, max_bytes: int, deadline: float | None
) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Read one message; ``deadline`` is a ``time.monotonic()`` value or None for no limit."""
    header_len, n_arrays = _PREFIX.unpack(_recv_exact(sock, _PREFIX.size, deadline))
    if header_len > min(max_bytes, MAX_HEADER_BYTES) or n_arrays > MAX_ARRAYS:
        raise ProtocolError(f"message too large ({header_len} header bytes, {n_arrays} arrays)")
    header = _parse_header(_recv_exact(sock, header_len, deadline))
    budget = max_bytes - header_len
    arrays = []
    for _ in range(n_arrays):
        (size,) = _ARRAY_LEN.unpack(_recv_exact(sock, _ARRAY_LEN.size, deadline))
        budget -= size
        if budget < 0:
            raise ProtocolError(f"reply larger than the {max_bytes}-byte limit")
        arrays.append(_load_array(_recv_exact(sock, size, deadline)))
    return header, arrays


def _parse_header(data: bytes) -> dict[str, Any]:
    try:
        header = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"header is not JSON: {type(exc).__name__}") from exc
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    if nested_deeper_than(header, MAX_HEADER_DEPTH):
        # Whoever reads the header later (str(), repr(), a check) must never hit the recursion limit.
        raise ProtocolError(f"header nested more than {MAX_HEADER_DEPTH} levels deep")
    return header


def nested_deeper_than(tree: Any, limit: int) -> bool:
    """Whether a JSON tree nests deeper than ``limit`` levels (iterative, so a deep tree cannot recurse here).

    Every parser of untrusted JSON uses it: code that walks or prints the tree later recurses.
    """
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


MAX_HEADER_DEPTH = 200
"""JSON nesting a header may have: ``decode_value`` allows 64 tagged levels (two JSON levels each)."""
MAX_NDIM = 32
MAX_DIMENSION = 2**40
"""Largest single dimension accepted; a larger one could only come with a zero elsewhere in the shape."""
ARRAY_KINDS = frozenset("biufcSUMm")
"""bool, ints, floats, complex, bytes, str, datetimes: plain values, no objects, records or sub-arrays."""
_NPY_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _load_array(data: bytes) -> np.ndarray:
    """Parse the .npy header ourselves and only accept what the payload really holds.

    ``np.load`` would allocate whatever size the header claims (a 64 GiB header is a memory
    bomb); here the claimed size must match the bytes received before anything is allocated.
    Every field of the header is checked, so a malformed one is a ProtocolError, never another
    exception that would end the check process.
    """
    stream = io.BytesIO(data)
    try:
        read_header = _NPY_READERS.get(np.lib.format.read_magic(stream))
        if read_header is None:
            raise ValueError("unsupported .npy format version")
        shape, fortran, dtype = read_header(stream)
    except Exception as exc:  # numpy's header parser may raise anything on hostile bytes
        raise ProtocolError(f"array payload is not a plain .npy array: {type(exc).__name__}") from exc
    _check_array_header(shape, fortran, dtype)
    body = data[stream.tell():]
    if math.prod(shape) * dtype.itemsize != len(body):
        raise ProtocolError("array payload size does not match its header")
    try:
        return np.frombuffer(body, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()
    except (ValueError, TypeError, OverflowError, MemoryError) as exc:
        raise ProtocolError(f"array payload cannot be rebuilt: {type(exc).__name__}") from exc


def _check_array_header(shape: Any, fortran: Any, dtype: np.dtype) -> None:
    if dtype.hasobject:
        raise ProtocolError("array payload holds Python objects")
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize == 0:
        raise ProtocolError(f"array payload has an unsupported dtype ({dtype.kind!r}, {dtype.itemsize} bytes)")
    if type(shape) is not tuple or len(shape) > MAX_NDIM:
        raise ProtocolError("array payload has a malformed shape")
    if not all(type(n) is int and 0 <= n <= MAX_DIMENSION for n in shape):
        raise ProtocolError("array payload has a negative, huge or non-integer dimension")
    if type(fortran) is not bool:
        raise ProtocolError("array payload has a malformed fortran_order flag")


def _recv_exact(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout("no answer before the deadline")
            sock.settimeout(remaining)
        else:
            sock.settimeout(None)
        try:
            chunk = sock.recv(min(size - len(chunks), 1 << 20))
        except TimeoutError as exc:
            raise ChannelTimeout("no answer before the deadline") from exc
        except OSError as exc:
            raise ChannelClosed(f"channel broke: {exc}") from exc
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks += chunk
    return bytes(chunks)


# --- values --------------------------------------------------------------------------------


def encode_plain(value: Any, arrays: list[np.ndarray]) -> Any:
    """Encode trusted-side data (Python scalars, lists, dicts, NumPy arrays) for the wire."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return _encode_float(value)
    if isinstance(value, np.ndarray | np.generic):
        arrays.append(np.asarray(value))
        return {"__array__": len(arrays) - 1, "kind": "ndarray"}
    if isinstance(value, list | tuple):
        return {"__list__" if isinstance(value, list) else "__tuple__": [encode_plain(v, arrays) for v in value]}
    if isinstance(value, dict) and all(type(k) is str for k in value):
        return {"__dict__": {k: encode_plain(v, arrays) for k, v in value.items()}}
    raise TypeError(f"cannot send a {type(value).__name__} to the student's process")


def _encode_float(value: float) -> Any:
    # JSON has no NaN/inf; keep them explicit rather than relying on non-standard JSON.
    return value if math.isfinite(value) else {"__float__": repr(value)}


def decode_value(tree: Any, arrays: Sequence[np.ndarray], depth: int = 0) -> Any:
    """Rebuild a value from the wire; raises ProtocolError on anything unexpected."""
    if depth > 64:
        raise ProtocolError("value nested too deeply")
    if tree is None or type(tree) in (bool, int, float, str):
        return tree
    if isinstance(tree, list):
        raise ProtocolError("bare JSON list in a value")
    if not isinstance(tree, dict) or len(tree) == 0:
        raise ProtocolError(f"unexpected value {type(tree).__name__}")
    return _decode_tagged(tree, arrays, depth)


def _decode_tagged(tree: dict[str, Any], arrays: Sequence[np.ndarray], depth: int) -> Any:
    if "__array__" in tree:
        return _decode_array(tree, arrays)
    if "__list__" in tree or "__tuple__" in tree:
        items = tree.get("__list__", tree.get("__tuple__"))
        if not isinstance(items, list):
            raise ProtocolError("malformed list")
        decoded = [decode_value(v, arrays, depth + 1) for v in items]
        return decoded if "__list__" in tree else tuple(decoded)
    if "__dict__" in tree:
        items = tree["__dict__"]
        if not isinstance(items, dict) or not all(type(k) is str for k in items):
            raise ProtocolError("malformed dict")
        return {k: decode_value(v, arrays, depth + 1) for k, v in items.items()}
    if "__float__" in tree:
        if tree["__float__"] not in ("nan", "inf", "-inf"):
            raise ProtocolError("malformed float")
        return float(tree["__float__"])
    if "__opaque__" in tree:
        return _decode_opaque(tree)
    raise ProtocolError("unknown value tag")


def _decode_array(tree: dict[str, Any], arrays: Sequence[np.ndarray]) -> ArrayValue:
    index, kind = tree["__array__"], tree.get("kind", "ndarray")
    if type(index) is not int or not 0 <= index < len(arrays):
        raise ProtocolError("array reference out of range")
    if type(kind) is not str or len(kind) > 40:
        raise ProtocolError("malformed array kind")
    return ArrayValue(kind=kind, array=arrays[index])


def _decode_opaque(tree: dict[str, Any]) -> OpaqueValue:
    type_name, description = tree["__opaque__"], tree.get("description", "")
    if type(type_name) is not str or type(description) is not str:
        raise ProtocolError("malformed opaque value")
    return OpaqueValue(type_name[:200], description[:500])
