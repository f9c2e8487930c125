"""The rows of the detail and list pages, written by template tags in Python, and their
addresses, built from one reverse() per URL pattern (tracker/addresses.py)."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from tracker.addresses import slug_address
from tracker.models import Document, Link, Recommendation
from tracker.templatetags.tracker_tags import (
    action_items,
    document_rows,
    link_items,
    recommendation_rows,
)

from .factories import make_action, make_administration, make_factsheet, make_link

pytestmark = pytest.mark.django_db

HOSTILE = "<b>Ban</b> & \"ban\" 'again'"
ESCAPED = "&lt;b&gt;Ban&lt;/b&gt; &amp; &quot;ban&quot; &#x27;again&#x27;"


@pytest.fixture
def cited():
    """An accepted link whose every shown value needs escaping."""
    document = make_factsheet(title=HOSTILE, administration=make_administration(name=HOSTILE))
    action = make_action(factsheet=document, text=HOSTILE, section=HOSTILE)
    return make_link(action=action, reason=HOSTILE, relation=Link.Relation.PARTIAL)


@pytest.mark.parametrize(
    "name", ["tracker:recommendation_detail", "tracker:document_detail", "tracker:stage_detail"]
)
@pytest.mark.parametrize("prefix", ["/", "/tracker/"])
def test_a_slug_address_is_what_reverse_gives(name, prefix):
    set_script_prefix(prefix)
    try:
        for slug in ["rejoin-un-human-rights-council", "2024-12-11_day", "x"]:
            assert slug_address(name, slug) == reverse(name, args=[slug])
        assert slug_address(name, "x").startswith(prefix)
    finally:
        clear_script_prefix()


def test_a_slug_the_pattern_refuses_is_refused_as_reverse_refuses_it():
    with pytest.raises(NoReverseMatch):
        slug_address("tracker:document_detail", "not a slug/")


def test_rows_follow_the_address_the_site_is_served_under(cited):
    # As a WSGI server sets it from SCRIPT_NAME. The rows alone, not whole pages: the static
    # files' address would keep the prefix for the rest of the tests.
    recommendation = Recommendation.objects.for_detail_page().get(pk=cited.recommendation_id)
    listed = Recommendation.objects.for_list_page()
    document_address = f"documents/{cited.action.factsheet.slug}/"
    for prefix in ["/tracker/", "/"]:
        set_script_prefix(prefix)
        try:
            assert f'href="{prefix}{document_address}"' in link_items(recommendation.accepted_links)
            assert f'href="{prefix}recommendations/{recommendation.code}/"' in (
                recommendation_rows(listed)
            )
        finally:
            clear_script_prefix()


def test_the_detail_rows_escape_what_editors_and_documents_wrote(client, cited):
    content = client.get(cited.recommendation.get_absolute_url()).content.decode()
    # Twice each: the timeline entry and the evidence list.
    assert content.count(f"<blockquote><p>{ESCAPED}</p></blockquote>") == 2
    assert f'<p class="why">Editor’s reason: {ESCAPED}</p>' in content
    assert f"<p><strong>Partly implements</strong>: {ESCAPED}</p>" in content
    assert f"Fact sheet of the {ESCAPED}: <a " in content
    assert f", section “{ESCAPED}”" in content
    assert HOSTILE not in content


def test_the_list_rows_escape_titles(client, cited):
    recommendation = cited.recommendation
    recommendation.title = HOSTILE
    recommendation.save()
    content = client.get(reverse("tracker:recommendation_list")).content.decode()
    assert f'<a href="{recommendation.get_absolute_url()}">{ESCAPED}</a>' in content
    assert HOSTILE not in content


# The loop the documents list had before `document_rows`, kept to check the tag against it.
DOCUMENT_ROWS_LOOP = """{% for document in page %}
    <tr>
      <th scope="row"><a href="{{ document.get_absolute_url }}">{{ document.title }}</a></th>
      <td data-label="Kind">{{ document.kind_label }}</td>
      <td data-label="Administration">{{ document.administration.name|default:"—" }}</td>
      <td data-label="Published"><time datetime="{{ document.published|date:'Y-m-d' }}">{{ document.published|date:"j M Y" }}</time></td>
      <td class="number" data-label="Actions">{{ document.action_count }}</td>
      <td class="number" data-label="Evidence links">{{ document.evidence_count }}</td>
    </tr>
  {% endfor %}"""  # noqa: E501  (the template as it was, lines and all)


def test_the_document_rows_are_the_template_loop_they_replace(cited):
    make_factsheet(title=HOSTILE, published=datetime.date(2025, 9, 7))  # No administration.
    make_factsheet(subtype=Document.Subtype.EXECUTIVE_ORDER, executive_order_number="14203")
    documents = Document.objects.count_actions_and_evidence(
        list(Document.objects.for_factsheet_list())
    )
    assert len(documents) == 3
    assert document_rows(documents) == Template(DOCUMENT_ROWS_LOOP).render(
        Context({"page": documents})
    )
    assert f">{ESCAPED}</a></th>" in document_rows(documents)
    assert '<td data-label="Administration">—</td>' in document_rows(documents)
    assert ">7 Sep 2025</time>" in document_rows(documents)


# The loop the document page had before `action_items`, kept to check the tag against it.
ACTION_ITEMS_LOOP = """{% for action in actions %}
    <li id="action-{{ action.position }}" value="{{ action.position }}">
      {% if action.subheading %}<p class="subheading">{{ action.subheading }}</p>{% endif %}
      <p>{{ action.text }}</p>
      {% if action.accepted_links %}
      <ul class="asked-by">
        {% for link in action.accepted_links %}
        <li>{{ link.get_relation_display }}: <a href="{{ link.recommendation.get_absolute_url }}">{{ link.recommendation.title }}</a></li>
        {% endfor %}
      </ul>
      {% else %}
      <p class="unasked">Not asked for by the essay.</p>
      {% endif %}
    </li>
    {% endfor %}"""  # noqa: E501  (the template as it was, lines and all)


def test_the_action_items_are_the_template_loop_they_replace(cited):
    document = cited.action.factsheet
    cited.recommendation.title = HOSTILE
    cited.recommendation.save()
    make_link(action=cited.action, relation=Link.Relation.CONTRARY)  # Asked for twice.
    make_action(factsheet=document, subheading=HOSTILE, text="Not asked for.")
    actions = Document.objects.factsheet_page(document.slug).current_actions
    assert [len(action.accepted_links) for action in actions] == [2, 0]
    assert action_items(actions) == Template(ACTION_ITEMS_LOOP).render(
        Context({"actions": actions})
    )
    assert f'<p class="subheading">{ESCAPED}</p>' in action_items(actions)
    assert f">{ESCAPED}</a></li>" in action_items(actions)


# The scorecard's loops before its tags, kept to check the tags against them.
SCORECARD_LOOPS = """{% load tracker_tags %}
{% for status, label, count, percent, offset in scorecard.overall %}{% if count %}<rect class="fill-{{ status }}" x="{{ offset|stringformat:'s' }}" y="0" width="{{ percent|stringformat:'s' }}" height="10"><title>{{ label }}: {{ count }}</title></rect>{% endif %}{% endfor %}
{% for status, label, count, percent, offset in scorecard.overall %}{{ label }} {{ count }}{% if not forloop.last %}, {% endif %}{% endfor %}
{% for status, label, count in scorecard.status_rows %}
    <li><a href="{% url 'tracker:recommendation_list' %}?status={{ status }}{% if as_of %}&amp;as_of={{ as_of|date:'Y-m-d' }}{% endif %}"><strong>{{ count }}</strong> {% status_label status label %}{% if status == "not_found" %} <small>in the {{ scope.searched_count }} documents searched</small>{% endif %}</a></li>
    {% endfor %}
{% for column in columns %}<th scope="col" class="number">{{ column.heading }}<br><small><time datetime="{{ column.on|date:'Y-m-d' }}">{{ column.on|date:"j M Y" }}</time></small></th>{% endfor %}
{% for status, label, counts in column_rows %}
      <tr><th scope="row">{% status_label status label %}</th>{% for count in counts %}<td class="number">{{ count }}</td>{% endfor %}</tr>
      {% endfor %}
{% for status, label, count, y, height in chart.last.bars %}{{ label }} {{ count }}{% if not forloop.last %}, {% endif %}{% endfor %}
{% for x, year in chart.years %}<text x="{{ x }}" y="{{ chart.height|add:13 }}" class="axis">{{ year }}</text>{% endfor %}
{% for status, label, count, y, height in chart.last.bars %}<li>{% status_label status label %} <strong>{{ count }}</strong> in {{ chart.last.on|date:"F Y" }}</li>{% endfor %}
{% for status, label in statuses %}<th scope="col" class="number">{{ label }}</th>{% endfor %}
{% for status, label in statuses %}<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class="fill-{{ status }}" width="10" height="10"></rect></svg> {{ label }}</li>{% endfor %}"""  # noqa: E501  (the template as it was)

SCORECARD_TAGS = """{% load tracker_tags %}
{% meter_rects scorecard.overall %}
{% figures scorecard.overall %}
{% status_total_items scorecard.status_rows as_of scope.searched_count %}
{% column_headings columns %}
{% column_rows column_rows %}
{% figures chart.last.bars %}
{% year_labels chart %}
{% month_legend chart %}
{% status_headings %}
{% status_key %}"""


@pytest.mark.parametrize("as_of", ["", "2024-06-30"])
def test_the_scorecard_tags_are_the_template_loops_they_replace(client, cited, as_of):
    make_link(relation=Link.Relation.IMPLEMENTS)
    response = client.get(reverse("tracker:scorecard"), {"as_of": as_of} if as_of else {})
    context = response.context[0].flatten() | {"statuses": Recommendation.Status.choices}
    assert context["scorecard"].total == 2 and context["chart"].total == 2
    written = Template(SCORECARD_TAGS).render(Context(context))
    assert written == Template(SCORECARD_LOOPS).render(Context(context))
    assert "Partly implemented 1" in written
