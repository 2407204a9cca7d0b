"""Typed requests, the one envelope, the fake peer and the check process's job file (``autograder/wire``)."""

from __future__ import annotations

import dataclasses
import json
import stat
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.check_side import check_process
from autograder.check_side.budget import ClockError, JobClock
from autograder.check_side.student import CheckFailure, Student
from autograder.clock import Usage
from autograder.wire import envelope, job, protocol, requests
from autograder.wire.fake import FakePeer

SAMPLES: dict[str, Any] = {"str": "x", "int": 3, "bool": True, "float": 0.5, "Any": {"__list__": []},
                           "dict[str, Any]": {"a": 1}, "list[Any]": [1]}


def _sample(kind: type[requests.Request]) -> requests.Request:
    values = {f.name: SAMPLES[str(f.type).removesuffix(" | None")] for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    return kind(**values)


def test_every_request_type_has_its_own_op_and_reads_back_as_itself() -> None:
    ops = [kind.op for kind in requests.ALL]
    assert len(set(ops)) == len(ops)
    for kind in requests.ALL:
        request = _sample(kind)
        assert requests.decode(request.to_wire(), requests.ALL) == request


def test_a_header_of_an_unknown_op_or_with_a_malformed_field_is_refused() -> None:
    with pytest.raises(protocol.ProtocolError, match="unknown request 'gett'"):
        requests.decode({"op": "gett", "name": "x"}, requests.STUDENT)
    with pytest.raises(protocol.ProtocolError, match="unknown request"):
        requests.decode({"op": "load_graph", "artifact": {}}, requests.STUDENT)  # the runner's, not the student's
    with pytest.raises(protocol.ProtocolError, match="'name'"):
        requests.decode({"op": "get", "name": ["x"]}, requests.STUDENT)
    with pytest.raises(protocol.ProtocolError, match="without its 'name'"):
        requests.decode({"op": "get"}, requests.STUDENT)


def _serve_get(value: Any) -> dict[type[requests.Request], envelope.Handler]:
    return {requests.Get: lambda request, _arrays: value}


def test_a_hostile_peers_unknown_op_is_an_error_reply_and_the_server_answers_on() -> None:
    with FakePeer(_serve_get(np.arange(3))) as peer:
        protocol.send_message(peer.sock, {"op": "gett", "name": "x", "id": "1"})
        reply, _ = protocol.recv_message(peer.sock, max_bytes=1 << 20, deadline=time.monotonic() + 10)
        assert reply == {"ok": False, "error": "unknown request 'gett'", "id": "1"}
        answer = envelope.call(peer.sock, requests.Get("x"), 10, max_bytes=1 << 20)
        assert answer.ok and answer.value().array.tolist() == [0, 1, 2]
    assert peer.requests == [requests.Get("x")]


def test_a_handler_that_raises_or_refuses_is_an_error_reply() -> None:
    def refuse(_request: Any, _arrays: Any) -> Any:
        raise envelope.Refused("no such thing", kind="grader")

    server = envelope.Server({requests.Get: lambda _r, _a: 1 / 0, requests.Describe: refuse})
    assert envelope.answer(server, {"op": "get", "name": "x"}, [])[0] == {
        "ok": False, "error": "ZeroDivisionError: division by zero"}
    assert envelope.answer(server, {"op": "describe", "name": "x"}, [])[0] == {
        "ok": False, "error": "no such thing", "kind": "grader"}


def test_a_reply_to_another_question_or_without_a_status_is_a_protocol_error() -> None:
    with pytest.raises(protocol.ProtocolError, match="another question"):
        envelope.read_reply({"id": "2", "ok": True}, [], "1")
    with pytest.raises(protocol.ProtocolError, match="without a status"):
        envelope.read_reply({"id": "1", "ok": "yes", "result": 3}, [], "1")
    assert not envelope.read_reply({"id": "1", "ok": 1, "result": 3}, [], "1").ok  # only true itself is a success
    with pytest.raises(protocol.ProtocolError, match="without a status"):
        envelope.read_reply({"id": "1", "ok": False}, [], "1")


def test_the_fake_peer_serves_the_checks_handle_without_a_process() -> None:
    handlers = {**_serve_get(42), requests.Describe: lambda _r, _a: {"defined": True, "type": "int"}}
    with FakePeer(handlers, events=[{"event": "ready"}]) as peer:
        student = Student(peer.sock, notebook_deadline=time.monotonic() + 10, request_seconds=10,
                          reply_bytes=1 << 20, cells=[])
        assert student.get("answer") == 42
        assert student.describe("answer").type_name == "int"
        with pytest.raises(CheckFailure, match="unknown request 'weights'"):  # not served: an error answer
            student.weights("answer")
        assert student.get("answer") == 42  # and the channel is still in step


def test_the_job_clock_reads_a_fake_control_channel() -> None:
    handlers: dict[type[requests.Request], envelope.Handler] = {
        requests.JobUsage: lambda request, _a: Usage(1.0, 0.5 if request.waiting else 0.0, 3.0).as_json()}
    with FakePeer(handlers) as peer:
        clock = JobClock(peer.sock)
        assert clock.usage("student", waiting=False) == Usage(1.0, 0.0, 3.0)
        with pytest.raises(ClockError):
            clock.report({"checks_seconds": 1.0})  # not served here: an error reply
    assert peer.requests == [requests.JobUsage("student", False)]  # what was served


def _spec() -> job.JobSpec:
    return job.JobSpec(
        channels=job.Channels(student=5, results=6, control=9),
        limits=job.CheckLimits(notebook_seconds=30, request_seconds=2.5, checks_seconds=60, reply_bytes=1024),
        assignment_root="/a", checks=("/a/checks/public", "/a/checks/hidden"), hidden=("/a/checks/hidden",),
        required=("f",), language="ko", cells=(1, 3), sources_file="/job/cells.json")


def test_a_job_file_is_read_only_and_reads_back_as_written(tmp_path: Path) -> None:
    path = job.write(_spec(), tmp_path / "job.json")

    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert job.read(path) == _spec()


def test_a_job_file_of_another_schema_or_with_a_malformed_field_is_refused() -> None:
    good = json.loads(json.dumps({"schema": job.SCHEMA, **dataclasses.asdict(_spec())}))  # as read from the file
    assert job.decode(good) == _spec()
    with pytest.raises(protocol.ProtocolError, match="another schema"):
        job.decode({**good, "schema": "tfgrade-check-job/0"})
    with pytest.raises(protocol.ProtocolError, match="'cells'"):
        job.decode({**good, "cells": ["1"]})
    with pytest.raises(protocol.ProtocolError, match="'student'"):
        job.decode({**good, "channels": {"student": "5", "results": 6}})
    with pytest.raises(protocol.ProtocolError, match="unknown fields"):
        job.decode({**good, "checks_root": "/a"})


def test_the_check_process_takes_the_job_file_and_no_flags() -> None:
    with pytest.raises(SystemExit, match="JOB_FILE"):
        check_process.main(["--student-fd", "3", "--checks", "/a"])
    with pytest.raises(SystemExit, match="JOB_FILE"):
        check_process.main([])


MISSPELT = '''
from autograder.wire import requests

requests.Gett("x")
requests.Get(nam="x")
'''


@pytest.mark.slow
def test_a_misspelt_request_is_a_type_error(tmp_path: Path) -> None:
    from mypy import api

    snippet = tmp_path / "misspelt.py"
    snippet.write_text(MISSPELT, encoding="utf-8")
    report, _, status = api.run([str(snippet), "--cache-dir", str(tmp_path / "cache"), "--follow-imports=silent"])

    assert status == 1
    assert 'Module has no attribute "Gett"' in report
    assert 'Unexpected keyword argument "nam"' in report
