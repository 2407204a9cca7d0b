"""The notebook locator, without kernels: each route, in its order, and the messages when nothing fits.

The same routes in real kernels (nbclient, nbconvert, Colab's stand-in, a browser) are in
tests/students/test_kernel_routes.py.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import nbformat
import pytest

from autograder.students import locator
from tests.conftest import ROOT

ANSWER = "def double(x):\n    return 2 * x\n"
CHECK = "from autograder.selfcheck import check\ncheck('q1')\n"


def _notebook(path: Path, *sources: str, assignment: str | None = "autograph") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if assignment:
        nb.metadata["tfgrade"] = {"assignment": assignment}
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, with no frontend's hints and no kernel history."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("__vsc_ipynb_file__", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(locator, "kernel_history", list)
    return tmp_path


def test_history_picks_the_notebook_that_holds_the_cells_this_kernel_ran(here):
    template = _notebook(here / "autograph.ipynb", "import tensorflow as tf", "# YOUR CODE HERE", CHECK)
    mine = _notebook(here / "mine.ipynb", "import tensorflow as tf", ANSWER, CHECK)
    history = ["", "import tensorflow as tf", ANSWER + "\n", CHECK.strip()]  # as IPython keeps them: In[0] is ''
    assert locator.by_history([template, mine], history) == mine
    assert locator.by_history([template, mine], history[:2]) is None  # only shared cells: a tie
    assert locator.by_history([template, mine], []) is None


def test_history_prefers_the_notebook_holding_the_running_cell(here):
    old = _notebook(here / "old.ipynb", "a = 1", "b = 2", "c = 3")
    new = _notebook(here / "new.ipynb", "a = 1", CHECK)
    assert locator.by_history([old, new], ["a = 1", "b = 2", "c = 3", CHECK]) == new


def test_history_skips_files_that_are_not_notebooks(here):
    (here / "broken.ipynb").write_text("{not json", encoding="utf-8")
    (here / "list.ipynb").write_text("[1, 2]", encoding="utf-8")
    mine = _notebook(here / "mine.ipynb", ANSWER)
    assert locator.by_history([here / "broken.ipynb", here / "list.ipynb", mine], [ANSWER]) == mine


def test_locate_tries_the_named_notebook_then_jupyter_then_history_then_the_only_one(here, monkeypatch):
    mine = _notebook(here / "mine.ipynb", ANSWER, CHECK)
    assert locator.locate().how == "only"
    copy = _notebook(here / "autograph.ipynb", "# YOUR CODE HERE", CHECK)
    monkeypatch.setattr(locator, "kernel_history", lambda: [ANSWER, CHECK])
    assert (locator.locate().path, locator.locate().how) == (mine, "history")
    monkeypatch.setenv("JPY_SESSION_NAME", str(copy))
    assert (locator.locate().path, locator.locate().how) == (copy, "jupyter")
    assert locator.locate("elsewhere/x.ipynb").how == "given"


def test_a_session_name_relative_to_the_server_root_is_found_here(here, monkeypatch):
    mine = _notebook(here / "mine.ipynb", ANSWER)
    _notebook(here / "other.ipynb", ANSWER)
    monkeypatch.setenv("JPY_SESSION_NAME", "course/week3/mine.ipynb")
    found = locator.locate()
    assert (found.path.resolve(), found.how) == (mine.resolve(), "jupyter")


def test_vscode_names_the_notebook_in_the_kernels_namespace(here, monkeypatch):
    mine = _notebook(here / "mine.ipynb", ANSWER)
    _notebook(here / "other.ipynb", ANSWER)
    shell = types.SimpleNamespace(user_ns={"__vsc_ipynb_file__": str(mine)})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert (locator.locate().path, locator.locate().how) == (mine, "vscode")


def test_a_tie_names_the_candidates_and_the_assignments_own_notebook(here):
    _notebook(here / "copy.ipynb", CHECK, assignment="functional")
    _notebook(here / "mine.ipynb", CHECK, assignment="functional")
    (here / "assignment.toml").write_text('name = "functional"\nnotebook = "functional.ipynb"\n', encoding="utf-8")
    with pytest.raises(locator.NotebookNotFound) as caught:
        locator.locate()
    message = str(caught.value)
    assert "copy.ipynb, mine.ipynb" in message
    assert "notebook='functional.ipynb'" in message and "autograph" not in message


def test_without_a_release_the_example_comes_from_the_notebooks_assignment(here, monkeypatch):
    monkeypatch.setenv("TFGRADE_COURSE", str(ROOT))
    a = _notebook(here / "a.ipynb", "x = 1", assignment="custom_layers")
    b = _notebook(here / "b.ipynb", "x = 1", assignment="custom_layers")
    assert locator.example_name(here, [a, b]) == "custom_layers.ipynb"
    assert locator.example_name(here, [_notebook(here / "c.ipynb", "x = 1", assignment=None)]) == "c.ipynb"


def test_an_empty_folder_says_so_and_where(here):
    expected = r"There is no notebook \(\.ipynb\) in .*notebook='notebook.ipynb'"
    with pytest.raises(locator.NotebookNotFound, match=expected):
        locator.locate()


def test_the_message_is_korean_in_korean(here):
    from autograder import i18n

    _notebook(here / "a.ipynb", "x = 1", assignment=None)
    _notebook(here / "b.ipynb", "x = 1", assignment=None)
    with i18n.using("ko"), pytest.raises(locator.NotebookNotFound, match="a.ipynb, b.ipynb") as caught:
        locator.locate()
    assert "노트북" in str(caught.value)
    with i18n.using("ko"):
        assert locator.Located(here / "a.ipynb", here, "history").sentence().startswith("검사한 노트북: a.ipynb")


def _fake_colab(monkeypatch: pytest.MonkeyPatch, reply: object) -> list[tuple[str, dict]]:
    """google.colab as Colab's kernel has it loaded: its frontend answers ``get_ipynb`` with ``reply``."""
    calls: list[tuple[str, dict]] = []

    def blocking_request(kind: str, **options: object) -> object:
        calls.append((kind, options))
        return reply

    message = types.ModuleType("google.colab._message")
    message.blocking_request = blocking_request  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setitem(sys.modules, "google.colab._message", message)
    return calls


