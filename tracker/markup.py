"""Markdown from editors and seed files, rendered to HTML that is safe to show."""

from functools import lru_cache

import markdown
import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> SafeString:
    """Markdown to sanitised HTML: no scripts, event handlers, styles or javascript: links."""
    html = markdown.markdown(text or "", extensions=["tables"], output_format="html")
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
    """seeds/SOURCES.md: the provenance and licences of the source documents."""
    return render_markdown((settings.SEEDS_DIR / "SOURCES.md").read_text(encoding="utf-8"))
