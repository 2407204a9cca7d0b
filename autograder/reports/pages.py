"""HTML from the Jinja2 templates in ``reports/templates/``, with autoescape on.

Every page (the student's ``feedback.html``, the instructor's ``class.html``) extends
``base.html``: one page shell and one stylesheet (``tfgrade.css``), so restyling every page is one
edit. The self-check's table in Jupyter is ``selfcheck.html``, a fragment.

Whatever a renderer passes in is text, and the templates escape it; nothing is marked safe by
hand. Templates fill in catalog messages with the ``render`` filter::

    {{ messages.HEADING_NEXT|render }}
    {% set earned %}<strong>{{ view.earned }}</strong>{% endset %}
    {{ messages.POINTS|render(earned=earned, points=view.out_of, count=view.count) }}

which escapes the message's text and every value except markup the template itself built (the
``<strong>`` above), so a translated sentence can keep its emphasis where its words go. Text that
may hold `code` (a check's message, a hint) goes through the ``code`` filter, which escapes it and
shows those spans as ``<code>``.

Templates are package files: the cache key hashes them (``autograder.package_files``) and
``pyproject.toml`` ships them as package data.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from autograder import i18n, josa, messages
from autograder.text import code_spans

if TYPE_CHECKING:  # imported on the first page: `tfgrade grade --help` imports the renderers' modules
    import jinja2

__all__ = ["TEMPLATES", "code_markup", "render_message", "render_page"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_page(template: str, **context: object) -> str:
    """The template ``template`` (a file name in ``TEMPLATES``) rendered with ``context``."""
    return _environment().get_template(template).render(**context)


def render_message(message: messages.Message, **values: object) -> Markup:
    """``message`` as HTML: its text escaped, each value escaped unless it is markup already.

    Korean particles after a value are chosen by the value's text as the student sees it (no tags).
    """
    text = escape(messages.template(message, values))
    return Markup(josa.fill(text, lambda marked: Markup(marked).format(**values), _visible))


def code_markup(text: str) -> Markup:
    """Text escaped, with its `code` spans as <code> (the messages mark code with backticks)."""
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if code else escape(part) for part, code in code_spans(str(text))
    )


def _visible(html: str) -> str:
    return Markup(html).striptags()


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["render"] = render_message
    environment.filters["code"] = code_markup
    environment.globals["messages"] = messages
    environment.globals["language"] = i18n.current  # <html lang>: the language the page's messages are in
    return environment
