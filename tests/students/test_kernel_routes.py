"""``check("q1")`` in real kernels that no Jupyter Server started: nbclient, ``jupyter nbconvert --execute``
and Colab (through a stand-in of its frontend's ``get_ipynb`` request); then JupyterLab in a real browser.

Each folder holds two notebooks, as the release README's own step (copy the notebook before working)
leaves it: an unanswered copy of the template and the student's answered one. Each run must end with
the check table of the right notebook, not an error.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.conftest import ROOT

CHECK_CELL = "from autograder.selfcheck import check\ncheck('q1')"
PASSED = "1/1 public checks passed (question q1)"


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A student's folder outside the course: the template's copy and ``mine.ipynb``, the answered one
    ending in a check cell. No frontend's hints reach the kernels started from here."""
    monkeypatch.setenv("TFGRADE_COURSE", str(ROOT))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    (tmp_path / "autograph.ipynb").write_bytes((ROOT / "assignments" / "autograph" / "autograph.ipynb").read_bytes())
    mine = nbformat.read(ROOT / "solutions" / "autograph.ipynb", as_version=4)
    mine.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    nbformat.write(mine, tmp_path / "mine.ipynb")
    return tmp_path


def _check_output(cell: nbformat.NotebookNode) -> dict[str, str]:
    """The check cell's displayed result (its ``text/plain`` and ``text/html``), or its error as a failure."""
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, "\n".join(errors[0].traceback)
    [result] = [o for o in cell.outputs if o.output_type == "execute_result"]
    return dict(result.data)


def _assert_table_of(output: dict[str, str], name: str, how: str) -> None:
    for kind in ("text/plain", "text/html"):
        assert PASSED in output[kind]
        assert f"Checked {name} ({how})." in output[kind]


@pytest.mark.slow
def test_nbclient_runs_a_notebook_whose_check_cell_finds_it_among_two(folder):
    from nbclient import NotebookClient

    nb = nbformat.read(folder / "mine.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    _assert_table_of(_check_output(nb.cells[-1]), "mine.ipynb", "the notebook whose cells this kernel ran")


@pytest.mark.slow
def test_nbconvert_execute_finds_the_notebook_it_runs_among_two(folder):
    command = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute", "mine.ipynb",
               "--output", "executed.ipynb", "--ExecutePreprocessor.timeout=600"]
    subprocess.run(command, cwd=folder, check=True, capture_output=True, timeout=900)
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    _assert_table_of(_check_output(executed.cells[-1]), "mine.ipynb", "the notebook whose cells this kernel ran")


# --- Colab ---------------------------------------------------------------------------------------

FAKE_MESSAGE = '''\
"""Stand-in for Colab's google.colab._message: the frontend answers get_ipynb with the open notebook."""
import json
import os

REQUESTS = []


def blocking_request(request_type, request="", timeout_sec=5, parent=None):
    REQUESTS.append(request_type)
    if request_type != "get_ipynb":
        raise ValueError(request_type)
    with open(os.environ["FAKE_COLAB_NOTEBOOK"], encoding="utf-8") as handle:
        return {"ipynb": json.load(handle)}
'''


def _as_colab_sends_it(nb: nbformat.NotebookNode, name: str) -> dict:
    """The notebook as Colab's frontend sends it: nbformat 4.0 without cell ids, sources as lists of
    lines, and Colab's own metadata, which names the notebook."""
    data = json.loads(nbformat.writes(nb))
    data["nbformat_minor"] = 0
    data["metadata"]["colab"] = {"name": name, "provenance": []}
    for cell in data["cells"]:
        cell.pop("id", None)
        cell["source"] = cell["source"].splitlines(keepends=True) if isinstance(cell["source"], str) else cell["source"]
    return data


