import datetime
import html
from collections.abc import Iterable

from django import forms, template
from django.forms.boundfield import BoundField
from django.template.context import Context
from django.urls import reverse
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from tracker.markup import render_markdown
from tracker.models import Action, Document, Link, Recommendation
from tracker.timeline import Column, Entry, MonthlyChart

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
def action_items(actions: Iterable[Action]) -> SafeString:
    """An `<li>` for each of a document's actions (from `factsheet_page()`): its subheading
    and text, and the recommendations that asked for it (or that none did)."""
    return mark_safe("".join(_action_item(action) for action in actions))


def _action_item(action: Action) -> str:
    subheading = (
        f'<p class="subheading">{_html(action.subheading)}</p>' if action.subheading else ""
    )
    links = action.accepted_links  # type: ignore[attr-defined]  # set by factsheet_page()
    if links:
        asked_by = "".join(
            f"\n        <li>{_html(RELATION_LABELS.get(link.relation, link.relation))}: "
            f'<a href="{_html(link.recommendation.get_absolute_url())}">'
            f"{_html(link.recommendation.title)}</a></li>\n        "
            for link in links
        )
        asked = f'\n      <ul class="asked-by">\n        {asked_by}\n      </ul>\n      '
    else:
        asked = '\n      <p class="unasked">Not asked for by the essay.</p>\n      '
    return (
        f'\n    <li id="action-{action.position}" value="{action.position}">\n'
        f"      {subheading}\n      <p>{_html(action.text)}</p>\n      {asked}\n    </li>\n    "
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
    recommendations: Iterable[Recommendation],
    show_stage: bool = False,
    as_of: datetime.date | None = None,
) -> SafeString:
    """A `<tr>` for each recommendation of a list (from `for_list_page()`): title with its
    address (and a search's snippet), stage if asked for, status and evidence count. On a
    list dated `as_of`, each address shows the recommendation on that date too."""
    on = f"?as_of={as_of.isoformat()}" if as_of else ""
    rows = []
    for recommendation in recommendations:
        snippet = getattr(recommendation, "snippet", "")
        snippet = f'<p class="snippet">{_html(snippet)}</p>' if snippet else ""
        stage = (
            f'<td data-label="Stage">{_html(recommendation.stage.name)}</td>' if show_stage else ""
        )
        status = status_label(recommendation.status, recommendation.get_status_display())
        address = _html(recommendation.get_absolute_url() + on)
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


# The scorecard's loops, written here for the same reason as the rows above: a template loop
# over five statuses cost more than the rest of the scorecard's template together.

STATUS_CHOICES = Recommendation.Status.choices


@register.simple_tag
def meter_rects(shares: Iterable[tuple]) -> SafeString:
    """The bar of `Scorecard.overall()`: a `<rect>` for each status held by any."""
    return mark_safe(
        "".join(
            f'<rect class="fill-{_html(status)}" x="{_html(offset)}" y="0" '
            f'width="{_html(percent)}" height="10"><title>{_html(label)}: {_html(count)}</title>'
            "</rect>"
            for status, label, count, percent, offset in shares
            if count
        )
    )


@register.simple_tag
def figures(rows: Iterable[tuple]) -> SafeString:
    """ "Implemented 6, Partly implemented 1, ..." of rows that start (status, label, count)."""
    return mark_safe(", ".join(f"{_html(row[1])} {_html(row[2])}" for row in rows))


@register.simple_tag
def status_total_items(
    rows: Iterable[tuple], as_of: datetime.date | None, searched_count: int
) -> SafeString:
    """An `<li>` for each status of `Scorecard.status_rows()`: its count, linked to the list of
    those recommendations (on `as_of`, if given)."""
    address = _html(reverse("tracker:recommendation_list"))
    on = f"&amp;as_of={as_of.isoformat()}" if as_of else ""
    searched = f" <small>in the {_html(searched_count)} documents searched</small>"
    return mark_safe(
        "".join(
            f'\n    <li><a href="{address}?status={_html(status)}{on}"><strong>{_html(count)}'
            f"</strong> {status_label(status, label)}"
            f"{searched if status == Recommendation.Status.NOT_FOUND else ''}</a></li>\n    "
            for status, label, count in rows
        )
    )


@register.simple_tag
def column_headings(columns: Iterable[Column]) -> SafeString:
    """A `<th>` for each column of the side-by-side table: its heading and date."""
    return mark_safe(
        "".join(
            f'<th scope="col" class="number">{_html(column.heading)}<br><small>'
            f'<time datetime="{column.on.isoformat()}">{_short_day(column.on)}</time></small></th>'
            for column in columns
        )
    )


@register.simple_tag
def column_rows(rows: Iterable[tuple]) -> SafeString:
    """A `<tr>` for each status of `timeline.status_rows()`: its count in each column."""
    return mark_safe(
        "".join(
            f'\n      <tr><th scope="row">{status_label(status, label)}</th>'
            + "".join(f'<td class="number">{_html(count)}</td>' for count in counts)
            + "</tr>\n      "
            for status, label, counts in rows
        )
    )


@register.simple_tag
def year_labels(chart: MonthlyChart) -> SafeString:
    """The chart's axis: each year's label under its first month."""
    y = chart.height + 13
    return mark_safe(
        "".join(
            f'<text x="{_html(x)}" y="{y}" class="axis">{_html(year)}</text>'
            for x, year in chart.years
        )
    )


@register.simple_tag
def month_legend(chart: MonthlyChart) -> SafeString:
    """The chart's legend: each status and its count in the last month."""
    month = f"{MONTHS[chart.last.on.month]} {chart.last.on.year:04d}"
    return mark_safe(
        "".join(
            f"<li>{status_label(status, label)} <strong>{_html(count)}</strong> in {month}</li>"
            for status, label, count, _, _ in chart.last.bars
        )
    )


@register.simple_tag
def status_headings() -> SafeString:
    """A `<th>` for each status, in order."""
    return mark_safe(
        "".join(
            f'<th scope="col" class="number">{_html(label)}</th>' for _, label in STATUS_CHOICES
        )
    )


@register.simple_tag
def status_key() -> SafeString:
    """The colour of each status."""
    return mark_safe(
        "".join(
            '<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">'
            f'<rect class="fill-{_html(status)}" width="10" height="10"></rect></svg> '
            f"{_html(label)}</li>"
            for status, label in STATUS_CHOICES
        )
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
            selected = str(value) in chosen
            if selected:
                chosen = []
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
