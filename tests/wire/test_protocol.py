"""The data-only channel: framing over a socket, and the value encoding inside a frame."""

from __future__ import annotations

import io
import json
import math
import pickle
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from autograder.wire import protocol
from autograder.wire.protocol import (
    ArrayValue,
    ChannelClosed,
    ChannelTimeout,
    OpaqueValue,
    ProtocolError,
    decode_value,
    encode_plain,
    recv_message,
    send_message,
)

LIMIT = 1 << 20


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    with a, b:
        yield a, b


def frame(header: bytes, *payloads: bytes) -> bytes:
    """A message built by hand, so tests can send what ``send_message`` never would."""
    parts = [struct.pack("!II", len(header), len(payloads)), header]
    for data in payloads:
        parts += [struct.pack("!Q", len(data)), data]
    return b"".join(parts)


def npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def soon() -> float:
    return time.monotonic() + 1.0


# -- framing ----------------------------------------------------------------------------------


def test_header_and_arrays_round_trip(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    arrays = [
        np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32),
        np.arange(5, dtype=np.int64) - 2,
        np.array([True, False, True]),
        np.array(7.5),
    ]
    header = {"op": "call", "name": "simple_nn", "nested": {"n": [1, 2]}, "nan": float("nan")}

    send_message(a, header, arrays)
    got_header, got_arrays = recv_message(b, max_bytes=LIMIT, deadline=soon())

    assert {k: v for k, v in got_header.items() if k != "nan"} == {
        "op": "call", "name": "simple_nn", "nested": {"n": [1, 2]}
    }
    assert math.isnan(got_header["nan"])
    assert [x.dtype for x in got_arrays] == [np.float32, np.int64, np.bool_, np.float64]
    assert [x.shape for x in got_arrays] == [(2, 2), (5,), (3,), ()]
    for sent, got in zip(arrays, got_arrays, strict=True):
        np.testing.assert_array_equal(got, sent)


