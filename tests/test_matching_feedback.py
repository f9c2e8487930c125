"""Editors' decisions re-rank suggestions on the next run, and the queue can show which."""

import pytest

from tracker.matching import Decisions, describe, rank, suggest_all, suggest_for_actions
from tracker.models import Link, MatchingIndex

from .factories import make_action, make_link, make_recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def defenders():
    recommendation = make_recommendation(
        title="Stand with human rights defenders",
        statement="Protect human rights defenders at risk.",
        quote="stand with human rights defenders",
    )
    make_recommendation(title="Fund the UNFPA", statement="Fund UNFPA.", quote="fund")
    accepted = make_action(text="Lifeline fund gave emergency grants to embattled defenders.")
    make_link(recommendation=recommendation, action=accepted, reason="Grants to defenders.")
    return recommendation


def pending(recommendation):
    return list(
        recommendation.links.filter(review=Link.Review.SUGGESTED)
        .order_by("-score")
        .values_list("action__text", flat=True)
    )


def test_an_accepted_link_raises_similar_actions_and_says_so(defenders):
    like_accepted = make_action(text="Lifeline fund gave emergency grants to journalists.")
    make_action(text="Defenders were welcomed at a human rights summit.")
    make_action(text="Fund UNFPA programmes.")

    suggest_all(top=5)

    without_feedback = {
        action_id
        for r, ranked in rank(decisions=Decisions({}, {})).top_all(5, {})
        if r == defenders
        for action_id, _, _ in ranked
    }
    link = defenders.links.get(action=like_accepted)
    assert like_accepted.pk not in without_feedback  # no word of the ask
    assert link.score > 0.05
    decision = defenders.links.get(review=Link.Review.ACCEPTED)
    assert link.explanation["feedback"]["review"] == "accepted"
    assert link.explanation["feedback"]["link"] == decision.pk
    assert link.explanation["feedback"]["effect"] > 0


def test_a_rejection_takes_effect_on_the_next_incremental_run_without_a_refit(defenders):
    funding = make_action(text="Human rights defenders at risk got funding for relocation.")
    summit = make_action(text="Human rights defenders spoke at a summit on AI policy.")
    suggest_all(top=5)
    assert pending(defenders)[0] == summit.text or pending(defenders)[0] == funding.text
    index = MatchingIndex.objects.get()
    top_before = pending(defenders)[0]
    first = defenders.links.get(action__text=top_before)
    first.review, first.relation, first.reason = Link.Review.REJECTED, "", "Not this."
    first.save()
    similar = make_action(text=top_before.replace("Human rights", "Women human rights"))

    suggest_for_actions([similar.pk], top=5)

    assert MatchingIndex.objects.get().pk == index.pk  # no refit
    link = defenders.links.get(action=similar)
    assert link.explanation["feedback"]["review"] == "rejected"
    assert link.explanation["feedback"]["link"] == first.pk
    assert link.explanation["feedback"]["effect"] < 0


def test_explanations_name_shared_concepts():
    recommendation = make_recommendation(
        title="Impose targeted sanctions", statement="Sanctions on abusers.", quote="sanctions"
    )
    make_recommendation(title="Protect refugees", statement="Refugees.", quote="refugees")
    action = make_action(text="Treasury designated officials under Global Magnitsky.")
    make_action(text="Protected refugees.")

    suggest_all(top=2)

    link = recommendation.links.get(action=action)
    assert link.explanation == {
        "concepts": ["sanction"],
        "feedback": None,
        "document": None,
        "peer": None,
        "instance": None,
        "revocation": None,
    }


def test_the_review_queue_line_says_why(defenders):
    make_action(text="Lifeline fund gave emergency grants to journalists.")
    suggest_all(top=5)
    decision = defenders.links.get(review=Link.Review.ACCEPTED)
    link = defenders.links.get(action__text__startswith="Lifeline fund gave emergency grants to j")
    assert f"raised by accepted link #{decision.pk}" in describe(link)
