import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker.curation import CurationError, review_links, set_override
from tracker.models import Action, Link, Recommendation, StatusChange
from tracker.status import status_on, status_records, status_steps

from .factories import make_action, make_dated_link, make_link, make_recommendation

pytestmark = pytest.mark.django_db
D = datetime.date
JAN, FEB, MAR, APR = D(2021, 1, 25), D(2021, 2, 1), D(2025, 3, 1), D(2025, 4, 1)
LATER = D(2026, 1, 1)


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([], "not_found"),
        ([(JAN, "related")], "not_found"),
        ([(JAN, "partial"), (FEB, "related")], "partial"),
        ([(JAN, "implements"), (FEB, "partial")], "implemented"),
        ([(JAN, "partial"), (FEB, "implements")], "implemented"),
        ([(JAN, "contrary")], "contrary"),
        ([(JAN, "contrary"), (FEB, "contrary")], "contrary"),
        # Acted against first, then done after all: implemented, not reversed.
        ([(JAN, "contrary"), (FEB, "implements")], "implemented"),
        ([(JAN, "contrary"), (FEB, "partial")], "partial"),
        ([(JAN, "implements"), (MAR, "contrary")], "reversed"),
        ([(JAN, "partial"), (MAR, "contrary")], "reversed"),
        ([(JAN, "implements"), (MAR, "contrary"), (APR, "contrary")], "reversed"),
        # Done again after the reversal.
        ([(JAN, "implements"), (MAR, "contrary"), (APR, "implements")], "implemented"),
        ([(JAN, "implements"), (MAR, "contrary"), (APR, "partial")], "partial"),
    ],
)
def test_status_rules(events, status):
    assert status_on(events, LATER) == status
    # The order the links come in does not matter, only their dates.
    assert status_on(list(reversed(events)), LATER) == status


def test_status_on_a_date_counts_only_what_happened_by_the_end_of_that_day():
    events = [(JAN, "implements"), (MAR, "contrary")]
    assert status_on(events, JAN - datetime.timedelta(days=1)) == "not_found"
    assert status_on(events, JAN) == "implemented"
    assert status_on(events, MAR - datetime.timedelta(days=1)) == "implemented"
    assert status_on(events, MAR) == "reversed"
    assert status_steps(events) == [(JAN, "implemented"), (MAR, "reversed")]


@pytest.mark.parametrize(
    "events",
    [
        [(MAR, "implements"), (MAR, "contrary")],
        [(MAR, "contrary"), (MAR, "implements")],
        [(MAR, "contrary"), (MAR, "partial"), (MAR, "implements")],
    ],
)
def test_on_one_day_evidence_counts_before_the_contrary_action(events):
    assert status_on(events, MAR) == "reversed"


def test_same_day_contrary_after_earlier_evidence_and_new_evidence_is_reversed():
    events = [(JAN, "implements"), (MAR, "contrary"), (MAR, "implements")]
    assert status_on(events, MAR) == "reversed"


def test_an_override_holds_from_its_date_and_always_without_one():
    events = [(JAN, "implements")]
    assert status_on(events, FEB, override="contrary") == "contrary"
    assert status_on(events, JAN, override="contrary", override_since=MAR) == "implemented"
    assert status_on(events, MAR, override="contrary", override_since=MAR) == "contrary"


def test_only_accepted_links_count():
    recommendation = make_recommendation()
    make_link(recommendation=recommendation, review="rejected", relation="implements")
    make_link(recommendation=recommendation, review="rejected", relation="contrary")
    make_link(recommendation=recommendation, review="suggested", relation="", reason="")
    assert recommendation.refresh_status() == "not_found"

    make_link(recommendation=recommendation, relation="partial")
    assert recommendation.refresh_status() == "partial"
    assert Recommendation.objects.get(pk=recommendation.pk).status == "partial"


def test_implemented_in_2021_and_undone_in_2025_is_reversed_today():
    recommendation = make_recommendation()
    make_dated_link(recommendation, D(2021, 3, 1), "implements")
    make_dated_link(recommendation, D(2025, 1, 27), "contrary")
    assert recommendation.refresh_status() == "reversed"
    record = status_records()[recommendation.pk]
    assert record.status_on(D(2024, 12, 31)) == "implemented"
    assert record.latest_on(D(2024, 12, 31)) == D(2021, 3, 1)
    assert record.evidence_count_on(LATER) == 1


def test_a_history_entry_only_when_the_public_status_changes():
    recommendation = make_recommendation()
    make_link(recommendation=recommendation, relation="related")
    recommendation.refresh_status()
    assert not StatusChange.objects.filter(recommendation=recommendation).exists()
    assert "We did thing" in Recommendation.objects.get(pk=recommendation.pk).search_text
    make_dated_link(recommendation, D(2021, 3, 1), "implements")
    recommendation.refresh_status()
    make_dated_link(recommendation, D(2021, 4, 1), "partial")
    recommendation.refresh_status()
    changes = StatusChange.objects.filter(recommendation=recommendation)
    assert [(c.from_status, c.to_status) for c in changes] == [("not_found", "implemented")]


