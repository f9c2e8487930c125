import numpy as np
import pytest

from tracker.matching import (
    PARAMS,
    Documents,
    Params,
    action_rows,
    action_text,
    describe,
    evaluate,
    evaluate_held_out,
    split_of,
    suggest_all,
    suggest_for_actions,
    without_context,
)
from tracker.models import Link, MatchingIndex

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


@pytest.fixture
def landmines(db):
    """A recommendation, a fact sheet of unrelated bullets, and noise; suggestions stored."""
    recommendation = make_recommendation(
        title="Ban landmines", statement="Ban anti-personnel landmines.", quote="ban"
    )
    make_recommendation(title="Fund the UNFPA", statement="Fund UNFPA.", quote="fund")
    for n in range(4):
        make_action(text=f"Grain stockpiles destroyed in Korea, round {n}.")
    make_action(text="A conference discussed landmines.")  # in the stored fit's vocabulary
    suggest_all(top=3)
    return recommendation


def pending(recommendation):
    return {
        link.action_id: link for link in recommendation.links.filter(review=Link.Review.SUGGESTED)
    }


def test_suggest_stores_a_bullet_its_document_lifts_and_says_which_action_did(landmines):
    factsheet = make_factsheet()
    ban = make_action(factsheet=factsheet, text="Landmines ban announced today.")
    bullet = make_action(factsheet=factsheet, text="Destroy stockpiles not required for Korea.")

    suggest_all(top=3)

    link = pending(landmines)[bullet.pk]
    assert link.explanation["document"]["action"] == ban.pk
    assert f"action #{ban.pk} of its document matches" in describe(link)
    assert len(pending(landmines)) == 3  # the Korean grain, sharing no word, stays out


def test_an_incremental_run_gives_a_new_document_its_context(landmines):
    factsheet = make_factsheet()
    ban = make_action(factsheet=factsheet, text="Landmines ban announced today.")
    bullet = make_action(factsheet=factsheet, text="Destroy stockpiles not required for Korea.")

    suggest_for_actions([ban.pk, bullet.pk], top=3)

    link = pending(landmines)[bullet.pk]
    assert link.explanation["document"]["action"] == ban.pk
    # Its score: its own, plus a share of its document's best, both with the stored fit.
    model, queries = MatchingIndex.objects.get().load()
    row = queries.recommendation_ids.index(landmines.pk)
    vectors = action_rows(model, model.counts([action_text(ban), action_text(bullet)]))
    ban_score, bullet_score = (queries.combined()[row] @ vectors.T).toarray()[0]
    expected = bullet_score + PARAMS.document_weight * max(ban_score, bullet_score)
    assert link.score == pytest.approx(expected, abs=1e-5)


def test_a_new_action_of_a_known_document_rescores_its_pending_neighbours(landmines):
    factsheet = make_factsheet()
    bullet = make_action(factsheet=factsheet, text="Landmines: stockpiles destroyed.")
    suggest_all(top=3)
    before = pending(landmines)[bullet.pk].score
    ban = make_action(factsheet=factsheet, text="Landmines ban announced, a landmines ban.")

    suggest_for_actions([ban.pk], top=3)

    after = pending(landmines)[bullet.pk]
    assert after.score > before  # its document's best is now the new, stronger bullet
    assert after.explanation["document"]["action"] == ban.pk


def test_an_accepted_action_lifts_its_neighbours_on_the_next_incremental_run(landmines):
    factsheet = make_factsheet()
    ban = make_action(factsheet=factsheet, text="Landmines ban announced today.")
    neighbour = make_action(factsheet=factsheet, text="Destroy stockpiles in Korea.")
    suggest_all(top=1)
    assert list(pending(landmines)) == [ban.pk]
    accepted = pending(landmines)[ban.pk]
    accepted.review, accepted.relation, accepted.reason = (
        Link.Review.ACCEPTED,
        Link.Relation.IMPLEMENTS,
        "It bans them.",
    )
    accepted.save()
    unrelated = make_action(text="We hosted the Our Ocean Conference in 2022.")

    suggest_for_actions([unrelated.pk], top=1)

    link = pending(landmines)[neighbour.pk]  # the accepted bullet's document gets the bonus
    assert link.explanation["document"]["accepted_link"] == accepted.pk
    assert f"accepted link #{accepted.pk} is in its document" in describe(link)


def test_the_evaluation_ranks_what_suggest_stores(landmines):
    factsheet = make_factsheet()
    make_action(factsheet=factsheet, text="Landmines ban announced today.")
    bullet = make_action(factsheet=factsheet, text="Destroy stockpiles not required for Korea.")
    suggest_all(top=5)
    stored = list(
        landmines.links.filter(review=Link.Review.SUGGESTED)
        .order_by("-score")
        .values_list("action_id", flat=True)
    )

    figures = evaluate({landmines.code: {bullet.pk}})

    assert figures["mrr"] == pytest.approx(1 / (stored.index(bullet.pk) + 1))
