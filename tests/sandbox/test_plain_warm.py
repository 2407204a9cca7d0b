"""The warm fork server where no sandbox runs (a student's laptop): a student's checks in a row share one,
only its user reaches it, and it ends by itself once idle."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.grading.execution import PROGRAMS
from autograder.sandbox import forkserver, launcher, plain_warm, warm
from autograder.sandbox.fork_request import Programs

ROOT = Path(__file__).resolve().parent.parent.parent
STUDENT = 60991
"""The student: an unprivileged uid with no account (outside the sandbox's 61000 and up)."""
OTHER = 60992
STUDENT_PROGRAM = "autograder.student_side.student_process"
STUDENT_ONLY = Programs((STUDENT_PROGRAM,))
needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("bwrap", "setpriv")),
    reason="switching to an unprivileged student needs root, bwrap and setpriv",
)


def as_user(uid: int, command: list[str]) -> list[str]:
    """``command`` as ``uid``: with the test's Python reachable when it lives under root's 0700 home (pyenv),
    through a mount namespace whose /root holds only that Python."""
    switch = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", *command]
    python = Path(sys.base_prefix)
    if not python.is_relative_to("/root"):
        return switch
    # The whole top folder (e.g. /root/.pyenv): folders bwrap makes on the way to a deeper one are 0700.
    top = str(Path("/root", python.relative_to("/root").parts[0]))
    return ["bwrap", "--dev-bind", "/", "/", "--tmpfs", "/root", "--ro-bind", top, top, *switch]


def server_pid(path: Path) -> int:
    """The pid of the server listening at ``path`` (root may reach it; the server then refuses root)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as control:
        control.connect(str(path))
        pid: int = struct.unpack("3i", control.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
        return pid


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def wait_until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


@pytest.fixture
def laptop() -> Iterator[Path]:
    """The student's folder, owned by the student, under a short open folder (a socket path has at most
    107 bytes), which is also the runtime folder the student's warm server goes in."""
    folder = Path(tempfile.mkdtemp(prefix="tfgrade-laptop-", dir="/tmp"))
    folder.chmod(0o755)
    home = folder / "home"
    home.mkdir()
    shutil.copyfile(ROOT / "solutions" / "autograph.ipynb", home / "my.ipynb")
    for path in (folder, home, home / "my.ipynb"):  # the student's runtime folder too, where tfgrade makes its own
        os.chown(path, STUDENT, STUDENT)
    yield folder
    stop = [sys.executable, "-c", "from autograder.sandbox import warm; warm.stop_all()"]
    subprocess.run(as_user(STUDENT, stop), env={**os.environ, "XDG_RUNTIME_DIR": str(folder)}, check=False)
    shutil.rmtree(folder, ignore_errors=True)


def student_check(laptop: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(laptop), "HOME": str(laptop / "home"), "TFGRADE_WARM_SECONDS": "120"}
    command = [str(Path(sys.executable).parent / "tfgrade"), "check", "--course", str(ROOT), "my.ipynb"]
    return subprocess.run(as_user(STUDENT, command), cwd=laptop / "home", env=env, capture_output=True, text=True,
                          check=False, timeout=900)


@needs_root
@pytest.mark.slow
def test_a_students_two_checks_share_one_warm_server_that_only_the_student_reaches(laptop: Path) -> None:
    first = student_check(laptop)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "not isolated" in first.stderr  # said, as before: the warm server changes nothing about isolation
    (path,) = (laptop / f"tfgrade-{STUDENT}").glob(f"{plain_warm.KIND}-*.sock")
    pid = server_pid(path)
    second = student_check(laptop)
    assert second.returncode == 0, second.stderr + second.stdout
    assert second.stdout == first.stdout  # the same table, from the same server:
    assert server_pid(path) == pid and "4/4 public checks passed" in second.stdout
    # Another user: the folder keeps them out (nobody may even reach the socket) ...
    other = subprocess.run(as_user(OTHER, ["/usr/bin/python3", "-c", connect_and_ask(path)]),
                           capture_output=True, text=True, check=False)
    assert other.returncode != 0 and "PermissionError" in other.stderr
    # ... and root, who reaches it, is refused by the server itself (SO_PEERCRED), which stays up.
    assert ask(path) == b""
    assert alive(pid)


def connect_and_ask(path: Path) -> str:
    """A connection, then a request: prints the reply, "closed" when the server hung up."""
    return ("import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n"
            f"s.connect({str(path)!r})\n"
            "try:\n    s.send(b'{}'); print(s.recv(4096) or 'closed')\n"
            "except (BrokenPipeError, ConnectionResetError):\n    print('closed')\n")


