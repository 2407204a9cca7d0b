"""The warm fork server: commands in a row share one, only its user reaches it, and it ends by itself."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.sandbox import launcher, warm

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.skipif(not launcher.detect(fork=False).isolated, reason="needs the sandbox (root, bwrap)")


def tfgrade(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False, timeout=600)


def servers(runtime: Path) -> dict[Path, int]:
    """socket -> the pid of the server answering on it."""
    found = {}
    for path in (runtime / f"tfgrade-{os.getuid()}").glob(f"{warm.PREFIX}*.sock"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as control:
            control.connect(str(path))
            found[path] = struct.unpack("3i", control.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A runtime folder of the test's own, so no real warm server of this user is touched (short: a
    socket's path has at most 107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="tfgrade-test-", dir="/tmp"))
    folder.chmod(0o755)  # open, as /run/user is to its owner's processes: only tfgrade's own folder may keep others out
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    yield folder
    warm.stop_all()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_two_commands_share_one_warm_server_which_stops_cleanly(runtime: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "TFGRADE_WARM_SECONDS": "120"}
    template = ROOT / "assignments" / "custom_layers" / "custom_layers.ipynb"
    first = tfgrade(["grade", str(template), "-a", "custom_layers", "--out", str(tmp_path / "one")], env)
    assert first.returncode == 0, first.stderr
    (server, pid), = servers(runtime).items()
    second = tfgrade(["grade", str(template), "-a", "custom_layers", "--out", str(tmp_path / "two")], env)
    assert second.returncode == 0, second.stderr
    assert servers(runtime) == {server: pid}  # the same server answered the second command
    grades = [(tmp_path / out / "grades.csv").read_text().splitlines()[1].split(",")[1:4] for out in ("one", "two")]
    assert grades[0] == grades[1] == ["graded", "0", "16"]
    assert warm.stop_all() == 1
    assert not server.exists()
    deadline = time.monotonic() + 30
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


@pytest.mark.slow
def test_an_idle_warm_server_ends_by_itself_and_refuses_other_users(runtime: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "TFGRADE_WARM_SECONDS": "8"}
    template = ROOT / "assignments" / "custom_layers" / "custom_layers.ipynb"
    assert tfgrade(["grade", str(template), "-a", "custom_layers", "--out", str(tmp_path / "out")], env).returncode == 0
    (server, pid), = servers(runtime).items()
    other = subprocess.run(  # nobody, who must not be able to ask it for anything
        ["/usr/bin/python3", "-c", f"import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); "
                               f"s.connect({str(server)!r})"],
        capture_output=True, text=True, check=False, user=65534, group=65534,
    )
    assert other.returncode != 0 and "PermissionError" in other.stderr
    deadline = time.monotonic() + 120  # it waits 8 s idle; generous for a loaded machine
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(pid) and not server.exists()


def test_the_key_changes_with_the_environment_and_the_folder_must_be_private(runtime: Path) -> None:
    assert warm.key({"A": "1"}) == warm.key({"A": "1"}) != warm.key({"A": "2"})
    mine = warm.folder()
    assert mine == runtime / f"tfgrade-{os.getuid()}"
    mine.chmod(0o755)
    assert warm.folder() is None
    mine.chmod(0o700)
    assert warm.folder() == mine


def test_a_command_keeps_it_warm_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warm, "_default_idle", 0.0)
    monkeypatch.delenv(warm.VARIABLE, raising=False)
    assert warm.idle_seconds() == 0.0
    warm.keep_warm_by_default()
    assert warm.idle_seconds() == warm.COMMAND_IDLE_SECONDS
    monkeypatch.setenv(warm.VARIABLE, "0")
    assert warm.idle_seconds() == 0.0
    monkeypatch.setenv(warm.VARIABLE, "soon")
    assert warm.idle_seconds() == 0.0


def test_no_warm_server_where_its_socket_cannot_be_bound(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    started: list[Path] = []
    assert warm.connect({"A": "1"}, started.append) is None
    assert started == []
