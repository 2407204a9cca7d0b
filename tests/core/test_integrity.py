"""Integrity flags: the grader's own reading of the source finds code that reaches into the grader.

Pure: the cells are parsed here, nothing runs.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from autograder import cli, messages
from autograder.core import notebook
from autograder.core.integrity import DETAIL_LIMIT, FLAG_LIMIT, IntegrityFlag, flags
from autograder.core.source import parse_cells
from tests.conftest import ROOT, TESTS

NOTEBOOKS = TESTS / "notebooks"


def flagged(*cells: str) -> tuple[IntegrityFlag, ...]:
    return flags(parse_cells(enumerate(cells, start=1)))


def kinds(*cells: str) -> set[tuple[str, int]]:
    return {(f.kind, f.cell) for f in flagged(*cells)}


# -- each kind ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "import autograder",
    "import autograder.wire.protocol as protocol",
    "from autograder.wire import protocol",
    "from autograder import checks as c",
    "__import__('autograder.checks')",
    "import importlib\nimportlib.import_module('autograder.check_side.student')",
    "from importlib import import_module as im\nim('auto' + 'grader')",
    "import importlib as il\nil.import_module(f'autograder')",
])
def test_importing_the_grader_is_flagged(code: str) -> None:
    assert ("grader-import", 1) in kinds(code)


@pytest.mark.parametrize("code", [
    "import sys\nmods = list(sys.modules.values())",
    "import sys as s\nfor m in s.modules: pass",
    "from sys import modules\nprint(len(modules))",
    "import sys\nm = sys.modules\nm.items()",
    "import sys\nsys.modules.get('autograder.student_side.student_process')",
    "import sys\n'autograder' in sys.modules",
    "import gc\ngc.get_objects()",
    "from gc import get_objects\n[o for o in get_objects() if isinstance(o, dict)]",
    "from gc import get_referrers as refs\nrefs(print)",
    "import gc as g\ng.get_referents({})",
    "import sys\nsys._getframe(1).f_globals",
    "import inspect\ninspect.currentframe()",
    "import inspect as i\ni.stack()",
    "def f(frame):\n    return frame.f_back",
    "def f(frame):\n    return frame.f_locals['x']",
    "object.__subclasses__()",
    "import sys\nsys.settrace(lambda *a: None)",
])
def test_walking_the_interpreter_is_flagged(code: str) -> None:
    assert ("interpreter-walk", 1) in kinds(code)


@pytest.mark.parametrize("code", [
    "import os\nos.write(5, b'{}')",
    "import os\nfor fd in os.listdir('/proc/self/fd'):\n    os.write(int(fd), b'x')",
    "import os\nos.listdir(f'/proc/{os.getpid()}/fd')",
    "import os\nos.fdopen(3, 'w').write('forged')",
    "import os\nos.dup2(4, 1)",
    "open(7, 'w').write('forged')",
    "import io\nio.open(9, 'wb')",
    "import socket\nsocket.socket(fileno=3)",
    "import socket as so\nso.fromfd(3, so.AF_UNIX, so.SOCK_STREAM)",
    "from os import write as w\ndef send(fd):\n    w(fd, b'x')",
    "import os\nfds = os.listdir('/dev/fd')",
])
def test_using_inherited_descriptors_is_flagged(code: str) -> None:
    assert ("inherited-fd", 1) in kinds(code)


@pytest.mark.parametrize("code", [
    "import builtins\nbuiltins.abs = lambda x: 0",
    "import builtins as b\nsetattr(b, 'round', lambda x, n=None: 0)",
    "__builtins__.all = lambda it: True",
    "__builtins__['any'] = lambda it: True",
    "import operator\noperator.eq = lambda a, b: True",
    "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None",
    "import numpy as np\nfor n in ('assert_equal',):\n    setattr(np.testing, n, None)",
    "import numpy\nnumpy.allclose = lambda *a, **k: True",
    "from numpy import testing\ntesting.assert_array_equal = print",
    "import numpy as np\nnp.ndarray.__eq__ = lambda s, o: True",
    "import tensorflow as tf\ntf.debugging.assert_near = lambda *a, **k: None",
    "import tensorflow as tf\ntf.test.TestCase.assertAllClose = lambda *a: None",
    "import sys, io\nsys.stdout = io.StringIO()",
    "import sys\nsys.modules['autograder.checks'] = object()",
    "import sys\nsys.meta_path.insert(0, object())",
    "import _pytest.outcomes\n_pytest.outcomes.fail = print",
    "import pytest\nvars(pytest)['fail'] = print",
    "open('conftest.py', 'w').write('x')",
    "import os\nos.makedirs('autograder', exist_ok=True)\nopen('autograder/checks.py', 'w')",
])
def test_patching_the_graders_surroundings_is_flagged(code: str) -> None:
    assert ("grader-patch", 1) in kinds(code)


# -- where, and how it reads -------------------------------------------------------------------


def test_a_flag_names_its_cell_line_and_what_the_code_did() -> None:
    found = flagged("x = 1", "import numpy as np\n\nimport autograder.wire.protocol as p\np.send_message = print")
    assert found == (
        IntegrityFlag("grader-import", 2, 3, "imports autograder.wire.protocol"),
        IntegrityFlag("grader-patch", 2, 4, "replaces autograder.wire.protocol.send_message"),
    )
    assert [f.short for f in found] == ["grader-import@2", "grader-patch@2"]


def test_an_alias_made_in_one_cell_is_followed_into_another() -> None:
    assert kinds("import sys as s", "from gc import get_objects as everything", "s.modules.values()",
                 "everything()") == {("interpreter-walk", 3), ("interpreter-walk", 4)}


@pytest.mark.parametrize(("code", "kind"), [
    ("import sys\nlist(getattr(sys, 'modules').values())", "interpreter-walk"),
    ("import sys\nvars(sys)['modules']", "interpreter-walk"),
    ("import sys\nsys.__dict__['mod' + 'ules'].items()", "interpreter-walk"),
    ("__import__('gc').get_objects()", "interpreter-walk"),
    ("import importlib\nimportlib.import_module('sys').modules.values()", "interpreter-walk"),
    ("g = __import__('gc')\ng.get_referrers(print)", "interpreter-walk"),
    ("from gc import *\nget_objects()", "interpreter-walk"),
    ("getattr(getattr(__import__('sys'), 'modules'), 'values')()", "interpreter-walk"),
    ("exec('import autograder')", "grader-import"),
    ("exec(\"exec('import gc; gc.get_objects()')\")", "interpreter-walk"),
    ("eval(\"__import__('autograder.checks')\")", "grader-import"),
    ("from unittest import mock\nmock.patch('numpy.allclose', lambda *a: True).start()", "grader-patch"),
    ("from unittest.mock import patch\nimport numpy as np\npatch.object(np, 'allclose', print).start()",
     "grader-patch"),
    ("import builtins\nbuiltins.__dict__.update(abs=lambda x: 0)", "grader-patch"),
    ("import os\nos.sys.modules.values()", "interpreter-walk"),
    ("import importlib\nimportlib.sys.modules.items()", "interpreter-walk"),
    ("import posix\nposix.write(3, b'x')", "inherited-fd"),
    ("import os\nos.listdir('/proc/' + 'self' + '/fd')", "inherited-fd"),
    ("import os\nos.listdir(os.path.join('/proc', 'self', 'fd'))", "inherited-fd"),
    ("globals()['__builtins__'].abs = lambda x: 0", "grader-patch"),
    ("import numpy as np\nobject.__setattr__(np, 'allclose', print)", "grader-patch"),
    ("__import__(''.join(reversed('redargotua')))", "grader-import"),
    ("import importlib\nname = 'auto' + chr(103) + 'rader'\nimportlib.import_module(name)", "grader-import"),
    ("import importlib\nfor m in ('numpy', 'autograder.checks'):\n    importlib.import_module(m)", "grader-import"),
    ("import importlib\nm = 'numpy'\ndef f(m):\n    return importlib.import_module(m)", "grader-import"),
])
def test_indirect_ways_of_saying_the_same_thing_are_flagged(code: str, kind: str) -> None:
    assert (kind, 1) in kinds(code)


def test_a_chain_too_long_to_follow_by_recursion_neither_crashes_nor_hides_a_flag() -> None:
    """The parser accepts an attribute chain or a sum of strings a thousand long; the grader reads it in a loop."""
    long_chain = "x = a" + ".b" * 900
    long_sum = "y = " + " + ".join(["'a'"] * 900)
    assert kinds(f"{long_chain}\n{long_sum}\nimport sys\nsys.modules" + ".values" * 900) == {("interpreter-walk", 1)}
    assert kinds(f"{long_chain}\nimport autograder") == {("grader-import", 1)}


def test_a_cell_too_deep_for_the_graders_parser_is_read_as_text() -> None:
    """The kernel can raise its recursion limit and run a cell the grader's parser refuses: its words still count."""
    deep = "x = a" + ".b" * 20_000
    (cell,) = parse_cells([(2, f"{deep}\nimport autograder.wire.protocol as p\np.send_message = print")])
    assert cell.tree is None

    assert {(f.kind, f.cell, f.line) for f in flags((cell,))} == {("grader-import", 2, 2)}
    assert flagged(f"{deep}\nimport numpy as np") == ()


