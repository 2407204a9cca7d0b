"""Cells run as Jupyter runs them: a real student process, real IPython, each feature as a student uses it.

The processes here are plain (unsandboxed) ones, started exactly as the grader starts the student's
process; tests/sandbox/test_kernel_sandbox.py runs shell commands inside the real sandbox.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kernel_runs import ran

from autograder.grading import execution
from autograder.sandbox import forkserver, preload
from autograder.student_side import kernel


def test_shell_output_and_magic_results_are_assigned(tmp_path: Path) -> None:
    cells = [
        "x = !echo hi\nlines = list(x)",
        "y = %time sum(range(4))",
        "%time z = y * 10",
        "name = 'there'\ngreeting = !echo hello {name}\nexit_code = None\n!false\nexit_code = _exit_code",
        "%%capture captured\nprint('caught')\nw = 5",
        "caught = captured.stdout",
    ]
    with ran(tmp_path, cells) as run:
        assert set(run.errors.values()) == {None}
        assert run.get("lines") == ["hi"]
        assert run.get("y") == 6
        assert run.get("z") == 60
        assert run.get("greeting.n") == "hello there"
        assert run.get("exit_code") == 1
        assert run.get("w") == 5
        assert run.get("caught") == "caught\n"


def test_help_display_and_the_output_history_work_as_in_jupyter(tmp_path: Path) -> None:
    cells = [
        "len?",
        "?sorted",
        "class Shown:\n    renders = 0\n    def _repr_html_(self):\n        Shown.renders += 1\n"
        "        return '<b>x</b>'\n    def __repr__(self):\n        return 'Shown()'\n"
        "display(Shown())\nrenders_after_display = Shown.renders",
        "3 + 4",
        "10",
        "last, before_last, first_out = _, __, Out[4]\nrenders_after_result = Shown.renders",
        "Shown()",
        "renders_of_a_result = Shown.renders",
        "missing_name?",
    ]
    with ran(tmp_path, cells) as run:
        assert set(run.errors.values()) == {None}
        assert run.get("renders_after_display") == 1  # the HTML repr was computed, as a frontend asks for it
        assert (run.get("last"), run.get("before_last"), run.get("first_out")) == (10, 7, 7)
        assert run.get("renders_of_a_result") == 2
    output = run.output[0]
    assert "Return the number of items in a container" in output and "Signature: sorted(" in output
    assert "Shown()" in output and "Out[4]: 7" in output and "Object `missing_name` not found." in output


@pytest.mark.slow
def test_pip_install_fails_in_its_own_cell_and_the_next_cell_runs(tmp_path: Path) -> None:
    cells = [
        "%pip install requests",
        "after_pip = 1",
        "!pip install --quiet requests",
        "!python -m pip install requests==2.0",
        "%%bash\necho setting up\npip3 install requests",
        "!wget https://example.com/data.csv",
        "files = !git clone https://github.com/x/y",
        "!pip list > /dev/null\nafter_list = 1",
        "after_all = 1",
    ]
    with ran(tmp_path, cells) as run:
        for cell in (1, 3, 4, 5):
            error = run.error_of(cell)
            assert error.startswith("CannotInstallPackages: `")
            assert "the grader cannot install packages" in error and "use only the packages the assignment" in error
        assert "`pip install requests`" in run.error_of(1).replace("python -m ", "")
        assert sys.executable not in run.error_of(1)
        for cell in (6, 7):
            assert run.error_of(cell).startswith("NoNetwork: `") and "without network access" in run.error_of(cell)
        assert run.errors[2] is run.errors[8] is run.errors[9] is None
        assert run.get("after_pip") == run.get("after_list") == run.get("after_all") == 1


def test_errors_name_the_line_the_student_sees(tmp_path: Path) -> None:
    cells = [
        "\n\n1/0",
        "%%time\nz = 1\nw = z / 0",
        "%%time\n\nprint('shown')\n[][0]",
        "x = 1\n%time y = x / 0",
        "def f(:\n  pass",
        "\n%%time\nok = True",
        "ok_after = ok",
        "\n\nx = 1\ndef g(:\n    pass",
    ]
    with ran(tmp_path, cells) as run:
        assert run.error_of(1) == "ZeroDivisionError: division by zero (line 3)"
        assert run.error_of(2) == "ZeroDivisionError: division by zero (line 3)"
        assert run.error_of(3) == "IndexError: list index out of range (line 4)"
        assert run.error_of(4) == "ZeroDivisionError: division by zero (line 2)"
        assert run.error_of(5) == "SyntaxError: invalid syntax (line 1)"
        assert run.errors[6] is None and run.get("ok_after") is True
        assert run.error_of(8) == "SyntaxError: invalid syntax (line 4)"


def test_an_error_inside_capture_is_swallowed_as_jupyter_does(tmp_path: Path) -> None:
    with ran(tmp_path, ["%%capture out\nprint('hidden')\n[][0]", "shown = out.stdout"]) as run:
        assert run.errors == {1: None, 2: None}
        assert run.get("shown") == "hidden\n"


def test_source_of_functions_is_found_for_autograph_in_every_kind_of_cell(tmp_path: Path) -> None:
    cells = [
        "import inspect\n\n\ndef plain(x):\n    return x + 1\nplain_source = inspect.getsource(plain)",
        "%%time\n\ndef timed(x):\n    return x * 2\ntimed_source = inspect.getsource(timed)",
        "%%capture\ndef captured(x):\n    return x - 1\ncaptured_source = inspect.getsource(captured)",
        "files = sorted({f.__code__.co_filename for f in (plain, timed, captured)})",
    ]
    with ran(tmp_path, cells) as run:
        assert set(run.errors.values()) == {None}
        assert run.get("plain_source") == "def plain(x):\n    return x + 1\n"
        assert run.get("timed_source") == "def timed(x):\n    return x * 2\n"
        assert run.get("captured_source") == "def captured(x):\n    return x - 1\n"
        assert run.get("files") == ["<notebook cell 1>", "<notebook cell 2>", "<notebook cell 3>"]


@pytest.mark.slow
def test_timeout_and_exit_are_errors_of_their_cells_and_later_cells_run(tmp_path: Path) -> None:
    cells = [
        "before = 1",
        "while True:\n    pass",
        "import sys\nsys.exit(3)",
        "exit()",
        "%time while True: pass",
        "after = 2",
    ]
    with ran(tmp_path, cells, cell_seconds=2) as run:
        assert run.error_of(2).startswith("CellTimeout: this cell ran longer than its time limit of 2 s of computing")
        assert "the cells after it still ran and were graded" in run.error_of(2)
        assert run.error_of(3) == "SystemExit: 3 (line 2)"
        assert run.error_of(4).startswith("SystemExit")
        assert run.error_of(5).startswith("CellTimeout")
        assert run.get("before") == 1 and run.get("after") == 2
    assert "To exit: use" not in run.output[0]


@pytest.mark.slow
def test_the_cell_limit_counts_cpu_time_and_a_sleeping_cell_meets_the_backstop(tmp_path: Path) -> None:
    """cell_seconds is CPU time (load cannot make an honest cell hit it); a cell that sleeps is
    stopped at three times as much wall time less the time it waited for a CPU."""
    cells = [
        "import time\ntime.sleep(1.5)\nslept = True",  # past the 1 s of CPU in wall time, under the backstop
        "time.sleep(60)",
        "after = 2",
    ]
    with ran(tmp_path, cells, cell_seconds=1) as run:
        assert run.errors[1] is None and run.get("slept") is True
        assert run.error_of(2).startswith("CellTimeout")
        assert run.get("after") == 2


def test_a_shell_command_never_outlives_its_cell(tmp_path: Path) -> None:
    cells = [
        "!sleep 60 &",
        # The shell returns at once; what it started in the background must not keep the cell (or the
        # process) waiting, and must be gone when the cell ends.
        "!sh -c 'sleep 60 &' ; echo started",
        "!setsid sh -c 'sleep 60 & sleep 60' > /dev/null 2>&1 & echo detached",
        "import subprocess\nsubprocess.Popen(['sleep', '60'])\nimport os\nos.system('(sleep 60 &)')",
        "from autograder.student_side import kernel\nleft = sorted(kernel.descendants())",
    ]
    with ran(tmp_path, cells, cell_seconds=20) as run:
        assert run.error_of(1) == "OSError: Background processes not supported. (line 1)"
        assert run.errors[2] is run.errors[3] is run.errors[4] is None
        assert run.get("left") == []
    assert "started" in run.output[0] and "detached" in run.output[0]


def test_matplotlib_inline_is_harmless_where_matplotlib_is_missing(tmp_path: Path) -> None:
    with ran(tmp_path, ["%matplotlib inline\nafter = 1", "%config InlineBackend.figure_format = 'retina'"]) as run:
        assert run.errors == {1: None, 2: None}


@pytest.mark.slow
def test_time_magic_really_trains_a_model_and_autograph_converts_cells(tmp_path: Path) -> None:
    cells = [
        "import numpy as np\nimport tensorflow as tf\nimport keras",
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\nmodel.compile('sgd', 'mse')\n"
        "before = model.get_weights()[0].copy()\nx = np.ones((32, 3), 'float32')\ny = np.zeros((32, 1), 'float32')",
        "%time h = model.fit(x, y, epochs=3, verbose=0)",
        "epochs = len(h.history['loss'])\nmoved = float(np.abs(model.get_weights()[0] - before).sum())",
        "%%time\n\n@tf.function\ndef halvings(x):\n    count = tf.constant(0)\n    while tf.reduce_sum(x) > 1:\n"
        "        x = x / 2\n        count += 1\n    return count\nfour = int(halvings(tf.constant([4.0])))",
        "model",
    ]
    with ran(tmp_path, cells, tensorflow=True, cell_seconds=120) as run:
        assert set(run.errors.values()) == {None}
        assert run.get("epochs") == 3 and run.get("moved") > 0
        assert run.get("four") == 2  # a Python while on a tensor: only AutoGraph can run it in a graph
    assert "Wall time" in run.output[0] and "Out[6]: <Sequential" in run.output[0]


@pytest.mark.slow
def test_the_fork_server_preloads_what_the_students_shell_imports(tmp_path: Path) -> None:
    """What the shell imports only when it starts would be imported again in every student process."""
    script = f"""
