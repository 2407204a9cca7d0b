"""The desk in a real browser: ``tfgrade review`` as a subprocess, driven with Debian's chromium by Playwright.

A TA opens the printed link, sorts and filters the class table, opens a submission, overrides a score with a
reason and sees the new total and the row in overrides.csv; a request without the token is refused; two TAs
posting at once both land. The batch is graded with canned checks (no TensorFlow); only the regrade test
grades for real. ``TFGRADE_REVIEW_SCREENSHOTS=docs`` writes docs/review-class.png and review-submission.png.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from factories import FakeExecutor, execution

from autograder.core import overrides
from autograder.core.assignment import Assignment
from autograder.grading.batch import grade_all
from tests.review.batches import graded_batch

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TFGRADE = Path(sys.executable).with_name("tfgrade")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine to drive the desk with")]


@contextmanager
def desk_server(cwd: Path, *args: str) -> Iterator[str]:
    """``tfgrade review out ARGS`` started in ``cwd``; yields the link it prints (with its token)."""
    with (cwd / "desk.log").open("wb") as log:
        server = subprocess.Popen([str(TFGRADE), "review", "out", *args], cwd=cwd, stdout=subprocess.PIPE,
                                  stderr=log)
        try:
            assert server.stdout is not None
            url = ""
            for line in server.stdout:  # the link is printed once the socket listens
                found = re.search(rb"http://127\.0\.0\.1:\d+/\?token=\w+", line)
                if found:
                    url = found.group().decode()
                    break
            assert url, f"tfgrade review printed no link: {(cwd / 'desk.log').read_text()}"
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture
def course_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, autograph: Assignment) -> Path:
    """The batch graded from ``tmp_path`` with paths relative to it, as a TA would run tfgrade grade."""
    monkeypatch.chdir(tmp_path)
    graded_batch(Path(), autograph)
    return tmp_path


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed in this environment")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def shown_rows(page: Any) -> list[str]:
    return [str(name) for name in page.locator("#class-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.folder)")]


def screenshot(page: Any, name: str) -> None:
    where = os.environ.get("TFGRADE_REVIEW_SCREENSHOTS")
    if where:
        page.screenshot(path=str(ROOT / where / name), full_page=True)


def test_a_ta_sorts_filters_opens_a_submission_and_overrides_it(course_batch: Path, browser: Any) -> None:
    with desk_server(course_batch) as url:
        base = url.split("?")[0]
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        assert page.url == base and shown_rows(page) == ["ann", "bo", "cy"]  # the token traded for a cookie
        page.click("#sort-score")
        assert shown_rows(page) == ["bo", "cy", "ann"]
        page.click("#sort-score")
        assert shown_rows(page) == ["ann", "cy", "bo"]
        page.select_option("#filter-flag", "any")
        page.click("#filter-apply")
        assert shown_rows(page) == ["cy"]
        page.select_option("#filter-flag", "")
        page.select_option("#filter-question", "q2")
        page.click("#filter-apply")
        assert shown_rows(page) == ["bo"]
        page.goto(base)
        screenshot(page, "review-class.png")

        page.click("text=subs/bo.ipynb")
        assert page.inner_text("#score") == "Score: 8 of 11 points (the checks gave 8)."
        assert "q2_hidden is wrong; fix it." in page.inner_text("#checks")
        page.select_option("#override-question", "q2")
        page.fill("#override-points", "+2")
        page.fill("#override-reason", "Regrade request: q2's text allowed either order of the inputs.")
        page.fill("#override-by", "kim")
        page.click("#override-save")
        assert page.inner_text("#score") == "Score: 10 of 11 points (the checks gave 8)."
        assert "Saved in" in page.inner_text("#saved")
        screenshot(page, "review-submission.png")
        page.click("#back")
        assert page.locator("tr[data-folder=bo] td.score").inner_text() == "10 / 11 *"

        written = overrides.read(course_batch / "out" / "overrides.csv")
        assert [(o.student, o.question, o.points) for o in written] == [("subs/bo.ipynb", "q2", "+2")]
        refused = browser.new_page()  # another browser profile: no cookie
        assert refused.goto(base).status == 403 and "token" in refused.inner_text("#refused")


def test_without_the_token_nothing_is_served_and_two_tas_posting_at_once_both_land(
    course_batch: Path, browser: Any
) -> None:
    with desk_server(course_batch) as url:
        base = url.split("?")[0]
        for path in ("", "s/bo", "s/bo/file/feedback.html", "?token=0"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path, timeout=10)
            assert refused.value.code == 403
        tas = [browser.new_page(), browser.new_page()]
        for ta, folder in zip(tas, ("ann", "bo"), strict=True):
            ta.goto(url)
            ta.goto(f"{base}s/{folder}")
            ta.select_option("#override-question", "total")
            ta.fill("#override-points", "-1")
            ta.fill("#override-reason", f"Late by one day ({folder}).")
        cookie = tas[0].context.cookies()[0]
        form_key = tas[0].locator("input[name=form_key]").first.get_attribute("value")
        posts = [(folder, question) for folder in ("cy", "ann") for question in ("q1", "q2", "q3")]
        start = threading.Barrier(len(posts) + 1, timeout=60)
        threads = [threading.Thread(target=_post, args=(base, cookie, form_key, start, *p)) for p in posts]
        for thread in threads:
            thread.start()
        start.wait()  # the two pages and the threads post at once
        for ta in tas:
            ta.click("#override-save", no_wait_after=True)
        for thread in threads:
            thread.join()
        for ta in tas:
            ta.wait_for_selector("#saved")
    written = {(Path(o.student).stem, o.question) for o in overrides.read(course_batch / "out" / "overrides.csv")}
    assert written == {("ann", "total"), ("bo", "total"), *posts}


def _post(base: str, cookie: dict[str, Any], form_key: str, start: threading.Barrier, folder: str,
          question: str) -> None:
    data = urllib.parse.urlencode({"form_key": form_key, "question": question, "points": "+0.5",
                                   "reason": f"Checked {question} by hand.", "by": "lee"}).encode()
    request = urllib.request.Request(f"{base}s/{folder}/override", data=data,
                                     headers={"Cookie": f"{cookie['name']}={cookie['value']}"})
    start.wait()
    with urllib.request.urlopen(request, timeout=60) as response:  # follows the 303 to the page
        assert response.status == 200


def test_the_regrade_button_grades_that_one_again_and_shows_the_new_score(
    course_batch: Path, browser: Any, autograph: Assignment
) -> None:
    """dee's first grading broke (canned: every check failed); the button grades the reference solution for real."""
    dee = course_batch / "subs" / "dee.ipynb"
    shutil.copy(ROOT / "solutions" / "autograph.ipynb", dee)
    broken = FakeExecutor(canned=execution())  # no check ran: 0 points
    grade_all([Path("subs/dee.ipynb")], autograph, broken, course_batch / "other", lambda _: None)
    shutil.move(course_batch / "other" / "submissions" / "dee", course_batch / "out" / "submissions" / "dee")
    with desk_server(course_batch, "--allow-unisolated", "--course", str(ROOT)) as url:
        page = browser.new_page()
        page.goto(url)
        page.goto(url.split("?")[0] + "s/dee")
        assert page.inner_text("#score").startswith("Score: 0 of 11 points")
        page.click("#regrade")
        assert "Regrading now" in page.inner_text("#regrade-state")
        page.wait_for_selector("text=Regraded:", timeout=600_000)  # the page refreshes itself while it runs
        state = page.inner_text("#regrade-state")
    assert state == "Regraded: 0 before, 11 now.", (course_batch / "desk.log").read_text()
    assert page.inner_text("#score") == "Score: 11 of 11 points (the checks gave 11)."
    assert "subs/dee.ipynb,graded,11,11,3,3,3,2," in (course_batch / "out" / "grades.csv").read_text(encoding="utf-8")
