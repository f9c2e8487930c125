"""A public page's statements are prepared once per connection, not on every request.

SQLite prepares a statement again on every run when one of its parameters is compared with a
column that a partial index's condition names (`review = ?` against `link_evidence_latest`'s
`review = 'accepted'`). The rules of which links count (`LinkQuerySet.accepted_condition`,
`evidence_condition`) and the status records' condition write their values, the code's own,
into SQLite's SQL (`models.Written`); PostgreSQL is given the same SQL text and parameters as
before.
"""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.models import Q

from tracker.models import Link, Recommendation, Written

from .factories import make_action, make_dated_link, make_factsheet, make_link, make_recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    """Recommendations with accepted, related and suggested links to dated fact sheets."""
    recommendations = [
        make_recommendation(title=f"Rejoin the human rights council {n}") for n in range(3)
    ]
    for number, recommendation in enumerate(recommendations):
        make_dated_link(recommendation, datetime.date(2021, 2, 1 + number))
        make_dated_link(recommendation, datetime.date(2022, 3, 1 + number), relation="partial")
        make_dated_link(recommendation, datetime.date(2023, 4, 1 + number), relation="contrary")
        make_link(
            recommendation=recommendation,
            action=make_action(factsheet=make_factsheet()),
            relation="related",
        )
        make_link(recommendation=recommendation, review="suggested", relation="", reason="")
    return recommendations


def addresses(recommendations):
    recommendation = recommendations[0]
    document = Link.objects.filter(recommendation=recommendation).first().action.factsheet
    return [
        "/recommendations/",
        f"/recommendations/?document={document.slug}",
        "/recommendations/?as_of=2022-12-31",
        "/recommendations/?q=human+rights+council",
        recommendation.get_absolute_url(),
        recommendation.stage.get_absolute_url(),
        "/documents/",
        document.get_absolute_url(),
        "/scorecard.json",
    ]


def test_a_public_page_prepares_nothing_on_a_second_uncached_request(client, record):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's statement cache")
    prepared = {}
    connection.ensure_connection()
    raw = connection.connection

    for address in addresses(record):
        calls = []

        def authorizer(*args, calls=calls):  # Called while a statement is prepared, not run.
            calls.append(args)
            return 0  # SQLITE_OK

        raw.set_authorizer(authorizer)  # (Expires every cached statement.)
        try:
            for _ in range(2):
                calls.clear()
                for cache in caches.all():
                    cache.clear()
                response = client.get(address)
                assert response.status_code == 200, address
        finally:
            raw.set_authorizer(None)
        prepared[address] = len(calls)
    assert prepared == dict.fromkeys(prepared, 0), "authorizer calls: prepared again"


def test_sqlite_reads_the_rules_values_written_in(record):
    sql = str(Link.objects.evidence().query)
    if connection.vendor == "sqlite":
        assert """"review" = 'accepted'""" in sql
        assert """"relation" IN ('implements', 'partial')""" in sql
    assert list(Link.objects.evidence().order_by("pk")) == list(
        Link.objects.filter(review="accepted", relation__in=["implements", "partial"]).order_by(
            "pk"
        )
    )
    assert Recommendation.objects.filter(
        Link.objects.accepted_condition("links__")
    ).distinct().count() == len(record)


def test_other_databases_get_the_sql_and_parameters_a_plain_value_gives():
    # The SQL PostgreSQL is sent is unchanged: `%s` and the same parameters.
    plain = Link.objects.filter(
        Q(review=Link.Review.ACCEPTED) & Q(relation__in=Link.EVIDENCE_RELATIONS)
    )
    plain_sql, plain_params = plain.query.get_compiler(connection=connection).as_sql()
    sql, params = Link.objects.evidence().query.get_compiler(connection=connection).as_sql()
    if connection.vendor == "sqlite":
        assert params == ()
        assert plain_params == (Link.Review.ACCEPTED, *Link.EVIDENCE_RELATIONS)
    else:
        assert (sql, params) == (plain_sql, plain_params)


@pytest.mark.parametrize(
    "values", [("it's",), ("100%",), ("nul\x00",), (7,), (None,), ("a", 7), ()]
)
def test_only_plain_text_is_written_in(values):
    with pytest.raises(TypeError):
        Written(*values)
