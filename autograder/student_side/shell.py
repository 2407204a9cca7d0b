"""Runs INSIDE the student's process: a cell's shell commands (``!cmd``, ``x = !cmd``, ``%pip``, aliases).

A command runs under ``/bin/sh`` in the sandbox, with its output read into ``sys.stdout`` as ipykernel
does; one that installs packages or needs the network is refused with a message that says why, as the
grader has neither. Whatever a command leaves running ends with it (:mod:`autograder.student_side.processes`).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import select
import shlex
import signal
import subprocess
import sys

from autograder import messages
from autograder.errors import TfgradeError
from autograder.student_side.processes import descendants, end_processes_started_since


class CannotInstallPackages(TfgradeError):
    """A shell command or magic that installs packages: the grader runs offline, with fixed packages."""


class NoNetwork(TfgradeError):
    """A shell command that needs the network, which the grader's sandbox does not have."""


# --- shell commands -----------------------------------------------------------------------------

SHELL = "/bin/sh"
MAX_COLLECTED = 16 * 1024 * 1024
"""Most output of one ``x = !cmd`` kept in memory (the rest is read and dropped)."""
_INSTALLERS = {
    "pip": {"install", "download", "wheel", "uninstall"},
    "conda": {"install", "create", "update", "upgrade", "remove", "uninstall"},
    "uv": {"add", "sync", "install"},
    "apt": {"install"},
    "apt-get": {"install"},
    "npm": {"install", "i"},
}
_INSTALLERS["mamba"] = _INSTALLERS["micromamba"] = _INSTALLERS["conda"]
_NETWORK_PROGRAMS = frozenset({"wget", "curl", "gdown", "kaggle", "ssh", "scp", "sftp", "ftp", "nc", "ping"})
_NETWORK_GIT = frozenset({"clone", "fetch", "pull", "push", "ls-remote"})
_SEPARATORS = re.compile(r"[;&|()\n]+")
_PREFIXES = frozenset({"sudo", "env", "nohup", "time", "exec", "command"})


def refuse_what_the_sandbox_lacks(command: str) -> None:
    """Raise a clear cell error for a command that installs packages or needs the network.

    Each command of the line is judged by its program and subcommand (``pip install``, ``python -m
    pip install``, ``uv pip install``, ``git clone``), so ``echo pip install`` is left alone.
    """
    for part in _SEPARATORS.split(command):
        program, arguments = _program_and_arguments(_words(part))
        subcommand = next((a for a in arguments if not a.startswith("-")), "")
        if program == "uv" and subcommand == "pip":
            program, arguments = "pip", arguments[arguments.index("pip") + 1:]
            subcommand = next((a for a in arguments if not a.startswith("-")), "")
        if subcommand in _INSTALLERS.get(program, ()):
            raise CannotInstallPackages(messages.CANNOT_INSTALL.format(command=_shown(command)))
        if program in _NETWORK_PROGRAMS or (program == "git" and subcommand in _NETWORK_GIT):
            raise NoNetwork(messages.NO_NETWORK.format(command=_shown(command)))


def _program_and_arguments(words: list[str]) -> tuple[str, list[str]]:
    """The program a shell command runs (``python -m pip`` runs pip), and its arguments."""
    while words and (words[0] in _PREFIXES or ("=" in words[0] and not words[0].startswith("-"))):
        words = words[1:]  # sudo pip ..., PIP_NO_INPUT=1 pip ...
    if not words:
        return "", []
    program, arguments = os.path.basename(words[0]), words[1:]
    if re.fullmatch(r"python[\d.]*", program) and arguments[:1] == ["-m"] and len(arguments) > 1:
        program, arguments = arguments[1], arguments[2:]
    return ("pip" if re.fullmatch(r"pip[\d.]*", program) else program), arguments


def _words(part: str) -> list[str]:
    try:
        return shlex.split(part)
    except ValueError:  # an unclosed quote: the shell will complain, the words are still words
        return part.split()


def _shown(command: str) -> str:
    # %pip runs this interpreter by its full path; the student wrote "pip".
    one_line = " ".join(command.replace(sys.executable, "python").split())
    return one_line if len(one_line) <= 80 else one_line[:77] + "..."


class _Printer:
    """Writes a command's output to ``sys.stdout`` as it comes, as ipykernel does."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def take(self, data: bytes) -> None:
        sys.stdout.write(self._decoder.decode(data))
        sys.stdout.flush()


class _Collector:
    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._kept = 0

    def take(self, data: bytes) -> None:
        room = MAX_COLLECTED - self._kept
        if room > 0:
            self._chunks.append(data[:room])
            self._kept += min(room, len(data))

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")


def _run_command(command: str, sink: _Printer | _Collector) -> int:
    """Run ``command`` under /bin/sh, stdout and stderr into ``sink``; IPython's exit code.

    The command gets a session of its own, and whatever it leaves running is ended when it
    returns, or when the cell is stopped while it runs (the cell timer raises in here).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    before = descendants()
    process = subprocess.Popen(
        [SHELL, "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        _copy_output(process, process.stdout.fileno(), sink)
        code = process.wait()
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.returncode is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        end_processes_started_since(before)
    return -(code - 128) if code > 128 else code  # as IPython: a signal's number, negative


def _copy_output(process: subprocess.Popen[bytes], fd: int, sink: _Printer | _Collector) -> None:
    """Until the shell ends. A process it left running may hold the pipe open, so after the shell
    ends only what is already there is read (a bounded amount), never waited for."""
    while True:
        if select.select([fd], [], [], 0.1)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            sink.take(chunk)
        elif process.poll() is not None:
            for _ in range(64):
                if not select.select([fd], [], [], 0)[0] or not (chunk := os.read(fd, 65536)):
                    return
                sink.take(chunk)
            return


