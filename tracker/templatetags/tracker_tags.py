import datetime
import html
from collections.abc import Iterable

from django import forms, template
from django.forms.boundfield import BoundField
from django.template.context import Context
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from tracker.markup import render_markdown
from tracker.models import Document, Link, Recommendation
from tracker.timeline import Entry

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


# The rows of the detail and list pages, written here rather than in a template loop: the
# loops, an include per row and a filter per date were most of those pages' render. Every
# value goes through `_html`, as the templates' autoescaping would.

RELATION_LABELS = dict(Link.Relation.choices)


@register.simple_tag
def link_items(links: Iterable[Link]) -> SafeString:
    """An `<li>` for each of a recommendation's accepted links (from `for_detail_page()`):
    relation, reason, the action's text and its source."""
    return mark_safe(
        "".join(
            f"<li>\n  <p><strong>{_html(RELATION_LABELS[link.relation])}</strong>: "
            f"{_html(link.reason)}</p>\n"
            f"  <blockquote><p>{_html(link.action.text)}</p></blockquote>\n"
            f"  {_cited_source(link)}\n</li>"
            for link in links
        )
    )


@register.simple_tag
def timeline_entries(entries: Iterable[Entry]) -> SafeString:
    """An `<li>` for each `timeline.Entry`: date, relation, the status it left, source,
    the action's text and the editor's reason."""
    return mark_safe(
        "".join(
            f'\n    <li class="relation-{_html(entry.link.relation)}">\n'
            f"      <p>{_time(entry.document.published)} · "
            f"<strong>{_html(RELATION_LABELS[entry.link.relation])}</strong> → "
            f"{status_label(entry.status, entry.status_label)}</p>\n"
            f"      {_timeline_source(entry)}\n"
            f"      <blockquote><p>{_html(entry.link.action.text)}</p></blockquote>\n"
            f'      <p class="why">Editor’s reason: {_html(entry.link.reason)}</p>\n    </li>'
            for entry in entries
        )
    )


@register.simple_tag
def recommendation_rows(
    recommendations: Iterable[Recommendation], show_stage: bool = False
) -> SafeString:
    """A `<tr>` for each recommendation of a list (from `for_list_page()`): title with its
    address (and a search's snippet), stage if asked for, status and evidence count."""
    rows = []
    for recommendation in recommendations:
        snippet = getattr(recommendation, "snippet", "")
        snippet = f'<p class="snippet">{_html(snippet)}</p>' if snippet else ""
        stage = (
            f'<td data-label="Stage">{_html(recommendation.stage.name)}</td>' if show_stage else ""
        )
        status = status_label(recommendation.status, recommendation.get_status_display())
        address = _html(recommendation.get_absolute_url())
        evidence = recommendation.evidence_count  # type: ignore[attr-defined]  # annotated
        rows.append(
            f'\n    <tr>\n      <th scope="row"><a href="{address}">'
            f"{_html(recommendation.title)}</a>{snippet}</th>\n      {stage}\n"
            f'      <td data-label="Status">{status}</td>\n'
            f'      <td class="number" data-label="Evidence">{_html(evidence)}</td>\n    </tr>'
        )
    return mark_safe("".join(rows))


@register.simple_tag
def document_rows(documents: Iterable[Document]) -> SafeString:
    """A `<tr>` for each document of the documents list (from `for_factsheet_list()`, with
    `count_actions_and_evidence`): title with its address, kind, administration, date, and
    its counts of actions and evidence links."""
    return mark_safe(
        "".join(
            f'\n    <tr>\n      <th scope="row"><a href="{_html(document.get_absolute_url())}">'
            f"{_html(document.title)}</a></th>\n"
            f'      <td data-label="Kind">{_html(document.kind_label)}</td>\n'
            f'      <td data-label="Administration">{_administration_name(document)}</td>\n'
            f'      <td data-label="Published"><time datetime="{document.published.isoformat()}">'
            f"{_short_day(document.published)}</time></td>\n"
            f'      <td class="number" data-label="Actions">'
            f"{_html(document.action_count)}</td>\n"  # type: ignore[attr-defined]  # counted
            f'      <td class="number" data-label="Evidence links">'
            f"{_html(document.evidence_count)}</td>\n    </tr>\n  "  # type: ignore[attr-defined]
            for document in documents
        )
    )


def _administration_name(document: Document) -> str:
    """As `{{ document.administration.name|default:"—" }}`."""
    name = document.administration.name if document.administration else ""
    return _html(name) if name else "—"


def _short_day(day: datetime.date) -> str:
    """As the templates' `date:"j M Y"`."""
    return f"{day.day} {MONTHS_3[day.month].title()} {day.year:04d}"


