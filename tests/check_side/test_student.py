"""The checks' handle on the student's process, driven by a hand-written fake peer in a thread."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from autograder.check_side.student import CheckFailure, NameInfo, Student, StudentUnavailable
from autograder.core.results import CellError
from autograder.wire import protocol
from autograder.wire.protocol import ArrayValue

Script = Callable[["Peer"], None]
READY = [{"event": "ready"}]


class Peer:
    """The student's end of the channel, scripted by a test; records every request it reads."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.requests: list[tuple[dict[str, Any], list[np.ndarray]]] = []

    def send(self, header: dict[str, Any], arrays: list[np.ndarray] | None = None) -> None:
        protocol.send_message(self.sock, header, arrays or [])

    def events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.send(event)

    def read_request(self) -> bool:
        try:
            self.requests.append(protocol.recv_message(self.sock, max_bytes=1 << 20, deadline=None))
        except protocol.ProtocolError:
            return False
        return True

    def serve(self, *replies: dict[str, Any] | bytes) -> None:
        """Answer one request per reply (raw bytes are sent as they are), then read until closed."""
        for reply in replies:
            if not self.read_request():
                return
            if isinstance(reply, bytes):
                self.sock.sendall(reply)
            else:
                self.send({"id": self.last_id(), **reply})
        self.drain()

    def last_id(self) -> Any:
        """The id of the last request read: an honest reply echoes it."""
        return self.requests[-1][0].get("id")

    def drain(self) -> None:
        """Read requests without answering until the grader side closes the channel."""
        while self.read_request():
            pass


@contextmanager
def student_with(
    script: Script, *, notebook_seconds: float = 5.0, request_seconds: float = 5.0, reply_bytes: int = 1 << 20
) -> Iterator[tuple[Student, Peer]]:
    ours, theirs = socket.socketpair()
    peer = Peer(theirs)

    def run() -> None:
        with theirs:
            try:
                script(peer)
            except OSError:
                pass  # the grader side closed first

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    student = Student(
        ours,
        notebook_deadline=time.monotonic() + notebook_seconds,
        request_seconds=request_seconds,
        reply_bytes=reply_bytes,
        notebook_seconds=notebook_seconds,
    )
    try:
        yield student, peer
    finally:
        ours.close()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the fake peer did not finish"


def ran_then(*replies: dict[str, Any] | bytes, events: list[dict[str, Any]] = READY) -> Script:
    def script(peer: Peer) -> None:
        peer.events(events)
        peer.serve(*replies)

    return script


def ok(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


# -- following the notebook run ---------------------------------------------------------------


def test_completed_run_collects_cell_errors() -> None:
    events = [
        {"event": "cell_start", "cell": 2},
        {"event": "cell_end", "cell": 2, "error": None},
        {"event": "cell_start", "cell": 4},
        {"event": "cell_end", "cell": 4, "error": "ZeroDivisionError: division by zero (line 3)"},
        {"event": "cell_start", "cell": 6},
        {"event": "cell_end", "cell": 6, "error": "ValueError: \x1b[31mred\x1b[0m"},
        {"event": "ready"},
    ]
    with student_with(ran_then(events=events)) as (student, _):
        summary = student.wait_until_executed()

    assert summary.status == "completed"
    assert summary.cell_errors == (
        CellError(4, "ZeroDivisionError: division by zero (line 3)"),
        CellError(6, "ValueError: red"),
    )
    assert summary.message == "The notebook ran; 2 cells raised an error (cells 4, 6)."


def test_clean_run_says_so_and_is_read_once() -> None:
    events = [{"event": "cell_start", "cell": 1}, {"event": "cell_end", "cell": 1}, {"event": "ready"}]
    with student_with(ran_then(events=events)) as (student, _):
        first = student.wait_until_executed()
        second = student.wait_until_executed()

    assert first is second
    assert (first.status, first.message, first.cell_errors) == ("completed", "All cells ran without errors.", ())


def test_process_that_ends_mid_cell_is_reported_as_died_naming_the_cell() -> None:
    def script(peer: Peer) -> None:
        peer.events([{"event": "cell_start", "cell": 1}, {"event": "cell_end", "cell": 1},
                     {"event": "cell_start", "cell": 3}])

    with student_with(script) as (student, _):
        summary = student.wait_until_executed()

    assert summary.status == "died"
    assert "ended while running cell 3" in summary.message
    assert "os._exit" in summary.message


def test_unexpected_event_counts_as_died() -> None:
    with student_with(ran_then(events=[{"event": "hello"}])) as (student, _):
        summary = student.wait_until_executed()

    assert summary.status == "died"
    assert "no check could use it" in summary.message


@pytest.mark.slow
def test_run_that_never_gets_ready_times_out_naming_the_running_cell() -> None:
    def script(peer: Peer) -> None:
        peer.events([{"event": "cell_start", "cell": 2}])
        peer.drain()

    with student_with(script, notebook_seconds=1.5) as (student, _):
        summary = student.wait_until_executed()

    assert summary.status == "timeout"
    said = "did not finish running in time: cell 2 was still running (its limit: 1.5 s of computing)."
    assert said in summary.message
    assert "The checks still graded what the cells that ran had defined." in summary.message  # the rest is graded
    assert "infinite loop" in summary.message


def test_after_the_process_died_every_request_fails_with_the_same_message() -> None:
    def script(peer: Peer) -> None:
        peer.events([{"event": "cell_start", "cell": 5}])

    with student_with(script) as (student, peer):
        message = student.wait_until_executed().message
        for request in (lambda: student.get("x"), lambda: student.call("f", 1), lambda: student.describe("f")):
            with pytest.raises(StudentUnavailable) as caught:
                request()
            assert str(caught.value) == message

    assert peer.requests == []


# -- requests ---------------------------------------------------------------------------------


def test_get_decodes_the_reply_into_plain_data() -> None:
    reply = ok({"__tuple__": [{"__array__": 0, "kind": "tensor"}, 2]})
    arrays = [np.array([1.0, 2.0], dtype=np.float32)]

    def script(peer: Peer) -> None:
        peer.events(READY)
        peer.read_request()
        peer.send({**reply, "id": peer.last_id()}, arrays)
        peer.drain()

    with student_with(script) as (student, peer):
        value = student.get("answer")

    tensor, two = value
    assert isinstance(tensor, ArrayValue) and tensor.kind == "tensor"
    np.testing.assert_array_equal(tensor.array, [1.0, 2.0])
    assert two == 2
    assert {k: v for k, v in peer.requests[0][0].items() if k != "id"} == {"op": "get", "name": "answer"}


def test_call_sends_arguments_as_data_with_arrays_beside() -> None:
    with student_with(ran_then(ok(None))) as (student, peer):
        student.call("simple_nn", np.ones((2, 3), dtype=np.float32), training=False)

    request, arrays = peer.requests[0]
    assert (request["op"], request["name"]) == ("call", "simple_nn")
    args = protocol.decode_value(request["args"], arrays)
    kwargs = protocol.decode_value(request["kwargs"], arrays)
    assert isinstance(args[0], ArrayValue) and args[0].shape == (2, 3)
    assert kwargs == {"training": False}


def test_call_passes_a_name_keyword_on_to_the_students_code() -> None:
    # A layer's constructor takes name=...: the handle's own first parameter must not swallow it.
    with student_with(ran_then(ok(None))) as (student, peer):
        student.call("MyDense", 3, name="hidden")

    request, arrays = peer.requests[0]
    assert request["name"] == "MyDense"
    assert protocol.decode_value(request["kwargs"], arrays) == {"name": "hidden"}


def test_describe_reads_the_answer_and_an_undefined_name() -> None:
    info = ok({"__dict__": {"defined": True, "type": "Function", "callable": True, "is_python_function": True}})
    with student_with(ran_then(info, ok({"__dict__": {"defined": False}}))) as (student, _):
        defined = student.describe("simple_nn")
        missing = student.describe("nope")

    assert defined == NameInfo("simple_nn", True, "Function", callable=True, is_python_function=True)
    assert missing == NameInfo("nope", defined=False)


def test_undefined_name_says_to_define_it() -> None:
    with student_with(ran_then({"ok": False, "error": "NameError: foo is not defined"})) as (student, _):
        with pytest.raises(CheckFailure) as caught:
            student.get("foo")

    assert not isinstance(caught.value, StudentUnavailable)
    assert "`foo` is not defined in your notebook" in str(caught.value)
    assert "Define it with exactly this name" in str(caught.value)


def test_error_in_the_students_code_is_a_failure_and_the_process_stays_usable() -> None:
    error = {"ok": False, "error": "ZeroDivisionError: division by zero"}
    with student_with(ran_then(error, ok(3))) as (student, _):
        with pytest.raises(CheckFailure) as caught:
            student.call("f", 1)
        after = student.get("x")

    assert str(caught.value) == (
        "Calling `f` raised ZeroDivisionError: division by zero. Run it in your notebook to see the full error."
    )
    assert after == 3


def test_request_without_answer_times_out_and_later_requests_fail_fast() -> None:
    with student_with(ran_then(), request_seconds=0.2) as (student, peer):
        with pytest.raises(StudentUnavailable) as first:
            student.call("slow", 1)
        with pytest.raises(StudentUnavailable) as second:
            student.get("anything")

    assert "did not answer within 0.2 s while the grader was using `slow`" in str(first.value)
    assert "infinite loop" in str(first.value)
    assert str(second.value) == str(first.value)
    assert len(peer.requests) == 1, "the second request must not be sent at all"


def test_process_ending_during_a_request_is_reported() -> None:
    def script(peer: Peer) -> None:
        peer.events(READY)
        peer.read_request()

    with student_with(script) as (student, _):
        with pytest.raises(StudentUnavailable, match="stopped while the grader was using `f`"):
            student.call("f")


def garbage_frame() -> bytes:
    header = b"definitely not json"
    return struct.pack("!II", len(header), 0) + header


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (garbage_frame(), "header is not JSON"),
        (ok([1, 2]), "bare JSON list"),
        (ok({"__array__": 3}), "array reference out of range"),
    ],
    ids=["not-json", "bare-list", "dangling-array"],
)
def test_garbage_reply_makes_the_student_unavailable(reply: dict[str, Any] | bytes, message: str) -> None:
    with student_with(ran_then(reply)) as (student, _):
        with pytest.raises(StudentUnavailable) as caught:
            student.get("x")
        with pytest.raises(StudentUnavailable) as later:
            student.get("y")

    assert "sent an answer the grader could not read" in str(caught.value)
    assert message in str(caught.value)
    assert str(later.value) == str(caught.value)


