"""No isolation: plain child processes, for students' laptops, and only by explicit choice for grading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.fork_request import Programs
from autograder.sandbox.freezer import Freezer, Stopper
from autograder.sandbox.processes import Popened, killpg, popen, process_group
from autograder.sandbox.seam import Bind, Command, Facts, Resources, Role, Running, command_line


@dataclass
class Plain(Popened):
    """A plain child process. Freezing it reaches only its process group: without a sandbox, a child
    that called ``setsid`` (or ``setpgid``) escapes both :meth:`freeze` and :meth:`stop`."""

    def _stop(self) -> Facts:
        killpg(self.process)  # SIGKILL ends stopped processes too
        self.freezer = None
        return Facts()

    def _freezer(self) -> Freezer:
        return Stopper(self._members, "SIGSTOP to the process group")

    def _members(self) -> list[int]:
        return process_group(self.process.pid)


@dataclass(frozen=True)
class Unisolated:
    """Plain child processes: for students' laptops, and only by explicit choice for grading."""

    reason: str
    isolated: bool = False

    @property
    def description(self) -> str:
        return f"not isolated ({self.reason})"

    def with_programs(self, programs: Programs) -> Unisolated:
        return self  # every program is exec'd: no fork server here

    def start(
        self, command: Command, *, role: Role, pass_fds: Sequence[int], binds: Sequence[Bind], cwd: str,
        host_cwd: Path, env: dict[str, str], resources: Resources,
    ) -> Running:
        real = {b.target: str(b.source) for b in binds}
        argv = [real.get(a, a) for a in command_line(command)]
        return Plain(popen(argv, pass_fds=pass_fds, cwd=str(host_cwd), env=env))

