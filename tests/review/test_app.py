"""The desk's pages and forms through Starlette's test client: the token, the filters, a decision, a regrade."""

from __future__ import annotations

import csv
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import FakeExecutor, autograph_checks, execution, write_notebook
from starlette.testclient import TestClient

from autograder.core import overrides
from autograder.core.assignment import Assignment
from autograder.grading.batch import grade_all
from autograder.review import desk, regrade
from autograder.review.app import SANDBOXED, Settings, build
from autograder.review.auth import COOKIE, Keys
from tests.review.batches import executor

KEYS = Keys(token="t0ken", password="sesame")


@pytest.fixture
def client(batch: tuple[Path, list[Path]], tmp_path: Path) -> Iterator[TestClient]:
    out, _ = batch
    with TestClient(build(Settings(out=out, overrides=tmp_path / "overrides.csv", keys=KEYS))) as test_client:
        yield test_client


def opened(client: TestClient) -> TestClient:
    response = client.get("/?token=t0ken", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.cookies.get(COOKIE) == "t0ken"
    return client


def test_without_the_token_every_page_is_refused(client: TestClient) -> None:
    for path in ("/", "/s/bo", "/s/bo/file/feedback.html", "/?token=wrong"):
        response = client.get(path)
        assert response.status_code == 403 and "bo.ipynb" not in response.text
    assert client.post("/s/bo/override", data={"question": "q1", "points": "3", "reason": "x"}).status_code == 403
    client.cookies.set(COOKIE, "guess")
    assert client.get("/").status_code == 403


def test_the_password_opens_the_desk_too(client: TestClient) -> None:
    assert client.post("/login", data={"password": "wrong"}).status_code == 403
    response = client.post("/login", data={"password": "sesame"}, follow_redirects=False)
    assert response.status_code == 303 and client.get("/").status_code == 200


def test_the_token_keeps_the_rest_of_the_query(client: TestClient) -> None:
    response = client.get("/?status=graded&token=t0ken", follow_redirects=False)
    assert response.headers["location"] == "/?status=graded"


def row_names(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-folder="')[1:]]


def test_the_class_table_filters_and_sorts(client: TestClient) -> None:
    opened(client)
    assert row_names(client.get("/").text) == ["ann", "bo", "cy"]
    assert row_names(client.get("/?sort=score").text) == ["bo", "cy", "ann"]
    assert row_names(client.get("/?sort=score&desc=1").text) == ["ann", "cy", "bo"]
    assert row_names(client.get("/?question=q2").text) == ["bo"]  # lost points on q2
    assert row_names(client.get("/?question=q1&sort=name&desc=1").text) == ["cy"]
    assert row_names(client.get("/?flag=any").text) == ["cy"]
    assert row_names(client.get("/?flag=none").text) == ["ann", "bo"]
    assert row_names(client.get("/?status=rejected").text) == []
    page = client.get("/")
    assert "3 of 3 submissions shown." in page.text and "'unsafe-inline'" in page.headers["content-security-policy"]


def test_a_submission_shows_every_check_its_flags_and_its_feedback_in_a_sandbox(client: TestClient) -> None:
    opened(client)
    page = client.get("/s/cy").text
    assert "q1_hidden" in page and "(hidden)" in page and "q1_hidden is wrong; fix it." in page
    assert "grader-import" in page and "imports from autograder.channel" in page
    assert '<iframe sandbox="" src="/s/cy/file/feedback-notebook.html"' in page
    framed = client.get("/s/cy/file/feedback-notebook.html")
    assert framed.status_code == 200 and framed.headers["content-security-policy"] == SANDBOXED
    for bad in ("/s/cy/file/report.json", "/s/cy/file/..%2F..%2Fgrades.csv", "/s/nobody/file/feedback.html"):
        assert client.get(bad).status_code == 404
    assert client.get("/s/nobody").status_code == 404


def test_an_override_posted_lands_in_the_file_and_the_page_shows_the_new_total(
    client: TestClient, batch: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    _, paths = batch
    opened(client)
    form = {"question": "q2", "points": "+2", "reason": "Regrade request.", "by": "kim"}
    assert client.post("/s/bo/override", data=form).status_code == 400  # no form key: not from a desk page
    assert not (tmp_path / "overrides.csv").exists()

    response = client.post("/s/bo/override", data={**form, "form_key": KEYS.form_key}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/s/bo?saved=1"
    page = client.get("/s/bo?saved=1").text
    assert "Saved in" in page and "Score: 10 of 11 points (the checks gave 8)." in page
    assert [o.points for o in overrides.read(tmp_path / "overrides.csv")] == ["+2"]
    refused = client.post("/s/bo/override", data={**form, "question": "q9", "form_key": KEYS.form_key})
    assert refused.status_code == 400 and "Nothing was saved" in refused.text
    rows = list(csv.reader((tmp_path / "overrides.csv").open(encoding="utf-8")))
    assert rows == [["student", "question", "points", "reason", "by"],
                    [str(paths[1]), "q2", "+2", "Regrade request.", "kim"]]


def test_regrade_one_replaces_its_files_and_rewrites_the_batch_files(
    graded: tuple[Path, list[Path]], autograph: Assignment
) -> None:
    out, paths = graded
    file = out / "overrides.csv"
    file.write_text("student,question,points,reason\nbo.ipynb,total,-1,Late.\n", encoding="utf-8")
    entry = desk.read(out, file).entry("bo")
    assert entry is not None and regrade.locate(entry, ()) == paths[1]
    fixed = executor()
    fixed.by_name["bo.ipynb"] = execution(*autograph_checks("q3_public"))  # a fixed check now passes q2_hidden

    score = regrade.regrade_one(out, entry, paths[1], autograph, fixed)

    assert score.earned == 9.0 and len(fixed.calls) == 1  # 10 from the checks, then the -1 override
    assert desk.read(out, file).entry("bo").stored.earned == 9.0  # type: ignore[union-attr]
    grades = (out / "grades.csv").read_text(encoding="utf-8")
    assert len(grades.splitlines()) == 4 and "Late." in grades
    assert (out / "changes.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        f"{paths[1]},q2,1,3,regraded in the review desk",
        f"{paths[1]},total,8,9,regraded in the review desk; override added"]
    assert not list((out / ".review").iterdir())


def test_the_regrade_button_runs_in_the_background_and_the_page_shows_the_new_score(
    graded: tuple[Path, list[Path]], autograph: Assignment
) -> None:
    out, paths = graded
    fixed = executor()
    fixed.by_name["bo.ipynb"] = execution(*autograph_checks())
    settings = Settings(out=out, overrides=out / "overrides.csv", keys=KEYS, locate=lambda e: regrade.locate(e, ()),
                        regrader=lambda e: regrade.regrade_one(out, e, paths[1], autograph, fixed))
    with TestClient(build(settings)) as client:
        opened(client)
        assert client.post("/s/bo/regrade", data={"form_key": KEYS.form_key}).status_code == 200
        page = ""
        for _ in range(200):  # a thread of the desk; canned checks, so it is quick
            page = client.get("/s/bo").text
            if "Regraded" in page:
                break
            time.sleep(0.05)
    assert "Regraded: 8 before, 11 now." in page and "Score: 11 of 11 points" in page


def test_the_desk_speaks_korean_with_lang_ko(batch: tuple[Path, list[Path]], tmp_path: Path) -> None:
    out, _ = batch
    with TestClient(build(Settings(out=out, overrides=tmp_path / "o.csv", keys=KEYS, language="ko"))) as client:
        page = opened(client).get("/s/bo").text
    assert '<html lang="ko">' in page and "검토 데스크: autograph" in page and "점수: 11점 중 8점" in page


def test_a_hand_graded_question_waits_for_a_ta_until_the_form_scores_it(
    tmp_path: Path, autograph: Assignment
) -> None:
    hand = dataclasses.replace(autograph, questions=tuple(
        dataclasses.replace(q, manual=True) if q.name == "q4" else q for q in autograph.questions))
    checks = tuple(c for c in autograph_checks() if c.question != "q4")
    path = write_notebook(tmp_path / "subs" / "dee.ipynb", "import math")
    grade_all([path], hand, FakeExecutor(execution(*checks)), tmp_path / "out", lambda _: None)
    settings = Settings(out=tmp_path / "out", overrides=tmp_path / "overrides.csv", keys=KEYS)
    with TestClient(build(settings)) as client:
        page = opened(client).get("/s/dee").text
        assert 'id="hand-graded"' in page and "waiting for a TA" in page
        form = {"question": "q4", "points": "1.5", "reason": "Right idea, no reason given.", "by": "kim",
                "form_key": KEYS.form_key}
        assert client.post("/s/dee/override", data=form, follow_redirects=False).status_code == 303
        page = client.get("/s/dee").text
        assert "scored by a TA" in page and "waiting for a TA" not in page
        assert "Score: 10.5 of 11 points" in page