def test_reply_over_the_size_limit_makes_the_student_unavailable() -> None:
    def script(peer: Peer) -> None:
        peer.events(READY)
        peer.read_request()
        peer.send(ok({"__array__": 0}), [np.zeros(1000)])
        peer.drain()

    with student_with(script, reply_bytes=500) as (student, _):
        with pytest.raises(StudentUnavailable, match="larger than the 500-byte limit"):
            student.weights("model")


class Frames:
    """Collects framed messages as bytes, to send several in one write."""

    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += data


def test_an_answer_sent_before_its_question_makes_the_student_unavailable() -> None:
    # A process that sends the next answer early (e.g. every reply twice) is caught at the next request.
    frames = Frames()
    protocol.send_message(frames, {"event": "ready"})  # type: ignore[arg-type]
    protocol.send_message(frames, {"ok": True, "result": 42, "id": "guessed"})  # type: ignore[arg-type]

    def script(peer: Peer) -> None:
        peer.sock.sendall(frames.data)
        peer.drain()

    with student_with(script) as (student, peer):
        with pytest.raises(StudentUnavailable, match="an answer before its question"):
            student.get("x")
    assert peer.requests == [], "no request is sent once an unasked answer is waiting"


def test_an_answer_with_another_requests_id_makes_the_student_unavailable() -> None:
    with student_with(ran_then({"ok": True, "result": 1, "id": "someone else's"})) as (student, peer):
        with pytest.raises(StudentUnavailable, match="an answer to another question"):
            student.get("x")
    assert len(peer.requests[0][0]["id"]) == 16, "each request carries a fresh id"


def test_every_request_gets_a_fresh_id() -> None:
    with student_with(ran_then(ok(1), ok(2))) as (student, peer):
        assert (student.get("a"), student.get("b")) == (1, 2)
    first, second = (request["id"] for request, _ in peer.requests)
    assert first != second


def test_reply_without_ok_makes_the_student_unavailable() -> None:
    with student_with(ran_then({"unexpected": 1})) as (student, _):
        with pytest.raises(StudentUnavailable, match="could not read"):
            student.get("x")


@pytest.mark.slow
def test_a_request_the_student_never_reads_times_out_as_no_answer() -> None:
    # A request larger than the socket buffers, to a process that never reads: the send itself
    # times out, and that is the student's silence, not a grader error.
    def script(peer: Peer) -> None:
        peer.events(READY)
        time.sleep(3)

    with student_with(script, request_seconds=0.5) as (student, _):
        with pytest.raises(StudentUnavailable, match="did not answer within 0.5 s"):
            student.call("f", np.zeros(4_000_000, np.float64))