def test_colab_hands_over_the_open_notebook_which_is_checked_from_a_temporary_file(here, monkeypatch):
    _notebook(here / "stale.ipynb", "x = 1")  # on the kernel's disk, but not what Colab has open
    ipynb = json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(ANSWER)])))
    ipynb["metadata"]["colab"] = {"name": "../HW 1.ipynb"}
    calls = _fake_colab(monkeypatch, {"ipynb": ipynb})
    with locator.located() as found:
        assert (found.how, found.name, found.home) == ("colab", "HW 1.ipynb", here)
        assert found.seat == here / "HW 1.ipynb"
        assert json.loads(found.path.read_text(encoding="utf-8")) == ipynb
        assert found.path.parent != here
    assert calls[0][0] == "get_ipynb" and calls[0][1]["timeout_sec"] == locator.COLAB_TIMEOUT_SECONDS
    assert not found.path.exists()  # the temporary copy is gone


@pytest.mark.parametrize("reply", [None, {"ipynb": "nope"}, {"error": "no frontend"}, ["cells"]])
def test_a_colab_frontend_that_does_not_answer_leaves_the_other_routes(here, monkeypatch, reply):
    _fake_colab(monkeypatch, reply)
    mine = _notebook(here / "mine.ipynb", "x = 1")
    assert (locator.locate().path, locator.locate().how) == (mine, "only")


def test_colab_is_not_asked_outside_colab(here, monkeypatch):
    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("asked a frontend that is not there")

    message = types.ModuleType("google.colab._message")
    message.blocking_request = never  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab._message", message)
    assert locator.colab_notebook() is None


def test_submit_in_colab_zips_what_the_frontend_sent_into_the_working_folder(here, monkeypatch):
    """The zip lands where the student can download it (the working folder), not beside the temporary copy."""
    import zipfile

    from autograder.students import submission

    monkeypatch.setenv("TFGRADE_COURSE", str(ROOT))
    ipynb = json.loads((ROOT / "solutions" / "autograph.ipynb").read_text(encoding="utf-8"))
    ipynb["metadata"]["colab"] = {"name": "autograph.ipynb"}
    _fake_colab(monkeypatch, {"ipynb": ipynb})
    monkeypatch.setattr(  # the check itself is tested with real gradings elsewhere
        submission, "prepare", lambda path, assignment: submission.Readiness(path, assignment.name, None, ())
    )
    readiness = submission.submit()
    assert readiness is not None and readiness.ready
    with zipfile.ZipFile(here / "autograph-submission.zip") as archive:
        assert json.loads(archive.read("autograph.ipynb")) == ipynb
    assert sorted(p.name for p in here.iterdir()) == ["autograph-submission.zip"]
    assert not readiness.path.exists()