@pytest.mark.slow
def test_colab_checks_the_notebook_its_frontend_hands_over(folder, tmp_path_factory, monkeypatch):
    """The open notebook is on no disk the kernel sees: the folder holds only an unanswered copy of the
    template (which fails q1) under the same name, so the table must come from what the frontend sent."""
    from nbclient import NotebookClient

    fake = tmp_path_factory.mktemp("fake-colab")
    (fake / "google" / "colab").mkdir(parents=True)  # google/ stays a namespace package, as protobuf's is
    (fake / "google" / "colab" / "__init__.py").write_text("", encoding="utf-8")
    (fake / "google" / "colab" / "_message.py").write_text(FAKE_MESSAGE, encoding="utf-8")
    opened = fake / "open-in-colab.json"
    opened.write_text(json.dumps(_as_colab_sends_it(nbformat.read(folder / "mine.ipynb", 4), "autograph.ipynb")))
    (folder / "mine.ipynb").unlink()
    monkeypatch.setenv("FAKE_COLAB_NOTEBOOK", str(opened))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(fake), os.environ.get("PYTHONPATH")])))

    driver = nbformat.v4.new_notebook()
    driver.cells = [
        nbformat.v4.new_code_cell("import google.colab"),  # Colab's kernel has it loaded from the start
        nbformat.v4.new_code_cell(CHECK_CELL),
        nbformat.v4.new_code_cell("from google.colab import _message\nprint(_message.REQUESTS)"),
    ]
    NotebookClient(driver, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    _assert_table_of(_check_output(driver.cells[1]), "autograph.ipynb", "the notebook open in Colab, as it is now")
    assert "['get_ipynb']" in driver.cells[2].outputs[0].text
    assert sorted(p.name for p in folder.iterdir()) == ["autograph.ipynb"]  # nothing left beside it


# --- JupyterLab in a real browser ----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _jupyterlab(folder: Path, home: Path) -> Iterator[str]:
    """JupyterLab serving ``folder``, headless, its settings in ``home``; yields its URL with the token."""
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.root_dir={folder}", f"--IdentityProvider.token={token}", "--allow-root"]
    # Every cell in the page (JupyterLab otherwise renders only those in view), and no news prompt.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    with (home / "server.log").open("wb") as log:
        server = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(f"{url}/api/status?token={token}", server)
            yield f"{url}/lab/tree/mine.ipynb?token={token}"
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(240):  # a cold start imports a lot; the server says when it listens
        assert server.poll() is None, "JupyterLab stopped while starting (see server.log)"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("JupyterLab did not start within two minutes")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine to drive JupyterLab with")
def test_jupyterlab_in_a_real_browser_shows_the_check_table(folder, tmp_path_factory):
    """A student opens mine.ipynb in JupyterLab and runs its check cell: the kernel Jupyter Server started
    says which notebook it runs, and the page shows the table."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed in this environment")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed in this environment")
    home = tmp_path_factory.mktemp("jupyter-home")
    with _jupyterlab(folder, home) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            code_cells = sum(c.cell_type == "code" for c in nbformat.read(folder / "mine.ipynb", 4).cells)
            text = _run_last_cell(browser.new_page(), url, code_cells)
        finally:
            browser.close()
    assert PASSED in text
    assert "Checked mine.ipynb (the notebook open in Jupyter)." in text


def _run_last_cell(page: Any, url: str, code_cells: int) -> str:
    """Open the notebook, wait for its kernel, run its last cell (the check) with Shift+Enter, and read that
    cell's output once it shows the table or an error (JupyterLab's sanitizer keeps the text, not the class)."""
    page.goto(url)
    page.get_by_text("| Idle").wait_for(timeout=120_000)  # the status bar: the kernel is up
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    check_cell = cells.nth(code_cells - 1)  # by position: Shift+Enter adds a cell after it
    check_cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    output = check_cell.locator(".jp-OutputArea")
    text = ""
    for _ in range(300):  # the check runs the whole notebook in a fresh process: tens of seconds
        text = str(output.inner_text())
        if "public checks passed" in text or "Error" in text:
            return text
        time.sleep(1)
    raise AssertionError(f"the check cell showed no table within five minutes: {text!r}")


@pytest.mark.slow
def test_a_kernel_that_cannot_tell_shows_a_sentence_not_a_traceback(tmp_path, monkeypatch):
    """Two copies of the template, equally run: the cell's error is the message naming both, alone."""
    from nbclient import NotebookClient

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    for name in ("autograph.ipynb", "copy.ipynb"):
        (tmp_path / name).write_bytes((ROOT / "assignments" / "autograph" / "autograph.ipynb").read_bytes())
    driver = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CHECK_CELL)])
    NotebookClient(driver, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    [error] = [o for o in driver.cells[0].outputs if o.output_type == "error"]
    assert error.traceback == [
        "NotebookNotFound: Cannot tell which of these notebooks this kernel runs: autograph.ipynb, copy.ipynb. "
        "Name yours, e.g. check('q1', notebook='autograph.ipynb')."
    ]
