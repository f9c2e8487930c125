"""The scorecard's stored counts over time (`tracker.tally`) follow every change of a link, a
review, an override or a document's date, and agree with `status.status_on` on any day."""

import datetime
from collections import Counter

import pytest
from django.urls import reverse

from tracker import tally
from tracker.curation import (
    review_links,
    save_editor_source,
    save_link_edits,
    set_override,
)
from tracker.importers.document_import import import_factsheets
from tracker.importers.recommendations import SeedSummary, _delete_dropped
from tracker.models import Action, Document, EditorSource, Link, Recommendation, Tally
from tracker.status import status_records
from tracker.timeline import month_ends

from .factories import make_action, make_dated_link, make_factsheet, make_recommendation

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.date.today()
# Before the record, the ends of months, the days links are dated on and the days either side.
DAYS = [
    D(2020, 12, 31),
    D(2021, 1, 19),
    *month_ends(D(2021, 1, 20), TODAY),
    *[D(2022, 3, 1) + datetime.timedelta(days=n) for n in range(-1, 2)],
    *[D(2024, 6, 10) + datetime.timedelta(days=n) for n in range(-1, 2)],
    D(2025, 1, 19),
]


def assert_tallies_current():
    """The stored changes are what the links and overrides give now, their sums are the sums
    of the changes, and the counts read from them are `status_on`'s on every day."""
    records = status_records()
    stored = {}
    for pk, day, measure, change in Recommendation.objects.values_list(
        "pk", "tallies__day", "tallies__measure", "tallies__change"
    ):
        if day is not None:
            stored.setdefault(pk, Counter())[day, measure] = change
    for pk, record in records.items():
        assert stored.get(pk, Counter()) == tally.changes_of(record), pk
    total = Counter()
    for changes in stored.values():
        total.update(changes)
    assert sorted(Tally.objects.values_list("period", "day", "measure", "change")) == sorted(
        tally.sums_of(total)
    )
    # The ranges asked for overlap (two days of one month, one day twice), as the scorecard's
    # on the end of an administration does.
    tallies = tally.read([*DAYS, D(2024, 6, 10)], TODAY)
    for day in DAYS:
        counts = tallies.on(day)
        expected = Counter(record.status_on(day) for record in records.values())
        assert {s: counts[s] for s in Recommendation.Status.values} == {
            s: expected[s] for s in Recommendation.Status.values
        }, day
        assert counts[tally.WITH_EVIDENCE] == sum(
            1 for record in records.values() if record.evidence_count_on(day)
        )
    latest = max(
        (d for record in records.values() if (d := record.latest_evidence_on(TODAY))), default=None
    )
    assert tallies.latest_evidence == latest
    ends = month_ends(D(2021, 1, 20), TODAY)
    for end, counts in zip(ends, tallies.month_ends(ends), strict=True):
        expected = Counter(record.status_on(end) for record in records.values())
        assert counts == {s: expected[s] for s in Recommendation.Status.values}, end


@pytest.fixture
def recommendation():
    return make_recommendation()


def decided(recommendation, published, relation="implements"):
    """A suggestion for an action of a document dated `published`, accepted by an editor."""
    action = make_action(factsheet=make_factsheet(published=published))
    link = Link.objects.create(recommendation=recommendation, action=action)
    review_links([link], review="accepted", relation=relation, reason=f"{relation}.")
    link.refresh_from_db()
    return link


def test_a_new_recommendation_counts_as_no_action_found_from_the_beginning(recommendation):
    assert tally.changes_of(status_records()[recommendation.pk]) == {
        (tally.BEGINNING, "not_found"): 1
    }
    assert_tallies_current()


def test_accepting_rejecting_and_changing_a_relation_keep_them_current(recommendation):
    implements = decided(recommendation, D(2022, 3, 1))
    assert_tallies_current()
    contrary = decided(recommendation, D(2024, 6, 10), "contrary")
    decided(make_recommendation(), D(2022, 3, 1), "partial")
    assert_tallies_current()
    review_links([implements], review="rejected", reason="Not quite.")
    assert_tallies_current()
    review_links([contrary], review="accepted", relation="partial", reason="Partly.")
    assert_tallies_current()