def test_a_flood_of_flags_is_bounded_in_number_and_length() -> None:
    code = "import builtins\n" + "\n".join(f"builtins.f{i} = None" for i in range(FLAG_LIMIT + 50))
    long_key = "import sys\nsys.modules['" + "x" * 100_000 + "'] = None"

    assert len(flagged(code)) == FLAG_LIMIT
    assert flagged(code)[0].detail == "replaces builtins.f0"
    (flag,) = flagged(long_key)
    assert flag.kind == "grader-patch" and len(flag.detail) == DETAIL_LIMIT


def test_a_cell_that_does_not_parse_is_read_as_text_and_stops_nothing() -> None:
    assert kinds("import autograder(", "import gc\ngc.get_objects()") == {("grader-import", 1), ("interpreter-walk", 2)}
    assert kinds("def f(:\n    return 1", "import gc\ngc.get_objects()") == {("interpreter-walk", 2)}


def test_ipython_syntax_is_read_as_the_kernel_reads_it() -> None:
    """Code inside ``%time``/``%%capture`` is a string after IPython's transform; the kernel runs it all the same."""
    assert kinds("%time import autograder") == {("grader-import", 1)}
    assert kinds("%timeit -n 2 -r 1 __import__('autograder')") == {("grader-import", 1)}
    assert kinds("!ls /proc/self/fd") == {("inherited-fd", 1)}
    (flag,) = flagged("%%capture out\nimport gc\n\ngc.get_objects()")
    assert (flag.kind, flag.line) == ("interpreter-walk", 4)
    assert flagged("%timeit -n 3 sum(range(10))", "%%time\nimport numpy as np\nnp.ones(3)") == ()


