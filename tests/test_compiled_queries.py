"""Queries whose SQL each process compiles once (tracker/compiled.py): the recommendation
page runs the same statements on every request, with the request's values."""

import datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django.db.models import Count, Max
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse

from tracker import scorecard
from tracker.compiled import CompiledQuery, sqlite_literal
from tracker.models import Document, Link, Recommendation, Stage, StatusChange, Tally

from .factories import (
    make_action,
    make_administration,
    make_factsheet,
    make_link,
    make_recommendation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recommendation():
    """A recommendation with accepted links (one from a document with no administration),
    a rejected one, and two status changes."""
    recommendation = make_recommendation()
    later = make_factsheet(
        published=datetime.date(2024, 5, 1), administration=make_administration()
    )
    earlier = make_factsheet(published=datetime.date(2023, 5, 1))
    for document, relation, review in [
        (later, Link.Relation.IMPLEMENTS, Link.Review.ACCEPTED),
        (earlier, Link.Relation.PARTIAL, Link.Review.ACCEPTED),
        (earlier, Link.Relation.RELATED, Link.Review.REJECTED),
    ]:
        make_link(
            recommendation=recommendation,
            action=make_action(factsheet=document),
            relation=relation,
            review=review,
        )
    for status in ["partial", "implemented"]:
        StatusChange.objects.create(
            recommendation=recommendation, from_status="not_found", to_status=status
        )
    return recommendation


def compiled_models(client, url):
    """The models whose SQL a second request for `url` compiles (the page cache emptied)."""
    client.get(url)  # The first request compiles.
    cache.clear()
    compiled = []
    original = SQLCompiler.as_sql

    def counting(compiler, *args, **kwargs):
        compiled.append(compiler.query.model)
        return original(compiler, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counting):
        response = client.get(url)
    assert response.status_code == 200
    return set(compiled)


def test_the_detail_page_compiles_its_sql_once(client, recommendation):
    assert compiled_models(client, recommendation.get_absolute_url()) == set()


def test_the_essay_page_compiles_its_sql_once(client, recommendation):
    assert compiled_models(client, reverse("tracker:essay")) == set()


def test_the_stage_page_compiles_its_sql_once(client, recommendation):
    assert compiled_models(client, recommendation.stage.get_absolute_url()) == set()


@pytest.mark.parametrize("query", ["", "?document=uncited"])
def test_the_list_page_compiles_its_menus_once(client, recommendation, query):
    # The rows and their count depend on the query string; the menus (and the label of a
    # value a menu does not offer) not.
    url = reverse("tracker:recommendation_list") + query
    assert not compiled_models(client, url) & {Stage, Document}


def test_the_scorecard_compiles_its_fixed_sql_once(client, recommendation):
    assert compiled_models(client, reverse("tracker:scorecard")) == set()
    # On a date: the tallies and the counts by stage on that date are compiled once too.
    dated = reverse("tracker:scorecard") + "?as_of=2024-12-31"
    assert compiled_models(client, dated) == set()


def test_dates_the_backend_takes_as_text_are_placeholders_too(recommendation):
    def days_up_to(day):
        return Tally.objects.filter(day__lte=day).order_by("day").values_list("day")

    on = CompiledQuery(days_up_to, datetime.date(1901, 1, 1))
    early, late = datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)
    assert on(early) == list(days_up_to(early))
    assert on(late) == list(days_up_to(late))
    assert len(on(late)) > len(on(early))


def test_detail_page_gives_what_the_prefetching_queryset_gives(
    recommendation, django_assert_num_queries
):
    expected = Recommendation.objects.for_detail_page().get(code=recommendation.code)
    with django_assert_num_queries(3):
        found = Recommendation.objects.detail_page(recommendation.code)
        # Everything the page reads of them is already loaded.
        shown = [
            (
                link.pk,
                link.recommendation is found,
                link.action.text,
                link.action.factsheet.title,
                getattr(link.action.factsheet.administration, "name", None),
            )
            for link in found.accepted_links
        ]
        history = [(change.pk, change.recommendation is found) for change in found.history]
        essay = found.stage.essay.title
    assert found.pk == expected.pk and essay == expected.stage.essay.title
    assert [row[0] for row in shown] == [link.pk for link in expected.accepted_links]
    assert len(shown) == 2 and all(row[1] for row in shown)
    assert shown[0][4] is None and shown[1][4] is not None  # Oldest document first.
    assert history == [(change.pk, True) for change in expected.history]
    assert len(history) == 2


def test_detail_page_of_an_unknown_code_is_none(recommendation):
    assert Recommendation.objects.detail_page("no-such-code") is None
    assert Recommendation.objects.detail_page(recommendation.code) is not None