import importlib, json, sys, types
for name in {list(preload.names(execution.PROGRAMS))!r}:
    importlib.import_module(name)
before = set(sys.modules)
from autograder.student_side import kernel
k = kernel.Kernel(types.ModuleType("__main__"))
for n, cell in enumerate(["x = 1\\nx", "%time y = 2", "z = !echo hi", "len?", "%%time\\nw = 1", "display(1)"], 1):
    assert k.run(n, cell) is None
print(json.dumps(sorted(set(sys.modules) - before)))
"""
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, cwd=tmp_path,
                          env={**forkserver.ENV, "HOME": str(tmp_path)}, check=True)
    imported = json.loads(done.stdout.splitlines()[-1])
    assert set(imported) <= {"curses", "_curses"}, imported  # the pager's terminal check: cheap


def test_commands_that_install_or_download_are_told_apart_from_the_rest() -> None:
    for command in ("pip install x", "python3 -m pip install x", "pip3.11 download x", "conda install -y x",
                    "cd /tmp && pip install x", "uv pip install x", "apt-get install -y graphviz",
                    "pip -q install x", "sudo pip install x", "PIP_NO_INPUT=1 pip3 install x", "uv add x"):
        with pytest.raises(kernel.CannotInstallPackages):
            kernel.refuse_what_the_sandbox_lacks(command)
    for command in ("wget -q http://x/y", "curl -O http://x", "git clone https://x/y", "ls; curl x"):
        with pytest.raises(kernel.NoNetwork):
            kernel.refuse_what_the_sandbox_lacks(command)
    for command in ("pip list", "pip show numpy", "echo 'pip install x'", "ls -la", "git status", "cat pip.txt",
                    "python -c 'print(1)'", "unzip 'data.zip", "echo pip install x", "uv pip list",
                    "grep curl notes.txt", "python -m pip list"):
        kernel.refuse_what_the_sandbox_lacks(command)


def test_no_history_file_is_written_and_nothing_is_read_from_home(tmp_path: Path) -> None:
    startup = tmp_path / ".ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-planted.py").write_text("PLANTED = 'startup'\n")
    (startup.parent / "ipython_config.py").write_text("c.InteractiveShell.autocall = 2\nPLANTED = 'config'\n")
    cells = ["a = 1", "%history -n",
             "planted = 'PLANTED' in globals()\nhistory_on = get_ipython().history_manager.enabled"]
    with ran(tmp_path, cells) as run:
        assert set(run.errors.values()) == {None}
        assert run.get("planted") is False and run.get("history_on") is False
    assert "1: a = 1" in run.output[0]  # %history still lists the cells run so far, from memory
    written = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()]
    assert not [p for p in written if p.suffix in (".sqlite", ".db") or "history" in p.name], written


PIECES = ["x = 1", "  y = 2", "", "def f(a):", "    return a", "print('hi')", "%time f(1)", "!ls", "f?", "?f",
          "x = !ls", "z = %who_ls", "a != b", "'100%'", "/f 1", ",f a b", ";f a", ">>> x = 1", "... y", "In [1]: x",
          "%%time", "if x:", "\tpass", "d = {'a': 1}", "s = '''", "'''", "# comment ?", "lambda: ...", "x  # !"]


@pytest.mark.parametrize("seed", range(3))
def test_the_shortcut_for_plain_cells_transforms_exactly_as_ipython(seed: int) -> None:
    import random

    from IPython.core.inputtransformer2 import TransformerManager

    rng, ours, theirs = random.Random(seed), kernel._Transformers(), TransformerManager()
    for _ in range(400):
        cell = "\n".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
        try:
            expected = theirs.transform_cell(cell)
        except SyntaxError:
            continue  # IPython cannot transform it either; the shortcut never takes a cell with these characters
        assert ours.transform_cell(cell) == expected, repr(cell)
