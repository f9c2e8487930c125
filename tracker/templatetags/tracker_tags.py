from django import template
from django.template.context import Context
from django.utils.safestring import SafeString

from tracker.markup import render_markdown

register = template.Library()


@register.filter
def markdown(text: str | None) -> SafeString:
    """Render editors' Markdown to sanitised HTML."""
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def query_with(context: Context, **changes: str | int | None) -> str:
    """The current query string with some parameters changed (None removes one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()
