"""Markdown from editors and seed files, rendered to HTML that is safe to show."""

from contextlib import suppress
from functools import lru_cache

import markdown
import nh3
from django.conf import settings
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions.toc import TocExtension

from .text import markdown_problem, strip_illegal

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}
SOURCES_TOP_HEADING = 3  # SOURCES.md's `#`: it sits under the about page's h2.


def render_markdown(text: str | None) -> SafeString:
    """Markdown to sanitised HTML: no scripts, event handlers, styles or javascript: links.

    Never fails and never takes long, whatever is stored: characters XML forbids
    are dropped, and text whose Markdown would be slow to parse (see
    `tracker.text`) is shown as escaped plain text with its line breaks.
    """
    text = strip_illegal(text or "")
    html = None
    if markdown_problem(text) is None:
        with suppress(RecursionError):  # Deep nesting the check let through: plain text.
            html = markdown.markdown(text, extensions=["tables"], output_format="html")
    if html is None:
        html = linebreaks(text, autoescape=True)
    return sanitise(html)


def sanitise(html: str) -> SafeString:
    """Only the allowed tags, attributes and link schemes; comments dropped."""
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # nh3 has removed everything unsafe.


@lru_cache(maxsize=1)
def sources_html() -> SafeString:
    """seeds/SOURCES.md: the provenance and licences of the source documents.

    The file is the project's own and far longer than editors' text may be, so it skips
    `render_markdown`'s length limit (parsed once per process, in a fraction of a second).
    """
    text = (settings.SEEDS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    html = markdown.markdown(
        text,
        extensions=["tables", TocExtension(baselevel=SOURCES_TOP_HEADING)],
        output_format="html",
    )
    return sanitise(html)
