"""Other recommendations' accepted actions raise an action for a similar recommendation."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import sparse

from tracker.matching import (
    PARAMS,
    Decisions,
    Documents,
    Feedback,
    Peers,
    Ranking,
    action_rows,
    action_text,
    describe,
    evaluate_held_out,
    split_of,
    suggest_all,
    suggest_for_actions,
    without_peers,
)
from tracker.matching.analysis import ACTION_FIELDS, candidate_actions
from tracker.matching.index import _recommendations
from tracker.matching.revocations import Revocations
from tracker.matching.suggestions import _suggest
from tracker.models import Link, MatchingIndex

from .factories import make_action, make_link, make_recommendation


def recommendations(count):
    return [SimpleNamespace(pk=10 + n, code=f"r{n}") for n in range(count)]


def test_an_action_gains_the_similarity_of_each_other_recommendation_that_accepted_it():
    # r0 and r1 say the same, r2 something else; columns 4 and 7 are accepted actions.
    units = sparse.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    accepted = {11: {"a": 1, "b": 2}, 12: {"a": 3}, 10: {"c": 4}}
    peers = Peers(units, recommendations(3), accepted, {"a": 4, "b": 7, "c": 9})

    columns, sums = peers.evidence(10)
    assert columns.tolist() == [4, 7, 9]
    assert np.allclose(sums, [1.0, 1.0, 0.0])  # its own acceptance of "c" is no evidence
    _, every = peers.evidence_rows()
    assert np.allclose(every, [[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    assert peers.why(10, 4, 0.25) == {"lift": 0.25, "recommendation": "r1", "link": 1}
    assert peers.why(12, 4, 0.25) is None  # r1 is unlike r2 and r2's own link does not count
    assert peers.why(10, 8, 0.25) is None  # nobody accepted column 8
    assert not Peers(units, recommendations(3), {}, {})


@pytest.fixture
def defenders():
    """Two recommendations about defenders (one accepted an action sharing no word with the
    other) and one about the UNFPA."""
    protect = make_recommendation(
        title="Protect human rights defenders",
        statement="Protect human rights defenders at risk.",
        quote="protect defenders",
    )
    stand = make_recommendation(
        title="Stand with human rights defenders",
        statement="Stand with human rights defenders at risk.",
        quote="stand with defenders",
        code=next(f"stand-{n}" for n in range(50) if split_of(f"stand-{n}") == "test"),
    )
    unfpa = make_recommendation(title="Fund the UNFPA", statement="Fund UNFPA.", quote="fund")
    grants = make_action(text="Lifeline paid for relocation and medical care.")
    make_action(text="Human rights defenders met the Secretary.")
    make_action(text="Fund UNFPA programmes.")
    return protect, stand, unfpa, grants


def pending(recommendation):
    return {
        link.action_id: link
        for link in recommendation.links.filter(review=Link.Review.SUGGESTED).select_related(
            "recommendation", "action"
        )
    }


@pytest.mark.django_db
def test_an_action_accepted_for_a_similar_recommendation_is_suggested_and_says_which(defenders):
    protect, stand, unfpa, grants = defenders
    suggest_all(top=5)
    assert grants.pk not in pending(stand)  # no word of the ask
    decision = make_link(recommendation=protect, action=grants)

    suggest_all(top=5)

    link = pending(stand)[grants.pk]
    assert link.explanation["peer"]["recommendation"] == protect.code
    assert link.explanation["peer"]["link"] == decision.pk
    assert link.score == pytest.approx(link.explanation["peer"]["lift"], abs=1e-4)
    assert describe(link).endswith(f"accepted for {protect.code} (link #{decision.pk})")
    assert grants.pk not in pending(unfpa)  # nothing alike: no lift


@pytest.mark.django_db
def test_a_hidden_link_is_found_through_another_recommendations_decision_not_its_own(defenders):
    protect, stand, _, grants = defenders
    make_link(recommendation=stand, action=grants)
    gold = {stand.code: {grants.pk}}

    assert evaluate_held_out(gold, split="test")["recall@5"] == 0.0  # its own link is hidden

    make_link(recommendation=protect, action=grants)
    with_peers = evaluate_held_out(gold, split="test")
    alone = evaluate_held_out(gold, without_peers(PARAMS), split="test")

    assert with_peers["recall@5"] == 1.0
    assert alone["recall@5"] == 0.0
    cold = evaluate_held_out(gold, split="test", protocol="recommendation")
    assert cold["recall@5"] == 0.0  # cold uses no decision at all


def stored():
    return {
        (link.recommendation_id, link.action_id): (round(link.score, 5), link.explanation)
        for link in Link.objects.filter(review=Link.Review.SUGGESTED)
    }


def full_run_with_the_stored_fit(top):
    """What a full run stores when it ranks with the incremental run's fit (a refit would
    change every score) and the current decisions."""
    model, queries = MatchingIndex.objects.get().load()
    actions = list(candidate_actions().only(*ACTION_FIELDS).order_by("factsheet_id", "pk"))
    recommendations = _recommendations()
    decisions = Decisions.load()
    ranking = Ranking(
        recommendations=recommendations,
        action_ids=np.array([action.pk for action in actions], dtype=np.int64),
        recommendation_vectors=queries.combined(),
        action_vectors=action_rows(model, model.counts([action_text(a) for a in actions])),
        documents=Documents([action.factsheet_id for action in actions]),
        params=model.params,
        model=model,
        feedback=Feedback(model, recommendations, decisions),
        decisions=decisions,
        revocations=Revocations.among(actions),
    ).with_peers(decisions)
    _suggest(ranking, top, recompute=True)


@pytest.mark.django_db
def test_a_decision_on_another_recommendation_takes_effect_on_the_next_incremental_run(defenders):
    protect, stand, _, grants = defenders
    suggest_all(top=5)
    decision = make_link(recommendation=protect, action=grants)
    new = make_action(text="We hosted the Our Ocean Conference in 2022.")

    suggest_for_actions([new.pk], top=5)

    assert pending(stand)[grants.pk].explanation["peer"]["link"] == decision.pk
    incremental = stored()
    full_run_with_the_stored_fit(top=5)
    assert stored() == incremental

    decision.review, decision.relation, decision.reason = Link.Review.REJECTED, "", "No."
    decision.save()
    suggest_for_actions([make_action(text="We hosted a summit on oceans.").pk], top=5)

    assert grants.pk not in pending(stand)  # its only evidence is gone
    incremental = stored()
    full_run_with_the_stored_fit(top=5)
    assert stored() == incremental
