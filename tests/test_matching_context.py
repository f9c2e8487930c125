import numpy as np
import pytest

from tracker.matching import Documents, Params, evaluate_held_out, split_of, without_context

from .factories import make_action, make_factsheet, make_link, make_recommendation


def weights(document, bonus):
    return Params(document_weight=document, accepted_document_bonus=bonus)


def test_an_action_shares_its_documents_best_score():
    # Documents 7 and 9; the third action scores nothing alone but sits beside the best one.
    boosted, _ = Documents([7, 7, 9, 9]).boost([0.4, 0.0, 0.1, 0.05], weights(0.5, 0))
    assert np.allclose(boosted, [0.6, 0.2, 0.15, 0.1])
    assert boosted[1] > boosted[3]


def test_an_excluded_action_lends_nothing_to_its_document():
    boosted, _ = Documents([3, 3, 4]).boost([0.4, 0.1, 0.0], weights(0.5, 0), exclude=[0])
    assert np.allclose(boosted, [0.45, 0.15, 0.0])


def test_a_document_with_an_accepted_link_gets_the_bonus():
    boosted, _ = Documents([1, 2, 5]).boost(
        [0.1, 0.1, 0.1], weights(0, 0.1), accepted_documents=[5, 8]
    )
    assert np.allclose(boosted, [0.1, 0.1, 0.2])


def test_negative_scores_lend_nothing():
    boosted, _ = Documents([0, 0]).boost([-0.2, 0.0], weights(1.0, 0))
    assert np.allclose(boosted, [-0.2, 0.0])


def test_no_actions():
    assert Documents([]).boost([], weights(0.25, 0.1))[0].shape == (0,)


def test_actions_must_come_grouped_by_document():
    with pytest.raises(ValueError):
        Documents([1, 2, 1])


def test_why_names_the_action_and_the_accepted_link_that_lifted_a_candidate():
    documents = Documents([4, 4, 4, 6])
    params = weights(0.5, 0.1)
    _, lending = documents.boost([0.0, 0.4, 0.3, 0.2], params, accepted_documents=[4])
    action_ids = np.array([10, 11, 12, 13])

    assert documents.why(0, lending, params, {4: 99}, action_ids) == {
        "lift": 0.3,
        "action": 11,
        "accepted_link": 99,
    }
    assert documents.why(3, lending, params, {4: 99}, action_ids) is None  # lifted by itself


@pytest.mark.django_db
def test_the_evaluation_recovers_a_bullet_through_its_document():
    code = next(f"landmines-{n}" for n in range(50) if split_of(f"landmines-{n}") == "test")
    recommendation = make_recommendation(
        code=code, title="Ban landmines", statement="Ban anti-personnel landmines.", quote="ban"
    )
    make_recommendation(title="Fund the UNFPA", statement="Fund UNFPA.", quote="fund")
    factsheet = make_factsheet()
    known = make_action(factsheet=factsheet, text="Landmine policy: we limit landmines.")
    make_action(factsheet=factsheet, text="Landmines ban announced today.")
    hidden = make_action(factsheet=factsheet, text="Destroy stockpiles not required for Korea.")
    for n in range(6):
        make_action(text=f"Grain stockpiles destroyed in Korea, round {n}.")
    make_link(recommendation=recommendation, action=known)
    make_link(recommendation=recommendation, action=hidden)
    gold = {code: {hidden.pk}}

    plain = evaluate_held_out(gold, without_context(Params()), split="test")
    in_context = evaluate_held_out(gold, split="test")

    assert plain["recall@10"] == 0.0  # shares no word with the ask nor with the accepted bullet
    assert in_context["recall@5"] == 1.0  # its fact sheet is about landmines