def ask(path: Path, request: dict[str, object] | None = None) -> bytes:
    """Send a request and return the reply (b"" once the server closed the connection)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as control:
        control.connect(str(path))
        control.settimeout(30)
        try:
            control.send(json.dumps(request or {"module": STUDENT_PROGRAM}).encode())
            return control.recv(4096)
        except (BrokenPipeError, ConnectionResetError):
            return b""


def start_light_server(path: Path, idle: float, uid: int | None = None) -> subprocess.Popen[bytes]:
    """The plain server's loop for :data:`STUDENT_ONLY` without its TensorFlow preload (what it serves is
    tested above)."""
    code = ("import functools, sys; from pathlib import Path; from autograder.sandbox import fork_worker, plain_warm, "
            "warm; from autograder.sandbox.fork_request import Programs; "
            f"programs = Programs.from_json({STUDENT_ONLY.to_json()!r}); "
            "serve = functools.partial(fork_worker.serve_warm, programs=programs, reply=plain_warm.answer); "
            f"sys.exit(warm.serve_at(Path({str(path)!r}), {idle!r}, 1, lambda: None, serve))")
    command = [sys.executable, "-I", "-c", code]
    server = subprocess.Popen(command if uid is None else as_user(uid, command), stdout=subprocess.PIPE)
    assert server.stdout is not None and server.stdout.read(1) == b"1"  # listening
    return server


def test_an_idle_server_ends_by_itself_and_removes_its_socket(tmp_path: Path) -> None:
    path = tmp_path / "plain.sock"
    server = start_light_server(path, 1.0)
    assert json.loads(ask(path))["ok"] is False  # a request it cannot serve is answered, not a crash
    assert server.wait(timeout=120) == 0  # then 1 s with nobody connected
    assert not path.exists()


def test_the_plain_server_runs_only_the_programs_its_executor_named(tmp_path: Path) -> None:
    path = tmp_path / "plain.sock"
    server = start_light_server(path, 60.0)
    try:
        request = {"argv": [], "fd_numbers": [], "cwd": "/", "env": {}}
        refused = json.loads(ask(path, {**request, "module": "autograder.check_side.check_process"}))
        error = "ValueError: module 'autograder.check_side.check_process' is not served"
        assert refused == {"ok": False, "error": error}
        named = json.loads(ask(path, {**request, "module": STUDENT_PROGRAM}))
        assert named["ok"] is False and "descriptors attached" in named["error"]  # past the list: no descriptors
    finally:
        server.kill()
        server.wait()


def test_plain_servers_for_other_programs_or_of_the_other_kind_are_other_servers() -> None:
    plain = warm.key(forkserver.warm_key(PROGRAMS), plain_warm.KIND)
    assert plain != warm.key(forkserver.warm_key(STUDENT_ONLY), plain_warm.KIND)
    assert plain != warm.key(forkserver.warm_key(PROGRAMS))  # the sandboxed server's


@needs_root
def test_a_server_refuses_another_users_connection() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tfgrade-refuse-", dir="/tmp"))
    folder.chmod(0o777)  # open to both users (pytest's own tmp_path is root's 0700)
    path = folder / "plain.sock"
    server = start_light_server(path, 60.0, uid=STUDENT)
    listening = server_pid(path)  # the server itself: ``server`` may be bwrap, which does not pass a kill on
    try:
        path.chmod(0o666)  # as if the folder and socket let another user in: SO_PEERCRED still refuses
        assert ask(path) == b""  # root, another uid
        other = subprocess.run(as_user(OTHER, ["/usr/bin/python3", "-c", connect_and_ask(path)]),
                               capture_output=True, text=True, check=False)
        assert other.stdout.strip() == "closed", other.stderr
        assert alive(listening)
    finally:
        os.kill(listening, signal.SIGKILL)
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_without_a_sandbox_commands_that_keep_servers_warm_fork_from_the_plain_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(plain_warm, "_shared", {})
    monkeypatch.setenv(warm.VARIABLE, "0")
    cold = launcher.detect().with_programs(PROGRAMS)
    assert type(cold) is launcher.Unisolated
    monkeypatch.setenv(warm.VARIABLE, "30")
    offered = launcher.detect()
    assert isinstance(offered, plain_warm.WarmUnisolated) and offered.server is None  # no programs named yet
    kept = offered.with_programs(PROGRAMS)
    assert isinstance(kept, plain_warm.WarmUnisolated) and kept.server is not None
    assert kept.server.programs == PROGRAMS and not kept.server.serves("autograder.anything_else")
    assert kept.description == cold.description and not kept.isolated  # reports say the same
    assert type(launcher.detect(fork=False).with_programs(PROGRAMS)) is launcher.Unisolated
