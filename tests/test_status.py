import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker.curation import review_links, set_override
from tracker.models import Action, Link, Recommendation, StatusChange, derive_status

from .factories import make_action, make_link, make_recommendation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("relations", "status"),
    [
        (set(), "not_found"),
        ({"related"}, "not_found"),
        ({"partial", "related"}, "partial"),
        ({"implements", "partial"}, "implemented"),
    ],
)
def test_status_is_derived_from_accepted_relations(relations, status):
    assert derive_status(relations) == status


def test_only_accepted_links_count():
    recommendation = make_recommendation()
    make_link(recommendation=recommendation, review="rejected", relation="implements")
    make_link(recommendation=recommendation, review="suggested", relation="", reason="")
    assert recommendation.refresh_status() == "not_found"

    make_link(recommendation=recommendation, relation="partial")
    assert recommendation.refresh_status() == "partial"
    assert Recommendation.objects.get(pk=recommendation.pk).status == "partial"


def test_an_override_wins_over_the_links():
    recommendation = make_recommendation()
    make_link(recommendation=recommendation)
    recommendation.status_override = "contrary"
    recommendation.status_reason = "The administration did the opposite."
    assert recommendation.refresh_status() == "contrary"


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
