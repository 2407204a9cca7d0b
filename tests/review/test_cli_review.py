"""``tfgrade review``'s refusals, before anything listens: no graded batch, a port in use, a bad port."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from autograder import cli


def test_a_folder_without_a_graded_batch_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["review", str(tmp_path)]) == 2
    assert "holds no graded submissions" in capsys.readouterr().err


def test_a_port_in_use_is_refused_at_once(batch: tuple[Path, list[Path]], capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = batch
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert cli.main(["review", str(out), "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["review", str(tmp_path), "--port", "70000"]) == 2
    assert "--port 70000 is not a port" in capsys.readouterr().err