# -- honest code stays clean -------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "import sys\nIN_COLAB = 'google.colab' in sys.modules",
    "import sys\nnp = sys.modules['numpy']",
    "import sys\nsys.modules.get('tensorflow')",
    "import sys\nthis_module = sys.modules[__name__]",
    "import sys\nsys.path.append('..')\nprint(sys.version)",
    "import sys\nsys.stdout.write('hi')\nsys.stdout.flush()",
    "import gc\ngc.collect()",
    "import inspect\ninspect.signature(print)",
    "import os\nfd = os.open('out.bin', os.O_WRONLY | os.O_CREAT)\nos.write(fd, b'x')\nos.close(fd)",
    "import os\nr, w = os.pipe()\nos.write(w, b'x')",
    "import os, tempfile\nfd, path = tempfile.mkstemp()\nwith os.fdopen(fd, 'w') as f:\n    f.write('x')",
    "import os\nos.write(1, b'to stdout')",
    "import os, sys\nos.write(sys.stdout.fileno(), b'x')",
    "open('notes.txt', 'w').write('x')",
    "with open(path) as f:\n    data = f.read()",
    "import numpy as np\nnp.float = float\nnp.random.seed(0)\nnp.set_printoptions(precision=3)",
    "import tensorflow as tf\ntf.config.run_functions_eagerly(False)\ntf.random.set_seed(1)",
    "import torch\ntorch.save({}, 'model.pth')",
    "class Layer:\n    def call(self, x):\n        self.builtins = x\n        return x",
    "import builtins\nprint(builtins.abs(-1))",
    "modules = ['a']\nfor m in modules: print(m)",
    "def f(frame_count):\n    return frame_count + 1",
    "import importlib\nfor pkg in ('numpy', 'tensorflow'):\n    print(pkg, importlib.import_module(pkg).__version__)",
    "import importlib\nname = 'numpy'\nnp = importlib.import_module(name)",
    "import numpy as np\nnp.testing.assert_allclose([1.0], [1.0])",
    "import tensorflow as tf\ntf.debugging.assert_equal(tf.constant(1), 1)",
    "import pytest\nwith pytest.raises(ValueError):\n    int('x')",
])
def test_honest_idioms_are_not_flagged(code: str) -> None:
    assert flagged(code) == ()