def test_an_override_wins_over_the_links():
    recommendation = make_recommendation()
    make_link(recommendation=recommendation)
    recommendation.status_override = "contrary"
    recommendation.status_reason = "The administration did the opposite."
    assert recommendation.refresh_status() == "contrary"


def test_a_dated_override_holds_from_its_date():
    recommendation = make_recommendation()
    make_dated_link(recommendation, D(2021, 3, 1), "implements")
    set_override(recommendation, status="reversed", reason="Rescinded.", since=D(2025, 2, 1))
    assert Recommendation.objects.get(pk=recommendation.pk).status == "reversed"
    record = status_records()[recommendation.pk]
    assert record.status_on(D(2025, 1, 31)) == "implemented"
    assert record.status_on(D(2025, 2, 1)) == "reversed"


def test_an_override_date_in_the_future_is_refused():
    recommendation = make_recommendation()
    future = datetime.date.today() + datetime.timedelta(days=30)
    with pytest.raises(CurationError, match="future"):
        set_override(recommendation, status="contrary", reason="Soon.", since=future)
    recommendation.status_override, recommendation.status_reason = "contrary", "Soon."
    recommendation.status_override_since = future
    with pytest.raises(ValidationError, match="future"):
        recommendation.clean()


def test_the_database_refuses_an_override_without_a_reason():
    recommendation = make_recommendation()
    recommendation.status = recommendation.status_override = "contrary"
    with pytest.raises(IntegrityError), transaction.atomic():
        recommendation.save()
    with pytest.raises(ValidationError, match="public reason"):
        recommendation.clean()


def test_the_database_refuses_an_accepted_link_without_a_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_link(reason="")


def test_the_database_refuses_a_second_link_for_the_same_pair():
    link = make_link()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_link(recommendation=link.recommendation, action=link.action)


def test_the_database_refuses_an_unknown_relation():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_link(relation="inspired")


def test_a_reason_must_be_one_line():
    link = Link(
        recommendation=make_recommendation(),
        action=make_action(),
        relation="implements",
        review="accepted",
        reason="one\ntwo",
    )
    with pytest.raises(ValidationError, match="one line"):
        link.clean()


def test_history_records_only_changes_of_the_public_status():
    recommendation = make_recommendation()
    related = make_link(
        recommendation=recommendation, review="suggested", relation="", reason="", score=0.3
    )

    review_links([related], review="accepted", relation="related", reason="Same topic.")
    recommendation.refresh_from_db()

    assert recommendation.status == "not_found"
    assert "Same topic." in recommendation.search_text  # The search text did change...
    assert not StatusChange.objects.exists()  # ...but the public status did not.

    implementing = make_link(
        recommendation=recommendation, review="suggested", relation="", reason="", score=0.2
    )
    review_links([implementing], review="accepted", relation="implements", reason="Done.")

    changes = list(StatusChange.objects.values_list("from_status", "to_status"))
    assert changes == [("not_found", "implemented")]


def test_an_edited_title_is_not_a_status_change():
    recommendation = make_recommendation()
    recommendation.title = "A better title"
    recommendation.refresh_status()

    assert "A better title" in Recommendation.objects.get(pk=recommendation.pk).search_text
    assert not StatusChange.objects.exists()


def test_rewriting_an_overrides_reason_is_recorded():
    recommendation = make_recommendation()
    set_override(recommendation, status="contrary", reason="Transfers resumed.")
    set_override(recommendation, status="contrary", reason="Transfers resumed in 2023.")
    set_override(recommendation, status="contrary", reason="Transfers resumed in 2023.")

    changes = list(StatusChange.objects.order_by("pk").values_list("to_status", "reason"))
    assert changes == [
        ("contrary", "Transfers resumed."),
        ("contrary", "Transfers resumed in 2023."),
    ]


def test_the_link_rules_each_select_their_links():
    recommendation = make_recommendation()

    def link(review, relation):
        reason = "A reason." if review == "accepted" else ""
        return make_link(
            recommendation=recommendation, review=review, relation=relation, reason=reason
        ).pk

    implements, partial = link("accepted", "implements"), link("accepted", "partial")
    related, rejected = link("accepted", "related"), link("rejected", "implements")
    suggested = link("suggested", "")

    def pks(queryset):
        return set(queryset.values_list("pk", flat=True))

    assert pks(Link.objects.evidence()) == {implements, partial}
    assert pks(Link.objects.accepted()) == {implements, partial, related}
    assert pks(Link.objects.reviewed()) == {implements, partial, related, rejected}
    assert pks(Link.objects.pending()) == {suggested}
    assert pks(recommendation.links.evidence()) == {implements, partial}
    assert Recommendation.objects.with_evidence_count().get().evidence_count == 2


@pytest.mark.parametrize("model", [Link, Action])
def test_default_ordering_joins_no_other_table(model):
    assert "JOIN" not in str(model.objects.all().query)
