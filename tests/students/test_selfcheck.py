"""The self-check: counts and rendering without TensorFlow; then a real Jupyter kernel."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import nbformat
import pytest
from factories import FakeExecutor, autograph_checks, execution, write_answer

from autograder.core import assignment as assignments
from autograder.students import selfcheck
from tests.conftest import ROOT


@pytest.fixture()
def autograph() -> assignments.Assignment:
    return assignments.load("autograph")


def test_hidden_shares_count_hidden_checks_and_their_points(autograph):
    shares = {h.question: (h.checks, h.points) for h in selfcheck.hidden_shares(autograph)}
    assert shares == {"q1": (4, 2.0), "q2": (4, 2.5), "q3": (2, 2.0), "q4": (2, 1.5)}


def test_hidden_shares_say_what_hidden_checks_test_from_the_requirements_table(autograph):
    from autograder.core.requirements import Requirement, Requirements, check_names

    hidden_check = sorted(check_names(autograph.hidden_checks))[0]
    public_check = sorted(check_names(autograph.public_checks))[0]
    table = Requirements((
        Requirement("q2-public", "q2", "text a", (public_check,), "Not listed: only a public check tests it."),
        Requirement("q2-hidden", "q2", "text b", (hidden_check,), "scaled_sum must loop over x."),
    ))

    shares = {h.question: h.tests for h in selfcheck.hidden_shares(dataclasses.replace(autograph, requirements=table))}

    assert shares == {"q1": (), "q2": ("scaled_sum must loop over x.",), "q3": (), "q4": ()}
    without_table = dataclasses.replace(autograph, requirements=Requirements())
    assert all(h.tests == () for h in selfcheck.hidden_shares(without_table))  # nothing to list


def test_self_check_runs_public_checks_only_and_filters_by_question(tmp_path, autograph):
    fake = FakeExecutor(execution(*autograph_checks("q2_public")))
    result = selfcheck.run_self_check(write_answer(tmp_path / "a.ipynb"), autograph, "q2", fake)
    assert fake.calls[0].include_hidden is False
    assert [c.name for c in result.checks] == ["q2_public"]
    assert not result.passed
    text = result.text()
    assert text.startswith("0/1 public checks passed (question q2); 4 hidden checks worth 2.5 points")
    assert "✗ q2 q2_public: q2_public is wrong; fix it." in text


def test_html_escapes_student_text_and_says_what_ran(tmp_path, autograph):
    checks = [dataclasses.replace(c, message="<script>x</script>") for c in autograph_checks("q1_public")]
    fake = FakeExecutor(execution(*checks))
    result = selfcheck.run_self_check(write_answer(tmp_path / "a.ipynb"), autograph, None, fake)
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "saved</b> notebook" in html
    assert repr(result) == result.text()


def test_unknown_question_is_refused_with_the_known_ones(tmp_path, autograph):
    with pytest.raises(ValueError, match="no question 'q9'; its questions are q1, q2, q3, q4"):
        selfcheck.run_self_check(write_answer(tmp_path / "a.ipynb"), autograph, "q9", FakeExecutor())


def test_check_names_the_notebooks_it_cannot_choose_between_in_the_language_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("TFGRADE_COURSE", str(ROOT))
    for name in ("copy.ipynb", "mine.ipynb"):  # two copies of the template: the same cells, a tie
        (tmp_path / name).write_bytes((ROOT / "assignments" / "functional" / "functional.ipynb").read_bytes())
    with pytest.raises(ValueError, match=r"copy\.ipynb, mine\.ipynb.*notebook='functional\.ipynb'"):
        selfcheck.check("q1")
    with pytest.raises(ValueError, match="직접 지정하세요"):
        selfcheck.check("q1", lang="ko")


# --- a real Jupyter kernel -------------------------------------------------------------------


def _run_in_kernel(cells: list[str], cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    driver = nbformat.v4.new_notebook()
    driver.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(driver, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return driver


def _defining_cell(nb: nbformat.NotebookNode, name: str) -> int:
    pattern = re.compile(rf"^(def|class)\s+{name}\b|^{name}\s*=", re.MULTILINE)
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and pattern.search(c.source))


@pytest.mark.slow
def test_in_notebook_check_renders_html_with_a_text_fallback(tmp_path, monkeypatch):
    # The notebook sits outside any course or release: the kernel finds the course from the environment.
    monkeypatch.setenv("TFGRADE_COURSE", str(ROOT))
    mine = tmp_path / "mine.ipynb"
    mine.write_bytes((ROOT / "solutions" / "autograph.ipynb").read_bytes())
    driver = _run_in_kernel([f"from autograder.selfcheck import check\ncheck('q1', notebook={str(mine)!r})"], tmp_path)
    [output] = [o for o in driver.cells[0].outputs if o.output_type == "execute_result"]
    assert "1/1 public checks passed (question q1)" in output.data["text/html"]
    assert "1/1 public checks passed (question q1)" in output.data["text/plain"]
    assert "hidden check" in output.data["text/plain"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["autograph", "functional", "custom_layers"])
def test_self_check_reports_the_fresh_run_not_the_live_kernel(tmp_path, name, monkeypatch):
    """Run the solution in a live kernel, then delete the cell defining a required name from the
    saved notebook (the kernel still remembers it): the self-check must see what the grader sees."""
    monkeypatch.setenv("TFGRADE_COURSE", str(ROOT))
    a = assignments.load(name)
    required = a.required_names[0]
    solution = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    live_code = [c.source for c in solution.cells if c.cell_type == "code"]
    del solution.cells[_defining_cell(solution, required)]
    saved = tmp_path / "mine.ipynb"
    nbformat.write(solution, saved)
    probe = f"print('LIVE-HAS', {required!r} in globals())"
    check = f"from autograder.students.selfcheck import run_self_check\nfrom autograder.core.assignment import load\n" \
            f"r = run_self_check({str(saved)!r}, load({name!r}))\nprint(r.text())"
    driver = _run_in_kernel([*live_code, probe, check], tmp_path)
    printed = ["".join(o.get("text", "") for o in cell.outputs) for cell in driver.cells[-2:]]
    assert "LIVE-HAS True" in printed[0]
    assert f"`{required}` is not defined in your notebook" in printed[1]
    passed, total = map(int, re.match(r"(\d+)/(\d+) public checks passed", printed[1]).groups())
    assert passed < total


def test_the_table_says_which_notebook_was_checked_with_its_name_escaped(tmp_path, autograph):
    from autograder.students.locator import Located

    fake = FakeExecutor(execution(*autograph_checks("q1_public")))
    result = selfcheck.run_self_check(write_answer(tmp_path / "a.ipynb"), autograph, "q1", fake)
    assert "Checked" not in result.text()  # from the command line: the student named the file
    found = Located(tmp_path / "<img src=x onerror=alert(1)>.ipynb", tmp_path, "history")
    located = dataclasses.replace(result, notebook=found)
    assert "Checked <img src=x onerror=alert(1)>.ipynb (the notebook whose cells this kernel ran)." in located.text()
    html = located.html()
    assert "<img" not in html and "Checked &lt;img src=x onerror=alert(1)&gt;.ipynb" in html


@pytest.mark.slow
def test_check_and_submit_run_where_the_sandbox_tools_are_missing_and_say_so_in_one_line(tmp_path) -> None:
    """A student's laptop, Colab or a container without bubblewrap: the self-check still runs, unsandboxed,
    each process a fresh interpreter (no fork server), and says so once (issue 21)."""
    import shutil
    import subprocess
    import sys

    tools = tmp_path / "bin"  # every tool of /usr/bin but the sandbox's
    tools.mkdir()
    for tool in Path("/usr/bin").iterdir():
        if tool.name not in ("bwrap", "setpriv", "prlimit"):
            (tools / tool.name).symlink_to(tool)
    notebook = shutil.copy(ROOT / "solutions" / "autograph.ipynb", tmp_path / "mine.ipynb")
    env = {"PATH": f"{Path(sys.executable).parent}:{tools}", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    tfgrade = str(Path(sys.executable).parent / "tfgrade")

    runs = [subprocess.run([tfgrade, command, str(notebook), "--course", str(ROOT)], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=600) for command in ("check", "submit")]

    for run in runs:
        out = run.stdout + run.stderr
        assert run.returncode == 0, out
        assert [line for line in out.splitlines() if "not isolated" in line] == [
            "Note: your notebook runs not isolated (bwrap, setpriv, prlimit not installed (Debian: apt-get install "
            "bubblewrap util-linux)); that is fine for a self-check."], out
    assert "4/4 public checks passed" in runs[0].stdout
    assert (tmp_path / "mine-submission.zip").is_file()
