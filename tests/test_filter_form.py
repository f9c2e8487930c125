"""The filter forms' fields, written by the `control` tag instead of Django's widget templates:
the same HTML, selected values, and errors."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from tracker.filters import DocumentFilter, RecommendationFilter
from tracker.models import Document, Recommendation
from tracker.templatetags.tracker_tags import control, status_label

from .factories import make_action, make_factsheet, make_link, make_recommendation, make_stage

pytestmark = pytest.mark.django_db


def tags(html):
    """HTML with the whitespace between tags removed (Django's select template indents)."""
    return re.sub(r">\s+<", "><", str(html).strip())


@pytest.fixture
def cited():
    """A stage and a document cited as evidence (the document menu offers those)."""
    stage = make_stage(slug="reengage", name="Reengage")
    document = make_factsheet(slug="human-rights-day", title="Human Rights Day & <more>")
    make_link(
        recommendation=make_recommendation(stage=stage), action=make_action(factsheet=document)
    )
    return stage, document


QUERIES = [
    None,
    {"q": 'rights "council" <b>', "stage": "reengage", "status": "implemented"},
    {"document": "human-rights-day", "evidence": "no", "as_of": "2022-06-01", "sort": "title"},
    {"stage": "nope", "status": "bogus", "as_of": "2022-13-45", "sort": "evil"},
    {"document": "not a slug!", "evidence": "maybe", "q": "x" * 300},
]


@pytest.mark.parametrize("query", QUERIES)
def test_each_recommendation_filter_field_is_written_as_djangos_widget_writes_it(cited, query):
    filterset = RecommendationFilter(query, queryset=Recommendation.objects.for_list_page())
    filterset.offer_documents()
    if query:
        filterset.is_valid()
    for field in filterset.form:
        assert tags(control(field)) == tags(field.as_widget()), field.name


@pytest.mark.parametrize("query", [None, {"kind": "factsheet"}, {"administration": "x"}])
def test_each_document_filter_field_is_written_as_djangos_widget_writes_it(query):
    filterset = DocumentFilter(query, queryset=Document.objects.all())
    if query:
        filterset.is_valid()
    for field in filterset.form:
        assert tags(control(field)) == tags(field.as_widget()), field.name


def test_the_list_shows_selected_values_and_marks_invalid_fields(client, cited):
    content = client.get(
        reverse("tracker:recommendation_list"),
        {"stage": "reengage", "status": "bogus", "q": "council"},
    ).content.decode()
    assert '<option value="reengage" selected>Reengage</option>' in content
    assert 'name="q" value="council"' in content
    assert '<select name="status" aria-invalid="true"' in content
    assert "Status: Select a valid choice." in content
    escaped_title = "Human Rights Day &amp; &lt;more&gt;"
    assert f'<option value="human-rights-day">{escaped_title}</option>' in content


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("tracker:recommendation_list", {"stage": "nope", "status": "bogus", "as_of": "2022-13"}),
        ("tracker:document_list", {"kind": "nope", "administration": "x"}),
    ],
)
def test_each_invalid_field_is_described_by_its_error_on_the_page(client, cited, page, query):
    content = client.get(reverse(page), query).content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', content)
    assert len(described) >= 2
    ids = set(re.findall(r' id="([^"]+)"', content))
    for references in described:
        for reference in references.split():
            assert reference in ids, reference


def test_a_status_label_is_escaped():
    assert status_label("partial", "<Partly>") == (
        '<span class="status status-partial">&lt;Partly&gt;</span>'
    )
    rendered = Template("{% load tracker_tags %}{% status_label s l %}").render(
        Context({"s": "implemented", "l": "Implemented"})
    )
    assert rendered == '<span class="status status-implemented">Implemented</span>'


def test_the_recommendation_form_class_is_made_once_and_each_form_has_its_own_menus(cited):
    first, second = (
        RecommendationFilter(None, queryset=Recommendation.objects.for_list_page())
        for _ in range(2)
    )
    first.offer_documents()
    assert type(first.form) is type(second.form)
    assert len(first.form.fields["document"].widget.choices) == 2  # "Any document" and one.
    assert list(second.form.fields["document"].widget.choices) == []
