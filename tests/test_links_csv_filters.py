"""links.csv takes the list's filters (the links of the recommendations they keep) and refuses
any other parameter rather than ignoring it."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from .factories import make_dated_link, make_recommendation, make_stage

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def record():
    """Two stages; a recommendation implemented in 2022 and one only related to in 2024."""
    first, second = make_stage(slug="reengage"), make_stage(slug="restore")
    rejoin = make_recommendation(
        code="rejoin-council", title="Rejoin the Council", stage=first, status="implemented"
    )
    fund = make_recommendation(code="fund-refugees", title="Fund refugees", stage=second)
    make_dated_link(rejoin, D(2022, 3, 1), slug="council-fact-sheet")
    make_dated_link(rejoin, D(2024, 5, 1), relation="related")
    make_dated_link(fund, D(2024, 5, 1), relation="related", slug="refugee-fact-sheet")
    return rejoin, fund


def codes(client, **query):
    response = client.get(reverse("tracker:links_csv"), query)
    assert response.status_code == 200, b"".join(response.streaming_content)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row["recommendation_code"] for row in csv.DictReader(io.StringIO(body))]


def test_every_link_without_a_filter(client, record):
    assert codes(client) == ["rejoin-council", "rejoin-council", "fund-refugees"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"stage": "restore"}, ["fund-refugees"]),
        ({"status": "implemented"}, ["rejoin-council", "rejoin-council"]),
        ({"status": "contrary"}, []),
        ({"evidence": "no"}, ["fund-refugees"]),
        ({"document": "council-fact-sheet"}, ["rejoin-council", "rejoin-council"]),
        ({"factsheet": "council-fact-sheet"}, ["rejoin-council", "rejoin-council"]),
        ({"document": "refugee-fact-sheet"}, []),  # A related link is no evidence.
        ({"document": "no-such-document"}, []),
        ({"q": "council"}, ["rejoin-council", "rejoin-council"]),
        ({"q": "!@#"}, []),  # A search of punctuation only matches nothing.
        ({"stage": "reengage", "excel": "1"}, ["rejoin-council", "rejoin-council"]),
    ],
)
def test_filters_keep_the_links_of_the_recommendations_they_keep(client, record, query, expected):
    assert codes(client, **query) == expected


def test_filters_on_a_date_read_the_statuses_and_links_of_that_date(client, record):
    assert codes(client, as_of="2021-06-30", status="not_found") == []  # Links of that date.
    assert codes(client, as_of="2022-06-30", status="implemented") == ["rejoin-council"]
    assert codes(client, as_of="2022-06-30", status="not_found") == []


@pytest.mark.parametrize(
    "query",
    [
        {"stage": "nope"},
        {"status": "xx"},
        {"evidence": "maybe"},
        {"q": "x" * 500},
        {"stage": "reengage", "as_of": "2020-01-01"},
    ],
)
def test_an_invalid_filter_value_is_a_400(client, record, query):
    response = client.get(reverse("tracker:links_csv"), query)
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["relation", "sort", "page", "metadata"])
def test_a_parameter_it_does_not_take_is_a_400_that_names_it(client, record, name):
    response = client.get(reverse("tracker:links_csv"), {name: "contrary", "stage": "reengage"})
    assert response.status_code == 400
    message = response.content.decode()
    assert f"'{name}'" in message and "stage" in message and "as_of" in message


def test_filters_apply_where_the_file_is_written_in_python(client, record):
    """An address the SQL cannot move sends PostgreSQL's file through Python's writer."""
    rejoin, _ = record
    make_dated_link(rejoin, D(2023, 1, 1), url="https://WWW.WhiteHouse.gov/briefing-room/odd/")
    assert codes(client, stage="restore") == ["fund-refugees"]
    assert codes(client, stage="reengage", as_of="2023-06-30") == ["rejoin-council"] * 2
