"""Instance feedback: an action like one of the recommendation's accepted actions is raised."""

import numpy as np
import pytest
from scipy import sparse

from tracker.matching import (
    PARAMS,
    Documents,
    Params,
    Ranking,
    describe,
    evaluate_held_out,
    split_of,
    suggest_all,
    suggest_for_actions,
    without_instances,
)
from tracker.matching.context import accepted_documents
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


def ranking_of(units, document_ids, params=PARAMS):
    """A `Ranking` of actions 100, 101, ... with these unit rows (no recommendation rows)."""
    units = sparse.csr_matrix(np.asarray(units, dtype=np.float32))
    return Ranking(
        recommendations=[],
        action_ids=np.arange(100, 100 + units.shape[0]),
        recommendation_vectors=None,
        action_vectors=sparse.hstack([sparse.csr_matrix(units.shape, dtype=np.float32), units]),
        documents=Documents(document_ids),
        params=params,
    )


def every_lift_computed(ranking, scores, count, exclude, accepted):
    """What `Ranking.ranked` must return: every action's lift (the product of the accepted rows
    with every action), the best positive scores, a tie to the lower column."""
    params = ranking.params
    exclude_columns = [ranking.column[a] for a in exclude]
    boosted, _ = ranking.documents.boost(
        scores, params, exclude_columns, accepted_documents(accepted, ranking.document_of)
    )
    units = ranking.action_units[[ranking.column[a] for a in sorted(accepted)]]
    cosines = (units @ ranking.action_units.T).toarray().T
    boosted += params.instance_weight * nearest_mean(cosines, [0])[:, 0]
    order = np.lexsort((np.arange(len(boosted)), -boosted))
    kept = [c for c in order if boosted[c] > 0 and c not in exclude_columns][:count]
    return [(int(ranking.action_ids[c]), float(boosted[c])) for c in kept]


def test_an_action_scoring_nothing_enters_the_top_by_its_lift_alone():
    # 100 is accepted (and reviewed); 101 is just like it but scores nothing by itself.
    ranking = ranking_of([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], [1, 2, 3, 4, 5])
    scores = [0.9, 0.0, 0.2, 0.1, 0.05]

    top = ranking.ranked(scores, 2, {100}, {100: 7}, why=True)

    assert [(action, round(score, 4)) for action, score, _ in top] == [(102, 0.25), (101, 0.15)]
    assert top[1][2]["instance"] == {"lift": 0.15, "action": 100, "link": 7}


def test_a_tie_goes_to_the_lower_column_whether_its_score_is_lifted_or_not():
    # 101 reaches 0.25 by its lift alone (0.25 x a cosine of 1), 102 scores 0.25 by itself.
    params = Params(document_weight=0, accepted_document_bonus=0, instance_weight=0.25)
    lifted_first = ranking_of([[1, 0], [1, 0], [0, 1], [0, 1]], [1, 2, 3, 4], params)
    lifted_last = ranking_of([[1, 0], [0, 1], [1, 0], [0, 1]], [1, 2, 3, 4], params)

    assert lifted_first.ranked([0.9, 0.0, 0.25, 0.1], 1, {100}, {100: 7}) == [(101, 0.25, None)]
    assert lifted_last.ranked([0.9, 0.25, 0.0, 0.1], 1, {100}, {100: 7}) == [(101, 0.25, None)]


@pytest.mark.parametrize("seed", range(8))
def test_the_top_is_that_of_every_lift_computed(seed):
    # Many near ties: a few distinct rows and scores, repeated, in documents of a few actions.
    generator = np.random.default_rng(seed)
    distinct = generator.random((12, 6)) * (generator.random((12, 6)) < 0.4)
    units = distinct[generator.integers(0, 12, 300)]
    units /= np.maximum(np.linalg.norm(units, axis=1, keepdims=True), 1e-9)
    ranking = ranking_of(units, np.sort(generator.integers(0, 120, 300)))
    scores = np.round(generator.random(300) * 0.3 - 0.05, 2)
    action_ids = ranking.action_ids.tolist()
    accepted = {a: n for n, a in enumerate(generator.choice(action_ids, 4, replace=False))}
    exclude = set(accepted) | set(generator.choice(action_ids, 3).tolist())

    for count in (1, 3, 10, 300):
        top = [(a, s) for a, s, _ in ranking.ranked(scores, count, exclude, accepted)]
        assert top == every_lift_computed(ranking, scores, count, exclude, accepted)
