"""Today's evidence stored for scorecard.csv on SQLite (`tracker.scorecard_evidence`) follows
every write to the links, actions and documents it is made of, and the download reads it."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from tracker import exports, scorecard_evidence
from tracker.models import Document, Link

from .factories import make_action, make_factsheet, make_link, make_recommendation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="SQLite stores the evidence; PostgreSQL's COPY"
    ),
]


def stored():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {scorecard_evidence.TABLE} ORDER BY recommendation_id")
        return cursor.fetchall()


def assert_current(client):
    """The stored rows are the ones made afresh, and the download is the Python writer's."""
    kept = stored()
    scorecard_evidence.install(connection)
    assert kept == stored()
    response = client.get(reverse("tracker:scorecard_csv"))
    export = exports.ScorecardExport()
    expected = "".join(exports.csv_lines(export.rows(), export.columns)).encode()
    assert b"".join(response.streaming_content) == expected


def test_the_stored_evidence_follows_every_write_it_is_made_of(client):
    first, second = make_recommendation(), make_recommendation()
    document = make_factsheet(title='A "quoted", title', published=datetime.date(2024, 5, 1))
    link = make_link(recommendation=first, action=make_action(factsheet=document))
    other = make_link(recommendation=first, reason="Also, partly.", relation="partial")
    make_link(recommendation=second, relation="contrary", reason="Undone.")
    assert len(stored()) == 1  # Only a recommendation with evidence has a row.
    assert_current(client)

    suggested = make_link(recommendation=second, review=Link.Review.SUGGESTED, reason="")
    suggested.review, suggested.relation, suggested.reason = "accepted", "implements", "Yes."
    suggested.save()
    assert_current(client)
    link.reason, link.relation = "Changed its reason.", "partial"
    link.save()
    assert_current(client)
    other.recommendation = second
    other.save()
    assert_current(client)
    suggested.review = Link.Review.REJECTED
    suggested.save()
    assert_current(client)

    action = link.action
    action.position = 0
    action.save()
    action.factsheet = make_factsheet(url="", published=datetime.date(2021, 3, 1))
    action.save()
    assert_current(client)
    document = action.factsheet
    document.title, document.url = "Renamed", "https://example.org/moved"
    document.published = datetime.date(2025, 2, 1)
    document.save()
    assert_current(client)
    document.kind, document.publisher = Document.Kind.EDITOR_SOURCE, "A newspaper"
    document.source_path = ""
    document.save(update_fields=["kind", "publisher", "source_path"])
    assert_current(client)

    other.delete()
    assert_current(client)
    first.delete()
    assert_current(client)
    assert [row[0] for row in stored()] == []


def test_the_download_reads_the_stored_evidence(client):
    link = make_link()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {scorecard_evidence.TABLE} SET evidence = 'stored', evidence_count = 7 "
            "WHERE recommendation_id = %s",
            [link.recommendation_id],
        )
    body = b"".join(client.get(reverse("tracker:scorecard_csv")).streaming_content)
    assert b",7,stored," in body


def test_install_mends_rows_left_behind_while_the_triggers_were_gone(client):
    make_link()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{scorecard_evidence.TABLE}_%"],
        )
        triggers = [name for (name,) in cursor.fetchall()]
        assert len(triggers) == 5
        for name in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
    make_link(reason="While the triggers were gone.")
    assert len(stored()) == 1
    scorecard_evidence.install(connection)
    assert len(stored()) == 2
    assert_current(client)