def test_several_messages_arrive_in_order(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    for n in range(3):
        send_message(a, {"n": n}, [np.full(2, n)])

    got = [recv_message(b, max_bytes=LIMIT, deadline=soon()) for _ in range(3)]

    assert [h["n"] for h, _ in got] == [0, 1, 2]
    assert [arrays[0].tolist() for _, arrays in got] == [[0, 0], [1, 1], [2, 2]]


def test_object_array_payload_is_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    evil = np.array([{"__reduce__": "os.system"}, None], dtype=object)
    a.sendall(frame(b'{"ok":true}', npy(evil, allow_pickle=True)))

    with pytest.raises(ProtocolError, match="holds Python objects"):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_raw_pickle_payload_is_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(frame(b'{"ok":true}', pickle.dumps({"a": 1})))

    with pytest.raises(ProtocolError, match="not a plain .npy array"):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_header_longer_than_max_bytes_is_refused_before_reading_it(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    a.sendall(struct.pack("!II", 1000, 0))  # the 1000 header bytes are never sent

    with pytest.raises(ProtocolError, match="message too large \\(1000 header bytes, 0 arrays\\)"):
        recv_message(b, max_bytes=100, deadline=soon())


def test_header_over_the_absolute_cap_is_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(struct.pack("!II", protocol.MAX_HEADER_BYTES + 1, 0))

    with pytest.raises(ProtocolError, match="message too large"):
        recv_message(b, max_bytes=protocol.MAX_HEADER_BYTES * 4, deadline=soon())


def test_too_many_arrays_are_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(struct.pack("!II", 2, protocol.MAX_ARRAYS + 1))

    with pytest.raises(ProtocolError, match=f"{protocol.MAX_ARRAYS + 1} arrays"):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_arrays_over_the_byte_budget_are_refused(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    send_message(a, {"ok": True}, [np.zeros(100, dtype=np.float64)])  # ~900 bytes of .npy

    with pytest.raises(ProtocolError, match="larger than the 300-byte limit"):
        recv_message(b, max_bytes=300, deadline=soon())


def test_nothing_sent_before_the_deadline_times_out(pair: tuple[socket.socket, socket.socket]) -> None:
    _, b = pair

    with pytest.raises(ChannelTimeout, match="no answer before the deadline"):
        recv_message(b, max_bytes=LIMIT, deadline=time.monotonic() + 0.05)


def test_deadline_already_passed_times_out(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    send_message(a, {"late": True})

    with pytest.raises(ChannelTimeout):
        recv_message(b, max_bytes=LIMIT, deadline=time.monotonic() - 1)


def test_half_a_message_then_silence_times_out(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(frame(b'{"ok":true}')[:6])

    with pytest.raises(ChannelTimeout):
        recv_message(b, max_bytes=LIMIT, deadline=time.monotonic() + 0.05)


def test_closed_peer_is_reported(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.close()

    with pytest.raises(ChannelClosed, match="the other side closed the channel"):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_peer_closing_mid_message_is_reported(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(frame(b'{"ok":true}')[:10])
    a.close()

    with pytest.raises(ChannelClosed):
        recv_message(b, max_bytes=LIMIT, deadline=None)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"not json at all", "header is not JSON"),
        (b"\xff\xfe{}", "header is not JSON"),
        (b"[1, 2]", "header is not a JSON object"),
        (b'"ok"', "header is not a JSON object"),
    ],
)
def test_header_must_be_a_json_object(
    pair: tuple[socket.socket, socket.socket], header: bytes, message: str
) -> None:
    a, b = pair
    a.sendall(frame(header))

    with pytest.raises(ProtocolError, match=message):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_deeply_nested_header_is_a_protocol_error(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(frame(b"[" * 100_000))

    with pytest.raises(ProtocolError):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


# -- values -----------------------------------------------------------------------------------


def wire(tree: Any) -> Any:
    """What the tree looks like after a trip through strict JSON (no NaN/inf allowed)."""
    return json.loads(json.dumps(tree, allow_nan=False))


def test_plain_values_round_trip_through_strict_json() -> None:
    value = {
        "list": [1, -2, 2.5, "text", None, True, False],
        "tuple": (1, ("nested", [None])),
        "dict": {"inner": {"deeper": []}},
        "specials": [float("inf"), float("-inf")],
    }
    arrays: list[np.ndarray] = []

    decoded = decode_value(wire(encode_plain(value, arrays)), arrays)

    assert decoded == value
    assert arrays == []
    assert type(decoded["tuple"]) is tuple and type(decoded["tuple"][1]) is tuple
    assert type(decoded["list"]) is list


def test_nan_round_trips() -> None:
    arrays: list[np.ndarray] = []

    decoded = decode_value(wire(encode_plain([float("nan")], arrays)), arrays)

    assert len(decoded) == 1 and math.isnan(decoded[0])


def test_arrays_travel_beside_the_tree() -> None:
    arrays: list[np.ndarray] = []
    value = [np.arange(3, dtype=np.int64), {"scalar": np.float32(1.5)}]

    tree = wire(encode_plain(value, arrays))
    decoded = decode_value(tree, arrays)

    assert tree == {"__list__": [{"__array__": 0, "kind": "ndarray"},
                                 {"__dict__": {"scalar": {"__array__": 1, "kind": "ndarray"}}}]}
    first, second = decoded[0], decoded[1]["scalar"]
    assert isinstance(first, ArrayValue) and isinstance(second, ArrayValue)
    assert first.kind == "ndarray" and first.shape == (3,) and first.dtype == np.int64
    assert second.shape == () and second.dtype == np.float32 and second.array == 1.5


@pytest.mark.parametrize(
    "value",
    [{1, 2}, object(), {1: "int key"}, b"bytes", [lambda: 0]],
    ids=["set", "object", "int-key-dict", "bytes", "function-in-list"],
)
def test_encode_refuses_what_is_not_plain_data(value: Any) -> None:
    with pytest.raises(TypeError, match="cannot send a .* to the student's process"):
        encode_plain(value, [])


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ({"__mystery__": 1}, "unknown value tag"),
        ({"__array__": 1}, "array reference out of range"),
        ({"__array__": -1}, "array reference out of range"),
        ({"__array__": True}, "array reference out of range"),
        ({"__array__": "0"}, "array reference out of range"),
        ([1, 2], "bare JSON list"),
        ({}, "unexpected value dict"),
        ({"__list__": {"a": 1}}, "malformed list"),
        ({"__dict__": [1]}, "malformed dict"),
        ({"__list__": [[1]]}, "bare JSON list"),
    ],
)
def test_decode_rejects_malformed_trees(tree: Any, message: str) -> None:
    one_array = [np.zeros(1)]

    with pytest.raises(ProtocolError, match=message):
        decode_value(tree, one_array)


def test_decode_rejects_too_deep_nesting() -> None:
    tree: Any = 1
    for _ in range(70):
        tree = {"__list__": [tree]}

    with pytest.raises(ProtocolError, match="nested too deeply"):
        decode_value(tree, [])


def test_decode_accepts_nesting_within_the_limit() -> None:
    tree: Any = 1
    for _ in range(60):
        tree = {"__list__": [tree]}

    value = decode_value(tree, [])
    for _ in range(60):
        value = value[0]

    assert value == 1


def test_decode_rejects_a_float_tag_that_is_not_a_number() -> None:
    with pytest.raises(ProtocolError):
        decode_value({"__float__": "not a number"}, [])


class SneakyInt(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


class SneakyStr(str):
    pass


@pytest.mark.parametrize("tree", [SneakyInt(3), SneakyStr("x"), 1 + 2j, b"raw"])
def test_decode_refuses_anything_but_exact_json_types(tree: Any) -> None:
    with pytest.raises(ProtocolError, match="unexpected value"):
        decode_value(tree, [])


def test_decoded_scalars_are_exact_builtin_types() -> None:
    decoded = decode_value(
        {"__list__": [3, 2.5, "s", True, None, {"__float__": "inf"}]}, []
    )

    assert [type(v) for v in decoded] == [int, float, str, bool, type(None), float]


def test_opaque_values_are_plain_and_bounded() -> None:
    decoded = decode_value({"__opaque__": "M" * 300, "description": "d" * 600}, [])

    assert isinstance(decoded, OpaqueValue)
    assert decoded.type_name == "M" * 200
    assert decoded.description == "d" * 500


def test_array_kind_says_what_it_was_in_the_student_process() -> None:
    decoded = decode_value({"__array__": 0, "kind": "variable"}, [np.ones(2)])

    assert decoded.kind == "variable"
    assert decoded.shape == (2,)


def test_npy_header_claiming_more_than_it_carries_is_refused_without_allocating(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    header = ("{'descr': '<f8', 'fortran_order': False, 'shape': (8000000000,), }".ljust(118) + "\n").encode()
    payload = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    a.sendall(frame(b'{"ok":true}', payload + b"\0" * 64))

    with pytest.raises(ProtocolError, match="size does not match its header"):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_fortran_order_arrays_round_trip(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    array = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    send_message(a, {"ok": True}, [array])
    _, [got] = recv_message(b, max_bytes=LIMIT, deadline=soon())
    np.testing.assert_array_equal(got, array)


# -- hostile .npy headers: every malformed one is a ProtocolError, never another exception --------


def npy_by_hand(header: str, body: bytes = b"", version: bytes = b"\x01\x00") -> bytes:
    """An .npy payload with a header dict written by hand (numpy would refuse to write most of these)."""
    text = (header.ljust(118) + "\n").encode("latin1")
    size = len(text).to_bytes(2 if version == b"\x01\x00" else 4, "little")
    return b"\x93NUMPY" + version + size + text + body


def header(shape: str = "(1,)", descr: str = "'|u1'", fortran: str = "False") -> str:
    return f"{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape}, }}"


HOSTILE_NPY = {
    "negative-dims-that-multiply-to-the-size": npy_by_hand(header("(-1, -8)"), b"\0" * 8),
    "one-negative-dim": npy_by_hand(header("(-2,)")),
    "huge-dim-times-zero": npy_by_hand(header(f"({2**70}, 0)")),
    "dims-past-numpys-intp": npy_by_hand(header(f"({2**63}, {2**63}, 0)")),
    "bool-dims": npy_by_hand(header("(True, True)"), b"\0"),
    "float-dim": npy_by_hand(header("(1.0,)"), b"\0"),
    "shape-not-a-tuple": npy_by_hand(header("[1]"), b"\0"),
    "seventy-dims": npy_by_hand(header("(" + "1, " * 70 + ")"), b"\0"),
    "zero-size-void": npy_by_hand(header(f"({10**12},)", descr="'|V0'")),
    "zero-size-str": npy_by_hand(header("(10,)", descr="'<U0'")),
    "sub-array-dtype": npy_by_hand(header("(1,)", descr="('<f8', (2,))"), b"\0" * 16),
    "record-dtype": npy_by_hand(header("(1,)", descr="[('a', '<f8')]"), b"\0" * 8),
    "malformed-record-dtype": npy_by_hand(header("(1,)", descr="[('a',)]"), b"\0"),
    "descr-not-a-dtype": npy_by_hand(header(descr="5"), b"\0"),
    "descr-nonsense": npy_by_hand(header(descr="'<q9'"), b"\0"),
    "fortran-flag-an-int": npy_by_hand(header(fortran="1"), b"\0"),
    "fortran-flag-a-string": npy_by_hand(header(fortran="'yes'"), b"\0"),
    "header-not-a-dict": npy_by_hand("[1, 2, 3]", b"\0"),
    "missing-keys": npy_by_hand("{'descr': '|u1'}", b"\0"),
    "header-expression": npy_by_hand(header("(2**62,)"), b"\0"),
    "unterminated-header": b"\x93NUMPY\x01\x00\x40\x00{'descr': '|u1', 'fortr",
    "huge-header-length": b"\x93NUMPY\x02\x00\xff\xff\xff\x7f{",
    "unknown-version": npy_by_hand(header(), b"\0", version=b"\x07\x00"),
    "version-3": npy_by_hand(header(), b"\0", version=b"\x03\x00"),
    "no-magic": b"\x93NUMPX\x01\x00",
    "empty": b"",
    "object-dtype": npy_by_hand(header(descr="'|O'"), b"\0" * 8),
}


@pytest.mark.parametrize("payload", HOSTILE_NPY.values(), ids=HOSTILE_NPY.keys())
def test_every_malformed_npy_header_is_a_protocol_error(
    pair: tuple[socket.socket, socket.socket], payload: bytes
) -> None:
    a, b = pair
    a.sendall(frame(b'{"ok":true}', payload))

    with pytest.raises(ProtocolError):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


@pytest.mark.parametrize(
    "array",
    [
        np.zeros((0, 5), dtype=np.float32),
        np.array("text"),
        np.array([b"ab", b"c"]),
        np.array(["2024-01-01"], dtype="datetime64[D]"),
        np.array([1 + 2j], dtype=np.complex64),
        np.arange(6, dtype=">i4").reshape(2, 3),
    ],
    ids=["empty-2d", "str", "bytes", "datetime", "complex", "big-endian"],
)
def test_plain_arrays_of_every_accepted_kind_still_cross(
    pair: tuple[socket.socket, socket.socket], array: np.ndarray
) -> None:
    a, b = pair
    send_message(a, {"ok": True}, [array])

    _, [got] = recv_message(b, max_bytes=LIMIT, deadline=soon())

    assert got.dtype == array.dtype and got.shape == array.shape
    np.testing.assert_array_equal(got, array)


# -- hostile headers and value trees ------------------------------------------------------------


def test_header_deeper_than_the_limit_is_refused_even_when_json_can_parse_it(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    deep = "[" * (protocol.MAX_HEADER_DEPTH + 1) + "]" * (protocol.MAX_HEADER_DEPTH + 1)
    a.sendall(frame(f'{{"ok":true,"error":{deep}}}'.encode()))

    with pytest.raises(ProtocolError, match="nested more than"):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_header_at_the_depth_limit_is_read(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    depth = protocol.MAX_HEADER_DEPTH - 1  # the header object itself is one level
    a.sendall(frame(f'{{"ok":{"[" * depth}{"]" * depth}}}'.encode()))

    got, _ = recv_message(b, max_bytes=LIMIT, deadline=soon())

    assert isinstance(got["ok"], list)


def test_an_int_longer_than_python_converts_is_a_protocol_error(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(frame(b'{"ok":true,"result":' + b"9" * 5000 + b"}"))

    with pytest.raises(ProtocolError, match="header is not JSON"):
        recv_message(b, max_bytes=LIMIT, deadline=soon())


def test_big_ints_within_json_limits_decode_exactly() -> None:
    assert decode_value(10**100, []) == 10**100


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ({"__dict__": {1: "int key"}}, "malformed dict"),
        ({"__dict__": {SneakyStr("k"): 1}}, "malformed dict"),
        ({"__array__": 0, "kind": {"__list__": []}}, "malformed array kind"),
        ({"__array__": 0, "kind": "k" * 41}, "malformed array kind"),
        ({"__opaque__": ["Model"]}, "malformed opaque value"),
        ({"__opaque__": "Model", "description": {"deep": []}}, "malformed opaque value"),
    ],
    ids=["int-key", "str-subclass-key", "kind-not-a-string", "kind-too-long", "opaque-not-a-string",
         "description-not-a-string"],
)
def test_decode_refuses_malformed_tags(tree: Any, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        decode_value(tree, [np.zeros(1)])
