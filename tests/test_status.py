import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker.models import Link, Recommendation, derive_status

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