def test_a_placeholder_must_reach_the_parameters(recommendation):
    nowhere = CompiledQuery(lambda title: Recommendation.objects.all(), "\x00t")
    with pytest.raises(ValueError, match="not in the parameters"):
        nowhere("nothing")


def test_the_value_goes_wherever_its_placeholder_is(recommendation):
    def same_title_and_quote(text):
        return Recommendation.objects.filter(title=text, quote=text).values_list("code")

    Recommendation.objects.filter(pk=recommendation.pk).update(quote=recommendation.title)
    twice = CompiledQuery(same_title_and_quote, "\x00t")
    assert twice(recommendation.title) == [(recommendation.code,)]
    assert twice("nothing") == []


def test_the_scorecard_on_a_date_counts_as_the_queryset_does(client, recommendation):
    for day in [datetime.date(2020, 1, 1), datetime.date(2024, 12, 31), datetime.date(2100, 1, 1)]:
        expected = [
            (stage.pk, *(getattr(stage, f"count_{s}") for s in Recommendation.Status.values))
            for stage in scorecard._main_stages(day)
        ]
        compiled = [
            (stage.pk, *(getattr(stage, f"count_{s}") for s in Recommendation.Status.values))
            for stage in scorecard._STAGES_ON(day)
        ]
        assert compiled == expected
    assert expected and any(expected[0][1:]), "the stage counts nothing: the test is void"


def test_values_list_rows_are_the_tuples_django_gives(recommendation):
    querysets = [
        Recommendation.objects.values_list("code", "stage__name").order_by("code"),
        # Annotated before values_list(): the SQL's columns come in another order.
        Recommendation.objects.annotate(link_count=Count("links"))
        .values_list("link_count", "code")
        .order_by("code"),
        Link.objects.values_list("review")
        .annotate(n=Count("pk"), last=Max("action_id"))
        .order_by("review"),
        Link.objects.values_list("reason")
        .order_by()
        .union(StatusChange.objects.values_list("to_status").order_by(), all=True)
        .order_by("-reason"),
    ]
    for queryset in querysets:
        assert CompiledQuery(lambda queryset=queryset: queryset.all())() == list(queryset)


def test_flat_values_are_refused():
    flat = CompiledQuery(lambda: Recommendation.objects.values_list("code", flat=True))
    with pytest.raises(ValueError, match="values_list"):
        flat()


@pytest.fixture
def factsheet():
    """A document with two current actions (one asked for twice, one not asked for) and a
    withdrawn one whose accepted link the page must not show."""
    factsheet = make_factsheet(administration=make_administration())
    asked, unasked = make_action(factsheet=factsheet), make_action(factsheet=factsheet)
    withdrawn = make_action(factsheet=factsheet, withdrawn=True)
    for recommendation in [make_recommendation(), make_recommendation()]:
        make_link(recommendation=recommendation, action=asked)
    make_link(action=unasked, review=Link.Review.REJECTED)
    make_link(action=withdrawn)
    return factsheet


def test_the_document_page_compiles_its_sql_once(client, factsheet):
    assert compiled_models(client, factsheet.get_absolute_url()) == set()


def test_factsheet_page_gives_what_the_prefetching_queryset_gives(
    factsheet, django_assert_num_queries
):
    expected = Document.objects.for_factsheet_page().get(slug=factsheet.slug)
    with django_assert_num_queries(3):
        found = Document.objects.factsheet_page(factsheet.slug)
        shown = [
            (
                action.pk,
                action.factsheet is found,
                [
                    (link.pk, link.action is action, link.recommendation.title)
                    for link in action.accepted_links
                ],
            )
            for action in found.current_actions
        ]
        administration = found.administration.name
    assert administration == expected.administration.name
    assert shown == [
        (
            action.pk,
            True,
            [(link.pk, True, link.recommendation.title) for link in action.accepted_links],
        )
        for action in expected.current_actions
    ]
    assert [len(links) for _, _, links in shown] == [2, 0]


def test_factsheet_page_of_the_essay_or_an_unknown_slug_is_none(factsheet):
    essay = make_recommendation().stage.essay
    assert Document.objects.factsheet_page(essay.slug) is None
    assert Document.objects.factsheet_page("no-such-document") is None


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("accepted", "'accepted'"),
        ("it's", "'it''s'"),
        ("100%", "'100%'"),
        (7, "7"),
        (datetime.date(2025, 1, 20), "'2025-01-20'"),
    ],
)
def test_the_codes_own_values_are_written_as_sqlite_literals(value, literal):
    assert sqlite_literal(value) == literal


@pytest.mark.parametrize(
    "value", [True, None, 1.5, "nul\x00", datetime.datetime(2025, 1, 20, 12, 0), b"bytes"]
)
def test_a_value_with_no_faithful_sqlite_literal_is_refused(value):
    with pytest.raises(TypeError):
        sqlite_literal(value)
