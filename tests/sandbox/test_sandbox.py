"""Focused tests of autograder/sandbox/launcher.py: choosing the launcher, and what one sandbox guarantees.

The ``detect()`` tests fake the machine and run anywhere. The others start small Python programs
(no TensorFlow) in real sandboxes and are skipped where ``detect()`` finds no isolation.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.grading.execution import STUDENT_CELLS
from autograder.sandbox import bubblewrap, bubblewrap_command, cgroups, detect
from autograder.sandbox import launcher as sandbox
from tests.sandbox import SANDBOX_UIDS, job_prefix, leftover_cgroups, leftover_processes, settled

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"
HIDDEN_CHECK = TINY / "checks" / "hidden" / "test_hidden.py"
SMALL = sandbox.Resources(memory_bytes=256 * 2**20, processes=32, tmp_bytes=8 * 2**20)
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}

LAUNCHER = sandbox.detect()
needs_sandbox = pytest.mark.skipif(
    not LAUNCHER.isolated, reason=f"needs the sandbox, which is off here: {LAUNCHER.description}"
)


# --- detect() ------------------------------------------------------------------------------------


@pytest.fixture
def linux_root(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A machine where detect() gets past its first checks: Linux, root, every tool installed."""
    monkeypatch.setattr(detect.sys, "platform", "linux")
    monkeypatch.setattr(bubblewrap.os, "geteuid", lambda: 0)
    monkeypatch.setattr(bubblewrap.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    return monkeypatch


def test_detect_refuses_other_systems(linux_root):
    linux_root.setattr(detect.sys, "platform", "darwin")
    launcher = sandbox.detect()
    assert not launcher.isolated
    assert "needs Linux" in launcher.description and "darwin" in launcher.description


def test_detect_needs_root(linux_root):
    linux_root.setattr(bubblewrap.os, "geteuid", lambda: 1000)
    launcher = sandbox.detect()
    assert not launcher.isolated and "needs root" in launcher.description


def test_detect_names_the_missing_tools(linux_root):
    linux_root.setattr(bubblewrap.shutil, "which", lambda tool: None if tool in ("bwrap", "prlimit") else tool)
    launcher = sandbox.detect()
    assert not launcher.isolated
    assert "bwrap, prlimit not installed" in launcher.description and "apt-get install" in launcher.description


def test_detect_prefers_cgroup_v2_with_both_controllers(linux_root, tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu io memory pids\n")
    linux_root.setattr(cgroups, "CGROUP_ROOT", tmp_path)
    assert sandbox.detect() == sandbox.Bubblewrap(cgroup_version="v2")


def test_detect_falls_back_to_cgroup_v1(linux_root, tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu io\n")  # v2 without memory and pids, as on this VM
    (tmp_path / "memory").mkdir()
    (tmp_path / "pids").mkdir()
    linux_root.setattr(cgroups, "CGROUP_ROOT", tmp_path)
    assert sandbox.detect() == sandbox.Bubblewrap(cgroup_version="v1")


def test_detect_falls_back_to_rlimits_without_usable_cgroups(linux_root, tmp_path):
    linux_root.setattr(cgroups, "CGROUP_ROOT", tmp_path / "missing")
    launcher = sandbox.detect()
    assert launcher == sandbox.Bubblewrap(cgroup_version="rlimit")
    assert "rlimits" in launcher.description


@needs_sandbox
def test_detect_finds_bubblewrap_and_cgroups_here():
    assert isinstance(LAUNCHER, sandbox.Bubblewrap)
    assert LAUNCHER.cgroup_version in ("v2", "v1")
    assert "bubblewrap" in LAUNCHER.description and "no network" in LAUNCHER.description


# --- one sandbox -------------------------------------------------------------------------------


@dataclass
class Job:
    running: sandbox.Running
    facts: sandbox.Facts | None = None
    """The kernel's counters, once the job is stopped."""

    @property
    def cgroups(self) -> list[Path]:
        return list(getattr(self.running, "cgroups", []))


@contextlib.contextmanager
def started(
    code: str, tmp_path: Path, *, role: sandbox.Role = "student", binds: tuple[sandbox.Bind, ...] = (),
    resources: sandbox.Resources = SMALL,
) -> Iterator[Job]:
    """Run ``python -I -c code`` in a sandbox, as the executor does; stopped on leaving."""
    job = Job(
        LAUNCHER.start(
            [sys.executable, "-I", "-c", code], role=role, pass_fds=[], binds=binds, cwd="/tmp/work",
            host_cwd=tmp_path, env=ENV, resources=resources,
        )
    )
    try:
        yield job
    finally:
        job.facts = job.running.stop()


def read_line(job: Job, seconds: float = 30.0) -> str:
    """The next line the sandboxed program prints (it must print one within ``seconds``)."""
    stream = job.running.stdout
    assert stream is not None
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        assert selector.select(seconds), f"no output within {seconds} s"
        return stream.readline().decode()


def finish(job: Job, seconds: float = 30.0) -> str:
    """Everything the program prints, once it has ended (and left nothing holding its output)."""
    assert job.running.stdout is not None
    output = job.running.stdout.read().decode()
    job.running.wait(seconds)
    return output


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def alive(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State"))
    except (OSError, StopIteration):
        return False
    return not state.split()[1].startswith(("Z", "X"))


WHO_AM_I = """
import json, os, time
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()}), flush=True)
time.sleep(60)
"""


@needs_sandbox
def test_every_role_and_concurrent_job_gets_its_own_unprivileged_uid(tmp_path):
    with contextlib.ExitStack() as stack:
        ids = []
        for role in ("student", "checks", "student", "checks"):  # two jobs at once
            job = stack.enter_context(started(WHO_AM_I, tmp_path, role=role))  # type: ignore[arg-type]
            ids.append((role, json.loads(read_line(job))))
    uids = [who["uid"] for _, who in ids]
    assert len(set(uids)) == 4 and all(uid in SANDBOX_UIDS for uid in uids), ids
    assert all((who["uid"] - bubblewrap_command.UID_BASE) % 2 == (role == "checks") for role, who in ids), ids
    assert all(who["gid"] == who["uid"] and who["groups"] == [] for _, who in ids), ids


@needs_sandbox
def test_cgroups_hold_the_limits_while_the_job_runs_and_are_removed_after(tmp_path):
    with started(WHO_AM_I, tmp_path) as job:
        uid = json.loads(read_line(job))["uid"]
        groups = job.cgroups
        assert groups and all(g.is_dir() and g.name.startswith(job_prefix()) for g in groups)
        limits = {}
        for group in groups:
            for name in ("memory.limit_in_bytes", "memory.max", "pids.max"):
                if (group / name).exists():
                    limits[name.split(".")[0]] = int((group / name).read_text())
        assert limits == {"memory": SMALL.memory_bytes, "pids": SMALL.processes}
        members = {int(p) for g in groups for p in (g / "cgroup.procs").read_text().split()}
        assert any(f"\t{uid}\t" in Path(f"/proc/{p}/status").read_text() for p in members if alive(p))
    assert not any(g.exists() for g in groups)
    assert leftover_cgroups() == []


def test_only_dead_graders_of_this_pid_namespace_own_orphaned_cgroups():
    gone = subprocess.Popen(["true"])
    gone.wait()
    ours = sandbox.job_name(3, "checks")
    assert ours.startswith(f"{os.getpid()}-3-checks-") and not cgroups.orphaned(ours)
    dead = ours.replace(f"{os.getpid()}-", f"{gone.pid}-", 1)
    assert cgroups.orphaned(dead)
    elsewhere = dead.rsplit("-", 1)[0] + "-1"  # the same pid means another process there
    assert not cgroups.orphaned(elsewhere)
    assert cgroups.orphaned(f"{gone.pid}-0-student-12345")  # named by an older tfgrade
    assert not cgroups.orphaned("notes") and not cgroups.orphaned("tfgrade-cache")


@needs_sandbox
def test_the_next_job_ends_and_removes_what_a_killed_grader_left_in_its_cgroups(tmp_path):
    # A grader killed while bubblewrap was starting can leave a sandbox init running for ever in
    # its job's groups, named after the dead grader's pid; one killed while it timed its own code
    # leaves the job frozen (and a frozen v1 task dies only once thawed).
    version = LAUNCHER.cgroup_version  # type: ignore[attr-defined]
    if version == "rlimit":
        pytest.skip("needs cgroups, which are off here")
    # The "grader" lives until the orphan is in its groups (other runs' jobs sweep too).
    grader = subprocess.Popen(["sleep", "600"])
    has_freezer = version == "v2" or (cgroups.CGROUP_ROOT / "freezer" / "cgroup.procs").exists()
    controllers = ["memory", "pids"] + (["freezer"] if has_freezer else [])
    parents = [cgroups.CGROUP_ROOT / cgroups.CGROUP_PARENT] if version == "v2" else [
        cgroups.CGROUP_ROOT / controller / cgroups.CGROUP_PARENT for controller in controllers]
    name = sandbox.job_name(0, "student").replace(f"{os.getpid()}-", f"{grader.pid}-", 1)
    groups = [parent / name for parent in parents]
    for group in groups:
        group.mkdir(parents=True)
    orphan = subprocess.Popen(["sh", "-c", 'for p; do echo $$ > "$p/cgroup.procs"; done; echo in; exec sleep 600',
                               "sh", *map(str, groups)], stdout=subprocess.PIPE, start_new_session=True)
    freezers = [f for f in map(bubblewrap.cgroup_freezer, groups) if f is not None]
    try:
        assert orphan.stdout is not None and orphan.stdout.readline() == b"in\n"
        assert len(freezers) == has_freezer
        assert all(f.freeze() in ("cgroup v1 freezer", "cgroup.freeze") for f in freezers)
        grader.kill()
        grader.wait()
        with started(WHO_AM_I, tmp_path) as job:
            read_line(job)
        assert orphan.wait(timeout=10) == -signal.SIGKILL
        assert not any(group.exists() for group in groups)
    finally:
        grader.kill()
        orphan.kill()
        for freezer in freezers:
            freezer.thaw()
        for group in groups:
            with contextlib.suppress(OSError):
                group.rmdir()


@needs_sandbox
def test_a_job_shares_the_cpu_as_one_unit_even_across_new_sessions(tmp_path):
    if LAUNCHER.cgroup_version != "v2" and not os.access(cgroups.CGROUP_ROOT / "cpu", os.W_OK):  # type: ignore[attr-defined]
        pytest.skip("this machine has no writable cpu cgroup controller")
    code = """
import os, time
read, write = os.pipe()
if os.fork() == 0:
    os.setsid()  # a session of its own: the kernel's autogroups would make it a unit of its own
    os.write(write, b"x")
    time.sleep(60)
os.read(read, 1)
print("started", flush=True)
time.sleep(60)
"""
    with started(code, tmp_path) as job:
        assert read_line(job).strip() == "started"
        if LAUNCHER.cgroup_version == "v2":  # type: ignore[attr-defined]
            group = job.cgroups[0]
            assert "cpu" in (group.parent / "cgroup.subtree_control").read_text().split()
        else:
            group = next(g for g in job.cgroups if g.parent.parent == cgroups.CGROUP_ROOT / "cpu")
        members = [p for p in (group / "cgroup.procs").read_text().split() if alive(int(p))]
        sessions = {Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[3] for p in members}
    assert len(sessions) >= 2, members  # the student's new session stayed in the job's cpu group


@needs_sandbox
def test_stop_ends_daemons_that_ignore_signals_and_left_the_session(tmp_path):
    daemon = """
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        while True:
            time.sleep(1)
    os._exit(0)
os.wait()
print("daemon started", flush=True)
time.sleep(60)
"""
    with started(daemon, tmp_path) as job:
        assert read_line(job).strip() == "daemon started"
        groups = job.cgroups
        pids = {int(p) for g in groups for p in (g / "cgroup.procs").read_text().split()}
        assert len(pids) >= 3  # bwrap, the program and its daemon at least
    assert not [p for p in pids if alive(p)]
    assert settled(leftover_processes) == [] and settled(leftover_cgroups) == []


@needs_sandbox
def test_no_network_not_even_the_hosts_loopback(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = f"""
import json, os, socket
result = {{"network_namespace": os.readlink("/proc/self/ns/net")}}
for label, address in (("internet", ("1.1.1.1", 80)), ("host loopback", ("127.0.0.1", {port}))):
    try:
        socket.create_connection(address, timeout=2).close()
        result[label] = "connected"
    except OSError as exc:
        result[label] = exc.errno
print(json.dumps(result))
"""
        with started(code, tmp_path) as job:
            result = last_json(finish(job))
    # No AF_INET socket at all (the seccomp filter), and beneath it a network namespace of its own.
    assert result["internet"] == result["host loopback"] == errno.EAFNOSUPPORT
    assert result["network_namespace"] != os.readlink("/proc/self/ns/net")


LOOK_FOR_CHECKS = f"""
import json, os
hidden = {str(HIDDEN_CHECK)!r}
found = []
# Walk the whole visible tree (the checkout may live anywhere), skipping the kernel's
# pseudo-filesystems and the read-only system and runtime, which hold no checks.
skip = {"/proc", "/sys", "/dev", "/usr", "/etc", "/lib", "/lib64", "/bin", "/sbin"}
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d != "site-packages" and os.path.join(root, d) not in skip]
    found += [os.path.join(root, name) for name in files if name == "test_hidden.py"]
try:
    open(hidden, "a").close()
    writable = True
except OSError:
    writable = False
print(json.dumps({{"exists": os.path.exists(hidden), "found": found, "writable": writable}}))
"""


@needs_sandbox
def test_hidden_checks_exist_only_in_the_checks_sandbox_and_read_only(tmp_path):
    cells = tmp_path / "cells.json"
    cells.write_text("{}")
    with started(LOOK_FOR_CHECKS, tmp_path, binds=(sandbox.Bind(cells, STUDENT_CELLS),)) as job:
        student = last_json(finish(job))
    with started(LOOK_FOR_CHECKS, tmp_path, role="checks", binds=(sandbox.Bind(TINY, str(TINY)),)) as job:
        checks = last_json(finish(job))
    assert student == {"exists": False, "found": [], "writable": False}
    assert checks == {"exists": True, "found": [str(HIDDEN_CHECK)], "writable": False}


@needs_sandbox
def test_only_the_size_capped_tmpfs_is_writable_and_no_privilege_is_left(tmp_path):
    code = """
import json, os
result = {}
for folder in ("/tmp", "/dev/shm"):
    written = 0
    try:
        with open(os.path.join(folder, "fill"), "wb", buffering=0) as handle:
            while written < 64 << 20:
                written += handle.write(b"x" * (1 << 20))
    except OSError as exc:
        result[folder] = [written, exc.errno]
for folder in ("/", "/usr", "/job", "/root", "/work"):
    try:
        open(os.path.join(folder, "x"), "w").close()
        result[folder] = "written"
    except OSError as exc:
        result[folder] = type(exc).__name__
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
result["CapEff"], result["NoNewPrivs"] = status["CapEff"].strip(), status["NoNewPrivs"].strip()
print(json.dumps(result))
"""
    with started(code, tmp_path) as job:
        result = last_json(finish(job))
    for folder in ("/tmp", "/dev/shm"):
        written, error = result[folder]
        assert error == errno.ENOSPC and written <= SMALL.tmp_bytes, result  # at the cap
    assert all(result[f] != "written" for f in ("/", "/usr", "/job", "/root", "/work")), result
    assert result["CapEff"] == "0000000000000000" and result["NoNewPrivs"] == "1"


@needs_sandbox
def test_kernel_counters_report_a_fork_bomb(tmp_path):
    code = """
import os, time
count = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        count += 1
except OSError:
    print("refused after", count, flush=True)
"""
    with started(code, tmp_path) as job:
        line = read_line(job)  # not finish(): the sleeping children still hold the output pipe
    assert line.startswith("refused after")
    assert job.facts is not None and job.facts.pids_limit_hits >= 1 and job.facts.oom_kills == 0


@needs_sandbox
def test_kernel_counters_report_a_memory_bomb(tmp_path):
    code = "hog = b'x' * (1 << 30)\nprint('survived', flush=True)"
    with started(code, tmp_path) as job:
        output = finish(job)
    assert "survived" not in output and job.running.returncode != 0
    assert job.facts is not None and job.facts.oom_kills >= 1


# --- what the sandbox binds ------------------------------------------------------------------------


@needs_sandbox
def test_packages_a_pth_file_adds_from_outside_the_environment_are_importable(tmp_path):
    """A .pth in the environment's site-packages may point at another folder of packages (how some
    installs share a large TensorFlow); the sandboxed processes must see it, and nothing else of it."""
    extra = tmp_path / "elsewhere" / "site-packages"
    extra.mkdir(parents=True)
    (extra / "pth_probe_module.py").write_text("VALUE = 'found through a .pth'\n", encoding="utf-8")
    (tmp_path / "elsewhere" / "secret.txt").write_text("not for students\n", encoding="utf-8")
    [site_packages] = [p for p in bubblewrap_command.isolated_path() if p.endswith("site-packages")]
    pth = Path(site_packages) / "zz_tfgrade_test_probe.pth"
    pth.write_text(f"{extra}\n", encoding="utf-8")
    bubblewrap_command.isolated_path.cache_clear()
    probe = f"""
import json, os
import pth_probe_module
print(json.dumps([pth_probe_module.VALUE, os.path.exists({str(tmp_path / "elsewhere" / "secret.txt")!r})]))
"""
    try:
        with started(probe, tmp_path) as job:
            assert last_json(finish(job)) == ["found through a .pth", False]
    finally:
        pth.unlink()
        bubblewrap_command.isolated_path.cache_clear()


BUSY_THEN_ASLEEP = """
import time
end = time.process_time() + 1.0
while time.process_time() < end:
    pass
print("worked", flush=True)
time.sleep(60)
"""


@needs_sandbox
def test_the_job_clock_counts_cpu_time_and_sleep_but_not_waiting_for_a_cpu(tmp_path):
    with started(BUSY_THEN_ASLEEP, tmp_path) as job:
        assert read_line(job, 120) == "worked\n"
        worked = job.running.usage()
        time.sleep(1.5)
        slept = job.running.usage().since(worked)

    assert 0.9 <= worked.cpu_seconds < 5  # the interpreter's start, and one second of work
    assert worked.seconds >= worked.cpu_seconds
    assert 0 <= worked.waiting_seconds <= worked.wall_seconds
    assert slept.cpu_seconds < 0.5
    assert slept.unhindered_seconds >= 1.2  # asleep: the wall counts, there is nothing to wait for
    assert leftover_cgroups() == []
