"""The desk's web app: Starlette routes, each reading the grading folder afresh, rendered with Jinja2.

Routes (every one behind :class:`Gate`):

* ``GET /``                      the class table; query ``question``, ``status``, ``flag`` filter it, ``sort`` and
                                 ``desc`` order it;
* ``GET /s/{folder}``            one submission: its feedback, every check with the instructor's details, cell
                                 errors, integrity flags, its overrides, the override form and the regrade button;
* ``GET /s/{folder}/file/{name}`` one of its feedback files, inside a sandboxed frame (student output is
                                 untrusted HTML: it runs no script with the desk's origin);
* ``POST /s/{folder}/override``  a decision (:mod:`autograder.review.decisions`);
* ``POST /s/{folder}/regrade``   "regrade this one" (:mod:`autograder.review.regrade`);
* ``GET|POST /login``            the password form, when the desk has a password.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from autograder import i18n, messages
from autograder.core import overrides
from autograder.core.results import FLAG_KINDS, SubmissionResult
from autograder.grading import batch
from autograder.reports import formats as report
from autograder.reports.pages import code_markup, render_message
from autograder.review import decisions, desk, regrade
from autograder.review.auth import COOKIE, Keys

__all__ = ["Settings", "build"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
FEEDBACK_FILES = ("feedback-notebook.html", batch.FEEDBACK_PAGE)
"""The feedback files a submission page may frame, the notebook first (the other files are for download)."""
SANDBOXED = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
"""The CSP of a framed feedback file: no script, no fetch, no form, its own opaque origin."""
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-src 'self'; " \
           "form-action 'self'; img-src 'self' data:"
"""The CSP of the desk's own pages: inline CSS and JS only, nothing fetched from outside."""


@dataclass(frozen=True)
class Settings:
    """What the desk serves and how (from ``tfgrade review``'s options)."""

    out: Path
    overrides: Path
    keys: Keys = field(default_factory=Keys)
    language: str = i18n.DEFAULT
    regrader: Callable[[desk.Entry], Any] | None = None
    """Grades one entry again (:func:`autograder.review.regrade.regrade_one` bound to the assignment and
    executor); None: the desk cannot regrade (shown on the page)."""
    locate: Callable[[desk.Entry], Path | None] = lambda _: None
    """The submitted file of an entry, or None if the desk cannot find it."""


def build(settings: Settings) -> Starlette:
    """The desk's ASGI app."""
    regrades = regrade.Regrades(settings.regrader or _cannot_regrade)
    views = _Views(settings, regrades)
    routes = [
        Route("/", views.class_page),
        Route("/login", views.login, methods=["GET", "POST"]),
        Route("/s/{folder}", views.submission_page),
        Route("/s/{folder}/file/{name}", views.feedback_file),
        Route("/s/{folder}/override", views.override, methods=["POST"]),
        Route("/s/{folder}/regrade", views.regrade, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Gate, keys=settings.keys, language=settings.language)])


def _cannot_regrade(entry: desk.Entry) -> Any:
    raise RuntimeError("this desk was started without a way to grade")


class Gate(BaseHTTPMiddleware):
    """403 for every request without the token or its cookie; the token in a URL is traded for the cookie."""

    def __init__(self, app: Any, keys: Keys, language: str) -> None:
        super().__init__(app)
        self.keys, self.language = keys, language

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        with i18n.using(self.language):
            token = request.query_params.get("token")
            if self.keys.token_ok(token):
                rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                target = request.url.path + (f"?{rest}" if rest else "")
                return with_cookie(RedirectResponse(target, status_code=303), self.keys)
            allowed = self.keys.token_ok(request.cookies.get(COOKIE)) or (
                request.url.path == "/login" and bool(self.keys.password))
            if not allowed:
                return _page("refused.html", status_code=403, has_password=bool(self.keys.password), form_key="")
            response = await call_next(request)
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
            response.headers["Cache-Control"] = "no-store"
            return response


def with_cookie(response: Response, keys: Keys) -> Response:
    response.set_cookie(COOKIE, keys.token, httponly=True, samesite="strict", path="/")
    return response