def corpus(*patterns: str) -> list[Path]:
    return sorted(p for pattern in patterns for p in ROOT.glob(pattern))


def notebook_flags(path: Path) -> set[str]:
    """The kinds flagged in a notebook, read the way the grader reads a submission."""
    try:
        nb = notebook.load(path, None)
    except notebook.NotebookRejected:
        return set()
    return {f.kind for f in flags(parse_cells((c.number, c.source) for c in nb.cells))}


HOSTILE_IN_HONEST_CORPORA = {"tests/notebooks/autograph/monkeypatch-frameworks.ipynb": {"grader-patch"}}
"""The scenario corpora hold one notebook that patches numpy, pytest and tf.debugging (it scores its honest part)."""


@pytest.mark.slow
def test_honest_corpora_solutions_and_samples_are_not_flagged() -> None:
    paths = corpus("tests/notebooks/autograph/*.ipynb", "tests/notebooks/functional/*.ipynb",
                   "tests/notebooks/custom_layers/*.ipynb", "solutions/*.ipynb", "assignments/*/samples/*.ipynb",
                   "assignments/*/*.ipynb")
    assert len(paths) > 100
    found = {str(p.relative_to(ROOT)): notebook_flags(p) for p in paths}
    assert {name: kinds for name, kinds in found.items() if kinds} == HOSTILE_IN_HONEST_CORPORA


ATTACKS_THAT_REACH_IN = {
    "attacks/channel-garbage.ipynb": {"grader-import", "grader-patch"},
    "attacks/deep-json-channel.ipynb": {"grader-import", "grader-patch"},
    "attacks/forge-results.ipynb": {"inherited-fd"},
    "attacks/forged-cell-errors.ipynb": {"grader-import", "interpreter-walk"},
    "attacks/module-shadowing.ipynb": {"grader-patch"},
    "attacks/npy-event-bomb.ipynb": {"interpreter-walk"},
    "attacks/npy-header-bomb.ipynb": {"grader-import", "grader-patch"},
    "attacks/npy-negative-dims.ipynb": {"grader-import", "grader-patch"},
    "attacks/patch-builtins.ipynb": {"grader-patch", "grader-import"},  # its import hook imports by computed name
    "attacks/patch-numpy.ipynb": {"grader-patch"},
    "attacks/patch-pytest.ipynb": {"grader-import", "grader-patch"},
    "attacks/pickle-across.ipynb": {"interpreter-walk", "grader-patch"},
    "attacks/plant-files.ipynb": {"grader-patch"},
    "attacks/read-proc.ipynb": {"inherited-fd"},
    "attacks/trickle-reply.ipynb": {"grader-import", "grader-patch"},
    "attacks/autograph/cached-replies.ipynb": {"interpreter-walk"},
    "attacks/autograph/patched-handlers.ipynb": {"interpreter-walk"},
    "attacks/autograph/presend-replies.ipynb": {"grader-import", "grader-patch"},
    # Issue 19's provenance attacks find the exporter through sys.modules and gc.
    "attacks/autograph/eager-toggle-around-export.ipynb": {"interpreter-walk"},
    "attacks/autograph/lean-graph-swap.ipynb": {"interpreter-walk"},
    "attacks/autograph/library-shadows-readfile.ipynb": {"interpreter-walk"},
    "attacks/autograph/replaced-exporter.ipynb": {"interpreter-walk"},
}
"""Every attack notebook that reaches into the grader, and how. The others attack the machine (memory, processes,
disk, network, signals, time) or the checks' comparisons (values that claim to be equal): no flag for those."""