def _html(value: object) -> str:
    """As autoescaping: safe strings as they are, anything else escaped (Django's `escape`
    without its check for lazy arguments, which was a fifth of these rows' cost)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _time(day: datetime.date) -> str:
    """As the templates' `<time datetime="{{ day|date:'Y-m-d' }}">{{ day|date:"j F Y" }}</time>`."""
    return f'<time datetime="{day.isoformat()}">{_day(day)}</time>'


def _day(day: datetime.date) -> str:
    """As the templates' `date:"j F Y"`."""
    return f"{day.day} {MONTHS[day.month]} {day.year:04d}"


def _cited_source(link: Link) -> str:
    """Where a linked action comes from: its document, administration, date and section."""
    document = link.action.factsheet
    if document.is_editor_source:
        return _editor_source(document)
    administration = (
        f" of the {_html(document.administration.name)}" if document.administration else ""
    )
    section = f", section “{_html(link.action.section)}”" if link.action.section else ""
    original = _original_source(document.working_url) if document.url else ""
    return (
        f'<p class="source">{_html(document.kind_label)}{administration}: '
        f'<a href="{_html(document.get_absolute_url())}">{_html(document.title)}</a>, '
        f"{_day(document.published)}{section}{original}</p>"
    )


def _timeline_source(entry: Entry) -> str:
    document = entry.document
    if document.is_editor_source:
        return _editor_source(document)
    original = _original_source(entry.source_url) if document.url else ""
    return (
        f'<p class="source">{_html(document.kind_label)}: '
        f'<a href="{_html(document.get_absolute_url())}">{_html(document.title)}</a>{original}</p>'
    )


def _original_source(url: str) -> str:
    return f' · <a href="{_html(url)}" rel="noopener">original source</a>'


def _editor_source(document: Document) -> str:
    """A source the editors entered by hand, said to be one."""
    return (
        '<p class="source editor-source"><strong>Editor-entered source</strong>: '
        f'{_html(document.publisher)}, <a href="{_html(document.working_url)}" rel="noopener">'
        f"{_html(document.title)}</a>, {_time(document.published)} "
        "<small>(entered by the tracker’s editors; not one of the documents searched)</small></p>"
    )


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
    because those templates cost more than the rest of a list page (an include per option),
    and a menu's options without the dictionary Django makes of each."""
    widget = field.field.widget
    multiple = isinstance(widget, forms.Select) and widget.allow_multiple_selected
    if not isinstance(widget, (forms.TextInput, forms.Select)) or multiple:
        return field.as_widget()  # Not in the public forms: Django's own rendering.
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    if not isinstance(widget, forms.Select):
        context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
        value = "" if context["value"] is None else f' value="{_escaped(context["value"])}"'
        return mark_safe(
            f'<input type="{_escaped(context["type"])}" name="{_escaped(context["name"])}"'
            f"{value}{_attributes(context['attrs'])}>"
        )
    # Read once, as Django does: a model's menu queries on each reading (and list() would
    # count its rows first, with a query of its own).
    choices = [choice for choice in widget.choices]
    if any(isinstance(label, (list, tuple)) for _, label in choices):
        options = _grouped_options(widget, field, attrs)
    else:  # As Select.optgroups: only the first option of the value is selected.
        chosen, options = widget.format_value(field.value()), []
        for value, label in choices:
            value = "" if value is None else value
            selected = chosen and str(value) in chosen
            chosen = chosen if not selected else None
            options.append(
                f'<option value="{_escaped(value)}"{" selected" if selected else ""}>'
                f"{_html(label)}</option>"
            )
    # Widget.get_context: the menu's name and attributes, without Select's options.
    context = forms.Widget.get_context(widget, field.html_name, None, attrs)["widget"]
    return mark_safe(
        f'<select name="{_escaped(context["name"])}"{_attributes(context["attrs"])}>'
        f"{''.join(options)}</select>"
    )


def _grouped_options(widget: forms.Select, field: BoundField, attrs: dict) -> list[str]:
    """A menu's options, through Django's own `optgroups`, for choices in groups."""
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    options = []
    for group_name, group_options, _ in context["optgroups"]:
        if group_name:
            options.append(f'<optgroup label="{_escaped(group_name)}">')
        options.extend(
            f'<option value="{_escaped(option["value"])}"{_attributes(option["attrs"])}>'
            f"{_html(option['label'])}</option>"
            for option in group_options
        )
        if group_name:
            options.append("</optgroup>")
    return options


def _escaped(value: object) -> str:
    """As Django's `escape` (which escapes even a safe string), without its check for lazy
    arguments."""
    return html.escape(str(value))


def _attributes(attrs: dict[str, object]) -> str:
    """As Django's widgets/attrs.html: True gives a bare attribute, False none."""
    return "".join(
        f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )
