"""Instance feedback: an action like one of the recommendation's accepted actions is raised."""

import numpy as np
import pytest

from tracker.matching import (
    PARAMS,
    describe,
    evaluate_held_out,
    split_of,
    suggest_all,
    suggest_for_actions,
    without_instances,
)
from tracker.matching.instances import nearest_mean, why
from tracker.models import MatchingIndex

from .factories import make_action, make_link, make_recommendation
from .test_matching_peers import full_run_with_the_stored_fit, pending, stored


def test_each_recommendation_gets_the_mean_of_its_two_nearest_accepted_actions():
    # Two actions (rows); accepted columns: one recommendation's three, then another's one.
    similarities = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.2, 0.0, 0.0]])

    lifts = nearest_mean(similarities, [0, 3])

    assert np.allclose(lifts, [[0.7, 0.3], [0.2, 0.0]])  # a tie at the best counts twice
    assert why(similarities[0, :3], np.array([7, 8, 9]), {7: 70, 8: 80, 9: 90}, 0.15, 0.7) == {
        "lift": 0.105,
        "action": 7,
        "link": 70,
    }
    assert why(similarities[1, 3:], np.array([5]), {5: 50}, 0.15, 0.0) is None


@pytest.fixture
def coalitions():
    """A broad ask whose accepted actions are diverse instances sharing no word with it."""
    recommendation = make_recommendation(
        title="Build coalitions",
        statement="Build coalitions with allies.",
        quote="build coalitions",
        code=next(f"coalitions-{n}" for n in range(50) if split_of(f"coalitions-{n}") == "test"),
    )
    instances = [
        make_action(text="Joint demarche with Canada on Uyghur forced labour in Xinjiang."),
        make_action(text="Joined Norway to fund landmine clearance in Angola."),
        make_action(text="Declaration with Brazil on Amazon indigenous land defenders."),
    ]
    # Its words must be in the fit for an action like it that comes later (in its document: an
    # incremental run rescores the documents of a recommendation's changed decisions).
    make_action(
        text="Canada reported forced labour in Xinjiang; a joint demarche followed.",
        factsheet=instances[0].factsheet,
    )
    # Weaker and weaker matches of the ask, for the held-out rank to move among.
    for n in range(1, 9):
        make_action(text="We build " + " ".join(f"filler{k}" for k in range(n * 3)) + ".")
    return recommendation, instances


@pytest.mark.django_db
def test_an_action_like_an_accepted_instance_is_suggested_and_names_it(coalitions):
    recommendation, (uyghur, *others) = coalitions
    decision = make_link(recommendation=recommendation, action=uyghur)
    for action in others:
        make_link(recommendation=recommendation, action=action)
    like = make_action(text="Joint demarche with Canada on forced labour in Xinjiang cotton.")

    suggest_all(top=10)

    link = pending(recommendation)[like.pk]
    assert link.explanation["instance"]["action"] == uyghur.pk
    assert link.explanation["instance"]["link"] == decision.pk
    assert link.explanation["instance"]["lift"] > 0.05
    assert describe(link).endswith(f"like accepted action #{uyghur.pk} (link #{decision.pk})")


@pytest.mark.django_db
def test_a_hidden_instance_is_found_through_the_nearest_accepted_one(coalitions):
    recommendation, instances = coalitions
    for action in instances:
        make_link(recommendation=recommendation, action=action)
    hidden = make_action(text="Joint demarche with Canada on forced labour in Xinjiang cotton.")
    make_link(recommendation=recommendation, action=hidden)
    gold = {recommendation.code: {hidden.pk}}

    with_instances = evaluate_held_out(gold, split="test")
    without = evaluate_held_out(gold, without_instances(PARAMS), split="test")

    assert with_instances["mrr"] > without["mrr"]


@pytest.mark.django_db
def test_a_decision_takes_effect_on_the_next_incremental_run(coalitions):
    recommendation, (uyghur, *others) = coalitions
    for action in others:
        make_link(recommendation=recommendation, action=action)
    suggest_all(top=10)
    decision = make_link(recommendation=recommendation, action=uyghur)
    like = make_action(text="Joint demarche with Canada on forced labour in Xinjiang cotton.")

    suggest_for_actions([like.pk], top=10)

    assert MatchingIndex.objects.count() == 1
    assert pending(recommendation)[like.pk].explanation["instance"]["link"] == decision.pk
    incremental = stored()
    full_run_with_the_stored_fit(top=10)
    assert stored() == incremental