def test_attacks_that_reach_into_the_grader_are_flagged_and_no_others() -> None:
    paths = corpus("tests/notebooks/attacks/*.ipynb", "tests/notebooks/attacks/autograph/*.ipynb")
    found = {str(p.relative_to(NOTEBOOKS)): notebook_flags(p) for p in paths}
    assert {name: kinds for name, kinds in found.items() if kinds} == ATTACKS_THAT_REACH_IN


# -- a real grading ----------------------------------------------------------------------------

TINY = TESTS / "fixtures" / "tiny"


@pytest.mark.slow
def test_a_real_batch_flags_what_reaches_in_and_scores_the_honest_part(tmp_path: Path) -> None:
    """``tfgrade grade`` on an attack notebook and on correct answers that also reach in: flags in report.json,
    grades.csv and class.html; student.json and the feedback say only the neutral line; the score is untouched."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "patch-pytest.ipynb").write_bytes((NOTEBOOKS / "attacks" / "patch-pytest.ipynb").read_bytes())
    reaching = nbformat.read(NOTEBOOKS / "attacks" / "correct.ipynb", as_version=4)
    reaching.cells.append(nbformat.v4.new_code_cell("import gc as g\nimport autograder.wire.protocol\n"
                                                    "print(len(g.get_objects()))"))
    nbformat.write(reaching, folder / "correct-but-reaches-in.ipynb")
    out = tmp_path / "out"

    assert cli.main(["grade", str(folder), "-a", str(TINY), "--out", str(out)]) == 0

    rows = {Path(r["submission"]).stem: r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    assert rows["correct-but-reaches-in"]["score"] == rows["correct-but-reaches-in"]["max_score"] == "3"
    assert rows["correct-but-reaches-in"]["flags"] == f"grader-import@{len(reaching.cells)}; " \
                                                      f"interpreter-walk@{len(reaching.cells)}"
    assert rows["patch-pytest"]["flags"] == "grader-patch@2; grader-import@2"
    assert rows["patch-pytest"]["score"] == "0"
    report = json.loads((out / "submissions" / "patch-pytest" / "report.json").read_text(encoding="utf-8"))
    assert {"kind": "grader-import", "cell": 2, "line": 22, "detail": "imports autograder.checks"} in report["flags"]
    assert {"kind": "grader-patch", "cell": 2, "line": 20, "detail": "replaces pytest.fail"} in report["flags"]
    student = (out / "submissions" / "patch-pytest" / "student.json").read_text(encoding="utf-8")
    feedback = (out / "submissions" / "patch-pytest" / "feedback.txt").read_text(encoding="utf-8")
    neutral = messages.INTEGRITY_REVIEW.format()
    assert neutral in student and neutral in feedback
    assert "grader-" not in student + feedback
    page = (out / "class.html").read_text(encoding="utf-8")
    assert 'id="flags"' in page and "replaces pytest.fail" in page
