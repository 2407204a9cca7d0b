"""The feedback notebook as one web page: nbconvert's lab layout, no scripts, nothing fetched.

:func:`render_html` renders with one exporter shared by the batch's threads, and remembers each
Markdown cell's HTML (most cells of a batch's notebooks are the template's own); the page's bytes
are those a plain nbconvert exporter with the same settings makes.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from autograder import i18n

# Imported where used: `tfgrade grade --help` imports the batch and should not wait for nbconvert.
if TYPE_CHECKING:
    import nbformat
    from nbconvert import HTMLExporter

_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{#- No scripts and nothing fetched: the page is a record, like feedback.html. The policy comes first, so it
    also stops what a student's own Markdown or raw cells hold (<script>, onerror=, remote images). -#}
{%- block html_head -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.tfgrade_policy }}">
{{ super() }}
{%- endblock html_head -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style>
.celltag_tfgrade-feedback { background: #eef3fa; border-left: 6px solid #1f5fa8; border-radius: 4px;
  padding: 0.4em 1em; margin: 0.6em 0; }
.celltag_tfgrade-feedback blockquote { border-left: none; background: none; margin: 0; padding: 0; }
/* Fonts with Hangul before the generic family, for Korean notebooks and feedback (issue 14). */
body { --jp-content-font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans KR", "Noto Sans CJK KR",
  "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; --jp-ui-font-family: var(--jp-content-font-family); }
</style>
{%- endblock extra_css -%}
"""
_TEMPLATE_NAME = "tfgrade-feedback-notebook.html.j2"
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
"""The page's Content-Security-Policy: inline styles and embedded images only; no script runs, nothing is fetched.

nbconvert's own ``sanitize_html`` is no use here: it escapes the paragraphs and headings of every
Markdown cell (jupyter/nbconvert#2016)."""
_EXPORTER_LOCK = threading.Lock()
"""The batch writes reports from several threads; one exporter, used by one at a time."""


def render_html(node: nbformat.NotebookNode, title: str) -> str:
    """``node`` as one HTML page (nbconvert's lab layout, no scripts); nothing in it is executed."""
    with _EXPORTER_LOCK:
        return _page(_exporter(), node, title)


def _page(exporter: HTMLExporter, node: nbformat.NotebookNode, title: str) -> str:
    exporter.language_code = i18n.current()  # <html lang>, the feedback's language
    resources = {"metadata": {"name": title}, "tfgrade_policy": POLICY}  # the template escapes the title
    body, _ = exporter.from_notebook_node(node, resources=resources)
    return str(body)


REMEMBERED_CELLS = 2048
REMEMBERED_CHARACTERS = 32_768
"""Per-cell HTML kept for the batch's later notebooks: that many cells of at most that many characters
each (an embedded image is rendered each time), so at most some 100 MB, usually a few."""


@functools.lru_cache(maxsize=REMEMBERED_CELLS)
def _clean_html(text: str) -> str:
    return _bleached(text)


def _bleached(text: str) -> str:
    """nbconvert's ``clean_html`` itself (untyped, hence the one ignore)."""
    from nbconvert import filters as nbconvert_filters

    return str(nbconvert_filters.clean_html(text))  # type: ignore[no-untyped-call]


def _remembered_clean_html(element: str | bytes) -> str:
    """nbconvert's ``clean_html`` (bleach, over half of a page's CPU), remembered per text: most cells of a
    batch's notebooks are the template's own (the assignment's text, the given code), and the filter is
    a function of its text alone, so a remembered result is the same bytes."""
    text = element.decode() if isinstance(element, bytes) else str(element)
    return _clean_html(text) if len(text) <= REMEMBERED_CHARACTERS else _bleached(text)


@cache
def _exporter_class() -> type[HTMLExporter]:
    """nbconvert's HTML exporter, with each Markdown cell's HTML remembered as :func:`_remembered_clean_html`
    remembers its cleaning: by everything the filter reads (the text, the cell's attachments, the path).
    Made on first use: `tfgrade grade --help` imports this module and should not wait for nbconvert."""
    import jinja2
    from nbconvert import HTMLExporter

    class _Exporter(HTMLExporter):
        @jinja2.pass_context
        def markdown2html(self, context: Any, source: str) -> str:
            attachments = json.dumps(context.get("cell", {}).get("attachments", {}), sort_keys=True)
            path = str(context.get("resources", {}).get("metadata", {}).get("path", ""))
            if len(source) + len(attachments) + len(path) > REMEMBERED_CHARACTERS:
                return str(super().markdown2html(context, source))
            return self._markdown(source, attachments, path)

        @functools.cached_property
        def _markdown(self) -> Callable[[str, str, str], str]:
            @functools.lru_cache(maxsize=REMEMBERED_CELLS)
            def render(source: str, attachments: str, path: str) -> str:
                context = {"cell": {"attachments": json.loads(attachments)}, "resources": {"metadata": {"path": path}}}
                return str(HTMLExporter.markdown2html(self, context, source))

            return render

    return _Exporter


@cache
def _exporter() -> HTMLExporter:
    return _exporter_class()(filters={"clean_html": _remembered_clean_html}, **_settings())


def _settings() -> dict[str, Any]:
    """The exporter's settings (also those of a plain nbconvert exporter, to compare pages with)."""
    import jinja2

    return {
        "template_file": _TEMPLATE_NAME,
        "extra_loaders": [jinja2.DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
        "exclude_anchor_links": True,
        # Validated once, after every preprocessor, not after each of them (a dozen times): the same page.
        "optimistic_validation": True,
    }
