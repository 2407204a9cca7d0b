"""What the clean room costs per autograph submission, next to the old export in the student's process.

The four graph checks of `autograph` each need a traced graph. Before issue 19 the student's
process, which had already run the notebook, traced and froze its own function on request
("student export"). Now the check process reads the notebook's source, finds each function's
definitions, and the clean room executes them in a fresh module, traces and exports ("clean room").
Each side runs in a fresh Python process with TensorFlow already imported (as the fork server
has it), for the reference solution, interleaved over several rounds; the figures are the medians
of that process's CPU time (its children's included) and of wall time, for the four graphs
together. "clean room" is the work of the four requests in process; "clean room program" is the
whole program forked as the fork server forks it, its one worker answering every request (their
start, TensorFlow's set-up in the worker, the wire), next to the reading of the source; "a process
per trace" is how the clean room worked before: every request in a process forked afresh.

    .venv/bin/python benchmarks/clean_room_cost.py [--rounds 5] [--notebook solutions/autograph.ipynb]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = {"shape": [100, 100], "dtype": "float32"}
REQUESTS = [  # what the hidden checks ask for: name, specs or args, globals whose weights are restored
    ("simple_nn", [{"shape": [4, 3], "dtype": "float32"}], None, ()),
    ("count_halvings", [{"shape": [None], "dtype": "float32"}], None, ()),
    ("lstm_fn", [SPEC, [SPEC, SPEC]], None, ("lstm_cell",)),
    ("scaled_sum", None, [[1.0, -2.0, 0.5], 1.0], ()),
]

SIDE = r'''
import json, os, sys, tempfile, time
import numpy as np
import tensorflow as tf
import nbformat
from autograder.runner_side import clean_room
from autograder.wire import graph_export, protocol
from autograder.core import source

side, notebook, requests = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
os.chdir(tempfile.mkdtemp())
cells = [(i, c.source) for i, c in enumerate(nbformat.read(notebook, as_version=4).cells, 1) if c.cell_type == "code"]

def spec(s):
    return [spec(t) for t in s] if isinstance(s, list) else tf.TensorSpec(s["shape"], s["dtype"])

def args_of(args):
    return [tf.constant(np.asarray(a, np.float32)) if isinstance(a, list) else a for a in args]

def clean_room_program():
    """A clean room, forked as the fork server forks it; its CPU and its worker's count once they end."""
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        ours.close()
        os._exit(clean_room.main(["--fd", str(theirs.fileno()), "--seed", "1"]))
    theirs.close()
    return pid, ours

def ask(sock, number, name, specs, args, holders):
    definitions = source.definitions_for(parsed, name)
    arrays = []
    request = {"op": "trace", "source": definitions.source, "name": name, "specs": specs, "id": str(number),
               "args": None if args is None else protocol.encode_plain(
                   [np.asarray(a, np.float32) if isinstance(a, list) else a for a in args], arrays),
               "weights": protocol.encode_plain({h: weights[h] for h in holders}, arrays)}
    protocol.send_message(sock, request, arrays)
    reply, _ = protocol.recv_message(sock, max_bytes=1 << 28, deadline=time.monotonic() + 300)
    assert reply["ok"], reply

def ended(pid, sock):
    sock.close()
    os.waitpid(pid, 0)

if side.startswith("clean room program"):
    import resource, socket
    import keras  # noqa: F401 - imported before the fork, as the fork server has it
    weights = {"lstm_cell": [np.zeros((100, 400), np.float32), np.zeros((100, 400), np.float32),
                             np.zeros((400,), np.float32)]}
    parsed = source.parse_cells(cells)
    cpu, wall = time.process_time(), time.perf_counter()
    if side == "clean room program":  # one clean room per submission, its worker answering every trace
        pid, sock = clean_room_program()
        for number, request in enumerate(requests):
            ask(sock, number, *request)
        ended(pid, sock)
    else:  # before: every trace in a process of its own, forked afresh with TensorFlow imported
        for number, request in enumerate(requests):
            pid, sock = clean_room_program()
            ask(sock, number, *request)
            ended(pid, sock)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu - children.ru_utime - children.ru_stime  # the clean room's (and its children's) CPU counts too
elif side == "student export":
    namespace = {}
    path = os.path.abspath("notebook.py")
    code = "\n\n".join(source.python_source(s) for _, s in cells)
    with open(path, "w") as handle:
        handle.write(code)
    exec(compile(code, path, "exec"), namespace)  # the notebook has run; its process then exports
    cpu, wall = time.process_time(), time.perf_counter()
    for name, specs, args, _ in requests:
        fn = namespace[name]
        inputs = [spec(s) for s in specs] if specs is not None else args_of(args)
        graph_export.export(fn.get_concrete_function(*inputs))
else:
    weights = {"lstm_cell": [np.zeros((100, 400), np.float32), np.zeros((100, 400), np.float32),
                             np.zeros((400,), np.float32)]}
    cpu, wall = time.process_time(), time.perf_counter()
    parsed = source.parse_cells(cells)
    for name, specs, args, holders in requests:
        definitions = source.definitions_for(parsed, name)
        source.function_facts(parsed, name), source.eager_switch(parsed)
        arrays = []
        request = {"op": "trace", "source": definitions.source, "name": name, "specs": specs,
                   "args": None if args is None else protocol.encode_plain(
                       [np.asarray(a, np.float32) if isinstance(a, list) else a for a in args], arrays),
                   "weights": protocol.encode_plain({h: weights[h] for h in holders}, arrays)}
        reply, _ = clean_room.answer(request, arrays)
        assert reply["ok"], reply
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}))
'''


def measure(side: str, notebook: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", SIDE, side, str(notebook), json.dumps(REQUESTS)],
                          capture_output=True, text=True, check=True, cwd=ROOT,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--notebook", type=Path, default=ROOT / "solutions" / "autograph.ipynb")
    args = parser.parse_args()
    sides = ("student export", "clean room", "clean room program", "clean room program, a process per trace")
    runs: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    for round_number in range(args.rounds):
        for side in sides if round_number % 2 == 0 else reversed(sides):
            runs[side].append(measure(side, args.notebook))
    print(f"four graphs of {args.notebook.name}, median of {args.rounds} rounds (each side a fresh process):")
    med = {side: {k: statistics.median(r[k] for r in runs[side]) for k in ("cpu", "wall")} for side in sides}
    for side in sides:
        print(f"  {side:40s} cpu {med[side]['cpu']:6.2f} s   wall {med[side]['wall']:6.2f} s")
    old, new = med["student export"], med["clean room program"]
    print(f"  clean room program - student export: cpu {new['cpu'] - old['cpu']:+.2f} s, "
          f"wall {new['wall'] - old['wall']:+.2f} s per submission")
    old = med["clean room program, a process per trace"]
    print(f"  one worker per submission - a process per trace: cpu {new['cpu'] - old['cpu']:+.2f} s, "
          f"wall {new['wall'] - old['wall']:+.2f} s per submission")


if __name__ == "__main__":
    main()