def test_editing_and_deleting_links_by_hand_keep_them_current(recommendation):
    link = decided(recommendation, D(2022, 3, 1))
    decided(recommendation, D(2024, 6, 10), "contrary")
    link.relation = "partial"
    save_link_edits([link])
    assert_tallies_current()
    save_link_edits([], [link])
    assert_tallies_current()


def test_overrides_from_a_date_and_always_and_their_removal_keep_them_current(recommendation):
    decided(recommendation, D(2022, 3, 1))
    set_override(recommendation, status="reversed", reason="Undone.", since=D(2024, 6, 10))
    assert_tallies_current()
    set_override(recommendation, status="contrary", reason="Acted against.")
    assert_tallies_current()
    set_override(recommendation, status="", reason="")
    assert_tallies_current()


def test_an_editor_source_redated_moves_its_evidence(recommendation):
    source = EditorSource(
        title="A notice", publisher="Federal Register", url="https://example.org/notice",
        published=D(2022, 3, 1),
    )  # fmt: skip
    save_editor_source(source, passage="The notice.")
    passage = Action.objects.get(factsheet=source)
    link = Link.objects.create(recommendation=recommendation, action=passage)
    review_links([link], review="accepted", relation="implements", reason="Noticed.")
    source.published = D(2024, 6, 10)
    save_editor_source(source, passage="The notice.")
    assert tally.read([D(2023, 1, 1)], TODAY).on(D(2023, 1, 1))["implemented"] == 0
    assert_tallies_current()


SHEET = (
    "---\ndate: '2022-03-01'\nsource_url: https://www.whitehouse.gov/fs/\ntitle: Rights sheet\n"
    "---\n**Section**\n\n-   We rejoined the UN Human Rights Council.\n"
)


def test_a_document_redated_upstream_moves_its_links(recommendation, write_file):
    path = write_file("rights.md", SHEET)
    import_factsheets([path])
    link = Link.objects.create(recommendation=recommendation, action=Action.objects.get())
    review_links([link], review="accepted", relation="implements", reason="Rejoined.")
    write_file("rights.md", SHEET.replace("2022-03-01", "2024-06-10"))

    import_factsheets([path])

    assert Document.objects.get(slug__contains="rights").published == D(2024, 6, 10)
    assert tally.read([D(2023, 1, 1)], TODAY).on(D(2023, 1, 1))["implemented"] == 0
    assert_tallies_current()


def test_a_recommendation_dropped_from_its_file_leaves_the_sums(recommendation):
    kept = make_recommendation(stage=recommendation.stage)
    set_override(recommendation, status="contrary", reason="Acted against.")

    _delete_dropped(recommendation.stage.essay, {kept.code}, "recommendations.yaml",
                    SeedSummary())  # fmt: skip

    assert not Recommendation.objects.filter(pk=recommendation.pk).exists()
    assert_tallies_current()


def test_the_seeds_and_the_scorecard_read_them(client):
    from django.core.management import call_command

    call_command("seed", verbosity=0)
    assert_tallies_current()
    response = client.get(reverse("tracker:scorecard"), {"as_of": "2024-06-10"})
    assert response.status_code == 200


def test_the_tests_own_links_keep_them_current(recommendation):
    make_dated_link(recommendation, D(2022, 3, 1))
    make_dated_link(recommendation, D(2024, 6, 10), "contrary")
    assert_tallies_current()


def test_refresh_all_rebuilds_them_from_the_links(recommendation):
    make_dated_link(recommendation, D(2022, 3, 1))
    Tally.objects.all().delete()
    recommendation.tallies.all().delete()

    tally.refresh_all()

    assert_tallies_current()
