"""Today's stored counts of each stage and status (`tracker.status_counts`) follow every write
to the recommendations, and the scorecard reads its counts from them, not from every
recommendation."""

import datetime
import threading
import time

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count
from django.urls import reverse

from bench.synthetic import scale_up
from tracker import status_counts
from tracker.curation import review_links, set_override
from tracker.importers.recommendations import SeedSummary, _delete_dropped
from tracker.models import Link, Recommendation, StatusCount, Tally

from .factories import (
    make_action,
    make_essay,
    make_factsheet,
    make_recommendation,
    make_stage,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def assert_counts_current():
    """The stored counts are the recommendations counted by stage and status now; the stages
    and statuses that have none hold 0 or no row."""
    counted = dict(
        ((stage, status), n)
        for stage, status, n in Recommendation.objects.values_list("stage", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    stored = {
        (stage, status): n
        for stage, status, n in StatusCount.objects.values_list(
            "stage", "status", "recommendation_count"
        )
        if n
    }
    assert stored == counted


def decided(recommendation, published, relation="implements"):
    """A suggestion for an action of a document dated `published`, accepted by an editor."""
    action = make_action(factsheet=make_factsheet(published=published))
    link = Link.objects.create(recommendation=recommendation, action=action)
    review_links([link], review="accepted", relation=relation, reason=f"{relation}.")
    return link


def test_recommendations_created_one_by_one_and_in_bulk():
    stage = make_stage()
    make_recommendation(stage=stage)
    make_recommendation(stage=stage, status="partial")
    assert_counts_current()
    Recommendation.objects.bulk_create(
        Recommendation(
            stage=stage,
            code=f"bulk-{n}",
            position=n,
            title="t",
            statement="s",
            quote="q",
            status=status,
        )
        for n, status in enumerate(["implemented", "implemented", "contrary"])
    )
    assert_counts_current()


def test_editorial_decisions_and_overrides():
    recommendation = make_recommendation()
    other = make_recommendation(stage=recommendation.stage)
    link = decided(recommendation, D(2022, 3, 1))
    decided(other, D(2022, 3, 1), "partial")
    assert_counts_current()
    review_links([link], review="rejected", reason="Not quite.")
    assert_counts_current()
    set_override(other, status="reversed", reason="Undone.", since=D(2024, 6, 10))
    assert_counts_current()
    set_override(other, status="", reason="")
    assert_counts_current()


def test_queryset_updates_bulk_updates_and_moves_between_stages():
    first, second = make_stage(), make_stage()
    recommendations = [make_recommendation(stage=first) for _ in range(3)]
    Recommendation.objects.filter(pk=recommendations[0].pk).update(status="implemented")
    assert_counts_current()
    Recommendation.objects.filter(stage=first).update(stage=second)  # Every row of a stage.
    assert_counts_current()
    for recommendation in recommendations:
        recommendation.refresh_from_db()
        recommendation.stage, recommendation.status = first, "contrary"
    Recommendation.objects.bulk_update(recommendations[1:], ["stage", "status"])
    assert_counts_current()
    Recommendation.objects.filter(pk=recommendations[2].pk).update(title="Retitled")
    assert_counts_current()


def test_deletions_one_by_one_by_queryset_and_of_a_dropped_recommendation():
    stage = make_stage()
    kept, dropped, *others = [make_recommendation(stage=stage) for _ in range(4)]
    set_override(dropped, status="contrary", reason="Acted against.")
    _delete_dropped(stage.essay, {kept.code, *(r.code for r in others)}, "recommendations.yaml",
                    SeedSummary())  # fmt: skip
    assert_counts_current()
    others[0].delete()
    assert_counts_current()
    Recommendation.objects.all().delete()
    assert_counts_current()
    stage.essay.delete()  # Its stages, and their counts, go with it.
    assert not StatusCount.objects.exists()


def test_the_seeds_and_the_scorecard_read_them(client):
    call_command("seed", verbosity=0)
    assert_counts_current()
    assert client.get(reverse("tracker:scorecard")).status_code == 200


def test_the_benchmarks_bulk_scale_up():
    recommendation = make_recommendation()
    essay = recommendation.stage.essay
    essay.body = "The administration should rejoin the council. It should do more."
    essay.save()
    make_action(
        factsheet=make_factsheet(published=D(2022, 3, 1)),
        text="We rejoined the UN Human Rights Council and restored its funding in full. "
        "We sanctioned officials for gross violations of human rights abroad.",
    )

    scale_up(factor=2, recommendations=6, links=8)

    assert Recommendation.objects.count() == 6
    assert_counts_current()


def test_install_counts_the_recommendations_already_there():
    make_recommendation(status="partial")
    StatusCount.objects.all().delete()

    status_counts.install(connection)

    assert_counts_current()


def test_the_scorecard_reads_the_stored_counts(client):
    """Today's counts by stage and in total are the stored ones (a figure planted in them shows),
    so the page reads a row a stage and status, not every recommendation."""
    stage = make_stage(essay=make_essay(published=D(2020, 1, 1)), name="Rebuild")
    make_recommendation(stage=stage)
    StatusCount.objects.filter(stage=stage, status="not_found").update(recommendation_count=41)
    make_recommendation(stage=make_stage(), status="partial")  # Another essay's.

    content = client.get(reverse("tracker:scorecard")).content.decode()

    assert "All 42 recommendations: Implemented 0, Partly implemented 1, No action found 41" in (
        content
    )
    assert 'aria-label="Rebuild: Implemented 0, Partly implemented 0, No action found 41' in (
        content
    )


def test_a_dated_scorecard_reads_its_totals_from_the_sums_it_reads_anyway(client):
    """On a date the totals are the stored sums of `tracker.tally` (one query fewer than
    summing every recommendation's changes up to the date)."""
    make_recommendation(stage=make_stage(essay=make_essay(published=D(2020, 1, 1))))
    Tally.objects.filter(period="month", measure="not_found").update(change=7)

    response = client.get(reverse("tracker:scorecard"), {"as_of": "2024-06-10"})

    assert "All 7 recommendations: Implemented 0, Partly implemented 0, No action found 7" in (
        response.content.decode()
    )


def test_query_counts_today_and_on_a_date(client, django_assert_num_queries):
    stage = make_stage(essay=make_essay(published=D(2020, 1, 1)))
    make_recommendation(stage=stage)
    # Cache version, administrations, the essay's stages, the totals (today: stored counts),
    # the tallies, recent changes, the documents searched, the last review; on a date the
    # totals come with the tallies.
    for query, count in [({}, 8), ({"as_of": "2024-06-10"}, 7)]:
        for _ in range(2):
            with django_assert_num_queries(count):
                client.get(reverse("tracker:scorecard"), query)
            for _ in range(3):
                decided(make_recommendation(stage=stage), D(2022, 3, 1))
                make_recommendation()  # In a stage of an essay of its own.
            cache.clear()  # Factories write directly, not through a publishing writer.


@pytest.mark.django_db(transaction=True)
def test_opposite_moves_in_one_stage_wait_for_each_other():
    """Two editors moving two recommendations of one stage in opposite directions lock the
    stage's two count rows in one order: the second waits, and neither is chosen as the victim
    of a deadlock. PostgreSQL only: SQLite runs one write transaction at a time."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises write transactions: nothing runs at once.")
    stage = make_stage()
    first = make_recommendation(stage=stage, status="implemented")
    second = make_recommendation(stage=stage, status="partial")
    holding, failures = threading.Event(), []

    def other_editor():
        try:
            holding.wait()
            Recommendation.objects.filter(pk=second.pk).update(status="implemented")
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_editor)
    thread.start()
    with transaction.atomic():
        # Halfway through moving `first` from implemented to partial: the implemented row is
        # taken, and the other editor's move has to wait for it.
        list(StatusCount.objects.select_for_update().filter(stage=stage, status="implemented"))
        holding.set()
        _until_a_statement_waits_for_a_lock()
        Recommendation.objects.filter(pk=first.pk).update(status="partial")
    thread.join()

    assert failures == []
    assert_counts_current()


def _until_a_statement_waits_for_a_lock(seconds=5):
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # The activity view is read once per transaction unless its snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("The other editor's move never waited for the row.")