@dataclass(frozen=True)
class _Views:
    settings: Settings
    regrades: regrade.Regrades

    def read_desk(self) -> desk.Desk:
        return desk.read(self.settings.out, self.settings.overrides)

    async def class_page(self, request: Request) -> Response:
        read = await run_in_threadpool(self.read_desk)
        table = ClassTable.of(read, dict(request.query_params))
        late = any(e.current.late is not None for e in read.entries)
        return _page("class.html", desk=read, table=table, file=str(self.settings.overrides), late=late,
                     form_key=self.settings.keys.form_key)

    async def submission_page(self, request: Request) -> Response:
        read = await run_in_threadpool(self.read_desk)
        entry = read.entry(request.path_params["folder"])
        if entry is None:
            return _page("refused.html", status_code=404, missing=request.path_params["folder"], has_password=False,
                         form_key="")
        return self._submission(read, entry, saved=request.query_params.get("saved") == "1")

    def _submission(self, read: desk.Desk, entry: desk.Entry, *, saved: bool = False, problem: str = "",
                    status_code: int = 200) -> Response:
        folder = read.out / batch.SUBMISSIONS / entry.folder
        frame = next((name for name in FEEDBACK_FILES if (folder / name).is_file()), None)
        located = self.settings.regrader is not None and self.settings.locate(entry) is not None
        return _page("submission.html", status_code=status_code, desk=read, entry=entry, frame=frame,
                     job=self.regrades.get(entry.folder), can_regrade=located, saved=saved, problem=problem,
                     file=str(self.settings.overrides), form_key=self.settings.keys.form_key,
                     TOTAL=overrides.TOTAL, LATE=overrides.LATE)

    async def feedback_file(self, request: Request) -> Response:
        name, folder = request.path_params["name"], request.path_params["folder"]
        read = await run_in_threadpool(self.read_desk)
        path = self.settings.out / batch.SUBMISSIONS / folder / name
        if name not in FEEDBACK_FILES or read.entry(folder) is None or not path.is_file():
            return Response(status_code=404)
        return FileResponse(path, media_type="text/html", headers={"Content-Security-Policy": SANDBOXED})

    async def _posted(self, request: Request) -> tuple[Any, desk.Desk, desk.Entry] | Response:
        """A decision's form, the desk and the submission it is about; or the page that refuses it (no such
        submission, or a form not made by a desk page)."""
        form = await request.form()
        read = await run_in_threadpool(self.read_desk)
        entry = read.entry(request.path_params["folder"])
        if entry is None:
            return Response(status_code=404)
        if not self.settings.keys.form_ok(str(form.get("form_key", ""))):
            return self._submission(read, entry, problem=messages.render(messages.REVIEW_STALE_FORM), status_code=400)
        return form, read, entry

    async def override(self, request: Request) -> Response:
        posted = await self._posted(request)
        if isinstance(posted, Response):
            return posted
        form, read, entry = posted
        decision = decisions.Decision(*(str(form.get(k, "")) for k in ("question", "points", "reason", "by")))
        try:
            await run_in_threadpool(decisions.save_override, self.settings.overrides, read, entry, decision)
        except decisions.DecisionError as exc:
            return self._submission(read, entry, problem=str(exc), status_code=400)
        return RedirectResponse(f"/s/{entry.folder}?saved=1", status_code=303)

    async def regrade(self, request: Request) -> Response:
        posted = await self._posted(request)
        if isinstance(posted, Response):
            return posted
        _form, _read, entry = posted
        self.regrades.start(entry)
        return RedirectResponse(f"/s/{entry.folder}", status_code=303)

    async def login(self, request: Request) -> Response:
        if request.method == "POST":
            form = await request.form()
            if self.settings.keys.password_ok(str(form.get("password", ""))):
                return with_cookie(RedirectResponse("/", status_code=303), self.settings.keys)
        return _page("refused.html", status_code=403, has_password=True, form_key="")


# -- the class table ----------------------------------------------------------------------------

SORTS = ("name", "status", "score", "flags")


@dataclass(frozen=True)
class ClassTable:
    """The rows the class page shows, filtered and ordered as the query asks."""

    rows: tuple[desk.Entry, ...]
    query: dict[str, str]
    statuses: tuple[str, ...]
    flag_kinds: tuple[str, ...] = FLAG_KINDS

    @classmethod
    def of(cls, read: desk.Desk, query: dict[str, str]) -> ClassTable:
        rows = [e for e in read.entries if _shown(e, query, read)]
        rows.sort(key=_sort_key(query.get("sort", "name"), read), reverse=query.get("desc") == "1")
        statuses = tuple(sorted({e.result.status for e in read.entries}))
        return cls(tuple(rows), query, statuses)

    def link(self, **changed: str) -> str:
        """This page's query with ``changed`` (a header's sort link keeps the filters)."""
        return "?" + urlencode({k: v for k, v in {**self.query, **changed}.items() if v})

    def sort_link(self, column: str) -> str:
        ascending = self.query.get("sort", "name") != column or self.query.get("desc") == "1"
        return self.link(sort=column, desc="" if ascending else "1")


def _shown(entry: desk.Entry, query: dict[str, str], read: desk.Desk) -> bool:
    question, status, flag = query.get("question", ""), query.get("status", ""), query.get("flag", "")
    if question in read.questions and (entry.question(question) or 0.0) >= read.questions[question]:
        return False
    if status and entry.result.status != status:
        return False
    kinds = {f.kind for f in entry.result.flags}
    return not flag or (flag == "any" and bool(kinds)) or (flag == "none" and not kinds) or flag in kinds


def _sort_key(column: str, read: desk.Desk) -> Callable[[desk.Entry], Any]:
    if column in read.questions:
        return lambda e: (e.question(column) or 0.0, e.name)
    keys: dict[str, Callable[[desk.Entry], Any]] = {
        "status": lambda e: (e.result.status, e.name),
        "score": lambda e: (e.current.earned, e.name),
        "flags": lambda e: (len(e.result.flags), e.name),
    }
    return keys.get(column, lambda e: e.name)


# -- pages --------------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "" if value is None else report.format_number(value)


def _page(template: str, *, status_code: int = 200, **context: object) -> HTMLResponse:
    html = _environment().get_template(template).render(messages=messages, number=_number, lang=i18n.current(),
                                                         **context)
    return HTMLResponse(html, status_code=status_code)


def flags_text(result: SubmissionResult) -> str:
    return ", ".join(f.short for f in result.flags)


@cache
def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["render"] = render_message
    environment.filters["code"] = code_markup
    environment.globals["flags_text"] = flags_text
    return environment
