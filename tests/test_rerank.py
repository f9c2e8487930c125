import numpy as np
import pytest

from tracker.matching import evaluate_held_out, split_of
from tracker.rerank import document_boost

from .factories import make_action, make_factsheet, make_link, make_recommendation


def test_an_action_shares_its_documents_best_score():
    # Documents 0 and 1; action 2 scores nothing alone but sits beside the best action.
    boosted = document_boost(
        [0.4, 0.1, 0.0, 0.05], [0, 1, 0, 1], document_weight=0.5, accepted_bonus=0
    )
    assert np.allclose(boosted, [0.6, 0.15, 0.2, 0.1])
    assert boosted[2] > boosted[3]


def test_an_excluded_action_lends_nothing_to_its_document():
    boosted = document_boost(
        [0.4, 0.1, 0.0], [0, 0, 1], exclude={0}, document_weight=0.5, accepted_bonus=0
    )
    assert np.allclose(boosted, [0.45, 0.15, 0.0])


def test_a_document_with_an_accepted_link_gets_the_bonus():
    boosted = document_boost(
        [0.1, 0.1, 0.1], [0, 1, 2], accepted_documents=[2], document_weight=0, accepted_bonus=0.1
    )
    assert np.allclose(boosted, [0.1, 0.1, 0.2])


def test_negative_scores_lend_nothing():
    boosted = document_boost([-0.2, 0.0], [0, 0], document_weight=1.0, accepted_bonus=0)
    assert np.allclose(boosted, [-0.2, 0.0])


def test_no_actions():
    assert document_boost([], []).shape == (0,)


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

    plain = evaluate_held_out(gold, split="test")
    in_context = evaluate_held_out(gold, split="test", document_context=True)

    assert plain["recall@10"] == 0.0  # shares no word with the ask nor with the accepted bullet
    assert in_context["recall@5"] == 1.0  # its fact sheet is about landmines
