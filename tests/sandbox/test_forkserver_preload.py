"""What the fork server reads once for every worker gives the worker what it would have read itself."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROBE = textwrap.dedent("""
    import json, os, sys
    from autograder.sandbox import preload
    from hypothesis import configuration
    from hypothesis.internal.conjecture import providers

    folder, warm = sys.argv[1], sys.argv[2] == "warm"
    if warm:
        preload.warm_hypothesis_constants()  # in the server, before it forks
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(folder, "storage")  # as the check process sets it
    sys.path.insert(0, folder)
    import worker_only  # a module of the worker's own, imported after the server read the rest
    constants = providers._get_local_constants()  # what the pytest plugin asks for at collection
    print(json.dumps({"constants": sorted(repr(c) for c in constants),
                      "storage": str(configuration.storage_directory().path)}))
""")


def constants(tmp_path: Path, how: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path), how], cwd=tmp_path,
                          capture_output=True, text=True, check=True, timeout=120)
    return dict(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.slow  # over 0.7 s: make test-fast stays under a minute
def test_hypothesis_constants_read_in_the_server_are_those_a_worker_reads_alone(tmp_path: Path) -> None:
    (tmp_path / "worker_only.py").write_text("THRESHOLD = 271828.5\nLABEL = 'only-in-the-worker'\n")
    cold, warm = constants(tmp_path, "cold"), constants(tmp_path, "warm")
    assert repr(271828.5) in cold["constants"]  # the probe sees a worker's own module at all
    assert warm["constants"] == cold["constants"]
    # Hypothesis stores where the worker says, not where the server read; the server left nothing behind.
    assert warm["storage"] == cold["storage"] == str(tmp_path / "storage")
    assert not (tmp_path / ".hypothesis").exists()
