from django import forms, template
from django.forms.boundfield import BoundField
from django.template.context import Context
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

from tracker.markup import render_markdown

register = template.Library()


@register.filter
def markdown(text: str | None) -> SafeString:
    """Render editors' Markdown to sanitised HTML."""
    return render_markdown(text)


@register.simple_tag
def status_label(status: str, label: str) -> SafeString:
    """A status in words, coloured by the site's stylesheet (a tag, not an include: it is
    shown once a row)."""
    return format_html('<span class="status status-{}">{}</span>', status, label)


@register.simple_tag(takes_context=True)
def query_with(context: Context, **changes: str | int | None) -> str:
    """The current query string with some parameters changed (None removes one)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return query.urlencode()


@register.simple_tag
def control(field: BoundField) -> SafeString:
    """The field's input or menu: the HTML Django's widget templates give (the same
    attributes, value, selected option, and aria-invalid with an error), written here
    because those templates cost more than the rest of a list page (an include per option)."""
    widget = field.field.widget
    multiple = isinstance(widget, forms.Select) and widget.allow_multiple_selected
    if not isinstance(widget, (forms.TextInput, forms.Select)) or multiple:
        return field.as_widget()  # Not in the public forms: Django's own rendering.
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    name = escape(context["name"])
    if not isinstance(widget, forms.Select):
        value = "" if context["value"] is None else f' value="{escape(context["value"])}"'
        return mark_safe(
            f'<input type="{escape(context["type"])}" name="{name}"{value}'
            f"{_attributes(context['attrs'])}>"
        )
    options = []
    for group_name, group_options, _ in context["optgroups"]:
        if group_name:
            options.append(f'<optgroup label="{escape(group_name)}">')
        options.extend(
            f'<option value="{escape(option["value"])}"{_attributes(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>"
            for option in group_options
        )
        if group_name:
            options.append("</optgroup>")
    return mark_safe(
        f'<select name="{name}"{_attributes(context["attrs"])}>{"".join(options)}</select>'
    )


def _attributes(attrs: dict[str, object]) -> str:
    """As Django's widgets/attrs.html: True gives a bare attribute, False none."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )
